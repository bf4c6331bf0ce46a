// LoginSessionStore: the browser sessions of the login with representation (SAML
// Combi-Connect and OpenID Connect), in memory. A session lives from the provider's request
// until the answer goes back to the provider, at most `ttl` (15 minutes), and is used once.
//
//   LoginSessionStore store(clock);
//   auto id = store.Create(std::move(session));    // the cookie value (64 hex digits)
//   auto s = store.Get(*id);                       // a copy, while live
//   store.Update(*id, LoginStage::kAtDigid, next); // compare-and-set on the stage
//   auto done = store.Take(*id, LoginStage::kChoosing);  // removes: one-time use
//
// The id is 256 random bits; the store keys sessions by SHA-256 of the id, so the id itself
// is never kept and lookups do not compare secrets byte by byte. A session holds personal
// data (the BSN of whoever logged in and of the people offered): it never leaves memory, is
// never logged, and is dropped on expiry, on use, or when the process stops.
//
// Bounded: at most max_sessions live sessions; Create purges expired ones first and refuses
// with kUnavailable when still full (refuse rather than forget someone's login half-way).
// Thread-safety: all methods may be called from many threads at once (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/uuid.h"
#include "domain/identifiers.h"
#include "oidc/oidc_provider.h"
#include "saml/combi_connect.h"
#include "service/mandate_service.h"

namespace volmacht::web {

enum class LoginProtocol { kSaml, kOidc };

enum class LoginStage {
  kAtDigid,    // sent to DigiD, waiting for the browser to come back at the ACS
  kResolving,  // back from DigiD, the artifact is being resolved (one request at a time)
  kChoosing,   // logged in; the page "for whom do you log in" is shown
};

// One person the user may act for, as offered on the choice page.
struct OfferedPrincipal {
  Bsn bsn;
  std::string label;  // what the page shows: the name, and the birth year when names clash
};

struct LoginSession {
  LoginProtocol protocol = LoginProtocol::kSaml;
  std::optional<saml::CombiConnectIdp::AuthnRequestInfo> saml;  // protocol kSaml
  std::optional<oidc::AuthorizeRequest> oidc;                   // protocol kOidc
  Oin provider;
  LoginRequest request;          // the service, representation and minimum LoA asked for
  Loa digid_loa = Loa::kBasis;   // what DigiD is asked for (MandateService::BeginLogin)
  std::string relay_token;       // RelayState towards DigiD (random; not the session id)
  std::string digid_request_id;  // the AuthnRequest ID sent to DigiD
  std::string csrf_token;        // for the choice form
  std::optional<Bsn> acting;     // set once DigiD said who logged in
  Loa loa = Loa::kBasis;         // the LoA DigiD reported
  std::vector<OfferedPrincipal> offered;
  bool allow_myself = false;     // the choice page offers "myself"
  LoginStage stage = LoginStage::kAtDigid;
  Timestamp created;  // set by Create
};

class LoginSessionStore {
 public:
  explicit LoginSessionStore(const Clock& clock, size_t max_sessions = 10000,
                             std::chrono::seconds ttl = std::chrono::minutes(15));

  // Stores the session and returns its id. Errors: kUnavailable when max_sessions live
  // sessions exist.
  [[nodiscard]] Result<std::string> Create(LoginSession s);
  // A copy of the live session with this id; nullopt when unknown, expired or malformed.
  std::optional<LoginSession> Get(std::string_view id) const;
  // Replaces the live session when its stage is `expected`; false otherwise (nothing
  // changes). The creation time is kept.
  bool Update(std::string_view id, LoginStage expected, LoginSession s);
  // Removes and returns the live session when its stage is `expected` (one-time use).
  std::optional<LoginSession> Take(std::string_view id, LoginStage expected);
  void Erase(std::string_view id);
  size_t size() const;  // live and not yet purged sessions (tests)

 private:
  std::string Key(std::string_view id) const;  // "" for a malformed id
  bool Live(const LoginSession& s) const;
  void PurgeLocked();

  const Clock& clock_;
  const size_t max_sessions_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mu_;
  std::map<std::string, LoginSession> sessions_;          // by SHA-256(id), hex
  std::deque<std::pair<Timestamp, std::string>> order_;   // creation order = expiry order
};

}  // namespace volmacht::web
