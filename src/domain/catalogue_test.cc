// Tests of person.h (PartialDate) and catalogue.h (AgentType, Service::ActiveOn).
#include "domain/catalogue.h"

#include <gtest/gtest.h>

#include "domain/domain_test_util.h"
#include "domain/person.h"

namespace volmacht {
namespace {

using testing::D;

TEST(PartialDate, LatestOfFullDateIsItself) {
  EXPECT_EQ(PartialDate({1980, 5, 17}).Latest(), D(1980, 5, 17));
  EXPECT_EQ(PartialDate({2000, 2, 29}).Latest(), D(2000, 2, 29));
}

TEST(PartialDate, LatestFillsUnknownPartsWithTheLastPossible) {
  EXPECT_EQ(PartialDate({1980, 0, 0}).Latest(), D(1980, 12, 31));
  EXPECT_EQ(PartialDate({1980, 4, 0}).Latest(), D(1980, 4, 30));
  EXPECT_EQ(PartialDate({2000, 2, 0}).Latest(), D(2000, 2, 29));
  EXPECT_EQ(PartialDate({1900, 2, 0}).Latest(), D(1900, 2, 28));
  EXPECT_EQ(PartialDate({2001, 2, 0}).Latest(), D(2001, 2, 28));
}

TEST(PartialDate, LatestRefusesUnknownOrImpossible) {
  EXPECT_FALSE(PartialDate{}.Latest().has_value());
  EXPECT_FALSE(PartialDate({0, 5, 17}).Latest().has_value());
  EXPECT_FALSE(PartialDate({1980, 0, 17}).Latest().has_value());
  EXPECT_FALSE(PartialDate({1980, 13, 1}).Latest().has_value());
  EXPECT_FALSE(PartialDate({1980, 2, 30}).Latest().has_value());
  EXPECT_FALSE(PartialDate({2001, 2, 29}).Latest().has_value());
  EXPECT_FALSE(PartialDate({1980, -1, 1}).Latest().has_value());
  EXPECT_FALSE(PartialDate({1980, 1, 32}).Latest().has_value());
  EXPECT_FALSE(PartialDate({-5, 1, 1}).Latest().has_value());
  EXPECT_TRUE(PartialDate({1980, 0, 0}).known());
  EXPECT_FALSE(PartialDate{}.known());
}

TEST(PartialDate, MatchesComparesOnlyKnownParts) {
  PartialDate full{1980, 5, 17};
  EXPECT_TRUE(full.Matches(D(1980, 5, 17)));
  EXPECT_FALSE(full.Matches(D(1980, 5, 18)));
  EXPECT_FALSE(full.Matches(D(1980, 6, 17)));
  EXPECT_FALSE(full.Matches(D(1981, 5, 17)));

  PartialDate year_month{1980, 5, 0};
  EXPECT_TRUE(year_month.Matches(D(1980, 5, 1)));
  EXPECT_TRUE(year_month.Matches(D(1980, 5, 31)));
  EXPECT_FALSE(year_month.Matches(D(1980, 6, 1)));

  PartialDate year{1980, 0, 0};
  EXPECT_TRUE(year.Matches(D(1980, 1, 1)));
  EXPECT_TRUE(year.Matches(D(1980, 12, 31)));
  EXPECT_FALSE(year.Matches(D(1979, 12, 31)));

  EXPECT_TRUE(PartialDate{}.Matches(D(1950, 1, 1)));
}

TEST(PartialDate, MatchesRefusesAnImpossibleDate) {
  Date bad{std::chrono::year(1980), std::chrono::month(2), std::chrono::day(30)};
  EXPECT_FALSE(PartialDate({1980, 2, 0}).Matches(bad));
  EXPECT_FALSE(PartialDate{}.Matches(bad));
}

TEST(AgentType, NamesRoundTrip) {
  for (AgentType t :
       {AgentType::kCitizen, AgentType::kOrganisation, AgentType::kBoth, AgentType::kNone}) {
    EXPECT_EQ(ParseAgentType(AgentTypeName(t)).value(), t);
  }
  EXPECT_EQ(AgentTypeName(AgentType::kCitizen), "CITIZEN");
  EXPECT_EQ(AgentTypeName(AgentType::kOrganisation), "ORGANISATION");
  EXPECT_EQ(AgentTypeName(AgentType::kBoth), "BOTH");
  EXPECT_EQ(AgentTypeName(AgentType::kNone), "NONE");
  for (const char* bad : {"", "citizen", "ORGANIZATION", "BOTH ", "ALL"}) {
    auto r = ParseAgentType(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(Service, ActiveOnIsInclusiveAtBothEnds) {
  Service s;
  EXPECT_TRUE(s.ActiveOn(D(2026, 1, 1)));  // no bounds: always
  s.active_from = D(2026, 3, 1);
  EXPECT_FALSE(s.ActiveOn(D(2026, 2, 28)));
  EXPECT_TRUE(s.ActiveOn(D(2026, 3, 1)));
  EXPECT_TRUE(s.ActiveOn(D(2099, 3, 1)));
  s.active_until = D(2026, 6, 30);
  EXPECT_TRUE(s.ActiveOn(D(2026, 6, 30)));
  EXPECT_FALSE(s.ActiveOn(D(2026, 7, 1)));
  s.active_from.reset();
  EXPECT_TRUE(s.ActiveOn(D(1990, 1, 1)));
  EXPECT_FALSE(s.ActiveOn(D(2026, 7, 1)));
}

}  // namespace
}  // namespace volmacht

namespace volmacht {
namespace {

// One rule for the catalogue (admin) and the OIDC provider (serve): what one accepts the other
// serves. Before, admin took "https:///cb" and "http://localhost:8080.evil.example/" that
// serve then refused at start-up.
TEST(OidcClientRules, RedirectUris) {
  for (const char* ok : {"https://portal.example/cb", "https://portal.example:8443/cb?x=1",
                         "http://localhost/cb", "http://localhost:8080/cb",
                         "http://127.0.0.1:9/cb", "http://[::1]:8080/cb"}) {
    EXPECT_TRUE(ValidRedirectUri(ok)) << ok;
  }
  for (const char* bad : {"", "https://", "https:///cb", "http://portal.example/cb",
                          "http://localhost.evil.example/cb", "https://portal.example/cb#x",
                          "https://portal.example/c b", "ftp://portal.example/cb",
                          "https://portal.example/\x7f"}) {
    EXPECT_FALSE(ValidRedirectUri(bad)) << bad;
  }
  EXPECT_TRUE(ValidRedirectUri("https://p.example/" + std::string(2048 - 18, 'a')));
  EXPECT_FALSE(ValidRedirectUri("https://p.example/" + std::string(2048 - 17, 'a')));
}

TEST(OidcClientRules, Registration) {
  OidcClientRegistration c{"portal", std::string(64, 'a'), {"https://portal.example/cb"}};
  EXPECT_TRUE(CheckOidcClient(c));
  auto field_of = [](const OidcClientRegistration& r) {
    auto e = CheckOidcClient(r);
    EXPECT_FALSE(e);
    EXPECT_EQ(e ? ErrorCode::kInternal : e.error().code, ErrorCode::kInvalidArgument);
    return e || e.error().params.empty() ? std::string() : e.error().params[0].name;
  };
  OidcClientRegistration bad = c;
  bad.client_id = "";
  EXPECT_EQ(field_of(bad), "client_id");
  bad.client_id = "has space";
  EXPECT_EQ(field_of(bad), "client_id");
  bad.client_id = std::string(129, 'x');
  EXPECT_EQ(field_of(bad), "client_id");
  bad = c;
  bad.secret_sha256_hex = std::string(64, 'A');  // upper case is not the stored form
  EXPECT_EQ(field_of(bad), "secret");
  bad = c;
  bad.redirect_uris = {};
  EXPECT_EQ(field_of(bad), "redirect_uri");
  bad.redirect_uris = {"https://portal.example/cb", "http://portal.example/cb"};
  EXPECT_EQ(field_of(bad), "redirect_uri");
}

}  // namespace
}  // namespace volmacht
