#include "web/login_flow.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "common/crypto.h"
#include "http/form.h"
#include "saml/saml_common.h"
#include "web/login_sessions.h"
#include "web/pages.h"

namespace volmacht::web {
namespace {

using Idp = saml::CombiConnectIdp;

constexpr size_t kMaxChoiceBody = 4096;
constexpr size_t kMaxCookieHeader = 4096;
constexpr std::string_view kChoicePath = "/inloggen/kies";

// Cookie attributes: never readable by script, only over TLS, sent on top-level navigations
// from other sites (DigiD sends the browser back with a GET), for our whole host.
std::string SessionCookie(std::string_view id) {
  return std::string(kSessionCookie) + "=" + std::string(id) +
         "; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=Lax";
}
std::string ClearedCookie() {
  return std::string(kSessionCookie) + "=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax";
}

// The value of our cookie in the Cookie header ("" when absent).
std::string CookieValue(const http::Request& req) {
  std::string_view header;
  for (const auto& [k, v] : req.headers) {
    if (k == "cookie") {
      header = v;
      break;
    }
  }
  if (header.size() > kMaxCookieHeader) return {};
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == kSessionCookie) {
      std::string_view value = part.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

bool SecretEquals(std::string_view a, std::string_view b) {
  return DigestEquals(Sha256(a), Sha256(b));
}

Representation FromSaml(Idp::Representation r) {
  switch (r) {
    case Idp::Representation::kOptional: return Representation::kOptional;
    case Idp::Representation::kMandatory: return Representation::kMandatory;
    case Idp::Representation::kNone: break;
  }
  return Representation::kNone;
}

Representation FromOidc(oidc::AuthorizeRequest::Representation r) {
  switch (r) {
    case oidc::AuthorizeRequest::Representation::kOptional: return Representation::kOptional;
    case oidc::AuthorizeRequest::Representation::kMandatory: return Representation::kMandatory;
    case oidc::AuthorizeRequest::Representation::kNone: break;
  }
  return Representation::kNone;
}

http::Response FromAnswer(const oidc::HttpAnswer& a) {
  http::Response r;
  r.status = a.status;
  r.body = a.body;
  r.content_type.clear();
  bool cache_control = false;
  for (const auto& [k, v] : a.headers) {
    if (k == "Content-Type") {
      r.content_type = v;
    } else {
      cache_control = cache_control || k == "Cache-Control";
      r.headers.emplace_back(k, v);
    }
  }
  if (!cache_control) r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response WithCookie(http::Response r, std::string cookie) {
  r.headers.emplace_back("Set-Cookie", std::move(cookie));
  return r;
}

// The SAML library's SOAP Fault, as an HTTP answer.
http::Response SoapFault(const Error& e) {
  saml::SoapFault f = saml::SoapFaultFor(e);
  http::Response r;
  r.status = f.http_status;
  r.content_type = "text/xml; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::move(f.envelope);
  r.error_reason = std::string(e.Reason());
  return r;
}

http::Response SessionGone() {
  return WithCookie(
      ErrorPage(400, "Inlogsessie onbekend of verlopen",
                "Uw inlogsessie is verlopen, al gebruikt, of onbekend bij ons. Ga terug naar de "
                "organisatie waar u wilde inloggen en begin opnieuw. Inloggen werkt alleen als "
                "uw browser cookies toestaat."),
      ClearedCookie());
}

// "Jan Jansen", and "Jan Jansen (geboren 1950)" when two people offered share a name.
std::vector<OfferedPrincipal> LabelPrincipals(const std::vector<LoginCandidate>& candidates) {
  std::vector<OfferedPrincipal> offered;
  std::map<std::string, int> count;
  for (const LoginCandidate& c : candidates) {
    offered.push_back({c.principal, c.name.empty() ? "Naam onbekend" : c.name});
    ++count[offered.back().label];
  }
  for (size_t i = 0; i < offered.size(); ++i) {
    if (count[offered[i].label] < 2) continue;
    int year = candidates[i].birth_year;
    offered[i].label += year != 0 ? " (geboren " + std::to_string(year) + ")"
                                   : " (geboortejaar onbekend)";
  }
  std::stable_sort(offered.begin(), offered.end(),
                   [](const OfferedPrincipal& a, const OfferedPrincipal& b) {
                     return a.label < b.label;
                   });
  return offered;
}

class Flow {
 public:
  explicit Flow(LoginFlowDeps d) : d_(d), sessions_(d.clock) {}

  http::Response Sso(const http::Request& req);
  http::Response Authorize(const http::Request& req);
  http::Response Acs(const http::Request& req);
  http::Response ShowChoice(const http::Request& req);
  http::Response Choose(const http::Request& req);
  http::Response ResolveArtifact(const http::Request& req);

  LoginFlowDeps& deps() { return d_; }

 private:
  // Asks the service whether the login may start and at which DigiD level, and sends the
  // browser to DigiD.
  http::Response Begin(LoginSession s);
  http::Response StartDigid(LoginSession s);
  // The answers to the provider (the session is already gone from the store). Complete lets
  // the service re-check the choice and record the use around the protocol's answer.
  http::Response Complete(const LoginSession& s, const std::optional<Bsn>& principal);
  Result<http::Response> Succeed(const LoginSession& s, const std::optional<Bsn>& legal);
  http::Response Refuse(const LoginSession& s, Idp::Failure failure);
  // A use case's refusal as the protocol's refusal; other errors as an error page.
  http::Response Refused(const LoginSession& s, const Error& e);
  http::Response FromSamlReply(const Result<Idp::SamlReply>& reply);
  http::Response Choice(const LoginSession& s, std::string error, int status);
  std::string ReturnUrl(const LoginSession& s) const;
  Caller ProviderCaller(const LoginSession& s) const {
    return Caller::ProviderItself(
        s.provider, s.protocol == LoginProtocol::kSaml ? Channel::kSaml : Channel::kOidc);
  }

  LoginFlowDeps d_;
  LoginSessionStore sessions_;
};

http::Response Flow::Sso(const http::Request& req) {
  bool post = req.method == "POST";
  auto info = d_.combi.ProcessAuthnRequest(post ? Idp::Binding::kPost : Idp::Binding::kRedirect,
                                           post ? req.body : req.query, d_.clock.Now());
  if (!info) return ErrorResponse(info.error());
  LoginSession s;
  s.protocol = LoginProtocol::kSaml;
  s.provider = info->provider;
  s.request = {info->service, FromSaml(info->representation), info->min_loa};
  s.saml = std::move(*info);
  return Begin(std::move(s));
}

http::Response Flow::Authorize(const http::Request& req) {
  auto parsed = d_.oidc.ParseAuthorize(req.query);
  if (!parsed) return ErrorResponse(parsed.error());
  if (const auto* e = std::get_if<oidc::AuthorizeErrorRedirect>(&*parsed)) return SeeOther(e->url);
  const auto& ar = std::get<oidc::AuthorizeRequest>(*parsed);
  LoginSession s;
  s.protocol = LoginProtocol::kOidc;
  s.provider = ar.provider;
  s.request = {ar.service, FromOidc(ar.representation), ar.min_loa};
  s.oidc = ar;
  return Begin(std::move(s));
}

http::Response Flow::Begin(LoginSession s) {
  Result<Loa> ask = d_.service.BeginLogin(ProviderCaller(s), s.request);
  if (!ask) {
    if (s.protocol == LoginProtocol::kOidc && ask.error().Is(kReasonLoginForeignService)) {
      return SeeOther(d_.oidc.ErrorRedirect(*s.oidc, "invalid_scope",
                                            "the service is not one of this organisation"));
    }
    return Refused(s, ask.error());
  }
  s.digid_loa = *ask;
  return StartDigid(std::move(s));
}

http::Response Flow::StartDigid(LoginSession s) {
  s.relay_token = ToHex(RandomBytes(16));
  auto start = d_.digid.StartLogin(s.digid_loa, s.relay_token);
  if (!start) return ErrorResponse(start.error());
  s.digid_request_id = start->request_id;
  s.stage = LoginStage::kAtDigid;
  auto id = sessions_.Create(std::move(s));
  if (!id) return ErrorResponse(id.error());
  return WithCookie(SeeOther(start->redirect_url), SessionCookie(*id));
}

http::Response Flow::Acs(const http::Request& req) {
  auto form = http::ParseForm(req.query, http::kMaxFormBytes);
  auto artifact = form ? form->Get("SAMLart") : std::nullopt;
  auto relay_state = form ? form->Get("RelayState") : std::nullopt;
  if (!artifact || !relay_state) {
    return ErrorPage(400, "Ongeldig antwoord van DigiD",
                     "Het antwoord van DigiD is niet compleet. Begin opnieuw bij de organisatie "
                     "waar u wilde inloggen.");
  }
  std::string id = CookieValue(req);
  std::optional<LoginSession> found = sessions_.Get(id);
  // The RelayState binds DigiD's answer to this browser's session: an answer meant for
  // another browser (login CSRF) does not match.
  if (!found || found->stage != LoginStage::kAtDigid ||
      !SecretEquals(*relay_state, found->relay_token)) {
    return SessionGone();
  }
  LoginSession s = std::move(*found);
  s.stage = LoginStage::kResolving;
  if (!sessions_.Update(id, LoginStage::kAtDigid, s)) return SessionGone();

  auto who = d_.digid.FinishLogin(*artifact, s.digid_request_id, s.digid_loa);
  if (!who) {
    sessions_.Erase(id);
    const Error& e = who.error();
    if (e.Is(saml::kReasonCancelled)) {
      return WithCookie(Refuse(s, Idp::Failure::kCancelled), ClearedCookie());
    }
    if (e.Is(saml::kReasonLoaTooLow)) {
      return WithCookie(Refuse(s, Idp::Failure::kLoaTooLow), ClearedCookie());
    }
    return WithCookie(ErrorResponse(e), ClearedCookie());
  }
  s.acting = who->bsn;
  s.loa = who->loa;

  Result<LoginOptions> options =
      d_.service.LoginOptionsFor(ProviderCaller(s), s.request, *s.acting, s.loa);
  if (!options || !options->choose) {
    sessions_.Erase(id);
    http::Response r = options ? Complete(s, std::nullopt) : Refused(s, options.error());
    return WithCookie(std::move(r), ClearedCookie());
  }
  s.allow_myself = options->allow_myself;
  s.offered = LabelPrincipals(options->candidates);
  s.csrf_token = ToHex(RandomBytes(32));
  s.stage = LoginStage::kChoosing;
  if (!sessions_.Update(id, LoginStage::kResolving, std::move(s))) return SessionGone();
  return SeeOther(kChoicePath);
}

std::string Flow::ReturnUrl(const LoginSession& s) const {
  if (s.protocol == LoginProtocol::kSaml) return s.saml->acs_url;
  return s.oidc->redirect_uri;
}

http::Response Flow::Choice(const LoginSession& s, std::string error, int status) {
  ChoiceView v;
  std::optional<Provider> provider = d_.service.FindProvider(s.provider);
  std::optional<Service> service = d_.service.FindService(s.request.service);
  v.organisation = provider ? provider->name : s.provider.str();
  v.service = service ? service->name_nl : "";
  v.csrf_token = s.csrf_token;
  v.allow_myself = s.allow_myself;
  for (size_t i = 0; i < s.offered.size(); ++i) {
    v.principals.push_back({std::to_string(i), s.offered[i].label});
  }
  v.error = std::move(error);
  return HtmlResponse(status, ChoicePage(v), ReturnUrl(s));
}

http::Response Flow::ShowChoice(const http::Request& req) {
  std::optional<LoginSession> s = sessions_.Get(CookieValue(req));
  if (!s || s->stage != LoginStage::kChoosing) return SessionGone();
  return Choice(*s, "", 200);
}

http::Response Flow::Choose(const http::Request& req) {
  if (req.body.size() > kMaxChoiceBody) return ErrorResponse(Error::TooLarge("form too large"));
  auto form = http::ParseForm(req.body, kMaxChoiceBody);
  if (!form) return ErrorResponse(Error::Invalid("form not readable"));
  auto field = [&](const char* name) { return form->Get(name).value_or(std::string()); };
  std::string id = CookieValue(req);
  std::optional<LoginSession> s = sessions_.Get(id);
  if (!s || s->stage != LoginStage::kChoosing) return SessionGone();
  // The token proves the form came from our page in this browser session; a forged post
  // from another site changes nothing (and leaves the real session usable).
  if (!SecretEquals(field("csrf"), s->csrf_token)) {
    return ErrorPage(400, "Ongeldig formulier",
                     "Dit formulier komt niet van deze inlogsessie. Er is niets doorgegeven. Ga "
                     "terug naar de organisatie waar u wilde inloggen en begin opnieuw.");
  }
  std::string action = field("actie");
  if (action.empty()) action = "doorgaan";  // submitted without a button (Enter key)
  if (action != "doorgaan" && action != "annuleren") {
    return ErrorResponse(Error::Invalid("unknown action"));
  }
  std::string choice = field("keuze");
  if (action == "doorgaan" && choice.empty()) {
    return Choice(*s, "Kies voor wie u inlogt.", 400);
  }
  // From here on the session is used up, whatever the outcome.
  std::optional<LoginSession> taken = sessions_.Take(id, LoginStage::kChoosing);
  if (!taken) return SessionGone();
  const LoginSession& t = *taken;
  auto done = [](http::Response r) { return WithCookie(std::move(r), ClearedCookie()); };
  if (action == "annuleren") return done(Refuse(t, Idp::Failure::kCancelled));
  if (choice == "mijzelf") return done(Complete(t, std::nullopt));
  size_t index = t.offered.size();
  if (choice.size() <= 4 && choice.find_first_not_of("0123456789") == std::string::npos) {
    index = static_cast<size_t>(std::stoul(choice));
  }
  if (index >= t.offered.size()) return done(Refuse(t, Idp::Failure::kRefused));
  return done(Complete(t, t.offered[index].bsn));
}

http::Response Flow::Complete(const LoginSession& s, const std::optional<Bsn>& principal) {
  http::Response answer;
  auto done = d_.service.CompleteLogin(ProviderCaller(s), s.request, *s.acting, s.loa, principal,
                                       [&]() -> Result<void> {
                                         Result<http::Response> r = Succeed(s, principal);
                                         if (!r) return Fail(r.error());
                                         answer = std::move(*r);
                                         return {};
                                       });
  if (!done) return Refused(s, done.error());
  return answer;
}

Result<http::Response> Flow::Succeed(const LoginSession& s, const std::optional<Bsn>& legal) {
  if (s.protocol == LoginProtocol::kSaml) {
    auto reply = d_.combi.Succeed(*s.saml, *s.acting, legal, s.loa, d_.clock.Now());
    if (!reply) return Fail(reply.error());
    return FromSamlReply(reply);
  }
  try {
    return SeeOther(d_.oidc.IssueCode(*s.oidc, *s.acting, legal, s.loa));
  } catch (const std::invalid_argument&) {
    return Fail(Error::Internal("the login could not be answered"));
  }
}

http::Response Flow::Refused(const LoginSession& s, const Error& e) {
  if (e.code == ErrorCode::kForbidden) return Refuse(s, Idp::Failure::kRefused);
  return ErrorResponse(e);
}

http::Response Flow::Refuse(const LoginSession& s, Idp::Failure failure) {
  if (s.protocol == LoginProtocol::kSaml) {
    return FromSamlReply(d_.combi.Fail(*s.saml, failure, d_.clock.Now()));
  }
  std::string_view why = failure == Idp::Failure::kCancelled  ? "cancelled by the user"
                         : failure == Idp::Failure::kLoaTooLow ? "level of assurance too low"
                                                               : "not allowed";
  return SeeOther(d_.oidc.ErrorRedirect(*s.oidc, "access_denied", why));
}

http::Response Flow::FromSamlReply(const Result<Idp::SamlReply>& reply) {
  if (!reply) return ErrorResponse(reply.error());
  if (reply->kind == Idp::SamlReply::kPostForm) return AutoPostResponse(reply->html, reply->url);
  return SeeOther(reply->url);
}

http::Response Flow::ResolveArtifact(const http::Request& req) {
  auto oin = Oin::Parse(req.client_cert_serial);
  if (!oin) return SoapFault(Error::Forbidden("client certificate carries no valid OIN"));
  auto envelope = d_.combi.ResolveArtifact(req.body, *oin, d_.clock.Now());
  if (!envelope) return SoapFault(envelope.error());
  http::Response r;
  r.content_type = "text/xml; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::move(*envelope);
  return r;
}

http::Response Body(std::string body, const char* type) {
  http::Response r;
  r.content_type = type;
  r.body = std::move(body);
  return r;
}

}  // namespace

void RegisterLoginRoutes(http::HttpServer& web, http::HttpServer& mtls_api, LoginFlowDeps deps) {
  auto flow = std::make_shared<Flow>(deps);
  using M = http::Mode;
  auto route = [&](http::HttpServer& srv, const char* method, const char* path, M mode,
                   http::Response (Flow::*fn)(const http::Request&)) {
    srv.Route(method, path, mode, [flow, fn](const http::Request& r) { return (*flow.*fn)(r); });
  };
  // Signature checks, signing and the DigiD round trip cost milliseconds: worker threads.
  route(web, "GET", "/saml/idp/sso", M::kBlocking, &Flow::Sso);
  route(web, "POST", "/saml/idp/sso", M::kBlocking, &Flow::Sso);
  route(web, "GET", "/saml/sp/acs", M::kBlocking, &Flow::Acs);
  route(web, "GET", "/inloggen/kies", M::kInline, &Flow::ShowChoice);
  route(web, "POST", "/inloggen/kies", M::kBlocking, &Flow::Choose);
  route(web, "GET", "/oidc/authorize", M::kBlocking, &Flow::Authorize);
  route(mtls_api, "POST", "/saml/idp/artifact", M::kBlocking, &Flow::ResolveArtifact);

  web.Route("GET", "/saml/idp/metadata", M::kInline, [flow](const http::Request&) {
    return Body(flow->deps().combi.Metadata(), "application/samlmetadata+xml");
  });
  web.Route("GET", "/saml/sp/metadata", M::kInline, [flow](const http::Request&) {
    return Body(flow->deps().digid.Metadata(), "application/samlmetadata+xml");
  });
  web.Route("GET", "/oidc/.well-known/openid-configuration", M::kInline,
            [flow](const http::Request&) {
              return Body(flow->deps().oidc.DiscoveryJson(), "application/json");
            });
  web.Route("GET", "/oidc/jwks", M::kInline, [flow](const http::Request&) {
    return Body(flow->deps().oidc.JwksJson(), "application/jwk-set+json");
  });
  web.Route("POST", "/oidc/token", M::kBlocking, [flow](const http::Request& r) {
    return FromAnswer(flow->deps().oidc.Token(r.body, r.Header("authorization")));
  });
  for (const char* method : {"GET", "POST"}) {
    web.Route(method, "/oidc/userinfo", M::kInline, [flow](const http::Request& r) {
      return FromAnswer(flow->deps().oidc.UserInfo(r.Header("authorization")));
    });
  }
}

}  // namespace volmacht::web
