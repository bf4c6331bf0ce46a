// The server's log lines: one "http.request" line per answer, whose request id is the one the
// handler saw and the server's own problem answers carry as `instance`; no query strings, no
// BSN-shaped path segments, no exception texts.
#include "http/request_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/testing/log_capture.h"
#include "http/client.h"
#include "http/server.h"
#include "http/test_support.h"

namespace volmacht::http {
namespace {

using Json = nlohmann::json;
using volmacht::testing::LogCapture;
using volmacht::http::testing::RawConn;

constexpr char kBsn[] = "999993653";  // a valid BSN (11-proef)

class RequestLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig cfg;
    cfg.name = "test-listener";
    cfg.io_threads = 1;
    cfg.worker_threads = 1;
    cfg.max_body = 16;
    server_ = std::make_unique<HttpServer>(cfg);
    server_->Route("GET", "/items/{id}", Mode::kInline, [](const Request& r) {
      Response out;
      out.content_type = "text/plain";
      out.body = r.id;  // the handler sees the id the server logs
      return out;
    });
    server_->Route("POST", "/items", Mode::kBlocking, [](const Request& r) {
      Response out;
      out.status = 422;
      out.body = r.id;
      out.error_reason = "item.not_acceptable";
      return out;
    });
    server_->Route("GET", "/boom", Mode::kInline, [](const Request&) -> Response {
      throw std::runtime_error(std::string("secret text about ") + kBsn);
    });
    server_->Start();
  }
  void TearDown() override { server_->Stop(); }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }
  // Every line once the server has stopped (it logs a request after writing the answer).
  std::vector<Json> StopAndRead() {
    server_->Stop();
    std::vector<Json> out;
    for (const std::string& l : logs_.Lines()) out.push_back(Json::parse(l));
    return out;
  }
  static std::vector<Json> Requests(const std::vector<Json>& lines) {
    std::vector<Json> out;
    for (const Json& j : lines) {
      if (j["event"] == "http.request") out.push_back(j);
    }
    return out;
  }

  LogCapture logs_;  // before the server: it logs its start
  std::unique_ptr<HttpServer> server_;
  HttpClient client_{ClientConfig{}};
};

TEST_F(RequestLogTest, OneLinePerRequestWithTheIdTheHandlerSaw) {
  auto a = client_.Send("GET", Url("/items/42?bsn=" + std::string(kBsn) + "&x=1"), "");
  auto b = client_.Send("GET", Url("/items/43"), "");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->status, 200);
  EXPECT_TRUE(a->body.starts_with("urn:uuid:")) << a->body;
  EXPECT_EQ(a->body.size(), 9u + 36u) << a->body;
  EXPECT_NE(a->body, b->body) << "one id per request";

  std::vector<Json> lines = Requests(StopAndRead());
  ASSERT_EQ(lines.size(), 2u);
  const Json& j = lines[0];
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["listener"], "test-listener");
  EXPECT_EQ(j["request_id"], a->body);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/items/42") << "without the query string";
  EXPECT_EQ(j["status"], 200);
  EXPECT_TRUE(j["duration_ms"].is_number());
  EXPECT_GE(j["duration_ms"].get<double>(), 0.0);
  EXPECT_FALSE(j.contains("reason"));
  EXPECT_EQ(lines[1]["request_id"], b->body);
  for (const std::string& l : logs_.Lines()) {
    EXPECT_EQ(l.find(kBsn), std::string::npos) << l;
  }
}

TEST_F(RequestLogTest, TheServersProblemCarriesTheLoggedIdAsInstance) {
  auto r = client_.Send("GET", Url("/nothing/here"), "");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 404);
  std::string instance = Json::parse(r->body).at("instance");
  EXPECT_TRUE(instance.starts_with("urn:uuid:")) << instance;

  std::vector<Json> lines = Requests(StopAndRead());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["request_id"], instance);
  EXPECT_EQ(lines[0]["status"], 404);
  EXPECT_EQ(lines[0]["reason"], "http.not_found");
  EXPECT_EQ(lines[0]["path"], "/nothing/here");
}

