// Integration test of the REST API v1 through real HTTPS with mutual TLS: a real HttpServer on
// 127.0.0.1 port 0 with throw-away certificates, the real MandateService over a real
// SqliteStore in a temp dir, a map-backed person register and a ManualClock; requests are sent
// with http::HttpClient and a provider's client certificate.
#include "api/rest_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/testing/log_capture.h"
#include "common/testing/temp_dir.h"
#include "http/client.h"
#include "registry/testing/map_registry.h"
#include "dev_certs.h"
#include "store/sqlite/sqlite_store.h"

namespace volmacht::api {
namespace {

using Json = nlohmann::json;
using volmacht::testing::MapRegistry;
using ::testing::UnorderedElementsAreArray;

Date D(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}

const char* const kAlice = "999993653";  // principal
const char* const kBob = "123456782";    // agent
const char* const kCarol = "111222333";  // a bystander
const char* const kOin1 = "00000001234567890000";
const char* const kOin2 = "00000003123456780000";
const char* const kUnknownOin = "00000004000000000001";           // valid OIN, not a provider
const char* const kS1 = "11111111-1111-4111-8111-111111111111";   // oin1
const char* const kS3 = "33333333-3333-4333-8333-333333333333";   // oin2
const char* const kOld = "44444444-4444-4444-8444-444444444444";  // oin1, no longer active
const char* const kNoSuchService = "99999999-9999-4999-8999-999999999999";


using ::volmacht::testing::TempDir;

struct Reply {
  int status = 0;
  std::string content_type;
  std::string api_version;
  std::string location;
  std::string retry_after;
  Json body;
};

class RestApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir();
    auto made = devcerts::MakeDevCerts(pki_->path(), {"localhost"},
                                   {{"prov1", "Belastingdienst", kOin1},
                                    {"prov2", "Gemeente Ons Dorp", kOin2},
                                    {"stranger", "Niet aangesloten", kUnknownOin},
                                    {"nooin", "Zonder OIN", ""}});
    ASSERT_TRUE(made.has_value()) << made.error().message;
  }
  static void TearDownTestSuite() { delete pki_; }

  RestApiTest()
      : clock_(Timestamp(std::chrono::sys_days(D(2026, 3, 10))) + std::chrono::hours(10)) {}

