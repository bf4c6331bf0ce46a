// SqliteStore: the embedded Store (store.h) on one SQLite database file.
//
//   ManualClock clock(...);
//   Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open("/var/lib/volmacht/db", clock);
//
// Open creates the file when missing, switches it to WAL, applies the migrations
// (migrations.h) and starts the writer thread. It fails with kInternal for a database newer
// than this program, kUnavailable when the file cannot be opened or locked.
//
// Writes: Commit enqueues the batch and blocks until it is answered. One writer thread, with
// its own connection, takes every queued batch and runs them in ONE transaction, each batch
// inside its own SAVEPOINT: a batch that fails on its own (version conflict, duplicate id,
// reference to an unknown provider/service, invalid date) is rolled back to its savepoint
// and answered alone; the rest commit. Then COMMIT with synchronous=FULL (fsync), the commit
// observer sees each committed batch in order, and the callers are answered. A failure of
// the transaction itself (I/O, disk full) answers every batch of that group with the error
// (kUnavailable) and leaves nothing of it behind. Event `at` is the clock's Now() taken once
// per group. Extra rules checked at Commit (kInvalidArgument): a mandate's version must be
// expected_version + 1; stored dates must be real dates with a 4-digit year
// (a default-constructed Date, e.g. lapse_on of a mandate that never was REQUESTED, is
// stored as NULL and read back as Date{}).
//
// Reads use a pool of read connections, each read in one snapshot transaction; in WAL mode
// they never wait for the writer.
//
// The commit observer receives, for a batch without events, the seq of the chain head at that
// point (so a seq handed to it never goes backwards).
//
// Other processes may write the same file (volmacht admin or sweep beside a running server;
// docs/adr/0010-other-writers.md): each group continues the chain from the head as stored,
// read under the write lock. Their commits reach the observer too, before this store's own
// and within follow_period when idle, as batches of what their events changed as stored
// now (the mandates named; the whole catalogue after a catalogue event).
//
// Ownership: `clock` must outlive the store. The destructor answers every queued batch
// (drains the queue) and then stops the writer.
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "store/store.h"

namespace volmacht {

namespace store_internal {
class SqliteConn;
}

struct SqliteStoreOptions {
  // Read connections kept open while idle (more are opened on demand under load).
  size_t max_idle_readers = 8;
  // Name of a registered sqlite3_vfs; empty for SQLite's default. Tests use it to inject
  // disk faults.
  std::string vfs;
  // How often an idle writer looks for commits of other processes (FollowOthers).
  std::chrono::milliseconds follow_period{1000};
};

class SqliteStore final : public Store {
 public:
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                                 const Clock& clock);
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                                 const Clock& clock,
                                                                 SqliteStoreOptions options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] Result<CommitResult> Commit(WriteBatch batch) override;

  [[nodiscard]] Result<std::vector<Provider>> ListProviders() override;
  [[nodiscard]] Result<std::vector<Service>> ListServices() override;
  [[nodiscard]] Result<std::vector<ServiceSet>> ListServiceSets() override;

  [[nodiscard]] Result<std::optional<Mandate>> GetMandate(const Uuid& id) override;
  [[nodiscard]] Result<std::vector<Mandate>> MandatesOfPrincipal(const Bsn& p) override;
  [[nodiscard]] Result<std::vector<Mandate>> MandatesOfAgent(const Party& a) override;
  [[nodiscard]] Result<int> CountOpenRequestsBy(const Party& initiator) override;
  [[nodiscard]] Result<void> ForEachMandate(const std::function<bool(const Mandate&)>& fn) override;
  [[nodiscard]] Result<std::vector<Mandate>> DueForTimeTransition(Date today) override;

  [[nodiscard]] Result<std::optional<ActivationCode>> GetActivationCode(
      const Uuid& mandate) override;

  [[nodiscard]] Result<std::vector<EventRecord>> EventsOfMandate(const Uuid& id) override;
  [[nodiscard]] Result<uint64_t> LastSeq() override;
  [[nodiscard]] Result<AuditReport> VerifyEventChain() override;

  [[nodiscard]] Result<std::vector<Letter>> ListLetters() override;
  [[nodiscard]] Result<std::optional<Letter>> GetLetter(const Uuid& id) override;

  [[nodiscard]] Result<void> RecordUses(const std::vector<MandateUse>& uses) override;
  [[nodiscard]] Result<std::vector<MandateUse>> UsesOfMandate(const Uuid& id) override;

  void SetCommitObserver(CommitObserver observer) override;

  // Batches waiting for the writer (a gauge for monitoring; tests use it to build groups).
  size_t PendingBatches() const;

 private:
  struct Job {
    WriteBatch batch;
    std::vector<MandateUse> uses;
    std::promise<Result<CommitResult>> done;
  };
  // Hands out a read connection and takes it back when the lease ends.
  class ReadLease;

  SqliteStore(std::string path, const Clock& clock, SqliteStoreOptions options,
              std::unique_ptr<store_internal::SqliteConn> writer);

  struct Head {
    uint64_t seq = 0;
    std::string hash;
  };

  Result<CommitResult> Enqueue(std::unique_ptr<Job> job);
  void WriterLoop();
  CommitObserver Observer() const;
  static Result<Head> ReadHead(store_internal::SqliteConn& c);
  void FollowOthers(const CommitObserver& observer);
  void FollowFailed(std::string_view step, const Error& e);
  void RunGroup(std::vector<std::unique_ptr<Job>>& group, Timestamp now,
                const CommitObserver& observer);
  Result<uint64_t> ApplyJob(const Job& job, Timestamp now);
  Result<void> WriteMandate(const MandateWrite& w);
  Result<void> WriteCode(const CodeWrite& w);

  Result<ReadLease> AcquireReader();
  void ReleaseReader(std::unique_ptr<store_internal::SqliteConn> c);
  Result<std::vector<Mandate>> QueryMandates(const std::string& sql,
                                             const std::vector<std::string>& args);

  const std::string path_;
  const Clock& clock_;
  const SqliteStoreOptions options_;

  // Writer state: touched only by the writer thread (and Open, before it starts).
  std::unique_ptr<store_internal::SqliteConn> writer_conn_;
  uint64_t head_seq_ = 0;
  std::string head_hash_;
  uint64_t followed_seq_ = 0;  // the observer has heard of every commit up to here
  log::Throttle follow_warnings_{std::chrono::seconds(10)};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  CommitObserver observer_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<store_internal::SqliteConn>> idle_readers_;

  std::thread writer_;
};

}  // namespace volmacht
