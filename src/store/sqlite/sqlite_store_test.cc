#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/counters.h"
#include "common/testing/log_capture.h"
#include "store/event_chain.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_conn.h"

namespace volmacht {
namespace {

using namespace std::chrono_literals;

// ------------------------------------------------------------------ test data

Date D(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}

Timestamp At(int64_t micros) { return Timestamp(std::chrono::microseconds(micros)); }

// The n-th 9-digit number passing the 11-proef (valid BSN).
Bsn MakeBsn(int n) {
  for (int prefix = 30000000;; ++prefix) {
    std::string s = std::to_string(prefix);
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += (s[static_cast<size_t>(i)] - '0') * (9 - i);
    int check = sum % 11;
    if (check == 10) continue;
    if (n-- == 0) {
      auto b = Bsn::Parse(s + static_cast<char>('0' + check));
      if (!b) throw std::logic_error("bad test BSN");
      return *b;
    }
  }
}

Oin MakeOin(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00000001%012d", n);
  auto o = Oin::Parse(buf);
  if (!o) throw std::logic_error("bad test OIN");
  return *o;
}

Kvk MakeKvk(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08d", 10000000 + n);
  auto k = Kvk::Parse(buf);
  if (!k) throw std::logic_error("bad test KvK");
  return *k;
}

Uuid MakeUuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  auto u = Uuid::Parse(buf);
  if (!u) throw std::logic_error("bad test UUID");
  return *u;
}

Provider MakeProvider(int n) {
  return Provider{
      MakeOin(n),           "Provider " + std::to_string(n),
      "contact@example.nl", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      n % 2 == 0,           true};
}

Service MakeService(int n, const Oin& provider) {
  Service s;
  s.id = MakeUuid(1000 + n);
  s.provider = provider;
  s.name_nl = "Dienst " + std::to_string(n);
  s.name_en = "Service " + std::to_string(n);
  s.description_nl = "Omschrijving";
  s.description_en = "Description";
  s.agent_type = AgentType::kCitizen;
  s.min_loa = Loa::kSubstantieel;
  s.request_validity_days = 14;
  s.max_mandate_years = 3;
  s.counter_direct_allowed = true;
  s.survivor_allowed = false;
  s.position = n;
  return s;
}

// A fully populated ACTIVE mandate of `principal` for `agent` on service 1.
Mandate MakeMandate(int n, const Bsn& principal, std::optional<Party> agent) {
  Mandate m{};
  m.id = MakeUuid(n);
  m.kind = MandateKind::kVoluntary;
  m.principal = principal;
  m.agent = std::move(agent);
  m.services = {MakeUuid(1001)};
  m.start = D(2026, 1, 1);
  m.end = D(2027, 12, 31);
  m.state = MandateState::kActive;
  m.initiator = Initiator::kPrincipal;
  m.end_reason = EndReason::kNone;
  m.created = At(1'700'000'000'000'001);
  m.changed = At(1'700'000'000'000'002);
  m.version = 1;
  return m;
}

// An event of kind `type`; names that are no EventKind (the tests' own markers) become a
// catalogue event.
NewEvent MakeEvent(const std::string& mandate_id, const std::string& type) {
  EventKind kind = ParseEventKind(type).value_or(EventKind::kProviderSaved);
  return NewEvent{mandate_id, DomainEvent{kind, "system", Channel::kApi, "{\"k\":\"v\"}"}};
}

void ExpectSameMandate(const Mandate& a, const Mandate& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.principal, b.principal);
  EXPECT_EQ(a.agent, b.agent);
  EXPECT_EQ(a.agent_birth, b.agent_birth);
  EXPECT_EQ(a.provider, b.provider);
  EXPECT_EQ(a.services, b.services);
  EXPECT_EQ(a.start, b.start);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.initiator, b.initiator);
  EXPECT_EQ(a.end_reason, b.end_reason);
  ASSERT_EQ(a.evidence.has_value(), b.evidence.has_value());
  if (a.evidence) {
    EXPECT_EQ(a.evidence->document_type, b.evidence->document_type);
    EXPECT_EQ(a.evidence->document_number, b.evidence->document_number);
    EXPECT_EQ(a.evidence->clerk, b.evidence->clerk);
  }
  EXPECT_EQ(a.lapse_on, b.lapse_on);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.changed, b.changed);
  EXPECT_EQ(a.version, b.version);
}

// ------------------------------------------------------------------ clocks

// A clock whose Now() blocks while the gate is closed and counts its calls. The writer
// reads the clock once per group before it takes the queue, so a closed gate lets a test
// line up several batches that then form ONE group, and calls() counts the groups.
class GateClock final : public Clock {
 public:
  Timestamp Now() const override {
    std::unique_lock lk(mu_);
    ++calls_;
    cv_.wait(lk, [&] { return open_; });
    return now_;
  }
  void Close() {
    std::lock_guard lk(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard lk(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int calls() const {
    std::lock_guard lk(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable int calls_ = 0;
  bool open_ = true;
  Timestamp now_ = At(1'800'000'000'000'000);
};

void WaitForPending(SqliteStore& s, size_t n) {
  while (s.PendingBatches() < n) std::this_thread::yield();
}

// ------------------------------------------------------------------ fault-injecting VFS

// Wraps the default VFS; while g_fail_writes is set, every write and fsync fails with an
// I/O error, as a dying disk would.
std::atomic<bool> g_fail_writes{false};

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_vfs* RealVfs() { return sqlite3_vfs_find(nullptr); }
sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

int FaultClose(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int FaultRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), p, n, off);
}
int FaultWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (g_fail_writes) return SQLITE_IOERR_WRITE;
  return Real(f)->pMethods->xWrite(Real(f), p, n, off);
}
int FaultTruncate(sqlite3_file* f, sqlite3_int64 size) {
  if (g_fail_writes) return SQLITE_IOERR_TRUNCATE;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int FaultSync(sqlite3_file* f, int flags) {
  if (g_fail_writes) return SQLITE_IOERR_FSYNC;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FaultFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int FaultLock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int FaultUnlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int FaultCheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FaultFileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int FaultSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int FaultDeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int FaultShmMap(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** pp) {
  return Real(f)->pMethods->xShmMap(Real(f), pg, pgsz, extend, pp);
}
int FaultShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void FaultShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int FaultShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int FaultFetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** pp) {
  return Real(f)->pMethods->xFetch(Real(f), off, amt, pp);
}
int FaultUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

const sqlite3_io_methods kFaultMethods = {3,
                                          FaultClose,
                                          FaultRead,
                                          FaultWrite,
                                          FaultTruncate,
                                          FaultSync,
                                          FaultFileSize,
                                          FaultLock,
                                          FaultUnlock,
                                          FaultCheckReservedLock,
                                          FaultFileControl,
                                          FaultSectorSize,
                                          FaultDeviceCharacteristics,
                                          FaultShmMap,
                                          FaultShmLock,
                                          FaultShmBarrier,
                                          FaultShmUnmap,
                                          FaultFetch,
                                          FaultUnfetch};

int FaultOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  ff->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(FaultFile));
  int rc = RealVfs()->xOpen(RealVfs(), name, ff->real, flags, out_flags);
  ff->base.pMethods = (rc == SQLITE_OK && ff->real->pMethods != nullptr) ? &kFaultMethods : nullptr;
  return rc;
}

const char* RegisterFaultVfs() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs v = *RealVfs();
    v.szOsFile = static_cast<int>(sizeof(FaultFile)) + RealVfs()->szOsFile;
    v.zName = "volmacht-fault";
    v.pNext = nullptr;
    v.xOpen = FaultOpen;
    return v;
  }();
  static const bool registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  if (!registered) throw std::runtime_error("cannot register fault VFS");
  return vfs.zName;
}

