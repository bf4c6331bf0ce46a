// The fixture of the use-case tests: the real SqliteStore in a temp dir, a map-backed
// stand-in for the person register, a ManualClock, a small catalogue (two providers, four
// services, one set) and six persons. Test code only (service_test).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/domain_test_util.h"
#include "registry/testing/map_registry.h"
#include "service/mandate_service.h"
#include "store/sqlite/sqlite_store.h"

namespace volmacht::service_testing {

using std::chrono::days;

using testing::B;
using testing::D;
using testing::O;
using testing::U;
inline Date Plus(Date d, int n) { return testing::AddDays(d, n); }

inline const Bsn kAlice = B("999993653");
inline const Bsn kBob = B("123456782");
inline const Bsn kCarol = B("111222333");
inline const Bsn kEve = B("107777770");    // deceased
inline const Bsn kFrank = B("115555559");  // no known address
inline const Bsn kMinor = B("123333337");
inline const Bsn kNobody = B("131111103");  // valid, not in the register
inline const Oin kOin1 = O("00000001234567890000");
inline const Oin kOin2 = O("00000003123456780000");
inline const Uuid kS1 = U("11111111-1111-4111-8111-111111111111");  // oin1, Midden
inline const Uuid kS2 = U("22222222-2222-4222-8222-222222222222");  // oin1, Substantieel
inline const Uuid kS3 = U("33333333-3333-4333-8333-333333333333");  // oin2
inline const Uuid kS4 = U("44444444-4444-4444-8444-444444444444");  // oin1, ends soon
inline const Uuid kSet = U("55555555-5555-4555-8555-555555555555");  // {S1, S3}

// The external person register, played by a map.
using FakeRegistry = ::volmacht::testing::MapRegistry;

// A Store that lets a test slip a competing change in just before the service's commit, or
// just after it read an activation code record, as another node would.
class RacingStore final : public Store {
 public:
  explicit RacingStore(Store& inner) : inner_(inner) {}
  std::function<void(Store&)> before_commit;  // runs before every Commit while set
  std::function<void()> after_code_read;      // runs after every GetActivationCode while set
  Result<CommitResult> Commit(WriteBatch b) override {
    if (before_commit) before_commit(inner_);
    return inner_.Commit(std::move(b));
  }
  Result<std::vector<Provider>> ListProviders() override { return inner_.ListProviders(); }
  Result<std::vector<Service>> ListServices() override { return inner_.ListServices(); }
  Result<std::vector<ServiceSet>> ListServiceSets() override { return inner_.ListServiceSets(); }
  Result<std::optional<Mandate>> GetMandate(const Uuid& id) override {
    return inner_.GetMandate(id);
  }
  Result<std::vector<Mandate>> MandatesOfPrincipal(const Bsn& p) override {
    return inner_.MandatesOfPrincipal(p);
  }
  Result<std::vector<Mandate>> MandatesOfAgent(const Party& a) override {
    return inner_.MandatesOfAgent(a);
  }
  Result<int> CountOpenRequestsBy(const Party& p) override {
    return inner_.CountOpenRequestsBy(p);
  }
  Result<void> ForEachMandate(const std::function<bool(const Mandate&)>& fn) override {
    return inner_.ForEachMandate(fn);
  }
  Result<std::vector<Mandate>> DueForTimeTransition(Date today) override {
    return inner_.DueForTimeTransition(today);
  }
  Result<std::optional<ActivationCode>> GetActivationCode(const Uuid& m) override {
    Result<std::optional<ActivationCode>> r = inner_.GetActivationCode(m);
    if (after_code_read) after_code_read();
    return r;
  }
  Result<std::vector<EventRecord>> EventsOfMandate(const Uuid& id) override {
    return inner_.EventsOfMandate(id);
  }
  Result<uint64_t> LastSeq() override { return inner_.LastSeq(); }
  Result<AuditReport> VerifyEventChain() override { return inner_.VerifyEventChain(); }
  Result<std::vector<Letter>> ListLetters() override { return inner_.ListLetters(); }
  Result<std::optional<Letter>> GetLetter(const Uuid& id) override {
    return inner_.GetLetter(id);
  }
  Result<void> RecordUses(const std::vector<MandateUse>& u) override {
    return inner_.RecordUses(u);
  }
  Result<std::vector<MandateUse>> UsesOfMandate(const Uuid& id) override {
    return inner_.UsesOfMandate(id);
  }
  void SetCommitObserver(CommitObserver o) override { inner_.SetCommitObserver(std::move(o)); }

