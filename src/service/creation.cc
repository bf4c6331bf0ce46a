// The use cases that create a mandate: Grant (flow A, the principal grants) and Ask (flow B,
// the agent asks), both VOLUNTARY and REQUESTED until activated; CreateDirect (DIRECT, to
// the provider itself, by the citizen or a counter clerk) and CreateSurvivor (SURVIVOR, by
// a counter clerk), both ACTIVE at once.
//
// Contract: the caller is authorised first (authorization.h), then the facts are gathered
// (catalogue, register, store), the domain decides (CreateMandate) and the mandate, its
// event, its activation code and its letters are committed together.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/internal/use_case.h"
#include "service/mandate_letters.h"

namespace volmacht {

using service_internal::ActivationCodeLetterFor;
using service_internal::AddActivationLetter;
using service_internal::AddressLinesOf;
using service_internal::Ids;
using service_internal::Param;
using service_internal::PersonBsn;

// ----- Voluntary mandates -----

Result<WriteResult> MandateService::Grant(const Caller& c, const GrantRequest& r) {
  Impl& I = *impl_;
  if (auto ok = Authorize(c, Action::kGrant, *I.views->Cat()); !ok) return Fail(ok.error());
  if (r.agent) {
    if (r.agent->IsPerson() && !r.agent_birth) {
      return Param(ErrorCode::kInvalidArgument, "agent_birth", "geboortedatum.verplicht",
                   "Geef de geboortedatum van de gemachtigde op");
    }
  }
  return I.Retry([&](Impl::Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, r.service_set, *cat);
    if (!services) return Fail(services.error());
    Impl::People people(I.registry);
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
    std::vector<Uuid> ids = Ids(*services);
    if (auto ok = I.VoluntaryRequestFacts(*c.bsn, r.agent, ids, *c.bsn, a.today, &f); !ok) {
      return Fail(ok.error());
    }

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
    b.codes.push_back({MakeActivationCode(I.cfg.code_key, t->mandate.id, code,
                                          StartOfAmsterdamDay(t->mandate.lapse_on)),
                       /*expected=*/std::nullopt});
    b.events.push_back({t->mandate.id.str(), t->event});
    return I.CommitAndAnswer(c, std::move(b), a, t->mandate, people, *cat,
                             FormatActivationCode(code));
  });
}

Result<WriteResult> MandateService::Ask(const Caller& c, const AskRequest& r) {
  Impl& I = *impl_;
  if (auto ok = Authorize(c, Action::kAsk, *I.views->Cat()); !ok) return Fail(ok.error());
  Party me = *ActingCitizen(c);
  return I.Retry([&](Impl::Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, r.service_set, *cat);
    if (!services) return Fail(services.error());
    Impl::People people(I.registry);
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
    std::vector<Uuid> ids = Ids(*services);
    if (auto ok = I.VoluntaryRequestFacts(r.principal, me, ids, *c.bsn, a.today, &f); !ok) {
      return Fail(ok.error());
    }

    NewMandate req;
    req.kind = MandateKind::kVoluntary;
    req.initiator = Initiator::kAgent;
    req.principal = r.principal;
    req.agent = me;
    req.services = ids;
    req.start = r.start.value_or(a.today);
    req.end = r.end;
    Result<Transition> t = CreateMandate(req, f, Uuid::Random(), c.Actor(), c.channel);
    if (!t) return Fail(t.error());
    const Mandate& m = t->mandate;

    std::string code = GenerateActivationCode();
    Result<Letter> letter =
        ActivationCodeLetterFor(m, *principal, *agent, FormatActivationCode(code), *cat, a);
    if (!letter) return Fail(letter.error());

    WriteBatch b;
    b.mandates.push_back({m, 0});
    b.codes.push_back(
        {MakeActivationCode(I.cfg.code_key, m.id, code, StartOfAmsterdamDay(m.lapse_on)),
         /*expected=*/std::nullopt});
    b.events.push_back({m.id.str(), t->event});
    // Without any known address the letter is still made, and the gap is logged as an event.
    if (AddressLinesOf(*principal).empty()) {
      b.events.push_back({m.id.str(), DomainEvent{EventKind::kLetterNoAddress, "system", Channel::kSystem,
                                                  R"({"kind":"ACTIVATION_CODE"})"}});
    }
    b.letters.push_back(std::move(*letter));
    return I.CommitAndAnswer(c, std::move(b), a, m, people, *cat);
  });
}

