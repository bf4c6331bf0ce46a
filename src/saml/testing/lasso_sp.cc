#include "saml/testing/lasso_sp.h"

#include <lasso/xml/saml-2.0/saml2_encrypted_element.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_extensions.h>
#include <lasso/xml/saml-2.0/samlp2_idp_entry.h>
#include <lasso/xml/saml-2.0/samlp2_idp_list.h>
#include <lasso/xml/saml-2.0/samlp2_request_abstract.h>
#include <lasso/xml/saml-2.0/samlp2_requested_authn_context.h>
#include <lasso/xml/saml-2.0/samlp2_scoping.h>

#include <memory>
#include <utility>

namespace volmacht::saml::testing {
namespace {

// Extensions holding <saml:Attribute Name="urn:nl-eid-gdi:1.0:ServiceUUID">.
Result<LassoSamlp2Extensions*> ServiceExtensions(std::string_view service_uuid) {
  std::string fragment =
      "<saml:Attribute xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
      "Name=\"urn:nl-eid-gdi:1.0:ServiceUUID\"><saml:AttributeValue>" +
      HtmlEscape(service_uuid) + "</saml:AttributeValue></saml:Attribute>";
  xmlDoc* doc = xmlReadMemory(fragment.data(), static_cast<int>(fragment.size()), "f.xml",
                              nullptr, XML_PARSE_NONET);
  if (doc == nullptr) return Fail(Error::Internal("ServiceUUID extension does not parse"));
  GList* any = g_list_append(nullptr, xmlDocGetRootElement(doc));
  auto* ext = LASSO_SAMLP2_EXTENSIONS(lasso_samlp2_extensions_new());
  lasso_samlp2_extensions_set_any(ext, any);  // copies the nodes
  g_list_free(any);
  xmlFreeDoc(doc);
  return ext;
}

LassoSamlp2Scoping* MakeScoping(Scoping scoping, const std::string& idp_entity_id) {
  auto* out = LASSO_SAMLP2_SCOPING(lasso_samlp2_scoping_new());
  if (scoping == Scoping::kMandatory) {
    out->RequesterID = g_strdup(idp_entity_id.c_str());
    return out;
  }
  out->IDPList = LASSO_SAMLP2_IDP_LIST(lasso_samlp2_idp_list_new());
  auto* entry = LASSO_SAMLP2_IDP_ENTRY(lasso_samlp2_idp_entry_new());
  entry->ProviderID = g_strdup(idp_entity_id.c_str());
  out->IDPList->IDPEntry = g_list_append(nullptr, entry);
  return out;
}

}  // namespace

Result<std::string> SpMetadata(std::string_view entity_id, const std::string& cert_file,
                               const std::vector<AcsEndpoint>& acs) {
  if (acs.empty()) return Fail(Error::Invalid("an SP needs an assertion consumer service"));
  auto cert = CertificateBase64(cert_file);
  if (!cert) return Fail(cert.error());
  std::string key_info = "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + *cert +
                         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>";
  std::string md =
      "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
      HtmlEscape(entity_id) +
      "\">\n<md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
      "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
      "<md:KeyDescriptor use=\"signing\">" + key_info + "</md:KeyDescriptor>\n"
      "<md:KeyDescriptor use=\"encryption\">" + key_info + "</md:KeyDescriptor>\n";
  for (std::size_t i = 0; i < acs.size(); ++i) {
    md += "<md:AssertionConsumerService index=\"" + std::to_string(i) + "\"" +
          (i == 0 ? " isDefault=\"true\"" : "") + " Binding=\"" + HtmlEscape(acs[i].binding) +
          "\" Location=\"" + HtmlEscape(acs[i].location) + "\"/>\n";
  }
  return md + "</md:SPSSODescriptor>\n</md:EntityDescriptor>\n";
}

Result<ServerRef> MakeSpServer(std::string_view sp_metadata, const std::string& key_file,
                               const std::string& cert_file, std::string_view idp_metadata,
                               LassoSignatureMethod method) {
  auto sp = MakeServerFromMetadataText(sp_metadata, key_file, cert_file, true);
  if (!sp) return Fail(sp.error());
  (*sp)->signature_method = method;
  std::string idp_md(idp_metadata);  // lasso wants a NUL-terminated buffer
  int rc = lasso_server_add_provider_from_buffer(sp->get(), LASSO_PROVIDER_ROLE_IDP,
                                                 idp_md.c_str(), nullptr, nullptr);
  if (rc != 0) {
    return Fail(Error::Invalid("SP could not load the IdP metadata: " + LassoErrorText(rc)));
  }
  return std::move(*sp);
}

Result<SpAuthnRequest> BuildAuthnRequest(LassoServer* sp, const AuthnRequestSpec& spec) {
  if (sp == nullptr) return Fail(Error::Invalid("no SP server"));
  const bool post = spec.binding == CombiConnectIdp::Binding::kPost;
  LoginRef login(lasso_login_new(sp));
  int rc = lasso_login_init_authn_request(login.get(), spec.idp_entity_id.c_str(),
                                          post ? LASSO_HTTP_METHOD_POST
                                               : LASSO_HTTP_METHOD_REDIRECT);
  if (rc != 0) {
    return Fail(Error::Invalid("lasso_login_init_authn_request: " + LassoErrorText(rc)));
  }
  LassoProfile* profile = LASSO_PROFILE(login.get());
  auto* req = LASSO_SAMLP2_AUTHN_REQUEST(profile->request);
  auto* abstract = LASSO_SAMLP2_REQUEST_ABSTRACT(profile->request);
  SetGStr(&req->ProtocolBinding, spec.protocol_binding);

  auto ext = ServiceExtensions(spec.service_uuid);
  if (!ext) return Fail(ext.error());
  abstract->Extensions = *ext;  // the request owns it from here

  if (spec.scoping != Scoping::kNone) req->Scoping = MakeScoping(spec.scoping, spec.idp_entity_id);
  req->RequestedAuthnContext =
      LASSO_SAMLP2_REQUESTED_AUTHN_CONTEXT(lasso_samlp2_requested_authn_context_new());
  req->RequestedAuthnContext->Comparison = g_strdup("minimum");
  req->RequestedAuthnContext->AuthnContextClassRef =
      g_list_append(nullptr, g_strdup(std::string(LoaSamlClassRef(spec.min_loa)).c_str()));

  rc = lasso_login_build_authn_request_msg(login.get());
  if (rc != 0) {
    return Fail(Error::Internal("lasso_login_build_authn_request_msg: " + LassoErrorText(rc)));
  }
  SpAuthnRequest out;
  out.id = abstract->ID ? abstract->ID : "";
  out.url = profile->msg_url ? profile->msg_url : "";
  out.binding = spec.binding;
  if (post) {
    if (profile->msg_body == nullptr) return Fail(Error::Internal("lasso built no POST body"));
    out.message = "SAMLRequest=" + UrlEncode(profile->msg_body);
  } else {
    auto q = out.url.find('?');
    if (q == std::string::npos) return Fail(Error::Internal("lasso built no Redirect query"));
    out.message = out.url.substr(q + 1);
  }
  return out;
}

Result<ArtifactResolve> BuildArtifactResolve(LassoServer* sp, std::string_view acs_redirect_url,
                                             std::optional<Timestamp> issue_instant) {
  if (sp == nullptr) return Fail(Error::Invalid("no SP server"));
  auto q = acs_redirect_url.find('?');
  if (q == std::string_view::npos) return Fail(Error::Invalid("ACS redirect without a query"));
  std::string query(acs_redirect_url.substr(q + 1));
  ArtifactResolve out{LoginRef(lasso_login_new(sp)), "", ""};
  int rc = lasso_login_init_request(out.login.get(), query.data(), LASSO_HTTP_METHOD_ARTIFACT_GET);
  if (rc != 0) return Fail(Error::Invalid("lasso_login_init_request: " + LassoErrorText(rc)));
  LassoProfile* profile = LASSO_PROFILE(out.login.get());
  if (issue_instant && profile->request != nullptr) {
    SetGStr(&LASSO_SAMLP2_REQUEST_ABSTRACT(profile->request)->IssueInstant,
            FormatSamlTime(*issue_instant));
  }
  rc = lasso_login_build_request_msg(out.login.get());
  if (rc != 0) return Fail(Error::Internal("lasso_login_build_request_msg: " + LassoErrorText(rc)));
  if (profile->msg_body == nullptr) return Fail(Error::Internal("lasso built no ArtifactResolve"));
  out.url = profile->msg_url ? profile->msg_url : "";
  out.soap = profile->msg_body;
  return out;
}

Result<ArtifactOutcome> ReadArtifactResponse(LassoServer* sp, LassoLogin* login,
                                             std::string_view envelope) {
  if (sp == nullptr || login == nullptr) return Fail(Error::Invalid("no SP server or login"));
  if (envelope.size() > kMaxDecodedMessageBytes) {
    return Fail(Error::TooLarge("ArtifactResponse too large"));
  }
  ArtifactOutcome out;
  std::string text(envelope);  // lasso wants a mutable NUL-terminated buffer
  out.lasso_rc = lasso_login_process_response_msg(login, text.data());

  std::unique_ptr<xmlDoc, void (*)(xmlDoc*)> doc(
      xmlReadMemory(envelope.data(), static_cast<int>(envelope.size()), "e.xml", nullptr,
                    XML_PARSE_NONET),
      xmlFreeDoc);
  if (doc == nullptr) return Fail(Error::Invalid("ArtifactResponse is not XML"));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const xmlNode* code = XmlChild(XmlChild(XmlFind(root, "Response"), "Status"), "StatusCode");
  out.status = XmlAttr(code, "Value");
  out.status_detail = XmlAttr(XmlChild(code, "StatusCode"), "Value");
  const xmlNode* assertion = XmlFind(root, "Assertion");
  if (assertion == nullptr) return out;
  out.loa = XmlText(XmlFind(assertion->children, "AuthnContextClassRef"));
  out.audience = XmlText(XmlFind(assertion->children, "Audience"));
  out.issue_instant = XmlAttr(assertion, "IssueInstant");
  const xmlNode* confirmation = XmlFind(assertion->children, "SubjectConfirmationData");
  out.in_response_to = XmlAttr(confirmation, "InResponseTo");
  out.recipient = XmlAttr(confirmation, "Recipient");
  out.not_on_or_after = XmlAttr(confirmation, "NotOnOrAfter");
  const xmlNode* statement = XmlFind(assertion->children, "AttributeStatement");
  for (const xmlNode* st = statement ? statement->children : nullptr; st; st = st->next) {
    if (st->type != XML_ELEMENT_NODE) continue;
    std::string name = XmlAttr(st, "Name");
    const xmlNode* value = XmlChild(st, "AttributeValue");
    const xmlNode* enc = XmlChild(value, "EncryptedID");
    if (enc == nullptr) {
      if (name == "urn:nl-eid-gdi:1.0:ServiceUUID") out.service = XmlText(value);
      continue;
    }
    GRef<LassoNode> e(lasso_saml2_encrypted_element_new());
    int rc = lasso_node_init_from_xml(e.get(), const_cast<xmlNode*>(enc));
    if (rc != 0) return Fail(Error::Internal("EncryptedID: " + LassoErrorText(rc)));
    LassoNode* plain = nullptr;
    rc = lasso_saml2_encrypted_element_server_decrypt(LASSO_SAML2_ENCRYPTED_ELEMENT(e.get()), sp,
                                                      &plain);
    GRef<LassoNode> owned(plain);
    if (rc != 0) return Fail(Error::Internal("EncryptedID not decrypted: " + LassoErrorText(rc)));
    if (plain == nullptr || !LASSO_IS_SAML2_NAME_ID(plain)) continue;
    auto* name_id = LASSO_SAML2_NAME_ID(plain);
    std::string content = name_id->content ? name_id->content : "";
    if (name == "urn:nl-eid-gdi:1.0:ActingSubjectID") out.acting = content;
    if (name == "urn:nl-eid-gdi:1.0:LegalSubjectID") out.legal = content;
    out.qualifier = name_id->NameQualifier ? name_id->NameQualifier : "";
  }
  return out;
}

}  // namespace volmacht::saml::testing
