#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace volmacht::http {
namespace {

Handler Named(std::string name) {
  return [name](const Request&) {
    Response r;
    r.body = name;
    return r;
  };
}

std::string Call(const Router::Match& m) { return m.route->handler(Request{}).body; }

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/", Mode::kInline, Named("root"));
    router_.Add("GET", "/items", Mode::kInline, Named("list"));
    router_.Add("POST", "/items", Mode::kBlocking, Named("create"));
    router_.Add("GET", "/items/{id}", Mode::kInline, Named("get"));
    router_.Add("DELETE", "/items/{id}", Mode::kInline, Named("delete"));
    router_.Add("GET", "/items/new", Mode::kInline, Named("new-form"));
    router_.Add("GET", "/items/{id}/parts/{part}", Mode::kInline, Named("part"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  auto m = router_.Find("GET", "/items");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "list");
  EXPECT_TRUE(m.params.empty());
  m = router_.Find("POST", "/items");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "create");
  EXPECT_EQ(m.route->mode, Mode::kBlocking);
  m = router_.Find("GET", "/");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "root");
}

TEST_F(RouterTest, ExtractsParamsInOrder) {
  auto m = router_.Find("GET", "/items/42/parts/wheel");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "part");
  EXPECT_EQ(m.params, (std::vector<std::string>{"42", "wheel"}));
}

TEST_F(RouterTest, LiteralBeatsParam) {
  auto m = router_.Find("GET", "/items/new");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "new-form");
  m = router_.Find("GET", "/items/old");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "get");
}

TEST_F(RouterTest, PercentDecodesParams) {
  auto m = router_.Find("GET", "/items/a%20b%2Fc");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params, (std::vector<std::string>{"a b/c"}));
}

TEST_F(RouterTest, RefusesBrokenEscapesAndControlCharacters) {
  EXPECT_EQ(router_.Find("GET", "/items/a%2").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find("GET", "/items/%zz").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find("GET", "/items/%00").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find("GET", "/items/%0a").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find("GET", "items").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find("GET", "").outcome, Router::Outcome::kBadPath);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.Find("GET", "/nothing").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/items/1/parts").outcome, Router::Outcome::kNotFound);
  // A parameter never matches an empty segment, and a trailing slash is another path.
  EXPECT_EQ(router_.Find("GET", "/items//parts/x").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/items/1/").outcome, Router::Outcome::kNotFound);
  EXPECT_TRUE(router_.Find("GET", "/nothing").allow.empty());
}

TEST_F(RouterTest, KnownPathOtherMethodIsMethodNotAllowed) {
  auto m = router_.Find("PUT", "/items");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, POST");
  m = router_.Find("PATCH", "/items/7");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
  // Methods are case-sensitive (RFC 9110).
  EXPECT_EQ(router_.Find("get", "/items").outcome, Router::Outcome::kMethodNotAllowed);
}

TEST(RouterAddTest, RefusesMalformedAndDuplicatePatterns) {
  Router r;
  EXPECT_THROW(r.Add("GET", "items", Mode::kInline, Named("x")), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/a{b}", Mode::kInline, Named("x")), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/{}", Mode::kInline, Named("x")), std::invalid_argument);
  EXPECT_THROW(r.Add("", "/a", Mode::kInline, Named("x")), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/a", Mode::kInline, Handler{}), std::invalid_argument);
  r.Add("GET", "/a/{id}", Mode::kInline, Named("x"));
  EXPECT_THROW(r.Add("GET", "/a/{other}", Mode::kInline, Named("y")), std::invalid_argument);
  EXPECT_NO_THROW(r.Add("PUT", "/a/{other}", Mode::kInline, Named("y")));
}

}  // namespace
}  // namespace volmacht::http
