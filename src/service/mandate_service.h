// MandateService: the use cases of volmacht (docs/domain.md sections 5-7). Every adapter (REST,
// SOAP, web, SAML, OIDC, counter, CLI) calls these and nothing else; each use case decides
// whether the Caller may do it, gathers the facts (register, store), lets the domain decide,
// and commits the change, its event and its letters in one durable transaction. Who may do
// what is decided in one place, service/authorization.h; the definitions are split by use
// case over the .cc files of src/service (see its CMakeLists.txt).
//
// Errors (Result): kInvalidArgument/kRuleViolation with InvalidParams for bad input or a
// broken rule; kNotFound when the mandate does not exist OR the caller may not know of it
// (never reveal existence); kForbidden when the caller is known but acts outside its rights
// (e.g. a provider naming another provider's service); kConflict for wrong state or a
// concurrent change; kLocked for a locked activation code; kUnavailable/kBadGateway when the
// register or the disk fails (then nothing was written).
//
// Writes return the event sequence number they produced (`seq`); Verify accepts it back as
// `min_seq` to demand at-least-as-fresh data.
//
// Thread-safety: all methods are thread-safe. Write use cases block on the durable commit:
// call them from worker threads (http Mode::kBlocking). Verify and ForWhom never touch the
// store or the register and never block: call them from I/O threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/uuid.h"
#include "domain/catalogue.h"
#include "domain/mandate.h"
#include "domain/person.h"
#include "registry/person_registry.h"
#include "service/caller.h"
#include "service/verification_index.h"
#include "store/store.h"

namespace volmacht {

struct ServiceConfig {
  std::string code_key;  // secret key for activation-code HMACs (>= 32 bytes)
  // Load every active mandate into the verification index and start the use flusher: what
  // `serve` needs. A one-shot command (admin, outbox, sweep) leaves it off and starts at
  // once; then Verify, ForWhom and the login use cases answer kUnavailable.
  bool verification = true;
};

// ----- Inputs -----
struct GrantRequest {            // flow A: the principal (caller) grants
  std::vector<Uuid> services;    // and/or
  std::optional<Uuid> service_set;
  std::optional<Date> start;     // default today
  Date end;
  std::optional<Party> agent;    // optional named agent (person or organisation)
  std::optional<Date> agent_birth;  // required when agent is a person
};

struct AskRequest {              // flow B: the agent (caller) asks
  Bsn principal;
  Date principal_birth;          // checked against the register
  std::vector<Uuid> services;
  std::optional<Uuid> service_set;
  std::optional<Date> start;
  Date end;
};

struct DirectRequest {           // DIRECT: citizen to the provider itself (IF-SI-10 / counter)
  Bsn principal;                 // for kProviderForCitizen must equal caller.bsn
  std::vector<Uuid> services;
  std::optional<Date> start;
  Date end;
  std::optional<Evidence> evidence;  // required at the counter
};

struct SurvivorRequest {         // SURVIVOR: registered by a clerk
  Bsn deceased;
  Party survivor;
  std::vector<Uuid> services;
  std::optional<Date> start;
  Date end;
  Evidence evidence;
};

struct RestrictRequest {
  std::vector<Uuid> services;    // the services to keep (subset)
  Date end;                      // the new end date (<= current)
};

// ----- Outputs -----
struct PartyView {
  Party party;
  std::string name;  // from the register for persons ("" when unknown)
};

struct MandateView {
  Mandate mandate;                    // the effective state applied
  PartyView principal;
  std::optional<PartyView> agent;
  std::vector<Service> services;      // catalogue entries (for a provider: only its own)
};

struct WriteResult {
  MandateView mandate;
  uint64_t seq = 0;
  std::string activation_code;  // only for Grant (flow A): shown once, formatted XXXX-XXXX-XXXX
};

struct ActivationPreview {
  Uuid mandate_id;
  PartyView principal;
  PartyView agent;
  std::vector<Service> services;
  Date start, end;
};

struct VerifyQuery {
  Party agent;
  Bsn principal;
  Uuid service;
  Loa loa = Loa::kMidden;
  uint64_t min_seq = 0;
};

struct VerifyAnswer {
  bool allowed = false;
  std::optional<Uuid> mandate;  // set only when allowed
};

struct HistoryEntry {          // one event of a mandate, as its reader may see it
  uint64_t seq = 0;
  Timestamp at;
  EventKind kind = EventKind::kRequested;
  ActorRole by = ActorRole::kUnknown;
  Channel channel = Channel::kSystem;
};

struct ForWhomEntry {
  Bsn principal;
  Uuid mandate;
};

// ----- Login with representation (SAML Combi-Connect, OpenID Connect) -----
enum class Representation { kNone, kOptional, kMandatory };

struct LoginRequest {         // what the provider asked, as its protocol adapter read it
  Uuid service;
  Representation representation = Representation::kNone;
  Loa min_loa = Loa::kBasis;  // the provider's own minimum
};

struct LoginCandidate {       // someone the person logged in may act for
  Bsn principal;
  Uuid mandate;
  std::string name;           // as the register has it ("" when unknown)
  int birth_year = 0;         // 0 when unknown
};

struct LoginOptions {
  bool choose = false;        // false: answer at once, for the person themselves
  bool allow_myself = false;  // the choice may be "myself" (representation optional)
  std::vector<LoginCandidate> candidates;  // when choose
};

// Error::reason of the login use cases; the protocol adapters answer each with their
// protocol's own refusal (SAML status, OAuth error).
inline constexpr char kReasonLoginForeignService[] = "login.service_not_of_provider";
inline constexpr char kReasonLoginNoMandate[] = "login.no_mandate";
inline constexpr char kReasonLoginRepresentationRequired[] = "login.representation_required";

class MandateService {
 public:
  // Loads the catalogue and builds the verification index from the store. Registers itself
  // as the store's commit observer. Errors: kUnavailable when the store cannot be read.
  [[nodiscard]] static Result<std::unique_ptr<MandateService>> Create(Store& store,
                                                                      PersonRegistry& registry,
                                                                      const Clock& clock,
                                                                      ServiceConfig cfg);
  ~MandateService();

