#include "common/uuid.h"

#include "common/crypto.h"

namespace volmacht {

Result<Uuid> Uuid::Parse(std::string_view s) {
  if (s.size() != 36) return Fail(Error::Invalid("not a UUID: expected 36 characters"));
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return Fail(Error::Invalid("not a UUID: hyphens in the wrong place"));
      continue;
    }
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Fail(Error::Invalid("not a UUID: non-hex character"));
    }
  }
  return Uuid(std::move(out));
}

Uuid Uuid::Random() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string h = ToHex(b);
  return Uuid(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
              h.substr(16, 4) + "-" + h.substr(20));
}

}  // namespace volmacht