  void SetUp() override {
    auto store = SqliteStore::Open(data_.path() + "/volmacht.db", clock_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    registry_.Put(kAlice, "Alice de Vries", {1960, 4, 1});
    registry_.Put(kBob, "Bob Jansen", {1985, 6, 15});
    registry_.Put(kCarol, "Carol Bakker", {1990, 1, 20});
    auto svc = MandateService::Create(*store_, registry_, clock_, {std::string(32, 'k')});
    ASSERT_TRUE(svc.has_value()) << svc.error().message;
    service_ = std::move(*svc);
    SeedCatalogue();

    http::ServerConfig cfg;
    cfg.io_threads = 1;
    cfg.worker_threads = 2;
    cfg.tls = true;
    cfg.tls_config.cert_file = P("server.pem");
    cfg.tls_config.key_file = P("server-key.pem");
    cfg.tls_config.client_ca_file = P("ca.pem");
    cfg.default_headers = DefaultHeaders();
    server_ = std::make_unique<http::HttpServer>(cfg);
    RegisterRestApi(*server_, *service_, clock_);
    server_->Start();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    service_.reset();
    store_.reset();
  }

  void SeedCatalogue() {
    Caller admin = Caller::Admin();
    ASSERT_TRUE(
        service_->PutProvider(admin, {*Oin::Parse(kOin1), "Belastingdienst", "b@x.nl", "", true}));
    ASSERT_TRUE(service_->PutProvider(
        admin, {*Oin::Parse(kOin2), "Gemeente Ons Dorp", "g@x.nl", "", false}));
    Service s1;
    s1.id = *Uuid::Parse(kS1);
    s1.provider = *Oin::Parse(kOin1);
    s1.name_nl = "Aangifte inkomstenbelasting";
    s1.counter_direct_allowed = true;
    Service s3 = s1;
    s3.id = *Uuid::Parse(kS3);
    s3.provider = *Oin::Parse(kOin2);
    s3.name_nl = "Parkeervergunning";
    Service old = s1;
    old.id = *Uuid::Parse(kOld);
    old.name_nl = "Oude regeling";
    old.active_until = D(2026, 1, 1);
    for (const Service& s : {s1, s3, old}) {
      auto r = service_->PutService(admin, s);
      ASSERT_TRUE(r.has_value()) << r.error().message;
    }
  }

  static std::string P(const std::string& f) { return pki_->path() + "/" + f; }

  std::string Url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  static http::ClientConfig ClientFor(const std::string& stem) {
    http::ClientConfig c;
    c.timeout = std::chrono::seconds(10);
    c.ca_file = P("ca.pem");
    if (!stem.empty()) {
      c.cert_file = P(stem + ".pem");
      c.key_file = P(stem + "-key.pem");
    }
    return c;
  }

  // Sends and decodes; a transport failure fails the test (status stays 0).
  Reply Send(std::string_view method, std::string_view path, std::string_view body,
             const std::string& who = "prov1", std::string content_type = "application/json") {
    http::HttpClient client(ClientFor(who));
    std::vector<std::pair<std::string, std::string>> headers;
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    auto r = client.Send(method, Url(path), body, headers);
    Reply out;
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    if (!r) return out;
    out.status = r->status;
    out.content_type = r->Header("content-type");
    out.api_version = r->Header("api-version");
    out.location = r->Header("location");
    out.retry_after = r->Header("retry-after");
    out.body = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    return out;
  }

  Reply Post(std::string_view path, const Json& body, const std::string& who = "prov1") {
    return Send("POST", path, body.dump(), who);
  }

  static Json Burger(const char* bsn) { return {{"bsn", bsn}}; }

  Json GrantBody(const char* principal = kAlice, const char* service = kS1,
                 std::string end = "2027-03-01") {
    return {{"burger", Burger(principal)}, {"diensten", {service}}, {"einddatum", end}};
  }

  Json VerifyBody(const char* agent = kBob, const char* principal = kAlice,
                  const char* service = kS1, uint64_t min_seq = 0) {
    Json j = {{"gemachtigde", {{"bsn", agent}}},
              {"vertegenwoordigde", {{"bsn", principal}}},
              {"dienst", service},
              {"betrouwbaarheidsniveau", 20}};
    if (min_seq > 0) j["minimaleVolgnummer"] = min_seq;
    return j;
  }

  // Flow A over HTTP: grant (code once) and activate. Returns the activation's reply.
  Reply GrantAndActivate() {
    Reply g = Post("/api/v1/machtigingen", GrantBody());
    EXPECT_EQ(g.status, 201) << g.body.dump();
    Json act = {{"burger", Burger(kBob)},
                {"vertegenwoordigde", Burger(kAlice)},
                {"activeringscode", g.body.value("activeringscode", "")}};
    Reply a = Post("/api/v1/activeringen", act);
    EXPECT_EQ(a.status, 200) << a.body.dump();
    return a;
  }

  // Asserts a problem+json answer with the status and exactly these invalidParams names.
  static void ExpectProblem(const Reply& r, int status, std::vector<std::string> names = {}) {
    EXPECT_EQ(r.status, status) << r.body.dump();
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(r.api_version, "1.0.0");
    ASSERT_TRUE(r.body.is_object()) << r.body.dump();
    EXPECT_EQ(r.body.value("status", 0), status);
    EXPECT_FALSE(r.body.value("title", "").empty());
    EXPECT_FALSE(r.body.value("detail", "").empty());
    EXPECT_TRUE(r.body.value("type", "").starts_with("urn:nl:volmacht:api:v1:probleem:"));
    EXPECT_TRUE(r.body.value("instance", "").starts_with("urn:uuid:"));
    // No BSN ever travels back in an error.
    for (const char* bsn : {kAlice, kBob, kCarol}) {
      EXPECT_EQ(r.body.dump().find(bsn), std::string::npos) << r.body.dump();
    }
    std::vector<std::string> got;
    if (r.body.contains("invalidParams")) {
      for (const Json& p : r.body["invalidParams"]) {
        got.push_back(p.value("name", ""));
        EXPECT_FALSE(p.value("code", "").empty());
        EXPECT_FALSE(p.value("reason", "").empty());
      }
    }
    EXPECT_THAT(got, UnorderedElementsAreArray(names)) << r.body.dump();
  }

  static std::string ParamCode(const Reply& r, const std::string& name) {
    for (const Json& p : r.body.value("invalidParams", Json::array())) {
      if (p.value("name", "") == name) return p.value("code", "");
    }
    return "";
  }

  static TempDir* pki_;
  TempDir data_;
  ManualClock clock_;
  MapRegistry registry_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<MandateService> service_;
  std::unique_ptr<http::HttpServer> server_;
};
TempDir* RestApiTest::pki_ = nullptr;

// ----- Happy paths -----

TEST_F(RestApiTest, FlowAGrantActivateVerifyRevoke) {
  Reply g = Post("/api/v1/machtigingen", GrantBody());
  ASSERT_EQ(g.status, 201) << g.body.dump();
  EXPECT_EQ(g.api_version, "1.0.0");
  EXPECT_EQ(g.content_type, "application/json");
  std::string id = g.body.value("id", "");
  EXPECT_EQ(g.location, "/api/v1/machtigingen/" + id);
  EXPECT_EQ(g.body["status"], "AANGEVRAAGD");
  EXPECT_EQ(g.body["soort"], "VRIJWILLIG");
  EXPECT_EQ(g.body["initiatiefnemer"], "VERTEGENWOORDIGDE");
  EXPECT_EQ(g.body["vertegenwoordigde"]["bsn"], kAlice);
  EXPECT_EQ(g.body["einddatum"], "2027-03-01");
  EXPECT_EQ(g.body["ingangsdatum"], "2026-03-10");
  EXPECT_EQ(g.body["diensten"][0]["id"], kS1);
  EXPECT_GT(g.body.value("volgnummer", 0), 0);
  std::string code = g.body.value("activeringscode", "");
  ASSERT_EQ(code.size(), 14u);

  Json act = {
      {"burger", Burger(kBob)}, {"vertegenwoordigde", Burger(kAlice)}, {"activeringscode", code}};
  Reply preview = Post("/api/v1/activeringen/_controleren", act);
  ASSERT_EQ(preview.status, 200) << preview.body.dump();
  EXPECT_EQ(preview.body["machtiging"], id);
  EXPECT_EQ(preview.body["vertegenwoordigde"]["naam"], "Alice de Vries");
  EXPECT_EQ(preview.body["gemachtigde"]["naam"], "Bob Jansen");
  EXPECT_EQ(preview.body["diensten"][0]["naam"], "Aangifte inkomstenbelasting");

  // Before activation: no mandate in force.
  Reply before = Post("/api/v1/verificaties", VerifyBody());
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.body, Json({{"toegestaan", false}}));

