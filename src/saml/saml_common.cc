#include "saml/saml_common.h"

#include "saml/saml_schema.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/crypto.h"
#include "http/form.h"

namespace volmacht::saml {
namespace {

constexpr std::string_view kDsigNs = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view kXencNs = "http://www.w3.org/2001/04/xmlenc#";

const std::set<std::string_view>& AllowedSignatureMethods() {
  static const std::set<std::string_view> k = {
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
  };
  return k;
}

const std::set<std::string_view>& AllowedDigestMethods() {
  static const std::set<std::string_view> k = {
      "http://www.w3.org/2001/04/xmlenc#sha256",
      "http://www.w3.org/2001/04/xmldsig-more#sha384",
      "http://www.w3.org/2001/04/xmlenc#sha512",
  };
  return k;
}

const std::set<std::string_view>& AllowedTransforms() {
  static const std::set<std::string_view> k = {
      "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
      "http://www.w3.org/2001/10/xml-exc-c14n#",
      "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
      "http://www.w3.org/2006/12/xml-c14n11",
  };
  return k;
}

const std::set<std::string_view>& AllowedEncryptionMethods() {
  static const std::set<std::string_view> k = {
      "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
      "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
      "http://www.w3.org/2009/xmlenc11#aes128-gcm",
      "http://www.w3.org/2009/xmlenc11#aes256-gcm",
      "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
      "http://www.w3.org/2009/xmlenc11#rsa-oaep",
  };
  return k;
}

struct XmlDocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocDeleter>;

// Parses untrusted XML: no network, no entity substitution, no DTD at all, errors silent.
Result<XmlDocPtr> ParseStrict(std::string_view xml) {
  if (xml.size() > kMaxDecodedMessageBytes) return Fail(Error::TooLarge("SAML message too large"));
  // A DTD has no place in SAML (core 1.3.2 forbids it); refusing before parsing also rules
  // out entity expansion tricks.
  if (xml.find("<!DOCTYPE") != std::string_view::npos ||
      xml.find("<!ENTITY") != std::string_view::npos) {
    return Fail(Error::Invalid("SAML message contains a DTD"));
  }
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "saml.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) return Fail(Error::Invalid("SAML message is not well-formed XML"));
  XmlDocPtr owned(doc);
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Fail(Error::Invalid("SAML message contains a DTD"));
  }
  if (xmlDocGetRootElement(doc) == nullptr) return Fail(Error::Invalid("SAML message is empty"));
  return owned;
}

Result<void> CheckNode(const xmlNode* n, int depth) {
  // Deeply nested input is an attack on recursive processing further on, never a real SAML
  // message (they are well under 30 levels deep).
  if (depth > 64) return Fail(Error::Invalid("SAML message nested too deeply"));
  for (const xmlNode* c = n; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (InNs(c, kDsigNs)) {
      std::string alg = XmlAttr(c, "Algorithm");
      if (NameIs(c, "SignatureMethod") && !AllowedSignatureMethods().contains(alg)) {
        return Fail(Error::Invalid("signature algorithm not allowed").Because(kReasonAlgorithm));
      }
      if (NameIs(c, "DigestMethod") && c->parent != nullptr && InNs(c->parent, kDsigNs) &&
          NameIs(c->parent, "Reference") && !AllowedDigestMethods().contains(alg)) {
        return Fail(Error::Invalid("digest algorithm not allowed").Because(kReasonAlgorithm));
      }
      if ((NameIs(c, "CanonicalizationMethod") || NameIs(c, "Transform")) &&
          !AllowedTransforms().contains(alg)) {
        return Fail(Error::Invalid("transform algorithm not allowed").Because(kReasonAlgorithm));
      }
    } else if (InNs(c, kXencNs) && NameIs(c, "EncryptionMethod")) {
      if (!AllowedEncryptionMethods().contains(XmlAttr(c, "Algorithm"))) {
        return Fail(Error::Invalid("encryption algorithm not allowed").Because(kReasonAlgorithm));
      }
    }
    if (auto r = CheckNode(c->children, depth + 1); !r) return r;
  }
  return {};
}

// Raw (still encoded) value of one query parameter; counts occurrences.
std::string_view RawParam(std::string_view query, std::string_view name, int* count) {
  std::string_view found;
  *count = 0;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    if (key == name) {
      ++*count;
      found = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    }
    pos = amp + 1;
  }
  return found;
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

X509Ptr ReadCert(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return X509Ptr(x);
}

PkeyPtr ReadKey(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (f == nullptr) return nullptr;
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return PkeyPtr(k);
}

Result<void> WriteFileAtomically(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Fail(Error::Unavailable("cannot write key file"));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Fail(Error::Unavailable("cannot write key file"));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Fail(Error::Unavailable("cannot write key file"));
  }
  return {};
}

