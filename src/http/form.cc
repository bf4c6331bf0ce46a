#include "http/form.h"

#include "http/syntax.h"

namespace volmacht::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Allowed(unsigned char u, FormControls controls) {
  if (u >= 0x20 && u != 0x7f) return true;
  return controls == FormControls::kAllowLineBreaks && (u == '\t' || u == '\r' || u == '\n');
}

}  // namespace

std::optional<std::string> FormParams::Get(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

bool FormParams::contains(std::string_view name) const {
  for (const auto& p : pairs_) {
    if (p.first == name) return true;
  }
  return false;
}

Result<std::string> FormDecode(std::string_view text, FormControls controls) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
      continue;
    }
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return Fail(Error::Invalid("Onvolledige %-codering"));
      }
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return Fail(Error::Invalid("Ongeldige %-codering"));
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (!Allowed(static_cast<unsigned char>(c), controls)) {
      return Fail(Error::Invalid("Stuurteken in parameter"));
    }
    out.push_back(c);
  }
  return out;
}

Result<FormParams> ParseForm(std::string_view text, size_t max_bytes, FormControls controls) {
  if (text.size() > max_bytes) return Fail(Error::TooLarge("Parameters te groot"));
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start < text.size()) {
    size_t amp = text.find('&', start);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view part = text.substr(start, amp - start);
    start = amp + 1;
    if (part.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
    if (pairs.size() >= kMaxFormParams) return Fail(Error::Invalid("Te veel parameters"));
    size_t eq = part.find('=');
    std::string_view raw_name = part.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    auto name = FormDecode(raw_name, controls);
    if (!name) return Fail(name.error());
    if (name->empty()) return Fail(Error::Invalid("Parameter zonder naam"));
    auto value = FormDecode(raw_value, controls);
    if (!value) return Fail(value.error());
    // The name is not echoed: with kAllowLineBreaks it may hold CR/LF (log injection).
    for (const auto& p : pairs) {
      if (p.first == *name) return Fail(Error::Invalid("Parameter dubbel opgegeven"));
    }
    pairs.emplace_back(std::move(*name), std::move(*value));
  }
  return FormParams(std::move(pairs));
}

std::string AppendQuery(std::string_view url,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(url);
  char sep = url.find('?') == std::string_view::npos ? '?' : '&';
  if (!url.empty() && (url.back() == '?' || url.back() == '&')) sep = '\0';
  for (const auto& [k, v] : params) {
    if (sep != '\0') out.push_back(sep);
    out += UrlEncode(k);
    out.push_back('=');
    out += UrlEncode(v);
    sep = '&';
  }
  return out;
}

}  // namespace volmacht::http