  Reply a = Post("/api/v1/activeringen", act);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["status"], "ACTIEF");
  EXPECT_EQ(a.body["gemachtigde"]["bsn"], kBob);
  EXPECT_FALSE(a.body.contains("activeringscode"));
  uint64_t seq = a.body.value("volgnummer", uint64_t{0});
  EXPECT_GT(seq, g.body.value("volgnummer", uint64_t{0}));

  Reply v = Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, kS1, seq));
  ASSERT_EQ(v.status, 200) << v.body.dump();
  EXPECT_EQ(v.api_version, "1.0.0");
  EXPECT_EQ(v.body, Json({{"toegestaan", true}, {"machtiging", id}}));

  Reply who =
      Post("/api/v1/vertegenwoordigden/_zoek",
           {{"gemachtigde", {{"bsn", kBob}}}, {"dienst", kS1}, {"betrouwbaarheidsniveau", 20}});
  ASSERT_EQ(who.status, 200) << who.body.dump();
  EXPECT_EQ(who.body, Json({{"vertegenwoordigden", {{{"bsn", kAlice}, {"machtiging", id}}}}}));

  // The code is single-use.
  Reply again = Post("/api/v1/activeringen", act);
  EXPECT_NE(again.status, 200);
  EXPECT_EQ(again.content_type, "application/problem+json");

  Reply r = Post("/api/v1/machtigingen/" + id + "/_intrekken", {{"burger", Burger(kAlice)}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["status"], "INGETROKKEN");
  EXPECT_EQ(r.body["redenEinde"], "DOOR_VERTEGENWOORDIGDE");
  uint64_t revoked_seq = r.body.value("volgnummer", uint64_t{0});

  Reply after = Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, kS1, revoked_seq));
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body, Json({{"toegestaan", false}}));
  Reply nobody =
      Post("/api/v1/vertegenwoordigden/_zoek",
           {{"gemachtigde", {{"bsn", kBob}}}, {"dienst", kS1}, {"betrouwbaarheidsniveau", 20}});
  EXPECT_EQ(nobody.body, Json({{"vertegenwoordigden", Json::array()}}));

  Reply h = Post("/api/v1/machtigingen/" + id + "/_historie", {{"burger", Burger(kBob)}});
  ASSERT_EQ(h.status, 200) << h.body.dump();
  std::vector<std::pair<std::string, std::string>> events;
  for (const Json& e : h.body["gebeurtenissen"]) events.emplace_back(e["soort"], e["door"]);
  EXPECT_THAT(events, ::testing::Contains(
                          std::pair<std::string, std::string>("AANGEVRAAGD", "VERTEGENWOORDIGDE")));
  EXPECT_THAT(events, ::testing::Contains(
                          std::pair<std::string, std::string>("GEACTIVEERD", "GEMACHTIGDE")));
  EXPECT_THAT(events, ::testing::Contains(
                          std::pair<std::string, std::string>("INGETROKKEN", "VERTEGENWOORDIGDE")));
  EXPECT_EQ(h.body.dump().find(kAlice), std::string::npos);  // roles, not identifiers
}

