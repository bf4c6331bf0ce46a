#include "app/commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/problem.h"
#include "api/rest_api.h"
#include "app/demo_data.h"
#include "common/crypto.h"
#include "common/secret_file.h"
#include "common/log.h"
#include "dev_certs.h"
#include "http/server.h"
#include "oidc/oidc_provider.h"
#include "registry/brp_client.h"
#include "saml/combi_connect.h"
#include "saml/digid_sp.h"
#include "saml/saml_common.h"
#include "service/mandate_service.h"
#include "store/sqlite/sqlite_store.h"
#include "web/login_flow.h"
#include "web/pages.h"

namespace volmacht::app {
namespace {

namespace fs = std::filesystem;

int Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "volmacht: %s: %s\n", what.c_str(), e.message.c_str());
  for (const auto& p : e.params) {
    std::fprintf(stderr, "  %s: %s (%s)\n", p.name.c_str(), p.reason.c_str(), p.code.c_str());
  }
  return 1;
}

// A start-up failure of the serve process, through the logger. Start-up errors concern files,
// ports and registrations, never a request, so their message may be logged as `detail`.
int ServeFailed(std::string_view step, const Error& e) {
  log::Error("serve.failed", {{"step", step}, {"reason", e.Reason()}, {"detail", e.message}});
  return 1;
}

