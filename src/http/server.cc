#include "http/server.h"
#include "http/syntax.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <type_traits>

#include "common/log.h"
#include "http/request_log.h"
#include "http/router.h"

namespace volmacht::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Every await yields (error_code, ...) instead of throwing: a closed connection is routine,
// and exceptions on that path would cost throughput.
constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

constexpr size_t kHeaderLimit = 8 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxDrain = 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);     // keep-alive wait for a request
constexpr auto kRequestTimeout = std::chrono::seconds(10);  // one request, first byte to end
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kWriteTimeout = std::chrono::seconds(10);
constexpr auto kCloseTimeout = std::chrono::seconds(1);
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr auto kStopGrace = std::chrono::seconds(5);

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

Response MakeProblem(int status, std::string_view title, std::string_view detail,
                     std::string_view invalid_params_json, std::string_view instance) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  std::string& b = r.body;
  b.reserve(96 + title.size() + detail.size() + invalid_params_json.size() + instance.size());
  b += "{\"type\":\"about:blank\",\"title\":";
  AppendJsonString(b, title);
  b += ",\"status\":";
  b += std::to_string(status);
  b += ",\"detail\":";
  AppendJsonString(b, detail);
  if (!instance.empty()) {
    b += ",\"instance\":";
    AppendJsonString(b, instance);
  }
  if (!invalid_params_json.empty()) {
    b += ",\"invalidParams\":";
    b += invalid_params_json;
  }
  b += "}";
  return r;
}

// The default of an error answer the server makes itself: problem+json, the request id as
// `instance`, a reason for the log.
Response Refusal(std::string_view request_id, int status, std::string_view title,
                 std::string_view detail, std::string_view reason) {
  Response r = MakeProblem(status, title, detail, "", request_id);
  r.error_reason = reason;
  return r;
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

// The Date header (RFC 9110 6.6.1), formatted at most once a second per thread. Protocol
// plumbing, so it reads the system clock directly rather than through an injected Clock.
std::string_view HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t last = -1;
  thread_local std::array<char, 40> buf{};
  thread_local int len = 0;
  std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                        kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    last = now;
  }
  return {buf.data(), static_cast<size_t>(std::max(len, 0))};
}

// What the TLS handshake told us about the client.
struct Peer {
  std::string serial;
  std::string subject;
};

Peer ReadPeer(SSL* ssl) {
  Peer p;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return p;
  X509_NAME* name = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
  if (idx >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len > 0) p.serial.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      long len = BIO_get_mem_data(bio, &data);
      if (len > 0) p.subject.assign(data, static_cast<size_t>(len));
    }
    BIO_free(bio);
  }
  return p;
}

// One accepted connection, as seen by Stop(): idle connections are closed at once, busy
// ones (handler running or answer being written) finish their answer first.
struct Conn {
  tcp::socket* socket = nullptr;
  bool busy = false;
};

// One I/O thread with its own io_context and acceptor (SO_REUSEPORT: the kernel spreads
// connections over the acceptors, and no state is shared between threads on the hot path).
// Member order matters: the io_context is destroyed before `conns`, because destroying it
// destroys suspended sessions, which unregister themselves from `conns`.
struct IoUnit {
  std::list<Conn*> conns;  // touched only on this unit's thread
  bool stopping = false;   // likewise
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
};

}  // namespace

std::string Request::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view invalid_params_json) {
  return MakeProblem(status, title, detail, invalid_params_json, "");
}

struct HttpServer::Impl {
  ServerConfig cfg;
  Router router;
  std::optional<ssl::context> ssl_ctx;
  std::optional<asio::thread_pool> pool;
  std::vector<std::unique_ptr<IoUnit>> units;
  std::atomic<uint16_t> port{0};
  bool started = false;
  bool stopped = false;

  std::mutex mu;
  std::condition_variable cv;
  int running = 0;  // I/O threads still inside run()

  explicit Impl(ServerConfig c) : cfg(std::move(c)) {}

