#include "saml/combi_connect.h"

// saml_common.h includes glib and libxml2 before lasso (C++ include-order trap).
#include "saml/saml_common.h"

#include <lasso/saml-2.0/provider.h>
#include <lasso/saml-2.0/saml2_helper.h>
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_conditions.h>
#include <lasso/xml/saml-2.0/saml2_encrypted_element.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation_data.h>
#include <lasso/xml/saml-2.0/samlp2_artifact_resolve.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "common/crypto.h"
#include "http/form.h"
#include "saml/combi_connect_artifacts.h"

namespace volmacht::saml {
namespace {

using std::chrono::minutes;

// The class has a method named Fail, which hides volmacht::Fail inside its members.
std::unexpected<Error> Err(Error e) { return std::unexpected<Error>(std::move(e)); }

constexpr std::string_view kSamlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr std::string_view kSamlpNs = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr std::string_view kMdNs = "urn:oasis:names:tc:SAML:2.0:metadata";
constexpr std::string_view kDsNs = "http://www.w3.org/2000/09/xmldsig#";
constexpr char kBindingArtifact[] = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
constexpr char kBindingPost[] = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
constexpr char kBindingRedirect[] = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
constexpr char kBindingSoap[] = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";
constexpr char kTransient[] = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
constexpr char kEntityFormat[] = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
constexpr char kBearer[] = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
constexpr char kAttrNameFormatUri[] = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
constexpr char kServiceUuidAttr[] = "urn:nl-eid-gdi:1.0:ServiceUUID";
constexpr char kActingAttr[] = "urn:nl-eid-gdi:1.0:ActingSubjectID";
constexpr char kLegalAttr[] = "urn:nl-eid-gdi:1.0:LegalSubjectID";
constexpr char kLegacyBsn[] = "urn:nl-eid-gdi:1.0:id:legacy-BSN";
constexpr char kStatusRequester[] = "urn:oasis:names:tc:SAML:2.0:status:Requester";
constexpr char kStatusResponder[] = "urn:oasis:names:tc:SAML:2.0:status:Responder";
constexpr char kStatusAuthnFailed[] = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
constexpr char kStatusRequestDenied[] = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
constexpr char kStatusNoAuthnContext[] = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext";

constexpr auto kClockSkew = minutes(5);          // IssueInstant window, both directions
constexpr auto kAssertionLifetime = minutes(2);  // bearer confirmation and Conditions
constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kRequestIdCapacity = 200'000;
constexpr std::size_t kArtifactCapacity = 200'000;

// ---- small libxml2 helpers (for reading the verified original XML and SP metadata) ----

bool Is(const xmlNode* n, std::string_view ns, std::string_view name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
         n->ns->href != nullptr && ns == reinterpret_cast<const char*>(n->ns->href) &&
         name == reinterpret_cast<const char*>(n->name);
}

std::vector<const xmlNode*> Children(const xmlNode* n, std::string_view ns,
                                     std::string_view name) {
  std::vector<const xmlNode*> out;
  if (n == nullptr) return out;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (Is(c, ns, name)) out.push_back(c);
  }
  return out;
}

std::optional<std::string> Attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return std::nullopt;
  std::string out(reinterpret_cast<char*>(v));
  xmlFree(v);
  return out;
}

// Text content with surrounding XML whitespace removed.
std::string Text(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  std::string out = v != nullptr ? reinterpret_cast<char*>(v) : "";
  if (v != nullptr) xmlFree(v);
  const char* ws = " \t\r\n";
  size_t b = out.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  size_t e = out.find_last_not_of(ws);
  return out.substr(b, e - b + 1);
}

struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocFree>;

// Metadata is configuration from a trusted admin command, but parse it as carefully.
Result<XmlDoc> ParseMetadata(std::string_view xml) {
  if (xml.size() > kMaxDecodedMessageBytes) return Err(Error::TooLarge("metadata too large"));
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    return Err(Error::Invalid("metadata contains a DTD"));
  }
  xmlDoc* d = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "md.xml", nullptr,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (d == nullptr) return Err(Error::Invalid("metadata is not well-formed XML"));
  return XmlDoc(d);
}

// ---- provider registry and the server snapshot ----

struct Acs {
  std::string binding;
  std::string location;
  int index = -1;
  bool is_default = false;
};

struct SpInfo {
  Oin provider;
  std::string entity_id;
  bool post_response = false;
  std::vector<Acs> acs;
  const char* ResponseBinding() const { return post_response ? kBindingPost : kBindingArtifact; }
};

// One immutable LassoServer with its providers. Calls hold a shared_ptr for their duration,
// so SetProviders can swap in a new snapshot while old calls finish on the old one.
struct Snapshot {
  ServerRef server;
  std::map<std::string, SpInfo, std::less<>> sps;  // by entity id
};

