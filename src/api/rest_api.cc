#include "api/rest_api.h"
#include "http/syntax.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/problem.h"
#include "api/requests.h"

namespace volmacht::api {
namespace {

using Json = nlohmann::json;
using http::Request;
using http::Response;

// ----- Names in the API's language -----

std::string_view KindText(MandateKind k) {
  switch (k) {
    case MandateKind::kVoluntary:
      return "VRIJWILLIG";
    case MandateKind::kDirect:
      return "DIRECT";
    case MandateKind::kSurvivor:
      return "NABESTAANDEN";
  }
  return "VRIJWILLIG";
}

std::string_view StateText(MandateState s) {
  switch (s) {
    case MandateState::kRequested:
      return "AANGEVRAAGD";
    case MandateState::kActive:
      return "ACTIEF";
    case MandateState::kLapsed:
      return "VERVALLEN";
    case MandateState::kWithdrawn:
      return "GEANNULEERD";
    case MandateState::kRejected:
      return "AFGEWEZEN";
    case MandateState::kExpired:
      return "VERLOPEN";
    case MandateState::kRevoked:
      return "INGETROKKEN";
  }
  return "AANGEVRAAGD";
}

std::string_view InitiatorText(Initiator i) {
  switch (i) {
    case Initiator::kPrincipal:
      return "VERTEGENWOORDIGDE";
    case Initiator::kAgent:
      return "GEMACHTIGDE";
    case Initiator::kProvider:
      return "DIENSTAANBIEDER";
  }
  return "VERTEGENWOORDIGDE";
}

std::string_view EndReasonText(EndReason r) {
  switch (r) {
    case EndReason::kNone:
      return "";
    case EndReason::kByPrincipal:
      return "DOOR_VERTEGENWOORDIGDE";
    case EndReason::kByAgent:
      return "DOOR_GEMACHTIGDE";
    case EndReason::kByProvider:
      return "DOOR_DIENSTAANBIEDER";
    case EndReason::kDeceased:
      return "OVERLIJDEN";
  }
  return "";
}

std::string_view EventText(EventKind kind) {
  switch (kind) {
    case EventKind::kRequested: return "AANGEVRAAGD";
    case EventKind::kActivated: return "GEACTIVEERD";
    case EventKind::kApproved: return "GOEDGEKEURD";
    case EventKind::kRejected: return "AFGEWEZEN";
    case EventKind::kWithdrawn: return "GEANNULEERD";
    case EventKind::kRevoked: return "INGETROKKEN";
    case EventKind::kRestricted: return "BEPERKT";
    case EventKind::kLapsed: return "VERVALLEN";
    case EventKind::kExpired: return "VERLOPEN";
    case EventKind::kCodeFailed: return "ACTIVERINGSCODE_ONJUIST";
    case EventKind::kCodeLocked: return "ACTIVERINGSCODE_GEBLOKKEERD";
    case EventKind::kLetterNoAddress:
    case EventKind::kProviderSaved:
    case EventKind::kServiceSaved:
    case EventKind::kServiceSetSaved:
      break;
  }
  return EventKindName(kind);
}

// The service names fields in its own (domain) words; the client knows the API's. The
// citizen's role differs per route, so "principal" and "agent" are mapped per route.
struct FieldNames {
  std::string_view principal = "vertegenwoordigde";
  std::string_view agent = "gemachtigde";
};

std::string ApiFieldName(const std::string& name, const FieldNames& roles) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"services", "diensten"},
      {"service_set", "dienstenset"},
      {"start", "ingangsdatum"},
      {"end", "einddatum"},
      {"evidence", "bewijs"},
      {"reason", "reden"},
      {"provider", "dienstaanbieder"},
      {"kind", "soort"},
      {"initiator", "initiatiefnemer"},
      {"code", "activeringscode"},
      {"loa", "betrouwbaarheidsniveau"},
      {"service", "dienst"}};
  if (name == "principal") return std::string(roles.principal);
  if (name == "agent") return std::string(roles.agent);
  if (name == "principal_birth") return std::string(roles.principal) + ".geboortedatum";
  if (name == "agent_birth") return std::string(roles.agent) + ".geboortedatum";
  for (const auto& [from, to] : kNames) {
    if (from == name) return std::string(to);
  }
  return name;
}

Response ServiceError(const Request& req, Error e, const FieldNames& roles = {}) {
  for (InvalidParam& p : e.params) p.name = ApiFieldName(p.name, roles);
  return ErrorResponse(req, e);
}

// ----- Representations -----

Json PartyJson(const Party& p, std::string_view name) {
  Json j = Json::object();
  j[std::string(p.KindName())] = p.id;
  if (!name.empty()) j["naam"] = name;
  return j;
}

