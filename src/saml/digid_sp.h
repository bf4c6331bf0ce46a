// DigidSp: volmacht as SAML 2.0 service provider towards DigiD (or digid-sim). Configured by
// DigiD's metadata file, so production points at the real DigiD without code changes.
//
//   auto sp = DigidSp::Create(cfg);                    // Result<std::unique_ptr<DigidSp>>
//   auto start = (*sp)->StartLogin(Loa::kMidden, relay);  // redirect the browser to
//                                                         // start->redirect_url, remember
//                                                         // start->request_id in the session
//   // ... browser returns to cfg.acs_url?SAMLart=...&RelayState=...
//   auto who = (*sp)->FinishLogin(saml_art, request_id, Loa::kMidden);  // worker thread
//
// Login: a signed AuthnRequest (RSA-SHA256) by HTTP-Redirect asking for the HTTP-Artifact
// binding and RequestedAuthnContext Comparison="minimum". The answer is fetched with a signed
// ArtifactResolve over mutual TLS (SOAP), and only accepted when: the ArtifactResponse and the
// assertion are signed by DigiD's metadata key with allow-listed algorithms; issuers are
// DigiD; InResponseTo (response and subject confirmation) equals the request id; the
// audience is our entity id; the bearer confirmation names our ACS URL and is unexpired;
// Conditions NotBefore/NotOnOrAfter hold (1 minute clock skew); the LoA is at least the
// minimum asked; the NameID is "s00000000:<BSN>" with a valid BSN.
//
// Errors of FinishLogin: kForbidden with reason kReasonCancelled when the user cancelled at
// DigiD (Responder/AuthnFailed); kUnavailable when DigiD cannot be reached or answers with a
// non-200 HTTP status; kForbidden with reason kReasonLoaTooLow when the LoA is below the
// minimum; kInvalidArgument
// for anything malformed, forged, expired, unknown or replayed (the artifact is DigiD's to
// forget; a second resolution yields no assertion). Messages never contain a BSN.
//
// Thread-safety: after Create, all methods are const-safe and may run on many threads at once
// (one LassoServer shared read-only, one LassoLogin per call). FinishLogin blocks on the
// network (up to cfg.timeout): call it from a worker thread, not an I/O thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "domain/identifiers.h"

namespace volmacht::saml {

// Stable reasons (Error::reason) of FinishLogin's refusals that callers act on.
inline constexpr char kReasonCancelled[] = "digid.cancelled";
inline constexpr char kReasonLoaTooLow[] = "digid.loa_too_low";

struct DigidSpConfig {
  std::string entity_id;          // ours, urn:nl-eid-gdi:1.0:DV:<OIN>:entities:<index>
  std::string key_file, cert_file;  // SAML signing (and decryption) key pair, PEM
  std::string idp_metadata_file;  // DigiD's metadata (EntityDescriptor with IDPSSODescriptor)
  std::string acs_url;            // our AssertionConsumerService (HTTP-Artifact binding)
  std::string tls_ca_file, tls_cert_file, tls_key_file;  // mTLS for ArtifactResolve
  std::chrono::milliseconds timeout{5000};               // whole ArtifactResolve call
  const Clock* clock = nullptr;   // nullptr = the system clock; must outlive the DigidSp
};

class DigidSp {
 public:
  // Errors: kInvalidArgument for a missing/unusable key, certificate or metadata, an empty
  // entity id or an acs_url that is not https (http only for 127.0.0.1/localhost).
  [[nodiscard]] static Result<std::unique_ptr<DigidSp>> Create(DigidSpConfig cfg);
  // Our SP metadata without needing DigiD's metadata (to hand to DigiD, or to start
  // digid-sim before volmacht). Errors as Create for key/cert/entity id/acs_url.
  [[nodiscard]] static Result<std::string> BuildMetadata(const DigidSpConfig& cfg);
  ~DigidSp();
  DigidSp(const DigidSp&) = delete;
  DigidSp& operator=(const DigidSp&) = delete;

  // Our SP metadata: SPSSODescriptor, AuthnRequestsSigned and WantAssertionsSigned true,
  // signing + encryption KeyDescriptor with our certificate, ACS with the Artifact binding.
  std::string Metadata() const;
  const std::string& idp_entity_id() const;

  struct LoginStart {
    std::string redirect_url;  // DigiD's SSO URL with SAMLRequest, RelayState, SigAlg, Signature
    std::string request_id;    // AuthnRequest ID: keep it (browser session) for FinishLogin
  };
  // relay_state: opaque, at most 80 bytes, never personal data (it travels in the URL).
  // Errors: kInvalidArgument for a relay_state over 80 bytes; kInternal when lasso fails.
  [[nodiscard]] Result<LoginStart> StartLogin(Loa min_loa, std::string_view relay_state) const;

  struct DigidIdentity {
    Bsn bsn;
    Loa loa;
  };
  // See the file comment for the checks and errors. Blocking.
  [[nodiscard]] Result<DigidIdentity> FinishLogin(std::string_view saml_art,
                                                  std::string_view expected_request_id,
                                                  Loa min_loa) const;

 private:
  struct Impl;
  explicit DigidSp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace volmacht::saml