std::string BioToString(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

bool InNs(const xmlNode* n, std::string_view ns) {
  return n->ns != nullptr && n->ns->href != nullptr &&
         ns == reinterpret_cast<const char*>(n->ns->href);
}

bool NameIs(const xmlNode* n, std::string_view name) {
  return name == reinterpret_cast<const char*>(n->name);
}

const xmlNode* XmlChild(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n ? n->children : nullptr; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && NameIs(c, name)) return c;
  }
  return nullptr;
}

const xmlNode* XmlFind(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (NameIs(c, name)) return c;
    if (const xmlNode* f = XmlFind(c->children, name)) return f;
  }
  return nullptr;
}

std::string XmlAttr(const xmlNode* n, const char* name) {
  if (n == nullptr) return {};
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<char*>(v));
  xmlFree(v);
  return out;
}

std::string XmlText(const xmlNode* n) {
  if (n == nullptr) return {};
  xmlChar* v = xmlNodeGetContent(n);
  std::string out = v ? reinterpret_cast<char*>(v) : "";
  xmlFree(v);
  return out;
}

void InitLasso() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = lasso_init(); });
  if (rc != 0) throw std::runtime_error("lasso_init failed: " + LassoErrorText(rc));
}

void PinDefaultCaStore(const std::string& ca_file) {
  ::setenv("SSL_CERT_FILE", ca_file.c_str(), 1);
  // Not "": with an empty value xmlsec cannot read any certificate from SAML metadata
  // (lasso: "Could not read KeyInfo"). A directory that does not exist keeps the speed-up.
  ::setenv("SSL_CERT_DIR", "/nonexistent/volmacht-no-ca-dir", 1);
}

std::string TakeGStr(char* s) {
  if (s == nullptr) return {};
  std::string out(s);
  g_free(s);
  return out;
}

void SetGStr(char** field, std::string_view value) {
  g_free(*field);
  *field = g_strndup(value.data(), value.size());
}

std::string LassoErrorText(int rc) {
  const char* t = lasso_strerror(rc);
  return std::to_string(rc) + " " + (t != nullptr ? t : "");
}

Result<ServerRef> MakeServer(const std::string& metadata_file, const std::string& key_file,
                             const std::string& cert_file, bool decrypt_with_key) {
  InitLasso();
  ServerRef server(
      lasso_server_new(metadata_file.c_str(), key_file.c_str(), nullptr, cert_file.c_str()));
  if (!server) return Fail(Error::Invalid("lasso refused our metadata, key or certificate"));
  // This lasso build signs with RSA-SHA1 by default and the global setter is not exported.
  server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
  if (decrypt_with_key) {
    int rc = lasso_server_set_encryption_private_key(server.get(), key_file.c_str());
    if (rc != 0) return Fail(Error::Invalid("lasso refused the decryption key"));
  }
  return server;
}

