#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "common/counters.h"
#include "common/log.h"
#include "store/event_chain.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_conn.h"

namespace volmacht {

using store_internal::ReadTxn;
using store_internal::SqliteConn;
using store_internal::Stmt;

namespace {

int64_t Micros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromMicros(int64_t v) { return Timestamp(std::chrono::microseconds(v)); }

Error Corrupt(std::string_view what) {
  return Error::Internal("corrupt row in store: " + std::string(what));
}

bool IsUnsetDate(const Date& d) {
  return static_cast<int>(d.year()) == 0 && static_cast<unsigned>(d.month()) == 0 &&
         static_cast<unsigned>(d.day()) == 0;
}

bool IsStorableDate(const Date& d) {
  int y = static_cast<int>(d.year());
  return d.ok() && y >= 1 && y <= 9999;
}

// A real date as ISO text; the unset Date{} as NULL; anything else is refused.
Result<void> BindDate(Stmt& st, int i, const Date& d, std::string_view field) {
  if (IsUnsetDate(d)) {
    st.BindNull(i);
    return {};
  }
  if (!IsStorableDate(d)) return Fail(Error::Invalid("invalid date in " + std::string(field)));
  st.BindText(i, FormatIsoDate(d));
  return {};
}

Result<void> BindOptDate(Stmt& st, int i, const std::optional<Date>& d, std::string_view field) {
  if (!d) {
    st.BindNull(i);
    return {};
  }
  if (!IsStorableDate(*d)) return Fail(Error::Invalid("invalid date in " + std::string(field)));
  st.BindText(i, FormatIsoDate(*d));
  return {};
}

Result<Date> ReadDate(const Stmt& st, int col) {
  if (st.IsNull(col)) return Date{};
  Date d{};
  if (!ParseIsoDate(st.Text(col), &d)) return Fail(Corrupt("date"));
  return d;
}

Result<std::optional<Date>> ReadOptDate(const Stmt& st, int col) {
  if (st.IsNull(col)) return std::optional<Date>();
  Date d{};
  if (!ParseIsoDate(st.Text(col), &d)) return Fail(Corrupt("date"));
  return std::optional<Date>(d);
}

Result<Uuid> ReadUuid(const Stmt& st, int col) {
  Result<Uuid> u = Uuid::Parse(st.Text(col));
  if (!u) return Fail(Corrupt("uuid"));
  return u;
}

Result<Oin> ReadOin(const Stmt& st, int col) {
  Result<Oin> o = Oin::Parse(st.Text(col));
  if (!o) return Fail(Corrupt("oin"));
  return o;
}

// ---------------------------------------------------------------- SQL

constexpr const char* kUpsertProvider =
    "INSERT INTO providers (oin, name, contact, certificate_pem, counter_addendum, active, "
    "saml_metadata, saml_post_response) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (oin) DO UPDATE SET "
    "name = excluded.name, contact = excluded.contact, "
    "certificate_pem = excluded.certificate_pem, counter_addendum = excluded.counter_addendum, "
    "active = excluded.active, saml_metadata = excluded.saml_metadata, "
    "saml_post_response = excluded.saml_post_response";

constexpr const char* kUpsertService =
    "INSERT INTO services (id, provider, name_nl, name_en, description_nl, description_en, "
    "agent_type, min_loa, request_validity_days, max_mandate_years, counter_direct_allowed, "
    "survivor_allowed, active_from, active_until, position) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
    "ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, name_nl = excluded.name_nl, "
    "name_en = excluded.name_en, description_nl = excluded.description_nl, "
    "description_en = excluded.description_en, agent_type = excluded.agent_type, "
    "min_loa = excluded.min_loa, request_validity_days = excluded.request_validity_days, "
    "max_mandate_years = excluded.max_mandate_years, "
    "counter_direct_allowed = excluded.counter_direct_allowed, "
    "survivor_allowed = excluded.survivor_allowed, active_from = excluded.active_from, "
    "active_until = excluded.active_until, position = excluded.position";

constexpr const char* kServiceColumns =
    "SELECT id, provider, name_nl, name_en, description_nl, description_en, agent_type, "
    "min_loa, request_validity_days, max_mandate_years, counter_direct_allowed, "
    "survivor_allowed, active_from, active_until, position FROM services "
    "ORDER BY provider, position, id";

constexpr const char* kUpsertSet =
    "INSERT INTO service_sets (id, name_nl, name_en) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET name_nl = excluded.name_nl, name_en = excluded.name_en";
constexpr const char* kDeleteSetMembers = "DELETE FROM service_set_members WHERE set_id = ?1";
constexpr const char* kInsertSetMember =
    "INSERT INTO service_set_members (set_id, position, service_id) VALUES (?1, ?2, ?3)";

// Parameters ?1..?19 in this column order (BindMandate).
constexpr const char* kInsertMandate =
    "INSERT INTO mandates (id, kind, principal, agent_kind, agent_id, agent_birth, provider, "
    "start_date, end_date, state, initiator, end_reason, evidence_document_type, "
    "evidence_document_number, evidence_clerk, lapse_on, created, changed, version) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19)";
constexpr const char* kUpdateMandate =
    "UPDATE mandates SET kind = ?2, principal = ?3, agent_kind = ?4, agent_id = ?5, "
    "agent_birth = ?6, provider = ?7, start_date = ?8, end_date = ?9, state = ?10, "
    "initiator = ?11, end_reason = ?12, evidence_document_type = ?13, "
    "evidence_document_number = ?14, evidence_clerk = ?15, lapse_on = ?16, created = ?17, "
    "changed = ?18, version = ?19 WHERE id = ?1 AND version = ?20";
constexpr const char* kDeleteMandateServices = "DELETE FROM mandate_services WHERE mandate_id = ?1";
constexpr const char* kInsertMandateService =
    "INSERT INTO mandate_services (mandate_id, service_id) VALUES (?1, ?2)";

// Column order read by ReadMandate.
constexpr std::string_view kMandateSelect =
    "SELECT m.id, m.kind, m.principal, m.agent_kind, m.agent_id, m.agent_birth, m.provider, "
    "m.start_date, m.end_date, m.state, m.initiator, m.end_reason, m.evidence_document_type, "
    "m.evidence_document_number, m.evidence_clerk, m.lapse_on, m.created, m.changed, "
    "m.version, (SELECT group_concat(s.service_id, ',') FROM mandate_services s "
    "WHERE s.mandate_id = m.id) FROM mandates m ";

std::string MandateQuery(std::string_view where) {
  std::string q(kMandateSelect);
  q += where;
  return q;
}

// Parameters ?1..?5 in this column order (WriteCode); ?6..?9 the record as the writer read it.
constexpr const char* kInsertCode =
    "INSERT INTO activation_codes (mandate_id, hash_hex, expires, failed_attempts, used) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kUpdateCode =
    "UPDATE activation_codes SET hash_hex = ?2, expires = ?3, failed_attempts = ?4, used = ?5 "
    "WHERE mandate_id = ?1 AND hash_hex = ?6 AND expires = ?7 AND failed_attempts = ?8 "
    "AND used = ?9";

constexpr const char* kInsertEvent =
    "INSERT INTO events (seq, at, mandate_id, type, actor, channel, detail_json, prev_hash, "
    "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kEventColumns =
    "SELECT seq, at, mandate_id, type, actor, channel, detail_json, prev_hash, hash FROM events ";

constexpr const char* kUpdateHead = "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1";

constexpr const char* kInsertLetter =
    "INSERT INTO letters (id, kind, mandate_id, recipient, created, pdf) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

constexpr const char* kInsertUse =
    "INSERT INTO mandate_uses (mandate_id, provider, service, channel, at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";

// ---------------------------------------------------------------- row <-> struct

Result<void> BindMandate(Stmt& st, const Mandate& m) {
  st.BindText(1, m.id.str());
  st.BindText(2, KindName(m.kind));
  st.BindText(3, m.principal.str());
  if (m.agent) {
    st.BindText(4, m.agent->KindName());
    st.BindText(5, m.agent->id);
  } else {
    st.BindNull(4);
    st.BindNull(5);
  }
  if (auto r = BindOptDate(st, 6, m.agent_birth, "agent_birth"); !r) return r;
  if (m.provider) {
    st.BindText(7, m.provider->str());
  } else {
    st.BindNull(7);
  }
  if (auto r = BindDate(st, 8, m.start, "start"); !r) return r;
  if (auto r = BindDate(st, 9, m.end, "end"); !r) return r;
  st.BindText(10, StateName(m.state));
  st.BindText(11, InitiatorName(m.initiator));
  st.BindText(12, EndReasonName(m.end_reason));
  if (m.evidence) {
    st.BindText(13, m.evidence->document_type);
    st.BindText(14, m.evidence->document_number);
    st.BindText(15, m.evidence->clerk);
  } else {
    st.BindNull(13);
    st.BindNull(14);
    st.BindNull(15);
  }
  if (auto r = BindDate(st, 16, m.lapse_on, "lapse_on"); !r) return r;
  st.BindInt(17, Micros(m.created));
  st.BindInt(18, Micros(m.changed));
  st.BindInt(19, m.version);
  return {};
}

Result<Mandate> ReadMandate(const Stmt& st) {
  Mandate m{};
  auto id = ReadUuid(st, 0);
  if (!id) return Fail(id.error());
  m.id = *id;
  auto kind = ParseKind(st.Text(1));
  if (!kind) return Fail(Corrupt("mandate kind"));
  m.kind = *kind;
  auto principal = Bsn::Parse(st.Text(2));
  if (!principal) return Fail(Corrupt("mandate principal"));
  m.principal = *principal;
  if (!st.IsNull(3)) {
    auto agent = Party::Parse(st.Text(3), st.Text(4));
    if (!agent) return Fail(Corrupt("mandate agent"));
    m.agent = *agent;
  }
  auto birth = ReadOptDate(st, 5);
  if (!birth) return Fail(birth.error());
  m.agent_birth = *birth;
  if (!st.IsNull(6)) {
    auto oin = ReadOin(st, 6);
    if (!oin) return Fail(oin.error());
    m.provider = *oin;
  }
  auto start = ReadDate(st, 7);
  auto end = ReadDate(st, 8);
  if (!start || !end) return Fail(Corrupt("mandate dates"));
  m.start = *start;
  m.end = *end;
  auto state = ParseState(st.Text(9));
  auto initiator = ParseInitiator(st.Text(10));
  auto reason = ParseEndReason(st.Text(11));
  if (!state || !initiator || !reason) return Fail(Corrupt("mandate enums"));
  m.state = *state;
  m.initiator = *initiator;
  m.end_reason = *reason;
  if (!st.IsNull(12)) {
    m.evidence = Evidence{st.Text(12), st.Text(13), st.Text(14)};
  }
  auto lapse = ReadDate(st, 15);
  if (!lapse) return Fail(lapse.error());
  m.lapse_on = *lapse;
  m.created = FromMicros(st.Int(16));
  m.changed = FromMicros(st.Int(17));
  m.version = st.Int(18);
  if (!st.IsNull(19)) {
    std::string all = st.Text(19);
    size_t pos = 0;
    while (pos <= all.size()) {
      size_t comma = all.find(',', pos);
      if (comma == std::string::npos) comma = all.size();
      auto u = Uuid::Parse(std::string_view(all).substr(pos, comma - pos));
      if (!u) return Fail(Corrupt("mandate service"));
      m.services.push_back(*u);
      pos = comma + 1;
    }
    std::sort(m.services.begin(), m.services.end());
  }
  return m;
}

Result<Service> ReadService(const Stmt& st) {
  Service s{};
  auto id = ReadUuid(st, 0);
  if (!id) return Fail(id.error());
  s.id = *id;
  auto oin = ReadOin(st, 1);
  if (!oin) return Fail(oin.error());
  s.provider = *oin;
  s.name_nl = st.Text(2);
  s.name_en = st.Text(3);
  s.description_nl = st.Text(4);
  s.description_en = st.Text(5);
  auto at = ParseAgentType(st.Text(6));
  auto loa = ParseLoa(static_cast<int>(st.Int(7)));
  if (!at || !loa) return Fail(Corrupt("service enums"));
  s.agent_type = *at;
  s.min_loa = *loa;
  s.request_validity_days = static_cast<int>(st.Int(8));
  s.max_mandate_years = static_cast<int>(st.Int(9));
  s.counter_direct_allowed = st.Int(10) != 0;
  s.survivor_allowed = st.Int(11) != 0;
  auto from = ReadOptDate(st, 12);
  auto until = ReadOptDate(st, 13);
  if (!from || !until) return Fail(Corrupt("service dates"));
  s.active_from = *from;
  s.active_until = *until;
  s.position = static_cast<int>(st.Int(14));
  return s;
}

EventRecord ReadEvent(const Stmt& st) {
  EventRecord e;
  e.seq = static_cast<uint64_t>(st.Int(0));
  e.at = FromMicros(st.Int(1));
  e.mandate_id = st.Text(2);
  e.type = st.Text(3);
  e.actor = st.Text(4);
  e.channel = st.Text(5);
  e.detail_json = st.Text(6);
  e.prev_hash = st.Text(7);
  e.hash = st.Text(8);
  return e;
}

// Errors that concern one batch only: its savepoint is rolled back, the group goes on.
bool IsBatchLocal(const Error& e) {
  return e.code == ErrorCode::kConflict || e.code == ErrorCode::kInvalidArgument;
}

}  // namespace

// ---------------------------------------------------------------- read pool

class SqliteStore::ReadLease {
 public:
  ReadLease(SqliteStore* s, std::unique_ptr<SqliteConn> c) : store_(s), conn_(std::move(c)) {}
  ReadLease(ReadLease&&) = default;
  ReadLease& operator=(ReadLease&&) = delete;
  ~ReadLease() {
    if (conn_) store_->ReleaseReader(std::move(conn_));
  }
  SqliteConn& operator*() { return *conn_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<SqliteConn> conn_;
};

Result<SqliteStore::ReadLease> SqliteStore::AcquireReader() {
  {
    std::lock_guard lk(readers_mu_);
    if (!idle_readers_.empty()) {
      auto c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReadLease(this, std::move(c));
    }
  }
  auto c = SqliteConn::Open(path_, /*create=*/false, options_.vfs);
  if (!c) return Fail(c.error());
  if (auto r = (*c)->Exec("PRAGMA query_only = ON"); !r) return Fail(r.error());
  return ReadLease(this, std::move(*c));
}

void SqliteStore::ReleaseReader(std::unique_ptr<SqliteConn> c) {
  std::lock_guard lk(readers_mu_);
  if (idle_readers_.size() < options_.max_idle_readers) idle_readers_.push_back(std::move(c));
}

// ---------------------------------------------------------------- open / close

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const Clock& clock) {
  return Open(path, clock, SqliteStoreOptions{});
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, const Clock& clock,
                                                       SqliteStoreOptions options) {
  auto conn = SqliteConn::Open(path, /*create=*/true, options.vfs);
  if (!conn) return Fail(conn.error());
  SqliteConn& c = **conn;
  {
    auto st = c.Prepare("PRAGMA journal_mode = WAL");
    if (!st) return Fail(st.error());
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row || st->Text(0) != "wal") {
      return Fail(Error::Unavailable("cannot switch the database to WAL mode"));
    }
  }
  if (auto v = store_internal::ApplyMigrations(c); !v) return Fail(v.error());

