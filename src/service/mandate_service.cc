#include "service/mandate_service.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "letters/letter_texts.h"
#include "letters/letters.h"

namespace volmacht {
namespace {

using json = nlohmann::json;

constexpr size_t kMinCodeKeyBytes = 32;
constexpr int kCommitRetries = 3;         // after a version conflict: reload and try again
constexpr size_t kUseFlushBatch = 1000;   // flush the use queue at this size...
constexpr auto kUseFlushPeriod = std::chrono::seconds(1);  // ...or this often
constexpr size_t kMaxQueuedUses = 200000;  // beyond this, drop: uses are not durable-critical
constexpr size_t kMaxRequestServices = 500;
constexpr size_t kMaxText = 2000;

// ----- Small helpers -----

Date AddDays(Date d, int n) { return Date(std::chrono::sys_days(d) + std::chrono::days(n)); }

Date AddYears(Date d, int n) {
  Date r = d + std::chrono::years(n);
  if (!r.ok()) r = Date(std::chrono::year_month_day_last(r.year(), r.month() / std::chrono::last));
  return r;
}

// The first instant of civil day `d` in Europe/Amsterdam. Clock changes happen at 01:00 UTC,
// never between 22:00 and 23:00 UTC, so the offset two hours before UTC midnight is the one
// in force at local midnight.
Timestamp StartOfAmsterdamDay(Date d) {
  Timestamp utc_midnight{std::chrono::sys_days(d)};
  return utc_midnight - AmsterdamOffset(utc_midnight - std::chrono::hours(2));
}

bool SurelyAdult(const Person& p, Date today) {
  std::optional<Date> latest = p.birth.Latest();
  return latest && AddYears(*latest, kAdultAge) <= today;
}

bool Intersects(const std::vector<Uuid>& a, const std::vector<Uuid>& b) {
  for (const Uuid& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

// The de-duplication key of a use (ADR 0008): its four fields side by side in a fixed array,
// so that a repeated use, the common case, costs no allocation. The widths are those of the
// validated types (UUID text 36, OIN 20); channels are short words.
constexpr size_t kUseKeyWidths[] = {36, 20, 36, 8};
using UseKey = std::array<char, 36 + 20 + 36 + 8>;

struct UseKeyHash {
  size_t operator()(const UseKey& k) const noexcept {
    return std::hash<std::string_view>()(std::string_view(k.data(), k.size()));
  }
};

UseKey KeyOf(const MandateUse& u) {
  UseKey key{};
  const std::string_view fields[] = {u.mandate_id.str(), u.provider.str(), u.service.str(),
                                     u.channel};
  char* at = key.data();
  for (size_t i = 0; i < std::size(fields); ++i) {
    std::memcpy(at, fields[i].data(), std::min(fields[i].size(), kUseKeyWidths[i]));
    at += kUseKeyWidths[i];
  }
  return key;
}

std::string UseChannel(Channel ch) {
  switch (ch) {
    case Channel::kApi: return "api";
    case Channel::kWeb: return "web";
    case Channel::kSoap: return "soap";
    case Channel::kCounter: return "counter";
    case Channel::kSaml: return "saml";
    case Channel::kSystem: return "system";
    case Channel::kAdmin: return "admin";
  }
  return "api";
}

std::unexpected<Error> Param(ErrorCode code, std::string name, std::string pcode,
                             std::string reason) {
  return std::unexpected<Error>(Error{code, reason, {{std::move(name), std::move(pcode), reason}}});
}

Error WrongCode() {
  return Error::Invalid("De code is onjuist", {{"code", "code.onjuist", "De code is onjuist"}});
}

std::optional<Bsn> PersonBsn(const std::optional<Party>& p) {
  if (!p || !p->IsPerson()) return std::nullopt;
  Result<Bsn> b = Bsn::Parse(p->id);
  if (!b) return std::nullopt;
  return *b;
}

// ----- The catalogue snapshot -----

struct Catalogue {
  std::map<std::string, Provider> providers;  // by OIN
  std::unordered_map<Uuid, Service> services;
  std::map<std::string, ServiceSet> sets;  // by id

  const Service* FindService(const Uuid& id) const {
    auto it = services.find(id);
    return it == services.end() ? nullptr : &it->second;
  }
  const Provider* FindProvider(const Oin& oin) const {
    auto it = providers.find(oin.str());
    return it == providers.end() ? nullptr : &it->second;
  }
  void Put(const Provider& p) { providers[p.oin.str()] = p; }
  void Put(const Service& s) { services[s.id] = s; }
  void Put(const ServiceSet& s) { sets[s.id.str()] = s; }
};

// What the store's commit observer updates. Shared, because the store may outlive the
// service that registered the observer.
struct Views {
  VerificationIndex index;
  mutable std::mutex cat_mu;
  std::shared_ptr<const Catalogue> cat = std::make_shared<Catalogue>();

  std::shared_ptr<const Catalogue> Cat() const {
    std::lock_guard lock(cat_mu);
    return cat;
  }

  void OnCommit(const WriteBatch& b, uint64_t seq) {
    for (const MandateWrite& w : b.mandates) index.Apply(w.mandate);
    if (!b.providers.empty() || !b.services.empty() || !b.service_sets.empty()) {
      auto next = std::make_shared<Catalogue>(*Cat());
      for (const Provider& p : b.providers) next->Put(p);
      for (const Service& s : b.services) next->Put(s);
      for (const ServiceSet& s : b.service_sets) next->Put(s);
      std::lock_guard lock(cat_mu);
      cat = std::move(next);
    }
    if (seq > index.Seq()) index.SetSeq(seq);
  }
};

// Register look-ups for one use case, each person asked once.
class People {
 public:
  explicit People(PersonRegistry& r) : registry_(r) {}
  Result<std::optional<Person>> Get(const Bsn& b) {
    auto it = cache_.find(b.str());
    if (it != cache_.end()) return it->second;
    Result<std::optional<Person>> p = registry_.Find(b);
    if (!p) return Fail(p.error());
    cache_.emplace(b.str(), *p);
    return *p;
  }

 private:
  PersonRegistry& registry_;
  std::map<std::string, std::optional<Person>> cache_;
};

// One try of a use case; a commit that lost a version race marks it for a retry.
enum class Side { kGiven, kReceived, kByPrincipal };

struct Attempt {
  bool commit_conflict = false;
  Timestamp now;
  Date today;
};

}  // namespace

struct MandateService::Impl {
  Impl(Store& s, PersonRegistry& r, const Clock& c, ServiceConfig config)
      : store(s), registry(r), clock(c), cfg(std::move(config)) {}

  Store& store;
  PersonRegistry& registry;
  const Clock& clock;
  ServiceConfig cfg;
  std::shared_ptr<Views> views = std::make_shared<Views>();

  // Checking a code and persisting the attempt count is read-modify-write on the code
  // record, which carries no version: serialise it per principal (in this process).
  std::array<std::mutex, 64> code_mu;

  std::mutex use_mu;
  std::condition_variable use_cv;
  std::vector<MandateUse> uses;
  // Uses are recorded to the minute: keys (mandate, provider, service, channel) already
  // queued in `use_minute`. Bounded by the distinct mandates used in one minute.
  int64_t use_minute = -1;
  std::unordered_set<UseKey, UseKeyHash> used_this_minute;
  bool stopping = false;
  std::mutex flush_mu;  // one writer of uses at a time
  std::thread flusher;

  // ----- plumbing -----

  template <typename F>
  auto Retry(F&& body) -> decltype(body(std::declval<Attempt&>())) {
    for (int i = 0;; ++i) {
      Attempt a;
      a.now = clock.Now();
      a.today = AmsterdamDate(a.now);
      auto r = body(a);
      if (r || !a.commit_conflict || i >= kCommitRetries) return r;
    }
  }

  Result<uint64_t> Commit(WriteBatch b, Attempt& a) {
    Result<CommitResult> r = store.Commit(std::move(b));
    if (!r) {
      if (r.error().code == ErrorCode::kConflict) a.commit_conflict = true;
      return Fail(r.error());
    }
    return r->seq;
  }

  Result<uint64_t> CommitTransition(const Transition& t, int64_t expected_version, Attempt& a) {
    WriteBatch b;
    b.mandates.push_back({t.mandate, expected_version});
    b.events.push_back({t.mandate.id.str(), t.event});
    return Commit(std::move(b), a);
  }

  std::vector<std::string> ServiceNames(const std::vector<Uuid>& ids, const Catalogue& cat) {
    std::vector<std::string> names;
    for (const Uuid& id : ids) {
      if (const Service* s = cat.FindService(id)) names.push_back(s->name_nl);
    }
    return names;
  }

  Result<Letter> MakeLetter(std::string kind, const Mandate& m, const Bsn& to,
                            const LetterContent& content, Timestamp now) {
    Result<std::string> pdf = RenderLetterPdf(content);
    if (!pdf) return Fail(pdf.error());
    return Letter{Uuid::Random(), std::move(kind), m.id.str(), "bsn:" + to.str(), now,
                  std::move(*pdf)};
  }

  static std::string Name(const std::optional<Person>& p) { return p ? p->full_name : ""; }
  static std::vector<std::string> AddressLines(const std::optional<Person>& p) {
    if (p && p->address) return p->address->lines;
    return {};
  }

  // ----- authorisation -----

  static std::optional<Party> Self(const Caller& c) {
    if ((c.kind == Caller::Kind::kCitizen || c.kind == Caller::Kind::kProviderForCitizen) &&
        c.bsn) {
      return Party::Person(*c.bsn);
    }
    return std::nullopt;
  }
  static bool IsPrincipal(const Caller& c, const Mandate& m) {
    return Self(c) && *c.bsn == m.principal;
  }
  static bool IsAgent(const Caller& c, const Mandate& m) {
    std::optional<Party> me = Self(c);
    return me && m.agent && *m.agent == *me;
  }
  static bool OwnsService(const Caller& c, const Uuid& id, const Catalogue& cat) {
    const Service* s = cat.FindService(id);
    return s && c.provider && s->provider == *c.provider;
  }
  static bool TouchesOwnService(const Caller& c, const Mandate& m, const Catalogue& cat) {
    return std::any_of(m.services.begin(), m.services.end(),
                       [&](const Uuid& s) { return OwnsService(c, s, cat); });
  }
  static bool CounterProvider(const Caller& c, const Catalogue& cat) {
    if (!c.provider) return false;
    const Provider* p = cat.FindProvider(*c.provider);
    return p && p->active && p->counter_addendum;
  }
  // A provider acting itself (system or counter clerk) for a DIRECT/SURVIVOR of its own.
  static bool IsProviderOf(const Caller& c, const Mandate& m, const Catalogue& cat) {
    if (m.kind == MandateKind::kVoluntary || !m.provider || !c.provider ||
        *m.provider != *c.provider) {
      return false;
    }
    if (c.kind == Caller::Kind::kProvider) return true;
    return c.kind == Caller::Kind::kClerk && CounterProvider(c, cat);
  }
  // Whether the caller may know the mandate exists at all (else kNotFound).
  static bool CanSee(const Caller& c, const Mandate& m, const Catalogue& cat) {
    switch (c.kind) {
      case Caller::Kind::kCitizen:
        return IsPrincipal(c, m) || IsAgent(c, m);
      case Caller::Kind::kProviderForCitizen:
        return (IsPrincipal(c, m) || IsAgent(c, m)) && TouchesOwnService(c, m, cat);
      case Caller::Kind::kProvider:
      case Caller::Kind::kClerk:
        return IsProviderOf(c, m, cat);
      case Caller::Kind::kAdmin:
      case Caller::Kind::kSystem:
        return false;
    }
    return false;
  }

  // Catalogue entries of the request (services plus an expanded set), each at most once.
  // A provider acting for a citizen may name only its own services.
  Result<std::vector<Service>> ResolveServices(const Caller& c, const std::vector<Uuid>& ids,
                                               const std::optional<Uuid>& set,
                                               const Catalogue& cat) {
    if (ids.size() > kMaxRequestServices) {
      return Param(ErrorCode::kInvalidArgument, "services", "diensten.teveel",
                   "Te veel diensten in één machtiging");
    }
    std::vector<Uuid> all = ids;
    if (set) {
      auto it = cat.sets.find(set->str());
      if (it == cat.sets.end()) {
        return Param(ErrorCode::kInvalidArgument, "service_set", "dienstenset.onbekend",
                     "Onbekende dienstenset");
      }
      all.insert(all.end(), it->second.services.begin(), it->second.services.end());
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    std::vector<Service> out;
    for (const Uuid& id : all) {
      const Service* s = cat.FindService(id);
      if (!s) {
        return Param(ErrorCode::kInvalidArgument, "services", "dienst.onbekend",
                     "Onbekende dienst");
      }
      if (c.kind == Caller::Kind::kProviderForCitizen && !OwnsService(c, id, cat)) {
        return Fail(Error::Forbidden("Deze dienst hoort niet bij uw organisatie"));
      }
      out.push_back(*s);
    }
    return out;
  }

  static std::vector<Uuid> Ids(const std::vector<Service>& s) {
    std::vector<Uuid> ids;
    for (const Service& x : s) ids.push_back(x.id);
    return ids;
  }

  // An ACTIVE mandate (as of today) for the same principal and agent sharing a service.
  Result<bool> DuplicateActive(const Bsn& principal, const Party& agent,
                               const std::vector<Uuid>& services, Date today,
                               const std::optional<Uuid>& except = std::nullopt) {
    Result<std::vector<Mandate>> all = store.MandatesOfPrincipal(principal);
    if (!all) return Fail(all.error());
    for (const Mandate& m : *all) {
      if (except && m.id == *except) continue;
      if (EffectiveState(m, today) == MandateState::kActive && m.agent && *m.agent == agent &&
          Intersects(m.services, services)) {
        return true;
      }
    }
    return false;
  }

  // Requests `who` started that are still open today. The store's count includes requests
  // that have lapsed but were not swept yet; only near the cap is it worth counting exactly.
  Result<int> OpenRequestsBy(const Bsn& who, Date today) {
    Party me = Party::Person(who);
    Result<int> stored = store.CountOpenRequestsBy(me);
    if (!stored || *stored < kMaxOpenRequests) return stored;
    int open = 0;
    Result<std::vector<Mandate>> as_principal = store.MandatesOfPrincipal(who);
    if (!as_principal) return Fail(as_principal.error());
    for (const Mandate& m : *as_principal) {
      open += m.initiator == Initiator::kPrincipal &&
              EffectiveState(m, today) == MandateState::kRequested;
    }
    Result<std::vector<Mandate>> as_agent = store.MandatesOfAgent(me);
    if (!as_agent) return Fail(as_agent.error());
    for (const Mandate& m : *as_agent) {
      open += m.initiator == Initiator::kAgent &&
              EffectiveState(m, today) == MandateState::kRequested;
    }
    return open;
  }

  // ----- loading existing mandates -----

  // Re-reads both persons from the register. A death is persisted at once (any use case);
  // a due LAPSED/EXPIRED too when `persist_time` (writes). Register down: nothing written.
  Result<Mandate> Touch(Mandate m, People& people, Attempt& a, bool persist_time) {
    if (IsTerminal(m.state)) return m;
    Result<std::optional<Person>> principal = people.Get(m.principal);
    if (!principal) return Fail(principal.error());
    bool agent_deceased = false;
    if (std::optional<Bsn> ab = PersonBsn(m.agent)) {
      Result<std::optional<Person>> agent = people.Get(*ab);
      if (!agent) return Fail(agent.error());
      agent_deceased = *agent && (*agent)->deceased;
    }
    bool principal_deceased = *principal && (*principal)->deceased;
    if (std::optional<Transition> t =
            ApplyDeath(m, principal_deceased, agent_deceased, a.today, a.now)) {
      Result<uint64_t> c = CommitTransition(*t, m.version, a);
      if (!c) return Fail(c.error());
      m = t->mandate;
    }
    if (persist_time) {
      if (std::optional<Transition> t = ApplyTime(m, a.today, a.now)) {
        Result<uint64_t> c = CommitTransition(*t, m.version, a);
        if (!c) return Fail(c.error());
        m = t->mandate;
      }
    }
    return m;
  }

  Result<Mandate> LoadVisible(const Caller& c, const Uuid& id, const Catalogue& cat,
                              People& people, Attempt& a, bool persist_time) {
    Result<std::optional<Mandate>> m = store.GetMandate(id);
    if (!m) return Fail(m.error());
    if (!*m || !CanSee(c, **m, cat)) return Fail(Error::NotFound("Machtiging niet gevonden"));
    return Touch(std::move(**m), people, a, persist_time);
  }

  Result<PartyView> ViewOf(const Party& p, People& people, const Catalogue& cat) {
    PartyView v{p, ""};
    if (std::optional<Bsn> b = PersonBsn(p)) {
      Result<std::optional<Person>> person = people.Get(*b);
      if (!person) return Fail(person.error());
      v.name = Name(*person);
    } else if (p.kind == PartyKind::kOin) {
      if (Result<Oin> oin = Oin::Parse(p.id)) {
        if (const Provider* prov = cat.FindProvider(*oin)) v.name = prov->name;
      }
    }
    return v;
  }

  std::vector<Service> VisibleServices(const Caller& c, const std::vector<Uuid>& ids,
                                       const Catalogue& cat) {
    std::vector<Service> out;
    for (const Uuid& id : ids) {
      const Service* s = cat.FindService(id);
      if (!s) continue;
      if (c.kind == Caller::Kind::kProviderForCitizen && s->provider != *c.provider) continue;
      out.push_back(*s);
    }
    return out;
  }

  // The end of every write use case: commit the batch, then answer the mandate as the caller
  // may see it, with the sequence number the commit produced.
  Result<WriteResult> CommitAndAnswer(const Caller& c, WriteBatch b, Attempt& a, const Mandate& m,
                                      People& people, const Catalogue& cat,
                                      std::string activation_code = "") {
    Result<uint64_t> seq = Commit(std::move(b), a);
    if (!seq) return Fail(seq.error());
    Result<MandateView> view = MakeView(c, m, people, cat, a.today);
    if (!view) return Fail(view.error());
    return WriteResult{std::move(*view), *seq, std::move(activation_code)};
  }

  Result<MandateView> MakeView(const Caller& c, const Mandate& m, People& people,
                               const Catalogue& cat, Date today) {
    MandateView v;
    v.mandate = m;
    v.mandate.state = EffectiveState(m, today);
    Result<PartyView> principal = ViewOf(Party::Person(m.principal), people, cat);
    if (!principal) return Fail(principal.error());
    v.principal = std::move(*principal);
    if (m.agent) {
      Result<PartyView> agent = ViewOf(*m.agent, people, cat);
      if (!agent) return Fail(agent.error());
      v.agent = std::move(*agent);
    }
    v.services = VisibleServices(c, m.services, cat);
    if (c.kind == Caller::Kind::kProviderForCitizen) v.mandate.services = Ids(v.services);
    return v;
  }

  // ----- a transition on an existing mandate -----

  // decide: authorises the caller and asks the domain; may add letters to the batch.
  using Decide = std::function<Result<Transition>(const Mandate& m, const Catalogue& cat,
                                                  People& people, Attempt& a, WriteBatch* extra)>;

  Result<WriteResult> Change(const Caller& c, const Uuid& id, const Decide& decide) {
    return Retry([&](Attempt& a) -> Result<WriteResult> {
      std::shared_ptr<const Catalogue> cat = views->Cat();
      People people(registry);
      Result<Mandate> m = LoadVisible(c, id, *cat, people, a, /*persist_time=*/true);
      if (!m) return Fail(m.error());
      WriteBatch batch;
      Result<Transition> t = decide(*m, *cat, people, a, &batch);
      if (!t) return Fail(t.error());
      batch.mandates.push_back({t->mandate, m->version});
      batch.events.push_back({id.str(), t->event});
      Result<uint64_t> seq = Commit(std::move(batch), a);
      if (!seq) return Fail(seq.error());
      Result<MandateView> view = MakeView(c, t->mandate, people, *cat, a.today);
      if (!view) return Fail(view.error());
      return WriteResult{std::move(*view), *seq, ""};
    });
  }

  // Confirmation that a mandate became active, to the party who did not act.
  Result<void> AddActivationLetter(const Mandate& m, bool to_principal, const Catalogue& cat,
                                   People& people, Attempt& a, WriteBatch* b) {
    std::optional<Bsn> to = to_principal ? std::optional<Bsn>(m.principal) : PersonBsn(m.agent);
    if (!to) return {};  // an organisation or provider: no letter to a registered address
    Result<std::optional<Person>> recipient = people.Get(*to);
    if (!recipient) return Fail(recipient.error());
    Party other = to_principal ? *m.agent : Party::Person(m.principal);
    Result<PartyView> other_view = ViewOf(other, people, cat);
    if (!other_view) return Fail(other_view.error());
    LetterContent content = ActivationConfirmationLetter(
        Name(*recipient), AddressLines(*recipient), a.today, other_view->name,
        to_principal ? LetterRecipientRole::kVertegenwoordigde : LetterRecipientRole::kGemachtigde,
        ServiceNames(m.services, cat), m.start, m.end, m.id.str());
    Result<Letter> letter = MakeLetter("CONFIRM_ACTIVATION", m, *to, content, a.now);
    if (!letter) return Fail(letter.error());
    b->letters.push_back(std::move(*letter));
    return {};
  }

  // ----- activation codes -----

  struct CodeMatch {
    Mandate mandate;
    ActivationCode used;  // the record marked used
    std::optional<Person> principal;
    std::optional<Person> agent;
  };

  // Finds the caller's open request from `principal` that `code` belongs to. A wrong code
  // counts a try on every candidate (persisted); the fifth locks. Hold code_mu for principal.
  Result<CodeMatch> MatchCode(const Caller& c, const Bsn& principal, std::string_view code,
                              const Catalogue& cat, People& people, Attempt& a) {
    std::optional<Party> me = Self(c);
    if (!me) return Fail(Error::Forbidden("Alleen een burger kan een machtiging activeren"));
    Result<std::string> norm = NormalizeActivationCode(code);
    if (!norm) return Fail(norm.error());
    Result<std::vector<Mandate>> all = store.MandatesOfPrincipal(principal);
    if (!all) return Fail(all.error());
    std::vector<Mandate> candidates;
    for (Mandate& m : *all) {
      if (m.kind != MandateKind::kVoluntary || m.state != MandateState::kRequested) continue;
      if (m.agent && *m.agent != *me) continue;
      if (c.kind == Caller::Kind::kProviderForCitizen && !TouchesOwnService(c, m, cat)) continue;
      candidates.push_back(std::move(m));
    }
    if (candidates.empty()) return Fail(WrongCode());
    bool any_died = false;
    std::vector<Mandate> open;
    for (Mandate& m : candidates) {
      Result<Mandate> t = Touch(std::move(m), people, a, /*persist_time=*/true);
      if (!t) return Fail(t.error());
      if (t->state == MandateState::kRequested) {
        open.push_back(std::move(*t));
      } else if (t->end_reason == EndReason::kDeceased) {
        any_died = true;
      }
    }
    if (open.empty()) {
      if (any_died) return Fail(Error::Conflict("De machtiging is beëindigd"));
      return Fail(WrongCode());
    }

    WriteBatch failed;
    bool any_unlocked = false;
    bool any_locked = false;
    for (Mandate& m : open) {
      Result<std::optional<ActivationCode>> rec = store.GetActivationCode(m.id);
      if (!rec) return Fail(rec.error());
      if (!*rec) continue;
      ActivationCode updated = **rec;
      switch (CheckActivationCode(cfg.code_key, **rec, *norm, a.now, &updated)) {
        case CodeCheck::kOk: {
          CodeMatch match{std::move(m), updated, {}, {}};
          Result<std::optional<Person>> p = people.Get(principal);
          if (!p) return Fail(p.error());
          match.principal = *p;
          Result<std::optional<Person>> ag = people.Get(*c.bsn);
          if (!ag) return Fail(ag.error());
          match.agent = *ag;
          return match;
        }
        case CodeCheck::kWrong: {
          failed.codes.push_back(updated);
          json detail = {{"failed_attempts", updated.failed_attempts}};
          failed.events.push_back(
              {m.id.str(), DomainEvent{"CODE_FAILED", c.Actor(), c.channel, detail.dump()}});
          if (updated.locked()) {
            failed.events.push_back(
                {m.id.str(), DomainEvent{"CODE_LOCKED", c.Actor(), c.channel, "{}"}});
            any_locked = true;
          } else {
            any_unlocked = true;
          }
          break;
        }
        case CodeCheck::kLocked:
          any_locked = true;
          break;
        case CodeCheck::kExpired:
        case CodeCheck::kUsed:
          break;
      }
    }
    if (!failed.empty()) {
      Result<uint64_t> seq = Commit(std::move(failed), a);
      if (!seq) return Fail(seq.error());
    }
    if (any_locked && !any_unlocked) {
      return Fail(Error::Locked("Te vaak een onjuiste code ingevoerd; het verzoek is geblokkeerd"));
    }
    return Fail(WrongCode());
  }

  // The activator of a request without a named agent is known only now: the checks the
  // domain made at creation for a named agent person are made here.
  Result<void> CheckActivator(const CodeMatch& match, const Catalogue& cat, Date today) {
    if (match.mandate.agent) return {};  // named and checked when the request was made
    if (!match.agent || match.agent->deceased || !SurelyAdult(*match.agent, today)) {
      return Param(ErrorCode::kRuleViolation, "agent", "agent.niet.toegestaan",
                   "U kunt deze machtiging niet activeren: u moet 18 jaar of ouder zijn");
    }
    for (const Uuid& id : match.mandate.services) {
      const Service* s = cat.FindService(id);
      if (s && (s->agent_type == AgentType::kOrganisation || s->agent_type == AgentType::kNone)) {
        return Param(ErrorCode::kRuleViolation, "agent", "dienst.agenttype",
                     "Voor deze dienst kan alleen een organisatie worden gemachtigd");
      }
    }
    return {};
  }

  // Reads show the effective state; only deaths are persisted on the way.
  Result<std::vector<MandateView>> List(const Caller& c, Side side,
                                        const std::optional<Bsn>& principal = std::nullopt) {
    std::optional<Party> me = Self(c);
    if (side != Side::kByPrincipal && !me) {
      return Fail(Error::Forbidden("Alleen een burger heeft een eigen overzicht"));
    }
    return Retry([&](Attempt& a) -> Result<std::vector<MandateView>> {
      std::shared_ptr<const Catalogue> cat = views->Cat();
      Result<std::vector<Mandate>> all =
          side == Side::kGiven         ? store.MandatesOfPrincipal(*c.bsn)
          : side == Side::kByPrincipal ? store.MandatesOfPrincipal(*principal)
                                       : store.MandatesOfAgent(*me);
      if (!all) return Fail(all.error());
      People people(registry);
      std::vector<MandateView> out;
      for (Mandate& m : *all) {
        if (!CanSee(c, m, *cat)) continue;
        Result<Mandate> touched = Touch(std::move(m), people, a, /*persist_time=*/false);
        if (!touched) return Fail(touched.error());
        Result<MandateView> v = MakeView(c, *touched, people, *cat, a.today);
        if (!v) return Fail(v.error());
        out.push_back(std::move(*v));
      }
      return out;
    });
  }

  // ----- uses -----

  void FlushLoop() {
    std::unique_lock lock(use_mu);
    while (!stopping) {
      use_cv.wait_for(lock, kUseFlushPeriod,
                      [&] { return stopping || uses.size() >= kUseFlushBatch; });
      if (uses.empty()) continue;
      lock.unlock();
      Flush();
      lock.lock();
    }
  }

  void Flush() {
    std::lock_guard flush_lock(flush_mu);
    std::vector<MandateUse> batch;
    {
      std::lock_guard lock(use_mu);
      batch.swap(uses);
    }
    if (batch.empty()) return;
    // Losing use records on a failing disk is acceptable (DOMAIN.md section 7); the mandate
    // data itself goes through Commit.
    (void)store.RecordUses(batch);
  }
};

// ===== MandateService =====

MandateService::MandateService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MandateService::~MandateService() {
  {
    std::lock_guard lock(impl_->use_mu);
    impl_->stopping = true;
  }
  impl_->use_cv.notify_all();
  if (impl_->flusher.joinable()) impl_->flusher.join();
  impl_->Flush();
}

Result<std::unique_ptr<MandateService>> MandateService::Create(Store& store,
                                                              PersonRegistry& registry,
                                                              const Clock& clock,
                                                              ServiceConfig cfg) {
  if (cfg.code_key.size() < kMinCodeKeyBytes) {
    return Fail(Error::Invalid("De sleutel voor activeringscodes moet minstens 32 bytes zijn"));
  }
  auto impl = std::make_unique<Impl>(store, registry, clock, std::move(cfg));
  auto unavailable = [](const Error& e) {
    return Fail(Error::Unavailable("Opslag niet leesbaar: " + e.message));
  };
  auto cat = std::make_shared<Catalogue>();
  Result<std::vector<Provider>> providers = store.ListProviders();
  if (!providers) return unavailable(providers.error());
  for (const Provider& p : *providers) cat->Put(p);
  Result<std::vector<Service>> services = store.ListServices();
  if (!services) return unavailable(services.error());
  for (const Service& s : *services) cat->Put(s);
  Result<std::vector<ServiceSet>> sets = store.ListServiceSets();
  if (!sets) return unavailable(sets.error());
  for (const ServiceSet& s : *sets) cat->Put(s);
  impl->views->cat = std::move(cat);

  // Read the sequence first: a commit racing with the load can only make the index fresher
  // than it claims, never staler.
  Result<uint64_t> seq = store.LastSeq();
  if (!seq) return unavailable(seq.error());
  VerificationIndex& index = impl->views->index;
  Result<void> loaded = store.ForEachMandate([&](const Mandate& m) {
    if (m.state == MandateState::kActive) index.Apply(m);
    return true;
  });
  if (!loaded) return unavailable(loaded.error());
  index.SetSeq(*seq);

  std::shared_ptr<Views> views = impl->views;
  store.SetCommitObserver(
      [views](const WriteBatch& b, uint64_t last_seq) { views->OnCommit(b, last_seq); });
  Impl* raw = impl.get();
  impl->flusher = std::thread([raw] { raw->FlushLoop(); });
  return std::unique_ptr<MandateService>(new MandateService(std::move(impl)));
}

// ----- Catalogue -----

namespace {

Result<void> CheckText(const std::string& s, const char* field, bool required, size_t max) {
  if (required && s.empty()) {
    return Param(ErrorCode::kInvalidArgument, field, "verplicht", "Dit veld is verplicht");
  }
  if (s.size() > max) {
    return Param(ErrorCode::kInvalidArgument, field, "te.lang", "Dit veld is te lang");
  }
  return {};
}

// A redirect URI an OIDC client may register: absolute https, or http on a loopback host
// (development), no fragment (RFC 6749 3.1.2), no control characters or spaces.
bool ValidRedirectUri(const std::string& u) {
  if (u.size() > 2000 || u.find('#') != std::string::npos) return false;
  for (char ch : u) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) return false;
  }
  auto after = [&](std::string_view prefix) {
    return u.rfind(prefix, 0) == 0 && u.size() > prefix.size();
  };
  return after("https://") || after("http://127.0.0.1:") || after("http://localhost:");
}

Result<void> CheckLoginRegistrations(const Provider& p) {
  if (auto r = CheckText(p.saml_metadata, "saml_metadata", false, 256 * 1024); !r) return r;
  std::set<std::string> ids;
  for (const OidcClientRegistration& c : p.oidc_clients) {
    if (auto r = CheckText(c.client_id, "client_id", true, 200); !r) return r;
    if (!ids.insert(c.client_id).second) {
      return Param(ErrorCode::kInvalidArgument, "client_id", "dubbel", "client_id komt twee keer voor");
    }
    bool hex64 = c.secret_sha256_hex.size() == 64 &&
                 c.secret_sha256_hex.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex64) {
      return Param(ErrorCode::kInvalidArgument, "secret", "formaat",
                   "Het geheim hoort als SHA-256 (hex) te zijn opgeslagen");
    }
    if (c.redirect_uris.empty()) {
      return Param(ErrorCode::kInvalidArgument, "redirect_uri", "verplicht",
                   "Geef minstens een redirect-URI");
    }
    for (const std::string& u : c.redirect_uris) {
      if (!ValidRedirectUri(u)) {
        return Param(ErrorCode::kInvalidArgument, "redirect_uri", "formaat",
                     "Een redirect-URI is een absolute https-URL zonder fragment");
      }
    }
  }
  return {};
}

NewEvent CatalogueEvent(std::string type, const json& detail) {
  return {"", DomainEvent{std::move(type), "admin", Channel::kAdmin, detail.dump()}};
}

}  // namespace

Result<uint64_t> MandateService::PutProvider(const Caller& c, const Provider& p) {
  if (c.kind != Caller::Kind::kAdmin) return Fail(Error::Forbidden("Alleen voor beheerders"));
  if (auto r = CheckText(p.name, "name", true, 200); !r) return Fail(r.error());
  if (auto r = CheckText(p.contact, "contact", false, 200); !r) return Fail(r.error());
  if (auto r = CheckText(p.certificate_pem, "certificate", false, 64 * 1024); !r) {
    return Fail(r.error());
  }
  if (auto r = CheckLoginRegistrations(p); !r) return Fail(r.error());
  WriteBatch b;
  b.providers.push_back(p);
  b.events.push_back(CatalogueEvent("PROVIDER_SAVED", {{"oin", p.oin.str()}}));
  Result<CommitResult> r = impl_->store.Commit(std::move(b));
  if (!r) return Fail(r.error());
  return r->seq;
}

Result<uint64_t> MandateService::PutService(const Caller& c, const Service& s) {
  if (c.kind != Caller::Kind::kAdmin) return Fail(Error::Forbidden("Alleen voor beheerders"));
  if (s.id.empty()) {
    return Param(ErrorCode::kInvalidArgument, "id", "verplicht", "Geef de dienst een UUID");
  }
  if (!FindProvider(s.provider)) {
    return Param(ErrorCode::kInvalidArgument, "provider", "aanbieder.onbekend",
                 "Onbekende dienstaanbieder");
  }
  for (auto [text, field, required] :
       {std::tuple{&s.name_nl, "name_nl", true}, std::tuple{&s.name_en, "name_en", false}}) {
    if (auto r = CheckText(*text, field, required, 200); !r) return Fail(r.error());
  }
  for (auto [text, field] : {std::pair{&s.description_nl, "description_nl"},
                             std::pair{&s.description_en, "description_en"}}) {
    if (auto r = CheckText(*text, field, false, kMaxText); !r) return Fail(r.error());
  }
  if (s.request_validity_days < 1 || s.request_validity_days > 365) {
    return Param(ErrorCode::kInvalidArgument, "request_validity_days", "buiten.bereik",
                 "Geldigheid van een verzoek: 1 tot en met 365 dagen");
  }
  if (s.max_mandate_years < 1 || s.max_mandate_years > 100) {
    return Param(ErrorCode::kInvalidArgument, "max_mandate_years", "buiten.bereik",
                 "Maximale duur: 1 tot en met 100 jaar");
  }
  if ((s.active_from && !s.active_from->ok()) || (s.active_until && !s.active_until->ok()) ||
      (s.active_from && s.active_until && *s.active_until < *s.active_from)) {
    return Param(ErrorCode::kInvalidArgument, "active_until", "periode.ongeldig",
                 "De einddatum van de dienst ligt voor de begindatum");
  }
  WriteBatch b;
  b.services.push_back(s);
  b.events.push_back(CatalogueEvent(
      "SERVICE_SAVED", {{"service", s.id.str()}, {"provider", s.provider.str()}}));
  Result<CommitResult> r = impl_->store.Commit(std::move(b));
  if (!r) return Fail(r.error());
  return r->seq;
}

Result<uint64_t> MandateService::PutServiceSet(const Caller& c, const ServiceSet& s) {
  if (c.kind != Caller::Kind::kAdmin) return Fail(Error::Forbidden("Alleen voor beheerders"));
  if (s.id.empty()) {
    return Param(ErrorCode::kInvalidArgument, "id", "verplicht", "Geef de dienstenset een UUID");
  }
  if (auto r = CheckText(s.name_nl, "name_nl", true, 200); !r) return Fail(r.error());
  if (auto r = CheckText(s.name_en, "name_en", false, 200); !r) return Fail(r.error());
  if (s.services.empty() || s.services.size() > kMaxRequestServices) {
    return Param(ErrorCode::kInvalidArgument, "services", "diensten.aantal",
                 "Een dienstenset bevat 1 tot 500 diensten");
  }
  ServiceSet clean = s;
  std::sort(clean.services.begin(), clean.services.end());
  clean.services.erase(std::unique(clean.services.begin(), clean.services.end()),
                       clean.services.end());
  std::shared_ptr<const Catalogue> cat = impl_->views->Cat();
  for (const Uuid& id : clean.services) {
    if (!cat->FindService(id)) {
      return Param(ErrorCode::kInvalidArgument, "services", "dienst.onbekend",
                   "Onbekende dienst");
    }
  }
  WriteBatch b;
  b.service_sets.push_back(clean);
  b.events.push_back(CatalogueEvent("SERVICE_SET_SAVED", {{"service_set", s.id.str()}}));
  Result<CommitResult> r = impl_->store.Commit(std::move(b));
  if (!r) return Fail(r.error());
  return r->seq;
}

std::vector<Provider> MandateService::Providers() const {
  std::shared_ptr<const Catalogue> cat = impl_->views->Cat();
  std::vector<Provider> out;
  for (const auto& [oin, p] : cat->providers) out.push_back(p);
  return out;
}

std::vector<Service> MandateService::Services() const {
  std::shared_ptr<const Catalogue> cat = impl_->views->Cat();
  std::vector<Service> out;
  for (const auto& [id, s] : cat->services) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const Service& a, const Service& b) {
    return std::tie(a.provider, a.position, a.id) < std::tie(b.provider, b.position, b.id);
  });
  return out;
}

