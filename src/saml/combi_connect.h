// CombiConnectIdp: volmacht as SAML 2.0 identity provider towards service providers, the
// "Combi-Connect" login with representation of docs/domain.md section 8 (profile and lasso:
// docs/saml-profile.md). No HTTP inside: the web layer hands over what arrived and sends back
// what this class returns.
//
//   auto idp = CombiConnectIdp::Create(config, providers);            // at start-up
//   auto info = (*idp)->ProcessAuthnRequest(Binding::kRedirect, query, clock.Now());
//   ... the user logs in through DigiD and picks whom they act for ...
//   auto reply = (*idp)->Succeed(*info, acting_bsn, principal_bsn, loa, clock.Now());
//   // reply->kind == kRedirect: 303 to reply->url; kPostForm: 200 with reply->html
//   ... later, over mutual TLS, the provider resolves the artifact:
//   auto soap = (*idp)->ResolveArtifact(body, client_cert_oin, clock.Now());
//
// What is checked (all before a user sees anything):
//   AuthnRequest: size limits; signature REQUIRED (Redirect: SigAlg + Signature; POST: an
//   enveloped ds:Signature) and verified by lasso against the issuer's metadata; every
//   signature/digest algorithm allow-listed (no SHA-1); Version 2.0; Destination equal to
//   our sso_url; IssueInstant within +-5 minutes of `now`; request ID not seen before from
//   that issuer (bounded in-memory cache); issuer registered; AssertionConsumerServiceURL or
//   -Index present in that provider's metadata for the binding we answer with (artifact, or
//   HTTP-POST when the provider is configured so); the ServiceUUID from Extensions
//   (saml:Attribute Name="urn:nl-eid-gdi:1.0:ServiceUUID") and the minimum LoA from
//   RequestedAuthnContext (both required), read from the verified original XML.
//   ArtifactResolve: signed (lasso, forced), algorithms allow-listed, issuer is the provider
//   the artifact was issued to and that provider's OIN equals the client certificate's OIN.
//
// The assertion (Succeed): Issuer = our entity id; transient NameID; bearer
// SubjectConfirmation (Recipient = ACS, InResponseTo = request ID, NotOnOrAfter = now + 2
// min); Conditions NotBefore = now, NotOnOrAfter = now + 2 min, Audience = provider entity
// id; AuthnStatement with the LoA's AuthnContextClassRef; AttributeStatement with
// urn:nl-eid-gdi:1.0:ServiceUUID (string), urn:nl-eid-gdi:1.0:ActingSubjectID and
// urn:nl-eid-gdi:1.0:LegalSubjectID, each an EncryptedID (NameID with NameQualifier
// urn:nl-eid-gdi:1.0:id:legacy-BSN, AES-256-CBC, key transport RSA-OAEP (mgf1p) to the
// provider's encryption certificate) inside the AttributeValue. Signed RSA-SHA256 with
// exclusive c14n. "Myself" (legal == nullopt): LegalSubjectID carries the acting person's
// own BSN, so a provider always finds both attributes and sees "myself" as equal values
// (docs/adr/0005-combi-connect.md).
//
// Errors (messages are fixed texts: never a BSN, never echoed input):
//   kTooLarge        message over the size limits of saml_common.h
//   kInvalidArgument malformed message, missing/invalid field, bad time, ACS not registered,
//                    algorithm not allowed, RelayState too long
//   kForbidden       no/bad signature, unknown issuer, replayed request ID, artifact asked
//                    for by a party it was not issued to
//   kRuleViolation   Succeed called with a LoA below the requested minimum or a choice the
//                    request does not allow (see Succeed)
//   kUnavailable     a replay cache or the artifact store is full (refuse rather than forget)
//   kInternal        lasso/xmlsec failed on something we built
//
// Thread-safety: all methods may be called concurrently. SetProviders builds a new
// LassoServer and swaps it in; calls already running keep the server they started with.
// Artifacts and request IDs live in memory only: a restart forgets them (an artifact is
// useless after 15 minutes anyway, and the IssueInstant window is shorter than a restart).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/uuid.h"
#include "domain/identifiers.h"

namespace volmacht::saml {

struct CombiConnectConfig {
  std::string entity_id;  // urn:nl-eid-gdi:1.0:BVD:<OIN>:entities:<index>
  std::string key_file;   // PEM RSA private key (signing)
  std::string cert_file;  // PEM certificate of that key (published in Metadata())
  std::string sso_url;    // our SSO endpoint (HTTP-Redirect and HTTP-POST): the Destination
  std::string artifact_resolution_url;  // our ArtifactResolutionService (SOAP, mutual TLS)
};

struct ProviderSp {
  Oin provider;
  std::string metadata_xml;    // the provider's SP EntityDescriptor (signing + encryption cert)
  bool post_response = false;  // answer with HTTP-POST instead of an artifact
};

class CombiConnectIdp {
 public:
  enum class Binding { kRedirect, kPost };  // how the AuthnRequest arrived
  enum class Representation {
    kNone,       // no Scoping naming us: the user logs in for themselves
    kOptional,   // our entity id in Scoping/IDPList: "myself" or someone they act for
    kMandatory,  // our entity id as Scoping/RequesterID: only someone they act for
  };
  enum class Failure {
    kCancelled,  // Responder / AuthnFailed
    kRefused,    // Responder / RequestDenied (e.g. nobody to act for, or not allowed)
    kLoaTooLow,  // Responder / NoAuthnContext
  };