  uint64_t head_seq = 0;
  std::string head_hash;
  {
    ReadTxn txn(c);
    if (auto r = txn.Begin(); !r) return Fail(r.error());
    auto st = c.Prepare("SELECT seq, hash FROM chain_head WHERE id = 1");
    if (!st) return Fail(st.error());
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) return Fail(Error::Internal("event chain head is missing"));
    head_seq = static_cast<uint64_t>(st->Int(0));
    head_hash = st->Text(1);
    auto max = c.Prepare("SELECT coalesce(max(seq), 0) FROM events");
    if (!max) return Fail(max.error());
    if (auto r = max->Step(); !r) return Fail(r.error());
    // New events continue from the head; records beyond it would collide with them.
    if (static_cast<uint64_t>(max->Int(0)) > head_seq) {
      return Fail(Error::Internal("event log extends beyond its recorded head; audit it"));
    }
  }

  std::unique_ptr<SqliteStore> s(
      new SqliteStore(path, clock, std::move(options), std::move(*conn)));
  s->head_seq_ = head_seq;
  s->followed_seq_ = head_seq;
  s->head_hash_ = std::move(head_hash);
  s->writer_ = std::thread([p = s.get()] { p->WriterLoop(); });
  return s;
}

SqliteStore::SqliteStore(std::string path, const Clock& clock, SqliteStoreOptions options,
                         std::unique_ptr<SqliteConn> writer)
    : path_(std::move(path)),
      clock_(clock),
      options_(std::move(options)),
      writer_conn_(std::move(writer)) {}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void SqliteStore::SetCommitObserver(CommitObserver observer) {
  std::lock_guard lk(mu_);
  observer_ = std::move(observer);
}

