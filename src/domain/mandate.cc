#include "domain/mandate.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace volmacht {
namespace {

using nlohmann::json;

// ----- Names -----

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
  for (const auto& [e, name] : table) {
    if (e == v) return name;
  }
  return "";
}

template <typename E, size_t N>
Result<E> ParseName(const std::array<std::pair<E, std::string_view>, N>& table,
                    std::string_view s, std::string_view field, std::string_view what) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  std::string reason = "Onbekende waarde voor " + std::string(what);
  return Fail(Error::Invalid(reason, {{std::string(field), std::string(field) + ".onbekend",
                                       reason}}));
}

constexpr std::array<std::pair<MandateKind, std::string_view>, 3> kKinds{{
    {MandateKind::kVoluntary, "VOLUNTARY"},
    {MandateKind::kDirect, "DIRECT"},
    {MandateKind::kSurvivor, "SURVIVOR"},
}};
constexpr std::array<std::pair<MandateState, std::string_view>, 7> kStates{{
    {MandateState::kRequested, "REQUESTED"},
    {MandateState::kActive, "ACTIVE"},
    {MandateState::kLapsed, "LAPSED"},
    {MandateState::kWithdrawn, "WITHDRAWN"},
    {MandateState::kRejected, "REJECTED"},
    {MandateState::kExpired, "EXPIRED"},
    {MandateState::kRevoked, "REVOKED"},
}};
constexpr std::array<std::pair<Initiator, std::string_view>, 3> kInitiators{{
    {Initiator::kPrincipal, "PRINCIPAL"},
    {Initiator::kAgent, "AGENT"},
    {Initiator::kProvider, "PROVIDER"},
}};
constexpr std::array<std::pair<Channel, std::string_view>, 8> kChannels{{
    {Channel::kApi, "API"},
    {Channel::kWeb, "WEB"},
    {Channel::kSoap, "SOAP"},
    {Channel::kCounter, "COUNTER"},
    {Channel::kSaml, "SAML"},
    {Channel::kOidc, "OIDC"},
    {Channel::kSystem, "SYSTEM"},
    {Channel::kAdmin, "ADMIN"},
}};
constexpr std::array<std::pair<EventKind, std::string_view>, 15> kEventKinds{{
    {EventKind::kRequested, "REQUESTED"},
    {EventKind::kActivated, "ACTIVATED"},
    {EventKind::kApproved, "APPROVED"},
    {EventKind::kRejected, "REJECTED"},
    {EventKind::kWithdrawn, "WITHDRAWN"},
    {EventKind::kRevoked, "REVOKED"},
    {EventKind::kRestricted, "RESTRICTED"},
    {EventKind::kLapsed, "LAPSED"},
    {EventKind::kExpired, "EXPIRED"},
    {EventKind::kCodeFailed, "CODE_FAILED"},
    {EventKind::kCodeLocked, "CODE_LOCKED"},
    {EventKind::kLetterNoAddress, "LETTER_NO_ADDRESS"},
    {EventKind::kProviderSaved, "PROVIDER_SAVED"},
    {EventKind::kServiceSaved, "SERVICE_SAVED"},
    {EventKind::kServiceSetSaved, "SERVICE_SET_SAVED"},
}};
constexpr std::array<std::pair<EndReason, std::string_view>, 5> kEndReasons{{
    {EndReason::kNone, "NONE"},
    {EndReason::kByPrincipal, "BY_PRINCIPAL"},
    {EndReason::kByAgent, "BY_AGENT"},
    {EndReason::kByProvider, "BY_PROVIDER"},
    {EndReason::kDeceased, "DECEASED"},
}};

// ----- Dates -----


enum class Age { kAdult, kMinor, kUnknown };

// Adult only when surely so: with parts of the birth date unknown, the latest date
// consistent with them must be at least 18 years ago.
Age AgeOn(const PartialDate& birth, Date today) {
  std::optional<Date> latest = birth.Latest();
  if (!latest) return Age::kUnknown;
  return AddYears(*latest, kAdultAge) <= today ? Age::kAdult : Age::kMinor;
}

// ----- Errors -----

