// The policy table and the named rules of authorization.h. The texts of the kForbidden
// answers are Dutch because adapters may show them to the user.
#include "service/authorization.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace volmacht {
namespace {

// What an allowed kind must carry for the action, else the row's kForbidden answer.
enum class Needs {
  kNothing,
  kCitizenBsn,   // kCitizen, kProviderForCitizen: the citizen's BSN
  kProviderOin,  // kProviderForCitizen, kProvider, kClerk: the provider's OIN
};

// The column of each caller kind in the table. Adding a kind to Caller::Kind makes the
// compiler flag this switch (-Wswitch); see the table below for the rest.
constexpr size_t Column(Caller::Kind k) {
  switch (k) {
    case Caller::Kind::kCitizen:
      return 0;
    case Caller::Kind::kProviderForCitizen:
      return 1;
    case Caller::Kind::kProvider:
      return 2;
    case Caller::Kind::kClerk:
      return 3;
    case Caller::Kind::kAdmin:
      return 4;
    case Caller::Kind::kSystem:
      return 5;
  }
  return 5;
}
constexpr size_t kKinds = 6;

struct Row {
  Action action;
  std::array<Rule, kKinds> by_kind;
  Needs needs;
  const char* denied;  // the kForbidden answer
};

constexpr Rule A = Rule::kAllow;
constexpr Rule D = Rule::kDeny;
constexpr Rule H = Rule::kHide;

// One row per Action, in the order of the enum. To add a caller kind (say a provider's
// administrator, an operator, a clerk with other rights): add it to Caller::Kind and
// Column() above, then give it a cell in every row here. A row left short denies the new
// kind (kDeny is the zero value), so forgetting one fails closed; authorization_test.cc
// lists the expected answer of every cell and must be extended too.
//
// Actions on one mandate are kAllow for every kind that can see some mandate: whether the
// caller may act on THIS mandate is CanSee (else kNotFound) and then the named rule (else
// kForbidden), so that a mandate the caller may not see cannot be told from a missing one.
//
// clang-format off
//                                 Citizen ProvCit Provider Clerk Admin System
constexpr Row kPolicy[] = {
    {Action::kPutCatalogue,        {D,      D,      D,       D,    A,    D}, Needs::kNothing,
     "Alleen voor beheerders"},
    {Action::kGrant,               {A,      A,      D,       D,    D,    D}, Needs::kCitizenBsn,
     "Alleen een burger kan een machtiging geven"},
    {Action::kAsk,                 {A,      A,      D,       D,    D,    D}, Needs::kCitizenBsn,
     "Alleen een burger kan om een machtiging vragen"},
    {Action::kActivate,            {A,      A,      D,       D,    D,    D}, Needs::kCitizenBsn,
     "Alleen een burger kan een machtiging activeren"},
    {Action::kApprove,             {A,      A,      A,       A,    H,    H}, Needs::kNothing, ""},
    {Action::kDecline,             {A,      A,      A,       A,    H,    H}, Needs::kNothing, ""},
    {Action::kWithdraw,            {A,      A,      A,       A,    H,    H}, Needs::kNothing, ""},
    {Action::kRevoke,              {A,      A,      A,       A,    H,    H}, Needs::kNothing, ""},
    {Action::kRestrict,            {A,      A,      A,       A,    H,    H}, Needs::kNothing, ""},
    // A provider's own system registers no DIRECT mandate: the citizen or a clerk does.
    {Action::kCreateDirect,        {A,      A,      D,       A,    D,    D}, Needs::kNothing,
     "U kunt geen direct ingaande machtiging registreren"},
    {Action::kCreateSurvivor,      {D,      D,      D,       A,    D,    D}, Needs::kNothing,
     "Een nabestaandenmachtiging registreert een baliemedewerker"},
    {Action::kListOwn,             {A,      A,      D,       D,    D,    D}, Needs::kCitizenBsn,
     "Alleen een burger heeft een eigen overzicht"},
    {Action::kListByPrincipal,     {A,      A,      A,       A,    D,    D}, Needs::kCitizenBsn,
     "U kunt de machtigingen van deze persoon niet inzien"},
    {Action::kReadMandate,         {A,      A,      A,       A,    H,    H}, Needs::kNothing, ""},
    {Action::kVerify,              {D,      A,      A,       D,    D,    D}, Needs::kProviderOin,
     "Alleen dienstaanbieders kunnen machtigingen controleren"},
    // The provider's system asks for a login (SAML or OIDC); the person comes later.
    {Action::kLogin,               {D,      D,      A,       D,    D,    D}, Needs::kProviderOin,
     "Alleen een dienstaanbieder kan om een inlog vragen"},
    {Action::kReadOutbox,          {D,      D,      D,       D,    A,    D}, Needs::kNothing,
     "Alleen voor beheerders"},
};
// clang-format on

constexpr bool RowsInEnumOrder() {
  if (std::size(kPolicy) != std::size(kAllActions)) return false;
  for (size_t i = 0; i < std::size(kPolicy); ++i) {
    if (kPolicy[i].action != kAllActions[i] || static_cast<size_t>(kAllActions[i]) != i) {
      return false;
    }
  }
  return true;
}
static_assert(RowsInEnumOrder(), "kPolicy needs exactly one row per Action, in enum order");

const Row& RowOf(Action a) { return kPolicy[static_cast<size_t>(a)]; }

bool ActsForCitizen(Caller::Kind k) {
  return k == Caller::Kind::kCitizen || k == Caller::Kind::kProviderForCitizen;
}
bool ActsForProvider(Caller::Kind k) {
  return k == Caller::Kind::kProviderForCitizen || k == Caller::Kind::kProvider ||
         k == Caller::Kind::kClerk;
}

Error NotOurService() { return Error::Forbidden("Deze dienst hoort niet bij uw organisatie"); }

bool TouchesOwnService(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat) {
  return std::any_of(m.services.begin(), m.services.end(),
                     [&](const Uuid& s) { return OwnsService(c, s, cat); });
}

// The caller's provider when it is in the catalogue and active, else nullptr: the one place
// that says what an active provider is.
const Provider* ActiveProvider(const Caller& c, const CatalogueSnapshot& cat) {
  const Provider* p = c.provider ? cat.FindProvider(*c.provider) : nullptr;
  return p != nullptr && p->active ? p : nullptr;
}

Error NotActive() {
  return Error::Forbidden("Uw organisatie is geen actieve aangesloten dienstaanbieder")
      .Because("provider.not_active");
}

bool CounterProvider(const Caller& c, const CatalogueSnapshot& cat) {
  const Provider* p = ActiveProvider(c, cat);
  return p && p->counter_addendum;
}

}  // namespace

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kPutCatalogue:
      return "PUT_CATALOGUE";
    case Action::kGrant:
      return "GRANT";
    case Action::kAsk:
      return "ASK";
    case Action::kActivate:
      return "ACTIVATE";
    case Action::kApprove:
      return "APPROVE";
    case Action::kDecline:
      return "DECLINE";
    case Action::kWithdraw:
      return "WITHDRAW";
    case Action::kRevoke:
      return "REVOKE";
    case Action::kRestrict:
      return "RESTRICT";
    case Action::kCreateDirect:
      return "CREATE_DIRECT";
    case Action::kCreateSurvivor:
      return "CREATE_SURVIVOR";
    case Action::kListOwn:
      return "LIST_OWN";
    case Action::kListByPrincipal:
      return "LIST_BY_PRINCIPAL";
    case Action::kReadMandate:
      return "READ_MANDATE";
    case Action::kVerify:
      return "VERIFY";
    case Action::kLogin:
      return "LOGIN";
    case Action::kReadOutbox:
      return "READ_OUTBOX";
  }
  return "?";
}