size_t SqliteStore::PendingBatches() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

// ---------------------------------------------------------------- writer

Result<CommitResult> SqliteStore::Commit(WriteBatch batch) {
  if (batch.empty()) return CommitResult{};
  auto job = std::make_unique<Job>();
  job->batch = std::move(batch);
  return Enqueue(std::move(job));
}

Result<void> SqliteStore::RecordUses(const std::vector<MandateUse>& uses) {
  if (uses.empty()) return {};
  auto job = std::make_unique<Job>();
  job->uses = uses;
  auto r = Enqueue(std::move(job));
  if (!r) return Fail(r.error());
  return {};
}

Result<CommitResult> SqliteStore::Enqueue(std::unique_ptr<Job> job) {
  std::future<Result<CommitResult>> answer = job->done.get_future();
  {
    std::lock_guard lk(mu_);
    if (stopping_) return Fail(Error::Unavailable("store is closing"));
    queue_.push_back(std::move(job));
    // Notified under the lock: once it is released this thread touches only the future, so
    // the store may be destroyed (it drains the queue) while callers still wait.
    cv_.notify_one();
  }
  return answer.get();
}

void SqliteStore::WriterLoop() {
  for (;;) {
    bool idle = false;
    {
      std::unique_lock lk(mu_);
      idle = !cv_.wait_for(lk, options_.follow_period,
                           [&] { return stopping_ || !queue_.empty(); });
      if (!idle && queue_.empty()) return;  // stopping, and everything queued has been answered
    }
    if (idle) {
      FollowOthers(Observer());
      continue;
    }
    // Taken before the queue is, so batches arriving meanwhile join this group.
    const Timestamp now = clock_.Now();
    std::vector<std::unique_ptr<Job>> group;
    CommitObserver observer;
    {
      std::lock_guard lk(mu_);
      group.reserve(queue_.size());
      for (auto& j : queue_) group.push_back(std::move(j));
      queue_.clear();
      observer = observer_;
    }
    RunGroup(group, now, observer);
  }
}

