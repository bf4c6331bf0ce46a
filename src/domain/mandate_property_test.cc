// Randomised property test of the mandate state machine: seeded random command sequences,
// invariants checked after every step. A failure prints the master seed; the run is
// deterministic, so it reproduces with
//   VOLMACHT_PROPERTY_SEED=<master seed> domain_test --gtest_filter='MandateProperty.*'
// (VOLMACHT_PROPERTY_STATS=1 prints how often each command succeeded and was refused.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "domain/domain_test_util.h"
#include "domain/mandate.h"

namespace volmacht {
namespace {

using testing::AddDays;
using testing::D;
using testing::MakeBsn;
using testing::MakeKvk;
using testing::MakeOin;
using testing::MakePerson;
using testing::MakeService;
using testing::NoonOf;
using testing::SameMandate;
using testing::U;

constexpr int kSequences = 5000;
constexpr int kStepsPerSequence = 24;
constexpr uint64_t kDefaultSeed = 0x766f6c6d61636874ULL;  // "volmacht"

// The fixed world every sequence plays in.
struct World {
  Oin provider = MakeOin(1);
  Oin other_provider = MakeOin(2);
  Bsn principal = MakeBsn(0);
  Bsn agent = MakeBsn(1);
  Bsn stranger = MakeBsn(2);
  std::vector<Service> catalogue;

  World() {
    // Eight services with a spread of flags; 9 is unknown to the catalogue.
    for (int i = 1; i <= 8; ++i) {
      Service s = MakeService(i, i == 8 ? other_provider : provider);
      s.agent_type = i == 3 ? AgentType::kCitizen
                   : i == 4 ? AgentType::kOrganisation
                   : i == 7 ? AgentType::kNone
                            : AgentType::kBoth;
      s.request_validity_days = 7 + 7 * (i % 3);
      s.max_mandate_years = 1 + i % 5;
      s.counter_direct_allowed = i % 2 == 1 || i == 8;
      s.survivor_allowed = i <= 4 || i == 8;
      if (i == 6) s.active_until = D(2027, 6, 30);
      catalogue.push_back(s);
    }
  }
};

class Sequence {
 public:
  Sequence(const World& w, uint64_t seed) : w_(w), rng_(seed) {}

  // Runs one sequence; returns "" or a description of the first broken invariant.
  std::string Run() {
    today_ = AddDays(D(2026, 1, 1), Int(0, 730));
    // Half VOLUNTARY: it has the most states to walk through.
    const auto kind = Chance(0.5) ? MandateKind::kVoluntary : static_cast<MandateKind>(Int(1, 2));
    std::optional<Mandate> created;
    for (int attempt = 0; attempt < 50 && !created; ++attempt) {
      std::string err = TryCreate(kind, &created);
      if (!err.empty()) return "create: " + err;
    }
    if (!created) return "";  // counted by the caller through stats
    original_ = *created;
    Mandate m = *created;
    std::optional<Mandate> terminal_snapshot;
    for (int step = 0; step < kStepsPerSequence; ++step) {
      std::string what;
      std::string err = Step(&m, &what);
      if (err.empty()) err = CheckMandate(m);
      if (err.empty() && terminal_snapshot && !SameMandate(m, *terminal_snapshot)) {
        err = "terminal mandate changed";
      }
      if (!err.empty()) {
        std::ostringstream os;
        os << "step " << step << " (" << what << ", today " << FormatIsoDate(today_)
           << ", state " << StateName(m.state) << "): " << err;
        return os.str();
      }
      if (IsTerminal(m.state) && !terminal_snapshot) terminal_snapshot = m;
    }
    return "";
  }

  std::map<std::string, int> stats;

 private:
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  Timestamp Now() const { return NoonOf(today_); }

