// The state machine of docs/domain.md section 6: every transition from every state, time-driven
// lapse and expiry, death, restrict, and the enum names.
#include "domain/mandate.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "domain/domain_test_util.h"

namespace volmacht {
namespace {

using testing::AddDays;
using testing::D;
using testing::MakeBsn;
using testing::MakeKvk;
using testing::MakeOin;
using testing::NoonOf;
using testing::SameMandate;
using testing::U;

const Date kToday = D(2026, 3, 10);
const Timestamp kNow = NoonOf(kToday);

Mandate Requested() {
  Mandate m;
  m.id = U(100);
  m.kind = MandateKind::kVoluntary;
  m.principal = MakeBsn(0);
  m.agent = Party::Person(MakeBsn(1));
  m.services = {U(1), U(2), U(3)};
  m.start = AddDays(kToday, -5);
  m.end = D(2027, 1, 1);
  m.state = MandateState::kRequested;
  m.initiator = Initiator::kAgent;
  m.lapse_on = AddDays(kToday, 5);
  m.created = NoonOf(AddDays(kToday, -5));
  m.changed = m.created;
  m.version = 1;
  return m;
}

Mandate Active(MandateKind kind = MandateKind::kVoluntary) {
  Mandate m = Requested();
  m.state = MandateState::kActive;
  m.kind = kind;
  m.version = 2;
  if (kind != MandateKind::kVoluntary) {
    m.provider = MakeOin(1);
    m.initiator = Initiator::kProvider;
    if (kind == MandateKind::kDirect) m.agent = Party::Provider(MakeOin(1));
    m.version = 1;
  }
  return m;
}

Mandate InState(MandateState s) {
  Mandate m = s == MandateState::kRequested ? Requested() : Active();
  m.state = s;
  if (s == MandateState::kRevoked) m.end_reason = EndReason::kByPrincipal;
  return m;
}

constexpr MandateState kAllStates[] = {
    MandateState::kRequested, MandateState::kActive,  MandateState::kLapsed,
    MandateState::kWithdrawn, MandateState::kRejected, MandateState::kExpired,
    MandateState::kRevoked};

// Each user transition, applied with fixed, otherwise valid arguments.
struct Op {
  const char* name;
  std::function<Result<Transition>(const Mandate&, Date)> run;
  MandateState from;  // the only effective state it is allowed from
  MandateState to;
};

std::vector<Op> Ops() {
  const std::string actor = "bsn:x";
  return {
      {"Activate",
       [=](const Mandate& m, Date d) {
         return Activate(m, *m.agent, d, kNow, actor, Channel::kWeb);
       },
       MandateState::kRequested, MandateState::kActive},
      {"Approve",
       [=](const Mandate& m, Date d) { return Approve(m, d, kNow, actor, Channel::kWeb); },
       MandateState::kRequested, MandateState::kActive},
      {"Reject",
       [=](const Mandate& m, Date d) { return Reject(m, d, kNow, actor, Channel::kWeb); },
       MandateState::kRequested, MandateState::kRejected},
      {"Withdraw",
       [=](const Mandate& m, Date d) { return Withdraw(m, d, kNow, actor, Channel::kWeb); },
       MandateState::kRequested, MandateState::kWithdrawn},
      {"Revoke",
       [=](const Mandate& m, Date d) {
         return Revoke(m, EndReason::kByAgent, d, kNow, actor, Channel::kApi);
       },
       MandateState::kActive, MandateState::kRevoked},
      {"Restrict",
       [=](const Mandate& m, Date d) {
         return Restrict(m, {U(1)}, m.end, d, kNow, actor, Channel::kApi);
       },
       MandateState::kActive, MandateState::kActive},
  };
}

TEST(StateMachine, EveryTransitionFromEveryState) {
  for (MandateState s : kAllStates) {
    for (const Op& op : Ops()) {
      const Mandate m = InState(s);
      const Mandate before = m;
      auto r = op.run(m, kToday);
      EXPECT_TRUE(SameMandate(m, before));
      if (s == op.from) {
        ASSERT_TRUE(r.has_value()) << op.name << " from " << StateName(s) << ": "
                                   << r.error().message;
        EXPECT_EQ(r->mandate.state, op.to) << op.name;
        EXPECT_EQ(r->mandate.version, m.version + 1) << op.name;
        EXPECT_EQ(r->mandate.changed, kNow) << op.name;
        EXPECT_EQ(r->mandate.created, m.created) << op.name;
        EXPECT_EQ(r->event.actor, "bsn:x");
        EXPECT_FALSE(EventKindName(r->event.kind).empty());
        EXPECT_TRUE(nlohmann::json::parse(r->event.detail_json).is_object());
      } else {
        ASSERT_FALSE(r.has_value()) << op.name << " from " << StateName(s);
        EXPECT_EQ(r.error().code, ErrorCode::kConflict) << op.name << " from " << StateName(s);
      }
    }
  }
}

TEST(StateMachine, EventTypes) {
  const std::vector<std::pair<const char*, const char*>> want = {
      {"Activate", "ACTIVATED"}, {"Approve", "APPROVED"}, {"Reject", "REJECTED"},
      {"Withdraw", "WITHDRAWN"}, {"Revoke", "REVOKED"},   {"Restrict", "RESTRICTED"}};
  auto ops = Ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    auto r = ops[i].run(InState(ops[i].from), kToday);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(ops[i].name, std::string(want[i].first));
    EXPECT_EQ(EventKindName(r->event.kind), want[i].second);
  }
}

TEST(StateMachine, LapsedRequestCannotBeActivated) {
  Mandate m = Requested();
  for (const Op& op : Ops()) {
    if (op.from != MandateState::kRequested) continue;
    EXPECT_TRUE(op.run(m, AddDays(m.lapse_on, -1)).has_value()) << op.name;
    auto r = op.run(m, m.lapse_on);
    ASSERT_FALSE(r.has_value()) << op.name;
    EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  }
}

TEST(StateMachine, ExpiredMandateCannotBeRevokedOrRestricted) {
  Mandate m = Active();
  m.end = kToday;
  for (const Op& op : Ops()) {
    if (op.from != MandateState::kActive) continue;
    auto r = op.run(m, AddDays(kToday, 1));
    ASSERT_FALSE(r.has_value()) << op.name;
    EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  }
  EXPECT_TRUE(Revoke(m, EndReason::kByPrincipal, kToday, kNow, "x", Channel::kWeb).has_value());
}

TEST(StateMachine, RequestPastItsEndDateCannotBecomeActive) {
  Mandate m = Requested();
  m.end = AddDays(kToday, -1);
  auto a = Activate(m, *m.agent, kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, ErrorCode::kConflict);
  auto p = Approve(m, kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kConflict);
  // It may still be withdrawn or rejected.
  EXPECT_TRUE(Withdraw(m, kToday, kNow, "x", Channel::kWeb).has_value());
  EXPECT_TRUE(Reject(m, kToday, kNow, "x", Channel::kWeb).has_value());
}

TEST(Activate, OnlyTheNamedAgent) {
  Mandate m = Requested();
  auto other = Activate(m, Party::Person(MakeBsn(2)), kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kForbidden);
  auto org = Activate(m, Party::Organisation(MakeKvk(1)), kToday, kNow, "x", Channel::kWeb);
  EXPECT_EQ(org.error().code, ErrorCode::kForbidden);
  auto ok = Activate(m, *m.agent, kToday, kNow, "bsn:agent", Channel::kSaml);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->mandate.agent, m.agent);
  EXPECT_EQ(ok->event.channel, Channel::kSaml);
  auto detail = nlohmann::json::parse(ok->event.detail_json);
  EXPECT_EQ(detail["end"], "2027-01-01");
  EXPECT_EQ(detail["services"].size(), 3u);
  EXPECT_EQ(ok->event.detail_json.find(m.agent->id), std::string::npos);
  EXPECT_EQ(ok->event.detail_json.find(m.principal.str()), std::string::npos);
}