Result<SpInfo> ReadSpMetadata(const ProviderSp& p) {
  auto doc = ParseMetadata(p.metadata_xml);
  if (!doc) return Err(doc.error());
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!Is(root, kMdNs, "EntityDescriptor")) {
    return Err(Error::Invalid("provider metadata is not an EntityDescriptor"));
  }
  SpInfo sp{p.provider, Attr(root, "entityID").value_or(""), p.post_response, {}};
  if (sp.entity_id.empty()) return Err(Error::Invalid("provider metadata without entityID"));
  auto descriptors = Children(root, kMdNs, "SPSSODescriptor");
  if (descriptors.size() != 1) {
    return Err(Error::Invalid("provider metadata needs exactly one SPSSODescriptor"));
  }
  bool can_encrypt = false;
  for (const xmlNode* kd : Children(descriptors[0], kMdNs, "KeyDescriptor")) {
    auto use = Attr(kd, "use");
    if (!use || *use == "encryption") can_encrypt = true;
  }
  if (!can_encrypt) return Err(Error::Invalid("provider metadata has no encryption key"));
  for (const xmlNode* a : Children(descriptors[0], kMdNs, "AssertionConsumerService")) {
    Acs acs;
    acs.binding = Attr(a, "Binding").value_or("");
    acs.location = Attr(a, "Location").value_or("");
    auto index = Attr(a, "index");
    if (!index || index->empty() || index->size() > 5 ||
        !std::all_of(index->begin(), index->end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Err(Error::Invalid("provider metadata: ACS without a valid index"));
    }
    acs.index = std::stoi(*index);
    acs.is_default = Attr(a, "isDefault").value_or("") == "true";
    if (acs.location.empty()) return Err(Error::Invalid("provider metadata: ACS without URL"));
    sp.acs.push_back(std::move(acs));
  }
  if (std::none_of(sp.acs.begin(), sp.acs.end(),
                   [&](const Acs& a) { return a.binding == sp.ResponseBinding(); })) {
    return Err(Error::Invalid("provider metadata has no ACS for the response binding"));
  }
  return sp;
}

std::string IdpMetadata(const CombiConnectConfig& c, const std::string& cert_b64) {
  auto e = [](std::string_view s) { return HtmlEscape(s); };
  std::string md;
  md += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  md += "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + e(c.entity_id) + "\">\n";
  md += "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"true\" "
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n";
  md += "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
        cert_b64 + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n";
  md += std::string("    <md:ArtifactResolutionService Binding=\"") + kBindingSoap +
        "\" Location=\"" + e(c.artifact_resolution_url) + "\" index=\"0\" isDefault=\"true\"/>\n";
  md += std::string("    <md:NameIDFormat>") + kTransient + "</md:NameIDFormat>\n";
  md += std::string("    <md:SingleSignOnService Binding=\"") + kBindingRedirect +
        "\" Location=\"" + e(c.sso_url) + "\"/>\n";
  md += std::string("    <md:SingleSignOnService Binding=\"") + kBindingPost + "\" Location=\"" +
        e(c.sso_url) + "\"/>\n";
  md += "  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n";
  return md;
}

Result<std::shared_ptr<const Snapshot>> BuildSnapshot(const CombiConnectConfig& config,
                                                      const std::string& idp_metadata,
                                                      const std::vector<ProviderSp>& providers) {
  auto server = MakeServerFromMetadataText(idp_metadata, config.key_file, config.cert_file);
  if (!server) return Err(server.error());
  auto snap = std::make_shared<Snapshot>();
  for (const ProviderSp& p : providers) {
    auto sp = ReadSpMetadata(p);
    if (!sp) return Err(sp.error());
    if (snap->sps.contains(sp->entity_id)) {
      return Err(Error::Conflict("two providers with the same entity id"));
    }
    int rc = lasso_server_add_provider_from_buffer(server->get(), LASSO_PROVIDER_ROLE_SP,
                                                   p.metadata_xml.c_str(), nullptr, nullptr);
    LassoProvider* lp = lasso_server_get_provider(server->get(), sp->entity_id.c_str());
    if (rc != 0 || lp == nullptr) return Err(Error::Invalid("lasso refused provider metadata"));
    // docs/domain.md section 8: AES-256-CBC with RSA-OAEP (lasso's defaults are AES-128 and
    // v1.5; docs/saml-profile.md section 2).
    // Only our EncryptedIDs are encrypted, never the whole assertion.
    lasso_provider_set_encryption_sym_key_type(lp, LASSO_ENCRYPTION_SYM_KEY_TYPE_AES_256);
    lasso_provider_set_key_encryption_method(lp, LASSO_KEY_ENCRYPTION_METHOD_OAEP);
    lasso_provider_set_encryption_mode(lp, LASSO_ENCRYPTION_MODE_NONE);
    std::string id = sp->entity_id;
    snap->sps.emplace(std::move(id), std::move(*sp));
  }
  snap->server = std::move(*server);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

// ---- message helpers ----

std::string RandomHex(size_t bytes) { return ToHex(RandomBytes(bytes)); }

// SAML 2.0 artifact type 0x0004 (bindings 3.6.4): TypeCode, EndpointIndex 0, SourceID =
// SHA-1 of our entity id (fixed by the standard, not a security function), MessageHandle =
// 20 bytes from OpenSSL's CSPRNG (lasso's own generator is glib's non-cryptographic one).
std::string MakeArtifact(const std::string& entity_id) {
  std::string raw("\x00\x04\x00\x00", 4);
  std::array<unsigned char, 20> source{};
  unsigned int len = 0;
  EVP_Digest(entity_id.data(), entity_id.size(), source.data(), &len, EVP_sha1(), nullptr);
  raw.append(reinterpret_cast<const char*>(source.data()), source.size());
  raw += RandomBytes(20);
  return Base64Encode(raw);
}

LassoSamlp2Status* NewStatus(const char* top, const char* second) {
  auto* status = LASSO_SAMLP2_STATUS(lasso_samlp2_status_new());
  status->StatusCode = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
  status->StatusCode->Value = g_strdup(top);
  if (second != nullptr) {
    status->StatusCode->StatusCode = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
    status->StatusCode->StatusCode->Value = g_strdup(second);
  }
  return status;
}

void ReplaceStatus(LassoSamlp2StatusResponse* response, LassoSamlp2Status* status) {
  if (response->Status != nullptr) g_object_unref(response->Status);
  response->Status = status;
}

LassoSaml2NameID* NewIssuer(const std::string& entity_id) {
  auto* issuer = LASSO_SAML2_NAME_ID(
      lasso_saml2_name_id_new_with_string(const_cast<char*>(entity_id.c_str())));
  issuer->Format = g_strdup(kEntityFormat);
  return issuer;
}

LassoSaml2Attribute* NewAttribute(const char* name, LassoNode* value_node) {
  auto* attr = LASSO_SAML2_ATTRIBUTE(lasso_saml2_attribute_new());
  attr->Name = g_strdup(name);
  attr->NameFormat = g_strdup(kAttrNameFormatUri);
  LassoSaml2AttributeValue* value = lasso_saml2_attribute_value_new();
  value->any = g_list_append(value->any, value_node);  // value takes the reference
  attr->AttributeValue = g_list_append(attr->AttributeValue, value);
  return attr;
}

std::string HtmlPostForm(const std::string& action, const std::string& saml_response,
                         const std::string& relay_state) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"nl\">\n<head><meta charset=\"utf-8\">"
       "<title>Doorsturen naar de dienstverlener</title></head>\n"
       "<body onload=\"document.forms[0].submit()\">\n<main>\n"
       "<h1>Doorsturen naar de dienstverlener</h1>\n"
       "<p>U wordt teruggestuurd naar de organisatie waar u inlogde. Gebeurt dat niet "
       "vanzelf, kies dan Doorgaan.</p>\n";
  h += "<form method=\"post\" action=\"" + HtmlEscape(action) + "\">\n";
  h += "<input type=\"hidden\" name=\"SAMLResponse\" value=\"" + HtmlEscape(saml_response) +
       "\">\n";
  if (!relay_state.empty()) {
    h += "<input type=\"hidden\" name=\"RelayState\" value=\"" + HtmlEscape(relay_state) +
         "\">\n";
  }
  h += "<button type=\"submit\">Doorgaan</button>\n</form>\n</main>\n</body>\n</html>\n";
  return h;
}

