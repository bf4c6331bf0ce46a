// The login with representation end to end (issue 3; docs/domain.md section 8): a provider asks
// us to log someone in (SAML Combi-Connect or OpenID Connect), the person logs in with
// DigiD, picks "myself" or someone they may act for, and the provider gets the answer.
// This file only glues the pieces: CombiConnectIdp / OidcProvider (the protocols), DigidSp
// (DigiD), and MandateService's login use cases, which decide everything else (which service
// and DigiD level, whom someone may act for, the re-check of the choice, the use recorded).
//
//   RegisterLoginRoutes(web, api, {service, digid, combi, oidc, clock});
//
// Routes on `web` (HTTPS, no client certificate):
//   GET  /saml/idp/metadata                    Combi-Connect IdP metadata
//   GET|POST /saml/idp/sso                     AuthnRequest (HTTP-Redirect / HTTP-POST)
//   GET  /saml/sp/metadata                     our SP metadata towards DigiD
//   GET  /saml/sp/acs                          back from DigiD (SAMLart, RelayState)
//   GET|POST /inloggen/kies                    "Voor wie logt u in?"
//   GET  /oidc/.well-known/openid-configuration, GET /oidc/jwks, GET /oidc/authorize,
//   POST /oidc/token, GET|POST /oidc/userinfo
// Route on `mtls_api` (mutual TLS; the client certificate's serialNumber is the OIN):
//   POST /saml/idp/artifact                    SOAP ArtifactResolve from providers
//
// The flow: the request is checked by the protocol class (a bad one gets an HTML error
// page, nothing else); a login session is made (cookie __Host-volmacht-login: 256 random
// bits, HttpOnly, Secure, SameSite=Lax, Path=/; 15 minutes; see login_sessions.h) and the
// browser goes to DigiD with a random RelayState that is not the session id. Back at the
// ACS the artifact is resolved (blocking, on a worker thread) and must belong to the same
// browser session. Cancel at DigiD -> SAML Responder/AuthnFailed (OIDC access_denied); LoA
// too low -> NoAuthnContext (OIDC access_denied); no representation asked -> answer for
// the person themselves at once; otherwise MandateService::ForWhom lists whom they may act
// for: nobody and representation mandatory -> RequestDenied (OIDC access_denied); nobody
// and optional -> "myself" at once; else the choice page. Its form carries a CSRF token
// bound to the session; the choice is checked against the people offered and re-checked
// against the verification index at that moment, then answered (303 with the artifact, or
// the self-posting form for HTTP-POST providers; OIDC: 303 with the code) and recorded as a
// use of the mandate. A session is used once; afterwards it is gone.
//
// Which DigiD level is asked: the provider's minimum; when representation is mandatory, at
// least the service's minimum as well (below it nobody could be offered).
//
// Personal data: a BSN never appears in a URL, a cookie, a log line or on a page (the page
// shows the principals' names, with the birth year only when two share a name).
// Every response of the flow carries Cache-Control: no-store, X-Frame-Options: DENY, a
// Content-Security-Policy with frame-ancestors 'none', and Referrer-Policy: no-referrer.
//
// Ownership: every dependency must outlive both servers. Call before the servers Start.
// Thread-safety: handlers run concurrently; the dependencies are thread-safe.
#pragma once

#include "common/clock.h"
#include "http/server.h"
#include "oidc/oidc_provider.h"
#include "saml/combi_connect.h"
#include "saml/digid_sp.h"
#include "service/mandate_service.h"

namespace volmacht::web {

struct LoginFlowDeps {
  MandateService& service;
  saml::DigidSp& digid;
  saml::CombiConnectIdp& combi;
  oidc::OidcProvider& oidc;
  const Clock& clock;
};

// Name of the session cookie ("__Host-": Secure, Path=/, no Domain, so no other host can
// set it).
inline constexpr std::string_view kSessionCookie = "__Host-volmacht-login";

void RegisterLoginRoutes(http::HttpServer& web, http::HttpServer& mtls_api, LoginFlowDeps deps);

}  // namespace volmacht::web