TEST(Activate, WithoutNamedAgentTheActivatorBecomesAgent) {
  Mandate m = Requested();
  m.agent.reset();
  m.initiator = Initiator::kPrincipal;
  Party activator = Party::Person(MakeBsn(3));
  auto r = Activate(m, activator, kToday, kNow, "x", Channel::kWeb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->mandate.agent, activator);
  EXPECT_EQ(r->mandate.state, MandateState::kActive);
  EXPECT_FALSE(m.agent.has_value());

  Party org = Party::Organisation(MakeKvk(2));
  auto o = Activate(m, org, kToday, kNow, "x", Channel::kWeb);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->mandate.agent, org);
}

TEST(Activate, PrincipalCannotActivateOwnRequest) {
  Mandate m = Requested();
  m.agent.reset();
  auto r = Activate(m, Party::Person(m.principal), kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kRuleViolation);
  ASSERT_EQ(r.error().params.size(), 1u);
  EXPECT_EQ(r.error().params[0].code, "agent.is.principal");
  EXPECT_EQ(r.error().message.find(m.principal.str()), std::string::npos);
}

TEST(Activate, ProviderCannotActivateVoluntary) {
  Mandate m = Requested();
  m.agent.reset();
  auto r = Activate(m, Party::Provider(MakeOin(1)), kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(r.has_value());
  // The same rule, and the same answer, as naming a provider when the request is made.
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(r.error().params.size(), 1u);
  EXPECT_EQ(r.error().params[0].code, "agent.soort");
}

TEST(Approve, NeedsAnAgent) {
  Mandate m = Requested();
  m.agent.reset();
  auto r = Approve(m, kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TEST(Revoke, RecordsTheReason) {
  for (EndReason why : {EndReason::kByPrincipal, EndReason::kByAgent, EndReason::kDeceased}) {
    auto r = Revoke(Active(), why, kToday, kNow, "x", Channel::kWeb);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->mandate.end_reason, why);
    EXPECT_EQ(nlohmann::json::parse(r->event.detail_json)["reason"], EndReasonName(why));
  }
  auto none = Revoke(Active(), EndReason::kNone, kToday, kNow, "x", Channel::kWeb);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
}

TEST(Revoke, ProviderOnlyForCounterKinds) {
  auto v = Revoke(Active(), EndReason::kByProvider, kToday, kNow, "oin:x", Channel::kCounter);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code, ErrorCode::kRuleViolation);
  for (MandateKind k : {MandateKind::kDirect, MandateKind::kSurvivor}) {
    auto r = Revoke(Active(k), EndReason::kByProvider, kToday, kNow, "oin:x", Channel::kCounter);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->mandate.state, MandateState::kRevoked);
  }
}