Rule RuleFor(Caller::Kind kind, Action a) { return RowOf(a).by_kind[Column(kind)]; }

Result<void> Authorize(const Caller& c, Action a) {
  const Row& row = RowOf(a);
  switch (row.by_kind[Column(c.kind)]) {
    case Rule::kDeny:
      return Fail(Error::Forbidden(row.denied));
    case Rule::kHide:
      return Fail(Error::NotFound("Machtiging niet gevonden"));
    case Rule::kAllow:
      break;
  }
  bool missing = (row.needs == Needs::kCitizenBsn && ActsForCitizen(c.kind) && !c.bsn) ||
                 (row.needs == Needs::kProviderOin && ActsForProvider(c.kind) && !c.provider);
  if (missing) return Fail(Error::Forbidden(row.denied));
  return {};
}

Result<void> Authorize(const Caller& c, Action a, const CatalogueSnapshot& cat) {
  if (auto ok = Authorize(c, a); !ok) return ok;
  return ProviderIsActive(c, cat);
}

Result<void> ProviderIsActive(const Caller& c, const CatalogueSnapshot& cat) {
  if (ActsForProvider(c.kind) && c.provider) {
    if (ActiveProvider(c, cat) == nullptr) return Fail(NotActive());
  }
  return {};
}

// ----- Who the caller is to a mandate -----

std::optional<Party> ActingCitizen(const Caller& c) {
  if (ActsForCitizen(c.kind) && c.bsn) return Party::Person(*c.bsn);
  return std::nullopt;
}

bool IsPrincipal(const Caller& c, const Mandate& m) {
  return ActingCitizen(c) && *c.bsn == m.principal;
}

