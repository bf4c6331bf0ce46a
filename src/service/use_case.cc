// The shared plumbing of internal/use_case.h: commits, the facts the creation rules need,
// loading an existing mandate as the caller may see it, and the views use cases answer with.
#include "service/internal/use_case.h"

#include <algorithm>

namespace volmacht {
namespace service_internal {


bool Intersects(const std::vector<Uuid>& a, const std::vector<Uuid>& b) {
  for (const Uuid& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

std::vector<Uuid> Ids(const std::vector<Service>& s) {
  std::vector<Uuid> ids;
  for (const Service& x : s) ids.push_back(x.id);
  return ids;
}

std::string NameOf(const std::optional<Person>& p) { return p ? p->full_name : ""; }

std::optional<Bsn> PersonBsn(const std::optional<Party>& p) {
  if (!p || !p->IsPerson()) return std::nullopt;
  Result<Bsn> b = Bsn::Parse(p->id);
  if (!b) return std::nullopt;
  return *b;
}

std::unexpected<Error> Param(ErrorCode code, std::string name, std::string pcode,
                             std::string reason) {
  return std::unexpected<Error>(Error{code, reason, {{std::move(name), std::move(pcode), reason}}});
}

void Views::OnCommit(const WriteBatch& b, uint64_t seq) {
  for (const MandateWrite& w : b.mandates) index.Apply(w.mandate);
  if (!b.providers.empty() || !b.services.empty() || !b.service_sets.empty()) {
    auto next = std::make_shared<CatalogueSnapshot>(*Cat());
    for (const Provider& p : b.providers) next->Put(p);
    for (const Service& s : b.services) next->Put(s);
    for (const ServiceSet& s : b.service_sets) next->Put(s);
    std::lock_guard lock(cat_mu);
    cat = std::move(next);
  }
  if (seq > index.Seq()) index.SetSeq(seq);
}

Result<std::optional<Person>> People::Get(const Bsn& b) {
  auto it = cache_.find(b.str());
  if (it != cache_.end()) return it->second;
  Result<std::optional<Person>> p = registry_.Find(b);
  if (!p) return Fail(p.error());
  cache_.emplace(b.str(), *p);
  return *p;
}

Result<PartyView> ViewOf(const Party& p, People& people, const CatalogueSnapshot& cat) {
  PartyView v{p, ""};
  if (std::optional<Bsn> b = PersonBsn(p)) {
    Result<std::optional<Person>> person = people.Get(*b);
    if (!person) return Fail(person.error());
    v.name = NameOf(*person);
  } else if (p.kind == PartyKind::kOin) {
    if (Result<Oin> oin = Oin::Parse(p.id)) {
      if (const Provider* prov = cat.FindProvider(*oin)) v.name = prov->name;
    }
  }
  return v;
}

std::vector<Service> VisibleServices(const Caller& c, const std::vector<Uuid>& ids,
                                     const CatalogueSnapshot& cat) {
  std::vector<Service> out;
  for (const Uuid& id : ids) {
    const Service* s = cat.FindService(id);
    if (!s) continue;
    if (c.kind == Caller::Kind::kProviderForCitizen && s->provider != *c.provider) continue;
    out.push_back(*s);
  }
  return out;
}

Result<MandateView> MakeView(const Caller& c, const Mandate& m, People& people,
                             const CatalogueSnapshot& cat, Date today) {
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

}  // namespace service_internal

using service_internal::Ids;
using service_internal::MakeView;
using service_internal::Param;
using service_internal::PersonBsn;

// ----- Commits -----

Result<uint64_t> MandateService::Impl::Commit(WriteBatch b, Attempt& a) {
  Result<CommitResult> r = store.Commit(std::move(b));
  if (!r) {
    if (r.error().code == ErrorCode::kConflict) a.commit_conflict = true;
    return Fail(r.error());
  }
  return r->seq;
}

Result<uint64_t> MandateService::Impl::CommitTransition(const Transition& t,
                                                        int64_t expected_version, Attempt& a) {
  WriteBatch b;
  b.mandates.push_back({t.mandate, expected_version});
  b.events.push_back({t.mandate.id.str(), t.event});
  return Commit(std::move(b), a);
}

Result<WriteResult> MandateService::Impl::CommitAndAnswer(const Caller& c, WriteBatch b, Attempt& a,
                                                          const Mandate& m, People& people,
                                                          const CatalogueSnapshot& cat,
                                                          std::string activation_code) {
  Result<uint64_t> seq = Commit(std::move(b), a);
  if (!seq) return Fail(seq.error());
  Result<MandateView> view = MakeView(c, m, people, cat, a.today);
  if (!view) return Fail(view.error());
  return WriteResult{std::move(*view), *seq, std::move(activation_code)};
}

// ----- Facts -----

Result<std::vector<Service>> MandateService::Impl::ResolveServices(const Caller& c,
                                                                   const std::vector<Uuid>& ids,
                                                                   const std::optional<Uuid>& set,
                                                                   const CatalogueSnapshot& cat) {
  if (ids.size() > service_internal::kMaxRequestServices) {
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
      return Param(ErrorCode::kInvalidArgument, "services", "dienst.onbekend", "Onbekende dienst");
    }
    if (auto ok = MayNameService(c, id, cat); !ok) return Fail(ok.error());
    out.push_back(*s);
  }
  return out;
}

Result<bool> MandateService::Impl::DuplicateActive(const Bsn& principal, const Party& agent,
                                                   const std::vector<Uuid>& services, Date today,
                                                   const std::optional<Uuid>& except) {
  Result<std::vector<Mandate>> all = store.MandatesOfPrincipal(principal);
  if (!all) return Fail(all.error());
  for (const Mandate& m : *all) {
    if (except && m.id == *except) continue;
    if (EffectiveState(m, today) == MandateState::kActive && m.agent && *m.agent == agent &&
        service_internal::Intersects(m.services, services)) {
      return true;
    }
  }
  return false;
}

// The store's count includes requests that have lapsed but were not swept yet; only near
// the cap is it worth counting exactly.
Result<void> MandateService::Impl::VoluntaryRequestFacts(const Bsn& principal,
                                                         const std::optional<Party>& agent,
                                                         const std::vector<Uuid>& services,
                                                         const Bsn& initiator, Date today,
                                                         CreationFacts* f) {
  if (agent) {
    Result<bool> dup = DuplicateActive(principal, *agent, services, today);
    if (!dup) return Fail(dup.error());
    f->duplicate_active = *dup;
  }
  Result<int> open = OpenRequestsBy(initiator, today);
  if (!open) return Fail(open.error());
  f->open_requests_of_initiator = *open;
  return {};
}

Result<int> MandateService::Impl::OpenRequestsBy(const Bsn& who, Date today) {
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
    open +=
        m.initiator == Initiator::kAgent && EffectiveState(m, today) == MandateState::kRequested;
  }
  return open;
}

// ----- Existing mandates -----

Result<Mandate> MandateService::Impl::Touch(Mandate m, People& people, Attempt& a,
                                            bool persist_time) {
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

Result<Mandate> MandateService::Impl::LoadVisible(const Caller& c, Action action, const Uuid& id,
                                                  const CatalogueSnapshot& cat, People& people,
                                                  Attempt& a, bool persist_time) {
  if (auto ok = ProviderIsActive(c, cat); !ok) return Fail(ok.error());
  Result<std::optional<Mandate>> m = store.GetMandate(id);
  if (!m) return Fail(m.error());
  if (!*m) return Fail(Error::NotFound("Machtiging niet gevonden"));
  if (auto ok = Authorize(c, action); !ok) return Fail(ok.error());
  if (!CanSee(c, **m, cat)) return Fail(Error::NotFound("Machtiging niet gevonden"));
  return Touch(std::move(**m), people, a, persist_time);
}

Result<WriteResult> MandateService::Impl::Change(const Caller& c, Action action, const Uuid& id,
                                                 const Decide& decide) {
  return Retry([&](Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const CatalogueSnapshot> cat = views->Cat();
    People people(registry);
    Result<Mandate> m = LoadVisible(c, action, id, *cat, people, a, /*persist_time=*/true);
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

}  // namespace volmacht
