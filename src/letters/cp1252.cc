#include "letters/cp1252.h"

#include <array>
#include <cstdint>
#include <utility>

namespace volmacht::letters_internal {
namespace {

constexpr char kReplacement = '?';

// Code points that CP1252 places in 0x80-0x9F (where Latin-1 has C1 controls).
constexpr std::array<std::pair<char32_t, unsigned char>, 27> kCp1252Extras = {{
    {U'\u20AC', 0x80}, {U'\u201A', 0x82}, {U'\u0192', 0x83}, {U'\u201E', 0x84}, {U'\u2026', 0x85},
    {U'\u2020', 0x86}, {U'\u2021', 0x87}, {U'\u02C6', 0x88}, {U'\u2030', 0x89}, {U'\u0160', 0x8A},
    {U'\u2039', 0x8B}, {U'\u0152', 0x8C}, {U'\u017D', 0x8E}, {U'\u2018', 0x91}, {U'\u2019', 0x92},
    {U'\u201C', 0x93}, {U'\u201D', 0x94}, {U'\u2022', 0x95}, {U'\u2013', 0x96}, {U'\u2014', 0x97},
    {U'\u02DC', 0x98}, {U'\u2122', 0x99}, {U'\u0161', 0x9A}, {U'\u203A', 0x9B}, {U'\u0153', 0x9C},
    {U'\u017E', 0x9E}, {U'\u0178', 0x9F},
}};

char MapCodePoint(char32_t cp, bool keep_newlines) {
  if (cp == U'\n') return keep_newlines ? '\n' : ' ';
  if (cp == U'\t' || cp == U'\r') return ' ';
  if (cp < 0x20 || cp == 0x7F) return kReplacement;
  if (cp < 0x80) return static_cast<char>(cp);
  if (cp >= 0xA0 && cp <= 0xFF) return static_cast<char>(static_cast<unsigned char>(cp));
  for (const auto& [from, to] : kCp1252Extras) {
    if (from == cp) return static_cast<char>(to);
  }
  return kReplacement;
}

// Decodes one UTF-8 sequence at text[*pos]; advances *pos. Returns false (and advances by
// one byte) on anything that is not well-formed UTF-8 per RFC 3629.
bool DecodeOne(std::string_view text, size_t* pos, char32_t* out) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*pos);
  size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    *out = lead;
    ++*pos;
    return true;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    ++*pos;
    return false;
  }
  if (*pos + len > text.size()) {
    ++*pos;
    return false;
  }
  for (size_t i = 1; i < len; ++i) {
    const unsigned char c = byte(*pos + i);
    if ((c & 0xC0) != 0x80) {
      ++*pos;
      return false;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return false;
  }
  *pos += len;
  *out = cp;
  return true;
}

}  // namespace

std::string Utf8ToCp1252(std::string_view utf8, bool keep_newlines) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    char32_t cp = 0;
    out.push_back(DecodeOne(utf8, &pos, &cp) ? MapCodePoint(cp, keep_newlines) : kReplacement);
  }
  return out;
}

}  // namespace volmacht::letters_internal
