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
