// Small HTTP syntax checks shared by the server, the client and their users (RFC 9110).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace volmacht::http {

// A header name: one or more tchar.
bool IsToken(std::string_view s);
// A header value: no control characters except tab (so no CR/LF injection).
bool IsFieldValue(std::string_view s);
// ASCII lower case (header names).
std::string LowerCase(std::string_view s);
// Percent-encodes everything except RFC 3986 unreserved characters (space -> %20).
std::string UrlEncode(std::string_view text);
// True when a Content-Type names application/json, in any case, with or without parameters.
bool IsJsonMediaType(std::string_view content_type);

}  // namespace volmacht::http