std::unexpected<Error> Invalid(std::string name, std::string code, std::string reason) {
  return Fail(Error::Invalid(reason, {{std::move(name), std::move(code), reason}}));
}

std::unexpected<Error> Rule(std::string name, std::string code, std::string reason) {
  return Fail(Error::Rule(reason, {{std::move(name), std::move(code), reason}}));
}

std::unexpected<Error> WrongState(const Mandate& m, Date today) {
  return Fail(Error::Conflict("Dit kan niet bij een machtiging met status " +
                              std::string(StateName(EffectiveState(m, today)))));
}

// ----- Details -----

json ServicesJson(const std::vector<Uuid>& services) {
  json a = json::array();
  for (const Uuid& u : services) a.push_back(u.str());
  return a;
}

Transition Next(const Mandate& m, MandateState state, Timestamp now, EventKind kind,
                const std::string& actor, Channel ch, const json& detail) {
  Transition t{m, DomainEvent{kind, actor, ch, detail.dump()}};
  t.mandate.state = state;
  t.mandate.changed = now;
  t.mandate.version = m.version + 1;
  return t;
}

bool AgentTypeAllows(AgentType t, const Party& agent) {
  switch (t) {
    case AgentType::kCitizen: return agent.kind == PartyKind::kPerson;
    case AgentType::kOrganisation:
      return agent.kind == PartyKind::kKvk || agent.kind == PartyKind::kRsin;
    case AgentType::kBoth: return agent.kind != PartyKind::kOin;
    case AgentType::kNone: return false;
  }
  return false;
}

// Guards against a use case passing the facts of someone else: a programming error, but
// one that would silently apply the wrong person's age or death.
bool SamePerson(const Person& p, std::string_view bsn) { return p.bsn.str() == bsn; }

// Checks that an agent person may act: alive, surely adult, and the birth date the
// principal gave (flow A) matches the register.
Result<void> CheckAgentPerson(const Person& p, const std::optional<Date>& given_birth,
                              Date today) {
  if (p.deceased) return Rule("agent", "agent.overleden", "De gemachtigde is overleden");
  switch (AgeOn(p.birth, today)) {
    case Age::kAdult: break;
    case Age::kMinor:
      return Rule("agent", "agent.minderjarig", "De gemachtigde is jonger dan 18 jaar");
    case Age::kUnknown:
      return Rule("agent", "agent.geboortedatum.onbekend",
                  "De geboortedatum van de gemachtigde is onbekend; meerderjarigheid is niet "
                  "vast te stellen");
  }
  if (given_birth && !p.birth.Matches(*given_birth)) {
    return Rule("agent", "agent.geboortedatum.onjuist",
                "De opgegeven geboortedatum van de gemachtigde klopt niet");
  }
  return {};
}

// Principal of a VOLUNTARY or DIRECT mandate: alive, surely adult, not under curatele.
Result<void> CheckLivingPrincipal(const Person& p, Date today) {
  if (p.deceased) {
    return Rule("principal", "principal.overleden", "De vertegenwoordigde is overleden");
  }
  switch (AgeOn(p.birth, today)) {
    case Age::kAdult: break;
    case Age::kMinor:
      return Rule("principal", "principal.minderjarig",
                  "De vertegenwoordigde is jonger dan 18 jaar");
    case Age::kUnknown:
      return Rule("principal", "principal.geboortedatum.onbekend",
                  "De geboortedatum van de vertegenwoordigde is onbekend; meerderjarigheid is "
                  "niet vast te stellen");
  }
  if (p.under_curatele) {
    return Rule("principal", "principal.curatele", "De vertegenwoordigde staat onder curatele");
  }
  return {};
}

constexpr size_t kMaxServicesPerMandate = 500;

// A provider (OIN) is never the agent of a VOLUNTARY mandate: it can neither be named when the
// request is made nor activate one (a DIRECT mandate is the kind for that).
Result<void> CheckVoluntaryAgentKind(const Party& agent) {
  if (agent.kind == PartyKind::kOin) {
    return Invalid("agent", "agent.soort",
                   "Een dienstaanbieder kan geen gemachtigde zijn van een vrijwillige machtiging");
  }
  return {};
}

