// BrpClient against brp-sim (in process, real HTTP on 127.0.0.1, port 0) and against small
// misbehaving servers.
#include "registry/brp_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "brp_sim.h"
#include "http/server.h"
#include "registry/brp_json.h"

namespace volmacht {
namespace {

using Json = nlohmann::json;

Bsn B(std::string_view s) {
  auto b = Bsn::Parse(s);
  EXPECT_TRUE(b.has_value()) << s;
  return *b;
}

std::string UrlOf(const http::HttpServer& srv) {
  return "http://127.0.0.1:" + std::to_string(srv.port());
}

// A brp-sim serving data/brp-fixture.json. The sim outlives the server that calls into it.
struct RunningSim {
  std::unique_ptr<brpsim::BrpSim> sim;
  std::unique_ptr<http::HttpServer> srv;
  bool stopped = false;

  explicit RunningSim(brpsim::FailMode mode = brpsim::FailMode::kNone, std::string key = "") {
    auto loaded = brpsim::BrpSim::FromFile(VOLMACHT_BRP_FIXTURE);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    sim = std::make_unique<brpsim::BrpSim>(std::move(*loaded));
    sim->set_fail_mode(mode);
    sim->set_api_key(std::move(key));
    http::ServerConfig cfg;
    cfg.io_threads = 1;
    cfg.worker_threads = 1;
    srv = std::make_unique<http::HttpServer>(cfg);
    sim->Mount(*srv);
    srv->Start();
  }
  ~RunningSim() { Stop(); }
  void Stop() {
    if (!stopped) srv->Stop();
    stopped = true;
  }
  std::string url() const { return UrlOf(*srv); }
};

BrpClient ClientFor(const std::string& url,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5),
                    std::string key = "") {
  BrpClientConfig cfg;
  cfg.base_url = url;
  cfg.timeout = timeout;
  cfg.api_key = std::move(key);
  return BrpClient(cfg);
}

TEST(BrpClient, FindsAPerson) {
  RunningSim sim;
  BrpClient brp = ClientFor(sim.url() + "/");  // a trailing slash is tolerated
  auto r = brp.Find(B("999900006"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  const Person& p = **r;
  EXPECT_EQ(p.bsn.str(), "999900006");
  EXPECT_EQ(p.full_name, "Anna Maria de Vries");
  EXPECT_EQ(p.prefix, "de");
  EXPECT_EQ(p.birth.year, 1985);
  EXPECT_EQ(p.birth.month, 4);
  EXPECT_EQ(p.birth.day, 12);
  ASSERT_TRUE(p.address.has_value());
  EXPECT_EQ(p.address->lines,
            (std::vector<std::string>{"Keizersgracht 123", "1015 CJ  AMSTERDAM"}));
}

TEST(BrpClient, UnknownBsnIsNullopt) {
  RunningSim sim;
  BrpClient brp = ClientFor(sim.url());
  auto r = brp.Find(B("999900195"));  // valid, not in the fixture
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->has_value());
}

TEST(BrpClient, EveryFixturePersonComesThroughTheSim) {
  RunningSim sim;
  BrpClient brp = ClientFor(sim.url());
  int found = 0, deceased = 0, curatele = 0, abroad = 0, secret = 0;
  for (const char* bsn : {"999900006", "999900018", "999900031", "999900043", "999900055",
                          "999900067", "999900079", "999900080", "999900092", "999900109",
                          "999900110", "999900122", "999900134", "999900146", "999900158",
                          "999900171", "999900183"}) {
    auto r = brp.Find(B(bsn));
    ASSERT_TRUE(r.has_value()) << bsn << ": " << r.error().message;
    ASSERT_TRUE(r->has_value()) << bsn;
    const Person& p = **r;
    ++found;
    EXPECT_TRUE(p.address.has_value()) << bsn;
    deceased += p.deceased;
    curatele += p.under_curatele;
    abroad += p.address && p.address->abroad;
    secret += p.secret_address;
  }
  EXPECT_EQ(found, 17);
  EXPECT_EQ(deceased, 2);
  EXPECT_EQ(curatele, 1);
  EXPECT_EQ(abroad, 1);
  EXPECT_EQ(secret, 1);
}

TEST(BrpClient, SendsTheApiKey) {
  RunningSim sim(brpsim::FailMode::kNone, "s3cret");
  auto ok = ClientFor(sim.url(), std::chrono::seconds(5), "s3cret").Find(B("999900006"));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_TRUE(ok->has_value());
  // A refused key is a configuration fault, not an outage: 401 -> bad gateway.
  auto bad = ClientFor(sim.url(), std::chrono::seconds(5), "wrong").Find(B("999900006"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kBadGateway);
}

TEST(BrpClient, RegisterAnswering503IsUnavailable) {
  RunningSim sim(brpsim::FailMode::kDown);
  auto r = ClientFor(sim.url()).Find(B("999900006"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(BrpClient, ClosedPortIsUnavailable) {
  RunningSim sim;
  const std::string url = sim.url();
  sim.Stop();
  auto r = ClientFor(url).Find(B("999900006"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message.find("999900006"), std::string::npos);
}

TEST(BrpClient, GarbageIsBadGateway) {
  RunningSim sim(brpsim::FailMode::kGarbage);
  auto r = ClientFor(sim.url()).Find(B("999900006"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadGateway);
}

TEST(BrpClient, SlowRegisterTimesOutAsUnavailable) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  http::ServerConfig cfg;
  cfg.io_threads = 1;
  cfg.worker_threads = 1;
  http::HttpServer srv(cfg);
  // The handler holds the answer until the client has given up; no sleeping involved.
  srv.Route("POST", "/personen", http::Mode::kBlocking, [released](const http::Request&) {
    released.wait();
    http::Response r;
    r.body = R"({"type":"RaadpleegMetBurgerservicenummer","personen":[]})";
    return r;
  });
  srv.Start();
  auto r = ClientFor(UrlOf(srv), std::chrono::milliseconds(200)).Find(B("999900006"));
  release.set_value();
  srv.Stop();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

// A register that answers whatever status / content type / body the test sets.
class ScriptedRegister {
 public:
  ScriptedRegister() {
    http::ServerConfig cfg;
    cfg.io_threads = 1;
    cfg.worker_threads = 1;
    srv_ = std::make_unique<http::HttpServer>(cfg);
    srv_->Route("POST", "/personen", http::Mode::kInline, [this](const http::Request& req) {
      std::lock_guard lock(mu_);
      last_request_ = req;
      return answer_;
    });
    srv_->Start();
  }
  ~ScriptedRegister() { srv_->Stop(); }
  void Answer(http::Response r) {
    std::lock_guard lock(mu_);
    answer_ = std::move(r);
  }
  http::Request last_request() {
    std::lock_guard lock(mu_);
    return last_request_;
  }
  std::string url() const { return UrlOf(*srv_); }

 private:
  std::mutex mu_;
  http::Response answer_;
  http::Request last_request_;
  std::unique_ptr<http::HttpServer> srv_;
};

TEST(BrpClient, StatusMapping) {
  ScriptedRegister reg;
  BrpClient brp = ClientFor(reg.url());
  const std::string problem = R"({"status":0,"title":"x"})";
  for (int status : {500, 502, 503, 504, 429}) {
    reg.Answer({status, "application/problem+json", problem, {}});
    auto r = brp.Find(B("999900006"));
    ASSERT_FALSE(r.has_value()) << status;
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << status;
  }
  for (int status : {201, 204, 301, 400, 401, 403, 404, 406, 415}) {
    reg.Answer({status, "application/problem+json", problem, {}});
    auto r = brp.Find(B("999900006"));
    ASSERT_FALSE(r.has_value()) << status;
    EXPECT_EQ(r.error().code, ErrorCode::kBadGateway) << status;
  }
}

TEST(BrpClient, RequiresJsonContentType) {
  ScriptedRegister reg;
  BrpClient brp = ClientFor(reg.url());
  const std::string empty = R"({"type":"RaadpleegMetBurgerservicenummer","personen":[]})";
  reg.Answer({200, "text/html", empty, {}});
  auto r = brp.Find(B("999900006"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadGateway);
  reg.Answer({200, "application/json; charset=utf-8", empty, {}});
  r = brp.Find(B("999900006"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->has_value());
}

TEST(BrpClient, OversizedAnswerIsBadGateway) {
  ScriptedRegister reg;
  BrpClient brp = ClientFor(reg.url());
  std::string big = R"({"type":"RaadpleegMetBurgerservicenummer","personen":[]})";
  big += std::string(volmacht::brp::kMaxResponseBytes, ' ');
  reg.Answer({200, "application/json", big, {}});
  auto r = brp.Find(B("999900006"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadGateway);
}

TEST(BrpClient, AnswerForAnotherPersonIsBadGateway) {
  ScriptedRegister reg;
  BrpClient brp = ClientFor(reg.url());
  Json other = {{"type", "RaadpleegMetBurgerservicenummer"},
                {"personen", {{{"burgerservicenummer", "999900018"},
                               {"naam", {{"geslachtsnaam", "Berg"}}}}}}};
  reg.Answer({200, "application/json", other.dump(), {}});
  auto r = brp.Find(B("999900006"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadGateway);
}

TEST(BrpClient, BsnTravelsOnlyInTheBody) {
  ScriptedRegister reg;
  reg.Answer({200, "application/json",
              R"({"type":"RaadpleegMetBurgerservicenummer","personen":[]})", {}});
  BrpClient brp = ClientFor(reg.url(), std::chrono::seconds(5), "k");
  ASSERT_TRUE(brp.Find(B("999900006")).has_value());
  http::Request req = reg.last_request();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/personen");
  EXPECT_EQ(req.query, "");
  EXPECT_EQ(req.Header("x-api-key"), "k");
  EXPECT_EQ(req.Header("content-type").rfind("application/json", 0), 0u);
  Json body = Json::parse(req.body);
  EXPECT_EQ(body["burgerservicenummer"], Json::array({"999900006"}));
}

}  // namespace
}  // namespace volmacht
