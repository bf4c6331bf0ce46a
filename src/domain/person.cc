#include "domain/person.h"

namespace volmacht {

std::optional<Date> PartialDate::Latest() const {
  if (year == 0) return std::nullopt;
  // A known day without a known month is not a shape the register produces: refuse it
  // rather than guess which month was meant.
  if (month == 0 && day != 0) return std::nullopt;
  if (year < 1 || year > 9999 || month < 0 || month > 12 || day < 0 || day > 31) {
    return std::nullopt;
  }
  // Members year/month/day shadow the std::chrono names; spell those out.
  const std::chrono::year y(year);
  if (month == 0) return Date(y, std::chrono::December, std::chrono::day(31));
  const std::chrono::month m(static_cast<unsigned>(month));
  if (day == 0) return Date(std::chrono::year_month_day_last(y, std::chrono::month_day_last(m)));
  const Date d(y, m, std::chrono::day(static_cast<unsigned>(day)));
  if (!d.ok()) return std::nullopt;
  return d;
}

bool PartialDate::Matches(Date d) const {
  if (!d.ok()) return false;
  // Nothing known means nothing to contradict; the caller decides whether an unknown
  // birth date is acceptable.
  if (year != 0 && static_cast<int>(d.year()) != year) return false;
  if (month != 0 && static_cast<int>(static_cast<unsigned>(d.month())) != month) return false;
  if (day != 0 && static_cast<int>(static_cast<unsigned>(d.day())) != day) return false;
  return true;
}

}  // namespace volmacht
