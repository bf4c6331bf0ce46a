// Test support: lasso playing a Combi-Connect service provider against our CombiConnectIdp
// (metadata, server, signed AuthnRequest, ArtifactResolve, reading the ArtifactResponse),
// shared by src/saml/combi_connect_test.cc, src/web/login_flow_test.cc and
// bench/saml_login.cc. Not for production code (target volmacht_saml_lasso_sp_testing).
//
//   auto md = SpMetadata(sp_entity, cert_file, {{kHttpArtifact, acs_url}});
//   auto sp = MakeSpServer(*md, key_file, cert_file, idp->Metadata());
//   auto req = BuildAuthnRequest(sp->get(), {idp_entity, service_uuid, Scoping::kOptional,
//                                            Loa::kMidden});
//   auto info = idp->ProcessAuthnRequest(req->binding, req->message, now);
//   ... auto reply = idp->Succeed(*info, ...);
//   auto resolve = BuildArtifactResolve(sp->get(), reply->url);
//   auto envelope = idp->ResolveArtifact(resolve->soap, oin, now);
//   auto got = ReadArtifactResponse(sp->get(), resolve->login.get(), *envelope);
//
// Errors are Results, never gtest assertions, so the benchmark can use this as well:
// kInvalidArgument when lasso refuses what it was given (unreadable certificate, key or
// metadata, an IdP the SP does not know), kInternal when lasso fails on what it built.
// Ownership: returned servers are owned by the caller (ServerRef); `sp` arguments are
// borrowed for the duration of the call.
// Thread-safety: a LassoServer that is no longer changed may be used by concurrent calls
// (each builds its own LassoLogin); one ArtifactResolve belongs to one thread.
#pragma once

// saml_common.h first: it includes glib and libxml2 before lasso.
#include "saml/saml_common.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/identifiers.h"
#include "saml/combi_connect.h"

namespace volmacht::saml::testing {

inline constexpr char kHttpArtifact[] = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
inline constexpr char kHttpPost[] = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

// One md:AssertionConsumerService; the first in a list is index 0 and the default.
struct AcsEndpoint {
  std::string binding;  // kHttpArtifact or kHttpPost
  std::string location;
};

// An SP EntityDescriptor that signs its AuthnRequests and wants signed assertions, with the
// certificate in cert_file as both signing and encryption key.
// Errors: kInvalidArgument when cert_file is not a PEM certificate.
[[nodiscard]] Result<std::string> SpMetadata(std::string_view entity_id,
                                             const std::string& cert_file,
                                             const std::vector<AcsEndpoint>& acs);

// A lasso SP from its own metadata text and key pair (the key also decrypts), signing with
// `method`, that knows our IdP from idp_metadata.
[[nodiscard]] Result<ServerRef> MakeSpServer(
    std::string_view sp_metadata, const std::string& key_file, const std::string& cert_file,
    std::string_view idp_metadata,
    LassoSignatureMethod method = LASSO_SIGNATURE_METHOD_RSA_SHA256);

// What the SP asks for in Scoping (CombiConnectIdp::Representation).
enum class Scoping {
  kNone,       // no Scoping
  kOptional,   // the IdP's entity id in Scoping/IDPList
  kMandatory,  // the IdP's entity id as Scoping/RequesterID
};

struct AuthnRequestSpec {
  std::string idp_entity_id;
  std::string service_uuid;  // the urn:nl-eid-gdi:1.0:ServiceUUID in Extensions
  Scoping scoping = Scoping::kOptional;
  Loa min_loa = Loa::kMidden;  // RequestedAuthnContext Comparison="minimum"
  CombiConnectIdp::Binding binding = CombiConnectIdp::Binding::kRedirect;  // how it travels
  std::string protocol_binding = kHttpArtifact;  // how the SP wants the Response
};

struct SpAuthnRequest {
  std::string id;  // the AuthnRequest ID (the assertion's InResponseTo)
  // lasso's msg_url: Redirect, the whole URL at the IdP's SSO endpoint, query included;
  // POST, the SSO endpoint the form goes to.
  std::string url;
  // What CombiConnectIdp::ProcessAuthnRequest takes: the Redirect query string (SAMLRequest,
  // SigAlg, Signature) or the POST form body (SAMLRequest=<url-encoded base64>).
  std::string message;
  CombiConnectIdp::Binding binding = CombiConnectIdp::Binding::kRedirect;
};

// A Combi-Connect AuthnRequest built and signed by lasso with the SP `sp` (which must know
// spec.idp_entity_id): ProtocolBinding, Extensions with the ServiceUUID attribute, Scoping
// and RequestedAuthnContext as in the spec.
[[nodiscard]] Result<SpAuthnRequest> BuildAuthnRequest(LassoServer* sp,
                                                       const AuthnRequestSpec& spec);

// The SP's signed ArtifactResolve for the artifact in an ACS redirect (...?SAMLart=...).
struct ArtifactResolve {
  LoginRef login;    // the state lasso needs to process the ArtifactResponse
  std::string url;   // lasso's msg_url: the IdP's artifact resolution service
  std::string soap;  // the SOAP envelope to send there
};
// issue_instant dates the ArtifactResolve (lasso would take the real clock) so tests can
// move time. Errors: kInvalidArgument when the URL holds no artifact lasso accepts.
[[nodiscard]] Result<ArtifactResolve> BuildArtifactResolve(
    LassoServer* sp, std::string_view acs_redirect_url,
    std::optional<Timestamp> issue_instant = std::nullopt);

// What the SP read from the IdP's ArtifactResponse envelope.
struct ArtifactOutcome {
  // lasso_login_process_response_msg: 0 when lasso accepted the signed response with an
  // assertion; the fields below are read from the envelope whatever lasso said.
  int lasso_rc = -1;
  std::string status, status_detail;  // top-level and second-level StatusCode values
  // From the assertion; empty when there is none.
  std::string loa, audience, issue_instant, in_response_to, recipient, not_on_or_after;
  std::string service;           // urn:nl-eid-gdi:1.0:ServiceUUID
  std::string acting, legal;     // the decrypted ActingSubjectID / LegalSubjectID NameIDs
  std::string qualifier;         // NameQualifier of the last decrypted NameID
};
// `login` is ArtifactResolve::login. Errors: kTooLarge over kMaxDecodedMessageBytes,
// kInvalidArgument when the envelope is not XML, kInternal when an EncryptedID is there but
// lasso cannot decrypt it with the SP's key.
[[nodiscard]] Result<ArtifactOutcome> ReadArtifactResponse(LassoServer* sp, LassoLogin* login,
                                                           std::string_view envelope);

}  // namespace volmacht::saml::testing
