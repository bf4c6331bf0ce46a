#include "http/client.h"
#include "http/syntax.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <exception>
#include <mutex>
#include <optional>

namespace volmacht::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxUrl = 8 * 1024;
constexpr size_t kResponseHeaderLimit = 64 * 1024;

struct Target {
  bool tls = false;
  std::string host;         // without IPv6 brackets
  std::string host_header;  // as it goes into Host:
  uint16_t port = 0;
  std::string target;       // path and query
  bool host_is_ip = false;
};

Result<Target> ParseUrl(std::string_view text) {
  if (text.size() > kMaxUrl) return Fail(Error::Invalid("http client: URL too long"));
  auto u = boost::urls::parse_uri(text);
  if (!u) return Fail(Error::Invalid("http client: malformed URL"));
  Target t;
  if (u->scheme_id() == boost::urls::scheme::https) {
    t.tls = true;
    t.port = 443;
  } else if (u->scheme_id() == boost::urls::scheme::http) {
    t.port = 80;
  } else {
    return Fail(Error::Invalid("http client: only http and https URLs"));
  }
  if (!u->has_authority() || u->encoded_host().empty() || u->has_userinfo()) {
    return Fail(Error::Invalid("http client: URL needs a host and no user info"));
  }
  if (u->has_port()) {
    // By hand: port_number() silently wraps values over 65535.
    std::string_view digits = u->port();
    unsigned long port = 0;
    for (char c : digits) {
      if (c < '0' || c > '9' || port > 65535) break;
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (digits.empty() || digits.size() > 5 || port == 0 || port > 65535 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return Fail(Error::Invalid("http client: bad port in URL"));
    }
    t.port = static_cast<uint16_t>(port);
  }
  t.host = u->host_address();
  t.host_header = std::string(u->encoded_host_and_port());
  auto ht = u->host_type();
  t.host_is_ip = ht == boost::urls::host_type::ipv4 || ht == boost::urls::host_type::ipv6;
  if (!t.host_is_ip && ht != boost::urls::host_type::name) {
    return Fail(Error::Invalid("http client: unsupported host in URL"));
  }
  t.target = std::string(u->encoded_target());
  if (t.target.empty()) t.target = "/";
  if (t.target.front() != '/') return Fail(Error::Invalid("http client: bad path in URL"));
  return t;
}

Error Unavailable(const Target& t, std::string_view stage, const beast::error_code& ec) {
  // Host and port only: the path could carry data that must not end up in messages.
  Error e = Error::Unavailable("http client: " + std::string(stage) + " " + t.host_header +
                               ": " + ec.message());
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return std::move(e).Because(kReasonTimeout);
  }
  return e;
}

}  // namespace

std::string ClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

struct HttpClient::Impl {
  ClientConfig cfg;
  std::optional<ssl::context> ssl_ctx;
  std::string tls_error;  // set when the TLS set-up failed; https calls then fail with it
  std::once_flag default_paths_once;
  std::string default_paths_error;  // written once under default_paths_once

  asio::awaitable<Result<ClientResponse>> Call(
      const Target& t, bhttp::request<bhttp::string_body>& req,
      std::chrono::steady_clock::time_point deadline);
  template <class Stream>
  asio::awaitable<Result<ClientResponse>> Exchange(
      const Target& t, Stream& stream, bhttp::request<bhttp::string_body>& req,
      std::chrono::steady_clock::time_point deadline);
};

HttpClient::HttpClient(ClientConfig cfg) : impl_(std::make_unique<Impl>()) {
  impl_->cfg = std::move(cfg);
  const ClientConfig& c = impl_->cfg;
  Impl& m = *impl_;
  m.ssl_ctx.emplace(ssl::context::tls_client);
  SSL_CTX* ctx = m.ssl_ctx->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  beast::error_code ec;
  // The system trust store is loaded on the first https call instead (it costs tens of ms,
  // wasted on a client that only ever speaks plain HTTP).
  if (!c.ca_file.empty()) m.ssl_ctx->load_verify_file(c.ca_file, ec);
  if (ec) m.tls_error = "cannot load CA certificates: " + ec.message();
  if (!ec && !c.cert_file.empty()) {
    m.ssl_ctx->use_certificate_chain_file(c.cert_file, ec);
    if (!ec) {
      m.ssl_ctx->use_private_key_file(c.key_file.empty() ? c.cert_file : c.key_file,
                                      ssl::context::pem, ec);
    }
    if (ec) {
      m.tls_error = "cannot load client certificate or key: " + ec.message();
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
      m.tls_error = "client key does not match client certificate";
    }
  }
  m.ssl_ctx->set_verify_mode(ssl::verify_peer);
}

HttpClient::~HttpClient() = default;

