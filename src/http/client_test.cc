#include "http/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "dev_certs.h"
#include "http/server.h"
#include "http/test_support.h"

namespace volmacht::http {
namespace {

using testing::TempDir;

// A socket that listens but never answers: the kernel completes the TCP handshake and
// queues the request, nobody reads it.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

uint16_t ClosedPort() {
  SilentServer s;
  return s.port();  // closed again when s goes
}

// The calls end because the deadline passed (the reason says so), not because the peer did
// something: a silent server never answers, so without the timeout the call would hang.
TEST(HttpClientTest, TimesOutAgainstSilentServer) {
  SilentServer silent;
  HttpClient client(ClientConfig{std::chrono::milliseconds(300)});
  auto r = client.Send("GET", "http://127.0.0.1:" + std::to_string(silent.port()) + "/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().reason, kReasonTimeout) << r.error().message;
}

TEST(HttpClientTest, TlsHandshakeTimesOutAgainstSilentServer) {
  SilentServer silent;
  HttpClient client(ClientConfig{std::chrono::milliseconds(300)});
  auto r = client.Send("GET", "https://127.0.0.1:" + std::to_string(silent.port()) + "/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().reason, kReasonTimeout) << r.error().message;
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  uint16_t port = ClosedPort();
  HttpClient client(ClientConfig{});
  auto r = client.Send("GET", "http://127.0.0.1:" + std::to_string(port) + "/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().reason, kReasonTimeout);  // refused at once, not timed out
}

TEST(HttpClientTest, MalformedUrlsAreInvalid) {
  HttpClient client(ClientConfig{});
  for (const char* url : {"", "not a url", "ftp://127.0.0.1/x", "http:///path",
                          "http://user:pw@127.0.0.1/", "http://127.0.0.1:99999/"}) {
    auto r = client.Send("GET", url, "");
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url;
  }
}

TEST(HttpClientTest, HeaderInjectionIsInvalid) {
  HttpClient client(ClientConfig{});
  auto r = client.Send("GET", "http://127.0.0.1:1/", "", {{"X-A", "a\r\nX-B: b"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  r = client.Send("GET", "http://127.0.0.1:1/", "", {{"Bad Name", "v"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  r = client.Send("GE T", "http://127.0.0.1:1/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

class ClientAgainstServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Route("GET", "/big", Mode::kInline, [](const Request&) {
      Response r;
      r.body = std::string(2000, 'z');
      r.headers.emplace_back("X-Mixed-Case", "Value");
      return r;
    });
    server_.Route("POST", "/echo", Mode::kInline, [](const Request& req) {
      Response r;
      r.body = req.method + " " + req.Header("content-type") + " " + req.body;
      return r;
    });
    server_.Start();
  }
  void TearDown() override { server_.Stop(); }
  std::string Url(std::string_view path) {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + std::string(path);
  }
  HttpServer server_{ServerConfig{}};
};

TEST_F(ClientAgainstServerTest, ResponseOverLimitIsTooLarge) {
  ClientConfig cfg;
  cfg.max_response = 1999;
  HttpClient small(cfg);
  auto r = small.Send("GET", Url("/big"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  cfg.max_response = 2000;
  HttpClient exact(cfg);
  r = exact.Send("GET", Url("/big"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body.size(), 2000u);
  EXPECT_EQ(r->Header("x-mixed-case"), "Value");
}

TEST_F(ClientAgainstServerTest, SendsBodyAndHeaders) {
  HttpClient client(ClientConfig{});
  auto r = client.Send("POST", Url("/echo"), "{\"a\":1}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST application/json {\"a\":1}");
}

TEST_F(ClientAgainstServerTest, UsableFromManyThreadsAtOnce) {
  HttpClient client(ClientConfig{});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = client.Send("POST", Url("/echo"), std::to_string(t));
        if (r && r->body == "POST  " + std::to_string(t)) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST(HttpClientTlsTest, UnreadableClientCertFailsHttpsOnly) {
  ClientConfig cfg;
  cfg.cert_file = "/nonexistent/client.pem";
  cfg.key_file = "/nonexistent/client-key.pem";
  HttpClient client(cfg);
  auto r = client.Send("GET", "https://127.0.0.1:1/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("client certificate"), std::string::npos);
}

TEST(HttpClientTlsTest, HostNameMustMatchServerCertificate) {
  TempDir pki;
  ASSERT_TRUE(devcerts::MakeDevCerts(pki.path(), {"other.test"}, {}));
  ServerConfig cfg;
  cfg.tls = true;
  cfg.tls_config.cert_file = pki.path() + "/server.pem";
  cfg.tls_config.key_file = pki.path() + "/server-key.pem";
  HttpServer server(cfg);
  server.Route("GET", "/", Mode::kInline, [](const Request&) { return Response{}; });
  server.Start();
  ClientConfig ccfg;
  ccfg.ca_file = pki.path() + "/ca.pem";
  HttpClient client(ccfg);
  std::string port = std::to_string(server.port());
  // "localhost" is not in the certificate: refused although the CA is trusted.
  auto r = client.Send("GET", "https://localhost:" + port + "/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  // 127.0.0.1 is (as IP SAN).
  r = client.Send("GET", "https://127.0.0.1:" + port + "/", "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  server.Stop();
}

}  // namespace
}  // namespace volmacht::http