TEST_F(RestApiTest, FlowBAskThenApproveOnline) {
  Json ask = {{"burger", Burger(kBob)},
              {"vertegenwoordigde", {{"bsn", kAlice}, {"geboortedatum", "1960-04-01"}}},
              {"diensten", {kS1}},
              {"einddatum", "2027-01-31"}};
  Reply a = Post("/api/v1/machtigingsaanvragen", ask);
  ASSERT_EQ(a.status, 201) << a.body.dump();
  std::string id = a.body.value("id", "");
  EXPECT_EQ(a.location, "/api/v1/machtigingen/" + id);
  EXPECT_EQ(a.body["status"], "AANGEVRAAGD");
  EXPECT_EQ(a.body["initiatiefnemer"], "GEMACHTIGDE");
  EXPECT_FALSE(a.body.contains("activeringscode"));  // it goes by letter

  // A bystander does not even learn that it exists; a bad id is a 400 naming the path field.
  ExpectProblem(Post("/api/v1/machtigingen/" + id + "/_inzien", {{"burger", Burger(kCarol)}}), 404);
  ExpectProblem(Post("/api/v1/machtigingen/not-a-uuid/_inzien", {{"burger", Burger(kAlice)}}), 400,
                {"id"});
  // The agent cannot approve their own request.
  Reply self = Post("/api/v1/machtigingen/" + id + "/_goedkeuren", {{"burger", Burger(kBob)}});
  EXPECT_EQ(self.status, 403) << self.body.dump();

  Reply ok = Post("/api/v1/machtigingen/" + id + "/_goedkeuren", {{"burger", Burger(kAlice)}});
  ASSERT_EQ(ok.status, 200) << ok.body.dump();
  EXPECT_EQ(ok.body["status"], "ACTIEF");
  Reply v = Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, kS1, ok.body["volgnummer"]));
  EXPECT_EQ(v.body, Json({{"toegestaan", true}, {"machtiging", id}}));

  // Approving twice is a state conflict.
  ExpectProblem(Post("/api/v1/machtigingen/" + id + "/_goedkeuren", {{"burger", Burger(kAlice)}}),
                409);

  Reply given = Post("/api/v1/machtigingen/_zoek",
                     {{"burger", Burger(kAlice)}, {"rol", "VERTEGENWOORDIGDE"}});
  ASSERT_EQ(given.status, 200) << given.body.dump();
  ASSERT_EQ(given.body["machtigingen"].size(), 1u);
  EXPECT_EQ(given.body["machtigingen"][0]["id"], id);
  Reply received =
      Post("/api/v1/machtigingen/_zoek", {{"burger", Burger(kBob)}, {"rol", "GEMACHTIGDE"}});
  ASSERT_EQ(received.status, 200);
  EXPECT_EQ(received.body["machtigingen"][0]["id"], id);
  Reply none =
      Post("/api/v1/machtigingen/_zoek", {{"burger", Burger(kBob)}, {"rol", "VERTEGENWOORDIGDE"}});
  EXPECT_EQ(none.body["machtigingen"], Json::array());

  Reply details = Post("/api/v1/machtigingen/" + id + "/_inzien", {{"burger", Burger(kAlice)}});
  ASSERT_EQ(details.status, 200);
  EXPECT_EQ(details.body["gemachtigde"]["naam"], "Bob Jansen");
  EXPECT_FALSE(details.body.contains("volgnummer"));

  // Restrict: an earlier end date, never a later one.
  Reply narrow =
      Post("/api/v1/machtigingen/" + id + "/_beperken",
           {{"burger", Burger(kAlice)}, {"diensten", {kS1}}, {"einddatum", "2026-12-31"}});
  ASSERT_EQ(narrow.status, 200) << narrow.body.dump();
  EXPECT_EQ(narrow.body["einddatum"], "2026-12-31");
  Reply wider =
      Post("/api/v1/machtigingen/" + id + "/_beperken",
           {{"burger", Burger(kAlice)}, {"diensten", {kS1}}, {"einddatum", "2027-01-31"}});
  ExpectProblem(wider, 422, {"einddatum"});
}