// Errors of saml_common's checks that mean "the signature is not acceptable" (told apart by
// their stable reasons) become kForbidden.
Error SignatureCheckError(const Error& e) {
  if (e.code == ErrorCode::kTooLarge) return e;
  if (e.Is(kReasonAlgorithm) || e.Is(kReasonUnsigned)) {
    return Error::Forbidden("message signature missing or not acceptable").Because(e.reason);
  }
  return e;
}

bool IsSignatureError(int rc) {
  switch (rc) {
    case LASSO_DS_ERROR_SIGNATURE_NOT_FOUND:
    case LASSO_DS_ERROR_INVALID_SIGNATURE:
    case LASSO_DS_ERROR_SIGNATURE_VERIFICATION_FAILED:
    case LASSO_PROFILE_ERROR_CANNOT_VERIFY_SIGNATURE:
    case LASSO_LOGIN_ERROR_INVALID_SIGNATURE:
      return true;
    default:
      return rc > 0 && rc < 200;  // the LASSO_DS_ERROR_* range (positive: verify failures)
  }
}

}  // namespace

struct CombiConnectIdp::Impl {
  CombiConnectConfig config;
  std::string metadata;
  mutable std::mutex snapshot_mu;
  std::shared_ptr<const Snapshot> snapshot;
  RequestIdCache request_ids{kRequestIdCapacity};
  ArtifactStore artifacts{kArtifactCapacity};

  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard lock(snapshot_mu);
    return snapshot;
  }

  // A message through the binding checks and lasso's signature verification (forced).
  struct Verified {
    LoginRef login;
    std::string relay_state;
  };
  // trusted: the message was verified before (its tag checked), parse without verifying.
  Result<Verified> Verify(const Snapshot& snap, Binding b, std::string_view input,
                          bool trusted) const;
  std::string Tag(Binding b, std::string_view message) const {
    std::string data(b == Binding::kRedirect ? "R" : "P");
    data.append(message);
    return ToHex(HmacSha256(tag_key, data));
  }
  const std::string tag_key = RandomBytes(32);
  // Everything about a verified request except time and replay (those apply once, when it
  // arrives; Succeed/Fail re-derive the rest from the message).
  Result<AuthnRequestInfo> Analyse(const Snapshot& snap, LassoLogin* login) const;
  struct Prepared {
    std::shared_ptr<const Snapshot> snap;
    LoginRef login;
    AuthnRequestInfo info;
    const SpInfo* sp = nullptr;
  };
  Result<Prepared> Reprocess(const AuthnRequestInfo& info) const;
  Result<SamlReply> Deliver(Prepared& p, Timestamp now);
};