Result<ServerRef> MakeServerFromMetadataText(std::string_view metadata_xml,
                                             const std::string& key_file,
                                             const std::string& cert_file, bool decrypt_with_key) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "volmacht-saml-md-XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Fail(Error::Unavailable("cannot create temporary metadata file"));
  bool ok = ::write(fd, metadata_xml.data(), metadata_xml.size()) ==
            static_cast<ssize_t>(metadata_xml.size());
  ::close(fd);
  Result<ServerRef> r = ok ? MakeServer(tmpl, key_file, cert_file, decrypt_with_key)
                           : Fail(Error::Unavailable("cannot write temporary metadata file"));
  ::unlink(tmpl.c_str());
  return r;
}

Result<std::string> AddProvider(LassoServer* server, LassoProviderRole role,
                                const std::string& metadata_file) {
  auto text = ReadFileLimited(metadata_file, kMaxDecodedMessageBytes);
  if (!text) return Fail(Error::Invalid("cannot read metadata file"));
  auto id = MetadataEntityId(*text);
  if (!id) return Fail(id.error());
  int rc = lasso_server_add_provider(server, role, metadata_file.c_str(), nullptr, nullptr);
  if (rc != 0) return Fail(Error::Invalid("lasso refused the metadata: " + LassoErrorText(rc)));
  if (lasso_server_get_provider(server, id->c_str()) == nullptr) {
    return Fail(Error::Invalid("metadata entity id not registered"));
  }
  return *id;
}

Result<void> CheckXmlAlgorithms(std::string_view xml) {
  auto doc = ParseStrict(xml);
  if (!doc) return Fail(doc.error());
  return CheckNode(xmlDocGetRootElement(doc->get()), 0);
}

namespace {
// The document of an incoming message that passed every check of CheckIncomingXml.
Result<XmlDocPtr> ParseIncoming(std::string_view xml) {
  auto doc = ParseStrict(xml);
  if (!doc) return Fail(doc.error());
  if (auto r = CheckNode(xmlDocGetRootElement(doc->get()), 0); !r) return Fail(r.error());
  if (auto r = ValidateSamlStructure(doc->get()); !r) return Fail(r.error());
  return doc;
}
}  // namespace

Result<void> CheckIncomingXml(std::string_view xml) {
  auto doc = ParseIncoming(xml);
  if (!doc) return Fail(doc.error());
  return {};
}

Result<void> CheckArtifactResolveEnvelope(std::string_view xml) {
  static constexpr std::string_view kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
  // Among the checks: a SOAP Body holds exactly one SAML protocol message.
  auto doc = ParseIncoming(xml);
  if (!doc) return Fail(doc.error());
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!NameIs(root, "Envelope") || !InNs(root, kSoapNs)) {
    return Fail(Error::Invalid("not a SOAP 1.1 envelope"));
  }
  const xmlNode* body = XmlChild(root, "Body");
  const xmlNode* message = body->children;
  while (message->type != XML_ELEMENT_NODE) message = message->next;
  if (!NameIs(message, "ArtifactResolve")) {
    return Fail(Error::Invalid("SOAP Body does not hold a samlp:ArtifactResolve"));
  }
  return {};
}

Result<void> CheckRedirectSigAlg(std::string_view query) {
  if (query.size() > kMaxEncodedMessageBytes) return Fail(Error::TooLarge("query too large"));
  int sig_count = 0;
  int alg_count = 0;
  RawParam(query, "Signature", &sig_count);
  std::string_view raw_alg = RawParam(query, "SigAlg", &alg_count);
  if (sig_count != 1 || alg_count != 1) {
    return Fail(
        Error::Invalid("Redirect message must be signed exactly once").Because(kReasonUnsigned));
  }
  auto alg = http::FormDecode(raw_alg);
  if (!alg || !AllowedSignatureMethods().contains(*alg)) {
    return Fail(Error::Invalid("signature algorithm not allowed").Because(kReasonAlgorithm));
  }
  return {};
}

