// What the HTTP server writes about each request (docs/adr/0015-structured-logging.md): the
// request id, one "http.request" line per answer, and the pieces those need. Internal to
// src/http (server.cc); the rest of the program sees only Request::id.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace volmacht::http {

// A fresh request id, "urn:uuid:" and a version 4 UUID. The same text is the problem+json
// `instance` of an error answer and the `request_id` of the request's log line. Not a secret
// (it is handed to the client): drawn from a per-thread generator seeded from the system's
// random source, so it costs no system call.
std::string NewRequestId();

// The path as it may be logged: at most 256 bytes, and every run of exactly nine digits (the
// shape of a BSN) replaced by nine '*', for the client that puts one in a URL anyway; path
// segments that are UUIDs (mandate ids) are kept as they are.
std::string LoggablePath(std::string_view path);

// The dynamic type of an exception, demangled, e.g. "nlohmann::json_abi_v3_11_2::...". Logged
// instead of what(), which may quote the request.
std::string ExceptionType(const std::exception& e);

struct RequestLine {
  std::string_view listener;
  std::string_view request_id;
  std::string_view method;
  std::string_view path;  // already LoggablePath'd or raw: LogRequest applies it
  int status = 0;
  double duration_ms = 0;
  std::string_view reason;  // Response::error_reason; omitted when empty
};

// The "http.request" line: level info, warn for a 5xx answer.
void LogRequest(const RequestLine& line);

}  // namespace volmacht::http