Result<CombiConnectIdp::Impl::Verified> CombiConnectIdp::Impl::Verify(
    const Snapshot& snap, Binding b, std::string_view input, bool trusted) const {
  if (input.size() > kMaxEncodedMessageBytes) return Err(Error::TooLarge("message too large"));
  // Base64 values (a POSTed SAMLRequest, a Signature) may be broken into lines.
  auto form =
      http::ParseForm(input, kMaxEncodedMessageBytes, http::FormControls::kAllowLineBreaks);
  if (!form) return Err(Error::Invalid("malformed SAML message"));
  Verified v;
  std::string lasso_message;
  if (b == Binding::kRedirect) {
    if (auto r = CheckRedirectSigAlg(input); !r) return Err(SignatureCheckError(r.error()));
    auto xml = DecodeRedirectMessage(input, "SAMLRequest");
    if (!xml) return Err(SignatureCheckError(xml.error()));
    // lasso verifies the detached signature over the raw query; a trusted re-parse hands it
    // the XML as base64 (lasso accepts no bare XML here), which skips that leaking path.
    if (trusted) {
      lasso_message = Base64Encode(*xml);
    } else {
      lasso_message.assign(input);
    }
  } else {
    auto request = form->Get("SAMLRequest");
    if (!request) return Err(Error::Invalid("SAMLRequest missing"));
    auto xml = Base64Decode(*request, kMaxDecodedMessageBytes);
    if (!xml) return Err(Error::Invalid("malformed SAML message"));
    if (auto r = CheckIncomingXml(*xml); !r) return Err(SignatureCheckError(r.error()));
    lasso_message = std::move(*request);
  }
  if (auto relay = form->Get("RelayState")) v.relay_state = std::move(*relay);
  if (v.relay_state.size() > kMaxRelayStateBytes) {
    return Err(Error::Invalid("RelayState too long"));
  }

  v.login = LoginRef(lasso_login_new(snap.server.get()));
  if (!v.login) return Err(Error::Internal("lasso_login_new failed"));
  LassoProfile* profile = LASSO_PROFILE(v.login.get());
  lasso_profile_set_signature_verify_hint(profile,
                                          trusted ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE
                                                  : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
  int rc = lasso_login_process_authn_request_msg(v.login.get(), lasso_message.c_str());
  if (rc != 0 || profile->request == nullptr ||
      !LASSO_IS_SAMLP2_AUTHN_REQUEST(profile->request)) {
    if (profile->remote_providerID != nullptr &&
        !snap.sps.contains(std::string_view(profile->remote_providerID))) {
      return Err(Error::Forbidden("unknown issuer"));
    }
    if (rc == LASSO_PROFILE_ERROR_UNKNOWN_PROVIDER ||
        rc == LASSO_SERVER_ERROR_PROVIDER_NOT_FOUND) {
      return Err(Error::Forbidden("unknown issuer"));
    }
    if (IsSignatureError(rc)) return Err(Error::Forbidden("AuthnRequest signature invalid"));
    // lasso refuses an AssertionConsumerServiceURL that is not in the metadata this way.
    if (rc == LASSO_PROFILE_ERROR_INVALID_PROTOCOLPROFILE) {
      return Err(Error::Invalid("assertion consumer service not registered"));
    }
    return Err(Error::Invalid("malformed AuthnRequest"));
  }
  if (!trusted && lasso_profile_get_signature_status(profile) != 0) {
    return Err(Error::Forbidden("AuthnRequest signature invalid"));
  }
  if (b == Binding::kPost) {
    // Belt and braces: the POST binding's signature must be enveloped in the request itself.
    xmlNode* root = lasso_node_get_original_xmlnode(LASSO_NODE(profile->request));
    if (Children(root, kDsNs, "Signature").size() != 1) {
      return Err(Error::Forbidden("AuthnRequest signature invalid"));
    }
  }
  return v;
}

Result<CombiConnectIdp::AuthnRequestInfo> CombiConnectIdp::Impl::Analyse(
    const Snapshot& snap, LassoLogin* login) const {
  LassoProfile* profile = LASSO_PROFILE(login);
  auto* request = LASSO_SAMLP2_AUTHN_REQUEST(profile->request);
  auto* abstract = LASSO_SAMLP2_REQUEST_ABSTRACT(profile->request);
  if (abstract->Issuer == nullptr || abstract->Issuer->content == nullptr) {
    return Err(Error::Invalid("AuthnRequest without Issuer"));
  }
  auto sp_it = snap.sps.find(std::string_view(abstract->Issuer->content));
  if (sp_it == snap.sps.end()) return Err(Error::Forbidden("unknown issuer"));
  const SpInfo& sp = sp_it->second;
  if (abstract->ID == nullptr || abstract->ID[0] == '\0' ||
      std::strlen(abstract->ID) > kMaxIdBytes) {
    return Err(Error::Invalid("AuthnRequest ID missing or too long"));
  }
  if (abstract->Version == nullptr || std::string_view(abstract->Version) != "2.0") {
    return Err(Error::Invalid("AuthnRequest version not supported"));
  }
  if (abstract->Destination == nullptr || config.sso_url != abstract->Destination) {
    return Err(Error::Invalid("AuthnRequest Destination is not this service"));
  }

  AuthnRequestInfo info;
  info.request_id = abstract->ID;
  info.sp_entity_id = sp.entity_id;
  info.provider = sp.provider;
  info.post_response = sp.post_response;

  // The ACS must be registered for the binding we answer with (artifact or, per provider,
  // HTTP-POST); ProtocolBinding in the request is not followed (the registration decides).
  const char* binding = sp.ResponseBinding();
  bool has_url = request->AssertionConsumerServiceURL != nullptr;
  bool has_index = request->AssertionConsumerServiceIndex >= 0;
  const Acs* acs = nullptr;
  if (has_url && has_index) return Err(Error::Invalid("both ACS URL and index given"));
  for (const Acs& a : sp.acs) {
    if (a.binding != binding) continue;
    if (has_url ? a.location == request->AssertionConsumerServiceURL
                : has_index ? a.index == request->AssertionConsumerServiceIndex
                            : (acs == nullptr || a.is_default)) {
      if (acs == nullptr || !acs->is_default) acs = &a;
    }
  }
  if (acs == nullptr) return Err(Error::Invalid("assertion consumer service not registered"));
  info.acs_url = acs->location;

  // Extensions and Scoping from the verified original XML: lasso's model drops Extensions
  // content and mis-models Scoping (docs/saml-profile.md section 3.2).
  const xmlNode* root = lasso_node_get_original_xmlnode(LASSO_NODE(profile->request));
  if (root == nullptr) return Err(Error::Internal("original XML not kept"));
  std::vector<std::string> services;
  for (const xmlNode* ext : Children(root, kSamlpNs, "Extensions")) {
    for (const xmlNode* attr : Children(ext, kSamlNs, "Attribute")) {
      if (Attr(attr, "Name").value_or("") != kServiceUuidAttr) continue;
      for (const xmlNode* v : Children(attr, kSamlNs, "AttributeValue")) {
        services.push_back(Text(v));
      }
    }
  }
  if (services.size() != 1) return Err(Error::Invalid("exactly one ServiceUUID required"));
  auto service = Uuid::Parse(services[0]);
  if (!service) return Err(Error::Invalid("ServiceUUID is not a UUID"));
  info.service = *service;

  auto racs = Children(root, kSamlpNs, "RequestedAuthnContext");
  if (racs.size() != 1) return Err(Error::Invalid("RequestedAuthnContext required"));
  std::string comparison = Attr(racs[0], "Comparison").value_or("exact");
  if (comparison != "exact" && comparison != "minimum") {
    return Err(Error::Invalid("RequestedAuthnContext comparison not supported"));
  }
  std::optional<Loa> min_loa;
  for (const xmlNode* ref : Children(racs[0], kSamlNs, "AuthnContextClassRef")) {
    auto loa = LoaFromSamlClassRef(Text(ref));
    if (!loa) return Err(Error::Invalid("AuthnContextClassRef not supported"));
    if (!min_loa || static_cast<int>(*loa) < static_cast<int>(*min_loa)) min_loa = *loa;
  }
  if (!min_loa) return Err(Error::Invalid("AuthnContextClassRef required"));
  info.min_loa = *min_loa;

  info.representation = Representation::kNone;
  for (const xmlNode* scoping : Children(root, kSamlpNs, "Scoping")) {
    for (const xmlNode* list : Children(scoping, kSamlpNs, "IDPList")) {
      for (const xmlNode* entry : Children(list, kSamlpNs, "IDPEntry")) {
        if (Attr(entry, "ProviderID").value_or("") == config.entity_id &&
            info.representation == Representation::kNone) {
          info.representation = Representation::kOptional;
        }
      }
    }
    for (const xmlNode* rid : Children(scoping, kSamlpNs, "RequesterID")) {
      if (Text(rid) == config.entity_id) info.representation = Representation::kMandatory;
    }
  }
  return info;
}

Result<CombiConnectIdp::Impl::Prepared> CombiConnectIdp::Impl::Reprocess(
    const AuthnRequestInfo& info) const {
  std::string expected = Tag(info.binding, info.message);
  if (info.tag.size() != expected.size() ||
      CRYPTO_memcmp(info.tag.data(), expected.data(), expected.size()) != 0) {
    return Err(Error::Invalid("login state does not match its request"));
  }
  Prepared p;
  p.snap = Current();
  auto v = Verify(*p.snap, info.binding, info.message, /*trusted=*/true);
  if (!v) return Err(v.error());
  auto fresh = Analyse(*p.snap, v->login.get());
  if (!fresh) return Err(fresh.error());
  if (fresh->request_id != info.request_id || fresh->sp_entity_id != info.sp_entity_id) {
    return Err(Error::Invalid("login state does not match its request"));
  }
  fresh->relay_state = std::move(v->relay_state);
  fresh->binding = info.binding;
  fresh->message = info.message;
  fresh->tag = info.tag;
  p.info = std::move(*fresh);
  p.sp = &p.snap->sps.at(p.info.sp_entity_id);
  p.login = std::move(v->login);

  // Point lasso at the ACS and binding we chose, whatever the request preferred.
  auto* request = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(p.login.get())->request);
  SetGStr(&request->ProtocolBinding, p.sp->ResponseBinding());
  SetGStr(&request->AssertionConsumerServiceURL, p.info.acs_url);
  request->AssertionConsumerServiceIndex = -1;
  p.login->protocolProfile = p.info.post_response ? LASSO_LOGIN_PROTOCOL_PROFILE_BRWS_POST
                                                  : LASSO_LOGIN_PROTOCOL_PROFILE_BRWS_ART;
  lasso_profile_set_signature_hint(LASSO_PROFILE(p.login.get()),
                                   LASSO_PROFILE_SIGNATURE_HINT_FORCE);
  return p;
}