// ----- Provider / counter kinds -----

Result<WriteResult> MandateService::CreateDirect(const Caller& c, const DirectRequest& r) {
  Impl& I = *impl_;
  if (auto ok = Authorize(c, Action::kCreateDirect, *I.views->Cat()); !ok) return Fail(ok.error());
  return I.Retry([&](Impl::Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    NewMandate req;
    req.kind = MandateKind::kDirect;
    req.principal = r.principal;
    req.evidence = r.evidence;
    std::optional<Oin> provider;
    if (c.kind == Caller::Kind::kClerk) {
      if (auto ok = MayUseCounter(c, *cat); !ok) return Fail(ok.error());
      if (!r.evidence) {
        return Param(ErrorCode::kInvalidArgument, "evidence", "bewijs.ontbreekt",
                     "Leg vast welk identiteitsbewijs aan de balie is gecontroleerd");
      }
      req.evidence->clerk = c.clerk_id;
      req.initiator = Initiator::kProvider;
      provider = c.provider;
    } else {  // the citizen, in person or through the provider's site
      if (auto ok = MayActFor(c, r.principal); !ok) return Fail(ok.error());
      req.initiator = Initiator::kPrincipal;
      if (c.kind == Caller::Kind::kProviderForCitizen) {
        provider = c.provider;
      } else {
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
      }
    }
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, std::nullopt, *cat);
    if (!services) return Fail(services.error());
    if (!provider) {
      return Param(ErrorCode::kInvalidArgument, "services", "diensten.leeg",
                   "Kies ten minste één dienst");
    }
    if (c.kind == Caller::Kind::kClerk) {
      for (const Service& s : *services) {
        if (auto ok = ServiceOfCaller(c, s.id, *cat); !ok) return Fail(ok.error());
      }
    }
    req.provider = provider;
    req.agent = Party::Provider(*provider);
    req.services = Ids(*services);
    req.start = r.start.value_or(a.today);
    req.end = r.end;

    Impl::People people(I.registry);
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
      if (auto ok = AddActivationLetter(t->mandate, /*to_principal=*/true, *cat, people, a, &b);
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
  if (auto ok = Authorize(c, Action::kCreateSurvivor, *I.views->Cat()); !ok)
    return Fail(ok.error());
  return I.Retry([&](Impl::Attempt& a) -> Result<WriteResult> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    if (auto ok = MayUseCounter(c, *cat); !ok) return Fail(ok.error());
    Result<std::vector<Service>> services = I.ResolveServices(c, r.services, std::nullopt, *cat);
    if (!services) return Fail(services.error());
    for (const Service& s : *services) {
      if (auto ok = ServiceOfCaller(c, s.id, *cat); !ok) return Fail(ok.error());
    }
    NewMandate req;
    req.kind = MandateKind::kSurvivor;
    req.initiator = Initiator::kProvider;
    req.principal = r.deceased;
    req.agent = r.survivor;
    req.provider = c.provider;
    req.services = Ids(*services);
    req.start = r.start.value_or(a.today);
    req.end = r.end;
    req.evidence = r.evidence;
    req.evidence->clerk = c.clerk_id;

    Impl::People people(I.registry);
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
    if (auto ok = AddActivationLetter(t->mandate, /*to_principal=*/false, *cat, people, a, &b);
        !ok) {
      return Fail(ok.error());
    }
    b.mandates.push_back({t->mandate, 0});
    b.events.push_back({t->mandate.id.str(), t->event});
    return I.CommitAndAnswer(c, std::move(b), a, t->mandate, people, *cat);
  });
}

}  // namespace volmacht
