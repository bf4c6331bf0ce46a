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

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Encode(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Strict decoder: only the alphabet, unused trailing bits must be zero (one text per value).
Result<std::string> Decode(std::string_view text, const char* alphabet) {
  if (text.size() % 4 == 1) return Fail(Error::Invalid("Ongeldige base64-lengte"));
  std::array<int, 256> map;
  map.fill(-1);
  for (int k = 0; k < 64; ++k) map[static_cast<unsigned char>(alphabet[k])] = k;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = map[static_cast<unsigned char>(c)];
    if (v < 0) return Fail(Error::Invalid("Ongeldig base64-teken"));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return Fail(Error::Invalid("Ongeldige base64-opvulling"));
  return out;
}

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

std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kB64Url, false); }

Result<std::string> Base64UrlDecode(std::string_view text) { return Decode(text, kB64Url); }

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Fail(Error::Invalid("Ongeldige base64-lengte"));
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  return Decode(text.substr(0, text.size() - pad), kB64Std);
}

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

Result<void> WriteSecretFile(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::string tmp = path + ".tmp" + ToHex(RandomBytes(4));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Fail(Error::Unavailable("Sleutelbestand niet schrijfbaar"));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  // link, not rename: never replace a key another process made meanwhile (it may already be
  // signing with it); then both use the file that won.
  bool linked = ok && (::link(tmp.c_str(), path.c_str()) == 0 || errno == EEXIST);
  ::unlink(tmp.c_str());
  if (!linked) return Fail(Error::Unavailable("Sleutelbestand niet schrijfbaar"));
  return {};
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
