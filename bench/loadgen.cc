// loadgen: a closed-loop HTTPS load client with client certificates (mutual TLS), keep-alive,
// and exact latency percentiles. wrk cannot present a client certificate, so the side-by-side
// benchmark uses this one client against both volmacht and nginx.
//
//   loadgen --url https://127.0.0.1:8443/api/v1/verificaties --ca ca.pem --cert c.pem
//           --key c-key.pem --connections 64 --seconds 10 --bodies bodies.txt
//
// Each connection sends one request, waits for the answer, sends the next. With --bodies,
// requests are POSTs whose bodies cycle through the lines of the file; without, GETs.
// Prints one line of key=value figures (requests/s, p50, p99, p99.9 in ms, errors).
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8443";
  std::string target = "/";
  std::string ca, cert, key, bodies_file;
  int connections = 64;
  int threads = 1;
  double seconds = 10;
  double warmup = 2;
};

struct Shared {
  std::vector<std::string> bodies;
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
};

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(asio::io_context& io, asio::ssl::context& ctx, const Options& o, Shared& s, int id)
      : stream_(io, ctx), resolver_(io), o_(o), s_(s), next_(static_cast<size_t>(id)) {}

  void Start() {
    resolver_.async_resolve(o_.host, o_.port, [self = shared_from_this()](auto ec, auto r) {
      if (ec) return self->Fail("resolve", ec);
      beast::get_lowest_layer(self->stream_).async_connect(r, [self](auto ec2, auto) {
        if (ec2) return self->Fail("connect", ec2);
        beast::get_lowest_layer(self->stream_).socket().set_option(tcp::no_delay(true));
        self->stream_.async_handshake(asio::ssl::stream_base::client, [self](auto ec3) {
          if (ec3) return self->Fail("handshake", ec3);
          self->Send();
        });
      });
    });
  }

  std::vector<double> latencies_ms;
  uint64_t errors = 0;

 private:
  void Fail(const char* what, beast::error_code ec) {
    if (!s_.stop) std::fprintf(stderr, "loadgen: %s: %s\n", what, ec.message().c_str());
    ++errors;
  }

  void Send() {
    if (s_.stop) return;
    req_ = {};
    req_.version(11);
    req_.target(o_.target);
    req_.set(http::field::host, o_.host);
    if (s_.bodies.empty()) {
      req_.method(http::verb::get);
    } else {
      req_.method(http::verb::post);
      req_.set(http::field::content_type, "application/json");
      req_.body() = s_.bodies[next_++ % s_.bodies.size()];
    }
    req_.prepare_payload();
    started_ = Clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](auto ec, size_t) {
      if (ec) return self->Fail("write", ec);
      self->res_ = {};
      http::async_read(self->stream_, self->buf_, self->res_, [self](auto ec2, size_t) {
        if (ec2) return self->Fail("read", ec2);
        if (self->res_.result_int() != 200) ++self->errors;
        if (self->s_.measuring) {
          self->latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - self->started_).count());
        }
        self->Send();
      });
    });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  tcp::resolver resolver_;
  const Options& o_;
  Shared& s_;
  size_t next_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buf_;
  Clock::time_point started_;
};

bool ParseUrl(const std::string& url, Options* o) {
  const std::string p = "https://";
  if (url.rfind(p, 0) != 0) return false;
  std::string rest = url.substr(p.size());
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  o->target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  o->host = hostport.substr(0, colon);
  o->port = hostport.substr(colon + 1);
  return true;
}

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--url") {
      if (!ParseUrl(v, &o)) return std::fprintf(stderr, "bad --url\n"), 2;
    } else if (k == "--ca") o.ca = v;
    else if (k == "--cert") o.cert = v;
    else if (k == "--key") o.key = v;
    else if (k == "--bodies") o.bodies_file = v;
    else if (k == "--connections") o.connections = std::atoi(v.c_str());
    else if (k == "--threads") o.threads = std::atoi(v.c_str());
    else if (k == "--seconds") o.seconds = std::atof(v.c_str());
    else if (k == "--warmup") o.warmup = std::atof(v.c_str());
    else return std::fprintf(stderr, "unknown option %s\n", k.c_str()), 2;
  }
  Shared shared;
  if (!o.bodies_file.empty()) {
    std::ifstream in(o.bodies_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) shared.bodies.push_back(line);
    }
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(o.ca);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  if (!o.cert.empty()) {
    ctx.use_certificate_chain_file(o.cert);
    ctx.use_private_key_file(o.key, asio::ssl::context::pem);
  }
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<std::shared_ptr<Conn>> conns;
  for (int t = 0; t < o.threads; ++t) ios.push_back(std::make_unique<asio::io_context>());
  for (int c = 0; c < o.connections; ++c) {
    auto conn = std::make_shared<Conn>(*ios[static_cast<size_t>(c % o.threads)], ctx, o, shared,
                                       c * 7919);
    conns.push_back(conn);
    conn->Start();
  }
  std::vector<std::thread> threads;
  for (auto& io : ios) threads.emplace_back([&io] { io->run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  shared.measuring = true;
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  shared.measuring = false;
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  shared.stop = true;
  for (auto& io : ios) io->stop();
  for (auto& t : threads) t.join();

  std::vector<double> all;
  uint64_t errors = 0;
  for (auto& c : conns) {
    all.insert(all.end(), c->latencies_ms.begin(), c->latencies_ms.end());
    errors += c->errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return 0.0;
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(all.size() - 1));
    return all[i];
  };
  std::printf("requests=%zu seconds=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f "
              "errors=%llu\n",
              all.size(), elapsed, static_cast<double>(all.size()) / elapsed, pct(50), pct(99),
              pct(99.9), static_cast<unsigned long long>(errors));
  return errors > 0 ? 1 : 0;
}
