// The small part of JOSE the OIDC provider needs: an EC P-256 signing key loaded
// from (or created as) a PEM file, ES256 JWS signing with the JOSE raw r||s signature form,
// and the key's public JWK with an RFC 7638 thumbprint as kid.
//
//   Result<void> ok = EnsureEs256KeyFile("/var/lib/volmacht/oidc-key.pem");
//   Result<EcSigningKey> key = EcSigningKey::Load("/var/lib/volmacht/oidc-key.pem");
//   std::string jws = key->SignJws(R"({"iss":"..."})");
//
// Errors: kUnavailable when a file cannot be read or written, kInvalidArgument when the PEM
// is not an EC P-256 private key, kInternal when OpenSSL fails. (Base64 and base64url:
// common/encoding.h.)
// Thread-safety: EcSigningKey is immutable after Load; SignJws may run on many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/result.h"
#include "common/secret_file.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace volmacht::oidc {

// Creates path with a fresh EC P-256 private key (PKCS#8 PEM, mode 0600, via
// WriteSecretFile) when it does not exist; leaves an existing file alone.
[[nodiscard]] Result<void> EnsureEs256KeyFile(const std::string& path);

class EcSigningKey {
 public:
  [[nodiscard]] static Result<EcSigningKey> Load(const std::string& pem_file);
  // A compact JWS: header {"alg":"ES256","kid":kid(),"typ":"JWT"}, the given payload JSON.
  // Throws std::runtime_error only if OpenSSL fails to sign with a key it loaded (a broken
  // library, not an input problem).
  std::string SignJws(std::string_view payload_json) const;
  const std::string& kid() const { return kid_; }
  // {"kty":"EC","crv":"P-256","x":..,"y":..,"use":"sig","alg":"ES256","kid":..}
  const std::string& public_jwk_json() const { return jwk_; }

 private:
  EcSigningKey() = default;
  std::shared_ptr<EVP_PKEY> key_;
  std::string kid_;
  std::string jwk_;
};

}  // namespace volmacht::oidc
