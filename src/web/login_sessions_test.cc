// LoginSessionStore and the page helpers: expiry by the injected clock, one-time use, the
// stage compare-and-set, the bound, and escaping.
#include "web/login_sessions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "web/pages.h"

namespace volmacht::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using std::chrono::minutes;
using std::chrono::seconds;

Timestamp T0() { return Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 3 / 10)); }

LoginSession Session(LoginStage stage = LoginStage::kAtDigid) {
  LoginSession s;
  s.stage = stage;
  s.relay_token = "relay";
  return s;
}

TEST(LoginSessionStoreTest, IdsAreLongRandomHexAndDistinct) {
  ManualClock clock(T0());
  LoginSessionStore store(clock);
  auto a = store.Create(Session());
  auto b = store.Create(Session());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(store.Get(*a)->relay_token, "relay");
}

TEST(LoginSessionStoreTest, ExpiresAfterFifteenMinutes) {
  ManualClock clock(T0());
  LoginSessionStore store(clock);
  auto id = store.Create(Session());
  ASSERT_TRUE(id);
  clock.Advance(minutes(15) - seconds(1));
  EXPECT_TRUE(store.Get(*id).has_value());
  clock.Advance(seconds(1));
  EXPECT_FALSE(store.Get(*id).has_value());
  EXPECT_FALSE(store.Take(*id, LoginStage::kAtDigid).has_value());
  EXPECT_FALSE(store.Update(*id, LoginStage::kAtDigid, Session()));
}

TEST(LoginSessionStoreTest, TakeIsOneTimeAndChecksTheStage) {
  ManualClock clock(T0());
  LoginSessionStore store(clock);
  auto id = store.Create(Session(LoginStage::kChoosing));
  ASSERT_TRUE(id);
  EXPECT_FALSE(store.Take(*id, LoginStage::kAtDigid).has_value());
  EXPECT_TRUE(store.Take(*id, LoginStage::kChoosing).has_value());
  EXPECT_FALSE(store.Take(*id, LoginStage::kChoosing).has_value());
  EXPECT_FALSE(store.Get(*id).has_value());
}

TEST(LoginSessionStoreTest, UpdateIsCompareAndSetAndKeepsCreationTime) {
  ManualClock clock(T0());
  LoginSessionStore store(clock);
  auto id = store.Create(Session());
  ASSERT_TRUE(id);
  clock.Advance(minutes(10));
  LoginSession next = Session(LoginStage::kResolving);
  EXPECT_TRUE(store.Update(*id, LoginStage::kAtDigid, next));
  EXPECT_FALSE(store.Update(*id, LoginStage::kAtDigid, next));  // stage moved on
  EXPECT_EQ(store.Get(*id)->stage, LoginStage::kResolving);
  clock.Advance(minutes(5));  // 15 minutes after creation, not after the update
  EXPECT_FALSE(store.Get(*id).has_value());
}

TEST(LoginSessionStoreTest, MalformedOrUnknownIdsFindNothing) {
  ManualClock clock(T0());
  LoginSessionStore store(clock);
  ASSERT_TRUE(store.Create(Session()));
  EXPECT_FALSE(store.Get("").has_value());
  EXPECT_FALSE(store.Get("zz").has_value());
  EXPECT_FALSE(store.Get(std::string(64, 'a')).has_value());
  EXPECT_FALSE(store.Get(std::string(64, 'A')).has_value());
}

TEST(LoginSessionStoreTest, BoundedRefusesWhenFullUntilSessionsExpire) {
  ManualClock clock(T0());
  LoginSessionStore store(clock, 2);
  ASSERT_TRUE(store.Create(Session()));
  ASSERT_TRUE(store.Create(Session()));
  auto third = store.Create(Session());
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  clock.Advance(minutes(15));
  EXPECT_TRUE(store.Create(Session()));
  EXPECT_EQ(store.size(), 1u);
}