Json ServicesJson(const std::vector<Service>& services) {
  Json a = Json::array();
  for (const Service& s : services) a.push_back({{"id", s.id.str()}, {"naam", s.name_nl}});
  return a;
}

Json MandateJson(const MandateView& v) {
  const Mandate& m = v.mandate;
  Json j;
  j["id"] = m.id.str();
  j["soort"] = KindText(m.kind);
  j["status"] = StateText(m.state);
  j["vertegenwoordigde"] = PartyJson(Party::Person(m.principal), v.principal.name);
  if (v.agent) {
    j["gemachtigde"] = PartyJson(v.agent->party, v.agent->name);
  } else if (m.agent) {
    j["gemachtigde"] = PartyJson(*m.agent, "");
  }
  j["diensten"] = ServicesJson(v.services);
  j["ingangsdatum"] = FormatIsoDate(m.start);
  j["einddatum"] = FormatIsoDate(m.end);
  j["initiatiefnemer"] = InitiatorText(m.initiator);
  if (m.state == MandateState::kRequested) j["vervaldatum"] = FormatIsoDate(m.lapse_on);
  if (m.end_reason != EndReason::kNone) j["redenEinde"] = EndReasonText(m.end_reason);
  j["aangemaakt"] = FormatTimestamp(m.created);
  j["gewijzigd"] = FormatTimestamp(m.changed);
  return j;
}

Response JsonResponse(int status, const Json& j) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

std::string MandateLocation(const Uuid& id) {
  return std::string(kBasePath) + "/machtigingen/" + id.str();
}

// A write's answer: the mandate as it is now, plus the event sequence number to pass back as
// minimaleVolgnummer. Creation answers 201 with Location.
Response WriteResponse(const WriteResult& w, bool created) {
  Json j = MandateJson(w.mandate);
  j["volgnummer"] = w.seq;
  if (!w.activation_code.empty()) j["activeringscode"] = w.activation_code;
  Response r = JsonResponse(created ? 201 : 200, j);
  if (created) r.headers.emplace_back("Location", MandateLocation(w.mandate.mandate.id));
  return r;
}

std::string_view RoleText(ActorRole role) {
  switch (role) {
    case ActorRole::kPrincipal: return "VERTEGENWOORDIGDE";
    case ActorRole::kAgent: return "GEMACHTIGDE";
    case ActorRole::kProvider: return "DIENSTAANBIEDER";
    case ActorRole::kClerk: return "BALIEMEDEWERKER";
    case ActorRole::kAdmin: return "BEHEERDER";
    case ActorRole::kSystem: return "SYSTEEM";
    case ActorRole::kUnknown: break;
  }
  return "ONBEKEND";
}

// ----- Request plumbing -----

// What every JSON route checks before its own work. The provider comes from the verified
// client certificate (the TLS layer has checked the chain): its serialNumber must be an OIN
// (else 401). Whether that OIN is a known, active provider is the service's decision (every
// use case refuses an unknown or inactive one with 403). Then the media type (else 415).
// On failure `refusal` holds the response.
struct Checked {
  Oin provider;
  std::optional<Response> refusal;
};

Checked Check(const Request& req) {
  Checked c;
  auto oin = Oin::Parse(req.client_cert_serial);
  if (!oin) {
    c.refusal = ProblemResponse(req, 401, "Niet geauthenticeerd",
                                "Een clientcertificaat met een geldig OIN is verplicht",
                                "api.no_oin_in_certificate");
    return c;
  }
  c.provider = *oin;
  if (!http::IsJsonMediaType(req.Header("content-type"))) {
    c.refusal = ProblemResponse(req, 415, "Mediatype niet ondersteund",
                                "Stuur de invoer als application/json", "api.not_json");
  }
  return c;
}

Result<Uuid> PathId(const Request& req) {
  if (req.path_params.empty()) return Fail(Error::Internal("route without {id}"));
  auto id = Uuid::Parse(req.path_params[0]);
  if (!id) {
    return Fail(Error::Invalid("Het id in het pad is geen UUID",
                               {{"id", "uuid.formaat", "Het id in het pad moet een UUID zijn"}}));
  }
  return *id;
}

class Api {
 public:
  explicit Api(MandateService& service) : service_(service) {}