Result<std::string> DecodeRedirectMessage(std::string_view query, std::string_view param) {
  if (query.size() > kMaxEncodedMessageBytes) return Fail(Error::TooLarge("query too large"));
  int count = 0;
  std::string_view raw = RawParam(query, param, &count);
  if (count != 1 || raw.empty()) return Fail(Error::Invalid("SAML message missing"));
  // Base64 may be broken into lines (Base64Decode skips them); every other control byte is
  // refused here already.
  auto b64 = http::FormDecode(raw, http::FormControls::kAllowLineBreaks);
  if (!b64) return Fail(b64.error());
  auto deflated = Base64Decode(*b64, kMaxEncodedMessageBytes);
  if (!deflated) return Fail(deflated.error());
  auto xml = RawInflate(*deflated, kMaxDecodedMessageBytes);
  if (!xml) return Fail(xml.error());
  if (auto c = CheckIncomingXml(*xml); !c) return Fail(c.error());
  return xml;
}

Result<std::string> Base64Decode(std::string_view text, std::size_t max_out) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    clean.push_back(c);
  }
  if (clean.size() / 4 * 3 > max_out + 2) return Fail(Error::TooLarge("SAML message too large"));
  Result<std::string> out = volmacht::Base64Decode(clean);
  if (!out) return Fail(Error::Invalid("bad base64"));
  if (out->size() > max_out) return Fail(Error::TooLarge("SAML message too large"));
  return out;
}

Result<std::string> RawInflate(std::string_view data, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) return Fail(Error::Internal("zlib init failed"));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 16384> buf;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Fail(Error::Invalid("bad DEFLATE data"));
    }
    size_t got = buf.size() - zs.avail_out;
    if (out.size() + got > max_out) {
      inflateEnd(&zs);
      return Fail(Error::TooLarge("SAML message too large after inflating"));
    }
    out.append(buf.data(), got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return Fail(Error::Invalid("truncated DEFLATE data"));
    }
  }
  inflateEnd(&zs);
  return out;
}

SoapFault SoapFaultFor(const Error& e) {
  SoapFault f;
  std::string_view code = "soap:Server";
  std::string_view text = "internal error";
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kRuleViolation:
      f.http_status = 400, code = "soap:Client", text = "the ArtifactResolve is not valid";
      break;
    case ErrorCode::kTooLarge:
      f.http_status = 413, code = "soap:Client", text = "the request is too large";
      break;
    case ErrorCode::kForbidden:
      f.http_status = 403, code = "soap:Client", text = "not allowed for this client certificate";
      break;
    case ErrorCode::kUnavailable:
      f.http_status = 503, text = "temporarily unavailable";
      break;
    default:
      break;
  }
  f.envelope = std::string(
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope "
                   "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
                   "<soap:Fault><faultcode>") +
               std::string(code) + "</faultcode><faultstring>" + std::string(text) +
               "</faultstring></soap:Fault></soap:Body></soap:Envelope>\n";
  return f;
}

std::string FormatSamlTime(Timestamp t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto day = floor<days>(secs);
  year_month_day ymd(day);
  hh_mm_ss hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<Timestamp> ParseSamlTime(std::string_view s) {
  using namespace std::chrono;
  auto bad = [] { return Fail(Error::Invalid("bad SAML time")); };
  if (s.size() < 20 || s.size() > 40 || s.back() != 'Z') return bad();
  auto num = [&](size_t pos, size_t len, int* out) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, &y) || s[4] != '-' || !num(5, 2, &mo) || s[7] != '-' || !num(8, 2, &d) ||
      s[10] != 'T' || !num(11, 2, &h) || s[13] != ':' || !num(14, 2, &mi) || s[16] != ':' ||
      !num(17, 2, &se)) {
    return bad();
  }
  int64_t micros = 0;
  size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() - 1) {
      if (s[pos] < '0' || s[pos] > '9') return bad();
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int k = digits; k < 6; ++k) micros *= 10;
  }
  if (pos != s.size() - 1) return bad();
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return bad();
  auto tp = sys_days(ymd) + hours(h) + minutes(mi) + seconds(se) + microseconds(micros);
  return Timestamp(tp);
}

