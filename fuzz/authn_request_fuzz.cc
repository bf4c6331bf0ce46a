// Fuzz target: Combi-Connect AuthnRequest and ArtifactResolve parsing (CombiConnectIdp).
// The first input byte picks the entry point: 0 Redirect query, 1 POST form body, 2 SOAP
// ArtifactResolve; the rest is the message. Any outcome is fine except a crash, a leak
// sanitizers see, or an accepted message (nothing unsigned can pass).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "saml/combi_connect.h"
#include "saml/saml_common.h"

namespace {

using volmacht::saml::CombiConnectIdp;

CombiConnectIdp* Idp() {
  static std::unique_ptr<CombiConnectIdp> idp = [] {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / "volmacht-authn-request-fuzz";
    fs::create_directories(dir);
    std::string key = (dir / "idp-key.pem").string(), cert = (dir / "idp.pem").string();
    if (!volmacht::saml::EnsureSigningKeyPair(key, cert, "fuzz-idp", 2048)) std::abort();
    volmacht::saml::CombiConnectConfig config{
        "urn:nl-eid-gdi:1.0:BVD:00000001999999999000:entities:9000", key, cert,
        "https://volmacht.test/saml/sso", "https://volmacht.test/saml/ars"};
    auto created = CombiConnectIdp::Create(config, {});
    if (!created) std::abort();
    return std::move(*created);
  }();
  return idp.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto now = volmacht::Timestamp(std::chrono::microseconds(1'800'000'000'000'000));
  switch (data[0] % 3) {
    case 0:
      if (Idp()->ProcessAuthnRequest(CombiConnectIdp::Binding::kRedirect, input, now)) std::abort();
      break;
    case 1:
      if (Idp()->ProcessAuthnRequest(CombiConnectIdp::Binding::kPost, input, now)) std::abort();
      break;
    default: {
      auto oin = volmacht::Oin::Parse("00000001111111111000");
      if (Idp()->ResolveArtifact(input, *oin, now)) std::abort();
      break;
    }
  }
  return 0;
}
