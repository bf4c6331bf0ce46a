#include "dev_certs.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

namespace volmacht::devcerts {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PKeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PKeyPtr = std::unique_ptr<EVP_PKEY, PKeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

constexpr size_t kMaxPemFile = 64 * 1024;
constexpr long kValidityDays = 730;
constexpr const char* kLoopbackIp = "127.0.0.1";

struct Pair {
  X509Ptr cert;
  PKeyPtr key;
};

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(kMaxPemFile + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  size_t n = static_cast<size_t>(in.gcount());
  if (n == 0 || n > kMaxPemFile) return std::nullopt;
  data.resize(n);
  return data;
}

Result<void> WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Fail(Error::Unavailable("dev certs: cannot write " + tmp));
  // open() honours the umask; set the mode we promise explicitly.
  bool ok = ::fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Fail(Error::Unavailable("dev certs: cannot write " + path));
  }
  return {};
}

std::optional<Pair> LoadPair(const std::string& cert_path, const std::string& key_path) {
  std::optional<std::string> cert_pem = ReadSmallFile(cert_path);
  std::optional<std::string> key_pem = ReadSmallFile(key_path);
  if (!cert_pem || !key_pem) return std::nullopt;
  BioPtr cb(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
  BioPtr kb(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  if (!cb || !kb) return std::nullopt;
  Pair p;
  p.cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  p.key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!p.cert || !p.key || X509_check_private_key(p.cert.get(), p.key.get()) != 1) {
    return std::nullopt;
  }
  // Expired, or not yet valid: either way not usable.
  if (X509_cmp_current_time(X509_get0_notAfter(p.cert.get())) <= 0 ||
      X509_cmp_current_time(X509_get0_notBefore(p.cert.get())) >= 0) {
    return std::nullopt;
  }
  return p;
}

std::string NameEntry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return "";
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

bool IssuedBy(X509* cert, const Pair& ca) {
  return X509_check_issued(ca.cert.get(), cert) == X509_V_OK &&
         X509_verify(cert, ca.key.get()) == 1;
}

bool CaValid(const Pair& ca) {
  return X509_check_ca(ca.cert.get()) >= 1 && X509_verify(ca.cert.get(), ca.key.get()) == 1;
}

bool ServerValid(const Pair& p, const Pair& ca, const std::vector<std::string>& names) {
  X509* c = p.cert.get();
  if (!IssuedBy(c, ca) || (X509_get_extended_key_usage(c) & XKU_SSL_SERVER) == 0) return false;
  for (const std::string& n : names) {
    if (X509_check_host(c, n.data(), n.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) != 1) {
      return false;
    }
  }
  return X509_check_ip_asc(c, kLoopbackIp, 0) == 1;
}

bool ClientValid(const Pair& p, const Pair& ca, const DevCertSpec& spec) {
  X509* c = p.cert.get();
  return IssuedBy(c, ca) && (X509_get_extended_key_usage(c) & XKU_SSL_CLIENT) != 0 &&
         NameEntry(c, NID_commonName) == spec.common_name &&
         NameEntry(c, NID_serialNumber) == spec.serial_number;
}

Error OpenSslError(std::string_view what) {
  return Error::Internal("dev certs: OpenSSL failed to " + std::string(what));
}

Result<PKeyPtr> NewKey() {
  PKeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Fail(OpenSslError("generate an EC key"));
  return key;
}

struct NameField {
  int nid;
  std::string value;
};

// Builds and signs a certificate. issuer == nullptr: self-signed with `key`.
Result<X509Ptr> NewCert(const std::vector<NameField>& subject, EVP_PKEY* key, const Pair* issuer,
                        const std::vector<std::pair<int, std::string>>& extensions) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Fail(OpenSslError("create a certificate"));
  }
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Fail(OpenSslError("make a serial number"));
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(kValidityDays), 0,
                       nullptr) == nullptr) {
    return Fail(OpenSslError("set the validity"));
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const NameField& f : subject) {
    if (X509_NAME_add_entry_by_NID(name, f.nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(f.value.c_str()),
                                   static_cast<int>(f.value.size()), -1, 0) != 1) {
      return Fail(OpenSslError("set the subject"));
    }
  }
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert.get();
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key.get() : key;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert)) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return Fail(OpenSslError("set issuer or public key"));
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) return Fail(OpenSslError("make extension " + value));
    int ok = X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) return Fail(OpenSslError("add extension " + value));
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return Fail(OpenSslError("sign a certificate"));
  }
  return cert;
}