  // --- Catalogue (Caller::kAdmin only) ---
  [[nodiscard]] Result<uint64_t> PutProvider(const Caller& c, const Provider& p);
  [[nodiscard]] Result<uint64_t> PutService(const Caller& c, const Service& s);
  [[nodiscard]] Result<uint64_t> PutServiceSet(const Caller& c, const ServiceSet& s);
  std::vector<Provider> Providers() const;
  std::vector<Service> Services() const;           // all, sorted by provider, position
  std::vector<ServiceSet> ServiceSets() const;
  std::optional<Provider> FindProvider(const Oin& oin) const;
  std::optional<Service> FindService(const Uuid& id) const;

  // --- Voluntary mandates ---
  [[nodiscard]] Result<WriteResult> Grant(const Caller& c, const GrantRequest& r);
  [[nodiscard]] Result<WriteResult> Ask(const Caller& c, const AskRequest& r);
  // Activation with a code, for the agent (caller). Both steps identify the request by the
  // principal's BSN and the code. A wrong code counts as a wrong try on the caller's open
  // requests from that principal; the fifth locks them (kLocked).
  [[nodiscard]] Result<ActivationPreview> PreviewActivation(const Caller& c, const Bsn& principal,
                                                            std::string_view code);
  [[nodiscard]] Result<WriteResult> Activate(const Caller& c, const Bsn& principal,
                                             std::string_view code);
  [[nodiscard]] Result<WriteResult> Approve(const Caller& c, const Uuid& id);   // principal
  [[nodiscard]] Result<WriteResult> Decline(const Caller& c, const Uuid& id);   // other party
  [[nodiscard]] Result<WriteResult> Withdraw(const Caller& c, const Uuid& id);  // either party
  [[nodiscard]] Result<WriteResult> Revoke(const Caller& c, const Uuid& id);
  [[nodiscard]] Result<WriteResult> Restrict(const Caller& c, const Uuid& id,
                                             const RestrictRequest& r);

  // --- Provider / counter kinds ---
  [[nodiscard]] Result<WriteResult> CreateDirect(const Caller& c, const DirectRequest& r);
  [[nodiscard]] Result<WriteResult> CreateSurvivor(const Caller& c, const SurvivorRequest& r);