TEST_F(RestApiTest, DeclineAndWithdrawRequests) {
  Json ask = {{"burger", Burger(kBob)},
              {"vertegenwoordigde", {{"bsn", kAlice}, {"geboortedatum", "1960-04-01"}}},
              {"diensten", {kS1}},
              {"einddatum", "2027-01-31"}};
  Reply first = Post("/api/v1/machtigingsaanvragen", ask);
  ASSERT_EQ(first.status, 201);
  Reply declined = Post("/api/v1/machtigingen/" + first.body.value("id", "") + "/_afwijzen",
                        {{"burger", Burger(kAlice)}});
  ASSERT_EQ(declined.status, 200) << declined.body.dump();
  EXPECT_EQ(declined.body["status"], "AFGEWEZEN");

  Reply second = Post("/api/v1/machtigingsaanvragen", ask);
  ASSERT_EQ(second.status, 201);
  Reply withdrawn = Post("/api/v1/machtigingen/" + second.body.value("id", "") + "/_annuleren",
                         {{"burger", Burger(kBob)}});
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body.dump();
  EXPECT_EQ(withdrawn.body["status"], "GEANNULEERD");
}

TEST_F(RestApiTest, DirectMandateToTheProviderItself) {
  Reply d = Post("/api/v1/directe-machtigingen",
                 {{"burger", Burger(kAlice)}, {"diensten", {kS1}}, {"einddatum", "2026-12-31"}});
  ASSERT_EQ(d.status, 201) << d.body.dump();
  EXPECT_EQ(d.body["soort"], "DIRECT");
  EXPECT_EQ(d.body["status"], "ACTIEF");
  EXPECT_EQ(d.body["gemachtigde"]["oin"], kOin1);
  std::string id = d.body.value("id", "");
  EXPECT_EQ(d.location, "/api/v1/machtigingen/" + id);
  // Another provider cannot revoke it; this provider can, without a citizen.
  ExpectProblem(Post("/api/v1/machtigingen/" + id + "/_intrekken", Json::object(), "prov2"), 404);
  Reply r = Post("/api/v1/machtigingen/" + id + "/_intrekken", Json::object());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["status"], "INGETROKKEN");
}