SqliteStore::CommitObserver SqliteStore::Observer() const {
  std::lock_guard lk(mu_);
  return observer_;
}

Result<SqliteStore::Head> SqliteStore::ReadHead(SqliteConn& c) {
  auto st = c.Prepare("SELECT seq, hash FROM chain_head WHERE id = 1");
  if (!st) return Fail(st.error());
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Error::Internal("event chain head is missing"));
  return Head{static_cast<uint64_t>(st->Int(0)), st->Text(1)};
}

// Commits of other processes (volmacht admin or sweep beside a running server) reach the
// observer as batches of what they changed, as it is stored now: the mandates their events
// name and, after a catalogue event, the whole catalogue. In chunks, in seq order. A failure
// leaves followed_seq_ where it was, so the next round tries again; it is counted
// (ServiceCounters::follow_failures) and logged, at most once per ten seconds (a lasting cause
// fails every round).
void SqliteStore::FollowFailed(std::string_view step, const Error& e) {
  uint64_t total = Counters().follow_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  uint64_t held_back = 0;
  if (!follow_warnings_.Allow(held_back)) return;
  log::Warn("store.follow_failed", {{"step", step},
                                    {"reason", e.Reason()},
                                    {"failures_total", total},
                                    {"warnings_held_back", held_back}});
}

