// The use cases that make a request ACTIVE: the agent with the principal's activation code
// (PreviewActivation shows what the code belongs to, Activate accepts it), and Approve, the
// principal accepting a request of the agent (flow B, without a code).
//
// Contract: a request is found by the principal's BSN and the code, among the caller's open
// requests from that principal; a wrong code counts a try on every candidate and the fifth
// locks them (kLocked). Counting a try and using a code are writes conditional on the code
// record as read (CodeWrite::expected), so writers in other processes or on other nodes
// cannot together get more than five tries: whoever comes second conflicts and checks again.
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "service/internal/use_case.h"
#include "service/mandate_letters.h"

namespace volmacht {
namespace {

using json = nlohmann::json;
using service_internal::Param;

Error WrongCode() {
  return Error::Invalid("De code is onjuist", {{"code", "code.onjuist", "De code is onjuist"}});
}

}  // namespace

Result<MandateService::Impl::CodeMatch> MandateService::Impl::MatchCode(
    const Caller& c, const Bsn& principal, std::string_view code, const CatalogueSnapshot& cat,
    People& people, Attempt& a) {
  Result<std::string> norm = NormalizeActivationCode(code);
  if (!norm) return Fail(norm.error());
  Result<std::vector<Mandate>> all = store.MandatesOfPrincipal(principal);
  if (!all) return Fail(all.error());
  std::vector<Mandate> candidates;
  for (Mandate& m : *all) {
    if (m.kind != MandateKind::kVoluntary || m.state != MandateState::kRequested) continue;
    if (!MayActivateRequest(c, m, cat)) continue;
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

  // A wrong code is never answered before its try is counted. When another writer changed
  // one of these code records between our read and our commit (counted a try, used the code),
  // the commit conflicts and the records are read and checked again. Each such round is a
  // change by someone else, and a record changes at most kMaxCodeAttempts + 1 times (its
  // tries, then its use; a locked or used record is not written again), so the rounds end.
  const size_t max_rounds = open.size() * static_cast<size_t>(kMaxCodeAttempts + 1) + 1;
  for (size_t round = 0; round < max_rounds; ++round) {
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
          CodeMatch match{std::move(m), CodeWrite{updated, **rec}, {}, {}};
          Result<std::optional<Person>> p = people.Get(principal);
          if (!p) return Fail(p.error());
          match.principal = *p;
          Result<std::optional<Person>> ag = people.Get(*c.bsn);
          if (!ag) return Fail(ag.error());
          match.agent = *ag;
          return match;
        }
        case CodeCheck::kWrong: {
          failed.codes.push_back(CodeWrite{updated, **rec});
          json detail = {{"failed_attempts", updated.failed_attempts}};
          failed.events.push_back(
              {m.id.str(), DomainEvent{EventKind::kCodeFailed, c.Actor(), c.channel, detail.dump()}});
          if (updated.locked()) {
            failed.events.push_back(
                {m.id.str(), DomainEvent{EventKind::kCodeLocked, c.Actor(), c.channel, "{}"}});
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
      Result<CommitResult> r = store.Commit(std::move(failed));
      if (!r && r.error().code == ErrorCode::kConflict) continue;  // someone came first
      if (!r) return Fail(r.error());
    }
    if (any_locked && !any_unlocked) {
      return Fail(
          Error::Locked("Te vaak een onjuiste code ingevoerd; het verzoek is geblokkeerd"));
    }
    return Fail(WrongCode());
  }
  // Not reached while the store keeps its contract (see the bound above).
  return Fail(Error::Conflict("De code kon niet worden gecontroleerd; probeer het opnieuw"));
}

Result<ActivationPreview> MandateService::PreviewActivation(const Caller& c, const Bsn& principal,
                                                            std::string_view code) {
  Impl& I = *impl_;
  if (auto ok = Authorize(c, Action::kActivate, *I.views->Cat()); !ok) return Fail(ok.error());
  return I.Retry([&](Impl::Attempt& a) -> Result<ActivationPreview> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    Impl::People people(I.registry);
    Result<Impl::CodeMatch> match = I.MatchCode(c, principal, code, *cat, people, a);
    if (!match) return Fail(match.error());
    const Mandate& m = match->mandate;
    ActivationPreview p;
    p.mandate_id = m.id;
    p.principal = PartyView{Party::Person(m.principal), service_internal::NameOf(match->principal)};
    p.agent = PartyView{*ActingCitizen(c), service_internal::NameOf(match->agent)};
    p.services = service_internal::VisibleServices(c, m.services, *cat);
    p.start = m.start;
    p.end = m.end;
    return p;
  });
}

Result<WriteResult> MandateService::Activate(const Caller& c, const Bsn& principal,
                                             std::string_view code) {
  Impl& I = *impl_;
  if (auto ok = Authorize(c, Action::kActivate, *I.views->Cat()); !ok) return Fail(ok.error());
  // Two activations with the same code cannot both succeed: the commit is conditional on the
  // mandate's version and on the code record as read; the one that comes second retries and
  // finds the request no longer open.
  return I.Retry([&](Impl::Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    Impl::People people(I.registry);
    Result<Impl::CodeMatch> match = I.MatchCode(c, principal, code, *cat, people, a);
    if (!match) return Fail(match.error());
    const Mandate& m = match->mandate;
    Party me = *ActingCitizen(c);
    std::vector<Service> services;
    for (const Uuid& id : m.services) {
      if (const Service* s = cat->FindService(id)) services.push_back(*s);
    }
    if (auto ok = CheckActivator(m, me, match->agent, services, a.today); !ok) {
      return Fail(ok.error());
    }
    Result<bool> dup = I.DuplicateActive(m.principal, me, m.services, a.today, m.id);
    if (!dup) return Fail(dup.error());
    if (auto ok = CheckNotDuplicate(*dup); !ok) return Fail(ok.error());
    Result<Transition> t = volmacht::Activate(m, me, a.today, a.now, c.Actor(), c.channel);
    if (!t) return Fail(t.error());
    WriteBatch b;
    if (auto ok = service_internal::AddActivationLetter(t->mandate, /*to_principal=*/true, *cat,
                                                        people, a, &b);
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
  return I.Change(
      c, Action::kApprove, id,
      [&](const Mandate& m, const CatalogueSnapshot& cat, Impl::People& people, Impl::Attempt& a,
          WriteBatch* extra) -> Result<Transition> {
        if (auto ok = MayApprove(c, m); !ok) return Fail(ok.error());
        if (m.agent && EffectiveState(m, a.today) == MandateState::kRequested) {
          Result<bool> dup = I.DuplicateActive(m.principal, *m.agent, m.services, a.today, m.id);
          if (!dup) return Fail(dup.error());
          if (auto ok = CheckNotDuplicate(*dup); !ok) return Fail(ok.error());
        }
        Result<Transition> t = volmacht::Approve(m, a.today, a.now, c.Actor(), c.channel);
        if (!t) return t;
        if (auto ok = service_internal::AddActivationLetter(t->mandate, /*to_principal=*/false, cat,
                                                            people, a, extra);
            !ok) {
          return Fail(ok.error());
        }
        return t;
      });
}

}  // namespace volmacht
