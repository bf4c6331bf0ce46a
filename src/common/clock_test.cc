#include "common/clock.h"

#include <gtest/gtest.h>

namespace volmacht {
namespace {
using namespace std::chrono;

Timestamp Utc(int y, unsigned m, unsigned d, int h, int min) {
  return time_point_cast<microseconds>(sys_days(year(y) / month(m) / day(d)) + hours(h) +
                                       minutes(min));
}

TEST(AmsterdamTime, WinterIsUtcPlusOne) {
  EXPECT_EQ(AmsterdamOffset(Utc(2026, 1, 15, 12, 0)), seconds(3600));
  // 23:30 UTC on 31 Dec is already 1 Jan in Amsterdam.
  EXPECT_EQ(AmsterdamDate(Utc(2026, 12, 31, 23, 30)), year(2027) / 1 / 1);
}

TEST(AmsterdamTime, SummerTimeSwitchesAtOneUtcOnLastSunday) {
  // 2026: last Sunday of March is the 29th, of October the 25th.
  EXPECT_EQ(AmsterdamOffset(Utc(2026, 3, 29, 0, 59)), seconds(3600));
  EXPECT_EQ(AmsterdamOffset(Utc(2026, 3, 29, 1, 0)), seconds(7200));
  EXPECT_EQ(AmsterdamOffset(Utc(2026, 10, 25, 0, 59)), seconds(7200));
  EXPECT_EQ(AmsterdamOffset(Utc(2026, 10, 25, 1, 0)), seconds(3600));
  EXPECT_EQ(AmsterdamDate(Utc(2026, 6, 30, 22, 30)), year(2026) / 7 / 1);
}

TEST(IsoDate, ParsesOnlyRealDates) {
  Date d;
  EXPECT_TRUE(ParseIsoDate("2024-02-29", &d));
  EXPECT_EQ(d, year(2024) / 2 / 29);
  EXPECT_FALSE(ParseIsoDate("2023-02-29", &d));
  EXPECT_FALSE(ParseIsoDate("2023-13-01", &d));
  EXPECT_FALSE(ParseIsoDate("2023-1-01", &d));
  EXPECT_FALSE(ParseIsoDate("20230101", &d));
  EXPECT_FALSE(ParseIsoDate("0000-01-01", &d));
  EXPECT_EQ(FormatIsoDate(year(2026) / 3 / 7), "2026-03-07");
}

TEST(Timestamp, FormatsRfc3339Utc) {
  EXPECT_EQ(FormatTimestamp(Utc(2026, 11, 29, 3, 8) + microseconds(59'000'123)),
            "2026-11-29T03:08:59.000123Z");
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock c(Utc(2026, 1, 1, 12, 0));
  EXPECT_EQ(c.Now(), Utc(2026, 1, 1, 12, 0));
  c.Advance(hours(24));
  EXPECT_EQ(c.Today(), year(2026) / 1 / 2);
}

}  // namespace
}  // namespace volmacht