  void SetUpTls();
  void Bind();
  asio::awaitable<void> Accept(IoUnit& u);
  asio::awaitable<void> Session(IoUnit& u, tcp::socket socket);
  template <class Stream>
  asio::awaitable<void> Serve(IoUnit& u, Stream& stream, Conn& conn, const Peer& peer);
  template <class Stream>
  asio::awaitable<void> Close(Stream& stream, bool drain);
  asio::awaitable<Response> Dispatch(Request& req);
  Response Invoke(const Router::Route& route, const Request& req) const;
  // An error answer the server makes itself, by the listener's renderer.
  Response Refuse(std::string_view request_id, int status, std::string_view title,
                  std::string_view detail, std::string_view reason) const;
  void Build(Response& r, unsigned version, bool keep_alive, bool head,
             std::string_view request_id, std::string& wire) const;
  void StopUnits();
};

void HttpServer::Impl::SetUpTls() {
  const TlsConfig& t = cfg.tls_config;
  ssl_ctx.emplace(ssl::context::tls_server);
  SSL_CTX* ctx = ssl_ctx->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2: forward-secret AEAD suites only (TLS 1.3 suites are all of that kind).
  if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    throw std::runtime_error("http server: cannot set TLS 1.2 cipher list");
  }
  beast::error_code ec;
  ssl_ctx->use_certificate_chain_file(t.cert_file, ec);
  if (ec) throw std::runtime_error("http server: cannot load certificate: " + ec.message());
  ssl_ctx->use_private_key_file(t.key_file, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("http server: cannot load private key: " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    throw std::runtime_error("http server: private key does not match certificate");
  }
  // Needed for session resumption together with client verification.
  static constexpr unsigned char kSessionContext[] = "volmacht";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  if (!t.client_ca_file.empty()) {
    ssl_ctx->load_verify_file(t.client_ca_file, ec);
    if (ec) throw std::runtime_error("http server: cannot load client CA: " + ec.message());
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(t.client_ca_file.c_str());
    if (names == nullptr) throw std::runtime_error("http server: no client CA names");
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
    ssl_ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    SSL_CTX_set_verify_depth(ctx, 4);
  } else {
    ssl_ctx->set_verify_mode(ssl::verify_none);
  }
}

void HttpServer::Impl::Bind() {
  asio::ip::address addr = asio::ip::make_address(cfg.address);  // throws on a bad address
  uint16_t want = cfg.port;
  if (want != 0) {
    // SO_REUSEPORT would let us share a fixed port with another running server (ours or an
    // older copy) and silently get half its connections. A probe bound without it fails
    // when anyone listens there already.
    tcp::acceptor probe(units.front()->ioc);
    tcp::endpoint ep(addr, want);
    probe.open(ep.protocol());
    probe.set_option(asio::socket_base::reuse_address(true));
    beast::error_code ec;
    probe.bind(ep, ec);
    if (ec) {
      throw std::runtime_error("http server: cannot bind " + cfg.address + ":" +
                               std::to_string(want) + ": " + ec.message());
    }
  }
  for (auto& u : units) {
    tcp::endpoint ep(addr, want);
    u->acceptor.emplace(u->ioc);
    u->acceptor->open(ep.protocol());
    u->acceptor->set_option(asio::socket_base::reuse_address(true));
    u->acceptor->set_option(reuse_port(true));
    beast::error_code ec;
    u->acceptor->bind(ep, ec);
    if (ec) {
      throw std::runtime_error("http server: cannot bind " + cfg.address + ":" +
                               std::to_string(want) + ": " + ec.message());
    }
    u->acceptor->listen(asio::socket_base::max_listen_connections);
    // The first acceptor may have been given any port; the others share that one.
    want = u->acceptor->local_endpoint().port();
  }
  port = want;
}