  // Every handler holds a share of `self`, so the Api lives as long as the server's routes.
  static void Register(const std::shared_ptr<Api>& self, http::HttpServer& server) {
    auto route = [&](std::string method, std::string_view path, http::Mode mode,
                     Response (Api::*fn)(const Request&)) {
      server.Route(std::move(method), std::string(kBasePath) + std::string(path), mode,
                   [self, fn](const Request& req) { return ((*self).*fn)(req); });
    };
    using http::Mode;
    route("GET", "/openapi.json", Mode::kInline, &Api::GetOpenApi);
    route("POST", "/verificaties", Mode::kInline, &Api::PostVerify);
    route("POST", "/vertegenwoordigden/_zoek", Mode::kInline, &Api::PostForWhom);
    route("POST", "/machtigingen", Mode::kBlocking, &Api::PostGrant);
    route("POST", "/machtigingsaanvragen", Mode::kBlocking, &Api::PostAsk);
    route("POST", "/directe-machtigingen", Mode::kBlocking, &Api::PostDirect);
    route("POST", "/activeringen/_controleren", Mode::kBlocking, &Api::PostPreview);
    route("POST", "/activeringen", Mode::kBlocking, &Api::PostActivate);
    route("POST", "/machtigingen/_zoek", Mode::kBlocking, &Api::PostList);
    route("POST", "/machtigingen/{id}/_inzien", Mode::kBlocking, &Api::PostDetails);
    route("POST", "/machtigingen/{id}/_historie", Mode::kBlocking, &Api::PostHistory);
    route("POST", "/machtigingen/{id}/_goedkeuren", Mode::kBlocking, &Api::PostApprove);
    route("POST", "/machtigingen/{id}/_afwijzen", Mode::kBlocking, &Api::PostDecline);
    route("POST", "/machtigingen/{id}/_annuleren", Mode::kBlocking, &Api::PostWithdraw);
    route("POST", "/machtigingen/{id}/_intrekken", Mode::kBlocking, &Api::PostRevoke);
    route("POST", "/machtigingen/{id}/_beperken", Mode::kBlocking, &Api::PostRestrict);
  }

 private:
  Caller ForCitizen(const Oin& provider, const Bsn& citizen) const {
    return Caller::ProviderForCitizen(provider, citizen, Channel::kApi);
  }

  Response GetOpenApi(const Request&) {
    Response r;
    r.content_type = "application/json";
    r.body = std::string(OpenApiDocument());
    return r;
  }

  // The hot path: no store, no register; the answer is built without a JSON DOM.
  Response PostVerify(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseVerifyBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    VerifyQuery q{std::move(body->agent), std::move(body->principal), std::move(body->service),
                  body->loa, body->min_seq};
    auto answer = service_.Verify(Caller::ProviderItself(c.provider, Channel::kApi), q);
    if (!answer) return ServiceError(req, answer.error());
    Response r;
    if (answer->allowed && answer->mandate) {
      r.body.reserve(80);
      r.body.append(R"({"toegestaan":true,"machtiging":")")
          .append(answer->mandate->str())
          .append("\"}");
    } else {
      r.body = R"({"toegestaan":false})";
    }
    return r;
  }

  Response PostForWhom(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseForWhomBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto list = service_.ForWhom(Caller::ProviderItself(c.provider, Channel::kApi), body->agent,
                                 body->service, body->loa);
    if (!list) return ServiceError(req, list.error());
    Response r;
    r.body.reserve(32 + list->size() * 70);
    r.body.append(R"({"vertegenwoordigden":[)");
    for (size_t i = 0; i < list->size(); ++i) {
      if (i > 0) r.body.push_back(',');
      // BSNs and UUIDs are validated digits and hex: nothing to escape.
      r.body.append(R"({"bsn":")")
          .append((*list)[i].principal.str())
          .append(R"(","machtiging":")")
          .append((*list)[i].mandate.str())
          .append("\"}");
    }
    r.body.append("]}");
    return r;
  }

  Response PostGrant(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseGrantBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto w = service_.Grant(ForCitizen(c.provider, body->citizen), body->request);
    if (!w) return ServiceError(req, w.error(), {.principal = "burger", .agent = "gemachtigde"});
    return WriteResponse(*w, true);
  }

  Response PostAsk(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseAskBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto w = service_.Ask(ForCitizen(c.provider, body->citizen), body->request);
    if (!w) {
      return ServiceError(req, w.error(), {.principal = "vertegenwoordigde", .agent = "burger"});
    }
    return WriteResponse(*w, true);
  }

  Response PostDirect(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseDirectBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto w = service_.CreateDirect(ForCitizen(c.provider, body->citizen), body->request);
    if (!w) {
      return ServiceError(req, w.error(), {.principal = "burger", .agent = "dienstaanbieder"});
    }
    return WriteResponse(*w, true);
  }