// Shape of the request per kind (kInvalidArgument): who may initiate, whether an agent and
// a provider are needed, and evidence for what a clerk registers.
Result<void> CheckShape(const NewMandate& req) {
  switch (req.kind) {
    case MandateKind::kVoluntary:
      if (req.initiator == Initiator::kProvider) {
        return Invalid("initiator", "initiator.ongeldig",
                       "Een vrijwillige machtiging begint bij de vertegenwoordigde of de "
                       "gemachtigde");
      }
      if (!req.agent && req.initiator != Initiator::kPrincipal) {
        return Invalid("agent", "agent.ontbreekt", "Geef de gemachtigde op");
      }
      if (req.agent) return CheckVoluntaryAgentKind(*req.agent);
      return {};
    case MandateKind::kDirect:
      if (!req.provider) {
        return Invalid("provider", "provider.ontbreekt", "Geef de dienstaanbieder op");
      }
      if (req.initiator == Initiator::kAgent) {
        return Invalid("initiator", "initiator.ongeldig",
                       "Een direct ingaande machtiging begint bij de vertegenwoordigde of de "
                       "dienstaanbieder");
      }
      if (!req.agent || *req.agent != Party::Provider(*req.provider)) {
        return Invalid("agent", "agent.niet.aanbieder",
                       "Bij een direct ingaande machtiging is de dienstaanbieder de "
                       "gemachtigde");
      }
      if (req.initiator == Initiator::kProvider && !req.evidence) {
        return Invalid("evidence", "bewijs.ontbreekt",
                       "Leg vast welk identiteitsbewijs aan de balie is gecontroleerd");
      }
      return {};
    case MandateKind::kSurvivor:
      if (!req.provider) {
        return Invalid("provider", "provider.ontbreekt", "Geef de dienstaanbieder op");
      }
      if (req.initiator != Initiator::kProvider) {
        return Invalid("initiator", "initiator.ongeldig",
                       "Een nabestaandenmachtiging wordt door de dienstaanbieder geregistreerd");
      }
      if (!req.agent) return Invalid("agent", "agent.ontbreekt", "Geef de nabestaande op");
      if (req.agent->kind == PartyKind::kOin) {
        return Invalid("agent", "agent.soort",
                       "De nabestaande is een persoon of een organisatie (KvK of RSIN)");
      }
      if (!req.evidence) {
        return Invalid("evidence", "bewijs.ontbreekt",
                       "Leg de verklaring van erfrecht of executele vast");
      }
      return {};
  }
  return Invalid("kind", "kind.onbekend", "Onbekende soort machtiging");
}

// Rules about the chosen services (kRuleViolation), given the catalogue entries.
Result<void> CheckServices(const NewMandate& req, const std::vector<const Service*>& cat,
                           Date today) {
  for (const Service* s : cat) {
    if (s->agent_type == AgentType::kNone) {
      return Rule("services", "dienst.niet.machtigbaar", "Deze dienst is niet machtigbaar");
    }
    if (!s->ActiveOn(today)) {
      return Rule("services", "dienst.inactief", "Deze dienst is (nu) niet beschikbaar");
    }
    if (req.kind != MandateKind::kVoluntary && s->provider != *req.provider) {
      return Rule("services", "dienst.andere.aanbieder",
                  "Alle diensten moeten van de dienstaanbieder zelf zijn");
    }
    if (req.kind == MandateKind::kDirect && !s->counter_direct_allowed) {
      return Rule("services", "dienst.niet.direct",
                  "Deze dienst staat geen direct ingaande machtiging toe");
    }
    if (req.kind == MandateKind::kSurvivor && !s->survivor_allowed) {
      return Rule("services", "dienst.niet.nabestaande",
                  "Deze dienst staat geen nabestaandenmachtiging toe");
    }
    if (req.kind != MandateKind::kDirect && req.agent &&
        !AgentTypeAllows(s->agent_type, *req.agent)) {
      return Rule("agent", "dienst.agenttype",
                  req.agent->IsPerson()
                      ? "Voor deze dienst kan alleen een organisatie worden gemachtigd"
                      : "Voor deze dienst kan alleen een persoon worden gemachtigd");
    }
  }
  // Without a named agent the activator is checked only by the use case; refuse a choice
  // of services that no single agent could ever accept.
  if (!req.agent) {
    const Party person{PartyKind::kPerson, ""};
    const Party org{PartyKind::kKvk, ""};
    bool person_ok = true;
    bool org_ok = true;
    for (const Service* s : cat) {
      person_ok = person_ok && AgentTypeAllows(s->agent_type, person);
      org_ok = org_ok && AgentTypeAllows(s->agent_type, org);
    }
    if (!person_ok && !org_ok) {
      return Rule("services", "diensten.agenttype.conflict",
                  "Deze diensten kunnen niet aan dezelfde gemachtigde worden gegeven");
    }
  }
  return {};
}

}  // namespace

