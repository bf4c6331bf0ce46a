#include "api/problem.h"

#include <nlohmann/json.hpp>
#include <string>

namespace volmacht::api {
namespace {

struct Kind {
  int status;
  std::string_view slug;   // last part of the problem type URI
  std::string_view title;  // short, the same for every occurrence of the type
};

Kind KindOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return {400, "ongeldige-invoer", "Ongeldige invoer"};
    case ErrorCode::kRuleViolation:
      return {422, "regel-overtreden", "Niet toegestaan volgens de regels"};
    case ErrorCode::kNotFound:
      return {404, "niet-gevonden", "Niet gevonden"};
    case ErrorCode::kForbidden:
      return {403, "verboden", "Geen toegang"};
    case ErrorCode::kConflict:
      return {409, "conflict", "Conflict met de huidige toestand"};
    case ErrorCode::kTooLarge:
      return {413, "te-groot", "Invoer te groot"};
    case ErrorCode::kLocked:
      return {423, "geblokkeerd", "Geblokkeerd"};
    case ErrorCode::kUnavailable:
      return {503, "niet-beschikbaar", "Tijdelijk niet beschikbaar"};
    case ErrorCode::kBadGateway:
      return {502, "bron-fout", "Fout bij een bron"};
    case ErrorCode::kInternal:
      return {500, "interne-fout", "Interne fout"};
  }
  return {500, "interne-fout", "Interne fout"};
}

std::string_view SlugForStatus(int status) {
  switch (status) {
    case 401:
      return "niet-geauthenticeerd";
    case 415:
      return "mediatype-niet-ondersteund";
    default:
      return "fout";
  }
}

http::Response Build(const http::Request& req, int status, std::string_view slug,
                     std::string_view title, std::string_view detail,
                     const std::vector<InvalidParam>* params, std::string_view reason) {
  nlohmann::json j;
  j["type"] = "urn:nl:volmacht:api:v1:probleem:" + std::string(slug);
  j["title"] = title;
  j["status"] = status;
  j["detail"] = detail;
  // The request's id: support finds the request's log line by it, without its content.
  j["instance"] = req.id;
  if (params != nullptr && !params->empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const InvalidParam& p : *params) {
      list.push_back({{"name", p.name}, {"code", p.code}, {"reason", p.reason}});
    }
    j["invalidParams"] = std::move(list);
  }
  http::Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  // Messages are ours, but replace rather than throw on a stray invalid UTF-8 byte.
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  r.error_reason = reason;
  return r;
}

}  // namespace

int HttpStatus(ErrorCode code) { return KindOf(code).status; }

http::Response ErrorResponse(const http::Request& req, const Error& e) {
  Kind k = KindOf(e.code);
  std::string_view detail = e.message;
  if (e.code == ErrorCode::kInternal || detail.empty()) {
    detail = e.code == ErrorCode::kInternal ? "Er ging iets mis bij ons; probeer het later opnieuw"
                                            : k.title;
  }
  bool with_params = e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kRuleViolation;
  return Build(req, k.status, k.slug, k.title, detail, with_params ? &e.params : nullptr,
               e.Reason());
}

http::Response ProblemResponse(const http::Request& req, int status, std::string_view title,
                               std::string_view detail, std::string_view reason) {
  return Build(req, status, SlugForStatus(status), title, detail, nullptr, reason);
}


}  // namespace volmacht::api