void SqliteStore::FollowOthers(const CommitObserver& observer) {
  if (!observer) return;  // they wait for the first observer
  constexpr int64_t kChunk = 10000;
  for (;;) {
    auto lease = AcquireReader();
    if (!lease) return FollowFailed("reader", lease.error());
    SqliteConn& c = **lease;
    std::vector<std::string> ids;  // in order of their first event
    std::unordered_set<std::string> seen;
    bool catalogue = false;
    uint64_t last = followed_seq_;
    {
      auto st =
          c.Prepare("SELECT seq, mandate_id FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
      if (!st) return FollowFailed("events", st.error());
      st->BindInt(1, static_cast<int64_t>(followed_seq_)).BindInt(2, kChunk);
      for (;;) {
        auto row = st->Step();
        if (!row) return FollowFailed("events", row.error());
        if (!*row) break;
        last = static_cast<uint64_t>(st->Int(0));
        std::string id = st->Text(1);
        if (id.empty()) {
          catalogue = true;
        } else if (seen.insert(id).second) {
          ids.push_back(std::move(id));
        }
      }
    }
    if (last == followed_seq_) return;  // nothing new
    WriteBatch changed;
    for (const std::string& text : ids) {
      auto id = Uuid::Parse(text);
      if (!id) return FollowFailed("mandate_id", id.error());
      auto m = GetMandate(*id);
      if (!m) return FollowFailed("mandate", m.error());
      if (*m) changed.mandates.push_back({std::move(**m), 0});
    }
    if (catalogue) {
      auto providers = ListProviders();
      auto services = ListServices();
      auto sets = ListServiceSets();
      if (!providers) return FollowFailed("catalogue", providers.error());
      if (!services) return FollowFailed("catalogue", services.error());
      if (!sets) return FollowFailed("catalogue", sets.error());
      changed.providers = std::move(*providers);
      changed.services = std::move(*services);
      changed.service_sets = std::move(*sets);
    }
    observer(changed, last);
    followed_seq_ = last;
  }
}

void SqliteStore::RunGroup(std::vector<std::unique_ptr<Job>>& group, Timestamp now,
                           const CommitObserver& observer) {
  SqliteConn& c = *writer_conn_;
  uint64_t group_seq = head_seq_;
  std::string group_hash = head_hash_;

  auto fail_all = [&](const Error& e) {
    c.RollbackQuietly();
    head_seq_ = group_seq;
    head_hash_ = group_hash;
    for (auto& j : group) j->done.set_value(Fail(e));
  };

  if (auto r = c.Exec("BEGIN IMMEDIATE"); !r) return fail_all(r.error());
  // Holding the write lock: the chain continues from the head as stored, which another
  // process may have moved since our last group; the observer hears of that first.
  auto head = ReadHead(c);
  if (!head) return fail_all(head.error());
  head_seq_ = group_seq = head->seq;
  head_hash_ = group_hash = std::move(head->hash);
  if (head_seq_ > followed_seq_) FollowOthers(observer);

  std::vector<Result<CommitResult>> results(group.size());
  std::vector<uint64_t> observed_seq(group.size(), 0);
  std::vector<bool> committed(group.size(), false);
  for (size_t i = 0; i < group.size(); ++i) {
    if (auto r = c.Exec("SAVEPOINT batch"); !r) return fail_all(r.error());
    const uint64_t batch_seq = head_seq_;
    const std::string batch_hash = head_hash_;
    Result<uint64_t> applied = ApplyJob(*group[i], now);
    if (applied) {
      if (auto r = c.Exec("RELEASE batch"); !r) return fail_all(r.error());
      results[i] = CommitResult{*applied};
      observed_seq[i] = head_seq_;
      committed[i] = true;
    } else if (IsBatchLocal(applied.error())) {
      if (auto r = c.Exec("ROLLBACK TO batch; RELEASE batch"); !r) return fail_all(r.error());
      head_seq_ = batch_seq;
      head_hash_ = batch_hash;
      results[i] = Fail(applied.error());
    } else {
      return fail_all(applied.error());
    }
  }
  if (head_seq_ != group_seq) {
    auto st = c.Prepare(kUpdateHead);
    if (!st) return fail_all(st.error());
    st->BindInt(1, static_cast<int64_t>(head_seq_)).BindText(2, head_hash_);
    if (auto r = st->Run(); !r) return fail_all(r.error());
  }
  // synchronous=FULL: COMMIT returns after the WAL is fsync'd.
  if (auto r = c.Exec("COMMIT"); !r) return fail_all(r.error());

  if (observer) {
    for (size_t i = 0; i < group.size(); ++i) {
      if (committed[i] && !group[i]->batch.empty()) observer(group[i]->batch, observed_seq[i]);
    }
  }
  // Our own commits count as heard (with no observer there is nobody to tell); others'
  // commits that no observer has heard of yet wait for FollowOthers.
  if (followed_seq_ == group_seq) followed_seq_ = head_seq_;
  for (size_t i = 0; i < group.size(); ++i) group[i]->done.set_value(std::move(results[i]));
}

Result<void> SqliteStore::WriteMandate(const MandateWrite& w) {
  SqliteConn& c = *writer_conn_;
  const Mandate& m = w.mandate;
  if (w.expected_version < 0 || m.version != w.expected_version + 1) {
    return Fail(Error::Invalid("mandate version must be expected_version + 1"));
  }
  if (m.id.empty()) return Fail(Error::Invalid("mandate without id"));
  auto st = c.Prepare(w.expected_version == 0 ? kInsertMandate : kUpdateMandate);
  if (!st) return Fail(st.error());
  if (auto r = BindMandate(*st, m); !r) return r;
  if (w.expected_version != 0) st->BindInt(20, w.expected_version);
  if (auto r = st->Run(); !r) {
    if (r.error().code == ErrorCode::kConflict) {
      return Fail(Error::Conflict("mandate already exists"));
    }
    return r;
  }
  if (w.expected_version != 0) {
    if (c.Changes() != 1) return Fail(Error::Conflict("mandate version does not match"));
    auto del = c.Prepare(kDeleteMandateServices);
    if (!del) return Fail(del.error());
    del->BindText(1, m.id.str());
    if (auto r = del->Run(); !r) return r;
  }
  for (const Uuid& s : m.services) {
    auto ins = c.Prepare(kInsertMandateService);
    if (!ins) return Fail(ins.error());
    ins->BindText(1, m.id.str()).BindText(2, s.str());
    if (auto r = ins->Run(); !r) return r;
  }
  return {};
}

Result<void> SqliteStore::WriteCode(const CodeWrite& w) {
  SqliteConn& c = *writer_conn_;
  const ActivationCode& code = w.code;
  if (w.expected && w.expected->mandate_id != code.mandate_id) {
    return Fail(Error::Invalid("activation code expected for another mandate"));
  }
  auto st = c.Prepare(w.expected ? kUpdateCode : kInsertCode);
  if (!st) return Fail(st.error());
  st->BindText(1, code.mandate_id.str()).BindText(2, code.hash_hex);
  st->BindInt(3, Micros(code.expires)).BindInt(4, code.failed_attempts).BindInt(5, code.used);
  if (w.expected) {
    st->BindText(6, w.expected->hash_hex).BindInt(7, Micros(w.expected->expires));
    st->BindInt(8, w.expected->failed_attempts).BindInt(9, w.expected->used);
  }
  if (auto r = st->Run(); !r) {
    if (r.error().code == ErrorCode::kConflict) {
      return Fail(Error::Conflict("activation code already exists"));
    }
    return r;
  }
  if (w.expected && c.Changes() != 1) {
    return Fail(Error::Conflict("activation code changed since it was read"));
  }
  return {};
}

Result<uint64_t> SqliteStore::ApplyJob(const Job& job, Timestamp now) {
  SqliteConn& c = *writer_conn_;
  const WriteBatch& b = job.batch;
  for (const Provider& p : b.providers) {
    auto st = c.Prepare(kUpsertProvider);
    if (!st) return Fail(st.error());
    st->BindText(1, p.oin.str()).BindText(2, p.name).BindText(3, p.contact);
    st->BindText(4, p.certificate_pem).BindInt(5, p.counter_addendum).BindInt(6, p.active);
    st->BindText(7, p.saml_metadata).BindInt(8, p.saml_post_response);
    if (auto r = st->Run(); !r) return Fail(r.error());
    // The provider's OIDC clients are replaced as a whole.
    auto del = c.Prepare("DELETE FROM oidc_clients WHERE provider = ?1");
    if (!del) return Fail(del.error());
    del->BindText(1, p.oin.str());
    if (auto r = del->Run(); !r) return Fail(r.error());
    for (const OidcClientRegistration& oc : p.oidc_clients) {
      auto ins = c.Prepare(
          "INSERT INTO oidc_clients (client_id, provider, secret_sha256, redirect_uris) "
          "VALUES (?1, ?2, ?3, ?4)");
      if (!ins) return Fail(ins.error());
      std::string uris;
      for (const std::string& u : oc.redirect_uris) uris += u + "\n";
      ins->BindText(1, oc.client_id).BindText(2, p.oin.str()).BindText(3, oc.secret_sha256_hex);
      ins->BindText(4, uris);
      if (auto r = ins->Run(); !r) return Fail(r.error());
    }
  }
  for (const Service& s : b.services) {
    auto st = c.Prepare(kUpsertService);
    if (!st) return Fail(st.error());
    st->BindText(1, s.id.str()).BindText(2, s.provider.str()).BindText(3, s.name_nl);
    st->BindText(4, s.name_en).BindText(5, s.description_nl).BindText(6, s.description_en);
    st->BindText(7, AgentTypeName(s.agent_type)).BindInt(8, static_cast<int>(s.min_loa));
    st->BindInt(9, s.request_validity_days).BindInt(10, s.max_mandate_years);
    st->BindInt(11, s.counter_direct_allowed).BindInt(12, s.survivor_allowed);
    if (auto r = BindOptDate(*st, 13, s.active_from, "active_from"); !r) return Fail(r.error());
    if (auto r = BindOptDate(*st, 14, s.active_until, "active_until"); !r) {
      return Fail(r.error());
    }
    st->BindInt(15, s.position);
    if (auto r = st->Run(); !r) return Fail(r.error());
  }
  for (const ServiceSet& set : b.service_sets) {
    {
      auto st = c.Prepare(kUpsertSet);
      if (!st) return Fail(st.error());
      st->BindText(1, set.id.str()).BindText(2, set.name_nl).BindText(3, set.name_en);
      if (auto r = st->Run(); !r) return Fail(r.error());
    }
    {
      auto st = c.Prepare(kDeleteSetMembers);
      if (!st) return Fail(st.error());
      st->BindText(1, set.id.str());
      if (auto r = st->Run(); !r) return Fail(r.error());
    }
    for (size_t i = 0; i < set.services.size(); ++i) {
      auto st = c.Prepare(kInsertSetMember);
      if (!st) return Fail(st.error());
      st->BindText(1, set.id.str())
          .BindInt(2, static_cast<int64_t>(i))
          .BindText(3, set.services[i].str());
      if (auto r = st->Run(); !r) return Fail(r.error());
    }
  }
  for (const MandateWrite& w : b.mandates) {
    if (auto r = WriteMandate(w); !r) return Fail(r.error());
  }
  for (const CodeWrite& w : b.codes) {
    if (auto r = WriteCode(w); !r) return Fail(r.error());
  }
  uint64_t last_seq = 0;
  for (const NewEvent& ne : b.events) {
    EventRecord rec;
    rec.seq = head_seq_ + 1;
    rec.at = now;
    rec.mandate_id = ne.mandate_id;
    rec.type = std::string(EventKindName(ne.event.kind));
    rec.actor = ne.event.actor;
    rec.channel = std::string(ChannelName(ne.event.channel));
    rec.detail_json = ne.event.detail_json;
    rec.prev_hash = head_hash_;
    rec.hash = ComputeEventHash(rec);
    auto st = c.Prepare(kInsertEvent);
    if (!st) return Fail(st.error());
    st->BindInt(1, static_cast<int64_t>(rec.seq)).BindInt(2, Micros(rec.at));
    st->BindText(3, rec.mandate_id).BindText(4, rec.type).BindText(5, rec.actor);
    st->BindText(6, rec.channel).BindText(7, rec.detail_json).BindText(8, rec.prev_hash);
    st->BindText(9, rec.hash);
    if (auto r = st->Run(); !r) return Fail(r.error());
    head_seq_ = rec.seq;
    head_hash_ = std::move(rec.hash);
    last_seq = head_seq_;
  }
  for (const Letter& l : b.letters) {
    auto st = c.Prepare(kInsertLetter);
    if (!st) return Fail(st.error());
    st->BindText(1, l.id.str()).BindText(2, l.kind).BindText(3, l.mandate_id);
    st->BindText(4, l.recipient).BindInt(5, Micros(l.created)).BindBlob(6, l.pdf);
    if (auto r = st->Run(); !r) return Fail(r.error());
  }
  for (const MandateUse& u : job.uses) {
    auto st = c.Prepare(kInsertUse);
    if (!st) return Fail(st.error());
    st->BindText(1, u.mandate_id.str()).BindText(2, u.provider.str());
    st->BindText(3, u.service.str()).BindText(4, std::string(ChannelName(u.channel))).BindInt(5, Micros(u.at));
    if (auto r = st->Run(); !r) return Fail(r.error());
  }
  return last_seq;
}

// ---------------------------------------------------------------- reads

Result<std::vector<Provider>> SqliteStore::ListProviders() {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare(
      "SELECT oin, name, contact, certificate_pem, counter_addendum, active, saml_metadata, "
      "saml_post_response FROM providers ORDER BY oin");
  if (!st) return Fail(st.error());
  std::vector<Provider> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto oin = ReadOin(*st, 0);
    if (!oin) return Fail(oin.error());
    Provider p{*oin, st->Text(1), st->Text(2), st->Text(3), st->Int(4) != 0, st->Int(5) != 0};
    p.saml_metadata = st->Text(6);
    p.saml_post_response = st->Int(7) != 0;
    out.push_back(std::move(p));
  }
  auto clients = (**lease).Prepare(
      "SELECT provider, client_id, secret_sha256, redirect_uris FROM oidc_clients "
      "ORDER BY provider, client_id");
  if (!clients) return Fail(clients.error());
  for (;;) {
    auto row = clients->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    std::string provider = clients->Text(0);
    auto owner = std::find_if(out.begin(), out.end(),
                              [&](const Provider& p) { return p.oin.str() == provider; });
    if (owner == out.end()) continue;  // the foreign key makes this impossible
    OidcClientRegistration oc{clients->Text(1), clients->Text(2), {}};
    std::string uris = clients->Text(3);
    for (size_t pos = 0, nl; (nl = uris.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      oc.redirect_uris.push_back(uris.substr(pos, nl - pos));
    }
    owner->oidc_clients.push_back(std::move(oc));
  }
  return out;
}

Result<std::vector<Service>> SqliteStore::ListServices() {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare(kServiceColumns);
  if (!st) return Fail(st.error());
  std::vector<Service> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto s = ReadService(*st);
    if (!s) return Fail(s.error());
    out.push_back(std::move(*s));
  }
  return out;
}

