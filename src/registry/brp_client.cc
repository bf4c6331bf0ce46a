#include "registry/brp_client.h"
#include "http/syntax.h"

#include <string_view>
#include <utility>
#include <vector>

#include "http/client.h"
#include "registry/brp_json.h"

namespace volmacht {

BrpClient::BrpClient(BrpClientConfig cfg)
    : url_(std::move(cfg.base_url)), api_key_(std::move(cfg.api_key)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  url_ += "/personen";
  http::ClientConfig hc;
  hc.timeout = cfg.timeout;
  hc.max_response = brp::kMaxResponseBytes;
  hc.ca_file = std::move(cfg.ca_file);
  hc.cert_file = std::move(cfg.cert_file);
  hc.key_file = std::move(cfg.key_file);
  http_ = std::make_unique<http::HttpClient>(std::move(hc));
}

BrpClient::~BrpClient() = default;

Result<std::optional<Person>> BrpClient::Find(const Bsn& bsn) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json; charset=utf-8"},
      {"Accept", "application/json"},
  };
  if (!api_key_.empty()) headers.emplace_back("X-API-KEY", api_key_);

  auto resp = http_->Send("POST", url_, brp::BuildRequest(bsn), headers);
  if (!resp) {
    // Over-large answers are the register's fault, not an outage.
    if (resp.error().code == ErrorCode::kTooLarge) {
      return Fail(Error::BadGateway("antwoord van de BRP is te groot"));
    }
    return Fail(Error::Unavailable("de BRP is niet bereikbaar"));
  }
  const int status = resp->status;
  if (status >= 500 || status == 429) {
    return Fail(Error::Unavailable("de BRP is tijdelijk niet beschikbaar (HTTP " +
                                   std::to_string(status) + ")"));
  }
  if (status != 200) {
    // 400/401/403/...: our request or our credentials are wrong; retrying will not help.
    return Fail(Error::BadGateway("de BRP weigerde het verzoek (HTTP " + std::to_string(status) +
                                  ")"));
  }
  if (!http::IsJsonMediaType(resp->Header("content-type"))) {
    return Fail(Error::BadGateway("ongeldig antwoord van de BRP: geen JSON"));
  }
  return brp::ParseResponse(resp->body, bsn);
}

}  // namespace volmacht