// ------------------------------------------------------------------ fixture

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : clock_(At(1'750'000'000'000'000)) {
    char tmpl[] = "/tmp/volmacht_store_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    path_ = dir_ + "/volmacht.db";
  }
  ~StoreTest() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  SqliteStore& Open() {
    store_.reset();
    auto s = SqliteStore::Open(path_, clock_);
    if (!s) throw std::runtime_error("open failed: " + s.error().message);
    store_ = std::move(*s);
    return *store_;
  }

  // Provider 1 with services 1 and 2, plus provider 2 with service 3.
  void PutCatalogue() {
    WriteBatch b;
    b.providers = {MakeProvider(1), MakeProvider(2)};
    b.services = {MakeService(1, MakeOin(1)), MakeService(2, MakeOin(1)),
                  MakeService(3, MakeOin(2))};
    auto r = store_->Commit(std::move(b));
    ASSERT_TRUE(r) << r.error().message;
  }

  Result<CommitResult> Insert(const Mandate& m, std::vector<NewEvent> events = {}) {
    WriteBatch b;
    b.mandates.push_back(MandateWrite{m, 0});
    b.events = std::move(events);
    return store_->Commit(std::move(b));
  }

  // A raw connection for tampering, with the append-only triggers dropped.
  sqlite3* RawWithoutTriggers() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    Exec(db, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;");
    return db;
  }
  static void Exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  }
  // Commits `n` batches of one event each.
  void CommitEvents(int n) {
    for (int i = 0; i < n; ++i) {
      WriteBatch b;
      b.events.push_back(MakeEvent("", "E" + std::to_string(i)));
      ASSERT_TRUE(store_->Commit(std::move(b)));
    }
  }

  ManualClock clock_;
  std::string dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

// ------------------------------------------------------------------ catalogue

TEST_F(StoreTest, CatalogueRoundTripAndUpsert) {
  Open();
  WriteBatch b;
  b.providers = {MakeProvider(1), MakeProvider(2)};
  Service with_dates = MakeService(1, MakeOin(1));
  with_dates.active_from = D(2026, 1, 1);
  with_dates.active_until = D(2030, 6, 30);
  with_dates.agent_type = AgentType::kOrganisation;
  with_dates.min_loa = Loa::kHoog;
  Service without_dates = MakeService(2, MakeOin(2));
  b.services = {with_dates, without_dates};
  b.service_sets = {ServiceSet{MakeUuid(500), "Set", "Set en", {without_dates.id, with_dates.id}}};
  ASSERT_TRUE(store_->Commit(b));

  auto providers = store_->ListProviders();
  ASSERT_TRUE(providers);
  ASSERT_EQ(providers->size(), 2u);
  const Provider& p = (*providers)[0];
  EXPECT_EQ(p.oin, MakeOin(1));
  EXPECT_EQ(p.name, "Provider 1");
  EXPECT_EQ(p.contact, "contact@example.nl");
  EXPECT_EQ(p.certificate_pem, MakeProvider(1).certificate_pem);
  EXPECT_FALSE(p.counter_addendum);
  EXPECT_TRUE((*providers)[1].counter_addendum);

  auto services = store_->ListServices();
  ASSERT_TRUE(services);
  ASSERT_EQ(services->size(), 2u);
  const Service& s = (*services)[0];
  EXPECT_EQ(s.id, with_dates.id);
  EXPECT_EQ(s.provider, with_dates.provider);
  EXPECT_EQ(s.name_nl, "Dienst 1");
  EXPECT_EQ(s.name_en, "Service 1");
  EXPECT_EQ(s.description_nl, "Omschrijving");
  EXPECT_EQ(s.description_en, "Description");
  EXPECT_EQ(s.agent_type, AgentType::kOrganisation);
  EXPECT_EQ(s.min_loa, Loa::kHoog);
  EXPECT_EQ(s.request_validity_days, 14);
  EXPECT_EQ(s.max_mandate_years, 3);
  EXPECT_TRUE(s.counter_direct_allowed);
  EXPECT_FALSE(s.survivor_allowed);
  EXPECT_EQ(s.active_from, D(2026, 1, 1));
  EXPECT_EQ(s.active_until, D(2030, 6, 30));
  EXPECT_EQ(s.position, 1);
  EXPECT_FALSE((*services)[1].active_from.has_value());
  EXPECT_FALSE((*services)[1].active_until.has_value());

  auto sets = store_->ListServiceSets();
  ASSERT_TRUE(sets);
  ASSERT_EQ(sets->size(), 1u);
  EXPECT_EQ((*sets)[0].name_nl, "Set");
  EXPECT_EQ((*sets)[0].name_en, "Set en");
  EXPECT_EQ((*sets)[0].services, (std::vector<Uuid>{without_dates.id, with_dates.id}));

  // Upserts replace fields and set members.
  WriteBatch u;
  Provider renamed = MakeProvider(1);
  renamed.name = "Renamed";
  renamed.active = false;
  u.providers = {renamed};
  with_dates.active_until.reset();
  with_dates.name_nl = "Nieuw";
  u.services = {with_dates};
  u.service_sets = {ServiceSet{MakeUuid(500), "Set2", "Set2 en", {with_dates.id}}};
  ASSERT_TRUE(store_->Commit(u));
  providers = store_->ListProviders();
  ASSERT_TRUE(providers);
  EXPECT_EQ((*providers)[0].name, "Renamed");
  EXPECT_FALSE((*providers)[0].active);
  services = store_->ListServices();
  ASSERT_TRUE(services);
  EXPECT_EQ((*services)[0].name_nl, "Nieuw");
  EXPECT_FALSE((*services)[0].active_until.has_value());
  sets = store_->ListServiceSets();
  ASSERT_TRUE(sets);
  EXPECT_EQ((*sets)[0].name_nl, "Set2");
  EXPECT_EQ((*sets)[0].services, std::vector<Uuid>{with_dates.id});
}