std::vector<ServiceSet> MandateService::ServiceSets() const {
  std::shared_ptr<const Catalogue> cat = impl_->views->Cat();
  std::vector<ServiceSet> out;
  for (const auto& [id, s] : cat->sets) out.push_back(s);
  return out;
}

std::optional<Provider> MandateService::FindProvider(const Oin& oin) const {
  std::shared_ptr<const Catalogue> cat = impl_->views->Cat();
  const Provider* p = cat->FindProvider(oin);
  if (!p) return std::nullopt;
  return *p;
}

std::optional<Service> MandateService::FindService(const Uuid& id) const {
  std::shared_ptr<const Catalogue> cat = impl_->views->Cat();
  const Service* s = cat->FindService(id);
  if (!s) return std::nullopt;
  return *s;
}

// ----- Voluntary mandates -----

Result<WriteResult> MandateService::Grant(const Caller& c, const GrantRequest& r) {
  Impl& I = *impl_;
  std::optional<Party> me = Impl::Self(c);
  if (!me) return Fail(Error::Forbidden("Alleen een burger kan een machtiging geven"));
  if (r.agent) {
    if (r.agent->kind == PartyKind::kOin) {
      return Param(ErrorCode::kInvalidArgument, "agent", "agent.soort",
                   "Een dienstaanbieder kan geen gemachtigde zijn van een vrijwillige machtiging");
    }
    if (r.agent->IsPerson() && !r.agent_birth) {
      return Param(ErrorCode::kInvalidArgument, "agent_birth", "geboortedatum.verplicht",
                   "Geef de geboortedatum van de gemachtigde op");
    }
  }
  return I.Retry([&](Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, r.service_set, *cat);
    if (!services) return Fail(services.error());
    People people(I.registry);
    CreationFacts f;
    f.today = a.today;
    f.now = a.now;
    f.services = *services;
    Result<std::optional<Person>> principal = people.Get(*c.bsn);
    if (!principal) return Fail(principal.error());
    f.principal = *principal;
    if (std::optional<Bsn> agent_bsn = PersonBsn(r.agent)) {
      Result<std::optional<Person>> agent = people.Get(*agent_bsn);
      if (!agent) return Fail(agent.error());
      // One answer for "unknown BSN" and "wrong birth date": no register oracle.
      if (!*agent || !(*agent)->birth.Matches(*r.agent_birth)) {
        return Param(ErrorCode::kRuleViolation, "agent", "gemachtigde.onjuist",
                     "De combinatie van BSN en geboortedatum van de gemachtigde klopt niet");
      }
      f.agent_person = *agent;
    }
    std::vector<Uuid> ids = Impl::Ids(*services);
    if (r.agent) {
      Result<bool> dup = I.DuplicateActive(*c.bsn, *r.agent, ids, a.today);
      if (!dup) return Fail(dup.error());
      f.duplicate_active = *dup;
    }
    Result<int> open = I.OpenRequestsBy(*c.bsn, a.today);
    if (!open) return Fail(open.error());
    f.open_requests_of_initiator = *open;

    NewMandate req;
    req.kind = MandateKind::kVoluntary;
    req.initiator = Initiator::kPrincipal;
    req.principal = *c.bsn;
    req.agent = r.agent;
    req.agent_birth = r.agent && r.agent->IsPerson() ? r.agent_birth : std::nullopt;
    req.services = ids;
    req.start = r.start.value_or(a.today);
    req.end = r.end;
    Result<Transition> t = CreateMandate(req, f, Uuid::Random(), c.Actor(), c.channel);
    if (!t) return Fail(t.error());

    std::string code = GenerateActivationCode();
    WriteBatch b;
    b.mandates.push_back({t->mandate, 0});
    b.codes.push_back(MakeActivationCode(I.cfg.code_key, t->mandate.id, code,
                                         StartOfAmsterdamDay(t->mandate.lapse_on)));
    b.events.push_back({t->mandate.id.str(), t->event});
    return I.CommitAndAnswer(c, std::move(b), a, t->mandate, people, *cat,
                             FormatActivationCode(code));
  });
}