bool IsAgent(const Caller& c, const Mandate& m) {
  std::optional<Party> me = ActingCitizen(c);
  return me && m.agent && *m.agent == *me;
}

bool OwnsService(const Caller& c, const Uuid& service, const CatalogueSnapshot& cat) {
  const Service* s = cat.FindService(service);
  return s && c.provider && s->provider == *c.provider;
}

bool IsProviderOf(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat) {
  if (m.kind == MandateKind::kVoluntary || !m.provider || !c.provider ||
      *m.provider != *c.provider) {
    return false;
  }
  if (c.kind == Caller::Kind::kProvider) return true;
  return c.kind == Caller::Kind::kClerk && CounterProvider(c, cat);
}

bool CanSee(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat) {
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

bool MayActivateRequest(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat) {
  std::optional<Party> me = ActingCitizen(c);
  if (!me || (m.agent && *m.agent != *me)) return false;
  return c.kind != Caller::Kind::kProviderForCitizen || TouchesOwnService(c, m, cat);
}

// ----- Rules on a visible mandate -----

Result<void> MayApprove(const Caller& c, const Mandate& m) {
  if (!IsPrincipal(c, m) || m.initiator != Initiator::kAgent) {
    return Fail(
        Error::Forbidden("Alleen de vertegenwoordigde keurt een verzoek van de gemachtigde goed"));
  }
  return {};
}

Result<void> MayDecline(const Caller& c, const Mandate& m) {
  bool receiver = m.initiator == Initiator::kPrincipal
                      ? IsAgent(c, m)
                      : m.initiator == Initiator::kAgent && IsPrincipal(c, m);
  if (m.kind != MandateKind::kVoluntary || !receiver) {
    return Fail(Error::Forbidden("Alleen de partij die het verzoek ontving kan het afwijzen"));
  }
  return {};
}

Result<void> MayWithdraw(const Caller& c, const Mandate& m) {
  // Either party may cancel a request, whoever started it; the receiver may instead decline
  // it, which the history records differently.
  if (m.kind != MandateKind::kVoluntary || !(IsPrincipal(c, m) || IsAgent(c, m))) {
    return Fail(Error::Forbidden("Alleen de betrokkenen kunnen intrekken"));
  }
  return {};
}

Result<EndReason> MayRevoke(const Caller& c, const Mandate& m, const CatalogueSnapshot& cat) {
  if (IsPrincipal(c, m)) return EndReason::kByPrincipal;
  if (IsAgent(c, m)) return EndReason::kByAgent;
  if (IsProviderOf(c, m, cat)) return EndReason::kByProvider;
  return Fail(Error::Forbidden("U kunt deze machtiging niet intrekken"));
}

Result<void> MayRestrict(const Caller& c, const Mandate& m) {
  if (!IsPrincipal(c, m) && !IsAgent(c, m)) {
    return Fail(Error::Forbidden("U kunt deze machtiging niet beperken"));
  }
  return {};
}

// ----- Rules on a request -----

Result<void> ServiceOfCaller(const Caller& c, const Uuid& service, const CatalogueSnapshot& cat) {
  if (!OwnsService(c, service, cat)) return Fail(NotOurService());
  return {};
}

Result<void> MayNameService(const Caller& c, const Uuid& service, const CatalogueSnapshot& cat) {
  if (c.kind != Caller::Kind::kProviderForCitizen) return {};
  return ServiceOfCaller(c, service, cat);
}

Result<void> MayUseCounter(const Caller& c, const CatalogueSnapshot& cat) {
  if (c.kind != Caller::Kind::kClerk || !CounterProvider(c, cat)) {
    return Fail(Error::Forbidden("Uw organisatie gebruikt de baliemodule niet"));
  }
  return {};
}

Result<void> MayActFor(const Caller& c, const Bsn& principal) {
  if (!ActsForCitizen(c.kind) || !c.bsn || *c.bsn != principal) {
    return Fail(Error::Forbidden("Een burger machtigt alleen voor zichzelf"));
  }
  return {};
}

Result<void> MayListPrincipal(const Caller& c, const Bsn& principal) {
  if (c.kind == Caller::Kind::kClerk || c.kind == Caller::Kind::kProvider) return {};
  if (!ActingCitizen(c) || *c.bsn != principal) {
    return Fail(Error::Forbidden(RowOf(Action::kListByPrincipal).denied));
  }
  return {};
}

Result<void> MayVerify(const Caller& c, const Uuid& service, const CatalogueSnapshot& cat) {
  if (auto own = ServiceOfCaller(c, service, cat); !own) return own;
  if (ActiveProvider(c, cat) == nullptr) return Fail(NotActive());
  return {};
}

}  // namespace volmacht