// Builds the message in p.login's response (status and, on success, assertion already in
// place) and wraps it for the browser: an artifact redirect or an auto-posting form.
Result<CombiConnectIdp::SamlReply> CombiConnectIdp::Impl::Deliver(Prepared& p, Timestamp now) {
  LassoProfile* profile = LASSO_PROFILE(p.login.get());
  auto* response = LASSO_SAMLP2_STATUS_RESPONSE(profile->response);
  SetGStr(&response->Destination, p.info.acs_url);
  SetGStr(&response->InResponseTo, p.info.request_id);
  SetGStr(&response->IssueInstant, FormatSamlTime(now));
  if (response->Issuer != nullptr) g_object_unref(response->Issuer);
  response->Issuer = NewIssuer(config.entity_id);

  SamlReply reply;
  if (p.info.post_response) {
    int rc = lasso_login_build_authn_response_msg(p.login.get());
    if (rc != 0 || profile->msg_body == nullptr) {
      return Err(Error::Internal("building the SAML response failed: " + LassoErrorText(rc)));
    }
    reply.kind = SamlReply::kPostForm;
    reply.url = p.info.acs_url;
    reply.html = HtmlPostForm(p.info.acs_url, profile->msg_body, p.info.relay_state);
    return reply;
  }
  int rc = lasso_login_build_artifact_msg(p.login.get(), LASSO_HTTP_METHOD_ARTIFACT_GET);
  std::string message = TakeGStr(lasso_profile_get_artifact_message(profile));
  if (rc != 0 || message.empty()) {
    return Err(Error::Internal("building the SAML response failed: " + LassoErrorText(rc)));
  }
  std::string artifact = MakeArtifact(config.entity_id);
  ArtifactStore::Entry entry{p.info.sp_entity_id, p.info.request_id, p.info.acs_url,
                             std::move(message), now};
  if (auto r = artifacts.Put(artifact, std::move(entry), now); !r) return Err(r.error());
  reply.kind = SamlReply::kRedirect;
  reply.url = p.info.acs_url;
  reply.url += p.info.acs_url.find('?') == std::string::npos ? '?' : '&';
  reply.url += "SAMLart=" + UrlEncode(artifact);
  if (!p.info.relay_state.empty()) reply.url += "&RelayState=" + UrlEncode(p.info.relay_state);
  return reply;
}

