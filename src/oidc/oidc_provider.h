// OidcProvider: the OpenID Connect variant of the login with representation (issue 3 item 4,
// docs/domain.md section 8): authorization code flow with PKCE S256, ES256-signed ID tokens
// whose claims carry the SAML attribute names, so Dutch clients built for Combi-Connect
// connect unchanged. No HTTP inside: the web layer maps routes to these calls
// (docs/adr/0006-oidc.md):
//
//   GET  <issuer>/.well-known/openid-configuration -> DiscoveryJson()
//   GET  <issuer>/jwks                             -> JwksJson()
//   GET  <issuer>/authorize  -> ParseAuthorize(query); error page / error redirect / login,
//                               then IssueCode(...) or ErrorRedirect(...) as a 302
//   POST <issuer>/token      -> Token(body, Authorization header)
//   GET|POST <issuer>/userinfo -> UserInfo(Authorization header)
//
// The web layer decides who logged in (DigiD), at which LoA, and for whom they act (the
// verification index); this class only turns that decision into codes and tokens.
// Codes and access tokens live in memory (hashed), single-process; bounded stores, expired
// entries swept on every write. Every time read comes from the injected Clock.
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/uuid.h"
#include "domain/identifiers.h"

namespace volmacht::oidc {

struct OidcClient {
  std::string client_id;  // printable ASCII, 1..128 characters
  // Lowercase hex SHA-256 of the client secret. Accepted by client_secret_basic and
  // client_secret_post; compared in constant time.
  std::string secret_sha256_hex;
  // Compared byte for byte with the redirect_uri of a request. Each must be https (or
  // http on localhost / 127.0.0.1, for development) with no fragment.
  std::vector<std::string> redirect_uris;
  Oin provider;  // the organisation (catalogue provider) the client is for
};

struct OidcConfig {
  std::string issuer;            // e.g. "https://localhost:8444/oidc"; https, no trailing '/'
  std::string signing_key_file;  // EC P-256 private key PEM (ES256); created when missing
  // 32-byte secret (hex) for the pairwise subject; created when missing.
  // Empty: signing_key_file + ".pairwise".
  std::string pairwise_key_file;
  std::chrono::seconds code_ttl{60};
  std::chrono::seconds token_ttl{300};  // access token and ID token lifetime
  size_t max_codes = 20000;             // live codes; the oldest is dropped beyond this
  size_t max_tokens = 100000;           // live access tokens; likewise
};

struct AuthorizeRequest {
  enum class Representation { kNone, kOptional, kMandatory };
  std::string client_id, redirect_uri, state, nonce, code_challenge;
  std::string scope;          // as requested, echoed in the token response
  Oin provider;               // of the client
  Uuid service;               // from the scope token urn:nl-eid-gdi:1.0:ServiceUUID:<uuid>
  Loa min_loa = Loa::kBasis;  // lowest of acr_values; kBasis when none are given
  // vertegenwoordiging=optioneel|verplicht; absent = kNone (the user logs in as themselves).
  Representation representation = Representation::kNone;
};

// An authorize request that names a valid client and redirect URI but is wrong otherwise:
// send the browser there (302). RFC 6749 section 4.1.2.1.
struct AuthorizeErrorRedirect {
  std::string url;  // redirect_uri?error=...&error_description=...&state=...&iss=...
};

using AuthorizeOutcome = std::variant<AuthorizeRequest, AuthorizeErrorRedirect>;

struct HttpAnswer {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // includes Content-Type
};

class OidcProvider {
 public:
  // Loads (or creates) the signing and pairwise keys and registers the clients.
  // Errors: kInvalidArgument for a bad issuer, key file or client (see SetClients),
  // kUnavailable when a key file cannot be read or written.
  [[nodiscard]] static Result<std::unique_ptr<OidcProvider>> Create(OidcConfig config,
                                                                    std::vector<OidcClient> clients,
                                                                    const Clock& clock);
  ~OidcProvider();
  OidcProvider(const OidcProvider&) = delete;
  OidcProvider& operator=(const OidcProvider&) = delete;

