// Text encodings used across the program, each written once: base64 (RFC 4648 section 4,
// padding required) and base64url (section 5, no padding), both strict on decoding (only the
// alphabet, no whitespace, unused trailing bits zero, so one text per value); and HTML
// escaping of & < > " ' for text and attribute values (also valid for XML).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace volmacht {

std::string Base64Encode(std::string_view bytes);
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);  // kInvalidArgument
std::string Base64UrlEncode(std::string_view bytes);
[[nodiscard]] Result<std::string> Base64UrlDecode(std::string_view text);  // kInvalidArgument

std::string HtmlEscape(std::string_view text);

}  // namespace volmacht