TEST_F(StoreTest, ProviderLoginRegistrationsRoundTripAndAreReplacedAsAWhole) {
  Open();
  Provider p = MakeProvider(1);
  p.saml_metadata = "<md:EntityDescriptor entityID=\"urn:x\"/>";
  p.saml_post_response = true;
  p.oidc_clients = {{"client-a", std::string(64, 'a'), {"https://a.example/cb", "https://a.example/cb2"}},
                    {"client-b", std::string(64, 'b'), {"https://b.example/cb"}}};
  WriteBatch b;
  b.providers = {p, MakeProvider(2)};
  ASSERT_TRUE(store_->Commit(b));
  auto providers = store_->ListProviders();
  ASSERT_TRUE(providers);
  ASSERT_EQ(providers->size(), 2u);
  EXPECT_EQ((*providers)[0].saml_metadata, p.saml_metadata);
  EXPECT_TRUE((*providers)[0].saml_post_response);
  EXPECT_EQ((*providers)[0].oidc_clients, p.oidc_clients);
  EXPECT_TRUE((*providers)[1].oidc_clients.empty());
  EXPECT_FALSE((*providers)[1].saml_post_response);

  // An upsert replaces the client list; a client id owned by another provider is refused.
  p.oidc_clients = {{"client-c", std::string(64, 'c'), {"https://c.example/cb"}}};
  WriteBatch u;
  u.providers = {p};
  ASSERT_TRUE(store_->Commit(u));
  EXPECT_EQ((*store_->ListProviders())[0].oidc_clients, p.oidc_clients);
  Provider other = MakeProvider(2);
  other.oidc_clients = {{"client-c", std::string(64, 'd'), {"https://d.example/cb"}}};
  WriteBatch steal;
  steal.providers = {other};
  auto r = store_->Commit(steal);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ((*store_->ListProviders())[0].oidc_clients, p.oidc_clients);
}

TEST_F(StoreTest, ServiceOfUnknownProviderIsRefusedAndNothingOfTheBatchRemains) {
  Open();
  WriteBatch b;
  b.providers = {MakeProvider(1)};
  b.services = {MakeService(1, MakeOin(9))};
  b.events = {MakeEvent("", "CATALOGUE")};
  auto r = store_->Commit(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListProviders()->empty());
  EXPECT_EQ(*store_->LastSeq(), 0u);
}

// ------------------------------------------------------------------ mandates

TEST_F(StoreTest, MandateRoundTripWithEveryOptionalField) {
  Open();
  PutCatalogue();
  Mandate full = MakeMandate(1, MakeBsn(1), Party::Person(MakeBsn(2)));
  full.kind = MandateKind::kDirect;
  full.agent_birth = D(1980, 2, 29);
  full.provider = MakeOin(1);
  full.services = {MakeUuid(1002), MakeUuid(1001)};
  full.initiator = Initiator::kProvider;
  full.end_reason = EndReason::kByProvider;
  full.evidence = Evidence{"PASPOORT", "NX12345", "clerk-7"};
  full.state = MandateState::kRevoked;
  full.lapse_on = D(2026, 1, 22);
  full.version = 1;
  ASSERT_TRUE(Insert(full));

  Mandate bare = MakeMandate(2, MakeBsn(3), std::nullopt);
  bare.state = MandateState::kRequested;
  ASSERT_TRUE(Insert(bare));

  auto got = store_->GetMandate(full.id);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  std::sort(full.services.begin(), full.services.end());  // the store returns them sorted
  ExpectSameMandate(**got, full);

  got = store_->GetMandate(bare.id);
  ASSERT_TRUE(got && got->has_value());
  ExpectSameMandate(**got, bare);
  EXPECT_FALSE((*got)->agent.has_value());
  EXPECT_EQ((*got)->lapse_on, Date{});

  Mandate org = MakeMandate(3, MakeBsn(1), Party::Organisation(MakeKvk(5)));
  ASSERT_TRUE(Insert(org));
  got = store_->GetMandate(org.id);
  ASSERT_TRUE(got && got->has_value());
  ExpectSameMandate(**got, org);

  auto missing = store_->GetMandate(MakeUuid(99));
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(StoreTest, VersionConflicts) {
  Open();
  PutCatalogue();
  Mandate m = MakeMandate(1, MakeBsn(1), Party::Person(MakeBsn(2)));
  ASSERT_TRUE(Insert(m));

  // Insert of an existing id.
  auto dup = Insert(m, {MakeEvent(m.id.str(), "REQUESTED")});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);

  // Update with the right version.
  Mandate m2 = m;
  m2.state = MandateState::kRevoked;
  m2.services = {MakeUuid(1002)};
  m2.version = 2;
  WriteBatch b;
  b.mandates = {MandateWrite{m2, 1}};
  b.events = {MakeEvent(m.id.str(), "REVOKED")};
  auto ok = store_->Commit(b);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->seq, 1u);

  // The same update again is stale now.
  auto stale = store_->Commit(b);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);

  // Update of a mandate that does not exist.
  Mandate ghost = MakeMandate(7, MakeBsn(1), std::nullopt);
  ghost.version = 2;
  WriteBatch g;
  g.mandates = {MandateWrite{ghost, 1}};
  auto gr = store_->Commit(g);
  ASSERT_FALSE(gr);
  EXPECT_EQ(gr.error().code, ErrorCode::kConflict);

  // Version must advance by exactly one.
  Mandate skip = m2;
  skip.version = 5;
  WriteBatch s;
  s.mandates = {MandateWrite{skip, 2}};
  auto sr = store_->Commit(s);
  ASSERT_FALSE(sr);
  EXPECT_EQ(sr.error().code, ErrorCode::kInvalidArgument);

  auto got = store_->GetMandate(m.id);
  ASSERT_TRUE(got && got->has_value());
  ExpectSameMandate(**got, m2);
  EXPECT_EQ(*store_->LastSeq(), 1u);
  auto events = store_->EventsOfMandate(m.id);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "REVOKED");
}

