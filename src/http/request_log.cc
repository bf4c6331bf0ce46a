#include "http/request_log.h"

#include <cxxabi.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <typeinfo>

#include "common/crypto.h"
#include "common/log.h"

namespace volmacht::http {
namespace {

constexpr size_t kMaxLoggedPath = 256;

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 gen = [] {
    std::string seed = RandomBytes(32);
    std::array<uint32_t, 8> words{};
    std::memcpy(words.data(), seed.data(), seed.size());
    std::seed_seq seq(words.begin(), words.end());
    return std::mt19937_64(seq);
  }();
  return gen;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// Every maximal run of exactly nine digits in out[from, to) becomes nine '*'.
void MaskNineDigitRuns(std::string& out, size_t from, size_t to) {
  for (size_t i = from; i < to;) {
    if (!IsDigit(out[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < to && IsDigit(out[end])) ++end;
    if (end - i == 9) out.replace(i, 9, 9, '*');
    i = end;
  }
}

}  // namespace

std::string NewRequestId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<uint8_t, 16> b{};
  uint64_t hi = Generator()();
  uint64_t lo = Generator()();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (8 * i));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string id = "urn:uuid:";
  id.reserve(9 + 36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[b[i] >> 4]);
    id.push_back(kHex[b[i] & 0xf]);
  }
  return id;
}

std::string LoggablePath(std::string_view path) {
  std::string out(path.substr(0, kMaxLoggedPath));
  for (size_t start = 0; start <= out.size();) {
    size_t end = out.find('/', start);
    if (end == std::string::npos) end = out.size();
    if (!IsUuid(std::string_view(out).substr(start, end - start))) {
      MaskNineDigitRuns(out, start, end);
    }
    start = end + 1;
  }
  return out;
}

std::string ExceptionType(const std::exception& e) {
  const char* mangled = typeid(e).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return name;
}

void LogRequest(const RequestLine& l) {
  log::Level level = l.status >= 500 ? log::Level::kWarn : log::Level::kInfo;
  if (!log::Enabled(level)) return;
  std::string path = LoggablePath(l.path);
  if (l.reason.empty()) {
    log::Write(level, "http.request",
               {{"listener", l.listener}, {"request_id", l.request_id}, {"method", l.method},
                {"path", path}, {"status", l.status}, {"duration_ms", l.duration_ms}});
  } else {
    log::Write(level, "http.request",
               {{"listener", l.listener}, {"request_id", l.request_id}, {"method", l.method},
                {"path", path}, {"status", l.status}, {"duration_ms", l.duration_ms},
                {"reason", l.reason}});
  }
}

}  // namespace volmacht::http