std::string DbPath(const GlobalOptions& g) { return g.data_dir + "/volmacht.db"; }
std::string CertsDir(const GlobalOptions& g) { return g.data_dir + "/certs"; }

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return volmacht::Fail(Error::Invalid("cannot read " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The activation-code key: 32 random bytes made at first start, kept 0600 in the data
// directory (never in the repository, never logged).
Result<std::string> CodeKey(const GlobalOptions& g) {
  std::string dir = g.data_dir + "/secrets";
  std::string path = dir + "/code-key";
  if (!fs::exists(path)) {
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0700);
    // 0600 from creation: the key is never readable by others, not even for a moment.
    if (auto w = WriteSecretFile(path, ToHex(RandomBytes(32))); !w) {
      return volmacht::Fail(w.error());
    }
  }
  return ReadFile(path);
}

// Everything the commands need, opened in dependency order.
struct Env {
  SystemClock clock;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<BrpClient> registry;
  std::unique_ptr<MandateService> service;
};

// `serving`: load the verification index and record uses (serve); a one-shot command does
// neither, so it starts at once however many mandates there are.
Result<std::unique_ptr<Env>> OpenEnv(const GlobalOptions& g, const std::string& brp_url,
                                     const std::string& brp_key, bool serving = false) {
  auto env = std::make_unique<Env>();
  std::error_code ec;
  fs::create_directories(g.data_dir, ec);
  if (ec) return volmacht::Fail(Error::Unavailable("cannot create " + g.data_dir));
  auto store = SqliteStore::Open(DbPath(g), env->clock);
  if (!store) return std::unexpected(store.error());
  env->store = std::move(*store);
  BrpClientConfig bc;
  bc.base_url = brp_url;
  bc.api_key = brp_key;
  env->registry = std::make_unique<BrpClient>(bc);
  auto key = CodeKey(g);
  if (!key) return std::unexpected(key.error());
  auto svc = MandateService::Create(*env->store, *env->registry, env->clock, {*key, serving});
  if (!svc) return std::unexpected(svc.error());
  env->service = std::move(*svc);
  return env;
}

Result<std::unique_ptr<Env>> OpenEnv(const GlobalOptions& g) {
  return OpenEnv(g, "http://127.0.0.1:8081", "");
}

std::atomic<int> g_stop_signal{0};
void OnSignal(int sig) { g_stop_signal = sig; }

// volmacht's own OIN (demo and tests) and its SAML entity ids. Towards DigiD volmacht is a
// service provider like any other ("DV", dienstverlener); towards the providers it is the
// Combi-Connect identity provider in the broker role ("BVD"). Index 9000: test range.
constexpr const char* kVolmachtOin = "00000001999999999000";
constexpr const char* kDigidSpEntityId =
    "urn:nl-eid-gdi:1.0:DV:00000001999999999000:entities:9000";
constexpr const char* kCombiIdpEntityId =
    "urn:nl-eid-gdi:1.0:BVD:00000001999999999000:entities:9000";
constexpr int kSamlKeyBits = 3072;

Result<void> EnsureDevCerts(const GlobalOptions& g) {
  std::vector<devcerts::DevCertSpec> clients;
  for (const auto& p : DemoProviders()) clients.push_back({p.cert_stem, p.name, p.oin});
  // volmacht's own client certificate, for the ArtifactResolve to DigiD (digid-sim).
  clients.push_back({"volmacht", "volmacht (demo)", kVolmachtOin});
  return devcerts::MakeDevCerts(CertsDir(g), {"localhost"}, clients);
}

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The SAML signing/encryption key pair in <data>/saml (made once, RSA-3072, 0600).
Result<std::pair<std::string, std::string>> SamlKeys(const GlobalOptions& g) {
  std::string dir = g.data_dir + "/saml";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return volmacht::Fail(Error::Unavailable("cannot create " + dir));
  ::chmod(dir.c_str(), 0700);
  std::string key = dir + "/saml-key.pem";
  std::string cert = dir + "/saml-cert.pem";
  if (auto r = saml::EnsureSigningKeyPair(key, cert, "volmacht", kSamlKeyBits); !r) {
    return std::unexpected(r.error());
  }
  return std::make_pair(key, cert);
}

Result<saml::DigidSpConfig> DigidConfig(const GlobalOptions& g, const std::string& public_url) {
  auto keys = SamlKeys(g);
  if (!keys) return std::unexpected(keys.error());
  saml::DigidSpConfig cfg;
  cfg.entity_id = kDigidSpEntityId;
  cfg.key_file = keys->first;
  cfg.cert_file = keys->second;
  cfg.acs_url = public_url + "/saml/sp/acs";
  return cfg;
}

// The pieces of the login with representation, made from the catalogue at start-up.
struct LoginStack {
  std::unique_ptr<saml::DigidSp> digid;
  std::unique_ptr<saml::CombiConnectIdp> combi;
  std::unique_ptr<oidc::OidcProvider> oidc;
  size_t saml_providers = 0, oidc_clients = 0;
};

// A provider whose registration lasso or the OIDC rules refuse is skipped with a warning in
// the log, so one bad registration does not keep everyone else from logging in.
Result<LoginStack> BuildLoginStack(const GlobalOptions& g, const ServeOptions& o,
                                   const std::string& public_url, const std::string& api_url,
                                   MandateService& service, const Clock& clock) {
  LoginStack stack;
  auto dc = DigidConfig(g, public_url);
  if (!dc) return std::unexpected(dc.error());
  dc->idp_metadata_file = o.digid_metadata;
  dc->tls_ca_file = o.digid_tls_ca.empty() ? CertsDir(g) + "/ca.pem" : o.digid_tls_ca;
  dc->tls_cert_file = CertsDir(g) + "/volmacht.pem";
  dc->tls_key_file = CertsDir(g) + "/volmacht-key.pem";
  dc->clock = &clock;
  if (!fs::exists(dc->tls_cert_file) || !fs::exists(dc->tls_key_file)) {
    return volmacht::Fail(Error::Invalid(
        "no client certificate for DigiD in " + CertsDir(g) +
        " (volmacht.pem, volmacht-key.pem): run `volmacht dev-certs` or serve --demo"));
  }
  auto digid = saml::DigidSp::Create(*dc);
  if (!digid) return std::unexpected(digid.error());
  stack.digid = std::move(*digid);

  std::vector<saml::ProviderSp> sps;
  std::vector<oidc::OidcClient> clients;
  for (const Provider& p : service.Providers()) {
    if (!p.active) continue;
    if (!p.saml_metadata.empty()) sps.push_back({p.oin, p.saml_metadata, p.saml_post_response});
    for (const OidcClientRegistration& c : p.oidc_clients) {
      clients.push_back({c.client_id, c.secret_sha256_hex, c.redirect_uris, p.oin});
    }
  }
  saml::CombiConnectConfig cc{kCombiIdpEntityId, dc->key_file, dc->cert_file,
                              public_url + "/saml/idp/sso", api_url + "/saml/idp/artifact"};
  std::vector<saml::ProviderSp> usable;
  for (saml::ProviderSp& sp : sps) {
    if (auto one = saml::CombiConnectIdp::Create(cc, {sp}); !one) {
      log::Warn("serve.saml_provider_skipped", {{"provider", sp.provider.str()},
                                                {"reason", one.error().Reason()},
                                                {"detail", one.error().message}});
      continue;
    }
    usable.push_back(std::move(sp));
  }
  stack.saml_providers = usable.size();
  auto combi = saml::CombiConnectIdp::Create(cc, std::move(usable));
  if (!combi) return std::unexpected(combi.error());
  stack.combi = std::move(*combi);

  std::string oidc_dir = g.data_dir + "/oidc";
  std::error_code ec;
  fs::create_directories(oidc_dir, ec);
  ::chmod(oidc_dir.c_str(), 0700);
  oidc::OidcConfig oc;
  oc.issuer = public_url + "/oidc";
  oc.signing_key_file = oidc_dir + "/signing-key.pem";
  oc.pairwise_key_file = oidc_dir + "/pairwise-key";
  auto op = oidc::OidcProvider::Create(oc, {}, clock);
  if (!op) return std::unexpected(op.error());
  std::vector<oidc::OidcClient> good;
  for (oidc::OidcClient& c : clients) {
    std::vector<oidc::OidcClient> trial = good;
    trial.push_back(c);
    if (auto r = (*op)->SetClients(trial); !r) {
      log::Warn("serve.oidc_client_skipped",
                {{"provider", c.provider.str()}, {"client_id", c.client_id},
                 {"reason", r.error().Reason()}, {"detail", r.error().message}});
      continue;
    }
    good.push_back(std::move(c));
  }
  if (auto r = (*op)->SetClients(good); !r) return std::unexpected(r.error());
  stack.oidc_clients = good.size();
  stack.oidc = std::move(*op);
  return stack;
}

void WriteReadyFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::error_code ec;
  fs::rename(tmp, path, ec);
}

}  // namespace