  PartialDate RandomBirth() {
    // Mostly adults, often close to the 18th birthday, sometimes partly unknown.
    Date d = AddDays(today_, -Int(0, 3) - 365 * 18 + Int(-5, 5));
    if (Chance(0.5)) d = AddDays(today_, -365 * Int(19, 90));
    PartialDate p = testing::Born(d);
    if (Chance(0.1)) p.day = 0;
    if (Chance(0.05)) {
      p.month = 0;
      p.day = 0;
    }
    if (Chance(0.02)) p = {};
    return p;
  }

  std::optional<Party> RandomAgent(MandateKind kind) {
    switch (Int(0, 9)) {
      case 0: return std::nullopt;
      case 1: return Party::Person(w_.principal);
      case 2: return Party::Organisation(MakeKvk(Int(0, 3)));
      case 3: return Party::Organisation(*Rsin::Parse("123456782"));
      case 4: return Party::Provider(Chance(0.8) ? w_.provider : w_.other_provider);
      default:
        if (kind == MandateKind::kDirect && Chance(0.8)) return Party::Provider(w_.provider);
        return Party::Person(w_.agent);
    }
  }

  std::vector<Uuid> RandomServices(MandateKind kind) {
    std::vector<Uuid> s;
    int n = Chance(0.03) ? 0 : Int(1, 4);
    for (int i = 0; i < n; ++i) {
      int id = Int(1, 9);
      // Steer towards services that suit the kind so enough creations succeed.
      if (kind == MandateKind::kDirect && Chance(0.7)) id = 1 + 2 * Int(0, 2);
      if (kind == MandateKind::kSurvivor && Chance(0.7)) id = Int(1, 2);
      s.push_back(U(id));
    }
    return s;
  }