// ---- public API ----

CombiConnectIdp::CombiConnectIdp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CombiConnectIdp::~CombiConnectIdp() = default;

Result<std::unique_ptr<CombiConnectIdp>> CombiConnectIdp::Create(
    CombiConnectConfig config, std::vector<ProviderSp> providers) {
  InitLasso();
  if (config.entity_id.empty() || config.sso_url.empty() ||
      config.artifact_resolution_url.empty()) {
    return Err(Error::Invalid("Combi-Connect config incomplete"));
  }
  auto cert = CertificateBase64(config.cert_file);
  if (!cert) return Err(cert.error());
  auto impl = std::make_unique<Impl>();
  impl->metadata = IdpMetadata(config, *cert);
  impl->config = std::move(config);
  auto snap = BuildSnapshot(impl->config, impl->metadata, providers);
  if (!snap) return Err(snap.error());
  impl->snapshot = std::move(*snap);
  return std::unique_ptr<CombiConnectIdp>(new CombiConnectIdp(std::move(impl)));
}

Result<void> CombiConnectIdp::SetProviders(std::vector<ProviderSp> providers) {
  auto snap = BuildSnapshot(impl_->config, impl_->metadata, providers);
  if (!snap) return Err(snap.error());
  std::lock_guard lock(impl_->snapshot_mu);
  impl_->snapshot = std::move(*snap);
  return {};
}

std::string CombiConnectIdp::Metadata() const { return impl_->metadata; }

size_t CombiConnectIdp::PendingArtifacts() const { return impl_->artifacts.size(); }

Result<CombiConnectIdp::AuthnRequestInfo> CombiConnectIdp::ProcessAuthnRequest(
    Binding b, std::string_view query_or_body, Timestamp now) {
  auto snap = impl_->Current();
  auto v = impl_->Verify(*snap, b, query_or_body, /*trusted=*/false);
  if (!v) return Err(v.error());
  auto info = impl_->Analyse(*snap, v->login.get());
  if (!info) return Err(info.error());
  auto* abstract = LASSO_SAMLP2_REQUEST_ABSTRACT(LASSO_PROFILE(v->login.get())->request);
  auto issued = ParseSamlTime(abstract->IssueInstant != nullptr ? abstract->IssueInstant : "");
  if (!issued) return Err(Error::Invalid("AuthnRequest IssueInstant invalid"));
  if (*issued > now + kClockSkew || *issued < now - kClockSkew) {
    return Err(Error::Invalid("AuthnRequest IssueInstant outside the allowed window"));
  }
  // Remember the ID for as long as the request could still pass the window check.
  Timestamp until = std::max(*issued + kClockSkew, now) + std::chrono::seconds(1);
  if (auto r = impl_->request_ids.Remember(info->sp_entity_id, info->request_id, until, now);
      !r) {
    return Err(r.error());
  }
  info->relay_state = std::move(v->relay_state);
  info->binding = b;
  info->message.assign(query_or_body);
  info->tag = impl_->Tag(b, query_or_body);
  return info;
}

