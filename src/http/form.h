// application/x-www-form-urlencoded, the one parser of the program: OIDC authorize queries and
// token bodies, SAML Redirect queries and POST forms, HTML form bodies. All of it comes from
// outside, so the parser has hard limits and refuses rather than guesses.
//
//   Result<FormParams> p = ParseForm("a=1&b=x%20y", kMaxFormBytes);  // p->Get("b") == "x y"
//
// '+' decodes to a space, %XX to a byte; empty pairs ("a=1&&b=2", a trailing '&') are skipped
// and a pair without '=' has the empty value.
// Errors (kInvalidArgument unless said): input over max_bytes (kTooLarge), more than
// kMaxFormParams pairs, a malformed %-escape, an empty name, a name given twice (RFC 6749
// section 3.1: "MUST NOT be included more than once"; for SAML a second SAMLRequest would be
// ambiguous), a decoded control byte not allowed by FormControls (raw or %-escaped alike).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace volmacht::http {

inline constexpr size_t kMaxFormBytes = 8 * 1024;
inline constexpr size_t kMaxFormParams = 64;

// Which decoded control bytes (< 0x20 and 0x7F) a value may hold.
enum class FormControls {
  kRefuse,           // none: names, ids, tokens, URIs, human input
  kAllowLineBreaks,  // TAB, CR, LF only: base64 (SAML messages) may be broken into lines
};

class FormParams {
 public:
  explicit FormParams(std::vector<std::pair<std::string, std::string>> pairs)
      : pairs_(std::move(pairs)) {}
  // The value of name, or nullopt when absent. Names are unique (the parser made sure).
  std::optional<std::string> Get(std::string_view name) const;
  bool contains(std::string_view name) const;
  // In input order.
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

[[nodiscard]] Result<FormParams> ParseForm(std::string_view text, size_t max_bytes,
                                           FormControls controls = FormControls::kRefuse);

// Decodes one form component (a name or a value) with the rules above. No size limit of its
// own: callers pass a component of input they already limited.
[[nodiscard]] Result<std::string> FormDecode(std::string_view text,
                                             FormControls controls = FormControls::kRefuse);

// url with the pairs appended as query parameters, percent-encoded with UrlEncode (with '&'
// when it already has a query, nothing when it ends in '?' or '&'). url must have no fragment.
std::string AppendQuery(std::string_view url,
                        const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace volmacht::http
