// Clock: the only way code learns the time. Inject it; never read the system clock directly,
// so tests can move time (lapse, expiry, age) deterministically.
//
// Thread-safety: Now() may be called from any thread. ManualClock::Set/Advance are
// thread-safe too.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace volmacht {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;  // UTC
using Date = std::chrono::year_month_day;                            // civil date

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // The civil date in Europe/Amsterdam at Now(): what "today" means for start/end dates,
  // ages and lapse (volmacht is a Dutch service; docs/domain.md section 5).
  Date Today() const;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : micros_(start.time_since_epoch().count()) {}
  Timestamp Now() const override {
    return Timestamp(std::chrono::microseconds(micros_.load()));
  }
  void Set(Timestamp t) { micros_.store(t.time_since_epoch().count()); }
  void Advance(std::chrono::microseconds d) { micros_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> micros_;
};

// Europe/Amsterdam civil date of an instant: CET (UTC+1), CEST (UTC+2) from the last Sunday
// of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU rule since 1996).
Date AmsterdamDate(Timestamp t);
// Offset of Europe/Amsterdam from UTC at instant t (3600 or 7200 seconds).
std::chrono::seconds AmsterdamOffset(Timestamp t);

// The first instant of civil day `d` in Europe/Amsterdam.
Timestamp StartOfAmsterdamDay(Date d);

// Calendar arithmetic on civil dates. AddYears keeps the day of the month; 29 February
// becomes 28 February in a year without it.
Date AddDays(Date d, int n);
Date AddYears(Date d, int n);

// ISO-8601 helpers. ParseIsoDate accepts exactly YYYY-MM-DD of a real calendar date.
std::string FormatIsoDate(Date d);
bool ParseIsoDate(std::string_view text, Date* out);
// RFC 3339 UTC with microseconds, e.g. 2026-11-29T03:08:59.123456Z.
std::string FormatTimestamp(Timestamp t);

}  // namespace volmacht
