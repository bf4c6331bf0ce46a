// HttpServer: HTTPS (optionally mutual TLS) or plain HTTP/1.1 server on Boost.Beast, one
// io_context per thread with SO_REUSEPORT, keep-alive, strict limits. Beast stays inside
// src/http; the rest of the program sees only these plain types.
//
//   HttpServer srv(cfg);
//   srv.Route("POST", "/api/v1/verificaties", Mode::kInline, handler);
//   srv.Start();            // binds; srv.port() tells the port (cfg.port 0 = any)
//   ...
//   srv.Stop();             // stops accepting, closes connections, joins threads
//
// Handlers: kInline handlers run on the I/O thread and must not block (verification).
// kBlocking handlers run on a worker pool (they may wait for the database), and the answer
// is posted back to the connection's I/O thread.
// Limits: request line + headers <= 8 KiB, body <= cfg.max_body (413 problem+json beyond).
// Logs (common/log.h): "http.start" and "http.stop" per listener, and one "http.request" line
// per answer with the listener's name, Request::id, method, path (no query string), status,
// duration and Response::error_reason (http/request_log.h). The server's own error answers
// carry the request id as problem+json `instance` too.
// Thread-safety: Route before Start only; Start/Stop from one controlling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volmacht::http {

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string path;     // target without query string
  std::string query;    // raw query string without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  // Of the verified client certificate, or "". Views of the connection's TLS state, valid
  // while the handler runs (copy them to keep them longer).
  std::string_view client_cert_serial;   // subject serialNumber
  std::string_view client_cert_subject;  // one-line subject (RFC 2253)
  std::vector<std::string> path_params;  // values matched by "{...}" segments, in order
  // "urn:uuid:<uuid>", made by the server for this request: the `instance` of an error answer
  // (problem+json) and the `request_id` of the request's log line, so support finds one from
  // the other.
  std::string id;
  std::string Header(std::string_view lower_name) const;  // "" when absent
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // For an error answer: the stable reason (Error::Reason()), which the server puts in the
  // request's log line. Never sent; never free text (docs/adr/0015).
  std::string error_reason;
};

using Handler = std::function<Response(const Request&)>;
enum class Mode { kInline, kBlocking };

struct TlsConfig {
  std::string cert_file;  // PEM server certificate (chain)
  std::string key_file;   // PEM private key
  std::string client_ca_file;  // when set: client certificates are REQUIRED and verified
};

// An error answer the server makes itself (400, 404, 405, 413, 431, 500), for the listener's
// renderer. The views are valid during the call only.
struct ServerRefusal {
  int status = 500;
  std::string_view title;       // English, e.g. "Not Found"
  std::string_view detail;      // English, one sentence
  std::string_view reason;      // stable, e.g. "http.not_found" (set as error_reason for the log)
  std::string_view request_id;  // Request::id
};
using RefusalRenderer = std::function<Response(const ServerRefusal&)>;

struct ServerConfig {
  std::string name = "http";  // the listener's name in log lines ("api", "web")
  std::string address = "127.0.0.1";
  uint16_t port = 0;              // 0 = pick a free port
  int io_threads = 2;
  int worker_threads = 8;         // for kBlocking handlers
  size_t max_body = 64 * 1024;    // bytes
  bool tls = false;
  TlsConfig tls_config;
  std::string server_header = "volmacht";
  // Added to every response, including those the server makes itself (404, 405, 413, 431),
  // unless the handler set the same header.
  std::vector<std::pair<std::string, std::string>> default_headers;
  // Renders the server's own error answers; empty: problem+json with the request id as
  // `instance` (an API listener). A listener for browsers gives an HTML page renderer.
  RefusalRenderer render_refusal;
};

class HttpServer {
 public:
  explicit HttpServer(ServerConfig cfg);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Pattern: literal segments and "{name}" segments, e.g. "/api/v1/machtigingen/{id}".
  // Unmatched path -> 404 problem+json; matched path, other method -> 405.
  void Route(std::string method, std::string pattern, Mode mode, Handler h);
  // Throws std::runtime_error on bind/TLS set-up failure (start-up error).
  void Start();
  void Stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A problem+json response (RFC 9457): {"type","title","status","detail"[,"invalidParams"]}.
Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view invalid_params_json = "");

}  // namespace volmacht::http