Result<std::vector<ServiceSet>> SqliteStore::ListServiceSets() {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  SqliteConn& c = **lease;
  ReadTxn txn(c);
  if (auto r = txn.Begin(); !r) return Fail(r.error());
  std::vector<ServiceSet> out;
  {
    auto st = c.Prepare("SELECT id, name_nl, name_en FROM service_sets ORDER BY id");
    if (!st) return Fail(st.error());
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) break;
      auto id = ReadUuid(*st, 0);
      if (!id) return Fail(id.error());
      out.push_back(ServiceSet{*id, st->Text(1), st->Text(2), {}});
    }
  }
  auto st =
      c.Prepare("SELECT set_id, service_id FROM service_set_members ORDER BY set_id, position");
  if (!st) return Fail(st.error());
  size_t k = 0;  // both lists are ordered by set id: merge
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    std::string set_id = st->Text(0);
    while (k < out.size() && out[k].id.str() < set_id) ++k;
    if (k == out.size() || out[k].id.str() != set_id) return Fail(Corrupt("set member"));
    auto sid = ReadUuid(*st, 1);
    if (!sid) return Fail(sid.error());
    out[k].services.push_back(*sid);
  }
  return out;
}

Result<std::vector<Mandate>> SqliteStore::QueryMandates(const std::string& sql,
                                                        const std::vector<std::string>& args) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  SqliteConn& c = **lease;
  // One snapshot for the mandate rows and their services.
  ReadTxn txn(c);
  if (auto r = txn.Begin(); !r) return Fail(r.error());
  auto st = c.Prepare(sql.c_str());
  if (!st) return Fail(st.error());
  for (size_t i = 0; i < args.size(); ++i) st->BindText(static_cast<int>(i + 1), args[i]);
  std::vector<Mandate> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto m = ReadMandate(*st);
    if (!m) return Fail(m.error());
    out.push_back(std::move(*m));
  }
  return out;
}

