// BrpClient: PersonRegistry over the BRP Personen v2 REST API (`POST <base_url>/personen`,
// RaadpleegMetBurgerservicenummer), plain HTTP or HTTPS with optional client certificate.
//
//   BrpClient brp({.base_url = "https://brp.example/haalcentraal/api/brp", .api_key = key});
//   Result<std::optional<Person>> p = brp.Find(bsn);
//
// Errors (per PersonRegistry): kUnavailable when the register cannot be reached, times out,
// or answers 5xx or 429 (transient); kBadGateway for any other non-200 status, a body that is
// not JSON, an over-large body, or any answer brp::ParseResponse refuses. The BSN travels
// only in the request body, never in the URL, and is never logged.
// Thread-safety: Find may be called from many threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "registry/person_registry.h"

namespace volmacht {

namespace http {
class HttpClient;
}  // namespace http

struct BrpClientConfig {
  std::string base_url;  // e.g. "http://127.0.0.1:8081"; "/personen" is appended
  std::string api_key;   // sent as X-API-KEY when not empty
  std::chrono::milliseconds timeout{2000};  // whole call
  std::string ca_file;    // TLS: trust these CAs (PEM); empty = system default
  std::string cert_file;  // TLS: client certificate (PEM), optional
  std::string key_file;   // TLS: client key (PEM), optional
};

class BrpClient final : public PersonRegistry {
 public:
  explicit BrpClient(BrpClientConfig cfg);
  ~BrpClient() override;
  BrpClient(const BrpClient&) = delete;
  BrpClient& operator=(const BrpClient&) = delete;

  [[nodiscard]] Result<std::optional<Person>> Find(const Bsn& bsn) override;

 private:
  std::string url_;
  std::string api_key_;
  std::unique_ptr<http::HttpClient> http_;
};

}  // namespace volmacht
