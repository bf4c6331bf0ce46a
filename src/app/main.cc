// volmacht: the program. This file only parses the command line and dispatches to
// commands.cc; everything it does lives in the layers below.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/commands.h"

int main(int argc, char** argv) {
  using namespace volmacht::app;
  CLI::App cli{"volmacht - the national mandate service"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", kVersion);
  GlobalOptions g;
  cli.add_option("--data-dir", g.data_dir, "Data directory (database, certificates, secrets)")
      ->capture_default_str();

  ServeOptions serve;
  auto* s = cli.add_subcommand("serve", "Start the service");
  s->add_flag("--demo", serve.demo, "Create dev certificates and demo data when missing");
  s->add_option("--address", serve.address, "Listen address")->capture_default_str();
  s->add_option("--port", serve.port, "HTTPS port of the provider API (mutual TLS)")
      ->capture_default_str();
  s->add_option("--threads", serve.io_threads, "I/O threads (0 = one per core)");
  s->add_option("--brp-url", serve.brp_url, "Base URL of the BRP Personen v2 API")
      ->capture_default_str();
  s->add_option("--brp-api-key-file", serve.brp_api_key_file, "File with the BRP API key");
  s->add_option("--ready-file", serve.ready_file,
                "Write the bound API port here when ready (the login pages' port to FILE.web)");
  s->add_option("--web-port", serve.web_port,
                "HTTPS port of the login pages (SAML, OIDC; no client certificate)")
      ->capture_default_str();
  s->add_option("--public-url", serve.public_url,
                "Public base URL of the login pages (default https://localhost:<web-port>)");
  s->add_option("--api-url", serve.api_url,
                "Public base URL of the provider API, where providers resolve SAML artifacts "
                "(default https://localhost:<port>)");
  s->add_option("--digid-metadata", serve.digid_metadata,
                "DigiD's SAML metadata file; without it the login with representation is off");
  s->add_option("--digid-tls-ca", serve.digid_tls_ca,
                "CA file for DigiD's TLS certificate (default <data-dir>/certs/ca.pem)");
  s->add_option("--log-level", serve.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  s->add_option("--log-file", serve.log_file,
                "Append the log (JSON lines) to this file instead of stderr");

  auto* migrate = cli.add_subcommand("migrate", "Create or upgrade the database");

  auto* audit = cli.add_subcommand("audit", "Audit trail");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "Verify the hash chain of the event log");

  auto* outbox = cli.add_subcommand("outbox", "Letters waiting in the outbox");
  outbox->require_subcommand(1);
  auto* outbox_list = outbox->add_subcommand("list", "List letters");
  std::string letter_id, letter_out;
  auto* outbox_show = outbox->add_subcommand("show", "Write one letter's PDF");
  outbox_show->add_option("id", letter_id, "Letter id")->required();
  outbox_show->add_option("-o,--output", letter_out, "Output file (default: stdout)");

  auto* certs = cli.add_subcommand("dev-certs", "Make a local test CA and certificates");

  AdminOptions admin;
  auto* adm = cli.add_subcommand("admin", "Manage the service catalogue");
  adm->require_subcommand(1);
  auto* prov = adm->add_subcommand("provider", "Add or update a provider");
  prov->add_option("--oin", admin.oin)->required();
  prov->add_option("--name", admin.name)->required();
  prov->add_option("--contact", admin.contact)->required();
  prov->add_option("--certificate", admin.certificate_file, "PEM file")->required();
  prov->add_flag("--counter-addendum", admin.counter_addendum);
  auto* svc = adm->add_subcommand("service", "Add or update a delegable service");
  svc->add_option("--id", admin.id, "UUID (default: new)");
  svc->add_option("--provider", admin.oin)->required();
  svc->add_option("--name-nl", admin.name)->required();
  svc->add_option("--name-en", admin.name_en);
  svc->add_option("--description-nl", admin.description);
  svc->add_option("--agent-type", admin.agent_type)->capture_default_str();
  svc->add_option("--min-loa", admin.min_loa)->capture_default_str();
  svc->add_option("--request-validity-days", admin.request_validity_days)->capture_default_str();
  svc->add_option("--max-mandate-years", admin.max_mandate_years)->capture_default_str();
  svc->add_flag("--counter-direct", admin.counter_direct);
  svc->add_flag("--survivor", admin.survivor);
  auto* set = adm->add_subcommand("service-set", "Add or update a service set");
  set->add_option("--id", admin.id);
  set->add_option("--name-nl", admin.name)->required();
  set->add_option("--name-en", admin.name_en);
  set->add_option("--service", admin.services, "Service UUID (repeat)")->required();
  auto* saml = adm->add_subcommand("provider-saml", "Register a provider's SAML SP metadata");
  saml->add_option("--oin", admin.oin)->required();
  saml->add_option("--metadata", admin.metadata_file, "SP metadata XML file")->required();
  saml->add_flag("--post-response", admin.post_response,
                 "Send the Response by HTTP-POST instead of an artifact");
  auto* oidc = adm->add_subcommand("oidc-client", "Register an OpenID Connect client");
  oidc->add_option("--oin", admin.oin)->required();
  oidc->add_option("--client-id", admin.client_id)->required();
  oidc->add_option("--redirect-uri", admin.redirect_uris, "Exact redirect URI (repeat)")
      ->required();
  oidc->add_option("--secret-file", admin.secret_file,
                   "Read the client secret from this file (default: make one and print it)");
  auto* list = adm->add_subcommand("list", "List the catalogue");

  auto* seed = cli.add_subcommand("demo-seed", "Create the demo catalogue and mandates");
  std::string seed_brp_url = ServeOptions{}.brp_url;
  seed->add_option("--brp-url", seed_brp_url, "Base URL of the BRP Personen v2 API")
      ->capture_default_str();
  auto* sweep = cli.add_subcommand("sweep", "Apply lapse and expiry now");
  auto* ids = cli.add_subcommand("demo-identities", "Print the demo persons to log in as");
  std::string sp_public_url = "https://localhost:8444";
  auto* sp_md = cli.add_subcommand("saml-sp-metadata",
                                   "Print volmacht's SAML SP metadata towards DigiD");
  sp_md->add_option("--public-url", sp_public_url, "Public base URL of the login pages")
      ->capture_default_str();

  CLI11_PARSE(cli, argc, argv);

  if (s->parsed()) return Serve(g, serve);
  if (migrate->parsed()) return Migrate(g);
  if (verify->parsed()) return AuditVerify(g);
  if (outbox_list->parsed()) return OutboxList(g);
  if (outbox_show->parsed()) return OutboxShow(g, letter_id, letter_out);
  if (certs->parsed()) return DevCerts(g);
  if (prov->parsed()) return AdminProvider(g, admin);
  if (svc->parsed()) return AdminService(g, admin);
  if (set->parsed()) return AdminServiceSet(g, admin);
  if (saml->parsed()) return AdminProviderSaml(g, admin);
  if (oidc->parsed()) return AdminOidcClient(g, admin);
  if (list->parsed()) return AdminList(g);
  if (seed->parsed()) return DemoSeed(g, seed_brp_url);
  if (sweep->parsed()) return Sweep(g);
  if (ids->parsed()) return DemoIdentitiesCmd();
  if (sp_md->parsed()) return SamlSpMetadata(g, sp_public_url);
  return 2;
}