Result<WriteResult> MandateService::Ask(const Caller& c, const AskRequest& r) {
  Impl& I = *impl_;
  std::optional<Party> me = Impl::Self(c);
  if (!me) return Fail(Error::Forbidden("Alleen een burger kan om een machtiging vragen"));
  return I.Retry([&](Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, r.service_set, *cat);
    if (!services) return Fail(services.error());
    People people(I.registry);
    Result<std::optional<Person>> principal = people.Get(r.principal);
    if (!principal) return Fail(principal.error());
    // The same answer for an unknown BSN as for a wrong birth date: no BSN oracle.
    if (!*principal || !(*principal)->birth.Matches(r.principal_birth)) {
      return Param(ErrorCode::kRuleViolation, "principal_birth", "geboortedatum.onjuist",
                   "De combinatie van BSN en geboortedatum klopt niet");
    }
    Result<std::optional<Person>> agent = people.Get(*c.bsn);
    if (!agent) return Fail(agent.error());
    CreationFacts f;
    f.today = a.today;
    f.now = a.now;
    f.services = *services;
    f.principal = *principal;
    f.agent_person = *agent;
    std::vector<Uuid> ids = Impl::Ids(*services);
    Result<bool> dup = I.DuplicateActive(r.principal, *me, ids, a.today);
    if (!dup) return Fail(dup.error());
    f.duplicate_active = *dup;
    Result<int> open = I.OpenRequestsBy(*c.bsn, a.today);
    if (!open) return Fail(open.error());
    f.open_requests_of_initiator = *open;

    NewMandate req;
    req.kind = MandateKind::kVoluntary;
    req.initiator = Initiator::kAgent;
    req.principal = r.principal;
    req.agent = *me;
    req.services = ids;
    req.start = r.start.value_or(a.today);
    req.end = r.end;
    Result<Transition> t = CreateMandate(req, f, Uuid::Random(), c.Actor(), c.channel);
    if (!t) return Fail(t.error());
    const Mandate& m = t->mandate;

    std::string code = GenerateActivationCode();
    // A secret address is no reason to hold the letter back: it goes to the person themself.
    // Without any known address the letter is still made, and the gap is logged as an event.
    std::vector<std::string> address = Impl::AddressLines(*principal);
    LetterContent content = ActivationCodeLetter(
        Impl::Name(*principal), address, a.today, Impl::Name(*agent),
        I.ServiceNames(m.services, *cat), m.start, m.end, FormatActivationCode(code),
        AddDays(m.lapse_on, -1), m.id.str());
    Result<Letter> letter = I.MakeLetter("ACTIVATION_CODE", m, r.principal, content, a.now);
    if (!letter) return Fail(letter.error());

    WriteBatch b;
    b.mandates.push_back({m, 0});
    b.codes.push_back(
        MakeActivationCode(I.cfg.code_key, m.id, code, StartOfAmsterdamDay(m.lapse_on)));
    b.events.push_back({m.id.str(), t->event});
    if (address.empty()) {
      b.events.push_back({m.id.str(), DomainEvent{"LETTER_NO_ADDRESS", "system", Channel::kSystem,
                                                  R"({"kind":"ACTIVATION_CODE"})"}});
    }
    b.letters.push_back(std::move(*letter));
    return I.CommitAndAnswer(c, std::move(b), a, m, people, *cat);
  });
}

