#include "http/server.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "http/client.h"
#include "dev_certs.h"
#include "http/test_support.h"

namespace volmacht::http {
namespace {

using testing::RawConn;
using testing::TempDir;

constexpr char kOin[] = "00000001001234567000";

Response Text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

std::string Url(const HttpServer& s, std::string_view path, std::string_view scheme = "http",
                std::string_view host = "127.0.0.1") {
  return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(s.port()) +
         std::string(path);
}

// ---------------------------------------------------------------------------------------
// Plain HTTP.

class PlainServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig cfg;
    cfg.io_threads = 1;
    cfg.worker_threads = 2;
    cfg.max_body = 1024;
    cfg.server_header = "volmacht-test";
    server_ = std::make_unique<HttpServer>(cfg);
    server_->Route("GET", "/items/{id}/parts/{part}", Mode::kInline, [](const Request& r) {
      return Text(r.path_params.at(0) + "|" + r.path_params.at(1) + "|" + r.query);
    });
    server_->Route("GET", "/items", Mode::kInline, [](const Request&) {
      Response r = Text("list");
      r.headers.emplace_back("X-Extra", "yes");
      return r;
    });
    server_->Route("DELETE", "/items", Mode::kInline, [](const Request&) { return Text("del"); });
    server_->Route("POST", "/echo", Mode::kInline, [](const Request& r) {
      return Text(std::to_string(r.body.size()) + ":" + r.Header("x-tag"));
    });
    server_->Route("GET", "/boom", Mode::kInline,
                   [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
    server_->Route("GET", "/problem", Mode::kInline, [](const Request&) {
      return Problem(422, "Unprocessable", "say \"why\"", R"([{"name":"x","reason":"y"}])");
    });
    server_->Route("GET", "/bad-header", Mode::kInline, [](const Request&) {
      Response r = Text("x");
      r.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: b");
      return r;
    });
    server_->Route("GET", "/where", Mode::kInline, [this](const Request&) {
      std::lock_guard lock(mu_);
      inline_thread_ = std::this_thread::get_id();
      return Text("inline");
    });
    server_->Route("GET", "/where-blocking", Mode::kBlocking, [this](const Request&) {
      std::lock_guard lock(mu_);
      blocking_thread_ = std::this_thread::get_id();
      return Text("blocking");
    });
    server_->Start();
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<HttpServer> server_;
  HttpClient client_{ClientConfig{}};
  std::mutex mu_;
  std::thread::id inline_thread_;
  std::thread::id blocking_thread_;
};

TEST_F(PlainServerTest, RoutesWithParamsAndQuery) {
  auto r = client_.Send("GET", Url(*server_, "/items/42/parts/wheel%20nut?color=red&x=1"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "42|wheel nut|color=red&x=1");
  EXPECT_EQ(r->Header("content-type"), "text/plain");
  EXPECT_EQ(r->Header("server"), "volmacht-test");
}

TEST_F(PlainServerTest, HandlerHeadersAreSent) {
  auto r = client_.Send("GET", Url(*server_, "/items"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "list");
  EXPECT_EQ(r->Header("x-extra"), "yes");
  EXPECT_EQ(r->Header("server"), "volmacht-test");
  std::string date = r->Header("date");  // e.g. "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(date.size(), 29u) << date;
  EXPECT_TRUE(date.ends_with(" GMT")) << date;
}

TEST_F(PlainServerTest, ExpectContinueIsAnswered) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.Send("hello"));
  std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 200", 0), 0u) << resp;
  EXPECT_TRUE(resp.ends_with("\r\n\r\n5:")) << resp;
}

TEST_F(PlainServerTest, ExpectContinueOverLimitIs413WithoutContinue) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp;
}

TEST_F(PlainServerTest, UnknownPathIs404Problem) {
  auto r = client_.Send("GET", Url(*server_, "/nope"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_NE(r->body.find("\"status\":404"), std::string::npos) << r->body;
  EXPECT_EQ(r->Header("server"), "volmacht-test");
}

TEST_F(PlainServerTest, OtherMethodIs405WithAllow) {
  auto r = client_.Send("PUT", Url(*server_, "/items"), "x");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET, DELETE");
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_NE(r->body.find("\"status\":405"), std::string::npos) << r->body;
}

TEST_F(PlainServerTest, BadPathEscapeIs400) {
  // By hand: HttpClient refuses to send such a URL at all.
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("GET /items/%zz/parts/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
  EXPECT_NE(resp.find("application/problem+json"), std::string::npos) << resp;
}

TEST_F(PlainServerTest, ProblemBodyCarriesInvalidParams) {
  auto r = client_.Send("GET", Url(*server_, "/problem"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_EQ(r->body,
            R"({"type":"about:blank","title":"Unprocessable","status":422,)"
            R"("detail":"say \"why\"","invalidParams":[{"name":"x","reason":"y"}]})");
}

TEST_F(PlainServerTest, ThrowingHandlerGives500AndServerCarriesOn) {
  auto r = client_.Send("GET", Url(*server_, "/boom"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_EQ(r->body.find("kaboom"), std::string::npos) << "no internals in the answer";
  r = client_.Send("GET", Url(*server_, "/items"), "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(PlainServerTest, HeaderInjectionByHandlerBecomes500) {
  auto r = client_.Send("GET", Url(*server_, "/bad-header"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("set-cookie"), "");
}

TEST_F(PlainServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send("GET /items/" + std::to_string(i) +
                       "/parts/p HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string resp = c.ReadResponse();
    ASSERT_FALSE(resp.empty()) << "connection closed at request " << i;
    EXPECT_EQ(resp.rfind("HTTP/1.1 200", 0), 0u) << resp;
    EXPECT_NE(resp.find(std::to_string(i) + "|p|"), std::string::npos) << resp;
  }
  // Connection: close is honoured: answer, then the server hangs up.
  ASSERT_TRUE(c.Send("GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string last = c.ReadResponse();
  EXPECT_EQ(last.rfind("HTTP/1.1 200", 0), 0u) << last;
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(PlainServerTest, HeadAnswerHasNoBodyAndTheConnectionGoesOn) {
  RawConn c(server_->port());
  // HEAD is not routed here: the 405 problem's headers, with its length, and no body.
  ASSERT_TRUE(c.Send("HEAD /items HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string head = c.ReadHead();
  EXPECT_EQ(head.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nContent-Type: application/problem+json\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: "), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nContent-Length: 0\r\n"), std::string::npos) << head;
  // Had a body followed, this answer would start with it.
  ASSERT_TRUE(c.Send("GET /items HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string next = c.ReadResponse();
  EXPECT_EQ(next.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << next;
  EXPECT_TRUE(next.ends_with("\r\n\r\nlist")) << next;
}

TEST_F(PlainServerTest, Http10KeepsAliveOnlyWhenAsked) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("GET /items HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::string first = c.ReadResponse();
  EXPECT_EQ(first.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << first;
  EXPECT_NE(first.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << first;
  ASSERT_TRUE(c.Send("GET /items HTTP/1.0\r\n\r\n"));
  std::string second = c.ReadResponse();
  EXPECT_EQ(second.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << second;
  EXPECT_EQ(second.find("Connection:"), std::string::npos) << second;
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(PlainServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("GET /items/1/parts/a HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /items/2/parts/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(c.ReadResponse().find("1|a|"), std::string::npos);
  EXPECT_NE(c.ReadResponse().find("2|b|"), std::string::npos);
}

TEST_F(PlainServerTest, BodyAtLimitIsAccepted) {
  auto r = client_.Send("POST", Url(*server_, "/echo"), std::string(1024, 'a'),
                        {{"X-Tag", "t1"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "1024:t1");
}

TEST_F(PlainServerTest, BodyOverLimitIs413) {
  auto r = client_.Send("POST", Url(*server_, "/echo"), std::string(1025, 'a'));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_EQ(r->Header("connection"), "close");
}

TEST_F(PlainServerTest, LargeBodyOverLimitIs413NotReset) {
  // Far more than the limit, so the server answers while the client is still sending.
  auto r = client_.Send("POST", Url(*server_, "/echo"), std::string(512 * 1024, 'a'));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 413);
}

TEST_F(PlainServerTest, ChunkedBodyOverLimitIs413) {
  RawConn c(server_->port());
  std::string chunk(600, 'b');
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp;
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(PlainServerTest, OversizedHeadersAreRefused) {
  auto r = client_.Send("GET", Url(*server_, "/items"), "", {{"X-Big", std::string(9000, 'h')}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  // Just under the limit still works.
  r = client_.Send("GET", Url(*server_, "/items"), "", {{"X-Big", std::string(7000, 'h')}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

TEST_F(PlainServerTest, GarbageIs400AndClosed) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(PlainServerTest, BlockingHandlerRunsOffTheIoThread) {
  auto a = client_.Send("GET", Url(*server_, "/where"), "");
  auto b = client_.Send("GET", Url(*server_, "/where-blocking"), "");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "inline");
  EXPECT_EQ(b->body, "blocking");
  std::lock_guard lock(mu_);
  EXPECT_NE(inline_thread_, std::thread::id());
  EXPECT_NE(blocking_thread_, std::thread::id());
  EXPECT_NE(inline_thread_, blocking_thread_);
  EXPECT_NE(inline_thread_, std::this_thread::get_id());
}

TEST(ServerBlockingTest, WaitingBlockingHandlerDoesNotStallTheIoThread) {
  ServerConfig cfg;
  cfg.io_threads = 1;
  cfg.worker_threads = 1;
  HttpServer server(cfg);
  std::promise<void> released;
  std::shared_future<void> release = released.get_future().share();
  // The blocking handler waits until an inline request has been served by the single I/O
  // thread; if it ran on that thread, the wait would time out and answer 504.
  server.Route("GET", "/wait", Mode::kBlocking, [release](const Request&) {
    if (release.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      return Problem(504, "waited", "never released");
    }
    return Text("released");
  });
  server.Route("GET", "/release", Mode::kInline, [&released](const Request&) {
    released.set_value();
    return Text("ok");
  });
  server.Start();
  HttpClient client(ClientConfig{std::chrono::seconds(20)});
  auto waiting = std::async(std::launch::async, [&] {
    return client.Send("GET", Url(server, "/wait"), "");
  });
  auto rel = client.Send("GET", Url(server, "/release"), "");
  ASSERT_TRUE(rel) << rel.error().message;
  auto w = waiting.get();
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->status, 200);
  EXPECT_EQ(w->body, "released");
  server.Stop();
}

// A listener's renderer answers the server's own errors (a web listener: HTML pages), for
// every kind: unknown path, wrong method, too large a body; the reason is still set.
TEST(ServerRefusalTest, TheListenersRendererAnswersTheServersOwnErrors) {
  ServerConfig cfg;
  cfg.max_body = 16;
  std::vector<std::string> reasons;
  std::mutex mu;
  cfg.render_refusal = [&](const ServerRefusal& r) {
    std::lock_guard lock(mu);
    reasons.emplace_back(r.reason);
    Response out;
    out.status = r.status;
    out.content_type = "text/html; charset=utf-8";
    out.body = "<p>" + std::to_string(r.status) + " " + std::string(r.request_id) + "</p>";
    return out;
  };
  HttpServer server(cfg);
  server.Route("POST", "/x", Mode::kInline, [](const Request&) { return Text("x"); });
  server.Start();
  HttpClient client{ClientConfig{}};
  auto missing = client.Send("GET", Url(server, "/nope"), "");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(missing->body.rfind("<p>404 urn:uuid:", 0), 0u) << missing->body;
  auto method = client.Send("GET", Url(server, "/x"), "");
  ASSERT_TRUE(method);
  EXPECT_EQ(method->status, 405);
  EXPECT_EQ(method->Header("allow"), "POST");
  EXPECT_EQ(method->body.rfind("<p>405 ", 0), 0u) << method->body;
  auto large = client.Send("POST", Url(server, "/x"), std::string(100, 'a'));
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413);
  EXPECT_EQ(large->body.rfind("<p>413 ", 0), 0u) << large->body;
  server.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(reasons, (std::vector<std::string>{"http.not_found", "http.method_not_allowed",
                                               "http.body_too_large"}));
}

TEST(ServerStopTest, StopWithOpenKeepAliveConnectionsReturns) {
  ServerConfig cfg;
  cfg.io_threads = 2;
  HttpServer server(cfg);
  server.Route("GET", "/x", Mode::kInline, [](const Request&) { return Text("x"); });
  server.Start();
  std::vector<std::unique_ptr<RawConn>> conns;
  for (int i = 0; i < 4; ++i) {
    conns.push_back(std::make_unique<RawConn>(server.port()));
    ASSERT_TRUE(conns.back()->Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_FALSE(conns.back()->ReadResponse().empty());
  }
  // One connection that never sent anything at all.
  RawConn silent(server.port());
  ASSERT_TRUE(silent.connected());
  server.Stop();
  for (auto& c : conns) EXPECT_TRUE(c->ReadsEof());
  EXPECT_TRUE(silent.ReadsEof());
  // No longer listening.
  RawConn after(server.port());
  EXPECT_FALSE(after.connected());
}

TEST(ServerStopTest, InFlightBlockingRequestIsAnsweredDuringStop) {
  ServerConfig cfg;
  cfg.io_threads = 1;
  HttpServer server(cfg);
  std::promise<void> entered;
  std::promise<void> released;
  std::shared_future<void> release = released.get_future().share();
  server.Route("GET", "/slow", Mode::kBlocking, [&entered, release](const Request&) {
    entered.set_value();
    release.wait();
    return Text("done");
  });
  server.Start();
  HttpClient client(ClientConfig{std::chrono::seconds(20)});
  auto call = std::async(std::launch::async,
                         [&] { return client.Send("GET", Url(server, "/slow"), ""); });
  entered.get_future().wait();
  std::thread stopper([&server] { server.Stop(); });
  released.set_value();
  auto r = call.get();
  stopper.join();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
}

TEST(ServerStartTest, SoReusePortSharesOnePortOverIoThreads) {
  ServerConfig cfg;
  cfg.io_threads = 4;
  HttpServer server(cfg);
  std::mutex mu;
  std::set<std::thread::id> threads;
  server.Route("GET", "/t", Mode::kInline, [&](const Request&) {
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());
    return Text("t");
  });
  server.Start();
  HttpClient client(ClientConfig{});
  for (int i = 0; i < 40; ++i) {
    auto r = client.Send("GET", Url(server, "/t"), "");
    ASSERT_TRUE(r) << r.error().message;
  }
  server.Stop();
  // The kernel hashes connections over the acceptors; with 40 fresh connections the chance
  // that all land on one of four is 4 * (1/4)^40.
  EXPECT_GT(threads.size(), 1u);
}

TEST(ServerStartTest, BindFailureThrows) {
  ServerConfig cfg;
  cfg.address = "192.0.2.1";  // TEST-NET: not an address of this machine, so bind fails
  HttpServer server(cfg);
  EXPECT_THROW(server.Start(), std::runtime_error);
}

TEST(ServerStartTest, PortInUseThrowsDespiteReusePort) {
  ServerConfig cfg;
  HttpServer first(cfg);
  first.Route("GET", "/x", Mode::kInline, [](const Request&) { return Text("first"); });
  first.Start();
  cfg.port = first.port();
  HttpServer second(cfg);
  EXPECT_THROW(second.Start(), std::runtime_error);
  HttpClient client(ClientConfig{});
  for (int i = 0; i < 10; ++i) {
    auto r = client.Send("GET", Url(first, "/x"), "");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "first");
  }
  first.Stop();
}

TEST(ServerStartTest, MissingCertificateThrows) {
  ServerConfig cfg;
  cfg.tls = true;
  cfg.tls_config.cert_file = "/nonexistent/server.pem";
  cfg.tls_config.key_file = "/nonexistent/server-key.pem";
  HttpServer server(cfg);
  EXPECT_THROW(server.Start(), std::runtime_error);
}

// ---------------------------------------------------------------------------------------
// TLS and mutual TLS.

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir();
    other_ = new TempDir();
    ASSERT_TRUE(devcerts::MakeDevCerts(pki_->path(), {"localhost"},
                             {{"gemeente", "Gemeente Test", kOin}, {"anon", "Zonder OIN", ""}}));
    ASSERT_TRUE(devcerts::MakeDevCerts(other_->path(), {"other.test"},
                             {{"stranger", "Andere CA", "00000009999999999000"}}));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete other_;
  }

  void StartServer(bool mutual) {
    ServerConfig cfg;
    cfg.io_threads = 1;
    cfg.tls = true;
    cfg.tls_config.cert_file = P("server.pem");
    cfg.tls_config.key_file = P("server-key.pem");
    if (mutual) cfg.tls_config.client_ca_file = P("ca.pem");
    server_ = std::make_unique<HttpServer>(cfg);
    auto who = [this](const Request& r) {
      ++calls_;
      return Text(std::string(r.client_cert_serial) + "|" + std::string(r.client_cert_subject));
    };
    server_->Route("GET", "/whoami", Mode::kInline, who);
    server_->Route("GET", "/whoami-blocking", Mode::kBlocking, who);
    server_->Start();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  static std::string P(const std::string& f) { return pki_->path() + "/" + f; }
  static std::string O(const std::string& f) { return other_->path() + "/" + f; }
  static ClientConfig Client(std::string cert = "", std::string key = "",
                             std::string ca = P("ca.pem")) {
    ClientConfig c;
    c.timeout = std::chrono::seconds(5);
    c.ca_file = std::move(ca);
    c.cert_file = std::move(cert);
    c.key_file = std::move(key);
    return c;
  }

  static TempDir* pki_;
  static TempDir* other_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> calls_{0};
};
TempDir* TlsTest::pki_ = nullptr;
TempDir* TlsTest::other_ = nullptr;

TEST_F(TlsTest, MutualTlsHandsTheOinToTheHandler) {
  StartServer(true);
  HttpClient client(Client(P("gemeente.pem"), P("gemeente-key.pem")));
  for (const char* path : {"/whoami", "/whoami-blocking"}) {
    auto r = client.Send("GET", Url(*server_, path, "https", "localhost"), "");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    std::string serial = r->body.substr(0, r->body.find('|'));
    std::string subject = r->body.substr(r->body.find('|') + 1);
    EXPECT_EQ(serial, kOin);
    EXPECT_NE(subject.find("CN=Gemeente Test"), std::string::npos) << subject;
    EXPECT_NE(subject.find(kOin), std::string::npos) << subject;
  }
}

TEST_F(TlsTest, ClientCertWithoutOinGivesEmptySerial) {
  StartServer(true);
  HttpClient client(Client(P("anon.pem"), P("anon-key.pem")));
  auto r = client.Send("GET", Url(*server_, "/whoami", "https"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body.substr(0, r->body.find('|')), "");
  EXPECT_NE(r->body.find("CN=Zonder OIN"), std::string::npos) << r->body;
}

TEST_F(TlsTest, MutualTlsWithoutClientCertIsRefused) {
  StartServer(true);
  HttpClient client(Client());
  auto r = client.Send("GET", Url(*server_, "/whoami", "https"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(TlsTest, ClientCertFromAnotherCaIsRefused) {
  StartServer(true);
  HttpClient client(Client(O("stranger.pem"), O("stranger-key.pem")));
  auto r = client.Send("GET", Url(*server_, "/whoami", "https"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(TlsTest, ServerCertFromUntrustedCaIsRefusedByClient) {
  StartServer(false);
  HttpClient client(Client("", "", O("ca.pem")));
  auto r = client.Send("GET", Url(*server_, "/whoami", "https"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(TlsTest, ServerTlsWithoutClientAuthWorksWithoutCert) {
  StartServer(false);
  HttpClient client(Client());
  auto r = client.Send("GET", Url(*server_, "/whoami", "https", "localhost"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "|");
}

// Handshake with a bare OpenSSL client limited to [min, max]; true when it succeeds.
bool HandshakeWithVersions(uint16_t port, int min_version, int max_version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);  // let the client offer old versions at all
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  BIO* bio = BIO_new_ssl_connect(ctx);
  std::string host = "127.0.0.1:" + std::to_string(port);
  BIO_set_conn_hostname(bio, host.c_str());
  bool ok = BIO_do_handshake(bio) == 1;
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  return ok;
}

TEST_F(TlsTest, OnlyTls12AndUpAreAccepted) {
  StartServer(false);
  EXPECT_FALSE(HandshakeWithVersions(server_->port(), TLS1_VERSION, TLS1_1_VERSION));
  EXPECT_TRUE(HandshakeWithVersions(server_->port(), TLS1_2_VERSION, TLS1_2_VERSION));
  EXPECT_TRUE(HandshakeWithVersions(server_->port(), TLS1_3_VERSION, TLS1_3_VERSION));
}

TEST_F(TlsTest, PlainHttpOnTlsPortFails) {
  StartServer(false);
  HttpClient client(ClientConfig{std::chrono::seconds(5)});
  auto r = client.Send("GET", Url(*server_, "/whoami", "http"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(TlsTest, StopWithOpenTlsConnectionReturns) {
  StartServer(true);
  RawConn half_open(server_->port());  // TCP connected, handshake never started
  ASSERT_TRUE(half_open.connected());
  HttpClient client(Client(P("gemeente.pem"), P("gemeente-key.pem")));
  ASSERT_TRUE(client.Send("GET", Url(*server_, "/whoami", "https"), ""));
  server_->Stop();
  EXPECT_TRUE(half_open.ReadsEof());
  server_.reset();
}

}  // namespace
}  // namespace volmacht::http
