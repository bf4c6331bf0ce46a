// The subcommands of the volmacht program. Each returns the process exit code: 0 success,
// 1 failure (message on stderr), 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace volmacht::app {

struct GlobalOptions {
  std::string data_dir = "var/volmacht";
};

struct ServeOptions {
  bool demo = false;
  std::string address = "127.0.0.1";
  int port = 8443;
  int io_threads = 0;
  std::string brp_url = "http://127.0.0.1:8081";
  std::string brp_api_key_file;
  std::string ready_file;
  // The login with representation (SAML Combi-Connect, OpenID Connect): on only when
  // digid_metadata is set.
  int web_port = 8444;
  std::string public_url;      // default https://localhost:<web_port>
  std::string api_url;         // default https://localhost:<port> (ArtifactResolve)
  std::string digid_metadata;  // DigiD's (or digid-sim's) IdP metadata
  std::string digid_tls_ca;    // CA of DigiD's TLS certificate; default <data>/certs/ca.pem
  std::string log_level = "info";  // debug, info, warn, error, off
  std::string log_file;            // JSON lines appended here; default stderr
};

// The program's version (CMake's project version), logged at start-up.
inline constexpr const char* kVersion = VOLMACHT_VERSION;

struct AdminOptions {
  std::string oin, name, name_en, contact, certificate_file, description;
  bool counter_addendum = false;
  std::string id;
  std::string agent_type = "BOTH";
  int min_loa = 20;
  int request_validity_days = 21;
  int max_mandate_years = 5;
  bool counter_direct = false;
  bool survivor = false;
  std::vector<std::string> services;
  std::string metadata_file;
  bool post_response = false;
  std::string client_id, secret_file;
  std::vector<std::string> redirect_uris;
};

int Serve(const GlobalOptions& g, const ServeOptions& o);
int Migrate(const GlobalOptions& g);
int AuditVerify(const GlobalOptions& g);
int OutboxList(const GlobalOptions& g);
int OutboxShow(const GlobalOptions& g, const std::string& id, const std::string& out);
int DevCerts(const GlobalOptions& g);
int AdminProvider(const GlobalOptions& g, const AdminOptions& o);
int AdminService(const GlobalOptions& g, const AdminOptions& o);
int AdminServiceSet(const GlobalOptions& g, const AdminOptions& o);
int AdminList(const GlobalOptions& g);
int AdminProviderSaml(const GlobalOptions& g, const AdminOptions& o);
int AdminOidcClient(const GlobalOptions& g, const AdminOptions& o);
int DemoSeed(const GlobalOptions& g, const std::string& brp_url);
int Sweep(const GlobalOptions& g);
int DemoIdentitiesCmd();
// Prints our SAML SP metadata towards DigiD for public_url (makes the SAML key pair in
// <data>/saml when missing), so DigiD (digid-sim) can be configured before volmacht starts.
int SamlSpMetadata(const GlobalOptions& g, const std::string& public_url);

}  // namespace volmacht::app