Result<ActivationPreview> MandateService::PreviewActivation(const Caller& c, const Bsn& principal,
                                                            std::string_view code) {
  Impl& I = *impl_;
  std::lock_guard lock(I.code_mu[std::hash<Bsn>()(principal) % I.code_mu.size()]);
  return I.Retry([&](Attempt& a) -> Result<ActivationPreview> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    People people(I.registry);
    Result<Impl::CodeMatch> match = I.MatchCode(c, principal, code, *cat, people, a);
    if (!match) return Fail(match.error());
    const Mandate& m = match->mandate;
    ActivationPreview p;
    p.mandate_id = m.id;
    p.principal = PartyView{Party::Person(m.principal), Impl::Name(match->principal)};
    p.agent = PartyView{*Impl::Self(c), Impl::Name(match->agent)};
    p.services = I.VisibleServices(c, m.services, *cat);
    p.start = m.start;
    p.end = m.end;
    return p;
  });
}

Result<WriteResult> MandateService::Activate(const Caller& c, const Bsn& principal,
                                             std::string_view code) {
  Impl& I = *impl_;
  // Held through the commit, so two activations with the same code cannot both succeed here
  // (the version check in Commit guards against other processes).
  std::lock_guard lock(I.code_mu[std::hash<Bsn>()(principal) % I.code_mu.size()]);
  return I.Retry([&](Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    People people(I.registry);
    Result<Impl::CodeMatch> match = I.MatchCode(c, principal, code, *cat, people, a);
    if (!match) return Fail(match.error());
    const Mandate& m = match->mandate;
    if (auto ok = I.CheckActivator(*match, *cat, a.today); !ok) return Fail(ok.error());
    Party me = *Impl::Self(c);
    Result<bool> dup = I.DuplicateActive(m.principal, me, m.services, a.today, m.id);
    if (!dup) return Fail(dup.error());
    if (*dup) {
      return Param(ErrorCode::kRuleViolation, "services", "machtiging.dubbel",
                   "Er is al een actieve machtiging voor deze personen en deze dienst");
    }
    Result<Transition> t = volmacht::Activate(m, me, a.today, a.now, c.Actor(), c.channel);
    if (!t) return Fail(t.error());
    WriteBatch b;
    if (auto ok = I.AddActivationLetter(t->mandate, /*to_principal=*/true, *cat, people, a, &b);
        !ok) {
      return Fail(ok.error());
    }
    b.mandates.push_back({t->mandate, m.version});
    b.codes.push_back(match->used);
    b.events.push_back({m.id.str(), t->event});
    return I.CommitAndAnswer(c, std::move(b), a, t->mandate, people, *cat);
  });
}

