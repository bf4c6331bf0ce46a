#include "oidc/jose.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/crypto.h"

namespace volmacht::oidc {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};

Result<std::string> CoordinateBytes(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Fail(Error::Internal("EC-coordinaat niet leesbaar"));
  }
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string out(32, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), 32) != 32) {
    return Fail(Error::Internal("EC-coordinaat te lang"));
  }
  return out;
}

}  // namespace

Result<void> EnsureEs256KeyFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) return {};
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) return Fail(Error::Internal("EC-sleutel maken mislukt"));
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(Error::Internal("EC-sleutel schrijven mislukt"));
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return WriteSecretFile(path, std::string_view(data, static_cast<size_t>(len)));
}

Result<EcSigningKey> EcSigningKey::Load(const std::string& pem_file) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(pem_file.c_str(), "r"));
  if (!bio) return Fail(Error::Unavailable("Sleutelbestand niet leesbaar"));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Fail(Error::Invalid("Sleutelbestand bevat geen private sleutel"));
  char group[64] = {0};
  size_t group_len = 0;
  if (!EVP_PKEY_is_a(key.get(), "EC") ||
      EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &group_len) != 1 ||
      std::string_view(group, group_len) != "prime256v1") {
    return Fail(Error::Invalid("Sleutel is geen EC P-256-sleutel"));
  }
  auto x = CoordinateBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x) return Fail(x.error());
  auto y = CoordinateBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y) return Fail(y.error());
  EcSigningKey out;
  std::string bx = Base64UrlEncode(*x);
  std::string by = Base64UrlEncode(*y);
  // RFC 7638: the required members in lexicographic order, no whitespace.
  std::string thumb_input = R"({"crv":"P-256","kty":"EC","x":")" + bx + R"(","y":")" + by + "\"}";
  Digest d = Sha256(thumb_input);
  out.kid_ = Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  nlohmann::ordered_json jwk = {{"kty", "EC"},  {"crv", "P-256"}, {"x", bx},        {"y", by},
                                {"use", "sig"}, {"alg", "ES256"}, {"kid", out.kid_}};
  out.jwk_ = jwk.dump();
  out.key_ = std::shared_ptr<EVP_PKEY>(key.release(), PkeyFree());
  return out;
}

std::string EcSigningKey::SignJws(std::string_view payload_json) const {
  std::string header = R"({"alg":"ES256","kid":")" + kid_ + R"(","typ":"JWT"})";
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload_json);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t der_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("ES256 signing failed");  // a loaded key cannot fail to sign
  }
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("ES256 signing failed");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) throw std::runtime_error("ES256 signature not DER");
  // JOSE (RFC 7518 section 3.4) wants the fixed-size big-endian r || s, not DER.
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    throw std::runtime_error("ES256 signature component too long");
  }
  return input + "." + Base64UrlEncode(raw);
}

}  // namespace volmacht::oidc