TEST_F(RestApiTest, OpenApiDocumentIsServed) {
  Reply r = Send("GET", "/api/v1/openapi.json", "", "prov1", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.api_version, "1.0.0");
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_TRUE(r.body.is_object());
  EXPECT_EQ(r.body["openapi"], "3.0.3");
  EXPECT_EQ(r.body["info"]["version"], "1.0.0");
  EXPECT_EQ(r.body, Json::parse(OpenApiDocument()));
  // Every route registered here is documented, and nothing more.
  std::set<std::string> documented;
  for (const auto& [path, item] : r.body["paths"].items()) documented.insert(path);
  EXPECT_EQ(documented,
            (std::set<std::string>{
                "/verificaties", "/vertegenwoordigden/_zoek", "/machtigingen",
                "/machtigingen/_zoek", "/machtigingsaanvragen", "/directe-machtigingen",
                "/activeringen/_controleren", "/activeringen", "/machtigingen/{id}/_inzien",
                "/machtigingen/{id}/_historie", "/machtigingen/{id}/_goedkeuren",
                "/machtigingen/{id}/_afwijzen", "/machtigingen/{id}/_annuleren",
                "/machtigingen/{id}/_intrekken", "/machtigingen/{id}/_beperken", "/openapi.json"}));
}

// ----- Freshness -----

TEST_F(RestApiTest, MinimumSequenceNewerThanTheIndexIs503) {
  Reply r = Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, kS1, 1'000'000));
  ExpectProblem(r, 503);
  EXPECT_EQ(r.retry_after, "1");
}

// ----- Who may call -----

TEST_F(RestApiTest, AnotherProvidersServiceIs403) {
  ExpectProblem(Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, kS3)), 403);
  ExpectProblem(
      Post("/api/v1/vertegenwoordigden/_zoek",
           {{"gemachtigde", {{"bsn", kBob}}}, {"dienst", kS1}, {"betrouwbaarheidsniveau", 20}},
           "prov2"),
      403);
  ExpectProblem(Post("/api/v1/machtigingen", GrantBody(kAlice, kS3)), 403);
}

TEST_F(RestApiTest, ClientCertificateMustCarryTheOinOfAKnownProvider) {
  ExpectProblem(Post("/api/v1/verificaties", VerifyBody(), "nooin"), 401);
  ExpectProblem(Post("/api/v1/machtigingen", GrantBody(), "nooin"), 401);
  ExpectProblem(Post("/api/v1/verificaties", VerifyBody(), "stranger"), 403);
  ExpectProblem(Post("/api/v1/machtigingen", GrantBody(), "stranger"), 403);
  // The service decides this (not the REST adapter) and before any mandate is looked up, so a
  // stranger cannot tell an existing id from a made-up one, and lists nothing.
  Reply grant = Post("/api/v1/machtigingen", GrantBody());
  ASSERT_EQ(grant.status, 201) << grant.body.dump();
  const std::string id = grant.body["id"];
  for (const std::string& some : {id, Uuid::Random().str()}) {
    ExpectProblem(Post("/api/v1/machtigingen/" + some + "/_inzien", {{"burger", Burger(kAlice)}},
                       "stranger"),
                  403);
  }
  ExpectProblem(Post("/api/v1/machtigingen/_zoek",
                     {{"burger", Burger(kAlice)}, {"rol", "VERTEGENWOORDIGDE"}}, "stranger"),
                403);
}

// Support gets the problem's instance from the provider and finds the request's log line by it.
TEST_F(RestApiTest, AProblemsInstanceIsTheRequestIdOfItsLogLine) {
  volmacht::testing::LogCapture logs;
  Reply refused = Post("/api/v1/machtigingen", GrantBody(), "stranger");
  ExpectProblem(refused, 403);
  Reply bad = Post("/api/v1/verificaties", VerifyBody("123456789"));
  ExpectProblem(bad, 400, {"gemachtigde.bsn"});
  server_->Stop();  // a request's line is written after its answer
  auto line_of = [&logs](const Reply& r) {
    std::vector<std::string> lines = logs.With(r.body.value("instance", "?"));
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? Json() : Json::parse(lines[0]);
  };
  Json j = line_of(refused);
  EXPECT_EQ(j["event"], "http.request");
  EXPECT_EQ(j["request_id"], refused.body["instance"]);
  EXPECT_EQ(j["status"], 403);
  EXPECT_EQ(j["reason"], "provider.not_active");
  EXPECT_EQ(j["path"], "/api/v1/machtigingen");
  Json k = line_of(bad);
  EXPECT_EQ(k["status"], 400);
  EXPECT_EQ(k["reason"], "invalid_argument");
  for (const std::string& l : logs.Lines()) {
    for (const char* bsn : {kAlice, kBob, "123456789"}) {
      EXPECT_EQ(l.find(bsn), std::string::npos) << l;
    }
  }
}

