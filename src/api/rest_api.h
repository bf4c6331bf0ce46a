// The provider REST API v1 (docs/domain.md section 8; contract: src/api/openapi.json; shape and
// choices: docs/adr/0004-rest-api-shape.md). JSON over HTTPS with mutual TLS: the client
// certificate's serialNumber (an OIN) identifies the provider; the citizen logged in at the
// provider is named in the request body ({"burger":{"bsn":...}}), never in a URL.
//
//   http::HttpServer server(cfg);  // cfg.tls with client_ca_file set
//   api::RegisterRestApi(server, service, clock);
//   server.Start();
//
// Every response carries `API-Version: 1.0.0`; every error is application/problem+json
// (api/problem.h). The handlers translate and call MandateService; they hold no business
// rules. Verification and "for whom" run inline on the I/O threads (in-memory only); all
// other routes run on the worker pool.
// Ownership: the service and the clock must outlive the server. Thread-safety: handlers are
// safe to run concurrently (MandateService is thread-safe).
#pragma once

#include <string_view>

#include "common/clock.h"
#include "http/server.h"
#include "service/mandate_service.h"

namespace volmacht::api {

inline constexpr std::string_view kBasePath = "/api/v1";

// Headers every response of the API carries (API-Version), also the server's own 404/405/413:
// put them in http::ServerConfig::default_headers of the server the API is registered on.
std::vector<std::pair<std::string, std::string>> DefaultHeaders();

// Registers every /api/v1 route on the server. The service must outlive the server.
void RegisterRestApi(http::HttpServer& server, MandateService& service, const Clock& clock);

// The OpenAPI 3.0 document served at GET /api/v1/openapi.json (src/api/openapi.json, embedded
// at build time).
std::string_view OpenApiDocument();

}  // namespace volmacht::api