TEST(Revoke, ActiveWithFutureStartCanBeRevoked) {
  Mandate m = Active();
  m.start = AddDays(kToday, 10);
  EXPECT_TRUE(Revoke(m, EndReason::kByPrincipal, kToday, kNow, "x", Channel::kWeb).has_value());
}

// ----- Restrict -----

Result<Transition> RestrictTo(const Mandate& m, std::vector<Uuid> s, Date end) {
  return Restrict(m, std::move(s), end, kToday, kNow, "x", Channel::kWeb);
}

TEST(Restrict, NarrowsServices) {
  auto r = RestrictTo(Active(), {U(3), U(1), U(3)}, Active().end);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->mandate.services, (std::vector<Uuid>{U(1), U(3)}));
  EXPECT_EQ(r->mandate.end, Active().end);
  EXPECT_EQ(r->mandate.state, MandateState::kActive);
  auto detail = nlohmann::json::parse(r->event.detail_json);
  EXPECT_EQ(detail["services"], nlohmann::json::array({U(1).str(), U(3).str()}));
  EXPECT_EQ(detail["end"], "2027-01-01");
}

TEST(Restrict, BringsTheEndForward) {
  auto r = RestrictTo(Active(), Active().services, kToday);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->mandate.end, kToday);
  EXPECT_EQ(r->mandate.services, Active().services);
  EXPECT_TRUE(InForce(r->mandate, kToday));
  EXPECT_FALSE(InForce(r->mandate, AddDays(kToday, 1)));
}

