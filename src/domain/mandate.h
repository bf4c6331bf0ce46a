// Mandate and its state machine (docs/domain.md sections 5 and 6). Pure: every transition is a
// function from the old mandate (plus facts and the current time, passed in) to a new one,
// or an Error; the input is never modified. The store persists the result together with the
// event the transition returns.
//
// Dates are Europe/Amsterdam civil dates; `end` is inclusive (valid through that day).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/uuid.h"
#include "domain/catalogue.h"
#include "domain/identifiers.h"
#include "domain/person.h"

namespace volmacht {

enum class MandateKind { kVoluntary, kDirect, kSurvivor };
enum class MandateState { kRequested, kActive, kLapsed, kWithdrawn, kRejected, kExpired, kRevoked };
enum class Initiator { kPrincipal, kAgent, kProvider };  // who started it (flow A, B, counter)
enum class Channel { kApi, kWeb, kSoap, kCounter, kSaml, kOidc, kSystem, kAdmin };

// What happened, as the event log records it. The names are part of the hash-chained log:
// never rename one.
enum class EventKind {
  kRequested, kActivated, kApproved, kRejected, kWithdrawn, kRevoked, kRestricted, kLapsed,
  kExpired, kCodeFailed, kCodeLocked, kLetterNoAddress,
  kProviderSaved, kServiceSaved, kServiceSetSaved,  // catalogue events (no mandate)
};

std::string_view KindName(MandateKind k);    // "VOLUNTARY", "DIRECT", "SURVIVOR"
std::string_view StateName(MandateState s);  // "REQUESTED", "ACTIVE", ...
std::string_view InitiatorName(Initiator i);
std::string_view ChannelName(Channel c);
std::string_view EventKindName(EventKind k);  // "REQUESTED", "CODE_FAILED", ...
[[nodiscard]] Result<MandateKind> ParseKind(std::string_view s);
[[nodiscard]] Result<MandateState> ParseState(std::string_view s);
[[nodiscard]] Result<Initiator> ParseInitiator(std::string_view s);
[[nodiscard]] Result<Channel> ParseChannel(std::string_view s);
[[nodiscard]] Result<EventKind> ParseEventKind(std::string_view s);
bool IsTerminal(MandateState s);

// Why a mandate ended early (REVOKED) or why it was refused.
enum class EndReason { kNone, kByPrincipal, kByAgent, kByProvider, kDeceased };
std::string_view EndReasonName(EndReason r);
[[nodiscard]] Result<EndReason> ParseEndReason(std::string_view s);

// Evidence for counter kinds (DIRECT at a counter, SURVIVOR).
struct Evidence {
  std::string document_type;    // e.g. "PASPOORT", "VERKLARING_VAN_ERFRECHT"
  std::string document_number;  // or the certificate reference
  std::string clerk;            // identity of the clerk who registered it
};

struct Mandate {
  Uuid id;
  MandateKind kind = MandateKind::kVoluntary;
  Bsn principal;                // for SURVIVOR: the deceased
  std::optional<Party> agent;   // nullopt only while REQUESTED by flow A without named agent
  std::optional<Date> agent_birth;  // flow A with a named agent: the birth date given
  std::optional<Oin> provider;  // DIRECT/SURVIVOR: the provider it was registered for
  std::vector<Uuid> services;   // sorted, unique, at least one
  Date start;
  Date end;                     // inclusive
  MandateState state = MandateState::kRequested;
  Initiator initiator = Initiator::kPrincipal;
  EndReason end_reason = EndReason::kNone;
  std::optional<Evidence> evidence;
  Date lapse_on;                // REQUESTED only: from this date on the request has LAPSED
  Timestamp created;
  Timestamp changed;
  int64_t version = 0;          // optimistic concurrency; 1 after insert, +1 per change
};

// The state as of `today`, applying the time-driven transitions (LAPSED, EXPIRED) that the
// stored state may not yet show.
MandateState EffectiveState(const Mandate& m, Date today);
// True when the mandate lets its agent act now: ACTIVE, start <= today <= end.
bool InForce(const Mandate& m, Date today);

// What happened: returned by each transition, persisted as an event by the store.
struct DomainEvent {
  EventKind kind = EventKind::kRequested;
  std::string actor;    // who did it: "bsn:<bsn>", "oin:<oin>", "system", "clerk:<id>"
  Channel channel = Channel::kSystem;
  std::string detail_json = "{}";  // small JSON object with the transition's details
};

struct Transition {
  Mandate mandate;
  DomainEvent event;
};

// ----- Creation -----
struct NewMandate {
  MandateKind kind = MandateKind::kVoluntary;
  Initiator initiator = Initiator::kPrincipal;
  Bsn principal;
  std::optional<Party> agent;
  std::optional<Date> agent_birth;
  std::optional<Oin> provider;
  std::vector<Uuid> services;
  Date start;
  Date end;
  std::optional<Evidence> evidence;
};

// Facts the creation rules need, gathered by the use case from the register and the store.
struct CreationFacts {
  Date today;
  Timestamp now;
  std::vector<Service> services;         // the catalogue entries of NewMandate::services
  std::optional<Person> principal;       // nullopt = not in the register
  std::optional<Person> agent_person;    // when the agent is a person
  bool duplicate_active = false;         // an ACTIVE mandate with same principal, agent, service
  int open_requests_of_initiator = 0;    // REQUESTED mandates the initiating user has open
  int active_survivor_mandates_for_provider = 0;  // SURVIVOR: for this deceased + provider
};

inline constexpr int kMaxOpenRequests = 20;
inline constexpr int kAdultAge = 18;

// Checks every rule of docs/domain.md sections 5-6 and creates the mandate: VOLUNTARY as
// REQUESTED (lapse_on = today + smallest request_validity_days), DIRECT and SURVIVOR as ACTIVE.
// Errors: kInvalidArgument (dates, services empty), kRuleViolation (age, deceased, curatele,
// principal == agent, duplicate, cap, too long, agent type, survivor rules), kNotFound
// (person not in the register).
[[nodiscard]] Result<Transition> CreateMandate(const NewMandate& req, const CreationFacts& f,
                                               const Uuid& id, const std::string& actor,
                                               Channel channel);

// The rules for whoever activates a request that named no agent (known only then), the
// same the request would have checked for a named agent: a person in the register, alive and
// surely adult; and every service must allow that kind of agent. `person` is the register's
// entry when `agent` is a person (nullopt: not in the register). Errors: kRuleViolation.
[[nodiscard]] Result<void> CheckActivator(const Mandate& m, const Party& agent,
                                          const std::optional<Person>& person,
                                          const std::vector<Service>& services, Date today);
// No second ACTIVE mandate for the same principal, agent and service: kRuleViolation when
// `duplicate_active` (the fact the use case looked up), for a new mandate and for one that
// becomes active (activation, approval) alike.
[[nodiscard]] Result<void> CheckNotDuplicate(bool duplicate_active);

// ----- Transitions on an existing mandate. Each checks the state (kConflict when the
// transition is not allowed from the effective state) and returns the new mandate with
// version + 1 and changed = now. Authorisation (who may call) is the use case's job. -----
[[nodiscard]] Result<Transition> Activate(const Mandate& m, const Party& agent, Date today,
                                          Timestamp now, const std::string& actor, Channel ch);
[[nodiscard]] Result<Transition> Approve(const Mandate& m, Date today, Timestamp now,
                                         const std::string& actor, Channel ch);
[[nodiscard]] Result<Transition> Reject(const Mandate& m, Date today, Timestamp now,
                                        const std::string& actor, Channel ch);
[[nodiscard]] Result<Transition> Withdraw(const Mandate& m, Date today, Timestamp now,
                                          const std::string& actor, Channel ch);
[[nodiscard]] Result<Transition> Revoke(const Mandate& m, EndReason why, Date today,
                                        Timestamp now, const std::string& actor, Channel ch);
// Narrow only: `services` must be a non-empty subset, `end` <= current end and >= today and
// >= start. Anything wider is kRuleViolation.
[[nodiscard]] Result<Transition> Restrict(const Mandate& m, std::vector<Uuid> services, Date end,
                                          Date today, Timestamp now, const std::string& actor,
                                          Channel ch);
// Applies LAPSED / EXPIRED when due; nullopt when nothing is due.
std::optional<Transition> ApplyTime(const Mandate& m, Date today, Timestamp now);
// Death of principal or agent, as the register says: ACTIVE or REQUESTED (non-SURVIVOR) ->
// REVOKED with EndReason::kDeceased. nullopt when nothing changes.
std::optional<Transition> ApplyDeath(const Mandate& m, bool principal_deceased,
                                     bool agent_deceased, Date today, Timestamp now);

// ----- Activation codes -----
// 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
inline constexpr std::string_view kCodeAlphabet = "ACDEFGHJKMNPQRTUVWXY34679";
inline constexpr int kMaxCodeAttempts = 5;
std::string GenerateActivationCode();                  // 12 chars, uniform over the alphabet
std::string FormatActivationCode(std::string_view c);  // XXXX-XXXX-XXXX
// Accepts the code with or without hyphens/spaces, any case; kInvalidArgument otherwise.
[[nodiscard]] Result<std::string> NormalizeActivationCode(std::string_view input);

// What the store keeps of a code: never the code itself.
struct ActivationCode {
  Uuid mandate_id;
  std::string hash_hex;  // hex HMAC-SHA256(key, mandate_id + ":" + normalized code)
  Timestamp expires;     // after this instant the code no longer works
  int failed_attempts = 0;
  bool used = false;
  bool locked() const { return failed_attempts >= kMaxCodeAttempts; }
};
ActivationCode MakeActivationCode(std::string_view key, const Uuid& mandate,
                                  std::string_view normalized_code, Timestamp expires);

enum class CodeCheck { kOk, kWrong, kLocked, kExpired, kUsed };
// Compares in constant time. On kWrong the returned record has failed_attempts + 1 (the
// caller persists it; the fifth wrong try makes it locked). On kOk the record is marked used.
CodeCheck CheckActivationCode(std::string_view key, const ActivationCode& rec,
                              std::string_view normalized_code, Timestamp now,
                              ActivationCode* updated);

}  // namespace volmacht