std::string_view KindName(MandateKind k) { return NameOf(kKinds, k); }
std::string_view StateName(MandateState s) { return NameOf(kStates, s); }
std::string_view InitiatorName(Initiator i) { return NameOf(kInitiators, i); }
std::string_view ChannelName(Channel c) { return NameOf(kChannels, c); }
std::string_view EventKindName(EventKind k) { return NameOf(kEventKinds, k); }
std::string_view EndReasonName(EndReason r) { return NameOf(kEndReasons, r); }
Result<MandateKind> ParseKind(std::string_view s) {
  return ParseName(kKinds, s, "kind", "soort machtiging");
}
Result<MandateState> ParseState(std::string_view s) {
  return ParseName(kStates, s, "state", "status");
}
Result<Initiator> ParseInitiator(std::string_view s) {
  return ParseName(kInitiators, s, "initiator", "initiatiefnemer");
}
Result<Channel> ParseChannel(std::string_view s) {
  return ParseName(kChannels, s, "channel", "kanaal");
}
Result<EventKind> ParseEventKind(std::string_view s) {
  return ParseName(kEventKinds, s, "event", "gebeurtenis");
}
Result<EndReason> ParseEndReason(std::string_view s) {
  return ParseName(kEndReasons, s, "reason", "reden");
}

bool IsTerminal(MandateState s) {
  return s != MandateState::kRequested && s != MandateState::kActive;
}

MandateState EffectiveState(const Mandate& m, Date today) {
  if (m.state == MandateState::kRequested && today >= m.lapse_on) return MandateState::kLapsed;
  if (m.state == MandateState::kActive && today > m.end) return MandateState::kExpired;
  return m.state;
}

bool InForce(const Mandate& m, Date today) {
  return m.state == MandateState::kActive && m.agent && m.start <= today && today <= m.end;
}

// ----- Creation -----

