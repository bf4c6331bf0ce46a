#include "saml/digid_sp.h"

#include "saml/saml_common.h"  // first: includes glib/libxml2 before lasso

#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_audience_restriction.h>
#include <lasso/xml/saml-2.0/saml2_authn_context.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_conditions.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_strings.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation_data.h>
#include <lasso/xml/saml-2.0/samlp2_artifact_response.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_requested_authn_context.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>

#include <chrono>
#include <cstring>
#include <utility>

#include "http/client.h"

namespace volmacht::saml {
namespace {


constexpr auto kClockSkew = std::chrono::minutes(1);
constexpr std::string_view kDigidNameIdPrefix = "s00000000:";
constexpr std::string_view kSoapAction = "http://www.oasis-open.org/committees/security";

std::string_view Str(const char* s) { return s == nullptr ? std::string_view() : s; }

bool IsHttpsOrLoopbackHttp(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://127.0.0.1:") ||
         url.starts_with("http://localhost:");
}

Result<void> CheckStaticConfig(const DigidSpConfig& cfg) {
  if (cfg.entity_id.empty() || cfg.entity_id.size() > 1024) {
    return Fail(Error::Invalid("DigiD SP: entity_id is required"));
  }
  if (!IsHttpsOrLoopbackHttp(cfg.acs_url)) {
    return Fail(Error::Invalid("DigiD SP: acs_url must be an https URL"));
  }
  for (char c : cfg.entity_id + cfg.acs_url) {
    if (c == '"' || c == '<' || c == '>' || c == '&' || static_cast<unsigned char>(c) < 0x20) {
      return Fail(Error::Invalid("DigiD SP: entity_id or acs_url contains bad characters"));
    }
  }
  return {};
}

// Constant parts of the SAML flow are fixed here; only entity id, ACS and certificate vary.
std::string MetadataXml(const DigidSpConfig& cfg, const std::string& cert_b64) {
  std::string key_info =
      "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + cert_b64 +
      "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
         HtmlEscape(cfg.entity_id) +
         "\">\n"
         "  <md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
         "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
         "    <md:KeyDescriptor use=\"signing\">" +
         key_info +
         "</md:KeyDescriptor>\n"
         "    <md:KeyDescriptor use=\"encryption\">" +
         key_info +
         "</md:KeyDescriptor>\n"
         "    <md:AssertionConsumerService "
         "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\" Location=\"" +
         HtmlEscape(cfg.acs_url) +
         "\" index=\"0\" isDefault=\"true\"/>\n"
         "  </md:SPSSODescriptor>\n"
         "</md:EntityDescriptor>\n";
}

Error Forged(std::string what) { return Error::Invalid("DigiD answer refused: " + what); }

// The second-level status code, or "" when there is none.
std::string_view SubStatus(const LassoSamlp2StatusResponse* r) {
  if (r->Status == nullptr || r->Status->StatusCode == nullptr ||
      r->Status->StatusCode->StatusCode == nullptr) {
    return {};
  }
  return Str(r->Status->StatusCode->StatusCode->Value);
}

std::string_view TopStatus(const LassoSamlp2StatusResponse* r) {
  if (r->Status == nullptr || r->Status->StatusCode == nullptr) return {};
  return Str(r->Status->StatusCode->Value);
}

}  // namespace

struct DigidSp::Impl {
  DigidSpConfig cfg;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  ServerRef server;
  std::string idp_id;
  std::string metadata;
  std::unique_ptr<http::HttpClient> client;

