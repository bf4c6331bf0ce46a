// The small part of JOSE the OIDC provider needs: base64url, an EC P-256 signing key loaded
// from (or created as) a PEM file, ES256 JWS signing with the JOSE raw r||s signature form,
// and the key's public JWK with an RFC 7638 thumbprint as kid.
//
//   Result<void> ok = EnsureEs256KeyFile("/var/lib/volmacht/oidc-key.pem");
//   Result<EcSigningKey> key = EcSigningKey::Load("/var/lib/volmacht/oidc-key.pem");
//   std::string jws = key->SignJws(R"({"iss":"..."})");
//
// Errors: kUnavailable when a file cannot be read or written, kInvalidArgument when the PEM
// is not an EC P-256 private key, kInternal when OpenSSL fails. Base64 decoders refuse
// anything outside their alphabet (no whitespace, no guessing).
// Thread-safety: EcSigningKey is immutable after Load; SignJws may run on many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace volmacht::oidc {

std::string Base64UrlEncode(std::string_view bytes);                       // no padding
[[nodiscard]] Result<std::string> Base64UrlDecode(std::string_view text);  // no padding
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);     // padding required

// Creates path with a fresh EC P-256 private key (PKCS#8 PEM, mode 0600, via
// WriteSecretFile) when it does not exist; leaves an existing file alone.
[[nodiscard]] Result<void> EnsureEs256KeyFile(const std::string& path);

// Writes content to path with mode 0600 (temporary name, fsync, hard link), creating parent
// directories. When path already exists it is left alone and the call succeeds.
// kUnavailable when writing fails.
[[nodiscard]] Result<void> WriteSecretFile(const std::string& path, std::string_view content);

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
