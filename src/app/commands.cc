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

#include "api/rest_api.h"
#include "app/demo_data.h"
#include "common/crypto.h"
#include "http/dev_certs.h"
#include "http/server.h"
#include "registry/brp_client.h"
#include "service/mandate_service.h"
#include "store/sqlite_store.h"

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
    std::string key = ToHex(RandomBytes(32));
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << key;
      if (!out) return volmacht::Fail(Error::Unavailable("cannot write " + tmp));
    }
    ::chmod(tmp.c_str(), 0600);
    fs::rename(tmp, path);
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

Result<std::unique_ptr<Env>> OpenEnv(const GlobalOptions& g, const std::string& brp_url,
                                     const std::string& brp_key) {
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
  auto svc = MandateService::Create(*env->store, *env->registry, env->clock, {*key});
  if (!svc) return std::unexpected(svc.error());
  env->service = std::move(*svc);
  return env;
}

Result<std::unique_ptr<Env>> OpenEnv(const GlobalOptions& g) {
  return OpenEnv(g, "http://127.0.0.1:8081", "");
}

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

Result<void> EnsureDevCerts(const GlobalOptions& g) {
  std::vector<http::DevCertSpec> clients;
  for (const auto& p : DemoProviders()) clients.push_back({p.cert_stem, p.name, p.oin});
  return http::MakeDevCerts(CertsDir(g), {"localhost"}, clients);
}

}  // namespace

int DevCerts(const GlobalOptions& g) {
  if (auto r = EnsureDevCerts(g); !r) return Fail("dev-certs", r.error());
  std::printf("Certificates in %s:\n  ca.pem, server.pem, server-key.pem\n", CertsDir(g).c_str());
  for (const auto& p : DemoProviders()) {
    std::printf("  %s.pem / %s-key.pem  (%s, OIN %s)\n", p.cert_stem.c_str(),
                p.cert_stem.c_str(), p.name.c_str(), p.oin.c_str());
  }
  return 0;
}

int Serve(const GlobalOptions& g, const ServeOptions& o) {
  std::string brp_key;
  if (!o.brp_api_key_file.empty()) {
    auto k = ReadFile(o.brp_api_key_file);
    if (!k) return Fail("brp api key", k.error());
    brp_key = *k;
    while (!brp_key.empty() && (brp_key.back() == '\n' || brp_key.back() == '\r')) {
      brp_key.pop_back();
    }
  }
  if (o.demo) {
    if (auto r = EnsureDevCerts(g); !r) return Fail("dev-certs", r.error());
  }
  auto env = OpenEnv(g, o.brp_url, brp_key);
  if (!env) return Fail("start", env.error());
  MandateService& service = *(*env)->service;
  if (o.demo) {
    if (auto r = SeedDemo(service, CertsDir(g)); !r) return Fail("demo data", r.error());
  }

  http::ServerConfig cfg;
  cfg.address = o.address;
  cfg.port = static_cast<uint16_t>(o.port);
  cfg.io_threads = o.io_threads > 0 ? o.io_threads
                                    : static_cast<int>(std::thread::hardware_concurrency());
  cfg.tls = true;
  cfg.tls_config.cert_file = CertsDir(g) + "/server.pem";
  cfg.tls_config.key_file = CertsDir(g) + "/server-key.pem";
  cfg.tls_config.client_ca_file = CertsDir(g) + "/ca.pem";
  cfg.default_headers = api::DefaultHeaders();
  http::HttpServer server(cfg);
  api::RegisterRestApi(server, service, (*env)->clock);
  try {
    server.Start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "volmacht: cannot start the server: %s\n", e.what());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("volmacht serving the provider API on https://%s:%u/api/v1 (mutual TLS)\n",
              o.address.c_str(), server.port());
  std::fflush(stdout);
  if (!o.ready_file.empty()) {
    std::ofstream(o.ready_file) << server.port() << "\n";
  }
  // Lapse and expiry also happen lazily on every read; the sweep makes the stored state
  // and the index catch up without anyone touching a mandate.
  auto last_sweep = std::chrono::steady_clock::now();
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (std::chrono::steady_clock::now() - last_sweep > std::chrono::minutes(1)) {
      last_sweep = std::chrono::steady_clock::now();
      if (auto r = service.Sweep(); !r) {
        std::fprintf(stderr, "volmacht: sweep failed: %s\n", r.error().message.c_str());
      }
    }
  }
  std::printf("volmacht: stopping\n");
  server.Stop();
  service.FlushUses();
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
  auto letters = (*env)->store->ListLetters();
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
  auto letter = (*env)->store->GetLetter(*uuid);
  if (!letter) return Fail("outbox show", letter.error());
  if (!*letter) return Fail("outbox show", Error::NotFound("no such letter"));
  const std::string& pdf = (*letter)->pdf;
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

int DemoSeed(const GlobalOptions& g) {
  if (auto r = EnsureDevCerts(g); !r) return Fail("dev-certs", r.error());
  auto env = OpenEnv(g);
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