template <class Stream>
asio::awaitable<Result<ClientResponse>> HttpClient::Impl::Exchange(
    const Target& t, Stream& stream, bhttp::request<bhttp::string_body>& req,
    std::chrono::steady_clock::time_point deadline) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(deadline);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kTok);
  if (wec) co_return Fail(Unavailable(t, "send to", wec));

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kResponseHeaderLimit);
  parser.body_limit(cfg.max_response);
  if (req.method() == bhttp::verb::head) parser.skip(true);
  lowest.expires_at(deadline);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kTok);
  if (rec == bhttp::error::body_limit) {
    co_return Fail(Error::TooLarge("http client: response body over " +
                                   std::to_string(cfg.max_response) + " bytes"));
  }
  if (rec) co_return Fail(Unavailable(t, "receive from", rec));

  auto& msg = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(msg.result_int());
  for (const auto& f : msg) {
    out.headers.emplace_back(LowerCase(f.name_string()), std::string(f.value()));
  }
  out.body = std::move(msg.body());
  beast::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest.socket().close(ignored);
  co_return out;
}

asio::awaitable<Result<ClientResponse>> HttpClient::Impl::Call(
    const Target& t, bhttp::request<bhttp::string_body>& req,
    std::chrono::steady_clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<tcp::endpoint> endpoints;
  if (t.host_is_ip) {
    beast::error_code ec;
    auto addr = asio::ip::make_address(t.host, ec);
    if (ec) co_return Fail(Error::Invalid("http client: bad IP address in URL"));
    endpoints.emplace_back(addr, t.port);
  } else {
    // The resolver has no timeout of its own: a timer cancels it at the deadline.
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, deadline);
    timer.async_wait([&resolver](const beast::error_code& ec) {
      if (!ec) resolver.cancel();
    });
    const std::string service = std::to_string(t.port);  // named: see server.cc on GCC 12
    auto [ec, results] = co_await resolver.async_resolve(t.host, service, kTok);
    timer.cancel();
    if (ec) co_return Fail(Unavailable(t, "resolve", ec));
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }

  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_at(deadline);
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kTok);
  if (cec) co_return Fail(Unavailable(t, "connect to", cec));
  beast::error_code ignored;
  tcp_stream.socket().set_option(tcp::no_delay(true), ignored);

  if (!t.tls) {
    Result<ClientResponse> r = co_await Exchange(t, tcp_stream, req, deadline);
    co_return r;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *ssl_ctx);
  // SNI for names only (RFC 6066 forbids IP literals); the name check covers IP SANs too.
  if (!t.host_is_ip && SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()) != 1) {
    co_return Fail(Error::Internal("http client: cannot set SNI"));
  }
  stream.set_verify_callback(ssl::host_name_verification(t.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kTok);
  if (hec) co_return Fail(Unavailable(t, "TLS handshake with", hec));
  Result<ClientResponse> r = co_await Exchange(t, stream, req, deadline);
  co_return r;
}

Result<ClientResponse> HttpClient::Send(
    std::string_view method, std::string_view url, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  auto deadline = std::chrono::steady_clock::now() + impl_->cfg.timeout;
  Result<Target> t = ParseUrl(url);
  if (!t) return Fail(t.error());
  if (t->tls && impl_->cfg.ca_file.empty()) {
    std::call_once(impl_->default_paths_once, [this] {
      beast::error_code ec;
      impl_->ssl_ctx->set_default_verify_paths(ec);
      if (ec) impl_->default_paths_error = "cannot load system CA certificates: " + ec.message();
    });
    if (!impl_->default_paths_error.empty()) {
      return Fail(Error::Unavailable("http client: " + impl_->default_paths_error));
    }
  }
  if (t->tls && !impl_->tls_error.empty()) {
    return Fail(Error::Unavailable("http client: " + impl_->tls_error));
  }
  if (!IsToken(method)) return Fail(Error::Invalid("http client: bad method"));
  for (const auto& [k, v] : headers) {
    if (!IsToken(k) || !IsFieldValue(v)) return Fail(Error::Invalid("http client: bad header"));
  }

  bhttp::request<bhttp::string_body> req;
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(t->target);
  req.version(11);
  req.set(bhttp::field::host, t->host_header);
  req.set(bhttp::field::user_agent, "volmacht");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(false);
  req.body() = std::string(body);
  req.prepare_payload();

  asio::io_context ioc(1);
  Result<ClientResponse> result = Fail(Error::Internal("http client: call did not finish"));
  asio::co_spawn(ioc, impl_->Call(*t, req, deadline),
                 [&result](std::exception_ptr e, Result<ClientResponse> r) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       result = Fail(Error::Internal(std::string("http client: ") + ex.what()));
                     } catch (...) {
                       result = Fail(Error::Internal("http client: unknown exception"));
                     }
                     return;
                   }
                   result = std::move(r);
                 });
  ioc.run();
  return result;
}

}  // namespace volmacht::http