Result<Transition> CreateMandate(const NewMandate& req, const CreationFacts& f, const Uuid& id,
                                 const std::string& actor, Channel channel) {
  // 1. The request itself (kInvalidArgument).
  if (req.services.empty()) {
    return Invalid("services", "diensten.leeg", "Kies ten minste één dienst");
  }
  if (req.services.size() > kMaxServicesPerMandate) {
    return Invalid("services", "diensten.teveel", "Te veel diensten in één machtiging");
  }
  std::vector<Uuid> services = req.services;
  std::sort(services.begin(), services.end());
  services.erase(std::unique(services.begin(), services.end()), services.end());
  std::vector<const Service*> cat;
  for (const Uuid& u : services) {
    auto it = std::find_if(f.services.begin(), f.services.end(),
                           [&](const Service& s) { return s.id == u; });
    if (it == f.services.end()) return Invalid("services", "dienst.onbekend", "Onbekende dienst");
    cat.push_back(&*it);
  }
  if (!req.start.ok()) return Invalid("start", "startdatum.ongeldig", "Ongeldige startdatum");
  if (!req.end.ok()) return Invalid("end", "einddatum.ongeldig", "Ongeldige einddatum");
  if (req.start < f.today) {
    return Invalid("start", "startdatum.verleden", "De startdatum ligt in het verleden");
  }
  if (req.end < req.start) {
    return Invalid("end", "einddatum.voor.start", "De einddatum ligt voor de startdatum");
  }
  if (auto shape = CheckShape(req); !shape) return Fail(shape.error());

  int max_years = std::numeric_limits<int>::max();
  int validity_days = std::numeric_limits<int>::max();
  for (const Service* s : cat) {
    max_years = std::min(max_years, s->max_mandate_years);
    validity_days = std::min(validity_days, s->request_validity_days);
  }
  if (max_years < 1 || validity_days < 1) {
    return Fail(Error::Internal("Dienstencatalogus bevat een ongeldige termijn"));
  }

  // 2. The register.
  if (!f.principal) {
    return Fail(Error::NotFound("De vertegenwoordigde is niet gevonden in de BRP"));
  }
  if (!SamePerson(*f.principal, req.principal.str())) {
    return Fail(Error::Internal("Registergegevens horen niet bij de vertegenwoordigde"));
  }
  const bool agent_is_person = req.agent && req.agent->IsPerson();
  if (f.agent_person && (!agent_is_person || !SamePerson(*f.agent_person, req.agent->id))) {
    return Fail(Error::Internal("Registergegevens horen niet bij de gemachtigde"));
  }

  // 3. The rules (kRuleViolation).
  if (agent_is_person && req.agent->id == req.principal.str()) {
    return Rule("agent", "agent.is.principal",
                "De gemachtigde kan niet dezelfde persoon zijn als de vertegenwoordigde");
  }
  if (auto s = CheckServices(req, cat, f.today); !s) return Fail(s.error());
  if (req.end > AddYears(req.start, max_years)) {
    return Rule("end", "einddatum.te.laat",
                "De einddatum ligt meer dan " + std::to_string(max_years) +
                    " jaar na de startdatum");
  }
  if (req.kind == MandateKind::kSurvivor) {
    if (!f.principal->deceased) {
      return Rule("principal", "principal.niet.overleden",
                  "Volgens de BRP is de vertegenwoordigde niet overleden");
    }
  } else if (auto p = CheckLivingPrincipal(*f.principal, f.today); !p) {
    return Fail(p.error());
  }
  if (f.agent_person) {
    if (auto a = CheckAgentPerson(*f.agent_person, req.agent_birth, f.today); !a) {
      return Fail(a.error());
    }
  }
  if (auto d = CheckNotDuplicate(f.duplicate_active); !d) return Fail(d.error());
  if (req.kind == MandateKind::kVoluntary && f.open_requests_of_initiator >= kMaxOpenRequests) {
    return Rule("services", "verzoeken.maximum",
                "U heeft al " + std::to_string(kMaxOpenRequests) + " openstaande verzoeken");
  }
  if (req.kind == MandateKind::kSurvivor && f.active_survivor_mandates_for_provider > 0) {
    return Rule("principal", "nabestaande.bestaat",
                "Er is al een actieve nabestaandenmachtiging bij deze dienstaanbieder");
  }

  // 4. The mandate.
  Mandate m;
  m.id = id;
  m.kind = req.kind;
  m.principal = req.principal;
  m.agent = req.agent;
  m.agent_birth = req.agent_birth;
  // A VOLUNTARY mandate belongs to no provider; its services may span several.
  if (req.kind != MandateKind::kVoluntary) m.provider = req.provider;
  m.services = services;
  m.start = req.start;
  m.end = req.end;
  m.initiator = req.initiator;
  m.evidence = req.evidence;
  m.created = f.now;
  m.changed = f.now;
  m.version = 1;
  json detail = {{"kind", KindName(req.kind)},
                 {"initiator", InitiatorName(req.initiator)},
                 {"services", ServicesJson(services)},
                 {"start", FormatIsoDate(req.start)},
                 {"end", FormatIsoDate(req.end)}};
  if (req.agent) detail["agent_kind"] = req.agent->KindName();
  EventKind kind;
  if (req.kind == MandateKind::kVoluntary) {
    m.state = MandateState::kRequested;
    m.lapse_on = AddDays(f.today, validity_days);
    detail["lapse_on"] = FormatIsoDate(m.lapse_on);
    kind = EventKind::kRequested;
  } else {
    m.state = MandateState::kActive;
    m.lapse_on = f.today;  // never consulted outside REQUESTED
    kind = EventKind::kActivated;
  }
  return Transition{std::move(m), DomainEvent{kind, actor, channel, detail.dump()}};
}

