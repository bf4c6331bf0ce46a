// Shared SAML plumbing for the lasso-based code in src/saml and tools/digid-sim: one-time
// lasso initialisation, ownership wrappers for GObject/glib values, building a LassoServer
// that signs with RSA-SHA256, and the checks every incoming SAML message passes BEFORE lasso
// sees it (size limits, no DTD, allow-listed signature/digest/transform algorithms, Redirect
// SigAlg), plus small encoding helpers (strict base64, raw inflate, SAML time stamps,
// HTML/XML escaping) and a self-signed RSA key pair for SAML signing. Query strings and form
// bodies are parsed with http/form.h (FormControls::kAllowLineBreaks for base64 values).
//
// Include this header instead of <lasso/lasso.h>: it includes glib and libxml2 first, which
// lasso's header needs in C++ (it opens extern "C" and libxml2 pulls in ICU C++ headers).
//
// Errors: every function taking outside input returns Result; kTooLarge over the size limits
// below, kInvalidArgument for anything malformed or not allowed. Messages never echo input.
// Thread-safety: all functions are thread-safe except PinDefaultCaStore (start-up only).
#pragma once

#include <glib.h>
#include <glib-object.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <lasso/lasso.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/result.h"
#include "http/syntax.h"

namespace volmacht::saml {

// Size limits for any incoming SAML message: as received (base64, URL-encoded, SOAP text)
// and after base64 decoding + inflating.
inline constexpr std::size_t kMaxEncodedMessageBytes = 256 * 1024;
inline constexpr std::size_t kMaxDecodedMessageBytes = 1024 * 1024;
// Stable reasons (Error::reason) of the checks below: an algorithm off the allow-list, and a
// Redirect message without exactly one signature. Callers treat both as a signature refusal.
inline constexpr char kReasonAlgorithm[] = "saml.algorithm_not_allowed";
inline constexpr char kReasonUnsigned[] = "saml.unsigned";
// SAML bindings 3.4.3 / 3.5.3: RelayState MUST NOT exceed 80 bytes.
inline constexpr std::size_t kMaxRelayStateBytes = 80;

// Calls lasso_init() exactly once per process (std::call_once). Throws std::runtime_error when
// lasso cannot initialise (a start-up error). Every constructor in src/saml calls it; call it
// from main() early as well so the first call happens on the main thread.
void InitLasso();

// The start-up trick of docs/saml-profile.md section 5.1: xmlsec re-reads the system CA
// bundle on every encryption/verification key manager (about 35 ms each). Points
// SSL_CERT_FILE at ca_file (a small PEM; it becomes OpenSSL's "default" trust store for the
// whole process) and SSL_CERT_DIR at a directory that does not exist. Afterwards every TLS
// client must name its CA file explicitly. Call at start-up before any thread starts (setenv
// is not thread-safe).
void PinDefaultCaStore(const std::string& ca_file);

// Owns one reference to a GObject (LassoServer, LassoLogin, LassoNode, ...). Move-only.
template <typename T>
class GRef {
 public:
  GRef() = default;
  explicit GRef(T* adopt) : p_(adopt) {}  // takes over an existing reference
  ~GRef() { reset(); }
  GRef(GRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  GRef& operator=(GRef&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  GRef(const GRef&) = delete;
  GRef& operator=(const GRef&) = delete;
  // A new reference to a borrowed object.
  static GRef Share(T* borrowed) {
    if (borrowed != nullptr) g_object_ref(borrowed);
    return GRef(borrowed);
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    if (p_ != nullptr) g_object_unref(p_);
    p_ = nullptr;
  }

 private:
  T* p_ = nullptr;
};

using ServerRef = GRef<LassoServer>;
using LoginRef = GRef<LassoLogin>;
using NodeRef = GRef<LassoNode>;

// A g_malloc'ed string owned by us.
struct GFreeDeleter {
  void operator()(void* p) const { g_free(p); }
};
using GStr = std::unique_ptr<char, GFreeDeleter>;
// Copies and frees a g_malloc'ed string ("" for nullptr).
std::string TakeGStr(char* s);
// Replaces a g_malloc'ed string field of a lasso node with a copy of value.
void SetGStr(char** field, std::string_view value);

// Lasso's text for an error code, for logs and internal error messages.
std::string LassoErrorText(int rc);

// A LassoServer for our own entity: metadata, private key and certificate from files (not
// buffers: lasso leaks per login with buffers), signature_method RSA-SHA256. When
// decrypt_with_key is true the key is also set as the encryption private key (for an SP that
// may receive encrypted assertions or ids).
// Errors: kInvalidArgument when lasso refuses the files (missing, unreadable, malformed).
[[nodiscard]] Result<ServerRef> MakeServer(const std::string& metadata_file,
                                           const std::string& key_file,
                                           const std::string& cert_file,
                                           bool decrypt_with_key = false);
// As MakeServer but with our metadata given as text (written to a private temporary file
// that is removed again before returning).
[[nodiscard]] Result<ServerRef> MakeServerFromMetadataText(std::string_view metadata_xml,
                                                           const std::string& key_file,
                                                           const std::string& cert_file,
                                                           bool decrypt_with_key = false);
// Adds a remote party from its metadata file. Call only before the server is shared with
// other threads (docs/saml-profile.md section 4.2: build a new server and swap it instead of
// adding while serving).
// Returns the remote entity id. Errors: kInvalidArgument when lasso refuses the metadata.
[[nodiscard]] Result<std::string> AddProvider(LassoServer* server, LassoProviderRole role,
                                              const std::string& metadata_file);

// Well-formed XML of at most kMaxDecodedMessageBytes, no DTD/entity declarations, and every
// ds:SignatureMethod, ds:Reference/ds:DigestMethod, ds:CanonicalizationMethod, ds:Transform
// and xenc:EncryptionMethod algorithm on the allow-list: RSA-SHA256/384/512, SHA-256/384/512,
// exclusive/inclusive c14n (without comments), enveloped-signature, AES-CBC/GCM, RSA-OAEP.
// SHA-1, HMAC, DSA, XSLT and XPath are refused. Unsigned XML passes (lasso decides whether
// a signature is required).
[[nodiscard]] Result<void> CheckXmlAlgorithms(std::string_view xml);
// What every incoming SAML message passes before lasso sees it: CheckXmlAlgorithms, then
// ValidateSamlStructure (saml_schema.h: the SAML, XML Signature, XML Encryption and SOAP 1.1
// schemas, and an Issuer with text in every protocol message). Errors: kTooLarge,
// kInvalidArgument.
[[nodiscard]] Result<void> CheckIncomingXml(std::string_view xml);
// A SOAP 1.1 Fault for the back channel (ArtifactResolve), rendered from the error's code
// alone: soap:Client for what the caller sent (400 invalid, 413 too large, 403 forbidden),
// soap:Server for ours (503 unavailable, else 500). The faultstring says what kind of error
// it was, never our message (details are for the log).
struct SoapFault {
  int http_status = 500;
  std::string envelope;
};
SoapFault SoapFaultFor(const Error& e);

// The back-channel request: a SOAP 1.1 Envelope whose Body holds exactly one
// samlp:ArtifactResolve, plus everything CheckIncomingXml checks. Checked before lasso
// sees the message: lasso 2.8 loses the parsed document of an envelope whose Body has no
// element (found by fuzzing fuzz/authn_request: about 7 KB each time).
[[nodiscard]] Result<void> CheckArtifactResolveEnvelope(std::string_view xml);
// For an HTTP-Redirect binding query: Signature and SigAlg present exactly once, SigAlg
// RSA-SHA256/384/512, total length at most kMaxEncodedMessageBytes.
[[nodiscard]] Result<void> CheckRedirectSigAlg(std::string_view query);
// Base64-decodes and raw-inflates (DEFLATE, RFC 1951) the parameter `param` (SAMLRequest or
// SAMLResponse) of a Redirect binding query; enforces both size limits and then
// CheckIncomingXml on the result.
[[nodiscard]] Result<std::string> DecodeRedirectMessage(std::string_view query,
                                                        std::string_view param);

// Small read-only helpers over an already parsed libxml2 tree (local names; namespaces are
// not compared). Null in, empty out.
bool InNs(const xmlNode* n, std::string_view ns);     // n's namespace URI is `ns`
bool NameIs(const xmlNode* n, std::string_view name);  // n's local name is `name`
const xmlNode* XmlChild(const xmlNode* n, const char* name);  // first element child `name`
const xmlNode* XmlFind(const xmlNode* n, const char* name);   // depth first over n and siblings
std::string XmlAttr(const xmlNode* n, const char* name);      // "" when absent
std::string XmlText(const xmlNode* n);                        // the node's text content
using http::UrlEncode;  // percent-encoding, one definition for the program
// Base64 of a SAML binding: ASCII whitespace skipped (line breaks are allowed there), then
// strict standard base64 (common/encoding.h), at most max_out bytes decoded.
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text, std::size_t max_out);
using volmacht::Base64Encode;
// Raw DEFLATE inflate with an output limit. Errors: kTooLarge, kInvalidArgument.
[[nodiscard]] Result<std::string> RawInflate(std::string_view data, std::size_t max_out);
using volmacht::HtmlEscape;  // also valid for XML text and attribute values

// SAML dateTime in UTC with whole seconds: "2026-11-29T03:08:59Z".
std::string FormatSamlTime(Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction]Z" only (SAML core 1.3.3: UTC, no offset).
[[nodiscard]] Result<Timestamp> ParseSamlTime(std::string_view text);

// Makes a self-signed RSA key pair for SAML signing/encryption (PEM, key mode 0600, SHA-256
// certificate valid ten years, subject CN=common_name) unless both files already hold a
// matching pair. Errors: kUnavailable when the files cannot be written, kInternal when
// OpenSSL fails.
[[nodiscard]] Result<void> EnsureSigningKeyPair(const std::string& key_file,
                                                const std::string& cert_file,
                                                const std::string& common_name, int bits);
// The certificate's DER as base64 (for ds:X509Certificate in metadata).
// Errors: kInvalidArgument when the file is not a PEM certificate.
[[nodiscard]] Result<std::string> CertificateBase64(const std::string& cert_file);

// Entity id of an EntityDescriptor document (metadata). Errors: kInvalidArgument.
[[nodiscard]] Result<std::string> MetadataEntityId(std::string_view metadata_xml);

// Location of every md:<element> (e.g. "AssertionConsumerService") with the given Binding URI
// in an EntityDescriptor document, in document order. Errors: kInvalidArgument.
[[nodiscard]] Result<std::vector<std::string>> MetadataEndpoints(std::string_view metadata_xml,
                                                                 std::string_view element,
                                                                 std::string_view binding);

// Reads a whole file of at most max_bytes. Errors: kNotFound, kTooLarge.
[[nodiscard]] Result<std::string> ReadFileLimited(const std::string& path, std::size_t max_bytes);

}  // namespace volmacht::saml
