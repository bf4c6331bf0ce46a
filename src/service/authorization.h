// Authorisation of the use cases, in one place: a table of which caller kind may start which
// action, and small named rules for what depends on the request or on the mandate (is the
// caller its principal, does the service belong to the calling provider). Use cases ask here
// and return the answer unchanged; no other file in src/service decides who may do what.
//
// Contract: every check returns {} (or true) when allowed, else the error for the caller:
//   - kForbidden when the caller is known but acts outside its rights;
//   - kNotFound when the caller may not even know that a mandate exists: the same answer,
//     word for word, as for a mandate that does not exist.
// Authorize() comes first; the named rules assume it passed (for instance that a caller
// acting for a citizen carries a BSN). For an action on one mandate, call Authorize() after
// looking the mandate up, so that every way of not seeing a mandate (missing, hidden, or
// the store failing first) answers alike.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"
#include "common/uuid.h"
#include "domain/identifiers.h"
#include "domain/mandate.h"
#include "service/caller.h"
#include "service/catalogue_snapshot.h"

namespace volmacht {

// What a caller asks to do: one per use case, or per group of use cases with the same rights.
enum class Action {
  kPutCatalogue,     // PutProvider, PutService, PutServiceSet
  kGrant,            // flow A: the principal grants
  kAsk,              // flow B: the agent asks
  kActivate,         // PreviewActivation, Activate: the agent, with the principal's code
  kApprove,          // the principal approves a request of the agent
  kDecline,          // the party who received a request refuses it
  kWithdraw,         // a party cancels a request
  kRevoke,           // a party, or the provider of a DIRECT/SURVIVOR mandate, ends it
  kRestrict,         // a party narrows it
  kCreateDirect,     // DIRECT: to the provider itself
  kCreateSurvivor,   // SURVIVOR: registered by a counter clerk
  kListOwn,          // ListGiven, ListReceived
  kListByPrincipal,  // ListByPrincipal
  kReadMandate,      // Details, History
  kVerify,           // Verify, ForWhom
  kLogin,            // BeginLogin, LoginOptionsFor, CompleteLogin: the provider's login
  kReadOutbox,       // Outbox, OutboxLetter: the letters to post
};

inline constexpr Action kAllActions[] = {
    Action::kPutCatalogue,    Action::kGrant,          Action::kAsk,
    Action::kActivate,        Action::kApprove,        Action::kDecline,
    Action::kWithdraw,        Action::kRevoke,         Action::kRestrict,
    Action::kCreateDirect,    Action::kCreateSurvivor, Action::kListOwn,
    Action::kListByPrincipal, Action::kReadMandate,    Action::kVerify,
    Action::kLogin,           Action::kReadOutbox,
};

std::string_view ActionName(Action a);  // "PUT_CATALOGUE", "GRANT", ...

// The table's answer for one caller kind and action.
enum class Rule {
  kDeny,   // kForbidden
  kAllow,  // may; a named rule below may still refuse this request or this mandate
  kHide,   // kNotFound: this kind never sees a mandate, so it hears what a missing one gets
};

Rule RuleFor(Caller::Kind kind, Action a);

// The gate of every use case: the table, plus the identity an allowed kind must carry for
// the action (the citizen's BSN, the provider's OIN).
[[nodiscard]] Result<void> Authorize(const Caller& c, Action a);
// Authorize, and then for a caller acting for a provider (its system, a citizen through it,
// or its clerk): that provider is in the catalogue and active (else kForbidden). Every use
// case goes through this, so no adapter has to remember it: an inactive or unknown
// organisation can do nothing, whichever interface it comes through.
[[nodiscard]] Result<void> Authorize(const Caller& c, Action a, const CatalogueSnapshot& cat);
// The provider half of that: {} for callers that do not act for a provider. Checked before a
// mandate is looked up, so an unknown organisation cannot tell existing ids from others.
[[nodiscard]] Result<void> ProviderIsActive(const Caller& c, const CatalogueSnapshot& cat);

// ----- Who the caller is to a mandate -----

// The person the caller acts as or for: a citizen, in person or through a provider.
std::optional<Party> ActingCitizen(const Caller& c);
bool IsPrincipal(const Caller& c, const Mandate& m);
bool IsAgent(const Caller& c, const Mandate& m);
// The caller's provider offers this service.
bool OwnsService(const Caller& c, const Uuid& service, const CatalogueSnapshot& cat);
// The caller is a provider acting itself (its system, or a clerk of a provider that uses the
// counter module) on a DIRECT/SURVIVOR mandate registered for it.
bool IsProviderOf(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat);
// Whether the caller may know the mandate exists (else kNotFound). A provider acting for a
// citizen sees only mandates touching one of its own services.
bool CanSee(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat);
// Whether an open request is one the caller may activate with a code: addressed to them or
// to nobody, and for a provider acting for a citizen, touching one of its services.
bool MayActivateRequest(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat);

// ----- Rules on a visible mandate (kForbidden) -----

[[nodiscard]] Result<void> MayApprove(const Caller& c, const Mandate& m);   // principal, flow B
[[nodiscard]] Result<void> MayDecline(const Caller& c, const Mandate& m);   // the receiver
[[nodiscard]] Result<void> MayWithdraw(const Caller& c, const Mandate& m);  // either party
// Either party, or the provider of a DIRECT/SURVIVOR mandate; answers in which capacity.
[[nodiscard]] Result<EndReason> MayRevoke(const Caller& c, const Mandate& m,
                                          const CatalogueSnapshot& cat);
[[nodiscard]] Result<void> MayRestrict(const Caller& c, const Mandate& m);  // either party

// ----- Rules on a request (kForbidden) -----

// The service belongs to the calling provider.
[[nodiscard]] Result<void> ServiceOfCaller(const Caller& c, const Uuid& service,
                                           const CatalogueSnapshot& cat);
// A provider acting for a citizen may name only its own services; other kinds any service.
[[nodiscard]] Result<void> MayNameService(const Caller& c, const Uuid& service,
                                          const CatalogueSnapshot& cat);
// A clerk works only for an active provider that signed the counter-module addendum.
[[nodiscard]] Result<void> MayUseCounter(const Caller& c, const CatalogueSnapshot& cat);
// A citizen registers a DIRECT mandate only for themself.
[[nodiscard]] Result<void> MayActFor(const Caller& c, const Bsn& principal);
// A citizen lists only their own mandates by principal; clerks and providers any principal's
// (they then see only their own DIRECT/SURVIVOR mandates, by CanSee).
[[nodiscard]] Result<void> MayListPrincipal(const Caller& c, const Bsn& principal);
// The provider verifies only its own services, and only while it is active.
[[nodiscard]] Result<void> MayVerify(const Caller& c, const Uuid& service,
                                     const CatalogueSnapshot& cat);

}  // namespace volmacht
