// libFuzzer target: the checks every incoming SAML message passes before lasso sees it
// (src/saml/saml_common.h). The first byte picks the parser, the rest is the input. Each must
// refuse or accept without crashing, hanging or leaking, and what it accepts keeps its limits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/form.h"
#include "saml/saml_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace s = volmacht::saml;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {  // XML body (POST/SOAP binding, metadata)
      // What passes the full check passes the algorithm check alone.
      if (s::CheckIncomingXml(in) && !s::CheckXmlAlgorithms(in)) std::abort();
      (void)s::MetadataEntityId(in);
      auto eps = s::MetadataEndpoints(in, "AssertionConsumerService",
                                      "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact");
      (void)eps;
      break;
    }
    case 1: {  // HTTP-Redirect query string
      (void)s::CheckRedirectSigAlg(in);
      auto xml = s::DecodeRedirectMessage(in, "SAMLRequest");
      if (xml && xml->size() > s::kMaxDecodedMessageBytes) std::abort();
      if (xml && !s::CheckIncomingXml(*xml)) std::abort();
      break;
    }
    case 2: {  // form body / query parameters, as the SAML endpoints parse them
      namespace h = volmacht::http;
      auto f = h::ParseForm(in, s::kMaxEncodedMessageBytes, h::FormControls::kAllowLineBreaks);
      if (f && in.size() > s::kMaxEncodedMessageBytes) std::abort();
      if (f) {
        if (f->pairs().size() > h::kMaxFormParams) std::abort();
        for (const auto& [k, v] : f->pairs()) {
          if (k.empty() || k.size() > in.size() || v.size() > in.size()) std::abort();
          if (f->Get(k) != v) std::abort();  // names are unique
          for (std::string_view part : {std::string_view(k), std::string_view(v)}) {
            for (char c : part) {
              unsigned char u = static_cast<unsigned char>(c);
              bool line_break = c == '\t' || c == '\r' || c == '\n';
              if ((u < 0x20 && !line_break) || u == 0x7f) std::abort();
            }
          }
        }
      }
      // The strict mode accepts a subset, with the same result.
      auto strict = h::ParseForm(in, s::kMaxEncodedMessageBytes);
      if (strict && (!f || strict->pairs() != f->pairs())) std::abort();
      break;
    }
    case 3: {  // base64, then raw inflate of whatever decoded
      auto b = s::Base64Decode(in, 4096);
      if (b && b->size() > 4096) std::abort();
      auto z = s::RawInflate(in, 65536);
      if (z && z->size() > 65536) std::abort();
      break;
    }
    case 4: {  // SAML time stamps: what parses formats and parses back to the same second
      auto t = s::ParseSamlTime(in);
      if (t) {
        auto again = s::ParseSamlTime(s::FormatSamlTime(*t));
        if (!again) std::abort();
        if (std::chrono::floor<std::chrono::seconds>(*again) !=
            std::chrono::floor<std::chrono::seconds>(*t)) {
          std::abort();
        }
      }
      break;
    }
    default: {  // HTML escaping never lets markup through
      std::string e = s::HtmlEscape(in);
      if (e.find_first_of("<>\"'") != std::string::npos) std::abort();
      break;
    }
  }
  return 0;
}
