// Uuid: a validated RFC 4122 UUID in canonical lowercase text form.
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace volmacht {

class Uuid {
 public:
  Uuid() = default;  // the nil UUID; use only as "not set"
  // Accepts 8-4-4-4-12 hex (either case); normalises to lowercase.
  [[nodiscard]] static Result<Uuid> Parse(std::string_view text);
  static Uuid Random();  // version 4
  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }
  auto operator<=>(const Uuid&) const = default;

 private:
  explicit Uuid(std::string t) : text_(std::move(t)) {}
  std::string text_;
};

}  // namespace volmacht

template <>
struct std::hash<volmacht::Uuid> {
  size_t operator()(const volmacht::Uuid& u) const noexcept {
    return std::hash<std::string>()(u.str());
  }
};
