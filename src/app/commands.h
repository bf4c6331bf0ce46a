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
};

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
int DemoSeed(const GlobalOptions& g);
int Sweep(const GlobalOptions& g);
int DemoIdentitiesCmd();

}  // namespace volmacht::app