Result<WriteResult> MandateService::Approve(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Change(c, id,
                  [&](const Mandate& m, const Catalogue& cat, People& people, Attempt& a,
                      WriteBatch* extra) -> Result<Transition> {
                    if (!Impl::IsPrincipal(c, m) || m.initiator != Initiator::kAgent) {
                      return Fail(Error::Forbidden(
                          "Alleen de vertegenwoordigde keurt een verzoek van de gemachtigde goed"));
                    }
                    if (m.agent && EffectiveState(m, a.today) == MandateState::kRequested) {
                      Result<bool> dup =
                          I.DuplicateActive(m.principal, *m.agent, m.services, a.today, m.id);
                      if (!dup) return Fail(dup.error());
                      if (*dup) {
                        return Param(ErrorCode::kRuleViolation, "services", "machtiging.dubbel",
                                     "Er is al een actieve machtiging voor deze personen en "
                                     "deze dienst");
                      }
                    }
                    Result<Transition> t =
                        volmacht::Approve(m, a.today, a.now, c.Actor(), c.channel);
                    if (!t) return t;
                    if (auto ok = I.AddActivationLetter(t->mandate, /*to_principal=*/false, cat,
                                                        people, a, extra);
                        !ok) {
                      return Fail(ok.error());
                    }
                    return t;
                  });
}