TEST_F(StoreTest, InvalidDatesAndUnknownServicesAreRefused) {
  Open();
  PutCatalogue();
  Mandate bad_date = MakeMandate(1, MakeBsn(1), std::nullopt);
  bad_date.end = D(2026, 2, 30);
  auto r = Insert(bad_date);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);

  Mandate unknown_service = MakeMandate(2, MakeBsn(1), std::nullopt);
  unknown_service.services = {MakeUuid(4242)};
  r = Insert(unknown_service, {MakeEvent(unknown_service.id.str(), "REQUESTED")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);

  EXPECT_FALSE(store_->GetMandate(bad_date.id)->has_value());
  EXPECT_FALSE(store_->GetMandate(unknown_service.id)->has_value());
  EXPECT_EQ(*store_->LastSeq(), 0u);

  auto due = store_->DueForTimeTransition(Date{});
  ASSERT_FALSE(due);
  EXPECT_EQ(due.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, LookupsByPrincipalAgentAndOpenRequests) {
  Open();
  PutCatalogue();
  const Bsn alice = MakeBsn(1), bob = MakeBsn(2), carol = MakeBsn(3);
  const Party org = Party::Organisation(MakeKvk(1));

  Mandate a1 = MakeMandate(1, alice, Party::Person(bob));  // ACTIVE
  Mandate a2 = MakeMandate(2, alice, std::nullopt);        // REQUESTED by alice, no agent
  a2.state = MandateState::kRequested;
  a2.lapse_on = D(2026, 2, 1);
  Mandate a3 = MakeMandate(3, alice, org);  // REQUESTED by the organisation
  a3.state = MandateState::kRequested;
  a3.initiator = Initiator::kAgent;
  a3.lapse_on = D(2026, 2, 1);
  Mandate c1 = MakeMandate(4, carol, Party::Person(bob));  // REQUESTED by bob as agent
  c1.state = MandateState::kRequested;
  c1.initiator = Initiator::kAgent;
  c1.lapse_on = D(2026, 2, 1);
  Mandate c2 = MakeMandate(5, carol, Party::Person(alice));  // REJECTED: not open
  c2.state = MandateState::kRejected;
  c2.initiator = Initiator::kAgent;
  for (const Mandate& m : {a1, a2, a3, c1, c2}) ASSERT_TRUE(Insert(m));

  auto of_alice = store_->MandatesOfPrincipal(alice);
  ASSERT_TRUE(of_alice);
  std::set<Uuid> ids;
  for (const Mandate& m : *of_alice) ids.insert(m.id);
  EXPECT_EQ(ids, (std::set<Uuid>{a1.id, a2.id, a3.id}));

  auto for_bob = store_->MandatesOfAgent(Party::Person(bob));
  ASSERT_TRUE(for_bob);
  ids.clear();
  for (const Mandate& m : *for_bob) ids.insert(m.id);
  EXPECT_EQ(ids, (std::set<Uuid>{a1.id, c1.id}));
  auto for_org = store_->MandatesOfAgent(org);
  ASSERT_TRUE(for_org);
  ASSERT_EQ(for_org->size(), 1u);
  EXPECT_EQ((*for_org)[0].id, a3.id);
  EXPECT_TRUE(store_->MandatesOfAgent(Party::Person(carol))->empty());

  EXPECT_EQ(*store_->CountOpenRequestsBy(Party::Person(alice)), 1);  // a2 (not a3, c2)
  EXPECT_EQ(*store_->CountOpenRequestsBy(Party::Person(bob)), 1);    // c1 (not a1)
  EXPECT_EQ(*store_->CountOpenRequestsBy(org), 1);                   // a3
  EXPECT_EQ(*store_->CountOpenRequestsBy(Party::Person(carol)), 0);

  int seen = 0;
  ASSERT_TRUE(store_->ForEachMandate([&](const Mandate&) { return ++seen < 100; }));
  EXPECT_EQ(seen, 5);
  seen = 0;
  ASSERT_TRUE(store_->ForEachMandate([&](const Mandate&) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

TEST_F(StoreTest, DueForTimeTransition) {
  Open();
  PutCatalogue();
  const Date today = D(2026, 3, 10);
  auto requested = [&](int n, Date lapse) {
    Mandate m = MakeMandate(n, MakeBsn(n), std::nullopt);
    m.state = MandateState::kRequested;
    m.lapse_on = lapse;
    return m;
  };
  auto active = [&](int n, Date end) {
    Mandate m = MakeMandate(n, MakeBsn(n), Party::Person(MakeBsn(50)));
    m.end = end;
    return m;
  };
  Mandate lapsed_yesterday = requested(1, D(2026, 3, 9));
  Mandate lapses_today = requested(2, D(2026, 3, 10));
  Mandate lapses_tomorrow = requested(3, D(2026, 3, 11));
  Mandate ended_yesterday = active(4, D(2026, 3, 9));
  Mandate ends_today = active(5, D(2026, 3, 10));
  Mandate revoked_long_ago = active(6, D(2020, 1, 1));
  revoked_long_ago.start = D(2019, 1, 1);
  revoked_long_ago.state = MandateState::kRevoked;
  for (const Mandate& m : {lapsed_yesterday, lapses_today, lapses_tomorrow, ended_yesterday,
                           ends_today, revoked_long_ago}) {
    ASSERT_TRUE(Insert(m));
  }
  auto due = store_->DueForTimeTransition(today);
  ASSERT_TRUE(due);
  std::set<Uuid> ids;
  for (const Mandate& m : *due) ids.insert(m.id);
  EXPECT_EQ(ids, (std::set<Uuid>{lapsed_yesterday.id, lapses_today.id, ended_yesterday.id}));
}

TEST_F(StoreTest, ActivationCodeWritesAreConditionalOnTheRecordAsRead) {
  Open();
  PutCatalogue();
  Mandate m = MakeMandate(1, MakeBsn(1), std::nullopt);
  ActivationCode code{m.id, std::string(64, 'a'), At(1'760'000'000'000'000), 0, false};
  WriteBatch b;
  b.mandates = {MandateWrite{m, 0}};
  b.codes = {CodeWrite{code, std::nullopt}};
  ASSERT_TRUE(store_->Commit(b));
  auto got = store_->GetActivationCode(m.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->mandate_id, m.id);
  EXPECT_EQ((*got)->hash_hex, code.hash_hex);
  EXPECT_EQ((*got)->expires, code.expires);
  EXPECT_EQ((*got)->failed_attempts, 0);
  EXPECT_FALSE((*got)->used);

  // A second new code for the same mandate is refused.
  WriteBatch again;
  again.codes = {CodeWrite{code, std::nullopt}};
  auto ar = store_->Commit(again);
  ASSERT_FALSE(ar);
  EXPECT_EQ(ar.error().code, ErrorCode::kConflict);

  const ActivationCode read = code;
  code.failed_attempts = 3;
  code.used = true;
  WriteBatch u;
  u.codes = {CodeWrite{code, read}};
  ASSERT_TRUE(store_->Commit(u));
  got = store_->GetActivationCode(m.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->failed_attempts, 3);
  EXPECT_TRUE((*got)->used);

  // A writer that read the record before that change conflicts, and writes nothing: not the
  // code, not the events of its batch.
  ActivationCode stale = read;
  stale.failed_attempts = 1;
  WriteBatch late;
  late.codes = {CodeWrite{stale, read}};
  late.events = {MakeEvent(m.id.str(), "CODE_FAILED")};
  auto lr = store_->Commit(late);
  ASSERT_FALSE(lr);
  EXPECT_EQ(lr.error().code, ErrorCode::kConflict);
  EXPECT_EQ((*store_->GetActivationCode(m.id))->failed_attempts, 3);
  EXPECT_TRUE((*store_->GetActivationCode(m.id))->used);
  EXPECT_EQ(*store_->LastSeq(), 0u);

  EXPECT_FALSE(store_->GetActivationCode(MakeUuid(77))->has_value());
  // A code for a mandate that does not exist is refused; so is a change of a code that
  // does not exist.
  WriteBatch orphan;
  orphan.codes = {CodeWrite{ActivationCode{MakeUuid(77), "x", At(0), 0, false}, std::nullopt}};
  auto r = store_->Commit(orphan);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  WriteBatch ghost;
  ghost.codes = {CodeWrite{ActivationCode{MakeUuid(77), "x", At(0), 1, false},
                           ActivationCode{MakeUuid(77), "x", At(0), 0, false}}};
  auto gr = store_->Commit(ghost);
  ASSERT_FALSE(gr);
  EXPECT_EQ(gr.error().code, ErrorCode::kConflict);
}

// ------------------------------------------------------------------ events, letters, uses

TEST_F(StoreTest, EventsAreChainedAndStampedWithCommitTime) {
  Open();
  PutCatalogue();
  Mandate m = MakeMandate(1, MakeBsn(1), std::nullopt);
  clock_.Set(At(1'760'000'000'123'456));
  auto r = Insert(m, {MakeEvent(m.id.str(), "REQUESTED"), MakeEvent(m.id.str(), "APPROVED")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 2u);
  WriteBatch cat;
  cat.events = {NewEvent{"", DomainEvent{EventKind::kProviderSaved, "clerk:1", Channel::kAdmin, "{}"}}};
  r = store_->Commit(cat);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 3u);

  WriteBatch no_events;
  no_events.providers = {MakeProvider(3)};
  r = store_->Commit(no_events);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 0u);
  auto empty = store_->Commit(WriteBatch{});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->seq, 0u);

  auto events = store_->EventsOfMandate(m.id);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  const EventRecord& e1 = (*events)[0];
  const EventRecord& e2 = (*events)[1];
  EXPECT_EQ(e1.seq, 1u);
  EXPECT_EQ(e1.at, At(1'760'000'000'123'456));
  EXPECT_EQ(e1.mandate_id, m.id.str());
  EXPECT_EQ(e1.type, "REQUESTED");
  EXPECT_EQ(e1.actor, "system");
  EXPECT_EQ(e1.channel, ChannelName(Channel::kApi));
  EXPECT_EQ(e1.detail_json, "{\"k\":\"v\"}");
  EXPECT_EQ(e1.prev_hash, kGenesisHash);
  EXPECT_EQ(e1.hash, ComputeEventHash(e1));
  EXPECT_EQ(e2.seq, 2u);
  EXPECT_EQ(e2.prev_hash, e1.hash);
  EXPECT_EQ(*store_->LastSeq(), 3u);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->records, 3u);
}

TEST_F(StoreTest, EventsCannotBeUpdatedOrDeleted) {
  Open();
  CommitEvents(2);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(
      sqlite3_exec(db, "UPDATE events SET type = 'X' WHERE seq = 1", nullptr, nullptr, nullptr),
      SQLITE_CONSTRAINT);
  EXPECT_EQ(sqlite3_exec(db, "DELETE FROM events WHERE seq = 2", nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
  sqlite3_close(db);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok);
  EXPECT_EQ(rep->records, 2u);
}

TEST_F(StoreTest, LettersInTheOutbox) {
  Open();
  static constexpr char kPdf[] = "%PDF-1.4\0\x01\xff binary";
  std::string pdf(kPdf, sizeof kPdf - 1);  // with the embedded NUL and 0xff bytes
  Letter l1{MakeUuid(1),
            "ACTIVATION_CODE",
            MakeUuid(9).str(),
            "bsn:" + MakeBsn(1).str(),
            At(1'760'000'000'000'000),
            pdf};
  Letter l2{
      MakeUuid(2), "CONFIRM_REVOCATION", "", "bsn:" + MakeBsn(2).str(), At(1'760'000'000'000'001),
      "x"};
  WriteBatch b;
  b.letters = {l2, l1};
  ASSERT_TRUE(store_->Commit(b));

  auto list = store_->ListLetters();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, l1.id);  // by creation time
  EXPECT_EQ((*list)[0].kind, "ACTIVATION_CODE");
  EXPECT_EQ((*list)[0].mandate_id, l1.mandate_id);
  EXPECT_EQ((*list)[0].recipient, l1.recipient);
  EXPECT_EQ((*list)[0].created, l1.created);
  EXPECT_TRUE((*list)[0].pdf.empty());
  EXPECT_EQ((*list)[1].id, l2.id);

  auto got = store_->GetLetter(l1.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->pdf, pdf);
  EXPECT_EQ((*got)->kind, l1.kind);
  EXPECT_FALSE(store_->GetLetter(MakeUuid(3))->has_value());

  WriteBatch dup;
  dup.letters = {l1};
  auto r = store_->Commit(dup);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TEST_F(StoreTest, RecordUses) {
  Open();
  ASSERT_TRUE(store_->RecordUses({}));
  std::vector<MandateUse> uses = {
      {MakeUuid(1), MakeOin(1), MakeUuid(1001), Channel::kSaml, At(20)},
      {MakeUuid(1), MakeOin(2), MakeUuid(1003), Channel::kApi, At(10)},
      {MakeUuid(2), MakeOin(1), MakeUuid(1001), Channel::kOidc, At(15)},
  };
  ASSERT_TRUE(store_->RecordUses(uses));
  auto got = store_->UsesOfMandate(MakeUuid(1));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].mandate_id, MakeUuid(1));
  EXPECT_EQ((*got)[0].provider, MakeOin(2));
  EXPECT_EQ((*got)[0].service, MakeUuid(1003));
  EXPECT_EQ((*got)[0].channel, Channel::kApi);
  EXPECT_EQ((*got)[0].at, At(10));
  EXPECT_EQ((*got)[1].channel, Channel::kSaml);
  EXPECT_TRUE(store_->UsesOfMandate(MakeUuid(3))->empty());
  EXPECT_EQ(*store_->LastSeq(), 0u);  // uses are not events
}

// ------------------------------------------------------------------ group commit

TEST_F(StoreTest, ConflictingBatchIsRolledBackAloneWithinItsGroup) {
  GateClock gate;
  auto opened = SqliteStore::Open(path_, gate);
  ASSERT_TRUE(opened);
  std::unique_ptr<SqliteStore> s = std::move(*opened);
  {
    WriteBatch cat;
    cat.providers = {MakeProvider(1)};
    cat.services = {MakeService(1, MakeOin(1))};
    ASSERT_TRUE(s->Commit(cat));
  }
  Mandate existing = MakeMandate(1, MakeBsn(1), std::nullopt);
  {
    WriteBatch b;
    b.mandates = {MandateWrite{existing, 0}};
    ASSERT_TRUE(s->Commit(b));
  }
  std::vector<std::pair<Uuid, uint64_t>> observed;
  s->SetCommitObserver([&](const WriteBatch& b, uint64_t seq) {
    observed.emplace_back(b.mandates.empty() ? Uuid() : b.mandates[0].mandate.id, seq);
  });
  const int groups_before = gate.calls();

  gate.Close();
  // Four batches: 0, 1 and 3 insert new mandates; 2 inserts `existing` again (conflict).
  std::vector<Mandate> ms;
  for (int i = 0; i < 4; ++i) ms.push_back(MakeMandate(i == 2 ? 1 : 10 + i, MakeBsn(i), {}));
  std::vector<Result<CommitResult>> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    // Enqueue one at a time so the order inside the group is known.
    threads.emplace_back([&, i] {
      WriteBatch b;
      b.mandates = {MandateWrite{ms[static_cast<size_t>(i)], 0}};
      b.events = {MakeEvent(ms[static_cast<size_t>(i)].id.str(), "REQUESTED")};
      b.letters = {Letter{MakeUuid(700 + i), "ACTIVATION_CODE", "", "r", At(i), "pdf"}};
      results[static_cast<size_t>(i)] = s->Commit(std::move(b));
    });
    WaitForPending(*s, static_cast<size_t>(i) + 1);
  }
  gate.Open();
  for (auto& t : threads) t.join();

  EXPECT_EQ(gate.calls() - groups_before, 1);  // one group
  ASSERT_TRUE(results[0]);
  ASSERT_TRUE(results[1]);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().code, ErrorCode::kConflict);
  ASSERT_TRUE(results[3]);
  EXPECT_EQ(results[0]->seq, 1u);
  EXPECT_EQ(results[1]->seq, 2u);
  EXPECT_EQ(results[3]->seq, 3u);  // the conflicting batch's event was rolled back

  EXPECT_TRUE(s->GetMandate(ms[0].id)->has_value());
  EXPECT_TRUE(s->GetMandate(ms[3].id)->has_value());
  EXPECT_FALSE(s->GetLetter(MakeUuid(702))->has_value());
  EXPECT_TRUE(s->GetLetter(MakeUuid(703))->has_value());
  EXPECT_TRUE(s->EventsOfMandate(existing.id)->empty());
  auto rep = s->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->records, 3u);

  ASSERT_EQ(observed.size(), 3u);  // committed batches only, in commit order
  EXPECT_EQ(observed[0], std::make_pair(ms[0].id, uint64_t{1}));
  EXPECT_EQ(observed[1], std::make_pair(ms[1].id, uint64_t{2}));
  EXPECT_EQ(observed[2], std::make_pair(ms[3].id, uint64_t{3}));
}

TEST_F(StoreTest, ObserverSeesHeadSeqForBatchesWithoutEvents) {
  Open();
  CommitEvents(2);
  std::vector<uint64_t> seqs;
  store_->SetCommitObserver([&](const WriteBatch&, uint64_t seq) { seqs.push_back(seq); });
  WriteBatch b;
  b.providers = {MakeProvider(1)};
  ASSERT_TRUE(store_->Commit(b));
  ASSERT_TRUE(store_->RecordUses({{MakeUuid(1), MakeOin(1), MakeUuid(2), Channel::kApi, At(1)}}));
  CommitEvents(1);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{2, 3}));
}

// ------------------------------------------------------------------ other writers

// Another process writing the same file (volmacht admin or sweep beside a running server):
// each writer continues the one chain from the head as stored, and hears of the other's
// commits, in order, before its own.
TEST_F(StoreTest, TwoWritersOnOneFileContinueOneChain) {
  Open();
  PutCatalogue();
  SqliteStoreOptions quiet;
  quiet.follow_period = std::chrono::hours(1);  // only the commit path follows here
  auto other = SqliteStore::Open(path_, clock_, quiet);
  ASSERT_TRUE(other) << other.error().message;
  std::vector<std::pair<std::string, uint64_t>> heard;  // (mandate id, seq)
  (*other)->SetCommitObserver([&](const WriteBatch& b, uint64_t seq) {
    for (const MandateWrite& w : b.mandates) heard.emplace_back(w.mandate.id.str(), seq);
  });

  Mandate m1 = MakeMandate(1, MakeBsn(1), Party::Person(MakeBsn(2)));
  Mandate m2 = MakeMandate(2, MakeBsn(3), Party::Person(MakeBsn(4)));
  Mandate m3 = MakeMandate(3, MakeBsn(5), Party::Person(MakeBsn(6)));
  ASSERT_TRUE(Insert(m1, {MakeEvent(m1.id.str(), "GRANTED")}));
  WriteBatch b2;
  b2.mandates.push_back(MandateWrite{m2, 0});
  b2.events = {MakeEvent(m2.id.str(), "GRANTED")};
  auto r2 = (*other)->Commit(std::move(b2));
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(r2->seq, 2u);
  auto r3 = Insert(m3, {MakeEvent(m3.id.str(), "GRANTED")});
  ASSERT_TRUE(r3) << r3.error().message;
  EXPECT_EQ(r3->seq, 3u);

  EXPECT_EQ(heard, (std::vector<std::pair<std::string, uint64_t>>{{m1.id.str(), 1},
                                                                    {m2.id.str(), 2}}));
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->records, 3u);
}

// A round of following others that fails is counted and warned about once, the store keeps
// writing, and the next round tries the same commits again (here an event of another writer
// that names no valid mandate id, so every round fails).
TEST_F(StoreTest, AFailedFollowIsCountedWarnedOnceAndRetried) {
  Open();
  SqliteStoreOptions quiet;
  quiet.follow_period = std::chrono::hours(1);  // only the commit path follows here
  auto follower = SqliteStore::Open(path_, clock_, quiet);
  ASSERT_TRUE(follower) << follower.error().message;
  std::vector<uint64_t> heard;
  (*follower)->SetCommitObserver([&](const WriteBatch&, uint64_t seq) { heard.push_back(seq); });
  WriteBatch poison;
  poison.events = {MakeEvent("not-a-uuid", "GRANTED")};
  ASSERT_TRUE(store_->Commit(std::move(poison)));

  volmacht::testing::LogCapture logs;
  const ServiceCountersSnapshot before = ReadServiceCounters();
  for (int i = 0; i < 3; ++i) {
    WriteBatch own;
    own.events = {MakeEvent("", "E" + std::to_string(i))};
    auto r = (*follower)->Commit(std::move(own));
    ASSERT_TRUE(r) << r.error().message;
  }
  EXPECT_EQ(ReadServiceCounters().follow_failures - before.follow_failures, 3u);
  std::vector<std::string> warned = logs.With("\"store.follow_failed\"");
  ASSERT_EQ(warned.size(), 1u) << "one warning per period, however often it fails";
  EXPECT_NE(warned[0].find("\"level\":\"warn\""), std::string::npos) << warned[0];
  EXPECT_NE(warned[0].find("\"step\":\"mandate_id\""), std::string::npos) << warned[0];
  EXPECT_NE(warned[0].find("\"reason\":\"invalid_argument\""), std::string::npos) << warned[0];
  EXPECT_EQ(heard, (std::vector<uint64_t>{2, 3, 4})) << "only its own commits were heard";
}

// A store that writes nothing itself still hears of other writers' commits, as they are
// stored now: the mandates their events name and, after a catalogue event, the catalogue.
TEST_F(StoreTest, AnIdleStoreFollowsCommitsOfOthers) {
  Open();
  SqliteStoreOptions eager;
  eager.follow_period = std::chrono::milliseconds(5);
  auto follower = SqliteStore::Open(path_, clock_, eager);
  ASSERT_TRUE(follower) << follower.error().message;
  std::mutex mu;
  std::condition_variable cv;
  uint64_t last_seq = 0;
  std::vector<Provider> providers;
  std::vector<Mandate> mandates;
  (*follower)->SetCommitObserver([&](const WriteBatch& b, uint64_t seq) {
    std::lock_guard lock(mu);
    if (!b.providers.empty()) providers = b.providers;
    for (const MandateWrite& w : b.mandates) mandates.push_back(w.mandate);
    last_seq = seq;
    cv.notify_all();
  });

  WriteBatch cat;
  cat.providers = {MakeProvider(1)};
  cat.services = {MakeService(1, MakeOin(1))};
  cat.events = {MakeEvent("", "PROVIDER_SAVED")};
  ASSERT_TRUE(store_->Commit(std::move(cat)));
  Mandate m = MakeMandate(1, MakeBsn(1), Party::Person(MakeBsn(2)));
  ASSERT_TRUE(Insert(m, {MakeEvent(m.id.str(), "GRANTED")}));
  Mandate revoked = m;
  revoked.state = MandateState::kRevoked;
  revoked.version = 2;
  WriteBatch rb;
  rb.mandates = {MandateWrite{revoked, 1}};
  rb.events = {MakeEvent(m.id.str(), "REVOKED")};
  ASSERT_TRUE(store_->Commit(std::move(rb)));

  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return last_seq == 3; }))
      << "heard up to " << last_seq;
  ASSERT_EQ(providers.size(), 1u);
  EXPECT_EQ(providers[0].oin, MakeOin(1));
  ASSERT_FALSE(mandates.empty());
  EXPECT_EQ(mandates.back().id, m.id);
  EXPECT_EQ(mandates.back().state, MandateState::kRevoked);  // as stored now
  EXPECT_EQ(mandates.back().version, 2);
}

