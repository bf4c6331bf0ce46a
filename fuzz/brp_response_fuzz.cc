// libFuzzer target: brp::ParseResponse must refuse or accept any byte string without
// crashing, hanging or leaking, and an accepted answer is always for the BSN asked.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "registry/brp_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const volmacht::Bsn kAsked = *volmacht::Bsn::Parse("999900006");
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto r = volmacht::brp::ParseResponse(body, kAsked);
  if (r.has_value() && r->has_value() && (*r)->bsn != kAsked) std::abort();
  if (!r.has_value() && r.error().code != volmacht::ErrorCode::kBadGateway) std::abort();
  return 0;
}