Result<WriteResult> MandateService::Decline(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Change(c, id,
                  [&](const Mandate& m, const Catalogue&, People&, Attempt& a,
                      WriteBatch*) -> Result<Transition> {
                    bool other_party = m.initiator == Initiator::kPrincipal
                                           ? Impl::IsAgent(c, m)
                                           : m.initiator == Initiator::kAgent &&
                                                 Impl::IsPrincipal(c, m);
                    if (m.kind != MandateKind::kVoluntary || !other_party) {
                      return Fail(Error::Forbidden(
                          "Alleen de partij die het verzoek ontving kan het afwijzen"));
                    }
                    return volmacht::Reject(m, a.today, a.now, c.Actor(), c.channel);
                  });
}

Result<WriteResult> MandateService::Withdraw(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Change(c, id,
                  [&](const Mandate& m, const Catalogue&, People&, Attempt& a,
                      WriteBatch*) -> Result<Transition> {
                    // Decision: DOMAIN.md says "either party cancels" a request, so both the
                    // principal and the agent may withdraw a REQUESTED mandate, whoever
                    // started it (the non-initiator may also decline, recorded differently).
                    if (m.kind != MandateKind::kVoluntary ||
                        !(Impl::IsPrincipal(c, m) || Impl::IsAgent(c, m))) {
                      return Fail(Error::Forbidden("Alleen de betrokkenen kunnen intrekken"));
                    }
                    return volmacht::Withdraw(m, a.today, a.now, c.Actor(), c.channel);
                  });
}