// A service loads its state, then sets its observer: commits of others in between are not
// lost, while the store's own earlier commits are not heard of again.
TEST_F(StoreTest, OthersCommitsBeforeTheObserverIsSetAreHeardOnceItIs) {
  Open();
  SqliteStoreOptions eager;
  eager.follow_period = std::chrono::milliseconds(5);
  auto follower = SqliteStore::Open(path_, clock_, eager);
  ASSERT_TRUE(follower) << follower.error().message;
  WriteBatch own;
  own.events = {MakeEvent("", "OWN")};
  ASSERT_TRUE((*follower)->Commit(std::move(own)));  // seq 1, by the follower itself
  Mandate m = MakeMandate(1, MakeBsn(1), Party::Person(MakeBsn(2)));
  PutCatalogue();
  ASSERT_TRUE(Insert(m, {MakeEvent(m.id.str(), "GRANTED")}));  // seq 2, by the other

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, uint64_t>> heard;
  (*follower)->SetCommitObserver([&](const WriteBatch& b, uint64_t seq) {
    std::lock_guard lock(mu);
    for (const MandateWrite& w : b.mandates) heard.emplace_back(w.mandate.id.str(), seq);
    if (!b.providers.empty()) heard.emplace_back("catalogue", seq);
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return !heard.empty(); }));
  EXPECT_EQ(heard, (std::vector<std::pair<std::string, uint64_t>>{{m.id.str(), 2}}));
}

