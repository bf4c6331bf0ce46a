// The service catalogue of docs/domain.md section 4: providers, their delegable services, and
// service sets. Plain data; validation of admin input lives in src/service.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/uuid.h"
#include "domain/identifiers.h"

namespace volmacht {

// An OpenID Connect client of a provider (login with representation over OIDC).
struct OidcClientRegistration {
  std::string client_id;
  std::string secret_sha256_hex;           // SHA-256 of the client secret, hex; never the secret
  std::vector<std::string> redirect_uris;  // compared exactly
  auto operator<=>(const OidcClientRegistration&) const = default;
};

// The rules of an OIDC client registration, one set for whoever stores it (the catalogue's
// PutProvider) and whoever serves it (the OIDC provider): a client_id of 1-128 visible ASCII
// characters; the secret kept as its SHA-256 in 64 lower-case hex digits; at least one
// redirect URI, each ValidRedirectUri. Errors: kInvalidArgument with one InvalidParam
// (client_id, secret or redirect_uri).
[[nodiscard]] Result<void> CheckOidcClient(const OidcClientRegistration& c);
// A redirect URI a client may register: at most 2048 bytes, no fragment (an OAuth redirection
// endpoint has none), no spaces or control characters; https with a host, or http on a
// loopback host (localhost, 127.0.0.1, [::1]) for development.
bool ValidRedirectUri(std::string_view uri);

struct Provider {
  Oin oin;
  std::string name;
  std::string contact;          // e-mail or phone of the provider's contact
  std::string certificate_pem;  // the provider's certificate (PKIoverheid; test CA in dev)
  bool counter_addendum = false;  // signed the counter-module addendum
  bool active = true;
  // Combi-Connect: the provider's SAML SP metadata (entity id, certificates, ACS endpoints);
  // empty when the provider does not use the SAML login.
  std::string saml_metadata;
  bool saml_post_response = false;  // send the Response by HTTP-POST instead of an artifact
  std::vector<OidcClientRegistration> oidc_clients;
};

enum class AgentType { kCitizen, kOrganisation, kBoth, kNone };
std::string_view AgentTypeName(AgentType t);  // "CITIZEN", ...
[[nodiscard]] Result<AgentType> ParseAgentType(std::string_view s);

struct Service {
  Uuid id;
  Oin provider;
  std::string name_nl, name_en;
  std::string description_nl, description_en;
  AgentType agent_type = AgentType::kBoth;
  Loa min_loa = Loa::kMidden;
  int request_validity_days = 21;
  int max_mandate_years = 5;
  bool counter_direct_allowed = false;
  bool survivor_allowed = false;
  std::optional<Date> active_from;   // inclusive
  std::optional<Date> active_until;  // inclusive
  int position = 0;                  // display order

  bool ActiveOn(Date today) const;
};

struct ServiceSet {
  Uuid id;
  std::string name_nl, name_en;
  std::vector<Uuid> services;
};

}  // namespace volmacht