Result<CombiConnectIdp::SamlReply> CombiConnectIdp::Succeed(const AuthnRequestInfo& info,
                                                            const Bsn& acting,
                                                            const std::optional<Bsn>& legal,
                                                            Loa loa, Timestamp now) {
  auto p = impl_->Reprocess(info);
  if (!p) return Err(p.error());
  if (static_cast<int>(loa) < static_cast<int>(p->info.min_loa)) {
    return Err(Error::Rule("level of assurance below the requested minimum"));
  }
  if (legal && *legal == acting) return Err(Error::Rule("acting for oneself is not a mandate"));
  if (!legal && p->info.representation == Representation::kMandatory) {
    return Err(Error::Rule("the provider requires representation"));
  }
  if (legal && p->info.representation == Representation::kNone) {
    return Err(Error::Rule("the provider did not ask for representation"));
  }

  LassoLogin* login = p->login.get();
  int rc = lasso_login_validate_request_msg(login, TRUE, TRUE);
  if (rc != 0) return Err(Error::Internal("lasso refused the request: " + LassoErrorText(rc)));
  std::string t_now = FormatSamlTime(now);
  std::string t_end = FormatSamlTime(now + kAssertionLifetime);
  std::string class_ref(LoaSamlClassRef(loa));
  rc = lasso_login_build_assertion(login, class_ref.c_str(), t_now.c_str(), nullptr,
                                   t_now.c_str(), t_end.c_str());
  if (rc != 0) return Err(Error::Internal("building the assertion failed: " + LassoErrorText(rc)));
  GRef<LassoNode> node(lasso_login_get_assertion(login));
  if (!node || !LASSO_IS_SAML2_ASSERTION(node.get())) {
    return Err(Error::Internal("no assertion built"));
  }
  auto* assertion = LASSO_SAML2_ASSERTION(node.get());
  SetGStr(&assertion->IssueInstant, t_now);
  if (assertion->Issuer != nullptr) g_object_unref(assertion->Issuer);
  assertion->Issuer = NewIssuer(impl_->config.entity_id);

  // Subject: a fresh transient NameID and the bearer confirmation of SAML profiles 4.1.4.2.
  if (assertion->Subject == nullptr) {
    assertion->Subject = LASSO_SAML2_SUBJECT(lasso_saml2_subject_new());
  }
  LassoSaml2Subject* subject = assertion->Subject;
  if (subject->NameID != nullptr) g_object_unref(subject->NameID);
  if (subject->EncryptedID != nullptr) g_object_unref(subject->EncryptedID);
  subject->EncryptedID = nullptr;
  std::string transient = "_" + RandomHex(20);
  subject->NameID =
      LASSO_SAML2_NAME_ID(lasso_saml2_name_id_new_with_string(transient.data()));
  subject->NameID->Format = g_strdup(kTransient);
  if (subject->SubjectConfirmation == nullptr) {
    subject->SubjectConfirmation =
        LASSO_SAML2_SUBJECT_CONFIRMATION(lasso_saml2_subject_confirmation_new());
  }
  SetGStr(&subject->SubjectConfirmation->Method, kBearer);
  if (subject->SubjectConfirmation->SubjectConfirmationData == nullptr) {
    subject->SubjectConfirmation->SubjectConfirmationData =
        LASSO_SAML2_SUBJECT_CONFIRMATION_DATA(lasso_saml2_subject_confirmation_data_new());
  }
  LassoSaml2SubjectConfirmationData* scd = subject->SubjectConfirmation->SubjectConfirmationData;
  g_free(scd->NotBefore);  // MUST NOT be present for bearer confirmation
  scd->NotBefore = nullptr;
  SetGStr(&scd->NotOnOrAfter, t_end);
  SetGStr(&scd->Recipient, p->info.acs_url);
  SetGStr(&scd->InResponseTo, p->info.request_id);

  if (assertion->Conditions == nullptr) {
    assertion->Conditions = LASSO_SAML2_CONDITIONS(lasso_saml2_conditions_new());
  }
  SetGStr(&assertion->Conditions->NotBefore, t_now);
  SetGStr(&assertion->Conditions->NotOnOrAfter, t_end);
  if (!lasso_saml2_assertion_is_audience_restricted(assertion,
                                                    const_cast<char*>(p->sp->entity_id.c_str()))) {
    lasso_saml2_assertion_add_audience_restriction(assertion, p->sp->entity_id.c_str());
  }

  // The attributes. The BSNs travel only encrypted to the provider's certificate.
  LassoProvider* sp_provider =
      lasso_server_get_provider(p->snap->server.get(), p->sp->entity_id.c_str());
  if (sp_provider == nullptr) return Err(Error::Forbidden("unknown issuer"));
  auto encrypted_bsn = [&](const Bsn& bsn) -> Result<LassoNode*> {
    GRef<LassoNode> name_id(
        lasso_saml2_name_id_new_with_string(const_cast<char*>(bsn.str().c_str())));
    LASSO_SAML2_NAME_ID(name_id.get())->NameQualifier = g_strdup(kLegacyBsn);
    LassoSaml2EncryptedElement* enc = lasso_provider_saml2_node_encrypt(sp_provider, name_id.get());
    if (enc == nullptr) return Err(Error::Internal("encrypting an identifier failed"));
    lasso_node_set_custom_nodename(LASSO_NODE(enc), "EncryptedID");
    return LASSO_NODE(enc);
  };
  auto acting_enc = encrypted_bsn(acting);
  if (!acting_enc) return Err(acting_enc.error());
  auto legal_enc = encrypted_bsn(legal.value_or(acting));
  if (!legal_enc) {
    g_object_unref(*acting_enc);
    return Err(legal_enc.error());
  }
  LassoMiscTextNode* service_text = lasso_misc_text_node_new_with_string(p->info.service.str().c_str());
  service_text->text_child = TRUE;
  auto* statement = LASSO_SAML2_ATTRIBUTE_STATEMENT(lasso_saml2_attribute_statement_new());
  statement->Attribute = g_list_append(statement->Attribute,
                                       NewAttribute(kServiceUuidAttr, LASSO_NODE(service_text)));
  statement->Attribute = g_list_append(statement->Attribute, NewAttribute(kActingAttr, *acting_enc));
  statement->Attribute = g_list_append(statement->Attribute, NewAttribute(kLegalAttr, *legal_enc));
  assertion->AttributeStatement = g_list_append(assertion->AttributeStatement, statement);

  // The login object now holds the plaintext BSNs (docs/saml-profile.md section 3.4: never
  // dump or persist it); it is released when p goes out of scope.
  return impl_->Deliver(*p, now);
}