  // --- Reading ---
  [[nodiscard]] Result<std::vector<MandateView>> ListGiven(const Caller& c);     // as principal
  [[nodiscard]] Result<std::vector<MandateView>> ListReceived(const Caller& c);  // as agent
  [[nodiscard]] Result<MandateView> Details(const Caller& c, const Uuid& id);
  // Every event of the mandate, oldest first, with who did it as a role (never an identifier).
  [[nodiscard]] Result<std::vector<HistoryEntry>> History(const Caller& c, const Uuid& id);
  // Mandates of `principal` (the deceased, for SURVIVOR) that the caller may see: for a clerk
  // or a provider its own DIRECT/SURVIVOR mandates (counter module: list, then revoke); for a
  // citizen only when it is their own BSN (same as ListGiven). Added for the counter module.
  [[nodiscard]] Result<std::vector<MandateView>> ListByPrincipal(const Caller& c,
                                                                 const Bsn& principal);

  // --- Verification (hot path: in-memory only, never blocks) ---
  // Caller must be kProvider/kProviderForCitizen; the service must belong to that provider
  // (else kForbidden). kUnavailable when min_seq is newer than the index.
  [[nodiscard]] Result<VerifyAnswer> Verify(const Caller& c, const VerifyQuery& q);
  [[nodiscard]] Result<std::vector<ForWhomEntry>> ForWhom(const Caller& c, const Party& agent,
                                                          const Uuid& service, Loa loa);
  // Records a use of a mandate (off the hot path: queued, flushed in batches). Uses are kept
  // to the minute: the same mandate used by the same provider for the same service through
  // the same channel within one minute (UTC) is one record, the first (docs/adr/0008).
  void RecordUse(const MandateUse& use);

  // --- Login with representation (docs/domain.md section 8) ---
  // The caller is the provider asking for the login (Caller::ProviderItself, channel kSaml
  // or kOidc); it must be known and active, and the service its own (else kForbidden, for
  // a foreign or unknown service with reason kReasonLoginForeignService).
  //
  // BeginLogin answers the DigiD level to ask: the provider's minimum, and when
  // representation is mandatory at least the service's (below it nobody could be offered).
  [[nodiscard]] Result<Loa> BeginLogin(const Caller& c, const LoginRequest& r);
  // After DigiD said who logged in (`acting`, at `loa`): whom they may act for, with names.
  // No representation asked, or nobody and representation optional: answer as themselves.
  // Nobody and representation mandatory: kForbidden with kReasonLoginNoMandate. Any failure
  // refuses the login; none falls back to "as themselves".
  [[nodiscard]] Result<LoginOptions> LoginOptionsFor(const Caller& c, const LoginRequest& r,
                                                     const Bsn& acting, Loa loa);
  // The person's choice: `principal` to act for, or nullopt for themselves (refused with
  // kReasonLoginRepresentationRequired when representation is mandatory). The mandate is
  // checked again now (it may have ended while the page was open; else kForbidden with
  // kReasonLoginNoMandate); then `answer` sends the protocol's answer, and only when it
  // succeeded is the use of the mandate recorded, with the caller's channel. Returns the
  // mandate used (nullopt when as themselves), or the first error.
  [[nodiscard]] Result<std::optional<Uuid>> CompleteLogin(
      const Caller& c, const LoginRequest& r, const Bsn& acting, Loa loa,
      const std::optional<Bsn>& principal, const std::function<Result<void>()>& answer);

  // --- Outbox (Caller::kAdmin only): the letters waiting to be printed and posted ---
  [[nodiscard]] Result<std::vector<Letter>> Outbox(const Caller& c);  // pdf left empty
  [[nodiscard]] Result<Letter> OutboxLetter(const Caller& c, const Uuid& id);  // kNotFound

  // --- Time ---
  // Applies LAPSED/EXPIRED to everything due (also done lazily on every read). Returns the
  // number of mandates changed.
  [[nodiscard]] Result<int> Sweep();
  // Flushes queued uses now (tests, shutdown).
  void FlushUses();

  uint64_t IndexSeq() const;

 private:
  struct Impl;
  explicit MandateService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace volmacht