Result<std::optional<Mandate>> SqliteStore::GetMandate(const Uuid& id) {
  static const std::string kSql = MandateQuery("WHERE m.id = ?1");
  auto r = QueryMandates(kSql, {id.str()});
  if (!r) return Fail(r.error());
  if (r->empty()) return std::optional<Mandate>();
  return std::optional<Mandate>(std::move(r->front()));
}

Result<std::vector<Mandate>> SqliteStore::MandatesOfPrincipal(const Bsn& p) {
  static const std::string kSql = MandateQuery("WHERE m.principal = ?1 ORDER BY m.created, m.id");
  return QueryMandates(kSql, {p.str()});
}

Result<std::vector<Mandate>> SqliteStore::MandatesOfAgent(const Party& a) {
  static const std::string kSql =
      MandateQuery("WHERE m.agent_kind = ?1 AND m.agent_id = ?2 ORDER BY m.created, m.id");
  return QueryMandates(kSql, {std::string(a.KindName()), a.id});
}

Result<int> SqliteStore::CountOpenRequestsBy(const Party& initiator) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  // Two counts: as initiating principal (a person) and as initiating agent. The unary + keeps
  // the planner on the party's index instead of scanning every REQUESTED mandate.
  auto st = (**lease).Prepare(
      "SELECT (SELECT count(*) FROM mandates WHERE principal = ?6 "
      "AND +state = ?3 AND +initiator = ?4) + "
      "(SELECT count(*) FROM mandates WHERE agent_kind = ?1 AND agent_id = ?2 "
      "AND +state = ?3 AND +initiator = ?5)");
  if (!st) return Fail(st.error());
  st->BindText(1, initiator.KindName()).BindText(2, initiator.id);
  if (initiator.IsPerson()) {
    st->BindText(6, initiator.id);
  } else {
    st->BindNull(6);  // only a person can be an initiating principal
  }
  st->BindText(3, StateName(MandateState::kRequested));
  st->BindText(4, InitiatorName(Initiator::kPrincipal));
  st->BindText(5, InitiatorName(Initiator::kAgent));
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Error::Internal("count returned no row"));
  return static_cast<int>(st->Int(0));
}