// ----- Transitions -----

namespace {

// REQUESTED -> ACTIVE is pointless once the end date has passed; the request will lapse.
Result<void> CheckCanBecomeActive(const Mandate& m, Date today) {
  if (EffectiveState(m, today) != MandateState::kRequested) return WrongState(m, today);
  if (today > m.end) {
    return Fail(Error::Conflict("De einddatum van deze machtiging is al verstreken"));
  }
  return {};
}

json ActiveDetail(const Mandate& m) {
  return {{"services", ServicesJson(m.services)},
          {"start", FormatIsoDate(m.start)},
          {"end", FormatIsoDate(m.end)}};
}

}  // namespace

Result<void> CheckActivator(const Mandate& m, const Party& agent,
                            const std::optional<Person>& person,
                            const std::vector<Service>& services, Date today) {
  if (m.agent) return {};  // named, and checked when the request was made
  if (agent.IsPerson()) {
    if (!person || !SamePerson(*person, agent.id)) {
      return Rule("agent", "agent.onbekend", "De gemachtigde staat niet in de basisregistratie");
    }
    if (auto ok = CheckAgentPerson(*person, std::nullopt, today); !ok) return ok;
  }
  for (const Service& s : services) {
    if (!AgentTypeAllows(s.agent_type, agent)) {
      return Rule("agent", "dienst.agenttype",
                  agent.IsPerson() ? "Voor deze dienst kan alleen een organisatie worden gemachtigd"
                                   : "Voor deze dienst kan alleen een persoon worden gemachtigd");
    }
  }
  return {};
}

Result<void> CheckNotDuplicate(bool duplicate_active) {
  if (duplicate_active) {
    return Rule("services", "machtiging.dubbel",
                "Er is al een actieve machtiging voor deze personen en deze dienst");
  }
  return {};
}

Result<Transition> Activate(const Mandate& m, const Party& agent, Date today, Timestamp now,
                            const std::string& actor, Channel ch) {
  if (auto ok = CheckCanBecomeActive(m, today); !ok) return Fail(ok.error());
  if (m.agent) {
    if (*m.agent != agent) {
      return Fail(Error::Forbidden("Alleen de genoemde gemachtigde kan deze machtiging activeren"));
    }
  } else {
    if (auto ok = CheckVoluntaryAgentKind(agent); !ok) return Fail(ok.error());
    if (agent.IsPerson() && agent.id == m.principal.str()) {
      return Rule("agent", "agent.is.principal",
                  "De gemachtigde kan niet dezelfde persoon zijn als de vertegenwoordigde");
    }
  }
  json detail = ActiveDetail(m);
  detail["agent_kind"] = agent.KindName();
  Transition t = Next(m, MandateState::kActive, now, EventKind::kActivated, actor, ch, detail);
  t.mandate.agent = agent;
  return t;
}

Result<Transition> Approve(const Mandate& m, Date today, Timestamp now, const std::string& actor,
                           Channel ch) {
  if (auto ok = CheckCanBecomeActive(m, today); !ok) return Fail(ok.error());
  if (!m.agent) {
    return Fail(Error::Conflict("Deze machtiging heeft nog geen gemachtigde; die activeert zelf"));
  }
  return Next(m, MandateState::kActive, now, EventKind::kApproved, actor, ch, ActiveDetail(m));
}

Result<Transition> Reject(const Mandate& m, Date today, Timestamp now, const std::string& actor,
                          Channel ch) {
  if (EffectiveState(m, today) != MandateState::kRequested) return WrongState(m, today);
  return Next(m, MandateState::kRejected, now, EventKind::kRejected, actor, ch, json::object());
}

Result<Transition> Withdraw(const Mandate& m, Date today, Timestamp now, const std::string& actor,
                            Channel ch) {
  if (EffectiveState(m, today) != MandateState::kRequested) return WrongState(m, today);
  return Next(m, MandateState::kWithdrawn, now, EventKind::kWithdrawn, actor, ch, json::object());
}