  std::string TryCreate(MandateKind kind, std::optional<Mandate>* out) {
    NewMandate req;
    req.kind = Chance(0.9) ? kind : static_cast<MandateKind>(Int(0, 2));
    req.initiator = req.kind == MandateKind::kVoluntary
                        ? (Chance(0.9) ? static_cast<Initiator>(Int(0, 1)) : Initiator::kProvider)
                        : (Chance(0.9) ? Initiator::kProvider : static_cast<Initiator>(Int(0, 1)));
    req.principal = w_.principal;
    req.agent = RandomAgent(req.kind);
    if (Chance(0.2)) req.agent_birth = AddDays(today_, -365 * 30);
    if (req.kind != MandateKind::kVoluntary || Chance(0.1)) {
      req.provider = Chance(0.95) ? w_.provider : w_.other_provider;
    }
    req.services = RandomServices(req.kind);
    req.start = AddDays(today_, Chance(0.05) ? -1 : Int(0, 40));
    req.end = AddDays(req.start, Chance(0.05) ? -1 : Int(0, Chance(0.1) ? 2200 : 500));
    if (Chance(0.9)) req.evidence = Evidence{"PASPOORT", "NX0000001", "clerk-1"};

    CreationFacts f;
    f.today = today_;
    f.now = Now();
    f.services = w_.catalogue;
    if (Chance(0.97)) {
      Person p = MakePerson(w_.principal, RandomBirth());
      p.deceased = req.kind == MandateKind::kSurvivor ? Chance(0.9) : Chance(0.05);
      p.under_curatele = Chance(0.05);
      f.principal = p;
    }
    if (req.agent && req.agent->IsPerson() && Chance(0.9)) {
      Person a = MakePerson(*Bsn::Parse(req.agent->id), RandomBirth());
      a.deceased = Chance(0.03);
      f.agent_person = a;
    }
    f.duplicate_active = Chance(0.05);
    f.open_requests_of_initiator = Chance(0.1) ? Int(18, 25) : Int(0, 5);
    f.active_survivor_mandates_for_provider = Chance(0.1) ? 1 : 0;

    auto r = CreateMandate(req, f, U(1000), "actor", Channel::kApi);
    stats[std::string("create.") + std::string(KindName(req.kind)) +
          (r ? ".ok" : ".refused")]++;
    if (!r) {
      if (r.error().message.empty()) return "refusal without message";
      if (r.error().message.find(w_.principal.str()) != std::string::npos) return "BSN in error";
      return "";
    }
    const Mandate& m = r->mandate;
    // Oracle checks: what a successful creation must satisfy.
    if (m.version != 1) return "version after create is not 1";
    if (m.created != f.now || m.changed != f.now) return "timestamps";
    if (m.kind != req.kind || m.principal != req.principal) return "kind/principal";
    if ((m.kind == MandateKind::kVoluntary) != (m.state == MandateState::kRequested)) {
      return "VOLUNTARY must be REQUESTED and the others ACTIVE";
    }
    if (m.state != MandateState::kRequested && m.state != MandateState::kActive) {
      return "created in a terminal state";
    }
    if (m.start < today_ || m.end < m.start) return "dates";
    if (!f.principal) return "created without principal in register";
    if (f.principal->deceased != (m.kind == MandateKind::kSurvivor)) return "deceased rule";
    if (m.kind != MandateKind::kSurvivor && f.principal->under_curatele) return "curatele rule";
    if (f.duplicate_active) return "duplicate rule";
    if (m.kind == MandateKind::kVoluntary && f.open_requests_of_initiator >= kMaxOpenRequests) {
      return "open request cap";
    }
    if (m.kind == MandateKind::kSurvivor && f.active_survivor_mandates_for_provider > 0) {
      return "survivor cap";
    }
    if (m.agent && m.agent->IsPerson() && m.agent->id == m.principal.str()) {
      return "agent is principal";
    }
    if (!m.agent && (m.kind != MandateKind::kVoluntary || m.initiator != Initiator::kPrincipal)) {
      return "missing agent outside flow A";
    }
    if (m.services.empty() || !std::is_sorted(m.services.begin(), m.services.end()) ||
        std::adjacent_find(m.services.begin(), m.services.end()) != m.services.end()) {
      return "services not sorted/unique/non-empty";
    }
    int max_years = 100;
    for (const Uuid& id : m.services) {
      if (std::find(req.services.begin(), req.services.end(), id) == req.services.end()) {
        return "service not requested";
      }
      auto it = std::find_if(w_.catalogue.begin(), w_.catalogue.end(),
                             [&](const Service& s) { return s.id == id; });
      if (it == w_.catalogue.end()) return "unknown service accepted";
      if (!it->ActiveOn(today_) || it->agent_type == AgentType::kNone) return "service rule";
      max_years = std::min(max_years, it->max_mandate_years);
    }
    if (m.end > Date(m.start + std::chrono::years(max_years)) &&
        Date(m.start + std::chrono::years(max_years)).ok()) {
      return "end beyond max years";
    }
    *out = m;
    return CheckEvent(r->event);
  }

