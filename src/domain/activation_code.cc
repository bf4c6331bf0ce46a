// Activation codes (docs/domain.md section 6): generation, display format, normalisation of what
// a person types, and the keyed-hash record the store keeps. Declared in mandate.h.
#include <optional>

#include "common/crypto.h"
#include "domain/mandate.h"

namespace volmacht {
namespace {

constexpr size_t kCodeLength = 12;
// Longest input we look at: the code with a separator or two between every character.
constexpr size_t kMaxCodeInput = 64;

std::string HashInput(const Uuid& mandate, std::string_view code) {
  std::string s = mandate.str();
  s += ':';
  s.append(code);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Digest> DigestFromHex(std::string_view hex) {
  Digest d{};
  if (hex.size() != d.size() * 2) return std::nullopt;
  for (size_t i = 0; i < d.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return d;
}

}  // namespace

std::string GenerateActivationCode() {
  // Rejection sampling: only bytes below the largest multiple of the alphabet size map
  // onto it, so every letter is equally likely.
  constexpr unsigned kLimit = 256 - 256 % kCodeAlphabet.size();
  std::string code;
  code.reserve(kCodeLength);
  while (code.size() < kCodeLength) {
    for (unsigned char b : RandomBytes(kCodeLength)) {
      if (b >= kLimit) continue;
      code.push_back(kCodeAlphabet[b % kCodeAlphabet.size()]);
      if (code.size() == kCodeLength) break;
    }
  }
  return code;
}

std::string FormatActivationCode(std::string_view c) {
  std::string out;
  out.reserve(c.size() + c.size() / 4);
  for (size_t i = 0; i < c.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(c[i]);
  }
  return out;
}

Result<std::string> NormalizeActivationCode(std::string_view input) {
  auto invalid = [] {
    const std::string reason =
        "De activeringscode bestaat uit 12 tekens, zoals ABCD-EFGH-JKMN, zonder 0, O, 1, I, L, "
        "2, Z, 5, S, 8 of B";
    return Fail(Error::Invalid(reason, {{"code", "code.format", reason}}));
  };
  if (input.size() > kMaxCodeInput) return invalid();
  std::string code;
  code.reserve(kCodeLength);
  for (char c : input) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    // Look-alikes are refused, not mapped: a guessed letter would burn one of five tries.
    if (kCodeAlphabet.find(c) == std::string_view::npos) return invalid();
    code.push_back(c);
  }
  if (code.size() != kCodeLength) return invalid();
  return code;
}

ActivationCode MakeActivationCode(std::string_view key, const Uuid& mandate,
                                  std::string_view normalized_code, Timestamp expires) {
  ActivationCode rec;
  rec.mandate_id = mandate;
  rec.hash_hex = ToHex(HmacSha256(key, HashInput(mandate, normalized_code)));
  rec.expires = expires;
  return rec;
}

CodeCheck CheckActivationCode(std::string_view key, const ActivationCode& rec,
                              std::string_view normalized_code, Timestamp now,
                              ActivationCode* updated) {
  ActivationCode out = rec;
  CodeCheck result;
  if (rec.used) {
    result = CodeCheck::kUsed;
  } else if (rec.locked()) {
    result = CodeCheck::kLocked;
  } else if (now > rec.expires) {
    result = CodeCheck::kExpired;
  } else {
    const Digest given = HmacSha256(key, HashInput(rec.mandate_id, normalized_code));
    const std::optional<Digest> stored = DigestFromHex(rec.hash_hex);
    // A damaged stored hash matches nothing; it still counts as a try.
    if (stored && DigestEquals(given, *stored)) {
      out.used = true;
      result = CodeCheck::kOk;
    } else {
      out.failed_attempts = rec.failed_attempts + 1;
      result = CodeCheck::kWrong;
    }
  }
  if (updated != nullptr) *updated = std::move(out);
  return result;
}

}  // namespace volmacht