asio::awaitable<void> HttpServer::Impl::Accept(IoUnit& u) {
  for (;;) {
    auto [ec, socket] = co_await u.acceptor->async_accept(kTok);
    if (u.stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors and the like: wait a moment instead of spinning.
      asio::steady_timer pause(u.ioc, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTok);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(u.ioc, Session(u, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::Session(IoUnit& u, tcp::socket socket) {
  Conn conn;
  auto it = u.conns.insert(u.conns.end(), &conn);
  struct Unregister {
    IoUnit& u;
    std::list<Conn*>::iterator it;
    ~Unregister() { u.conns.erase(it); }
  } unregister{u, it};

  if (!ssl_ctx) {
    beast::tcp_stream stream(std::move(socket));
    conn.socket = &stream.socket();
    // A named object, not a temporary: GCC 12 mishandles temporaries bound to references
    // inside a co_await expression (double destruction).
    const Peer no_peer;
    co_await Serve(u, stream, conn, no_peer);
    co_return;
  }
  TlsStream stream(std::move(socket), *ssl_ctx);
  conn.socket = &beast::get_lowest_layer(stream).socket();
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTok);
  if (ec) {
    // Refused client certificate, timeout, plain HTTP on the TLS port: nothing to answer.
    beast::error_code ignored;
    conn.socket->close(ignored);
    co_return;
  }
  Peer peer = ReadPeer(stream.native_handle());
  co_await Serve(u, stream, conn, peer);
}

template <class Stream>
asio::awaitable<void> HttpServer::Impl::Serve(IoUnit& u, Stream& stream, Conn& conn,
                                              const Peer& peer) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  std::string wire;  // the serialised answer
  for (;;) {
    if (u.stopping) break;
    if (buffer.size() == 0) {
      // Keep-alive: wait for the next request's first bytes under the (longer) idle timeout.
      lowest.expires_after(kIdleTimeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kTok);
      if (ec) break;
      buffer.commit(n);
    }
    const auto request_start = std::chrono::steady_clock::now();
    std::string request_id = NewRequestId();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(cfg.max_body);
    lowest.expires_after(kRequestTimeout);
    beast::error_code ec;
    size_t n = 0;
    std::tie(ec, n) = co_await bhttp::async_read_header(stream, buffer, parser, kTok);
    if (!ec && !parser.is_done()) {
      // curl and others wait (about a second) for this before they send a body.
      if (parser.get().version() >= 11 &&
          beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        std::tie(ec, n) = co_await asio::async_write(
            stream, asio::buffer(kContinue.data(), kContinue.size()), kTok);
        if (ec) break;
      }
      std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTok);
    }
    if (ec) {
      std::optional<Response> refusal;
      if (ec == bhttp::error::body_limit) {
        refusal = Refuse(request_id, 413, "Payload Too Large",
                          "The request body exceeds " + std::to_string(cfg.max_body) + " bytes.",
                          "http.body_too_large");
      } else if (ec == bhttp::error::header_limit) {
        refusal = Refuse(request_id, 431, "Request Header Fields Too Large",
                          "The request line and headers exceed 8 KiB.", "http.header_too_large");
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        refusal = Refuse(request_id, 400, "Bad Request", "The request is not valid HTTP/1.1.",
                          "http.malformed");
      }
      if (!refusal) break;  // the peer went away or timed out: nothing to answer
      conn.busy = true;
      Build(*refusal, 11, false, false, request_id, wire);
      lowest.expires_after(kWriteTimeout);
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(wire), kTok);
      conn.busy = false;
      // What the parser read of the request line before it gave up ("" when nothing).
      std::string_view method = parser.get().method_string();
      std::string_view target = parser.get().target();
      LogRequest({cfg.name, request_id, method, PathOf(target), refusal->status,
                  MillisecondsSince(request_start), refusal->error_reason});
      if (wec) break;
      // The client may still be sending the refused request: read it away before closing,
      // or the kernel answers with a reset that can destroy our answer in flight.
      co_await Close(stream, /*drain=*/true);
      co_return;
    }

    conn.busy = true;
    auto& msg = parser.get();
    Request req;
    req.method = std::string(msg.method_string());
    std::string_view target = msg.target();
    size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    req.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& f : msg) {
      req.headers.emplace_back(LowerCase(f.name_string()), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.client_cert_serial = peer.serial;  // views: `peer` outlives the request
    req.client_cert_subject = peer.subject;
    req.id = std::move(request_id);
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();
    bool head = msg.method() == bhttp::verb::head;

    Response r = co_await Dispatch(req);
    keep_alive = keep_alive && !u.stopping;
    Build(r, version, keep_alive, head, req.id, wire);
    lowest.expires_after(kWriteTimeout);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(wire), kTok);
    conn.busy = false;
    LogRequest({cfg.name, req.id, req.method, req.path, r.status, MillisecondsSince(request_start),
                r.error_reason});
    if (wec) break;
    if (!keep_alive || u.stopping) {
      co_await Close(stream, /*drain=*/false);
      co_return;
    }
  }
  beast::error_code ignored;
  lowest.socket().close(ignored);
}

template <class Stream>
asio::awaitable<void> HttpServer::Impl::Close(Stream& stream, bool drain) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (!drain) {
      lowest.expires_after(kCloseTimeout);
      auto [ec] = co_await stream.async_shutdown(kTok);
      (void)ec;  // a client that just hangs up is fine
    }
  }
  beast::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (drain) {
    std::array<char, 4096> scratch;
    size_t total = 0;
    lowest.expires_after(kDrainTimeout);
    while (total < kMaxDrain) {
      auto [ec, n] = co_await lowest.async_read_some(asio::buffer(scratch), kTok);
      if (ec) break;
      total += n;
    }
  }
  lowest.socket().close(ignored);
}