Result<Transition> Revoke(const Mandate& m, EndReason why, Date today, Timestamp now,
                          const std::string& actor, Channel ch) {
  if (why == EndReason::kNone) {
    return Invalid("reason", "reden.ontbreekt", "Geef de reden van intrekken op");
  }
  if (EffectiveState(m, today) != MandateState::kActive) return WrongState(m, today);
  if (why == EndReason::kByProvider && m.kind == MandateKind::kVoluntary) {
    return Rule("reason", "intrekken.aanbieder",
                "Een dienstaanbieder kan een vrijwillige machtiging niet intrekken");
  }
  Transition t = Next(m, MandateState::kRevoked, now, EventKind::kRevoked, actor, ch,
                      json{{"reason", EndReasonName(why)}});
  t.mandate.end_reason = why;
  return t;
}

Result<Transition> Restrict(const Mandate& m, std::vector<Uuid> services, Date end, Date today,
                            Timestamp now, const std::string& actor, Channel ch) {
  if (EffectiveState(m, today) != MandateState::kActive) return WrongState(m, today);
  if (services.empty()) {
    return Invalid("services", "diensten.leeg", "Houd ten minste één dienst over");
  }
  if (!end.ok()) return Invalid("end", "einddatum.ongeldig", "Ongeldige einddatum");
  std::sort(services.begin(), services.end());
  services.erase(std::unique(services.begin(), services.end()), services.end());
  if (!std::includes(m.services.begin(), m.services.end(), services.begin(), services.end())) {
    return Rule("services", "beperken.diensten.uitbreiding",
                "Beperken kan alleen tot diensten die al in de machtiging staan");
  }
  if (end > m.end) {
    return Rule("end", "beperken.einddatum.later",
                "Beperken kan de einddatum alleen vervroegen");
  }
  if (end < today) {
    return Invalid("end", "einddatum.verleden", "De einddatum ligt in het verleden");
  }
  if (end < m.start) {
    return Invalid("end", "einddatum.voor.start", "De einddatum ligt voor de startdatum");
  }
  if (services == m.services && end == m.end) {
    // An event that says RESTRICTED while nothing changed would mislead the audit trail.
    return Invalid("services", "beperken.geen.wijziging", "Er is niets beperkt");
  }
  json detail = {{"services", ServicesJson(services)},
                 {"end", FormatIsoDate(end)},
                 {"previous_end", FormatIsoDate(m.end)}};
  Transition t = Next(m, MandateState::kActive, now, EventKind::kRestricted, actor, ch, detail);
  t.mandate.services = std::move(services);
  t.mandate.end = end;
  return t;
}

std::optional<Transition> ApplyTime(const Mandate& m, Date today, Timestamp now) {
  MandateState effective = EffectiveState(m, today);
  if (effective == m.state) return std::nullopt;
  if (effective == MandateState::kLapsed) {
    return Next(m, effective, now, EventKind::kLapsed, "system", Channel::kSystem,
                json{{"lapse_on", FormatIsoDate(m.lapse_on)}});
  }
  return Next(m, effective, now, EventKind::kExpired, "system", Channel::kSystem,
              json{{"end", FormatIsoDate(m.end)}});
}

std::optional<Transition> ApplyDeath(const Mandate& m, bool principal_deceased,
                                     bool agent_deceased, Date today, Timestamp now) {
  // A survivors' mandate exists because the principal died; it outlives that fact.
  if (m.kind == MandateKind::kSurvivor) return std::nullopt;
  MandateState effective = EffectiveState(m, today);
  if (effective != MandateState::kActive && effective != MandateState::kRequested) {
    return std::nullopt;
  }
  // Only a person can die; the flag means nothing for an organisation or provider agent.
  agent_deceased = agent_deceased && m.agent && m.agent->IsPerson();
  if (!principal_deceased && !agent_deceased) return std::nullopt;
  json who = json::array();
  if (principal_deceased) who.push_back("principal");
  if (agent_deceased) who.push_back("agent");
  Transition t = Next(m, MandateState::kRevoked, now, EventKind::kRevoked, "system", Channel::kSystem,
                      json{{"reason", EndReasonName(EndReason::kDeceased)}, {"deceased", who}});
  t.mandate.end_reason = EndReason::kDeceased;
  return t;
}

}  // namespace volmacht
