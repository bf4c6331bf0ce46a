#include "common/clock.h"

#include <cstdio>

namespace volmacht {
namespace {
using std::chrono::days;
using std::chrono::sys_days;

// 01:00 UTC on the last Sunday of `month` in year y.
std::chrono::sys_seconds LastSundayOneUtc(std::chrono::year y, std::chrono::month m) {
  sys_days last = sys_days(y / m / std::chrono::last);
  std::chrono::weekday wd(last);
  sys_days sunday = last - days((wd - std::chrono::Sunday).count());
  return std::chrono::sys_seconds(sunday) + std::chrono::hours(1);
}
}  // namespace

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

Date Clock::Today() const { return AmsterdamDate(Now()); }

std::chrono::seconds AmsterdamOffset(Timestamp t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  std::chrono::year y = std::chrono::year_month_day(std::chrono::floor<days>(secs)).year();
  bool summer = secs >= LastSundayOneUtc(y, std::chrono::March) &&
                secs < LastSundayOneUtc(y, std::chrono::October);
  return std::chrono::seconds(summer ? 7200 : 3600);
}

Date AmsterdamDate(Timestamp t) {
  return Date(std::chrono::floor<days>(t + AmsterdamOffset(t)));
}

// Clock changes happen at 01:00 UTC, never between 22:00 and 23:00 UTC, so the offset two
// hours before UTC midnight is the one in force at local midnight.
Timestamp StartOfAmsterdamDay(Date d) {
  Timestamp utc_midnight{std::chrono::sys_days(d)};
  return utc_midnight - AmsterdamOffset(utc_midnight - std::chrono::hours(2));
}

Date AddDays(Date d, int n) { return Date(std::chrono::sys_days(d) + std::chrono::days(n)); }

Date AddYears(Date d, int n) {
  Date r = d + std::chrono::years(n);
  if (!r.ok()) r = Date(std::chrono::year_month_day_last(r.year(), r.month() / std::chrono::last));
  return r;
}

std::string FormatIsoDate(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

bool ParseIsoDate(std::string_view s, Date* out) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  Date d{std::chrono::year(num(0, 4)), std::chrono::month(static_cast<unsigned>(num(5, 2))),
         std::chrono::day(static_cast<unsigned>(num(8, 2)))};
  if (!d.ok() || num(0, 4) < 1) return false;
  *out = d;
  return true;
}

std::string FormatTimestamp(Timestamp t) {
  auto day = std::chrono::floor<days>(t);
  Date d(day);
  std::chrono::hh_mm_ss<std::chrono::microseconds> tod(t - day);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%06ldZ", FormatIsoDate(d).c_str(),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()),
                static_cast<long>(tod.subseconds().count()));
  return buf;
}

}  // namespace volmacht