Response HttpServer::Impl::Refuse(std::string_view request_id, int status,
                                  std::string_view title, std::string_view detail,
                                  std::string_view reason) const {
  if (!cfg.render_refusal) return Refusal(request_id, status, title, detail, reason);
  Response r = cfg.render_refusal(ServerRefusal{status, title, detail, reason, request_id});
  r.error_reason = reason;
  return r;
}

Response HttpServer::Impl::Invoke(const Router::Route& route, const Request& req) const {
  // The route's pattern and the exception's type, not what(): that may quote the request.
  try {
    return route.handler(req);
  } catch (const std::exception& e) {
    log::Error("http.handler_threw", {{"request_id", req.id}, {"method", route.method},
                                      {"route", route.pattern}, {"exception", ExceptionType(e)}});
  } catch (...) {
    log::Error("http.handler_threw", {{"request_id", req.id}, {"method", route.method},
                                      {"route", route.pattern}, {"exception", "(not a class)"}});
  }
  return Refuse(req.id, 500, "Internal Server Error", "The request could not be processed.",
                 "http.handler_threw");
}

asio::awaitable<Response> HttpServer::Impl::Dispatch(Request& req) {
  Router::Match m = router.Find(req.method, req.path);
  switch (m.outcome) {
    case Router::Outcome::kNotFound:
      co_return Refuse(req.id, 404, "Not Found", "No resource at this path.", "http.not_found");
    case Router::Outcome::kBadPath:
      co_return Refuse(req.id, 400, "Bad Request", "The request path is not valid.",
                        "http.bad_path");
    case Router::Outcome::kMethodNotAllowed: {
      Response r = Refuse(req.id, 405, "Method Not Allowed",
                           "This resource does not allow " + req.method + ".",
                           "http.method_not_allowed");
      r.headers.emplace_back("Allow", std::move(m.allow));
      co_return r;
    }
    case Router::Outcome::kFound:
      break;
  }
  req.path_params = std::move(m.params);
  const Router::Route& route = *m.route;
  if (route.mode == Mode::kInline) co_return Invoke(route, req);
  // Run on the worker pool; the coroutine resumes on this connection's I/O thread.
  auto work = [this, &route, &req]() -> asio::awaitable<Response> {
    co_return Invoke(route, req);
  };
  Response r = co_await asio::co_spawn(pool->get_executor(), std::move(work), asio::use_awaitable);
  co_return r;
}