int DevCerts(const GlobalOptions& g) {
  if (auto r = EnsureDevCerts(g); !r) return Fail("dev-certs", r.error());
  std::printf("Certificates in %s:\n  ca.pem, server.pem, server-key.pem\n", CertsDir(g).c_str());
  for (const auto& p : DemoProviders()) {
    std::printf("  %s.pem / %s-key.pem  (%s, OIN %s)\n", p.cert_stem.c_str(),
                p.cert_stem.c_str(), p.name.c_str(), p.oin.c_str());
  }
  std::printf("  volmacht.pem / volmacht-key.pem  (volmacht itself towards DigiD, OIN %s)\n",
              kVolmachtOin);
  return 0;
}

int SamlSpMetadata(const GlobalOptions& g, const std::string& public_url) {
  saml::InitLasso();
  auto cfg = DigidConfig(g, TrimSlash(public_url));
  if (!cfg) return Fail("saml-sp-metadata", cfg.error());
  auto md = saml::DigidSp::BuildMetadata(*cfg);
  if (!md) return Fail("saml-sp-metadata", md.error());
  std::fwrite(md->data(), 1, md->size(), stdout);
  return 0;
}

// The serve process logs through common/log.h (JSON lines; docs/adr/0015): start-up with
// its configuration, each listener, every request, what it skips or drops, and the stop.
// Usage errors before the logger is set up go to stderr as plain text.
int Serve(const GlobalOptions& g, const ServeOptions& o) {
  auto level = log::ParseLevel(o.log_level);
  if (!level) return Fail("--log-level", level.error());
  // The login with representation needs DigiD's metadata and public URLs that are known
  // before the servers bind (they go into SAML metadata and messages).
  const bool login = !o.digid_metadata.empty();
  if (login && o.public_url.empty() && o.web_port == 0) {
    std::fprintf(stderr, "volmacht: --web-port 0 needs --public-url\n");
    return 2;
  }
  if (login && o.api_url.empty() && o.port == 0) {
    std::fprintf(stderr, "volmacht: --port 0 with --digid-metadata needs --api-url\n");
    return 2;
  }
  log::Options lo;
  lo.level = *level;
  lo.file = o.log_file;
  lo.async = true;  // the I/O threads do not wait for the log's disk
  if (auto r = log::Init(lo); !r) return Fail("--log-file", r.error());
  // Destroyed last: what the servers and the store log while they close is written out, and
  // the writer thread stops before the process exits.
  struct FlushLogAtEnd {
    ~FlushLogAtEnd() { log::Shutdown(); }
  } flush_log_at_end;
  log::Info("serve.start", {{"version", kVersion},
                            {"api_version", api::kApiVersion},
                            {"data_dir", g.data_dir},
                            {"database", DbPath(g)},
                            {"brp_url", o.brp_url},
                            {"login_with_representation", login},
                            {"demo", o.demo}});
  std::string brp_key;
  if (!o.brp_api_key_file.empty()) {
    auto k = ReadFile(o.brp_api_key_file);
    if (!k) return ServeFailed("brp api key", k.error());
    brp_key = *k;
    while (!brp_key.empty() && (brp_key.back() == '\n' || brp_key.back() == '\r')) {
      brp_key.pop_back();
    }
  }
  if (o.demo) {
    if (auto r = EnsureDevCerts(g); !r) return ServeFailed("dev-certs", r.error());
  }
  std::string public_url = TrimSlash(o.public_url);
  std::string api_url = TrimSlash(o.api_url);
  if (login) {
    if (public_url.empty()) public_url = "https://localhost:" + std::to_string(o.web_port);
    if (api_url.empty()) api_url = "https://localhost:" + std::to_string(o.port);
    saml::InitLasso();
    // Before any thread starts (setenv): xmlsec otherwise re-reads the whole system CA
    // bundle for every encryption (docs/saml-profile.md section 5.1). TLS clients name their
    // CA explicitly.
    if (fs::exists(CertsDir(g) + "/ca.pem")) {
      saml::PinDefaultCaStore(CertsDir(g) + "/ca.pem");
    }
  }
  auto env = OpenEnv(g, o.brp_url, brp_key, /*serving=*/true);
  if (!env) return ServeFailed("open", env.error());
  MandateService& service = *(*env)->service;
  if (o.demo) {
    if (auto r = SeedDemo(service, CertsDir(g)); !r) return ServeFailed("demo data", r.error());
  }

  http::ServerConfig cfg;
  cfg.name = "api";
  cfg.address = o.address;
  cfg.port = static_cast<uint16_t>(o.port);
  cfg.io_threads = o.io_threads > 0 ? o.io_threads
                                    : static_cast<int>(std::thread::hardware_concurrency());
  cfg.tls = true;
  cfg.tls_config.cert_file = CertsDir(g) + "/server.pem";
  cfg.tls_config.key_file = CertsDir(g) + "/server-key.pem";
  cfg.tls_config.client_ca_file = CertsDir(g) + "/ca.pem";
  cfg.default_headers = api::DefaultHeaders();
  LoginStack stack;  // declared before the servers: their handlers use it until they stop
  http::HttpServer server(cfg);
  api::RegisterRestApi(server, service, (*env)->clock);

  // The login pages: HTTPS with the same server certificate, no client certificate.
  std::unique_ptr<http::HttpServer> web_server;
  if (login) {
    auto built = BuildLoginStack(g, o, public_url, api_url, service, (*env)->clock);
    if (!built) return ServeFailed("login with representation", built.error());
    stack = std::move(*built);
    http::ServerConfig wc;
    wc.name = "web";
    wc.address = o.address;
    wc.port = static_cast<uint16_t>(o.web_port);
    wc.io_threads = cfg.io_threads;
    wc.max_body = saml::kMaxEncodedMessageBytes + 4096;  // an AuthnRequest by HTTP-POST
    wc.tls = true;
    wc.tls_config.cert_file = cfg.tls_config.cert_file;
    wc.tls_config.key_file = cfg.tls_config.key_file;
    web_server = std::make_unique<http::HttpServer>(web::ForBrowsers(std::move(wc)));
    web::RegisterLoginRoutes(*web_server, server,
                             {service, *stack.digid, *stack.combi,
                              *stack.oidc, (*env)->clock});
  }
  try {
    server.Start();
    if (web_server) web_server->Start();
  } catch (const std::exception& e) {
    // Bind and certificate failures: what() names the address or file, never a request.
    return ServeFailed("listen", Error::Unavailable(e.what()).Because("serve.cannot_listen"));
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  if (web_server) {
    log::Info("serve.ready", {{"api_port", server.port()},
                              {"web_port", web_server->port()},
                              {"public_url", public_url},
                              {"saml_idp_metadata", public_url + "/saml/idp/metadata"},
                              {"oidc_issuer", public_url + "/oidc"},
                              {"saml_providers", stack.saml_providers},
                              {"oidc_clients", stack.oidc_clients}});
  } else {
    log::Info("serve.ready", {{"api_port", server.port()},
                              {"login_with_representation", false},
                              {"reason", "serve.no_digid_metadata"}});
  }
  if (!o.ready_file.empty() && web_server) {
    WriteReadyFile(o.ready_file + ".web", web_server->port());
  }
  if (!o.ready_file.empty()) {
    WriteReadyFile(o.ready_file, server.port());  // whole or not at all: tests poll it
  }
  // Lapse and expiry also happen lazily on every read; the sweep makes the stored state
  // and the index catch up without anyone touching a mandate.
  auto last_sweep = std::chrono::steady_clock::now();
  while (g_stop_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (std::chrono::steady_clock::now() - last_sweep > std::chrono::minutes(1)) {
      last_sweep = std::chrono::steady_clock::now();
      if (auto r = service.Sweep(); !r) {
        log::Warn("sweep.failed", {{"reason", r.error().Reason()}});
      } else if (*r > 0) {
        log::Info("sweep.done", {{"mandates_changed", *r}});
      }
    }
  }
  log::Info("serve.stopping", {{"signal", g_stop_signal.load()}});
  if (web_server) web_server->Stop();
  server.Stop();
  service.FlushUses();
  log::Info("serve.stopped");
  return 0;
}

int Migrate(const GlobalOptions& g) {
  SystemClock clock;
  std::error_code ec;
  fs::create_directories(g.data_dir, ec);
  auto store = SqliteStore::Open(DbPath(g), clock);
  if (!store) return Fail("migrate", store.error());
  std::printf("database %s is up to date\n", DbPath(g).c_str());
  return 0;
}

int AuditVerify(const GlobalOptions& g) {
  SystemClock clock;
  if (!fs::exists(DbPath(g))) {
    std::fprintf(stderr, "volmacht: no database at %s\n", DbPath(g).c_str());
    return 1;
  }
  auto store = SqliteStore::Open(DbPath(g), clock);
  if (!store) return Fail("audit verify", store.error());
  auto report = (*store)->VerifyEventChain();
  if (!report) return Fail("audit verify", report.error());
  if (!report->ok) {
    std::printf("FAILED: event log broken at record %llu: %s (%llu records checked)\n",
                static_cast<unsigned long long>(report->first_bad_seq), report->problem.c_str(),
                static_cast<unsigned long long>(report->records));
    return 1;
  }
  std::printf("OK: %llu events, hash chain intact\n",
              static_cast<unsigned long long>(report->records));
  return 0;
}

int OutboxList(const GlobalOptions& g) {
  auto env = OpenEnv(g);
  if (!env) return Fail("outbox", env.error());
  auto letters = (*env)->service->Outbox(Caller::Admin());
  if (!letters) return Fail("outbox", letters.error());
  std::printf("%-36s  %-20s  %-24s  %s\n", "id", "kind", "created", "mandate");
  for (const auto& l : *letters) {
    std::printf("%-36s  %-20s  %-24s  %s\n", l.id.str().c_str(), l.kind.c_str(),
                FormatTimestamp(l.created).c_str(), l.mandate_id.c_str());
  }
  return 0;
}

int OutboxShow(const GlobalOptions& g, const std::string& id, const std::string& out) {
  auto uuid = Uuid::Parse(id);
  if (!uuid) return Fail("outbox show", uuid.error());
  auto env = OpenEnv(g);
  if (!env) return Fail("outbox", env.error());
  auto letter = (*env)->service->OutboxLetter(Caller::Admin(), *uuid);
  if (!letter) return Fail("outbox show", letter.error());
  const std::string& pdf = letter->pdf;
  if (out.empty() || out == "-") {
    std::fwrite(pdf.data(), 1, pdf.size(), stdout);
  } else {
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
    if (!f) return Fail("outbox show", Error::Unavailable("cannot write " + out));
    std::printf("wrote %s (%zu bytes)\n", out.c_str(), pdf.size());
  }
  return 0;
}

int AdminProvider(const GlobalOptions& g, const AdminOptions& o) {
  auto oin = Oin::Parse(o.oin);
  if (!oin) return Fail("--oin", oin.error());
  auto pem = ReadFile(o.certificate_file);
  if (!pem) return Fail("--certificate", pem.error());
  auto env = OpenEnv(g);
  if (!env) return Fail("admin", env.error());
  Provider p{*oin, o.name, o.contact, *pem, o.counter_addendum, true};
  auto seq = (*env)->service->PutProvider(Caller::Admin(), p);
  if (!seq) return Fail("admin provider", seq.error());
  std::printf("provider %s saved (event %llu)\n", o.oin.c_str(),
              static_cast<unsigned long long>(*seq));
  return 0;
}

int AdminService(const GlobalOptions& g, const AdminOptions& o) {
  Service s;
  if (o.id.empty()) {
    s.id = Uuid::Random();
  } else {
    auto id = Uuid::Parse(o.id);
    if (!id) return Fail("--id", id.error());
    s.id = *id;
  }
  auto oin = Oin::Parse(o.oin);
  if (!oin) return Fail("--provider", oin.error());
  auto at = ParseAgentType(o.agent_type);
  if (!at) return Fail("--agent-type", at.error());
  auto loa = ParseLoa(o.min_loa);
  if (!loa) return Fail("--min-loa", loa.error());
  s.provider = *oin;
  s.name_nl = o.name;
  s.name_en = o.name_en.empty() ? o.name : o.name_en;
  s.description_nl = o.description;
  s.agent_type = *at;
  s.min_loa = *loa;
  s.request_validity_days = o.request_validity_days;
  s.max_mandate_years = o.max_mandate_years;
  s.counter_direct_allowed = o.counter_direct;
  s.survivor_allowed = o.survivor;
  auto env = OpenEnv(g);
  if (!env) return Fail("admin", env.error());
  auto seq = (*env)->service->PutService(Caller::Admin(), s);
  if (!seq) return Fail("admin service", seq.error());
  std::printf("service %s saved\n", s.id.str().c_str());
  return 0;
}

int AdminServiceSet(const GlobalOptions& g, const AdminOptions& o) {
  ServiceSet set;
  if (o.id.empty()) {
    set.id = Uuid::Random();
  } else {
    auto id = Uuid::Parse(o.id);
    if (!id) return Fail("--id", id.error());
    set.id = *id;
  }
  set.name_nl = o.name;
  set.name_en = o.name_en.empty() ? o.name : o.name_en;
  for (const auto& text : o.services) {
    auto id = Uuid::Parse(text);
    if (!id) return Fail("--service", id.error());
    set.services.push_back(*id);
  }
  auto env = OpenEnv(g);
  if (!env) return Fail("admin", env.error());
  auto seq = (*env)->service->PutServiceSet(Caller::Admin(), set);
  if (!seq) return Fail("admin service-set", seq.error());
  std::printf("service set %s saved\n", set.id.str().c_str());
  return 0;
}

// Reads a registered provider, lets `change` modify it, and saves it through the use case.
int UpdateProvider(const GlobalOptions& g, const std::string& oin_text,
                   const std::function<Result<void>(Provider&)>& change) {
  auto oin = Oin::Parse(oin_text);
  if (!oin) return Fail("--oin", oin.error());
  auto env = OpenEnv(g);
  if (!env) return Fail("admin", env.error());
  std::optional<Provider> p = (*env)->service->FindProvider(*oin);
  if (!p) return Fail("--oin", Error::NotFound("no provider with that OIN"));
  if (auto r = change(*p); !r) return Fail("admin", r.error());
  auto seq = (*env)->service->PutProvider(Caller::Admin(), *p);
  if (!seq) return Fail("admin", seq.error());
  std::printf("provider %s saved (event %llu)\n", oin_text.c_str(),
              static_cast<unsigned long long>(*seq));
  return 0;
}

int AdminProviderSaml(const GlobalOptions& g, const AdminOptions& o) {
  auto xml = ReadFile(o.metadata_file);
  if (!xml) return Fail("--metadata", xml.error());
  return UpdateProvider(g, o.oin, [&](Provider& p) -> Result<void> {
    p.saml_metadata = *xml;
    p.saml_post_response = o.post_response;
    return {};
  });
}

int AdminOidcClient(const GlobalOptions& g, const AdminOptions& o) {
  std::string secret;
  if (o.secret_file.empty()) {
    secret = ToHex(RandomBytes(24));
  } else {
    auto s = ReadFile(o.secret_file);
    if (!s) return Fail("--secret-file", s.error());
    secret = *s;
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  }
  int rc = UpdateProvider(g, o.oin, [&](Provider& p) -> Result<void> {
    std::erase_if(p.oidc_clients, [&](const auto& c) { return c.client_id == o.client_id; });
    p.oidc_clients.push_back({o.client_id, ToHex(Sha256(secret)), o.redirect_uris});
    return {};
  });
  if (rc == 0 && o.secret_file.empty()) {
    std::printf("client secret (shown once, store it now): %s\n", secret.c_str());
  }
  return rc;
}

int AdminList(const GlobalOptions& g) {
  auto env = OpenEnv(g);
  if (!env) return Fail("admin", env.error());
  for (const auto& p : (*env)->service->Providers()) {
    std::printf("provider %s  %s%s\n", p.oin.str().c_str(), p.name.c_str(),
                p.counter_addendum ? "  [counter addendum]" : "");
    for (const auto& s : (*env)->service->Services()) {
      if (s.provider != p.oin) continue;
      std::printf("  service %s  %s  (agents %s, min LoA %d)\n", s.id.str().c_str(),
                  s.name_nl.c_str(), std::string(AgentTypeName(s.agent_type)).c_str(),
                  static_cast<int>(s.min_loa));
    }
  }
  for (const auto& set : (*env)->service->ServiceSets()) {
    std::printf("service set %s  %s  (%zu services)\n", set.id.str().c_str(),
                set.name_nl.c_str(), set.services.size());
  }
  return 0;
}

int DemoSeed(const GlobalOptions& g, const std::string& brp_url) {
  if (auto r = EnsureDevCerts(g); !r) return Fail("dev-certs", r.error());
  auto env = OpenEnv(g, brp_url, "");
  if (!env) return Fail("demo-seed", env.error());
  if (auto r = SeedDemo(*(*env)->service, CertsDir(g)); !r) return Fail("demo-seed", r.error());
  std::printf("demo data present\n");
  return 0;
}

int Sweep(const GlobalOptions& g) {
  auto env = OpenEnv(g);
  if (!env) return Fail("sweep", env.error());
  auto n = (*env)->service->Sweep();
  if (!n) return Fail("sweep", n.error());
  std::printf("%d mandates lapsed or expired\n", *n);
  return 0;
}

int DemoIdentitiesCmd() {
  for (const auto& id : DemoIdentities()) {
    std::printf("  %s  %-28s %s\n", id.bsn.c_str(), id.name.c_str(), id.role.c_str());
  }
  return 0;
}

}  // namespace volmacht::app