TEST_F(StoreTest, ManyThreadsCommitConcurrently) {
  Open();
  constexpr int kThreads = 8;
  constexpr int kBatches = 200;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::atomic<int> reader_errors{0};
  // A reader keeps reading while the writers write: it must never fail nor see time go back.
  std::thread reader([&] {
    uint64_t last = 0;
    while (!done) {
      auto s = store_->LastSeq();
      if (!s || *s < last) ++reader_errors;
      if (s) last = *s;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBatches; ++i) {
        WriteBatch b;
        b.events = {MakeEvent("t" + std::to_string(t), "E" + std::to_string(i))};
        auto r = store_->Commit(std::move(b));
        if (!r) {
          ++failures;
          continue;
        }
        seqs[static_cast<size_t>(t)].push_back(r->seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(reader_errors, 0);
  std::set<uint64_t> all;
  for (const auto& v : seqs) {
    ASSERT_EQ(v.size(), static_cast<size_t>(kBatches));
    for (size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kBatches));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kBatches));
  EXPECT_EQ(*store_->LastSeq(), static_cast<uint64_t>(kThreads * kBatches));
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->records, static_cast<uint64_t>(kThreads * kBatches));
}

TEST_F(StoreTest, DestructorAnswersQueuedBatches) {
  GateClock gate;
  auto opened = SqliteStore::Open(path_, gate);
  ASSERT_TRUE(opened);
  std::unique_ptr<SqliteStore> s = std::move(*opened);
  gate.Close();
  std::vector<Result<CommitResult>> results(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      WriteBatch b;
      b.events = {MakeEvent("", "E")};
      results[static_cast<size_t>(i)] = s->Commit(std::move(b));
    });
  }
  WaitForPending(*s, 3);
  gate.Open();
  s.reset();
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(r);
  auto reopened = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*(*reopened)->LastSeq(), 3u);
}