  // Replaces the registered clients (the catalogue changed). Codes and tokens already issued
  // stay valid until they expire, but a code of a removed client can no longer be redeemed.
  // Errors (kInvalidArgument, nothing replaced): empty or duplicate client_id, secret hash
  // not 64 hex digits, no redirect URI, a redirect URI that is not https (http only for
  // localhost/127.0.0.1), has a fragment or is over 2 KiB.
  [[nodiscard]] Result<void> SetClients(std::vector<OidcClient> clients);

  std::string DiscoveryJson() const;
  std::string JwksJson() const;

  // Parses the authorize query string (without '?').
  // Error (show an error page, never redirect): query over 8 KiB or not parseable,
  // client_id missing or unknown, redirect_uri missing or not registered for the client.
  // AuthorizeErrorRedirect: response_type not "code" (unsupported_response_type), scope
  // without "openid" or without exactly one valid ServiceUUID token (invalid_scope), PKCE
  // missing, method not S256 or malformed challenge, unknown acr value, bad
  // vertegenwoordiging, response_mode other than query, request objects (invalid_request /
  // request_not_supported / request_uri_not_supported).
  [[nodiscard]] Result<AuthorizeOutcome> ParseAuthorize(std::string_view query) const;

  // After login (and the choice whom to act for): issues a one-time code bound to client,
  // redirect_uri, code_challenge, nonce, subjects, service and LoA, and returns the URL to
  // send the browser to: redirect_uri?code=...&state=...&iss=...
  // legal: the principal when acting for someone, nullopt for "myself".
  // Programming errors (std::invalid_argument): legal given with Representation::kNone, or
  // absent with kMandatory; loa below request.min_loa (ask ErrorRedirect instead).
  std::string IssueCode(const AuthorizeRequest& request, const Bsn& acting,
                        const std::optional<Bsn>& legal, Loa loa);

  // redirect_uri?error=<error>&state=...&iss=... for a login that ended without a code
  // (access_denied: cancelled or refused; login_required; ...).
  std::string ErrorRedirect(const AuthorizeRequest& request, std::string_view error,
                            std::string_view description = "") const;

  // Token endpoint (RFC 6749 section 4.1.3, RFC 7636 section 4.6). form_body is the
  // application/x-www-form-urlencoded POST body, authorization_header the raw value of the
  // Authorization header ("" when absent). Answers 200 with the tokens, 400 with
  // invalid_request / unsupported_grant_type / invalid_grant, or 401 invalid_client with
  // WWW-Authenticate. A code is spent by its first presentation, whatever the outcome; a
  // second presentation also revokes the access token issued from it.
  HttpAnswer Token(std::string_view form_body, std::string_view authorization_header);

  // UserInfo (OIDC Core 5.3) for "Bearer <access token>": 200 with sub and the
  // urn:nl-eid-gdi claims, or 401 with WWW-Authenticate error=invalid_token.
  HttpAnswer UserInfo(std::string_view authorization_header) const;

  const std::string& issuer() const;

 private:
  struct Impl;
  explicit OidcProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Claim names (the SAML attribute names of Combi-Connect).
inline constexpr std::string_view kClaimActing = "urn:nl-eid-gdi:1.0:ActingSubjectID";
inline constexpr std::string_view kClaimLegal = "urn:nl-eid-gdi:1.0:LegalSubjectID";
inline constexpr std::string_view kClaimService = "urn:nl-eid-gdi:1.0:ServiceUUID";
// Scope token prefix that names the service: "urn:nl-eid-gdi:1.0:ServiceUUID:<uuid>".
inline constexpr std::string_view kServiceScopePrefix = "urn:nl-eid-gdi:1.0:ServiceUUID:";

}  // namespace volmacht::oidc
