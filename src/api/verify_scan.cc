// The verification body's fast path (docs/adr/0009-verification-fast-path.md).
//
// Verification is the hot call, and the general parser (requests.cc: a DOM, then the field
// readers) was the largest user-space cost of serving it. This scanner reads the body in one
// pass without allocating, but only the plain way providers write it: ASCII strings without
// escapes, each field once, numbers as plain digits. It checks the identifiers with the same
// functions as the general parser (Bsn::Parse, Kvk::Parse, Rsin::Parse, Uuid::Parse,
// ParseLoa). Anything else, valid or not, gives std::nullopt and the general parser decides,
// so every error answer still comes from one place.
#include <cstdint>
#include <optional>
#include <string_view>

#include "api/requests.h"

namespace volmacht::api {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  // The next non-space character is `c`; consumes it.
  bool Eat(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }
  // A string of printable ASCII without escapes (anything else is the general parser's).
  bool String(std::string_view* out) {
    if (!Eat('"')) return false;
    const char* start = p_;
    while (p_ != end_ && *p_ != '"') {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;  // the closing quote
    return true;
  }
  // A non-negative integer as JSON writes it: no sign, no leading zero, no fraction or
  // exponent, below 2^64.
  bool Unsigned(uint64_t* out) {
    SkipSpace();
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0' && p_ + 1 != end_ && p_[1] >= '0' && p_[1] <= '9') return false;
    uint64_t v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      uint64_t digit = static_cast<uint64_t>(*p_ - '0');
      if (v > (UINT64_MAX - digit) / 10) return false;
      v = v * 10 + digit;
      ++p_;
    }
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    *out = v;
    return true;
  }
  // Calls field(key) for each member of an object; false as soon as anything is off.
  template <typename F>
  bool Object(F&& field) {
    if (!Eat('{')) return false;
    if (Eat('}')) return true;
    do {
      std::string_view key;
      if (!String(&key) || !Eat(':') || !field(key)) return false;
    } while (Eat(','));
    return Eat('}');
  }

 private:
  const char* p_;
  const char* end_;
};

// Sets `*slot` from one string member, refusing a second occurrence.
bool Once(Scanner& s, std::optional<std::string_view>* slot) {
  if (slot->has_value()) return false;
  std::string_view v;
  if (!s.String(&v)) return false;
  *slot = v;
  return true;
}

bool Once(Scanner& s, std::optional<uint64_t>* slot) {
  if (slot->has_value()) return false;
  uint64_t v = 0;
  if (!s.Unsigned(&v)) return false;
  *slot = v;
  return true;
}

}  // namespace

std::optional<VerifyBody> ScanVerifyBody(std::string_view body) {
  if (body.size() > kMaxBodyBytes) return std::nullopt;
  Scanner s(body);
  bool have_agent = false, have_principal = false;
  std::optional<std::string_view> agent_bsn, agent_kvk, agent_rsin, principal_bsn, service;
  std::optional<uint64_t> loa, min_seq;
  bool shape_ok = s.Object([&](std::string_view key) {
    if (key == "gemachtigde") {
      if (have_agent) return false;
      have_agent = true;
      return s.Object([&](std::string_view k) {
        if (k == "bsn") return Once(s, &agent_bsn);
        if (k == "kvk") return Once(s, &agent_kvk);
        if (k == "rsin") return Once(s, &agent_rsin);
        return false;
      });
    }
    if (key == "vertegenwoordigde") {
      if (have_principal) return false;
      have_principal = true;
      return s.Object([&](std::string_view k) { return k == "bsn" && Once(s, &principal_bsn); });
    }
    if (key == "dienst") return Once(s, &service);
    if (key == "betrouwbaarheidsniveau") return Once(s, &loa);
    if (key == "minimaleVolgnummer") return Once(s, &min_seq);
    return false;
  });
  if (!shape_ok || !s.AtEnd()) return std::nullopt;
  int agent_ids = agent_bsn.has_value() + agent_kvk.has_value() + agent_rsin.has_value();
  if (agent_ids != 1 || !principal_bsn || !service || !loa || *loa > 100) return std::nullopt;

  std::optional<Party> agent;
  if (agent_bsn) {
    if (auto b = Bsn::Parse(*agent_bsn)) agent = Party::Person(*b);
  } else if (agent_kvk) {
    if (auto k = Kvk::Parse(*agent_kvk)) agent = Party::Organisation(*k);
  } else if (auto r = Rsin::Parse(*agent_rsin)) {
    agent = Party::Organisation(*r);
  }
  auto principal = Bsn::Parse(*principal_bsn);
  auto service_id = Uuid::Parse(*service);
  auto level = ParseLoa(static_cast<int>(*loa));
  if (!agent || !principal || !service_id || !level) return std::nullopt;
  return VerifyBody{std::move(*agent), std::move(*principal), std::move(*service_id), *level,
                    min_seq.value_or(0)};
}

}  // namespace volmacht::api