// ------------------------------------------------------------------ disk faults

TEST_F(StoreTest, DiskErrorFailsTheWholeGroupAndLeavesNothing) {
  SqliteStoreOptions options;
  options.vfs = RegisterFaultVfs();
  GateClock gate;
  auto opened = SqliteStore::Open(path_, gate, options);
  ASSERT_TRUE(opened) << opened.error().message;
  std::unique_ptr<SqliteStore> s = std::move(*opened);
  {
    WriteBatch cat;
    cat.providers = {MakeProvider(1)};
    cat.services = {MakeService(1, MakeOin(1))};
    cat.events = {MakeEvent("", "CATALOGUE")};
    ASSERT_TRUE(s->Commit(cat));
  }
  gate.Close();
  std::vector<Result<CommitResult>> results(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      WriteBatch b;
      b.mandates = {MandateWrite{MakeMandate(10 + i, MakeBsn(i), {}), 0}};
      b.events = {MakeEvent(MakeUuid(10 + i).str(), "REQUESTED")};
      results[static_cast<size_t>(i)] = s->Commit(std::move(b));
    });
  }
  WaitForPending(*s, 3);
  g_fail_writes = true;
  gate.Open();
  for (auto& t : threads) t.join();
  g_fail_writes = false;
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  }
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(s->GetMandate(MakeUuid(10 + i))->has_value());
  EXPECT_EQ(*s->LastSeq(), 1u);

  // The disk is back: the store carries on where the chain left off.
  WriteBatch after;
  after.mandates = {MandateWrite{MakeMandate(20, MakeBsn(1), {}), 0}};
  after.events = {MakeEvent(MakeUuid(20).str(), "REQUESTED")};
  auto r = s->Commit(after);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->seq, 2u);
  s.reset();
  auto reopened = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(reopened);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE((*reopened)->GetMandate(MakeUuid(10 + i))->has_value());
  }
  EXPECT_TRUE((*reopened)->GetMandate(MakeUuid(20))->has_value());
  auto rep = (*reopened)->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->records, 2u);
}

// ------------------------------------------------------------------ tampering

TEST_F(StoreTest, VerifyDetectsAlteredField) {
  Open();
  CommitEvents(5);
  sqlite3* db = RawWithoutTriggers();
  Exec(db, "UPDATE events SET actor = 'clerk:evil' WHERE seq = 3");
  sqlite3_close(db);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 3u);
  EXPECT_EQ(rep->problem, "hash mismatch");
}

TEST_F(StoreTest, VerifyDetectsRemovedRecord) {
  Open();
  CommitEvents(5);
  sqlite3* db = RawWithoutTriggers();
  Exec(db, "DELETE FROM events WHERE seq = 2");
  sqlite3_close(db);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 2u);
  EXPECT_EQ(rep->problem, "gap");
}

TEST_F(StoreTest, VerifyDetectsSwappedRecords) {
  Open();
  CommitEvents(5);
  sqlite3* db = RawWithoutTriggers();
  Exec(db,
       "UPDATE events SET seq = -1 WHERE seq = 2;"
       "UPDATE events SET seq = 2 WHERE seq = 3;"
       "UPDATE events SET seq = 3 WHERE seq = -1;");
  sqlite3_close(db);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 2u);
}