Result<WriteResult> MandateService::Revoke(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Change(
      c, id,
      [&](const Mandate& m, const Catalogue& cat, People& people, Attempt& a,
          WriteBatch* extra) -> Result<Transition> {
        EndReason why;
        if (Impl::IsPrincipal(c, m)) {
          why = EndReason::kByPrincipal;
        } else if (Impl::IsAgent(c, m)) {
          why = EndReason::kByAgent;
        } else if (Impl::IsProviderOf(c, m, cat)) {
          why = EndReason::kByProvider;
        } else {
          return Fail(Error::Forbidden("U kunt deze machtiging niet intrekken"));
        }
        Result<Transition> t = volmacht::Revoke(m, why, a.today, a.now, c.Actor(), c.channel);
        if (!t) return t;
        // The confirmation goes to the other party when that is a living person we can write
        // to: the agent when the principal revoked, else the principal (the survivor for a
        // SURVIVOR mandate, whose principal has died).
        std::optional<Bsn> to;
        std::optional<Party> other;
        std::string reason;
        if (why == EndReason::kByPrincipal) {
          to = PersonBsn(m.agent);
          other = Party::Person(m.principal);
          reason = "De vertegenwoordigde heeft de machtiging ingetrokken.";
        } else if (m.kind == MandateKind::kSurvivor) {
          to = PersonBsn(m.agent);
          other = m.provider ? std::optional<Party>(Party::Provider(*m.provider)) : std::nullopt;
          reason = "De dienstaanbieder heeft de machtiging ingetrokken.";
        } else {
          to = m.principal;
          other = why == EndReason::kByAgent ? m.agent : Party::Provider(*c.provider);
          reason = why == EndReason::kByAgent
                       ? "De gemachtigde heeft de machtiging ingetrokken."
                       : "De dienstaanbieder heeft de machtiging ingetrokken.";
        }
        if (to && other) {
          Result<std::optional<Person>> recipient = people.Get(*to);
          if (!recipient) return Fail(recipient.error());
          Result<PartyView> other_view = I.ViewOf(*other, people, cat);
          if (!other_view) return Fail(other_view.error());
          if (*recipient && !(*recipient)->deceased) {
            LetterContent content = RevocationConfirmationLetter(
                Impl::Name(*recipient), Impl::AddressLines(*recipient), a.today,
                other_view->name, I.ServiceNames(m.services, cat), reason, m.id.str());
            Result<Letter> letter = I.MakeLetter("CONFIRM_REVOCATION", m, *to, content, a.now);
            if (!letter) return Fail(letter.error());
            extra->letters.push_back(std::move(*letter));
          }
        }
        return t;
      });
}

Result<WriteResult> MandateService::Restrict(const Caller& c, const Uuid& id,
                                             const RestrictRequest& r) {
  Impl& I = *impl_;
  if (r.services.size() > kMaxRequestServices) {
    return Param(ErrorCode::kInvalidArgument, "services", "diensten.teveel", "Te veel diensten");
  }
  return I.Change(c, id,
                  [&](const Mandate& m, const Catalogue& cat, People&, Attempt& a,
                      WriteBatch*) -> Result<Transition> {
                    if (!Impl::IsPrincipal(c, m) && !Impl::IsAgent(c, m)) {
                      return Fail(Error::Forbidden("U kunt deze machtiging niet beperken"));
                    }
                    std::vector<Uuid> keep = r.services;
                    if (c.kind == Caller::Kind::kProviderForCitizen) {
                      // A provider narrows only its own services; the others stay as they are.
                      for (const Uuid& s : keep) {
                        if (!Impl::OwnsService(c, s, cat)) {
                          return Fail(Error::Forbidden("Deze dienst hoort niet bij uw organisatie"));
                        }
                      }
                      for (const Uuid& s : m.services) {
                        if (!Impl::OwnsService(c, s, cat)) keep.push_back(s);
                      }
                    }
                    std::sort(keep.begin(), keep.end());
                    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
                    return volmacht::Restrict(m, std::move(keep), r.end, a.today, a.now,
                                              c.Actor(), c.channel);
                  });
}

// ----- Provider / counter kinds -----

Result<WriteResult> MandateService::CreateDirect(const Caller& c, const DirectRequest& r) {
  Impl& I = *impl_;
  return I.Retry([&](Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    NewMandate req;
    req.kind = MandateKind::kDirect;
    req.principal = r.principal;
    req.evidence = r.evidence;
    std::optional<Oin> provider;
    switch (c.kind) {
      case Caller::Kind::kClerk:
        if (!Impl::CounterProvider(c, *cat)) {
          return Fail(Error::Forbidden("Uw organisatie gebruikt de baliemodule niet"));
        }
        if (!r.evidence) {
          return Param(ErrorCode::kInvalidArgument, "evidence", "bewijs.ontbreekt",
                       "Leg vast welk identiteitsbewijs aan de balie is gecontroleerd");
        }
        req.evidence->clerk = c.clerk_id;
        req.initiator = Initiator::kProvider;
        provider = c.provider;
        break;
      case Caller::Kind::kProviderForCitizen:
        if (!c.bsn || *c.bsn != r.principal) {
          return Fail(Error::Forbidden("Een burger machtigt alleen voor zichzelf"));
        }
        req.initiator = Initiator::kPrincipal;
        provider = c.provider;
        break;
      case Caller::Kind::kCitizen: {
        if (!c.bsn || *c.bsn != r.principal) {
          return Fail(Error::Forbidden("Een burger machtigt alleen voor zichzelf"));
        }
        req.initiator = Initiator::kPrincipal;
        // On our own site the chosen services say which provider is meant.
        for (const Uuid& id : r.services) {
          if (const Service* s = cat->FindService(id)) {
            if (provider && *provider != s->provider) {
              return Param(ErrorCode::kInvalidArgument, "services", "diensten.aanbieders",
                           "Kies diensten van één dienstaanbieder");
            }
            provider = s->provider;
          }
        }
        break;
      }
      default:
        return Fail(Error::Forbidden("U kunt geen direct ingaande machtiging registreren"));
    }
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, std::nullopt, *cat);
    if (!services) return Fail(services.error());
    if (!provider) {
      return Param(ErrorCode::kInvalidArgument, "services", "diensten.leeg",
                   "Kies ten minste één dienst");
    }
    if (c.kind == Caller::Kind::kClerk) {
      for (const Service& s : *services) {
        if (s.provider != *provider) {
          return Fail(Error::Forbidden("Deze dienst hoort niet bij uw organisatie"));
        }
      }
    }
    req.provider = provider;
    req.agent = Party::Provider(*provider);
    req.services = Impl::Ids(*services);
    req.start = r.start.value_or(a.today);
    req.end = r.end;

    People people(I.registry);
    CreationFacts f;
    f.today = a.today;
    f.now = a.now;
    f.services = *services;
    Result<std::optional<Person>> principal = people.Get(r.principal);
    if (!principal) return Fail(principal.error());
    f.principal = *principal;
    Result<bool> dup = I.DuplicateActive(r.principal, *req.agent, req.services, a.today);
    if (!dup) return Fail(dup.error());
    f.duplicate_active = *dup;
    Result<Transition> t = CreateMandate(req, f, Uuid::Random(), c.Actor(), c.channel);
    if (!t) return Fail(t.error());

    WriteBatch b;
    // The citizen was not online when a clerk registered it: confirm by letter.
    if (c.kind == Caller::Kind::kClerk) {
      if (auto ok = I.AddActivationLetter(t->mandate, /*to_principal=*/true, *cat, people, a, &b);
          !ok) {
        return Fail(ok.error());
      }
    }
    b.mandates.push_back({t->mandate, 0});
    b.events.push_back({t->mandate.id.str(), t->event});
    return I.CommitAndAnswer(c, std::move(b), a, t->mandate, people, *cat);
  });
}