TEST(Restrict, NeverWidens) {
  Mandate m = Active();
  m.services = {U(1), U(2)};
  auto more = RestrictTo(m, {U(1), U(2), U(3)}, m.end);
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code, ErrorCode::kRuleViolation);
  auto other = RestrictTo(m, {U(3)}, m.end);
  EXPECT_EQ(other.error().code, ErrorCode::kRuleViolation);
  auto later = RestrictTo(m, {U(1)}, AddDays(m.end, 1));
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, ErrorCode::kRuleViolation);
}

TEST(Restrict, RefusesBadInput) {
  Mandate m = Active();
  EXPECT_EQ(RestrictTo(m, {}, m.end).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(RestrictTo(m, {U(1)}, AddDays(kToday, -1)).error().code,
            ErrorCode::kInvalidArgument);
  Mandate future = Active();
  future.start = AddDays(kToday, 10);
  EXPECT_EQ(RestrictTo(future, {U(1)}, AddDays(kToday, 9)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(RestrictTo(future, {U(1)}, AddDays(kToday, 10)).has_value());
  auto same = RestrictTo(m, m.services, m.end);
  ASSERT_FALSE(same.has_value());
  EXPECT_EQ(same.error().code, ErrorCode::kInvalidArgument);
}

// ----- Time -----

TEST(EffectiveState, LapseOnTheLapseDate) {
  Mandate m = Requested();
  EXPECT_EQ(EffectiveState(m, AddDays(m.lapse_on, -1)), MandateState::kRequested);
  EXPECT_EQ(EffectiveState(m, m.lapse_on), MandateState::kLapsed);
  EXPECT_EQ(EffectiveState(m, AddDays(m.lapse_on, 100)), MandateState::kLapsed);
}

TEST(EffectiveState, ExpireTheDayAfterTheEnd) {
  Mandate m = Active();
  EXPECT_EQ(EffectiveState(m, m.end), MandateState::kActive);
  EXPECT_EQ(EffectiveState(m, AddDays(m.end, 1)), MandateState::kExpired);
}

TEST(EffectiveState, TerminalStatesStay) {
  for (MandateState s : kAllStates) {
    if (!IsTerminal(s)) continue;
    Mandate m = InState(s);
    EXPECT_EQ(EffectiveState(m, AddDays(m.end, 1000)), s);
    EXPECT_EQ(EffectiveState(m, kToday), s);
  }
}

TEST(InForce, OnlyActiveWithinItsDates) {
  Mandate m = Active();
  m.start = AddDays(kToday, 1);
  m.end = AddDays(kToday, 3);
  EXPECT_FALSE(InForce(m, kToday));  // ACTIVE but not started
  EXPECT_TRUE(InForce(m, AddDays(kToday, 1)));
  EXPECT_TRUE(InForce(m, AddDays(kToday, 3)));
  EXPECT_FALSE(InForce(m, AddDays(kToday, 4)));
  for (MandateState s : kAllStates) {
    if (s == MandateState::kActive) continue;
    Mandate o = InState(s);
    EXPECT_FALSE(InForce(o, kToday)) << StateName(s);
  }
}

TEST(ApplyTime, LapsesARequest) {
  Mandate m = Requested();
  EXPECT_FALSE(ApplyTime(m, AddDays(m.lapse_on, -1), kNow).has_value());
  auto t = ApplyTime(m, m.lapse_on, kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->mandate.state, MandateState::kLapsed);
  EXPECT_EQ(t->mandate.version, m.version + 1);
  EXPECT_EQ(EventKindName(t->event.kind), "LAPSED");
  EXPECT_EQ(t->event.actor, "system");
  EXPECT_EQ(t->event.channel, Channel::kSystem);
  EXPECT_FALSE(ApplyTime(t->mandate, AddDays(m.lapse_on, 5), kNow).has_value());
}

TEST(ApplyTime, ExpiresAnActiveMandate) {
  Mandate m = Active();
  EXPECT_FALSE(ApplyTime(m, m.end, kNow).has_value());
  auto t = ApplyTime(m, AddDays(m.end, 1), kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->mandate.state, MandateState::kExpired);
  EXPECT_EQ(EventKindName(t->event.kind), "EXPIRED");
  EXPECT_EQ(t->mandate.end, m.end);
  EXPECT_FALSE(ApplyTime(t->mandate, AddDays(m.end, 2), kNow).has_value());
}

TEST(ApplyTime, NothingForTerminalStates) {
  for (MandateState s : kAllStates) {
    if (!IsTerminal(s)) continue;
    EXPECT_FALSE(ApplyTime(InState(s), D(2099, 1, 1), kNow).has_value()) << StateName(s);
  }
}

// ----- Death -----

TEST(ApplyDeath, RevokesOnDeathOfEitherParty) {
  for (auto [p, a] : {std::pair{true, false}, {false, true}, {true, true}}) {
    for (MandateState s : {MandateState::kActive, MandateState::kRequested}) {
      auto t = ApplyDeath(InState(s), p, a, kToday, kNow);
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(t->mandate.state, MandateState::kRevoked);
      EXPECT_EQ(t->mandate.end_reason, EndReason::kDeceased);
      EXPECT_EQ(EventKindName(t->event.kind), "REVOKED");
      EXPECT_EQ(t->event.actor, "system");
      EXPECT_EQ(nlohmann::json::parse(t->event.detail_json)["reason"], "DECEASED");
    }
  }
  EXPECT_FALSE(ApplyDeath(Active(), false, false, kToday, kNow).has_value());
}

TEST(ApplyDeath, SurvivorMandateUnaffected) {
  EXPECT_FALSE(ApplyDeath(Active(MandateKind::kSurvivor), true, false, kToday, kNow));
  EXPECT_FALSE(ApplyDeath(Active(MandateKind::kSurvivor), true, true, kToday, kNow));
}

TEST(ApplyDeath, DirectRevokedWhenPrincipalDies) {
  auto t = ApplyDeath(Active(MandateKind::kDirect), true, false, kToday, kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->mandate.state, MandateState::kRevoked);
  // The agent of a DIRECT mandate is a provider; it cannot die.
  EXPECT_FALSE(ApplyDeath(Active(MandateKind::kDirect), false, true, kToday, kNow));
}

TEST(ApplyDeath, OrganisationAgentCannotDie) {
  Mandate m = Active();
  m.agent = Party::Organisation(MakeKvk(1));
  EXPECT_FALSE(ApplyDeath(m, false, true, kToday, kNow).has_value());
  Mandate open = Requested();
  open.agent.reset();
  EXPECT_FALSE(ApplyDeath(open, false, true, kToday, kNow).has_value());
  EXPECT_TRUE(ApplyDeath(open, true, false, kToday, kNow).has_value());
}

TEST(ApplyDeath, NothingForTerminalOrTimedOut) {
  for (MandateState s : kAllStates) {
    if (!IsTerminal(s)) continue;
    EXPECT_FALSE(ApplyDeath(InState(s), true, true, kToday, kNow)) << StateName(s);
  }
  Mandate lapsed = Requested();
  EXPECT_FALSE(ApplyDeath(lapsed, true, true, lapsed.lapse_on, kNow));
  Mandate expired = Active();
  EXPECT_FALSE(ApplyDeath(expired, true, true, AddDays(expired.end, 1), kNow));
}

// ----- Names -----

TEST(Names, RoundTripAndRefuse) {
  for (MandateKind k : {MandateKind::kVoluntary, MandateKind::kDirect, MandateKind::kSurvivor}) {
    EXPECT_EQ(ParseKind(KindName(k)).value(), k);
  }
  EXPECT_EQ(KindName(MandateKind::kSurvivor), "SURVIVOR");
  for (MandateState s : kAllStates) EXPECT_EQ(ParseState(StateName(s)).value(), s);
  EXPECT_EQ(StateName(MandateState::kLapsed), "LAPSED");
  for (Initiator i : {Initiator::kPrincipal, Initiator::kAgent, Initiator::kProvider}) {
    EXPECT_EQ(ParseInitiator(InitiatorName(i)).value(), i);
  }
  for (Channel c : {Channel::kApi, Channel::kWeb, Channel::kSoap, Channel::kCounter, Channel::kSaml,
                    Channel::kSystem, Channel::kAdmin}) {
    EXPECT_EQ(ParseChannel(ChannelName(c)).value(), c);
  }
  for (EndReason r : {EndReason::kNone, EndReason::kByPrincipal, EndReason::kByAgent,
                      EndReason::kByProvider, EndReason::kDeceased}) {
    EXPECT_EQ(ParseEndReason(EndReasonName(r)).value(), r);
  }
  EXPECT_EQ(EndReasonName(EndReason::kDeceased), "DECEASED");
  EXPECT_EQ(ParseKind("voluntary").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseState("").has_value());
  EXPECT_FALSE(ParseInitiator("X").has_value());
  EXPECT_FALSE(ParseChannel("api").has_value());
  EXPECT_FALSE(ParseEndReason("DEAD").has_value());
}

TEST(Names, Terminal) {
  EXPECT_FALSE(IsTerminal(MandateState::kRequested));
  EXPECT_FALSE(IsTerminal(MandateState::kActive));
  for (MandateState s : {MandateState::kLapsed, MandateState::kWithdrawn, MandateState::kRejected,
                         MandateState::kExpired, MandateState::kRevoked}) {
    EXPECT_TRUE(IsTerminal(s));
  }
}

}  // namespace
}  // namespace volmacht

namespace volmacht {
namespace {

using testing::MakeBsn;
using testing::MakeKvk;
using testing::MakeOin;
using testing::MakePerson;
using testing::MakeService;

std::string CodeOf(const Result<void>& r) {
  return r || r.error().params.empty() ? std::string() : r.error().params[0].code;
}

// The rules for the activator of a request that named nobody: the same the domain applies to
// a named agent at creation, with the same error codes (before, the service had its own copy
// with one code for all).
TEST(CheckActivator, AppliesTheAgentRulesOfCreation) {
  Mandate m = Requested();
  m.agent.reset();
  Bsn who = MakeBsn(3);
  Party person = Party::Person(who);
  std::vector<Service> services = {MakeService(1, MakeOin(1))};
  EXPECT_TRUE(CheckActivator(m, person, MakePerson(who, {1980, 1, 1}), services, kToday));
  EXPECT_EQ(CodeOf(CheckActivator(m, person, MakePerson(who, {2010, 1, 1}), services, kToday)),
            "agent.minderjarig");
  Person dead = MakePerson(who, {1950, 1, 1});
  dead.deceased = true;
  EXPECT_EQ(CodeOf(CheckActivator(m, person, dead, services, kToday)), "agent.overleden");
  EXPECT_EQ(CodeOf(CheckActivator(m, person, MakePerson(who, {0, 0, 0}), services, kToday)),
            "agent.geboortedatum.onbekend");
  EXPECT_EQ(CodeOf(CheckActivator(m, person, std::nullopt, services, kToday)), "agent.onbekend");
  // The register's entry must be the activator's own.
  EXPECT_EQ(CodeOf(CheckActivator(m, person, MakePerson(MakeBsn(4), {1980, 1, 1}), services,
                                  kToday)),
            "agent.onbekend");
  // Every service must allow this kind of agent.
  services[0].agent_type = AgentType::kOrganisation;
  auto r = CheckActivator(m, person, MakePerson(who, {1980, 1, 1}), services, kToday);
  EXPECT_EQ(CodeOf(r), "dienst.agenttype");
  EXPECT_EQ(r ? ErrorCode::kInternal : r.error().code, ErrorCode::kRuleViolation);
  EXPECT_TRUE(CheckActivator(m, Party::Organisation(MakeKvk(1)), std::nullopt, services, kToday));
  // A named agent was checked when the request was made.
  Mandate named = Requested();
  EXPECT_TRUE(CheckActivator(named, *named.agent, std::nullopt, services, kToday));
}

TEST(CheckNotDuplicate, RefusesASecondActiveMandate) {
  EXPECT_TRUE(CheckNotDuplicate(false));
  EXPECT_EQ(CodeOf(CheckNotDuplicate(true)), "machtiging.dubbel");
}

}  // namespace
}  // namespace volmacht