TEST_F(RequestLogTest, TheHandlersErrorReasonIsLogged) {
  auto r = client_.Send("POST", Url("/items"), "{}");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 422);
  std::vector<Json> lines = Requests(StopAndRead());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["request_id"], r->body);
  EXPECT_EQ(lines[0]["reason"], "item.not_acceptable");
}

TEST_F(RequestLogTest, ARefusedBodyIsLoggedWithItsReasonAndInstance) {
  auto r = client_.Send("POST", Url("/items?q=1"), std::string(100, 'x'));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 413);
  std::string instance = Json::parse(r->body).at("instance");
  std::vector<Json> lines = Requests(StopAndRead());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["request_id"], instance);
  EXPECT_EQ(lines[0]["method"], "POST");
  EXPECT_EQ(lines[0]["path"], "/items");
  EXPECT_EQ(lines[0]["reason"], "http.body_too_large");
}

TEST_F(RequestLogTest, GarbageIsLoggedWithoutMethodOrPath) {
  std::string resp;
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
    resp = c.ReadResponse();
    // Hang up, so the server's read-away of the refused request ends now.
  }
  ASSERT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
  std::vector<Json> lines = Requests(StopAndRead());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["reason"], "http.malformed");
  EXPECT_EQ(lines[0]["method"], "");
  EXPECT_NE(resp.find(lines[0]["request_id"].get<std::string>()), std::string::npos);
}

TEST_F(RequestLogTest, ABsnShapedPathSegmentIsMasked) {
  auto r = client_.Send("GET", Url("/persons/" + std::string(kBsn) + "/x"), "");
  ASSERT_TRUE(r);
  std::vector<Json> lines = Requests(StopAndRead());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["path"], "/persons/*********/x");
}

TEST_F(RequestLogTest, AThrowingHandlerIsLoggedByTypeNotByText) {
  auto r = client_.Send("GET", Url("/boom"), "");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 500);
  std::vector<Json> lines = StopAndRead();
  bool threw = false;
  for (const Json& j : lines) {
    if (j["event"] != "http.handler_threw") continue;
    threw = true;
    EXPECT_EQ(j["level"], "error");
    EXPECT_EQ(j["exception"], "std::runtime_error");
    EXPECT_EQ(j["route"], "/boom");
  }
  EXPECT_TRUE(threw);
  std::vector<Json> req = Requests(lines);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0]["level"], "warn");
  EXPECT_EQ(req[0]["reason"], "http.handler_threw");
  for (const std::string& l : logs_.Lines()) {
    EXPECT_EQ(l.find("secret"), std::string::npos) << l;
    EXPECT_EQ(l.find(kBsn), std::string::npos) << l;
  }
}

TEST_F(RequestLogTest, StartAndStopAreLogged) {
  uint16_t port = server_->port();
  std::vector<Json> lines = StopAndRead();
  std::set<std::string> events;
  for (const Json& j : lines) {
    if (j["event"] != "http.start" && j["event"] != "http.stop") continue;
    events.insert(j["event"]);
    EXPECT_EQ(j["listener"], "test-listener");
    EXPECT_EQ(j["port"], port);
  }
  EXPECT_EQ(events, (std::set<std::string>{"http.start", "http.stop"}));
}

TEST(LoggablePath, MasksExactlyNineDigitRunsAndKeepsUuids) {
  EXPECT_EQ(LoggablePath("/a/999993653"), "/a/*********");
  EXPECT_EQ(LoggablePath("/a/x999993653y/12345678/1234567890"),
            "/a/x*********y/12345678/1234567890");
  for (std::string uuid : {"/m/12345678-1234-4234-8234-123456789012/_inzien",
                           "/m/12345678-1234-4234-8234-a123456789bc/_inzien"}) {
    EXPECT_EQ(LoggablePath(uuid), uuid);
  }
  EXPECT_EQ(LoggablePath("/m/12345678-1234-4234-8234-a123456789bcd"),
            "/m/12345678-1234-4234-8234-a*********bcd")
      << "not a UUID";
  EXPECT_EQ(LoggablePath(std::string(300, 'a')).size(), 256u);
}

TEST(RequestId, IsAVersion4UuidUrnAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 45u);
    ASSERT_TRUE(id.starts_with("urn:uuid:")) << id;
    EXPECT_EQ(id[9 + 14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[9 + 19]), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace volmacht::http