  // A checked AuthnRequest. Keep it server-side (the browser session) until Succeed/Fail;
  // it holds no personal data.
  struct AuthnRequestInfo {
    std::string request_id;
    std::string sp_entity_id;
    Oin provider;
    std::string acs_url;
    Uuid service;
    Loa min_loa = Loa::kBasis;
    Representation representation = Representation::kNone;
    std::string relay_state;  // to be returned as is ("" = none)
    bool post_response = false;
    // Opaque: the verified message as received and an integrity tag over it (HMAC with a
    // per-process key). Succeed/Fail check the tag, re-parse the message and derive
    // everything above again from it, so a changed info is refused rather than trusted; they
    // do not verify the signature a second time (lasso leaks per Redirect verification).
    Binding binding = Binding::kRedirect;
    std::string message;
    std::string tag;
  };

  struct SamlReply {
    enum Kind { kRedirect, kPostForm } kind = kRedirect;
    std::string url;   // kRedirect: the Location (ACS with SAMLart and RelayState);
                       // kPostForm: the form action (the ACS)
    std::string html;  // kPostForm: a complete page that posts itself (script) and has a
                       // visible submit button for browsers without JavaScript
  };

  // Loads our key/certificate and every provider's metadata. Errors: kInvalidArgument for a
  // bad config (empty urls, unreadable key/certificate) or provider metadata that is not an
  // SP EntityDescriptor with an encryption-capable certificate and an ACS for its binding;
  // kConflict when two providers share an entity id.
  [[nodiscard]] static Result<std::unique_ptr<CombiConnectIdp>> Create(
      CombiConnectConfig config, std::vector<ProviderSp> providers);
  ~CombiConnectIdp();
  CombiConnectIdp(const CombiConnectIdp&) = delete;
  CombiConnectIdp& operator=(const CombiConnectIdp&) = delete;

  // Replaces the registered providers (same errors as Create; on error nothing changes).
  [[nodiscard]] Result<void> SetProviders(std::vector<ProviderSp> providers);

  // Our IdP metadata (EntityDescriptor): signing certificate, SSO Redirect + POST at
  // sso_url, ArtifactResolutionService (SOAP, index 0), transient NameID format,
  // WantAuthnRequestsSigned="true".
  std::string Metadata() const;

  // HTTP-Redirect: the raw query string (without '?'); HTTP-POST: the raw form body.
  [[nodiscard]] Result<AuthnRequestInfo> ProcessAuthnRequest(Binding b,
                                                             std::string_view query_or_body,
                                                             Timestamp now);

  // The success answer for info. legal == nullopt means "myself" (allowed unless the
  // representation is kMandatory); legal must be nullopt when the representation is kNone,
  // and must differ from acting. loa must be at least info.min_loa. Errors: as listed above;
  // kForbidden when the provider has been removed since ProcessAuthnRequest.
  [[nodiscard]] Result<SamlReply> Succeed(const AuthnRequestInfo& info, const Bsn& acting,
                                          const std::optional<Bsn>& legal, Loa loa,
                                          Timestamp now);

  // The failure answer (no assertion), by the same binding as Succeed would use.
  [[nodiscard]] Result<SamlReply> Fail(const AuthnRequestInfo& info, Failure failure,
                                       Timestamp now);

  // A SOAP ArtifactResolve received over mutual TLS; client_oin is the OIN of the client
  // certificate. Returns the SOAP envelope with the signed ArtifactResponse: carrying the
  // Response (once only); after 15 minutes a Response with Requester/RequestDenied; an
  // unknown or already used artifact gets an ArtifactResponse without a message (SAML core
  // 3.5.3). Errors: kForbidden for an unsigned/badly signed request, an unknown issuer, or an
  // artifact issued to another provider (which stays resolvable by its own provider);
  // kInvalidArgument/kTooLarge for a malformed request.
  [[nodiscard]] Result<std::string> ResolveArtifact(std::string_view soap_body,
                                                    const Oin& client_oin, Timestamp now);

  // Number of artifacts held (issued, not yet resolved, not yet purged). For tests/metrics.
  size_t PendingArtifacts() const;

 private:
  struct Impl;
  explicit CombiConnectIdp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace volmacht::saml
