// Result<T> and Error: how every failure that input or the environment can cause is reported.
//
//   Result<Bsn> b = Bsn::Parse(text);
//   if (!b) return std::unexpected(b.error());
//
// Error codes are few and protocol-neutral; each adapter maps them to its protocol in one
// place (HTTP status + problem+json in src/api, SOAP Fault, SAML status). Exceptions are
// only for start-up and programming errors.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volmacht {

enum class ErrorCode {
  kInvalidArgument,   // input malformed or breaks a rule of the input format (-> 400)
  kRuleViolation,     // well-formed but refused by a domain rule (-> 422)
  kNotFound,          // no such thing, or the caller may not know it exists (-> 404)
  kForbidden,         // caller is known but may not do this (-> 403)
  kConflict,          // state changed underneath, duplicate, wrong state (-> 409)
  kTooLarge,          // input over its size limit (-> 413)
  kLocked,            // too many wrong activation codes (-> 423)
  kUnavailable,       // a dependency (register, disk) is down (-> 503)
  kBadGateway,        // a dependency answered nonsense (-> 502)
  kInternal,          // a bug or an unexpected environment failure (-> 500)
};

// The code's name in logs and metrics: "invalid_argument", "rule_violation", ...
constexpr std::string_view CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kRuleViolation: return "rule_violation";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kLocked: return "locked";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kBadGateway: return "bad_gateway";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

// One invalid input field, reported back to the caller (problem+json invalidParams).
struct InvalidParam {
  std::string name;    // JSON path-ish name of the field, e.g. "vertegenwoordigde.bsn"
  std::string code;    // stable machine code, e.g. "bsn.elfproef"
  std::string reason;  // human readable, Dutch
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;                // English diagnostic for logs; never contains a BSN
  std::vector<InvalidParam> params;   // optional details for kInvalidArgument/kRuleViolation
  // Stable machine-readable reason, "area.what" (e.g. "digid.cancelled"). Code that must tell
  // errors of one code apart branches on this, never on `message`; adapters render the
  // user's text from it. Empty: nothing more specific than `code` (see Reason()).
  std::string reason;

  // Adds the stable reason: `return Fail(Error::Forbidden("...").Because("digid.cancelled"));`
  Error Because(std::string r) && {
    reason = std::move(r);
    return std::move(*this);
  }
  bool Is(std::string_view r) const { return reason == r; }
  // The reason, or the code's name when there is none: what logs carry (never `message`).
  std::string_view Reason() const { return reason.empty() ? CodeName(code) : reason; }

  static Error Invalid(std::string msg, std::vector<InvalidParam> p = {}) {
    return {ErrorCode::kInvalidArgument, std::move(msg), std::move(p)};
  }
  static Error Rule(std::string msg, std::vector<InvalidParam> p = {}) {
    return {ErrorCode::kRuleViolation, std::move(msg), std::move(p)};
  }
  static Error NotFound(std::string msg) { return {ErrorCode::kNotFound, std::move(msg), {}}; }
  static Error Forbidden(std::string msg) { return {ErrorCode::kForbidden, std::move(msg), {}}; }
  static Error Conflict(std::string msg) { return {ErrorCode::kConflict, std::move(msg), {}}; }
  static Error TooLarge(std::string msg) { return {ErrorCode::kTooLarge, std::move(msg), {}}; }
  static Error Locked(std::string msg) { return {ErrorCode::kLocked, std::move(msg), {}}; }
  static Error Unavailable(std::string msg) {
    return {ErrorCode::kUnavailable, std::move(msg), {}};
  }
  static Error BadGateway(std::string msg) { return {ErrorCode::kBadGateway, std::move(msg), {}}; }
  static Error Internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg), {}}; }
};

// std::expected<T, Error> that cannot be dropped silently (libstdc++ 12's std::expected is
// not [[nodiscard]]). Converts from and to std::expected<T, Error>. Deliberately dropping
// one takes a `(void)` and a comment saying why.
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using Base = std::expected<T, Error>;
  using Base::Base;
  Result(const Base& b) : Base(b) {}       // NOLINT(google-explicit-constructor)
  Result(Base&& b) : Base(std::move(b)) {}  // NOLINT(google-explicit-constructor)
};

// Shorthand for `return Fail(Error::Invalid(...));` in functions returning Result<T>.
inline std::unexpected<Error> Fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace volmacht