// Serialises the answer by hand into `wire` (cleared first; its capacity is reused from one
// request to the next on a connection): one contiguous buffer, one TLS record, and no
// allocation per header, which the hot verification call notices.
void HttpServer::Impl::Build(Response& r, unsigned version, bool keep_alive, bool head,
                             std::string_view request_id, std::string& wire) const {
  bool headers_ok = IsFieldValue(r.content_type);
  for (const auto& [k, v] : r.headers) headers_ok = headers_ok && IsToken(k) && IsFieldValue(v);
  if (r.status < 200 || r.status > 599 || !headers_ok) {
    log::Error("http.invalid_response",
               {{"request_id", request_id}, {"status", r.status}, {"headers_ok", headers_ok}});
    r = Refuse(request_id, 500, "Internal Server Error", "The request could not be processed.",
                "http.invalid_response");
  }
  bool no_body = r.status == 204 || r.status == 304;
  if (no_body) r.body.clear();
  auto field = [&wire](std::string_view name, std::string_view value) {
    wire.append(name).append(": ").append(value).append("\r\n");
  };
  auto handler_set = [&r](std::string_view name) {
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [name](const auto& h) { return beast::iequals(h.first, name); });
  };
  wire.clear();
  wire.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(r.status));
  wire.append(" ").append(bhttp::obsolete_reason(static_cast<bhttp::status>(r.status)));
  wire.append("\r\n");
  field("Server", cfg.server_header);
  field("Date", HttpDate());
  if (!no_body && !r.content_type.empty()) field("Content-Type", r.content_type);
  for (const auto& [k, v] : r.headers) field(k, v);
  for (const auto& [k, v] : cfg.default_headers) {
    if (!handler_set(k)) field(k, v);
  }
  if (!no_body) field("Content-Length", std::to_string(r.body.size()));
  if (!keep_alive && version >= 11) field("Connection", "close");
  if (keep_alive && version == 10) field("Connection", "keep-alive");
  wire.append("\r\n");
  if (!head) wire.append(r.body);  // a HEAD answer has the headers of a GET, no body
}

void HttpServer::Impl::StopUnits() {
  for (auto& u : units) {
    IoUnit* unit = u.get();
    asio::post(unit->ioc, [unit] {
      unit->stopping = true;
      beast::error_code ignored;
      if (unit->acceptor) unit->acceptor->close(ignored);
      for (Conn* c : unit->conns) {
        if (!c->busy && c->socket != nullptr) c->socket->close(ignored);
      }
    });
  }
}

HttpServer::HttpServer(ServerConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string pattern, Mode mode, Handler h) {
  if (impl_->started) throw std::logic_error("http server: Route after Start");
  impl_->router.Add(std::move(method), pattern, mode, std::move(h));
}

void HttpServer::Start() {
  Impl& m = *impl_;
  if (m.started) throw std::logic_error("http server: Start twice");
  m.started = true;
  if (m.cfg.tls) m.SetUpTls();
  int io = std::max(1, m.cfg.io_threads);
  for (int i = 0; i < io; ++i) m.units.push_back(std::make_unique<IoUnit>());
  m.Bind();
  m.pool.emplace(static_cast<size_t>(std::max(1, m.cfg.worker_threads)));
  m.running = io;
  for (auto& u : m.units) {
    IoUnit* unit = u.get();
    asio::co_spawn(unit->ioc, m.Accept(*unit), asio::detached);
    unit->thread = std::thread([&m, unit] {
      for (;;) {
        try {
          unit->ioc.run();
          break;
        } catch (const std::exception& e) {
          log::Error("http.io_thread_exception",
                     {{"listener", m.cfg.name}, {"exception", ExceptionType(e)}});
        }
      }
      std::lock_guard lock(m.mu);
      --m.running;
      m.cv.notify_all();
    });
  }
  const TlsConfig& t = m.cfg.tls_config;
  log::Info("http.start", {{"listener", m.cfg.name},
                           {"address", m.cfg.address},
                           {"port", m.port.load()},
                           {"tls", m.cfg.tls},
                           {"client_certificate", m.cfg.tls && !t.client_ca_file.empty()},
                           {"io_threads", io},
                           {"worker_threads", std::max(1, m.cfg.worker_threads)}});
}

void HttpServer::Stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  m.StopUnits();
  {
    // Graceful: each run() returns once its acceptor is closed and its connections have
    // finished; past the grace period the remaining ones are cut off.
    std::unique_lock lock(m.mu);
    if (!m.cv.wait_for(lock, kStopGrace, [&m] { return m.running == 0; })) {
      for (auto& u : m.units) u->ioc.stop();
    }
  }
  for (auto& u : m.units) {
    if (u->thread.joinable()) u->thread.join();
  }
  if (m.pool) m.pool->join();
  m.units.clear();
  m.pool.reset();
  // Only a server that listened (Start can fail before, on a certificate or the bind).
  if (m.port != 0) log::Info("http.stop", {{"listener", m.cfg.name}, {"port", m.port.load()}});
}

uint16_t HttpServer::port() const { return impl_->port.load(); }

}  // namespace volmacht::http