TEST_F(RestApiTest, TlsWithoutClientCertificateIsRefused) {
  http::HttpClient client(ClientFor(""));
  auto r = client.Send("POST", Url("/api/v1/verificaties"), VerifyBody().dump(),
                       {{"Content-Type", "application/json"}});
  EXPECT_FALSE(r.has_value());
}

// ----- Bad input -----

TEST_F(RestApiTest, MalformedJsonIs400) {
  ExpectProblem(Send("POST", "/api/v1/verificaties", "{\"gemachtigde\":"), 400, {"body"});
  ExpectProblem(Send("POST", "/api/v1/machtigingen", "[]"), 400, {"body"});
  ExpectProblem(Send("POST", "/api/v1/machtigingen", ""), 400, {"body"});
}

TEST_F(RestApiTest, WrongMediaTypeIs415) {
  ExpectProblem(Send("POST", "/api/v1/verificaties", VerifyBody().dump(), "prov1", "text/plain"),
                415);
  ExpectProblem(Send("POST", "/api/v1/machtigingen", GrantBody().dump(), "prov1", ""), 415);
  // Parameters and case in the media type are fine.
  Reply ok = Send("POST", "/api/v1/verificaties", VerifyBody().dump(), "prov1",
                  "Application/JSON; charset=utf-8");
  EXPECT_EQ(ok.status, 200);
}

TEST_F(RestApiTest, BodyOver64KiBIs413) {
  std::string big = "{\"x\":\"" + std::string(70 * 1024, 'a') + "\"}";
  Reply r = Send("POST", "/api/v1/machtigingen", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.api_version, "1.0.0");  // made by the server, before any handler
}

TEST_F(RestApiTest, ServerMadeErrorsCarryApiVersion) {
  Reply unknown = Send("POST", "/api/v1/bestaat-niet", "{}");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.api_version, "1.0.0");
  Reply wrong_method = Send("GET", "/api/v1/verificaties", "");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.api_version, "1.0.0");
}

TEST_F(RestApiTest, WrongTypesAndUnknownFieldsAre400) {
  Json v = VerifyBody();
  v["betrouwbaarheidsniveau"] = "20";
  v["dienst"] = 12;
  v["extra"] = true;
  ExpectProblem(Post("/api/v1/verificaties", v), 400,
                {"betrouwbaarheidsniveau", "dienst", "extra"});
  Json g = GrantBody();
  g["diensten"] = kS1;  // a string, not a list
  g["burger"]["naam"] = "Alice";
  ExpectProblem(Post("/api/v1/machtigingen", g), 400, {"diensten", "burger.naam"});
  ExpectProblem(Post("/api/v1/machtigingen/_zoek", {{"burger", Burger(kAlice)}, {"rol", "x"}}), 400,
                {"rol"});
}

TEST_F(RestApiTest, InvalidIdentifiersAre400) {
  Reply bsn = Post("/api/v1/verificaties", VerifyBody(kBob, "999993654"));
  ExpectProblem(bsn, 400, {"vertegenwoordigde.bsn"});
  EXPECT_EQ(ParamCode(bsn, "vertegenwoordigde.bsn"), "bsn.elfproef");
  Reply eight = Post("/api/v1/machtigingen", GrantBody("99999365"));
  ExpectProblem(eight, 400, {"burger.bsn"});
  EXPECT_EQ(ParamCode(eight, "burger.bsn"), "bsn.length8");
  ExpectProblem(Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, "1234")), 400, {"dienst"});
  Json kvk = VerifyBody();
  kvk["gemachtigde"] = {{"kvk", "123"}};
  ExpectProblem(Post("/api/v1/verificaties", kvk), 400, {"gemachtigde.kvk"});
  Json loa = VerifyBody();
  loa["betrouwbaarheidsniveau"] = 15;
  ExpectProblem(Post("/api/v1/verificaties", loa), 400, {"betrouwbaarheidsniveau"});
}

