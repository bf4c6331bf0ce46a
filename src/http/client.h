// HttpClient: a small synchronous HTTP/1.1 client (plain or TLS, optional client
// certificate) with a hard overall timeout, for calling other systems (the BRP register) and
// for tests. One connection per call (keep-alive is not needed at register call rates).
//
// Errors: kUnavailable when connecting, TLS, sending or receiving fails or the timeout
// passes (then with reason kReasonTimeout); kTooLarge when the response body exceeds max_response. Any HTTP status is a
// successful call: the caller judges the status.
// Thread-safety: an HttpClient may be used from many threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace volmacht::http {

inline constexpr char kReasonTimeout[] = "http.timeout";  // Error::reason: the deadline passed

struct ClientConfig {
  std::chrono::milliseconds timeout{2000};  // whole call: resolve, connect, TLS, send, receive
  size_t max_response = 1024 * 1024;
  std::string ca_file;        // TLS: trust these CAs (PEM); empty = system default
  std::string cert_file;      // TLS: client certificate (PEM), optional
  std::string key_file;       // TLS: client key (PEM), optional
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string Header(std::string_view lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(ClientConfig cfg);
  ~HttpClient();
  // url: "http://host:port/path" or "https://host:port/path".
  [[nodiscard]] Result<ClientResponse> Send(
      std::string_view method, std::string_view url, std::string_view body,
      const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace volmacht::http