  std::string CheckEvent(const DomainEvent& e) {
    if (EventKindName(e.kind).empty()) return "event without type";
    auto j = nlohmann::json::parse(e.detail_json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return "detail_json is not a JSON object";
    if (e.detail_json.find(w_.principal.str()) != std::string::npos ||
        e.detail_json.find(w_.agent.str()) != std::string::npos) {
      return "BSN in detail_json";
    }
    return "";
  }

  // Invariants of any mandate the sequence holds.
  std::string CheckMandate(const Mandate& m) {
    if (m.services.empty()) return "no services";
    if (!std::is_sorted(m.services.begin(), m.services.end()) ||
        std::adjacent_find(m.services.begin(), m.services.end()) != m.services.end()) {
      return "services not sorted/unique";
    }
    if (!std::includes(original_.services.begin(), original_.services.end(),
                       m.services.begin(), m.services.end())) {
      return "services not a subset of the original";
    }
    if (m.end > original_.end) return "end grew beyond the original";
    if (m.start > m.end) return "start after end";
    if (m.state == MandateState::kActive && !m.agent) return "ACTIVE without agent";
    if (m.kind != MandateKind::kVoluntary && m.state == MandateState::kRequested) {
      return "DIRECT/SURVIVOR in REQUESTED";
    }
    if (InForce(m, today_) &&
        !(m.state == MandateState::kActive && m.start <= today_ && today_ <= m.end)) {
      return "InForce without ACTIVE and start<=today<=end";
    }
    if (IsTerminal(m.state) && EffectiveState(m, today_) != m.state) {
      return "terminal effective state differs";
    }
    if (m.id != original_.id || m.kind != original_.kind || m.principal != original_.principal ||
        m.start != original_.start || m.created != original_.created ||
        m.initiator != original_.initiator || m.provider != original_.provider) {
      return "identity fields changed";
    }
    return "";
  }

  // Checks one successful transition old -> t.
  std::string CheckTransition(const Mandate& old, const Transition& t,
                              std::optional<MandateState> required_from, MandateState want) {
    const Mandate& m = t.mandate;
    if (IsTerminal(old.state)) return "transition out of a terminal state";
    if (required_from && EffectiveState(old, today_) != *required_from) {
      return std::string("allowed from effective state ") +
             std::string(StateName(EffectiveState(old, today_)));
    }
    if (m.state != want) return "resulting state " + std::string(StateName(m.state));
    if (m.version != old.version + 1) return "version did not increase by exactly 1";
    if (m.changed != Now()) return "changed is not now";
    if (m.end > old.end) return "end grew";
    if (!std::includes(old.services.begin(), old.services.end(), m.services.begin(),
                       m.services.end())) {
      return "services grew";
    }
    if (old.agent && m.agent != old.agent) return "agent changed";
    return CheckEvent(t.event);
  }

  template <typename R>
  static bool Succeeded(const R& r) {
    return r.has_value();
  }

  std::string Step(Mandate* mp, std::string* what) {
    Mandate& m = *mp;
    const Mandate before = m;
    std::string err;
    std::string stat_key;
    auto apply = [&](const auto& r, std::optional<MandateState> from, MandateState want) {
      if (!SameMandate(m, before)) {
        err = "input mandate modified";
        return;
      }
      stats[(stat_key.empty() ? *what : stat_key) + (Succeeded(r) ? ".ok" : ".refused")]++;
      if (!Succeeded(r)) return;
      err = CheckTransition(before, *r, from, want);
      if (err.empty()) m = r->mandate;
    };
    auto refused_with = [&](const Result<Transition>& r, ErrorCode c) {
      return !r && r.error().code == c;
    };
    switch (Int(0, 9)) {
      case 0: {
        *what = "Activate";
        Party who = m.agent && Chance(0.8) ? *m.agent
                    : Chance(0.5)          ? Party::Person(w_.stranger)
                                           : Party::Person(w_.principal);
        auto r = Activate(m, who, today_, Now(), "actor", Channel::kWeb);
        if (r && m.agent && who != *m.agent) err = "activated by someone not named";
        if (r && who.IsPerson() && who.id == m.principal.str()) err = "principal became agent";
        if (EffectiveState(m, today_) != MandateState::kRequested && !r &&
            !refused_with(r, ErrorCode::kConflict)) {
          err = "wrong state not kConflict";
        }
        if (err.empty()) apply(r, MandateState::kRequested, MandateState::kActive);
        break;
      }
      case 1:
        *what = "Approve";
        apply(Approve(m, today_, Now(), "actor", Channel::kWeb), MandateState::kRequested,
              MandateState::kActive);
        break;
      case 2:
        *what = "Reject";
        apply(Reject(m, today_, Now(), "actor", Channel::kWeb), MandateState::kRequested,
              MandateState::kRejected);
        break;
      case 3:
        *what = "Withdraw";
        apply(Withdraw(m, today_, Now(), "actor", Channel::kWeb), MandateState::kRequested,
              MandateState::kWithdrawn);
        break;
      case 4: {
        *what = "Revoke";
        auto why = static_cast<EndReason>(Int(0, 4));
        auto r = Revoke(m, why, today_, Now(), "actor", Channel::kWeb);
        if (r && r->mandate.end_reason != why) err = "end reason not recorded";
        if (err.empty()) apply(r, MandateState::kActive, MandateState::kRevoked);
        break;
      }
      case 5:
      case 6: {
        *what = "Restrict";
        std::vector<Uuid> subset;
        for (const Uuid& u : original_.services) {
          if (Chance(0.6)) subset.push_back(u);
        }
        if (Chance(0.15)) subset.push_back(U(Int(1, 9)));
        std::shuffle(subset.begin(), subset.end(), rng_);
        Date end = AddDays(m.end, Chance(0.1) ? Int(1, 30) : -Int(0, 400));
        auto r = Restrict(m, subset, end, today_, Now(), "actor", Channel::kWeb);
        if (r && r->mandate.end != end) err = "restrict end not applied";
        if (err.empty()) apply(r, MandateState::kActive, MandateState::kActive);
        break;
      }
      case 7:
      case 8: {
        // Time passes; a sweeper may or may not apply it right away.
        int days = Chance(0.5) ? Int(0, 10) : Int(0, 400);
        today_ = AddDays(today_, days);
        *what = "Advance+" + std::to_string(days);
        if (Chance(0.5)) {
          *what += "+ApplyTime";
          stat_key = "ApplyTime";
          auto r = ApplyTime(m, today_, Now());
          bool due = EffectiveState(m, today_) != m.state;
          if (r.has_value() != due) err = "ApplyTime disagrees with EffectiveState";
          if (err.empty()) apply(r, std::nullopt, EffectiveState(m, today_));
        }
        break;
      }
      default: {
        *what = "Death";
        bool p = Chance(0.2);
        bool a = Chance(0.2);
        auto r = ApplyDeath(m, p, a, today_, Now());
        if (r && m.kind == MandateKind::kSurvivor) err = "survivor mandate revoked by death";
        if (r && r->mandate.end_reason != EndReason::kDeceased) err = "death reason";
        MandateState eff = EffectiveState(m, today_);
        if (r && eff != MandateState::kActive && eff != MandateState::kRequested) {
          err = "death applied in state " + std::string(StateName(eff));
        }
        if (err.empty()) apply(r, std::nullopt, MandateState::kRevoked);
        break;
      }
    }
    return err;
  }

  const World& w_;
  std::mt19937_64 rng_;
  Date today_;
  Mandate original_;
};

uint64_t MasterSeed() {
  if (const char* s = std::getenv("VOLMACHT_PROPERTY_SEED")) return std::strtoull(s, nullptr, 0);
  return kDefaultSeed;
}

TEST(MandateProperty, RandomCommandSequencesKeepInvariants) {
  const World world;
  const uint64_t master = MasterSeed();
  std::mt19937_64 seeds(master);
  std::map<std::string, int> stats;
  int sequences = 0;
  for (int i = 0; i < kSequences; ++i) {
    const uint64_t seed = seeds();
    Sequence seq(world, seed);
    std::string err = seq.Run();
    ASSERT_TRUE(err.empty()) << "master seed " << master << ", sequence " << i << " (seed "
                             << seed << "): " << err;
    for (const auto& [k, v] : seq.stats) stats[k] += v;
    ++sequences;
  }
  EXPECT_EQ(sequences, kSequences);
  // Guard against a vacuous run: every kind got created and every command both succeeded
  // and was refused many times.
  for (const char* kind : {"VOLUNTARY", "DIRECT", "SURVIVOR"}) {
    EXPECT_GT(stats[std::string("create.") + kind + ".ok"], 300) << kind;
    EXPECT_GT(stats[std::string("create.") + kind + ".refused"], 300) << kind;
  }
  for (const char* op : {"Activate", "Approve", "Reject", "Withdraw", "Revoke", "Restrict",
                         "Death"}) {
    EXPECT_GT(stats[std::string(op) + ".ok"], 100) << op;
    EXPECT_GT(stats[std::string(op) + ".refused"], 100) << op;
  }
  if (HasFailure() || std::getenv("VOLMACHT_PROPERTY_STATS")) {
    for (const auto& [k, v] : stats) std::cout << k << " " << v << "\n";
    std::cout << "master seed " << master << "\n";
  }
}

}  // namespace
}  // namespace volmacht