Result<CombiConnectIdp::SamlReply> CombiConnectIdp::Fail(const AuthnRequestInfo& info,
                                                         Failure failure, Timestamp now) {
  auto p = impl_->Reprocess(info);
  if (!p) return std::unexpected(p.error());
  // Denies the request in lasso's state (no assertion); we then set the precise status.
  (void)lasso_login_validate_request_msg(p->login.get(), FALSE, FALSE);
  const char* second = failure == Failure::kCancelled   ? kStatusAuthnFailed
                       : failure == Failure::kLoaTooLow ? kStatusNoAuthnContext
                                                        : kStatusRequestDenied;
  LassoProfile* profile = LASSO_PROFILE(p->login.get());
  if (profile->response == nullptr || !LASSO_IS_SAMLP2_STATUS_RESPONSE(profile->response)) {
    return std::unexpected(Error::Internal("no response to fill"));
  }
  ReplaceStatus(LASSO_SAMLP2_STATUS_RESPONSE(profile->response),
                NewStatus(kStatusResponder, second));
  return impl_->Deliver(*p, now);
}

Result<std::string> CombiConnectIdp::ResolveArtifact(std::string_view soap_body,
                                                     const Oin& client_oin, Timestamp now) {
  if (soap_body.size() > kMaxEncodedMessageBytes) {
    return Err(Error::TooLarge("message too large"));
  }
  std::string soap(soap_body);
  if (auto r = CheckArtifactResolveEnvelope(soap); !r) {
    return Err(SignatureCheckError(r.error()));
  }
  auto snap = impl_->Current();
  LoginRef login(lasso_login_new(snap->server.get()));
  if (!login) return Err(Error::Internal("lasso_login_new failed"));
  LassoProfile* profile = LASSO_PROFILE(login.get());
  lasso_profile_set_signature_verify_hint(profile, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
  lasso_profile_set_signature_hint(profile, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
  int rc = lasso_login_process_request_msg(login.get(), soap.data());
  if (profile->remote_providerID != nullptr &&
      !snap->sps.contains(std::string_view(profile->remote_providerID))) {
    return Err(Error::Forbidden("unknown issuer"));
  }
  if (rc != 0 || profile->request == nullptr ||
      !LASSO_IS_SAMLP2_ARTIFACT_RESOLVE(profile->request)) {
    if (IsSignatureError(rc) || rc == LASSO_PROFILE_ERROR_UNKNOWN_PROVIDER ||
        rc == LASSO_SERVER_ERROR_PROVIDER_NOT_FOUND) {
      return Err(Error::Forbidden("ArtifactResolve not signed by a known provider"));
    }
    return Err(Error::Invalid("malformed ArtifactResolve"));
  }
  if (lasso_profile_get_signature_status(profile) != 0) {
    return Err(Error::Forbidden("ArtifactResolve signature invalid"));
  }
  auto* resolve = LASSO_SAMLP2_ARTIFACT_RESOLVE(profile->request);
  auto* abstract = LASSO_SAMLP2_REQUEST_ABSTRACT(profile->request);
  const SpInfo& sp = snap->sps.at(profile->remote_providerID);
  if (sp.provider != client_oin) {
    return Err(Error::Forbidden("client certificate does not belong to the issuer"));
  }
  if (abstract->Destination != nullptr &&
      impl_->config.artifact_resolution_url != abstract->Destination) {
    return Err(Error::Invalid("ArtifactResolve Destination is not this service"));
  }
  auto issued = ParseSamlTime(abstract->IssueInstant != nullptr ? abstract->IssueInstant : "");
  if (!issued || *issued > now + kClockSkew || *issued < now - kClockSkew) {
    return Err(Error::Invalid("ArtifactResolve IssueInstant outside the window"));
  }
  if (resolve->Artifact == nullptr || std::strlen(resolve->Artifact) > 100) {
    return Err(Error::Invalid("ArtifactResolve without a valid artifact"));
  }

  auto taken = impl_->artifacts.Take(resolve->Artifact, sp.entity_id, now);
  std::string message;
  switch (taken.outcome) {
    case ArtifactStore::Outcome::kWrongParty:
      return Err(Error::Forbidden("artifact not issued to this provider"));
    case ArtifactStore::Outcome::kUnknown:
      break;  // an ArtifactResponse without a message
    case ArtifactStore::Outcome::kValid:
      message = std::move(taken.entry->message);
      break;
    case ArtifactStore::Outcome::kLate: {
      // docs/domain.md section 8: artifact too late -> Requester/RequestDenied.
      GRef<LassoNode> late(lasso_samlp2_response_new());
      auto* r = LASSO_SAMLP2_STATUS_RESPONSE(late.get());
      SetGStr(&r->ID, "_" + RandomHex(20));
      SetGStr(&r->Version, "2.0");
      SetGStr(&r->IssueInstant, FormatSamlTime(now));
      SetGStr(&r->InResponseTo, taken.entry->request_id);
      SetGStr(&r->Destination, taken.entry->acs_url);
      r->Issuer = NewIssuer(impl_->config.entity_id);
      ReplaceStatus(r, NewStatus(kStatusRequester, kStatusRequestDenied));
      message = TakeGStr(lasso_node_export_to_xml(late.get()));
      break;
    }
  }
  if (!message.empty()) lasso_profile_set_artifact_message(profile, message.c_str());
  rc = lasso_login_build_response_msg(login.get(), nullptr);
  if (rc != 0 || profile->msg_body == nullptr) {
    return Err(Error::Internal("building ArtifactResponse failed: " + LassoErrorText(rc)));
  }
  return std::string(profile->msg_body);
}

}  // namespace volmacht::saml