  Response PostPreview(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseActivationBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto p = service_.PreviewActivation(ForCitizen(c.provider, body->citizen), body->principal,
                                        body->code);
    if (!p) {
      return ServiceError(req, p.error(), {.principal = "vertegenwoordigde", .agent = "burger"});
    }
    Json j;
    j["machtiging"] = p->mandate_id.str();
    j["vertegenwoordigde"] = PartyJson(p->principal.party, p->principal.name);
    j["gemachtigde"] = PartyJson(p->agent.party, p->agent.name);
    j["diensten"] = ServicesJson(p->services);
    j["ingangsdatum"] = FormatIsoDate(p->start);
    j["einddatum"] = FormatIsoDate(p->end);
    return JsonResponse(200, j);
  }

  Response PostActivate(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseActivationBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto w = service_.Activate(ForCitizen(c.provider, body->citizen), body->principal, body->code);
    if (!w) {
      return ServiceError(req, w.error(), {.principal = "vertegenwoordigde", .agent = "burger"});
    }
    return WriteResponse(*w, false);
  }

  Response PostList(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto body = ParseListBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    Caller caller = ForCitizen(c.provider, body->citizen);
    auto list =
        body->role == ListRole::kGiven ? service_.ListGiven(caller) : service_.ListReceived(caller);
    if (!list) return ServiceError(req, list.error());
    Json a = Json::array();
    for (const MandateView& v : *list) a.push_back(MandateJson(v));
    return JsonResponse(200, Json{{"machtigingen", std::move(a)}});
  }

  Response PostDetails(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto id = PathId(req);
    if (!id) return ErrorResponse(req, id.error());
    auto body = ParseCitizenBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto v = service_.Details(ForCitizen(c.provider, body->citizen), *id);
    if (!v) return ServiceError(req, v.error());
    return JsonResponse(200, MandateJson(*v));
  }

  Response PostHistory(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto id = PathId(req);
    if (!id) return ErrorResponse(req, id.error());
    auto body = ParseCitizenBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    Caller caller = ForCitizen(c.provider, body->citizen);
    auto events = service_.History(caller, *id);
    if (!events) return ServiceError(req, events.error());
    Json a = Json::array();
    for (const HistoryEntry& e : *events) {
      a.push_back({{"volgnummer", e.seq},
                   {"tijdstip", FormatTimestamp(e.at)},
                   {"soort", EventText(e.kind)},
                   {"door", RoleText(e.by)},
                   {"kanaal", ChannelName(e.channel)}});
    }
    return JsonResponse(200, Json{{"gebeurtenissen", std::move(a)}});
  }

  // Approve, decline, withdraw: same shape, different use case.
  Response SimpleWrite(const Request& req,
                       Result<WriteResult> (MandateService::*use_case)(const Caller&,
                                                                       const Uuid&)) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto id = PathId(req);
    if (!id) return ErrorResponse(req, id.error());
    auto body = ParseCitizenBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto w = (service_.*use_case)(ForCitizen(c.provider, body->citizen), *id);
    if (!w) return ServiceError(req, w.error());
    return WriteResponse(*w, false);
  }

  Response PostApprove(const Request& req) { return SimpleWrite(req, &MandateService::Approve); }
  Response PostDecline(const Request& req) { return SimpleWrite(req, &MandateService::Decline); }
  Response PostWithdraw(const Request& req) { return SimpleWrite(req, &MandateService::Withdraw); }

  // Without "burger" the provider revokes itself (DIRECT mandates; the service decides).
  Response PostRevoke(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto id = PathId(req);
    if (!id) return ErrorResponse(req, id.error());
    auto body = ParseRevokeBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    Caller caller = body->citizen ? ForCitizen(c.provider, *body->citizen)
                                  : Caller::ProviderItself(c.provider, Channel::kApi);
    auto w = service_.Revoke(caller, *id);
    if (!w) return ServiceError(req, w.error());
    return WriteResponse(*w, false);
  }

  Response PostRestrict(const Request& req) {
    Checked c = Check(req);
    if (c.refusal) return std::move(*c.refusal);
    auto id = PathId(req);
    if (!id) return ErrorResponse(req, id.error());
    auto body = ParseRestrictBody(req.body);
    if (!body) return ErrorResponse(req, body.error());
    auto w = service_.Restrict(ForCitizen(c.provider, body->citizen), *id, body->request);
    if (!w) return ServiceError(req, w.error());
    return WriteResponse(*w, false);
  }

  MandateService& service_;
};

}  // namespace

// The clock is part of the entry point's contract, but every time rule (today, lapse, expiry)
// lives in the service, which has its own; the adapter itself needs no time today.
std::vector<std::pair<std::string, std::string>> DefaultHeaders() {
  return {{"API-Version", std::string(kApiVersion)}};
}

void RegisterRestApi(http::HttpServer& server, MandateService& service, const Clock& /*clock*/) {
  Api::Register(std::make_shared<Api>(service), server);
}

}  // namespace volmacht::api