Result<WriteResult> MandateService::CreateSurvivor(const Caller& c, const SurvivorRequest& r) {
  Impl& I = *impl_;
  if (c.kind != Caller::Kind::kClerk) {
    return Fail(Error::Forbidden("Een nabestaandenmachtiging registreert een baliemedewerker"));
  }
  return I.Retry([&](Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    if (!Impl::CounterProvider(c, *cat)) {
      return Fail(Error::Forbidden("Uw organisatie gebruikt de baliemodule niet"));
    }
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, std::nullopt, *cat);
    if (!services) return Fail(services.error());
    for (const Service& s : *services) {
      if (s.provider != *c.provider) {
        return Fail(Error::Forbidden("Deze dienst hoort niet bij uw organisatie"));
      }
    }
    NewMandate req;
    req.kind = MandateKind::kSurvivor;
    req.initiator = Initiator::kProvider;
    req.principal = r.deceased;
    req.agent = r.survivor;
    req.provider = c.provider;
    req.services = Impl::Ids(*services);
    req.start = r.start.value_or(a.today);
    req.end = r.end;
    req.evidence = r.evidence;
    req.evidence->clerk = c.clerk_id;

    People people(I.registry);
    CreationFacts f;
    f.today = a.today;
    f.now = a.now;
    f.services = *services;
    Result<std::optional<Person>> deceased = people.Get(r.deceased);
    if (!deceased) return Fail(deceased.error());
    f.principal = *deceased;
    if (std::optional<Bsn> sb = PersonBsn(r.survivor)) {
      Result<std::optional<Person>> survivor = people.Get(*sb);
      if (!survivor) return Fail(survivor.error());
      if (!*survivor) {
        return Param(ErrorCode::kRuleViolation, "survivor", "nabestaande.onbekend",
                     "De nabestaande is niet gevonden in de BRP");
      }
      f.agent_person = *survivor;
    }
    Result<std::vector<Mandate>> existing = I.store.MandatesOfPrincipal(r.deceased);
    if (!existing) return Fail(existing.error());
    for (const Mandate& m : *existing) {
      if (m.kind == MandateKind::kSurvivor && m.provider == c.provider &&
          EffectiveState(m, a.today) == MandateState::kActive) {
        ++f.active_survivor_mandates_for_provider;
      }
    }
    Result<Transition> t = CreateMandate(req, f, Uuid::Random(), c.Actor(), c.channel);
    if (!t) return Fail(t.error());
    WriteBatch b;
    if (auto ok = I.AddActivationLetter(t->mandate, /*to_principal=*/false, *cat, people, a, &b);
        !ok) {
      return Fail(ok.error());
    }
    b.mandates.push_back({t->mandate, 0});
    b.events.push_back({t->mandate.id.str(), t->event});
    return I.CommitAndAnswer(c, std::move(b), a, t->mandate, people, *cat);
  });
}

// ----- Reading -----

Result<std::vector<MandateView>> MandateService::ListGiven(const Caller& c) {
  return impl_->List(c, Side::kGiven);
}

Result<std::vector<MandateView>> MandateService::ListReceived(const Caller& c) {
  return impl_->List(c, Side::kReceived);
}

Result<std::vector<MandateView>> MandateService::ListByPrincipal(const Caller& c,
                                                                 const Bsn& principal) {
  if (c.kind != Caller::Kind::kClerk && c.kind != Caller::Kind::kProvider &&
      !(Impl::Self(c) && *c.bsn == principal)) {
    return Fail(Error::Forbidden("U kunt de machtigingen van deze persoon niet inzien"));
  }
  return impl_->List(c, Side::kByPrincipal, principal);
}

Result<MandateView> MandateService::Details(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Retry([&](Attempt& a) -> Result<MandateView> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    People people(I.registry);
    Result<Mandate> m = I.LoadVisible(c, id, *cat, people, a, /*persist_time=*/false);
    if (!m) return Fail(m.error());
    return I.MakeView(c, *m, people, *cat, a.today);
  });
}

Result<std::vector<EventRecord>> MandateService::History(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Retry([&](Attempt& a) -> Result<std::vector<EventRecord>> {
    std::shared_ptr<const Catalogue> cat = I.views->Cat();
    People people(I.registry);
    Result<Mandate> m = I.LoadVisible(c, id, *cat, people, a, /*persist_time=*/false);
    if (!m) return Fail(m.error());
    return I.store.EventsOfMandate(id);
  });
}

// ----- Verification -----

namespace {

// The catalogue checks shared by Verify and ForWhom: Ok(true) when the service may be used
// at this LoA today, Ok(false) when the answer is simply "no".
Result<bool> ServiceUsable(const Caller& c, const Catalogue& cat, const Uuid& service, Loa loa,
                           Date today) {
  if ((c.kind != Caller::Kind::kProvider && c.kind != Caller::Kind::kProviderForCitizen) ||
      !c.provider) {
    return Fail(Error::Forbidden("Alleen dienstaanbieders kunnen machtigingen controleren"));
  }
  const Service* s = cat.FindService(service);
  if (!s || s->provider != *c.provider) {
    return Fail(Error::Forbidden("Deze dienst hoort niet bij uw organisatie"));
  }
  const Provider* p = cat.FindProvider(*c.provider);
  if (!p || !p->active) return Fail(Error::Forbidden("Uw organisatie is niet actief"));
  return s->ActiveOn(today) && static_cast<int>(loa) >= static_cast<int>(s->min_loa);
}

}  // namespace

Result<VerifyAnswer> MandateService::Verify(const Caller& c, const VerifyQuery& q) {
  Impl& I = *impl_;
  if (q.min_seq > I.views->index.Seq()) {
    return Fail(Error::Unavailable("De gegevens zijn nog niet bijgewerkt; probeer het opnieuw"));
  }
  Timestamp now = I.clock.Now();
  Date today = AmsterdamDate(now);
  std::shared_ptr<const Catalogue> cat = I.views->Cat();
  Result<bool> usable = ServiceUsable(c, *cat, q.service, q.loa, today);
  if (!usable) return Fail(usable.error());
  if (!*usable) return VerifyAnswer{};
  std::optional<Uuid> id = I.views->index.Find(q.agent, q.principal, q.service, today);
  if (!id) return VerifyAnswer{};
  RecordUse(MandateUse{*id, *c.provider, q.service, UseChannel(c.channel), now});
  return VerifyAnswer{true, id};
}

Result<std::vector<ForWhomEntry>> MandateService::ForWhom(const Caller& c, const Party& agent,
                                                          const Uuid& service, Loa loa) {
  Impl& I = *impl_;
  Date today = I.clock.Today();
  std::shared_ptr<const Catalogue> cat = I.views->Cat();
  Result<bool> usable = ServiceUsable(c, *cat, service, loa, today);
  if (!usable) return Fail(usable.error());
  std::vector<ForWhomEntry> out;
  if (!*usable) return out;
  for (auto& [principal, id] : I.views->index.ForWhom(agent, service, today)) {
    out.push_back({std::move(principal), std::move(id)});
  }
  return out;
}

void MandateService::RecordUse(const MandateUse& use) {
  Impl& I = *impl_;
  bool full = false;
  {
    int64_t minute = std::chrono::floor<std::chrono::minutes>(use.at).time_since_epoch().count();
    UseKey key = KeyOf(use);
    std::lock_guard lock(I.use_mu);
    if (minute != I.use_minute) {
      I.use_minute = minute;
      I.used_this_minute.clear();
    }
    if (I.uses.size() >= kMaxQueuedUses) return;
    if (!I.used_this_minute.insert(key).second) return;  // already recorded
    I.uses.push_back(use);
    full = I.uses.size() >= kUseFlushBatch;
  }
  if (full) I.use_cv.notify_one();
}

void MandateService::FlushUses() { impl_->Flush(); }

// ----- Time -----

Result<int> MandateService::Sweep() {
  Impl& I = *impl_;
  Timestamp now = I.clock.Now();
  Date today = AmsterdamDate(now);
  Result<std::vector<Mandate>> due = I.store.DueForTimeTransition(today);
  if (!due) return Fail(due.error());
  int changed = 0;
  for (const Mandate& m : *due) {
    std::optional<Transition> t = ApplyTime(m, today, now);
    if (!t) continue;
    Attempt a;
    Result<uint64_t> seq = I.CommitTransition(*t, m.version, a);
    if (seq) {
      ++changed;
    } else if (!a.commit_conflict) {
      return Fail(seq.error());
    }
    // A conflict means someone else changed it just now; the next sweep sees the result.
  }
  return changed;
}

uint64_t MandateService::IndexSeq() const { return impl_->views->index.Seq(); }

}  // namespace volmacht