TEST_F(RestApiTest, DateRulesAreReportedOnTheirFields) {
  Reply format = Post("/api/v1/machtigingen", GrantBody(kAlice, kS1, "01-03-2027"));
  ExpectProblem(format, 400, {"einddatum"});
  EXPECT_EQ(ParamCode(format, "einddatum"), "datum.formaat");

  Json past = GrantBody();
  past["ingangsdatum"] = "2026-03-09";
  Reply p = Post("/api/v1/machtigingen", past);
  ExpectProblem(p, 400, {"ingangsdatum"});

  Json reversed = GrantBody(kAlice, kS1, "2026-04-01");
  reversed["ingangsdatum"] = "2026-05-01";
  ExpectProblem(Post("/api/v1/machtigingen", reversed), 400, {"einddatum"});

  // Longer than the service's maximum (5 years).
  ExpectProblem(Post("/api/v1/machtigingen", GrantBody(kAlice, kS1, "2032-01-01")), 422,
                {"einddatum"});
}

TEST_F(RestApiTest, UnknownOrInactiveServicesAreRefused) {
  Reply unknown = Post("/api/v1/machtigingen", GrantBody(kAlice, kNoSuchService));
  ExpectProblem(unknown, 400, {"diensten"});
  EXPECT_EQ(ParamCode(unknown, "diensten"), "dienst.onbekend");
  Reply inactive = Post("/api/v1/machtigingen", GrantBody(kAlice, kOld));
  ExpectProblem(inactive, 422, {"diensten"});
  EXPECT_EQ(ParamCode(inactive, "diensten"), "dienst.inactief");
  // Verification of an inactive service of one's own is simply "no".
  Reply v = Post("/api/v1/verificaties", VerifyBody(kBob, kAlice, kOld));
  EXPECT_EQ(v.body, Json({{"toegestaan", false}}));
}

TEST_F(RestApiTest, RuleViolationsAre422OnTheRightField) {
  // Principal and agent are the same person.
  Json g = GrantBody();
  g["gemachtigde"] = {{"bsn", kAlice}, {"geboortedatum", "1960-04-01"}};
  Reply same = Post("/api/v1/machtigingen", g);
  EXPECT_EQ(same.status, 422) << same.body.dump();
  EXPECT_EQ(same.content_type, "application/problem+json");
  ASSERT_FALSE(same.body.value("invalidParams", Json::array()).empty());
  EXPECT_EQ(same.body["invalidParams"][0]["name"], "gemachtigde");
  // Flow B with the wrong birth date of the principal.
  Json ask = {{"burger", Burger(kBob)},
              {"vertegenwoordigde", {{"bsn", kAlice}, {"geboortedatum", "1961-04-01"}}},
              {"diensten", {kS1}},
              {"einddatum", "2027-01-31"}};
  Reply birth = Post("/api/v1/machtigingsaanvragen", ask);
  EXPECT_EQ(birth.status, 422) << birth.body.dump();
  ASSERT_FALSE(birth.body.value("invalidParams", Json::array()).empty());
  EXPECT_EQ(birth.body["invalidParams"][0]["name"], "vertegenwoordigde.geboortedatum");
}

TEST_F(RestApiTest, WrongActivationCodesLockAfterFiveTries) {
  Reply g = Post("/api/v1/machtigingen", GrantBody());
  ASSERT_EQ(g.status, 201);
  Json act = {{"burger", Burger(kBob)},
              {"vertegenwoordigde", Burger(kAlice)},
              {"activeringscode", "AAAA-AAAA-AAAA"}};
  Reply wrong = Post("/api/v1/activeringen", act);
  ExpectProblem(wrong, 400, {"activeringscode"});
  for (int i = 0; i < 3; ++i) Post("/api/v1/activeringen", act);
  ExpectProblem(Post("/api/v1/activeringen", act), 423);
  // Now even the right code is refused.
  act["activeringscode"] = g.body["activeringscode"];
  ExpectProblem(Post("/api/v1/activeringen", act), 423);
  Json bad_format = act;
  bad_format["activeringscode"] = "0000";
  ExpectProblem(Post("/api/v1/activeringen", bad_format), 400, {"activeringscode"});
}

}  // namespace
}  // namespace volmacht::api