  Result<DigidIdentity> CheckResponse(LassoLogin* login, std::string_view expected_id,
                                      Loa min_loa) const;
};

DigidSp::DigidSp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DigidSp::~DigidSp() = default;

Result<std::string> DigidSp::BuildMetadata(const DigidSpConfig& cfg) {
  if (auto c = CheckStaticConfig(cfg); !c) return Fail(c.error());
  auto cert = CertificateBase64(cfg.cert_file);
  if (!cert) return Fail(Error::Invalid("DigiD SP: cannot read cert_file"));
  return MetadataXml(cfg, *cert);
}

Result<std::unique_ptr<DigidSp>> DigidSp::Create(DigidSpConfig cfg) {
  InitLasso();
  auto md = BuildMetadata(cfg);
  if (!md) return Fail(md.error());
  auto impl = std::make_unique<Impl>();
  impl->clock = cfg.clock != nullptr ? cfg.clock : &impl->system_clock;
  auto server = MakeServerFromMetadataText(*md, cfg.key_file, cfg.cert_file, true);
  if (!server) return Fail(Error::Invalid("DigiD SP: " + server.error().message));
  auto idp = AddProvider(server->get(), LASSO_PROVIDER_ROLE_IDP, cfg.idp_metadata_file);
  if (!idp) return Fail(Error::Invalid("DigiD SP: DigiD metadata: " + idp.error().message));
  impl->server = std::move(*server);
  impl->idp_id = std::move(*idp);
  impl->metadata = std::move(*md);
  http::ClientConfig cc;
  cc.timeout = cfg.timeout;
  cc.max_response = kMaxDecodedMessageBytes;
  cc.ca_file = cfg.tls_ca_file;
  cc.cert_file = cfg.tls_cert_file;
  cc.key_file = cfg.tls_key_file;
  impl->client = std::make_unique<http::HttpClient>(cc);
  impl->cfg = std::move(cfg);
  return std::unique_ptr<DigidSp>(new DigidSp(std::move(impl)));
}

std::string DigidSp::Metadata() const { return impl_->metadata; }
const std::string& DigidSp::idp_entity_id() const { return impl_->idp_id; }

Result<DigidSp::LoginStart> DigidSp::StartLogin(Loa min_loa, std::string_view relay_state) const {
  if (relay_state.size() > kMaxRelayStateBytes) {
    return Fail(Error::Invalid("relay state longer than 80 bytes"));
  }
  LoginRef login(lasso_login_new(impl_->server.get()));
  if (!login) return Fail(Error::Internal("lasso_login_new failed"));
  LassoProfile* profile = LASSO_PROFILE(login.get());
  int rc = lasso_login_init_authn_request(login.get(), impl_->idp_id.c_str(),
                                          LASSO_HTTP_METHOD_REDIRECT);
  if (rc != 0) return Fail(Error::Internal("AuthnRequest: " + LassoErrorText(rc)));
  LassoSamlp2AuthnRequest* req = LASSO_SAMLP2_AUTHN_REQUEST(profile->request);
  SetGStr(&req->ProtocolBinding, LASSO_SAML2_METADATA_BINDING_ARTIFACT);
  SetGStr(&req->AssertionConsumerServiceURL, impl_->cfg.acs_url);
  // DigiD chooses its own NameID ("s00000000:<BSN>", format unspecified): asking for a
  // transient one, as lasso does by default, would be a request DigiD cannot honour.
  if (req->NameIDPolicy != nullptr) {
    g_object_unref(req->NameIDPolicy);
    req->NameIDPolicy = nullptr;
  }
  auto* rac = LASSO_SAMLP2_REQUESTED_AUTHN_CONTEXT(lasso_samlp2_requested_authn_context_new());
  std::string_view ref = LoaSamlClassRef(min_loa);
  rac->AuthnContextClassRef = g_list_append(nullptr, g_strndup(ref.data(), ref.size()));
  rac->Comparison = g_strdup("minimum");
  if (req->RequestedAuthnContext != nullptr) g_object_unref(req->RequestedAuthnContext);
  req->RequestedAuthnContext = rac;
  if (!relay_state.empty()) SetGStr(&profile->msg_relayState, relay_state);
  lasso_profile_set_signature_hint(profile, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
  rc = lasso_login_build_authn_request_msg(login.get());
  if (rc != 0 || profile->msg_url == nullptr) {
    return Fail(Error::Internal("AuthnRequest: " + LassoErrorText(rc)));
  }
  LoginStart out;
  out.redirect_url = profile->msg_url;
  out.request_id = Str(LASSO_SAMLP2_REQUEST_ABSTRACT(req)->ID);
  if (out.request_id.empty()) return Fail(Error::Internal("AuthnRequest without ID"));
  return out;
}

Result<DigidSp::DigidIdentity> DigidSp::FinishLogin(std::string_view saml_art,
                                                    std::string_view expected_request_id,
                                                    Loa min_loa) const {
  // A SAML 2.0 type 0x0004 artifact: 44 bytes, 60 base64 characters.
  auto raw = Base64Decode(saml_art, 64);
  if (saml_art.size() > 64 || !raw || raw->size() != 44 || (*raw)[0] != 0 || (*raw)[1] != 4) {
    return Fail(Error::Invalid("SAMLart is not a SAML 2.0 artifact"));
  }
  if (expected_request_id.empty()) return Fail(Error::Invalid("no request id to match"));
  LoginRef login(lasso_login_new(impl_->server.get()));
  if (!login) return Fail(Error::Internal("lasso_login_new failed"));
  LassoProfile* profile = LASSO_PROFILE(login.get());
  lasso_profile_set_signature_verify_hint(profile, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
  lasso_profile_set_signature_hint(profile, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
  std::string query = "SAMLart=" + UrlEncode(saml_art);
  int rc = lasso_login_init_request(login.get(), query.data(), LASSO_HTTP_METHOD_ARTIFACT_GET);
  if (rc != 0) return Fail(Error::Invalid("SAMLart not from DigiD"));
  if (Str(profile->remote_providerID) != impl_->idp_id) {
    return Fail(Error::Invalid("SAMLart not from DigiD"));
  }
  rc = lasso_login_build_request_msg(login.get());
  if (rc != 0 || profile->msg_url == nullptr || profile->msg_body == nullptr) {
    return Fail(Error::Internal("ArtifactResolve: " + LassoErrorText(rc)));
  }
  std::string_view url = profile->msg_url;
  if (!url.starts_with("https://")) {
    return Fail(Error::Internal("DigiD ArtifactResolutionService is not https"));
  }
  auto resp = impl_->client->Send(
      "POST", url, profile->msg_body,
      {{"Content-Type", "text/xml; charset=utf-8"}, {"SOAPAction", std::string(kSoapAction)}});
  if (!resp) {
    if (resp.error().code == ErrorCode::kTooLarge) return Fail(Forged("too large"));
    return Fail(Error::Unavailable("DigiD unreachable"));
  }
  if (resp->status != 200) return Fail(Error::Unavailable("DigiD answered HTTP error"));
  if (auto c = CheckIncomingXml(resp->body); !c) return Fail(Forged(c.error().message));
  rc = lasso_login_process_response_msg(login.get(), resp->body.data());
  if (rc == LASSO_PROFILE_ERROR_MISSING_RESPONSE) {
    return Fail(Forged("no Response (unknown, used or expired artifact)"));
  }
  if (rc != 0 && rc != LASSO_PROFILE_ERROR_STATUS_NOT_SUCCESS &&
      rc != LASSO_LOGIN_ERROR_STATUS_NOT_SUCCESS) {
    return Fail(Forged("lasso " + LassoErrorText(rc)));
  }
  if (profile->signature_status != 0) return Fail(Forged("signature"));
  return impl_->CheckResponse(login.get(), expected_request_id, min_loa);
}

Result<DigidSp::DigidIdentity> DigidSp::Impl::CheckResponse(LassoLogin* login,
                                                            std::string_view expected_id,
                                                            Loa min_loa) const {
  LassoProfile* profile = LASSO_PROFILE(login);
  LassoNode* node = profile->response;
  if (node != nullptr && LASSO_IS_SAMLP2_ARTIFACT_RESPONSE(node)) {
    node = LASSO_SAMLP2_ARTIFACT_RESPONSE(node)->any;
  }
  if (node == nullptr || !LASSO_IS_SAMLP2_RESPONSE(node)) {
    return Fail(Forged("no Response (unknown, used or expired artifact)"));
  }
  auto* sr = LASSO_SAMLP2_STATUS_RESPONSE(node);
  auto* response = LASSO_SAMLP2_RESPONSE(node);
  if (sr->Issuer == nullptr || Str(sr->Issuer->content) != idp_id) return Fail(Forged("issuer"));
  if (Str(sr->InResponseTo) != expected_id) return Fail(Forged("InResponseTo"));
  if (sr->Destination != nullptr && Str(sr->Destination) != cfg.acs_url) {
    return Fail(Forged("Destination"));
  }
  if (TopStatus(sr) != LASSO_SAML2_STATUS_CODE_SUCCESS) {
    if (SubStatus(sr) == LASSO_SAML2_STATUS_CODE_AUTHN_FAILED) {
      return Fail(Error::Forbidden("cancelled").Because(kReasonCancelled));
    }
    return Fail(Forged("status not Success"));
  }
  if (g_list_length(response->Assertion) + g_list_length(response->EncryptedAssertion) != 1) {
    return Fail(Forged("not exactly one assertion"));
  }
  NodeRef anode(lasso_login_get_assertion(login));
  if (!anode || !LASSO_IS_SAML2_ASSERTION(anode.get())) return Fail(Forged("no assertion"));
  auto* a = LASSO_SAML2_ASSERTION(anode.get());
  if (a->Issuer == nullptr || Str(a->Issuer->content) != idp_id) {
    return Fail(Forged("assertion issuer"));
  }
  const Timestamp now = clock->Now();
  // Conditions: time window and audience.
  if (a->Conditions == nullptr || a->Conditions->NotOnOrAfter == nullptr) {
    return Fail(Forged("conditions missing"));
  }
  auto not_after = ParseSamlTime(Str(a->Conditions->NotOnOrAfter));
  if (!not_after || now - kClockSkew >= *not_after) return Fail(Forged("assertion expired"));
  if (a->Conditions->NotBefore != nullptr) {
    auto not_before = ParseSamlTime(Str(a->Conditions->NotBefore));
    if (!not_before || now + kClockSkew < *not_before) return Fail(Forged("not yet valid"));
  }
  if (a->Conditions->AudienceRestriction == nullptr) return Fail(Forged("audience missing"));
  for (GList* l = a->Conditions->AudienceRestriction; l != nullptr; l = l->next) {
    if (!LASSO_IS_SAML2_AUDIENCE_RESTRICTION(l->data) ||
        Str(LASSO_SAML2_AUDIENCE_RESTRICTION(l->data)->Audience) != cfg.entity_id) {
      return Fail(Forged("audience"));
    }
  }
  // Subject: bearer confirmation for our ACS and this request, and DigiD's NameID.
  LassoSaml2Subject* subject = a->Subject;
  if (subject == nullptr) return Fail(Forged("subject missing"));
  if (subject->NameID == nullptr && subject->EncryptedID != nullptr) {
    if (lasso_saml2_assertion_decrypt_subject(a, server.get()) != 0) {
      return Fail(Forged("cannot decrypt subject"));
    }
  }
  LassoSaml2SubjectConfirmation* sc = subject->SubjectConfirmation;
  if (sc == nullptr || Str(sc->Method) != LASSO_SAML2_CONFIRMATION_METHOD_BEARER ||
      sc->SubjectConfirmationData == nullptr) {
    return Fail(Forged("bearer confirmation missing"));
  }
  LassoSaml2SubjectConfirmationData* scd = sc->SubjectConfirmationData;
  if (Str(scd->Recipient) != cfg.acs_url) return Fail(Forged("recipient"));
  if (Str(scd->InResponseTo) != expected_id) return Fail(Forged("confirmation InResponseTo"));
  auto sc_after = ParseSamlTime(Str(scd->NotOnOrAfter));
  if (!sc_after || now - kClockSkew >= *sc_after) return Fail(Forged("confirmation expired"));
  LassoSaml2NameID* name_id = subject->NameID;
  if (name_id == nullptr) return Fail(Forged("NameID missing"));
  std::string_view format = Str(name_id->Format);
  if (!format.empty() && format != LASSO_SAML2_NAME_IDENTIFIER_FORMAT_UNSPECIFIED) {
    return Fail(Forged("NameID format"));
  }
  std::string_view value = Str(name_id->content);
  if (!value.starts_with(kDigidNameIdPrefix)) return Fail(Forged("NameID is not a BSN"));
  auto bsn = Bsn::Parse(value.substr(kDigidNameIdPrefix.size()));
  if (!bsn) return Fail(Forged("NameID is not a valid BSN"));
  // Level of assurance.
  const char* class_ref = nullptr;
  for (GList* l = a->AuthnStatement; l != nullptr; l = l->next) {
    if (!LASSO_IS_SAML2_AUTHN_STATEMENT(l->data)) continue;
    auto* st = LASSO_SAML2_AUTHN_STATEMENT(l->data);
    if (st->AuthnContext != nullptr && st->AuthnContext->AuthnContextClassRef != nullptr) {
      if (class_ref != nullptr) return Fail(Forged("more than one AuthnStatement"));
      class_ref = st->AuthnContext->AuthnContextClassRef;
    }
  }
  if (class_ref == nullptr) return Fail(Forged("no AuthnContextClassRef"));
  auto loa = LoaFromSamlClassRef(class_ref);
  if (!loa) return Fail(Forged("unknown AuthnContextClassRef"));
  if (static_cast<int>(*loa) < static_cast<int>(min_loa)) {
    return Fail(Error::Forbidden("loa too low").Because(kReasonLoaTooLow));
  }
  return DigidIdentity{*bsn, *loa};
}

}  // namespace volmacht::saml