TEST_F(StoreTest, VerifyDetectsBadPrevLinkEvenWithRecomputedHash) {
  Open();
  CommitEvents(5);
  // Rewrite record 4 to link to record 2 and give it a correct hash of its own.
  sqlite3* db = RawWithoutTriggers();
  EventRecord r4;
  {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT seq, at, mandate_id, type, actor, channel, detail_json, "
                                 "(SELECT hash FROM events WHERE seq = 2) FROM events "
                                 "WHERE seq = 4",
                                 -1, &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    auto text = [&](int c) {
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
    };
    r4.seq = 4;
    r4.at = At(sqlite3_column_int64(st, 1));
    r4.mandate_id = text(2);
    r4.type = text(3);
    r4.actor = text(4);
    r4.channel = text(5);
    r4.detail_json = text(6);
    r4.prev_hash = text(7);
    sqlite3_finalize(st);
  }
  r4.hash = ComputeEventHash(r4);
  std::string sql = "UPDATE events SET prev_hash = '" + r4.prev_hash + "', hash = '" + r4.hash +
                    "' WHERE seq = 4";
  Exec(db, sql.c_str());
  sqlite3_close(db);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 4u);
  EXPECT_EQ(rep->problem, "prev_hash mismatch");
}

TEST_F(StoreTest, VerifyDetectsTailTruncation) {
  Open();
  CommitEvents(6);
  sqlite3* db = RawWithoutTriggers();
  Exec(db, "DELETE FROM events WHERE seq > 4");
  sqlite3_close(db);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 5u);
  EXPECT_EQ(rep->problem, "truncated");
}

TEST_F(StoreTest, OpenRefusesALogBeyondItsHead) {
  Open();
  CommitEvents(3);
  store_.reset();
  sqlite3* db = RawWithoutTriggers();
  Exec(db, "UPDATE chain_head SET seq = 2");
  sqlite3_close(db);
  auto s = SqliteStore::Open(path_, clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
}

// ------------------------------------------------------------------ reopen, migrations

TEST_F(StoreTest, ReopenKeepsEverythingAndContinuesTheChain) {
  Open();
  PutCatalogue();
  Mandate m = MakeMandate(1, MakeBsn(1), Party::Person(MakeBsn(2)));
  ASSERT_TRUE(Insert(m, {MakeEvent(m.id.str(), "REQUESTED")}));
  WriteBatch b;
  b.letters = {Letter{MakeUuid(5), "ACTIVATION_CODE", m.id.str(), "r", At(1), "pdf"}};
  b.codes = {CodeWrite{ActivationCode{m.id, "h", At(2), 1, false}, std::nullopt}};
  b.service_sets = {ServiceSet{MakeUuid(6), "s", "s", {MakeUuid(1001)}}};
  ASSERT_TRUE(store_->Commit(b));

  Open();  // closes and reopens
  auto got = store_->GetMandate(m.id);
  ASSERT_TRUE(got && got->has_value());
  ExpectSameMandate(**got, m);
  EXPECT_EQ(store_->ListProviders()->size(), 2u);
  EXPECT_EQ(store_->ListServices()->size(), 3u);
  EXPECT_EQ(store_->ListServiceSets()->size(), 1u);
  EXPECT_TRUE(store_->GetLetter(MakeUuid(5))->has_value());
  EXPECT_EQ((*store_->GetActivationCode(m.id))->failed_attempts, 1);
  EXPECT_EQ(*store_->LastSeq(), 1u);
  WriteBatch more;
  more.events = {MakeEvent(m.id.str(), "APPROVED")};
  auto r = store_->Commit(more);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 2u);
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->records, 2u);
}

TEST_F(StoreTest, MigrationsAreIdempotentAndWalIsOn) {
  Open();
  store_.reset();
  auto conn = store_internal::SqliteConn::Open(path_, false, "");
  ASSERT_TRUE(conn);
  const int latest = static_cast<int>(store_internal::Migrations().size());
  EXPECT_EQ(*store_internal::SchemaVersion(**conn), latest);
  auto again = store_internal::ApplyMigrations(**conn);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, latest);
  auto mode = (*conn)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->Text(0), "wal");
  conn->reset();
  Open();
  Open();
  EXPECT_EQ(*store_->LastSeq(), 0u);
}

// Version 3: use records written in lower case by version 2 read back as the domain's
// channels.
TEST_F(StoreTest, UsesOfTheLowerCaseEraReadBackAsChannels) {
  Open();
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  Exec(db, "UPDATE schema_version SET version = 2");
  const std::string row = "'" + MakeUuid(1).str() + "', '" + MakeOin(1).str() + "', '" +
                          MakeUuid(2).str() + "', ";
  const std::string insert =
      "INSERT INTO mandate_uses (mandate_id, provider, service, channel, at) VALUES (" + row +
      "'saml', 1), (" + row + "'oidc', 2)";
  Exec(db, insert.c_str());
  sqlite3_close(db);
  Open();
  auto got = store_->UsesOfMandate(MakeUuid(1));
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].channel, Channel::kSaml);
  EXPECT_EQ((*got)[1].channel, Channel::kOidc);
}

TEST_F(StoreTest, RefusesANewerSchema) {
  Open();
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  Exec(db, "UPDATE schema_version SET version = 999");
  sqlite3_close(db);
  auto s = SqliteStore::Open(path_, clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
  // Refusing changed nothing.
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 999);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(StoreTest, OpenFailsOnUnusablePath) {
  auto s = SqliteStore::Open(dir_ + "/missing/dir/db", clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
}

// ------------------------------------------------------------------ durability

TEST_F(StoreTest, AcknowledgedCommitsSurviveSigkill) {
  Open();
  PutCatalogue();
  store_.reset();  // no connection may cross the fork

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    ManualClock clock(At(1'750'000'000'000'000));
    auto s = SqliteStore::Open(path_, clock);
    if (!s) _exit(2);
    for (int i = 0;; ++i) {
      WriteBatch b;
      b.mandates = {MandateWrite{MakeMandate(100000 + i, MakeBsn(i % 50), {}), 0}};
      b.events = {MakeEvent(MakeUuid(100000 + i).str(), "REQUESTED")};
      auto r = (*s)->Commit(std::move(b));
      if (!r) _exit(3);
      int64_t msg[2] = {i, static_cast<int64_t>(r->seq)};
      if (write(fds[1], msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) _exit(4);
    }
  }
  close(fds[1]);
  std::vector<std::pair<int64_t, int64_t>> acked;
  auto read_one = [&]() {
    int64_t msg[2];
    size_t got = 0;
    while (got < sizeof msg) {
      ssize_t n = read(fds[0], reinterpret_cast<char*>(msg) + got, sizeof msg - got);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    acked.emplace_back(msg[0], msg[1]);
    return true;
  };
  while (acked.size() < 40 && read_one()) {
  }
  ASSERT_EQ(acked.size(), 40u) << "the child stopped early";
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  while (read_one()) {
  }  // acknowledgements written before the kill
  close(fds[0]);

  Open();
  auto last = store_->LastSeq();
  ASSERT_TRUE(last);
  for (const auto& [i, seq] : acked) {
    ASSERT_LE(static_cast<uint64_t>(seq), *last);
    auto m = store_->GetMandate(MakeUuid(100000 + static_cast<int>(i)));
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->has_value()) << "acknowledged batch " << i << " lost";
    auto ev = store_->EventsOfMandate(MakeUuid(100000 + static_cast<int>(i)));
    ASSERT_TRUE(ev);
    ASSERT_EQ(ev->size(), 1u);
    EXPECT_EQ((*ev)[0].seq, static_cast<uint64_t>(seq));
  }
  auto rep = store_->VerifyEventChain();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem << " at " << rep->first_bad_seq;
  EXPECT_EQ(rep->records, *last);
}

}  // namespace
}  // namespace volmacht
