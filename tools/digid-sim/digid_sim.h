// DigidSim: a SAML 2.0 identity provider that plays DigiD for development and tests. A
// stand-in, never linked into volmacht. Clearly marked as such on every page.
//
//   auto sim = DigidSim::Create(cfg);   // persons, keys and TLS certificates in cfg.data_dir
//   (*sim)->Start();                    // two HTTPS servers; writes <data_dir>/idp-metadata.xml
//   ...
//   (*sim)->Stop();
//
// Two servers, because browsers must not be asked for a client certificate while the
// back channel must require one:
//   browser server (TLS, cfg.port):
//     GET  /saml/idp/metadata  our IdP metadata (SSO HTTP-Redirect, ArtifactResolutionService)
//     GET  /saml/idp/sso       signed AuthnRequest (HTTP-Redirect) -> login page, or 400 page
//     POST /saml/idp/login     form: Inloggen / Annuleren -> 303 to the SP's ACS with SAMLart
//   back-channel server (mutual TLS, cfg.resolve_port; client CA cfg.client_ca_file):
//     POST /saml/idp/resolve   signed SOAP ArtifactResolve -> signed ArtifactResponse
//     GET  /saml/idp/metadata  the same metadata
// The assertion is signed (RSA-SHA256), NameID "s00000000:<BSN>" with format
// urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified as DigiD does, AuthnContextClassRef
// by the LoA chosen on the page (the tester may pick one below the minimum asked, to test the
// service provider). Cancel -> status Responder/AuthnFailed. An artifact resolves once, only
// by the SP it was issued for, within 15 minutes; otherwise the ArtifactResponse carries no
// Response. Every AuthnRequest must be signed with an allow-listed algorithm by a service
// provider whose metadata was given; its ACS URL (if any) must be in that metadata.
//
// Files in data_dir: saml-key.pem / saml-cert.pem (RSA, made once), tls/ (MakeDevCerts: CA,
// server cert for "localhost" and 127.0.0.1, and a client cert sp-client.pem for the SP's
// ArtifactResolve), idp-metadata.xml (written by Start).
// Thread-safety: Create/Start/Stop from one thread; request handling is internally locked.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace volmacht::digidsim {

inline constexpr std::size_t kMaxPersonsFileBytes = 16 * 1024 * 1024;

struct DigidSimConfig {
  std::string persons_file;                    // BRP Personen JSON array (data/brp-fixture.json)
  std::string data_dir;
  std::vector<std::string> sp_metadata_files;  // service providers allowed to log in
  std::string address = "127.0.0.1";
  uint16_t port = 0;                           // browser pages; 0 = any free port
  uint16_t resolve_port = 0;                   // ArtifactResolve (mutual TLS); 0 = any
  std::string base_url;          // "https://localhost:N"; "" = https://<address>:<port>
  std::string client_ca_file;    // CA for ArtifactResolve clients; "" = <data_dir>/tls/ca.pem
  int key_bits = 3072;           // SAML signing key size when it has to be made
  const Clock* clock = nullptr;  // nullptr = system clock; must outlive the sim
};

struct SimPerson {
  std::string bsn;
  std::string name;
};

class DigidSim {
 public:
  // Loads persons, makes or loads the SAML key pair and the TLS certificates, reads the SP
  // metadata. Errors: kInvalidArgument / kNotFound / kTooLarge for bad files, kUnavailable
  // when data_dir cannot be written.
  [[nodiscard]] static Result<std::unique_ptr<DigidSim>> Create(DigidSimConfig cfg);
  ~DigidSim();
  DigidSim(const DigidSim&) = delete;
  DigidSim& operator=(const DigidSim&) = delete;

  // Binds both servers, writes the metadata and builds the lasso server. Errors:
  // kUnavailable when a port cannot be bound, kInvalidArgument when lasso refuses a file.
  [[nodiscard]] Result<void> Start();
  void Stop();

  uint16_t port() const;
  uint16_t resolve_port() const;
  std::string base_url() const;        // browser server, e.g. https://127.0.0.1:40123
  std::string entity_id() const;       // <base_url>/saml/idp/metadata
  std::string metadata_file() const;   // <data_dir>/idp-metadata.xml (after Start)
  std::string tls_ca_file() const;     // CA of both servers' certificate
  std::string sp_client_cert_file() const;  // client cert (and -key) for an SP's mTLS calls
  std::string sp_client_key_file() const;
  const std::vector<SimPerson>& persons() const;

 private:
  struct Impl;
  explicit DigidSim(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace volmacht::digidsim
