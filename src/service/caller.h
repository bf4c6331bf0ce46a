// Caller: who is asking, as the adapter authenticated them. The service layer decides what
// a caller may do (src/service/authorization.h, once; adapters never do).
//
//   - kCitizen: a citizen logged in with DigiD on our own site; `bsn` is theirs.
//   - kProviderForCitizen: a provider's system (mutual TLS, `provider` = certificate OIN)
//     acting for the citizen logged in at the provider (`bsn`, passed in the request body,
//     as the original system interface does). May only touch its own services.
//   - kProvider: a provider's system acting for itself (verification, DIRECT/SURVIVOR).
//   - kClerk: a counter clerk of `provider` (counter module), `clerk_id` set.
//   - kAdmin: an operator using `volmacht admin` on the server itself.
//   - kSystem: the service itself (sweeps).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/identifiers.h"
#include "domain/mandate.h"

namespace volmacht {

struct Caller {
  enum class Kind { kCitizen, kProviderForCitizen, kProvider, kClerk, kAdmin, kSystem };
  Kind kind = Kind::kSystem;
  std::optional<Bsn> bsn;
  std::optional<Oin> provider;
  std::string clerk_id;
  Channel channel = Channel::kSystem;

  static Caller Citizen(const Bsn& b, Channel ch) { return {Kind::kCitizen, b, {}, {}, ch}; }
  static Caller ProviderForCitizen(const Oin& o, const Bsn& b, Channel ch) {
    return {Kind::kProviderForCitizen, b, o, {}, ch};
  }
  static Caller ProviderItself(const Oin& o, Channel ch) { return {Kind::kProvider, {}, o, {}, ch}; }
  static Caller Clerk(const Oin& o, std::string id) {
    return {Kind::kClerk, {}, o, std::move(id), Channel::kCounter};
  }
  static Caller Admin() { return {Kind::kAdmin, {}, {}, {}, Channel::kAdmin}; }
  static Caller System() { return {Kind::kSystem, {}, {}, {}, Channel::kSystem}; }

  // Actor text for the event log: "bsn:<bsn>", "oin:<oin>/bsn:<bsn>", "clerk:<oin>/<id>", ...
  std::string Actor() const;
};

// Who did something to a mandate, told without their identifiers: what a history shows.
enum class ActorRole { kPrincipal, kAgent, kProvider, kClerk, kAdmin, kSystem, kUnknown };

// The role of an event's actor text (Caller::Actor) towards mandate `m`. A citizen acting
// through a provider counts as the citizen; a person who is neither party is kUnknown.
ActorRole RoleOfActor(std::string_view actor, const Mandate& m);

}  // namespace volmacht
