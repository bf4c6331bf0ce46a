// The repository interface of volmacht. The SQLite implementation (src/store/sqlite) is the
// embedded default; a PostgreSQL implementation will fulfil the same contract later.
//
// Writes: every state change goes through Commit(WriteBatch), which stores the changed rows
// AND their events (hash-chained) AND outbox letters in one transaction. Commit returns only
// after the transaction is durable (fsync'd); batches from many threads are group-committed
// by a single writer thread. Reads may run concurrently from any thread.
//
// Thread-safety: all methods are thread-safe.
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
#include "domain/identifiers.h"
#include "domain/mandate.h"

namespace volmacht {

// One record of the append-only, hash-chained event log (docs/domain.md section 6): the audit
// trail, the source of the citizen's history screen and the change feed.
// hash = SHA-256 over (prev_hash, seq, at, mandate_id, type, actor, channel, detail_json) in a
// fixed canonical encoding; the first record's prev_hash is 64 '0' characters.
struct EventRecord {
  uint64_t seq = 0;
  Timestamp at;
  std::string mandate_id;  // empty for catalogue events
  std::string type;
  std::string actor;
  std::string channel;
  std::string detail_json;
  std::string prev_hash;  // hex
  std::string hash;       // hex
};

// A letter waiting in the outbox (rendered PDF).
struct Letter {
  Uuid id;
  std::string kind;        // "ACTIVATION_CODE", "CONFIRM_ACTIVATION", "CONFIRM_REVOCATION", ...
  std::string mandate_id;
  std::string recipient;   // "bsn:<bsn>" (personal data: database only, never logs)
  Timestamp created;
  std::string pdf;         // bytes
};

// A recorded use of a mandate (verification or login with representation). Not durable-
// critical: written in batches off the hot path.
struct MandateUse {
  Uuid mandate_id;
  Oin provider;
  Uuid service;
  Channel channel = Channel::kApi;  // stored as ChannelName: "API", "SAML", "OIDC", ...
  Timestamp at;
};

struct MandateWrite {
  Mandate mandate;
  int64_t expected_version = 0;  // 0 = insert (fails kConflict if exists); else must match
};

// An activation code written with a batch. The try counter is read-modify-write, so the write
// is conditional on what the writer read: `expected` is the stored record as read, and the
// write takes place only if the record is still exactly that (hash, expiry, failed_attempts,
// used), else kConflict and nothing of the batch is written. Without `expected` it is a new
// code: kConflict when the mandate has one already.
struct CodeWrite {
  ActivationCode code;
  std::optional<ActivationCode> expected;
};

struct NewEvent {
  std::string mandate_id;  // may be empty (catalogue)
  DomainEvent event;
};

struct WriteBatch {
  std::vector<Provider> providers;      // upsert
  std::vector<Service> services;        // upsert
  std::vector<ServiceSet> service_sets; // upsert
  std::vector<MandateWrite> mandates;
  std::vector<CodeWrite> codes;         // by mandate_id, conditional (CodeWrite)
  std::vector<NewEvent> events;         // at = Commit time from the store's clock
  std::vector<Letter> letters;
  bool empty() const {
    return providers.empty() && services.empty() && service_sets.empty() && mandates.empty() &&
           codes.empty() && events.empty() && letters.empty();
  }
};

struct CommitResult {
  uint64_t seq = 0;  // sequence number of the batch's last event (0 if it had none)
};

// Result of verifying the event chain.
struct AuditReport {
  uint64_t records = 0;
  bool ok = true;
  uint64_t first_bad_seq = 0;  // when !ok: the first record that does not verify
  std::string problem;         // when !ok: what is wrong ("hash mismatch", "gap", ...)
};

class Store {
 public:
  virtual ~Store() = default;

  // Durable, atomic: all of the batch or none of it. kConflict when a MandateWrite's
  // expected_version does not match (nothing of the batch is written). kUnavailable when
  // the disk fails. Blocks the calling thread until durable; never call on an I/O thread.
  [[nodiscard]] virtual Result<CommitResult> Commit(WriteBatch batch) = 0;

  // Catalogue.
  [[nodiscard]] virtual Result<std::vector<Provider>> ListProviders() = 0;
  [[nodiscard]] virtual Result<std::vector<Service>> ListServices() = 0;
  [[nodiscard]] virtual Result<std::vector<ServiceSet>> ListServiceSets() = 0;

  // Mandates.
  [[nodiscard]] virtual Result<std::optional<Mandate>> GetMandate(const Uuid& id) = 0;
  [[nodiscard]] virtual Result<std::vector<Mandate>> MandatesOfPrincipal(const Bsn& p) = 0;
  [[nodiscard]] virtual Result<std::vector<Mandate>> MandatesOfAgent(const Party& a) = 0;
  // REQUESTED mandates started by this party (as initiator principal or agent).
  [[nodiscard]] virtual Result<int> CountOpenRequestsBy(const Party& initiator) = 0;
  // Calls fn for every mandate (index load at start-up). Stops early when fn returns false.
  [[nodiscard]] virtual Result<void> ForEachMandate(
      const std::function<bool(const Mandate&)>& fn) = 0;
  // Mandates whose stored state is REQUESTED with lapse_on <= today, or ACTIVE with
  // end < today: the periodic sweep's work list.
  [[nodiscard]] virtual Result<std::vector<Mandate>> DueForTimeTransition(Date today) = 0;

  [[nodiscard]] virtual Result<std::optional<ActivationCode>> GetActivationCode(
      const Uuid& mandate) = 0;

  // Event log.
  [[nodiscard]] virtual Result<std::vector<EventRecord>> EventsOfMandate(const Uuid& id) = 0;
  [[nodiscard]] virtual Result<uint64_t> LastSeq() = 0;
  [[nodiscard]] virtual Result<AuditReport> VerifyEventChain() = 0;

  // Outbox.
  [[nodiscard]] virtual Result<std::vector<Letter>> ListLetters() = 0;  // pdf left empty
  [[nodiscard]] virtual Result<std::optional<Letter>> GetLetter(const Uuid& id) = 0;

  // Uses (batched by the caller; durable when it returns, but losing the last batch on a
  // crash is acceptable).
  [[nodiscard]] virtual Result<void> RecordUses(const std::vector<MandateUse>& uses) = 0;
  [[nodiscard]] virtual Result<std::vector<MandateUse>> UsesOfMandate(const Uuid& id) = 0;

  // Called by the writer thread after each group's transaction is durable and before any
  // caller of that group is answered, once per committed batch, in commit (seq) order.
  // Used to keep in-memory views (the verification index, the catalogue) exactly as fresh as
  // the acknowledged writes. The observer must not call Commit and must not throw.
  // Set it before the first Commit.
  using CommitObserver = std::function<void(const WriteBatch& batch, uint64_t last_seq)>;
  virtual void SetCommitObserver(CommitObserver observer) = 0;
};

}  // namespace volmacht