Result<void> EnsureSigningKeyPair(const std::string& key_file, const std::string& cert_file,
                                  const std::string& common_name, int bits) {
  {
    X509Ptr cert = ReadCert(cert_file);
    PkeyPtr key = ReadKey(key_file);
    if (cert && key && X509_check_private_key(cert.get(), key.get()) == 1 &&
        X509_cmp_current_time(X509_get0_notAfter(cert.get())) > 0) {
      return {};
    }
  }
  PkeyPtr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
  if (!key) return Fail(Error::Internal("RSA key generation failed"));
  X509Ptr cert(X509_new());
  if (!cert) return Fail(Error::Internal("X509_new failed"));
  X509_set_version(cert.get(), 2);
  std::string serial = RandomBytes(16);
  serial[0] = static_cast<char>(serial[0] & 0x7f);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), 16, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 366 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("NL"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return Fail(Error::Internal("certificate signing failed"));
  }
  std::unique_ptr<BIO, BioDeleter> kb(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioDeleter> cb(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cb.get(), cert.get()) != 1) {
    return Fail(Error::Internal("PEM encoding failed"));
  }
  std::error_code ec;
  auto parent = std::filesystem::path(key_file).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  parent = std::filesystem::path(cert_file).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (auto r = WriteFileAtomically(key_file, BioToString(kb.get()), 0600); !r) return r;
  return WriteFileAtomically(cert_file, BioToString(cb.get()), 0644);
}

Result<std::string> CertificateBase64(const std::string& cert_file) {
  X509Ptr cert = ReadCert(cert_file);
  if (!cert) return Fail(Error::Invalid("not a PEM certificate"));
  unsigned char* der = nullptr;
  int n = i2d_X509(cert.get(), &der);
  if (n <= 0) return Fail(Error::Invalid("not a PEM certificate"));
  std::string out = Base64Encode(std::string_view(reinterpret_cast<char*>(der),
                                                  static_cast<size_t>(n)));
  OPENSSL_free(der);
  return out;
}

Result<std::string> MetadataEntityId(std::string_view metadata_xml) {
  auto doc = ParseStrict(metadata_xml);
  if (!doc) return Fail(doc.error());
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!NameIs(root, "EntityDescriptor") ||
      !InNs(root, "urn:oasis:names:tc:SAML:2.0:metadata")) {
    return Fail(Error::Invalid("metadata is not an EntityDescriptor"));
  }
  std::string id = XmlAttr(root, "entityID");
  if (id.empty() || id.size() > 1024) return Fail(Error::Invalid("metadata has no entityID"));
  return id;
}

namespace {
void CollectEndpoints(const xmlNode* n, std::string_view element, std::string_view binding,
                      std::vector<std::string>* out) {
  for (const xmlNode* c = n; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (InNs(c, "urn:oasis:names:tc:SAML:2.0:metadata") && NameIs(c, element) &&
        XmlAttr(c, "Binding") == binding) {
      out->push_back(XmlAttr(c, "Location"));
    }
    CollectEndpoints(c->children, element, binding, out);
  }
}
}  // namespace

Result<std::vector<std::string>> MetadataEndpoints(std::string_view metadata_xml,
                                                   std::string_view element,
                                                   std::string_view binding) {
  auto doc = ParseStrict(metadata_xml);
  if (!doc) return Fail(doc.error());
  std::vector<std::string> out;
  CollectEndpoints(xmlDocGetRootElement(doc->get()), element, binding, &out);
  return out;
}

Result<std::string> ReadFileLimited(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("cannot read file"));
  std::string out;
  std::array<char, 65536> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    out.append(buf.data(), static_cast<size_t>(in.gcount()));
    if (out.size() > max_bytes) return Fail(Error::TooLarge("file too large"));
  }
  return out;
}

}  // namespace volmacht::saml
