// libFuzzer target over the REST API's request-body parsers (src/api/requests.h): every parser
// must answer every input with a value or an Error (never crash, hang, or accept a body
// larger than the limit), and a failure must carry a usable description. The verification
// body's fast path must give either nothing or exactly what the general parser gives.
//
//   Build: clang++ -fsanitize=fuzzer,address,undefined ... (target api_json_fuzz; wired by
//   fuzz/CMakeLists.txt), link volmacht_api_requests.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/requests.h"

namespace {

template <typename T>
void Check(const volmacht::Result<T>& r, std::string_view input) {
  if (r.has_value()) {
    // Only a body within the limit can be accepted.
    if (input.size() > volmacht::api::kMaxBodyBytes) std::abort();
    return;
  }
  const volmacht::Error& e = r.error();
  if (e.code != volmacht::ErrorCode::kInvalidArgument && e.code != volmacht::ErrorCode::kTooLarge) {
    std::abort();
  }
  if (e.message.empty()) std::abort();
  for (const volmacht::InvalidParam& p : e.params) {
    if (p.name.empty() || p.code.empty() || p.reason.empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  namespace api = volmacht::api;
  Check(api::ParseVerifyBody(in), in);
  // The verification fast path never disagrees with the general parser.
  if (auto fast = api::ScanVerifyBody(in)) {
    auto general = api::ParseVerifyBodyGeneral(in);
    if (!general.has_value() || !(*fast == *general)) std::abort();
  }
  Check(api::ParseForWhomBody(in), in);
  Check(api::ParseCitizenBody(in), in);
  Check(api::ParseRevokeBody(in), in);
  Check(api::ParseGrantBody(in), in);
  Check(api::ParseAskBody(in), in);
  Check(api::ParseDirectBody(in), in);
  Check(api::ParseActivationBody(in), in);
  Check(api::ParseRestrictBody(in), in);
  Check(api::ParseListBody(in), in);
  return 0;
}