 private:
  Store& inner_;
};

// The error code a call was refused with; nullopt when it succeeded.
template <typename T>
std::optional<ErrorCode> Refusal(const Result<T>& r) {
  if (r) return std::nullopt;
  return r.error().code;
}

inline Person MakePerson(const Bsn& b, std::string name, PartialDate birth, bool address = true) {
  Person p;
  p.bsn = b;
  p.full_name = std::move(name);
  p.birth = birth;
  if (address) p.address = Address{{"Dorpsstraat 1", "1234 AB  Ons Dorp"}, false};
  return p;
}

inline std::string PdfText(const std::string& pdf) {
  char tmpl[] = "/tmp/volmacht_letterXXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return "";
  {
    std::ofstream out(tmpl, std::ios::binary);
    out << pdf;
  }
  std::string text;
  std::string cmd = std::string("pdftotext -q ") + tmpl + " - 2>/dev/null";
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    pclose(p);
  }
  ::close(fd);
  std::filesystem::remove(tmpl);
  return text;
}

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : clock_(Timestamp(std::chrono::sys_days(D(2026, 3, 10))) + std::chrono::hours(10)) {}

  void SetUp() override {
    char tmpl[] = "/tmp/volmacht_service_testXXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = SqliteStore::Open(dir_ + "/volmacht.db", clock_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);

    registry_.Put(MakePerson(kAlice, "Alice de Vries", {1960, 4, 1}));
    registry_.Put(MakePerson(kBob, "Bob Jansen", {1985, 6, 15}));
    registry_.Put(MakePerson(kCarol, "Carol Bakker", {1990, 1, 20}));
    registry_.Put(MakePerson(kFrank, "Frank Visser", {1970, 0, 0}, /*address=*/false));
    registry_.Put(MakePerson(kMinor, "Mini Mol", {2015, 2, 2}));
    Person eve = MakePerson(kEve, "Eve Smit", {1940, 7, 7});
    eve.deceased = true;
    eve.death = D(2026, 2, 1);
    registry_.Put(eve);

    StartService();
    SeedCatalogue();
  }

  void TearDown() override {
    svc_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void StartService() {
    auto svc = MandateService::Create(*store_, registry_, clock_, {std::string(32, 'k')});
    ASSERT_TRUE(svc.has_value()) << svc.error().message;
    svc_ = std::move(*svc);
  }

  void SeedCatalogue() {
    Caller admin = Caller::Admin();
    ASSERT_TRUE(svc_->PutProvider(admin, {kOin1, "Belastingdienst", "b@example.nl", "", true}));
    ASSERT_TRUE(svc_->PutProvider(admin, {kOin2, "Gemeente Ons Dorp", "g@example.nl", "", false}));
    Service s1;
    s1.id = kS1;
    s1.provider = kOin1;
    s1.name_nl = "Aangifte inkomstenbelasting";
    s1.counter_direct_allowed = true;
    s1.survivor_allowed = true;
    Service s2 = s1;
    s2.id = kS2;
    s2.name_nl = "Toeslagen";
    s2.min_loa = Loa::kSubstantieel;
    s2.position = 2;
    Service s3 = s1;
    s3.id = kS3;
    s3.provider = kOin2;
    s3.name_nl = "Parkeervergunning";
    Service s4 = s1;
    s4.id = kS4;
    s4.name_nl = "Oude regeling";
    s4.active_until = D(2026, 3, 12);
    for (const Service& s : {s1, s2, s3, s4}) {
      auto r = svc_->PutService(admin, s);
      ASSERT_TRUE(r) << r.error().message;
    }
    ServiceSet set{kSet, "Set", "Set", {kS1, kS3}};
    ASSERT_TRUE(svc_->PutServiceSet(admin, set));
  }

  Date Today() const { return clock_.Today(); }

  WriteResult MustGrant(const Bsn& principal, std::vector<Uuid> services,
                        std::optional<Party> agent = std::nullopt,
                        std::optional<Date> agent_birth = std::nullopt, int end_days = 365,
                        std::optional<Date> start = std::nullopt) {
    GrantRequest g;
    g.services = std::move(services);
    g.end = Plus(Today(), end_days);
    g.start = start;
    g.agent = agent;
    g.agent_birth = agent_birth;
    auto r = svc_->Grant(Caller::Citizen(principal, Channel::kWeb), g);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.value_or(WriteResult{});
  }

  // Grant by principal + activation by agent: an ACTIVE mandate.
  WriteResult MustActivate(const Bsn& principal, const Bsn& agent,
                           std::vector<Uuid> services = {kS1}, int end_days = 365,
                           std::optional<Date> start = std::nullopt) {
    WriteResult g = MustGrant(principal, std::move(services), std::nullopt, std::nullopt,
                              end_days, start);
    auto a = svc_->Activate(Caller::Citizen(agent, Channel::kWeb), principal, g.activation_code);
    EXPECT_TRUE(a.has_value()) << a.error().message;
    return a.value_or(WriteResult{});
  }

  Result<VerifyAnswer> Verify(const Bsn& agent, const Bsn& principal, const Uuid& service,
                              Loa loa = Loa::kMidden, uint64_t min_seq = 0,
                              const Oin& provider = kOin1) {
    return svc_->Verify(Caller::ProviderItself(provider, Channel::kApi),
                        {Party::Person(agent), principal, service, loa, min_seq});
  }
  bool Allowed(const Bsn& agent, const Bsn& principal, const Uuid& service,
               Loa loa = Loa::kMidden) {
    auto r = Verify(agent, principal, service, loa);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r && r->allowed;
  }

  std::vector<Letter> Letters(const std::string& kind) {
    std::vector<Letter> out;
    std::vector<Letter> all = store_->ListLetters().value();
    for (const Letter& l : all) {
      if (l.kind == kind) out.push_back(l);
    }
    return out;
  }

  std::vector<std::string> EventTypes(const Uuid& id) {
    std::vector<std::string> types;
    std::vector<EventRecord> events = store_->EventsOfMandate(id).value();
    for (const EventRecord& e : events) types.push_back(e.type);
    return types;
  }

  MandateState StoredState(const Uuid& id) {
    return store_->GetMandate(id).value().value().state;
  }

  static Uuid MustGrantVia(MandateService& svc, const Bsn& principal) {
    GrantRequest g{{kS1}, std::nullopt, std::nullopt, Plus(AmsterdamDate(Timestamp(std::chrono::sys_days(D(2026, 3, 10)))), 365)};
    auto r = svc.Grant(Caller::Citizen(principal, Channel::kWeb), g);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? r->mandate.mandate.id : Uuid();
  }

  static std::string WrongCodeFor(const std::string& real) {
    return real == "AAAA-AAAA-AAAA" ? "CCCC-CCCC-CCCC" : "AAAA-AAAA-AAAA";
  }

  std::string dir_;
  ManualClock clock_;
  FakeRegistry registry_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<MandateService> svc_;
  Caller alice_ = Caller::Citizen(kAlice, Channel::kWeb);
  Caller bob_ = Caller::Citizen(kBob, Channel::kWeb);
  Caller carol_ = Caller::Citizen(kCarol, Channel::kWeb);
};

}  // namespace volmacht::service_testing
