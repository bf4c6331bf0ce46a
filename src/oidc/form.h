// application/x-www-form-urlencoded parsing and URL building for the OIDC endpoints: the
// authorize query string and the token request body come from outside, so the parser has
// hard limits and refuses rather than guesses.
//
//   Result<FormParams> p = ParseForm("a=1&b=x%20y", kMaxFormBytes);
//
// Errors (kInvalidArgument unless said): input over max_bytes (kTooLarge), more than
// kMaxFormParams pairs, a malformed %-escape, an empty name, a decoded NUL or other control
// byte, a name given twice (RFC 6749 section 3.1: "MUST NOT be included more than once").
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/syntax.h"

namespace volmacht::oidc {

inline constexpr size_t kMaxFormBytes = 8 * 1024;
inline constexpr size_t kMaxFormParams = 64;

class FormParams {
 public:
  explicit FormParams(std::vector<std::pair<std::string, std::string>> pairs)
      : pairs_(std::move(pairs)) {}
  // The value of name, or nullopt when absent. Names are unique (the parser made sure).
  std::optional<std::string> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

[[nodiscard]] Result<FormParams> ParseForm(std::string_view text, size_t max_bytes);

// Decodes one form component ('+' is a space, %XX a byte). Refuses bad escapes and control
// bytes (tab, CR, LF, NUL, DEL...).
[[nodiscard]] Result<std::string> FormDecode(std::string_view text);

using http::UrlEncode;  // percent-encoding, one definition for the program

// redirect_uri with the pairs appended as query parameters (with '&' when it already has a
// query). The registered redirect URIs have no fragment (checked at registration).
std::string AppendQuery(std::string_view url,
                        const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace volmacht::oidc