TEST(PagesTest, ChoicePageIsAnAccessibleFormAndEscapes) {
  ChoiceView v;
  v.organisation = "Gemeente <Test>";
  v.service = "Parkeren & meer";
  v.csrf_token = "tok\"en";
  v.allow_myself = true;
  v.principals = {{"0", "Jan <b>Jansen</b>"}};
  std::string h = ChoicePage(v);
  EXPECT_THAT(h, HasSubstr("<html lang=\"nl\">"));
  EXPECT_THAT(h, HasSubstr("<form method=\"post\" action=\"/inloggen/kies\">"));
  EXPECT_THAT(h, HasSubstr("<fieldset>"));
  EXPECT_THAT(h, HasSubstr("<legend>Kies voor wie u inlogt</legend>"));
  EXPECT_THAT(h, HasSubstr("value=\"mijzelf\" required> <label for=\"keuze-0\">Mijzelf</label>"));
  EXPECT_THAT(h, HasSubstr("<label for=\"keuze-1\">Jan &lt;b&gt;Jansen&lt;/b&gt;</label>"));
  EXPECT_THAT(h, HasSubstr("Gemeente &lt;Test&gt;"));
  EXPECT_THAT(h, HasSubstr("Parkeren &amp; meer"));
  EXPECT_THAT(h, HasSubstr("value=\"tok&quot;en\""));
  EXPECT_THAT(h, HasSubstr(">Doorgaan</button>"));
  EXPECT_THAT(h, HasSubstr(">Annuleren</button>"));
  EXPECT_THAT(h, Not(HasSubstr("<script")));
  EXPECT_THAT(h, Not(HasSubstr("http")));  // no external assets

  v.allow_myself = false;
  v.error = "Kies voor wie u inlogt.";
  h = ChoicePage(v);
  EXPECT_THAT(h, Not(HasSubstr("mijzelf")));
  EXPECT_THAT(h, HasSubstr("role=\"alert\""));
  EXPECT_THAT(h, HasSubstr("<fieldset aria-describedby=\"fout\">"));
}

TEST(PagesTest, ResponsesCarryTheSecurityHeaders) {
  http::Response r = HtmlResponse(200, "x", "https://sp.example:8443/acs?x=1");
  auto header = [&](const char* name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header("Cache-Control"), "no-store");
  EXPECT_EQ(header("X-Frame-Options"), "DENY");
  EXPECT_EQ(header("Referrer-Policy"), "no-referrer");
  std::string csp = header("Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, HasSubstr("form-action 'self' https://sp.example:8443;"));
  EXPECT_THAT(csp, Not(HasSubstr("script-src")));
  // Anything but a plain origin stays out of the header.
  EXPECT_EQ(OriginOf("https://a.example/x"), "https://a.example");
  EXPECT_EQ(OriginOf("https://a.example;script-src *"), "");
  EXPECT_EQ(OriginOf("javascript:alert(1)"), "");
  EXPECT_EQ(OriginOf("https://"), "");

  // One disclosure rule: the page tells the kind of error, never our message (escaped or
  // not); the reason goes to the log line.
  http::Response e = ErrorResponse(Error::Invalid("bad <thing>").Because("test.bad_thing"));
  EXPECT_EQ(e.status, 400);
  EXPECT_THAT(e.body, Not(HasSubstr("thing")));
  EXPECT_THAT(e.body, HasSubstr("Ongeldig verzoek"));
  EXPECT_EQ(e.error_reason, "test.bad_thing");
  EXPECT_EQ(ErrorResponse(Error::Unavailable("x")).status, 503);
  EXPECT_EQ(ErrorResponse(Error::Forbidden("x")).status, 403);
  EXPECT_EQ(ErrorResponse(Error::TooLarge("x")).status, 413);
  EXPECT_EQ(ErrorResponse(Error::Internal("x")).status, 500);
}

}  // namespace
}  // namespace volmacht::web
