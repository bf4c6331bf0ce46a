// Utf8ToCp1252: converts UTF-8 text to Windows-1252 bytes, the WinAnsiEncoding that libharu's
// base-14 fonts draw. Internal to src/letters.
//
// Every code point CP1252 can show maps to its byte (Latin-1 letters such as é ë ï ü ö ç,
// and the 0x80-0x9F extras such as € ’ “ ” – — •). Anything else - code points outside
// CP1252, malformed or overlong UTF-8, surrogates, control characters - becomes one '?'
// per code point (or per bad byte), so the output never contains NUL or control bytes.
// Tabs, CR and LF become a space, except that LF is kept when keep_newlines is true.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace volmacht::letters_internal {

[[nodiscard]] std::string Utf8ToCp1252(std::string_view utf8, bool keep_newlines = false);

}  // namespace volmacht::letters_internal