Result<void> SqliteStore::ForEachMandate(const std::function<bool(const Mandate&)>& fn) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  SqliteConn& c = **lease;
  ReadTxn txn(c);
  if (auto r = txn.Begin(); !r) return Fail(r.error());
  static const std::string kSql = MandateQuery("ORDER BY m.id");
  auto st = c.Prepare(kSql.c_str());
  if (!st) return Fail(st.error());
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto m = ReadMandate(*st);
    if (!m) return Fail(m.error());
    if (!fn(*m)) break;
  }
  return {};
}

Result<std::vector<Mandate>> SqliteStore::DueForTimeTransition(Date today) {
  if (!IsStorableDate(today)) return Fail(Error::Invalid("invalid date"));
  const std::string t = FormatIsoDate(today);
  static const std::string kLapse = MandateQuery("WHERE m.state = ?1 AND m.lapse_on <= ?2");
  static const std::string kEnd = MandateQuery("WHERE m.state = ?1 AND m.end_date < ?2");
  auto lapsing = QueryMandates(kLapse, {std::string(StateName(MandateState::kRequested)), t});
  if (!lapsing) return lapsing;
  auto ending = QueryMandates(kEnd, {std::string(StateName(MandateState::kActive)), t});
  if (!ending) return ending;
  for (auto& m : *ending) lapsing->push_back(std::move(m));
  return lapsing;
}

Result<std::optional<ActivationCode>> SqliteStore::GetActivationCode(const Uuid& mandate) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare(
      "SELECT mandate_id, hash_hex, expires, failed_attempts, used FROM activation_codes "
      "WHERE mandate_id = ?1");
  if (!st) return Fail(st.error());
  st->BindText(1, mandate.str());
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<ActivationCode>();
  ActivationCode code;
  auto id = ReadUuid(*st, 0);
  if (!id) return Fail(id.error());
  code.mandate_id = *id;
  code.hash_hex = st->Text(1);
  code.expires = FromMicros(st->Int(2));
  code.failed_attempts = static_cast<int>(st->Int(3));
  code.used = st->Int(4) != 0;
  return std::optional<ActivationCode>(std::move(code));
}

Result<std::vector<EventRecord>> SqliteStore::EventsOfMandate(const Uuid& id) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  static const std::string kSql = std::string(kEventColumns) + "WHERE mandate_id = ?1 ORDER BY seq";
  auto st = (**lease).Prepare(kSql.c_str());
  if (!st) return Fail(st.error());
  st->BindText(1, id.str());
  std::vector<EventRecord> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadEvent(*st));
  }
  return out;
}

Result<uint64_t> SqliteStore::LastSeq() {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare("SELECT seq FROM chain_head WHERE id = 1");
  if (!st) return Fail(st.error());
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Error::Internal("event chain head is missing"));
  return static_cast<uint64_t>(st->Int(0));
}

Result<AuditReport> SqliteStore::VerifyEventChain() {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  SqliteConn& c = **lease;
  ReadTxn txn(c);  // the records and the head from one snapshot
  if (auto r = txn.Begin(); !r) return Fail(r.error());
  ChainVerifier v;
  {
    static const std::string kSql = std::string(kEventColumns) + "ORDER BY seq";
    auto st = c.Prepare(kSql.c_str());
    if (!st) return Fail(st.error());
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) break;
      if (!v.Add(ReadEvent(*st))) break;
    }
  }
  auto head = c.Prepare("SELECT seq, hash FROM chain_head WHERE id = 1");
  if (!head) return Fail(head.error());
  auto row = head->Step();
  if (!row) return Fail(row.error());
  if (*row) {
    v.FinishWithHead(static_cast<uint64_t>(head->Int(0)), head->Text(1));
  } else {
    v.FinishWithHead(0, kGenesisHash);
  }
  return v.report();
}

Result<std::vector<Letter>> SqliteStore::ListLetters() {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare(
      "SELECT id, kind, mandate_id, recipient, created FROM letters ORDER BY created, id");
  if (!st) return Fail(st.error());
  std::vector<Letter> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto id = ReadUuid(*st, 0);
    if (!id) return Fail(id.error());
    out.push_back(Letter{*id, st->Text(1), st->Text(2), st->Text(3), FromMicros(st->Int(4)), {}});
  }
  return out;
}

Result<std::optional<Letter>> SqliteStore::GetLetter(const Uuid& id) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare(
      "SELECT id, kind, mandate_id, recipient, created, pdf FROM letters WHERE id = ?1");
  if (!st) return Fail(st.error());
  st->BindText(1, id.str());
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<Letter>();
  return std::optional<Letter>(
      Letter{id, st->Text(1), st->Text(2), st->Text(3), FromMicros(st->Int(4)), st->Blob(5)});
}

Result<std::vector<MandateUse>> SqliteStore::UsesOfMandate(const Uuid& id) {
  auto lease = AcquireReader();
  if (!lease) return Fail(lease.error());
  auto st = (**lease).Prepare(
      "SELECT provider, service, channel, at FROM mandate_uses WHERE mandate_id = ?1 "
      "ORDER BY at, id");
  if (!st) return Fail(st.error());
  st->BindText(1, id.str());
  std::vector<MandateUse> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto oin = ReadOin(*st, 0);
    if (!oin) return Fail(oin.error());
    auto service = ReadUuid(*st, 1);
    if (!service) return Fail(service.error());
    Result<Channel> channel = ParseChannel(st->Text(2));
    if (!channel) return Fail(Error::Internal("unknown channel in mandate_uses"));
    out.push_back(MandateUse{id, *oin, *service, *channel, FromMicros(st->Int(3))});
  }
  return out;
}

}  // namespace volmacht