Result<void> WritePair(const std::string& dir, const std::string& stem, const Pair& p) {
  BioPtr cb(BIO_new(BIO_s_mem()));
  BioPtr kb(BIO_new(BIO_s_mem()));
  if (!cb || !kb || PEM_write_bio_X509(cb.get(), p.cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(kb.get(), p.key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return Fail(OpenSslError("write PEM"));
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(kb.get(), &data);
  // Key first: a certificate is only ever next to the key that belongs to it.
  if (auto r = WriteFileAtomic(dir + "/" + stem + "-key.pem",
                               std::string(data, static_cast<size_t>(n)), 0600);
      !r) {
    return r;
  }
  n = BIO_get_mem_data(cb.get(), &data);
  return WriteFileAtomic(dir + "/" + stem + ".pem", std::string(data, static_cast<size_t>(n)),
                         0644);
}

bool StemOk(const std::string& stem) {
  if (stem.empty() || stem.size() > 100 || stem.front() == '.' || stem == "ca" ||
      stem == "server") {
    return false;
  }
  for (char c : stem) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<Pair> MakePair(const std::vector<NameField>& subject, const Pair* issuer,
                      const std::vector<std::pair<int, std::string>>& extensions) {
  Result<PKeyPtr> key = NewKey();
  if (!key) return Fail(key.error());
  Result<X509Ptr> cert = NewCert(subject, key->get(), issuer, extensions);
  if (!cert) return Fail(cert.error());
  return Pair{std::move(*cert), std::move(*key)};
}

}  // namespace

Result<void> MakeDevCerts(const std::string& dir, const std::vector<std::string>& server_dns_names,
                          const std::vector<DevCertSpec>& clients) {
  if (server_dns_names.empty()) return Fail(Error::Invalid("dev certs: no server name"));
  for (const std::string& n : server_dns_names) {
    if (n.empty() || n.find_first_of(", \t\r\n") != std::string::npos) {
      return Fail(Error::Invalid("dev certs: bad server name"));
    }
  }
  for (const DevCertSpec& c : clients) {
    // 64: the X.520 upper bound for both name attributes.
    if (!StemOk(c.file_stem) || c.common_name.empty() || c.common_name.size() > 64 ||
        c.serial_number.size() > 64) {
      return Fail(Error::Invalid("dev certs: bad client file stem, common name or serial"));
    }
  }
  std::error_code fs_ec;
  std::filesystem::create_directories(dir, fs_ec);
  if (fs_ec) return Fail(Error::Unavailable("dev certs: cannot create " + dir));

  bool fresh_ca = false;
  std::optional<Pair> ca = LoadPair(dir + "/ca.pem", dir + "/ca-key.pem");
  if (!ca || !CaValid(*ca)) {
    Result<Pair> made = MakePair(
        {{NID_countryName, "NL"},
         {NID_organizationName, "volmacht dev"},
         {NID_commonName, "volmacht dev CA"}},
        nullptr,
        {{NID_basic_constraints, "critical,CA:TRUE"},
         {NID_key_usage, "critical,keyCertSign,cRLSign"},
         {NID_subject_key_identifier, "hash"}});
    if (!made) return Fail(made.error());
    if (auto w = WritePair(dir, "ca", *made); !w) return w;
    ca = std::move(*made);
    fresh_ca = true;
  }

  std::optional<Pair> server;
  if (!fresh_ca) server = LoadPair(dir + "/server.pem", dir + "/server-key.pem");
  if (!server || !ServerValid(*server, *ca, server_dns_names)) {
    std::string san;
    for (const std::string& n : server_dns_names) san += "DNS:" + n + ",";
    san += std::string("IP:") + kLoopbackIp;
    Result<Pair> made = MakePair(
        {{NID_countryName, "NL"},
         {NID_organizationName, "volmacht dev"},
         {NID_commonName, server_dns_names.front()}},
        &*ca,
        {{NID_basic_constraints, "critical,CA:FALSE"},
         {NID_key_usage, "critical,digitalSignature"},
         {NID_ext_key_usage, "serverAuth"},
         {NID_subject_alt_name, san},
         {NID_subject_key_identifier, "hash"},
         {NID_authority_key_identifier, "keyid"}});
    if (!made) return Fail(made.error());
    if (auto w = WritePair(dir, "server", *made); !w) return w;
  }

  for (const DevCertSpec& spec : clients) {
    std::optional<Pair> client;
    if (!fresh_ca) {
      client = LoadPair(dir + "/" + spec.file_stem + ".pem",
                        dir + "/" + spec.file_stem + "-key.pem");
    }
    if (client && ClientValid(*client, *ca, spec)) continue;
    std::vector<NameField> subject = {{NID_countryName, "NL"},
                                      {NID_organizationName, spec.common_name},
                                      {NID_commonName, spec.common_name}};
    if (!spec.serial_number.empty()) subject.push_back({NID_serialNumber, spec.serial_number});
    Result<Pair> made = MakePair(subject, &*ca,
                                 {{NID_basic_constraints, "critical,CA:FALSE"},
                                  {NID_key_usage, "critical,digitalSignature"},
                                  {NID_ext_key_usage, "clientAuth"},
                                  {NID_subject_key_identifier, "hash"},
                                  {NID_authority_key_identifier, "keyid"}});
    if (!made) return Fail(made.error());
    if (auto w = WritePair(dir, spec.file_stem, *made); !w) return w;
  }
  return {};
}

}  // namespace volmacht::devcerts
