// CreateMandate: every rule of docs/domain.md sections 5 and 6, each refusal and its boundary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/domain_test_util.h"
#include "domain/mandate.h"

namespace volmacht {
namespace {

using testing::AddDays;
using testing::Born;
using testing::D;
using testing::MakeBsn;
using testing::MakeKvk;
using testing::MakeOin;
using testing::MakePerson;
using testing::MakeService;
using testing::NoonOf;
using testing::U;

class CreateTest : public ::testing::Test {
 protected:
  const Date today_ = D(2026, 3, 10);
  const Oin provider_ = MakeOin(1);
  const Oin other_provider_ = MakeOin(2);
  const Bsn principal_ = MakeBsn(0);
  const Bsn agent_ = MakeBsn(1);
  const Uuid id_ = U(999);

  // Catalogue: 1 BOTH (21 days, 5 years, direct+survivor), 2 CITIZEN (14 days, 3 years),
  // 3 ORGANISATION, 4 NONE, 5 no longer active, 6 of another provider, 7 plain BOTH.
  std::vector<Service> Catalogue() const {
    std::vector<Service> c;
    Service s1 = MakeService(1, provider_);
    s1.counter_direct_allowed = true;
    s1.survivor_allowed = true;
    c.push_back(s1);
    Service s2 = MakeService(2, provider_);
    s2.agent_type = AgentType::kCitizen;
    s2.request_validity_days = 14;
    s2.max_mandate_years = 3;
    s2.counter_direct_allowed = true;
    s2.survivor_allowed = true;
    c.push_back(s2);
    Service s3 = MakeService(3, provider_);
    s3.agent_type = AgentType::kOrganisation;
    s3.survivor_allowed = true;
    c.push_back(s3);
    Service s4 = MakeService(4, provider_);
    s4.agent_type = AgentType::kNone;
    s4.counter_direct_allowed = true;
    s4.survivor_allowed = true;
    c.push_back(s4);
    Service s5 = MakeService(5, provider_);
    s5.active_until = AddDays(today_, -1);
    s5.counter_direct_allowed = true;
    c.push_back(s5);
    Service s6 = MakeService(6, other_provider_);
    s6.counter_direct_allowed = true;
    s6.survivor_allowed = true;
    c.push_back(s6);
    c.push_back(MakeService(7, provider_));
    return c;
  }

  NewMandate Voluntary() const {
    NewMandate r;
    r.kind = MandateKind::kVoluntary;
    r.initiator = Initiator::kPrincipal;
    r.principal = principal_;
    r.agent = Party::Person(agent_);
    r.services = {U(1)};
    r.start = today_;
    r.end = D(2027, 3, 10);
    return r;
  }

  NewMandate Direct() const {
    NewMandate r = Voluntary();
    r.kind = MandateKind::kDirect;
    r.initiator = Initiator::kProvider;
    r.agent = Party::Provider(provider_);
    r.provider = provider_;
    r.evidence = Evidence{"PASPOORT", "NX1234567", "clerk-7"};
    return r;
  }

  NewMandate Survivor() const {
    NewMandate r = Direct();
    r.kind = MandateKind::kSurvivor;
    r.agent = Party::Person(agent_);
    r.evidence = Evidence{"VERKLARING_VAN_ERFRECHT", "2026/123", "clerk-7"};
    return r;
  }

  CreationFacts Facts() const {
    CreationFacts f;
    f.today = today_;
    f.now = NoonOf(today_);
    f.services = Catalogue();
    f.principal = MakePerson(principal_, {1960, 5, 1});
    f.agent_person = MakePerson(agent_, {1990, 1, 1});
    return f;
  }

  CreationFacts DeceasedFacts() const {
    CreationFacts f = Facts();
    f.principal->deceased = true;
    f.principal->death = AddDays(today_, -20);
    return f;
  }

  Result<Transition> Create(const NewMandate& r, const CreationFacts& f) const {
    return CreateMandate(r, f, id_, "bsn:" + principal_.str(), Channel::kWeb);
  }

  // Asserts refusal with `code` and one InvalidParam with `param`; no BSN in the text.
  void ExpectRefused(const Result<Transition>& r, ErrorCode code, const std::string& param) {
    ASSERT_FALSE(r.has_value()) << "expected refusal " << param;
    EXPECT_EQ(r.error().code, code) << param << ": " << r.error().message;
    ASSERT_EQ(r.error().params.size(), 1u) << r.error().message;
    EXPECT_EQ(r.error().params[0].code, param);
    EXPECT_FALSE(r.error().message.empty());
    for (const Bsn& b : {principal_, agent_}) {
      EXPECT_EQ(r.error().message.find(b.str()), std::string::npos);
      EXPECT_EQ(r.error().params[0].reason.find(b.str()), std::string::npos);
    }
  }
};

// ----- VOLUNTARY -----

TEST_F(CreateTest, VoluntaryIsRequested) {
  auto r = Create(Voluntary(), Facts());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const Mandate& m = r->mandate;
  EXPECT_EQ(m.id, id_);
  EXPECT_EQ(m.kind, MandateKind::kVoluntary);
  EXPECT_EQ(m.state, MandateState::kRequested);
  EXPECT_EQ(m.principal, principal_);
  EXPECT_EQ(m.agent, Party::Person(agent_));
  EXPECT_FALSE(m.provider.has_value());
  EXPECT_EQ(m.services, std::vector<Uuid>{U(1)});
  EXPECT_EQ(m.start, today_);
  EXPECT_EQ(m.end, D(2027, 3, 10));
  EXPECT_EQ(m.initiator, Initiator::kPrincipal);
  EXPECT_EQ(m.end_reason, EndReason::kNone);
  EXPECT_EQ(m.lapse_on, AddDays(today_, 21));
  EXPECT_EQ(m.created, NoonOf(today_));
  EXPECT_EQ(m.changed, NoonOf(today_));
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(EventKindName(r->event.kind), "REQUESTED");
  EXPECT_EQ(r->event.actor, "bsn:" + principal_.str());
  EXPECT_EQ(r->event.channel, Channel::kWeb);
  auto detail = nlohmann::json::parse(r->event.detail_json);
  EXPECT_EQ(detail["kind"], "VOLUNTARY");
  EXPECT_EQ(detail["services"], nlohmann::json::array({U(1).str()}));
  EXPECT_EQ(detail["start"], "2026-03-10");
  EXPECT_EQ(detail["end"], "2027-03-10");
  EXPECT_EQ(detail["agent_kind"], "bsn");
  EXPECT_EQ(r->event.detail_json.find(principal_.str()), std::string::npos);
  EXPECT_EQ(r->event.detail_json.find(agent_.str()), std::string::npos);
}

TEST_F(CreateTest, ServicesAreSortedAndDeduplicatedAndSmallestValidityWins) {
  NewMandate req = Voluntary();
  req.services = {U(7), U(2), U(1), U(2), U(7)};
  auto r = Create(req, Facts());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->mandate.services, (std::vector<Uuid>{U(1), U(2), U(7)}));
  EXPECT_EQ(r->mandate.lapse_on, AddDays(today_, 14));
}

TEST_F(CreateTest, FlowAWithoutAgentIsAllowed) {
  NewMandate req = Voluntary();
  req.agent.reset();
  CreationFacts f = Facts();
  f.agent_person.reset();
  auto r = Create(req, f);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->mandate.agent.has_value());
  EXPECT_EQ(r->mandate.state, MandateState::kRequested);
}

TEST_F(CreateTest, FlowBNeedsAnAgent) {
  NewMandate req = Voluntary();
  req.initiator = Initiator::kAgent;
  req.agent.reset();
  CreationFacts f = Facts();
  f.agent_person.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "agent.ontbreekt");
}

TEST_F(CreateTest, FlowBWithAgentIsRequested) {
  NewMandate req = Voluntary();
  req.initiator = Initiator::kAgent;
  auto r = Create(req, Facts());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->mandate.initiator, Initiator::kAgent);
  EXPECT_EQ(r->mandate.state, MandateState::kRequested);
}

TEST_F(CreateTest, VoluntaryRefusesProviderInitiatorAndProviderAgent) {
  NewMandate req = Voluntary();
  req.initiator = Initiator::kProvider;
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "initiator.ongeldig");
  req = Voluntary();
  req.agent = Party::Provider(provider_);
  CreationFacts f = Facts();
  f.agent_person.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "agent.soort");
}

TEST_F(CreateTest, OrganisationAgent) {
  NewMandate req = Voluntary();
  req.agent = Party::Organisation(MakeKvk(1));
  CreationFacts f = Facts();
  f.agent_person.reset();
  auto r = Create(req, f);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->mandate.agent->kind, PartyKind::kKvk);
  req.agent = Party::Organisation(*Rsin::Parse("123456782"));
  EXPECT_TRUE(Create(req, f).has_value());
}

TEST_F(CreateTest, EmptyServices) {
  NewMandate req = Voluntary();
  req.services.clear();
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "diensten.leeg");
}

TEST_F(CreateTest, UnknownService) {
  NewMandate req = Voluntary();
  req.services = {U(1), U(42)};
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "dienst.onbekend");
}

TEST_F(CreateTest, PrincipalNotInRegister) {
  CreationFacts f = Facts();
  f.principal.reset();
  auto r = Create(Voluntary(), f);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message.find(principal_.str()), std::string::npos);
}

TEST_F(CreateTest, FactsOfSomeoneElseAreAProgrammingError) {
  CreationFacts f = Facts();
  f.principal->bsn = MakeBsn(5);
  EXPECT_EQ(Create(Voluntary(), f).error().code, ErrorCode::kInternal);
  f = Facts();
  f.agent_person->bsn = MakeBsn(5);
  EXPECT_EQ(Create(Voluntary(), f).error().code, ErrorCode::kInternal);
}

TEST_F(CreateTest, PrincipalDeceased) {
  ExpectRefused(Create(Voluntary(), DeceasedFacts()), ErrorCode::kRuleViolation,
                "principal.overleden");
}

TEST_F(CreateTest, PrincipalExactlyEighteenTodayIsAdult) {
  CreationFacts f = Facts();
  f.principal->birth = {2008, 3, 10};
  EXPECT_TRUE(Create(Voluntary(), f).has_value());
}

TEST_F(CreateTest, PrincipalOneDayShortOfEighteen) {
  CreationFacts f = Facts();
  f.principal->birth = {2008, 3, 11};
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "principal.minderjarig");
}

TEST_F(CreateTest, PartialBirthDateMustSurelyBeEighteen) {
  CreationFacts f = Facts();
  f.principal->birth = {2008, 0, 0};  // could be 31 December 2008
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "principal.minderjarig");
  f.principal->birth = {2007, 0, 0};
  EXPECT_TRUE(Create(Voluntary(), f).has_value());
  f.principal->birth = {2008, 3, 0};  // could be 31 March 2008
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "principal.minderjarig");
  f.principal->birth = {2008, 2, 0};  // at latest 29 February 2008 -> 18 on 28 Feb 2026
  EXPECT_TRUE(Create(Voluntary(), f).has_value());
}

TEST_F(CreateTest, UnknownBirthDateIsRefused) {
  CreationFacts f = Facts();
  f.principal->birth = {};
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation,
                "principal.geboortedatum.onbekend");
}

TEST_F(CreateTest, BornOnLeapDayIsAdultOnTwentyEighthOfFebruary) {
  CreationFacts f = Facts();
  f.principal->birth = {2008, 2, 29};
  NewMandate req = Voluntary();
  f.today = D(2026, 2, 28);
  req.start = f.today;
  EXPECT_TRUE(Create(req, f).has_value());
  f.today = D(2026, 2, 27);
  req.start = f.today;
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "principal.minderjarig");
}

TEST_F(CreateTest, PrincipalUnderCuratele) {
  CreationFacts f = Facts();
  f.principal->under_curatele = true;
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "principal.curatele");
}

TEST_F(CreateTest, AgentDeceased) {
  CreationFacts f = Facts();
  f.agent_person->deceased = true;
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "agent.overleden");
}

TEST_F(CreateTest, AgentAgeBoundary) {
  CreationFacts f = Facts();
  f.agent_person->birth = {2008, 3, 10};
  EXPECT_TRUE(Create(Voluntary(), f).has_value());
  f.agent_person->birth = {2008, 3, 11};
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "agent.minderjarig");
  f.agent_person->birth = {};
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation,
                "agent.geboortedatum.onbekend");
}

TEST_F(CreateTest, AgentNotLookedUpIsNotChecked) {
  // The use case gives no register facts for the agent: nothing to refuse on.
  CreationFacts f = Facts();
  f.agent_person.reset();
  EXPECT_TRUE(Create(Voluntary(), f).has_value());
}

TEST_F(CreateTest, NamedAgentBirthDateMustMatchRegister) {
  NewMandate req = Voluntary();
  req.agent_birth = D(1990, 1, 1);
  auto r = Create(req, Facts());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->mandate.agent_birth, D(1990, 1, 1));
  req.agent_birth = D(1990, 1, 2);
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "agent.geboortedatum.onjuist");
}

TEST_F(CreateTest, AgentIsPrincipal) {
  NewMandate req = Voluntary();
  req.agent = Party::Person(principal_);
  CreationFacts f = Facts();
  f.agent_person = f.principal;
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "agent.is.principal");
  f.agent_person.reset();
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "agent.is.principal");
}

TEST_F(CreateTest, AgentTypeCitizenRefusesOrganisation) {
  NewMandate req = Voluntary();
  req.services = {U(2)};
  req.agent = Party::Organisation(MakeKvk(1));
  CreationFacts f = Facts();
  f.agent_person.reset();
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "dienst.agenttype");
  req.agent = Party::Person(agent_);
  EXPECT_TRUE(Create(req, Facts()).has_value());
}

TEST_F(CreateTest, AgentTypeOrganisationRefusesPerson) {
  NewMandate req = Voluntary();
  req.services = {U(3)};
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "dienst.agenttype");
  req.agent = Party::Organisation(*Rsin::Parse("123456782"));
  CreationFacts f = Facts();
  f.agent_person.reset();
  EXPECT_TRUE(Create(req, f).has_value());
}

TEST_F(CreateTest, AgentTypeMustSuitEveryService) {
  NewMandate req = Voluntary();
  req.services = {U(1), U(3)};  // BOTH + ORGANISATION: a person may not
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "dienst.agenttype");
}

TEST_F(CreateTest, WithoutAgentServicesMustShareAnAgentType) {
  NewMandate req = Voluntary();
  req.agent.reset();
  CreationFacts f = Facts();
  f.agent_person.reset();
  req.services = {U(2), U(3)};
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "diensten.agenttype.conflict");
  req.services = {U(1), U(3)};
  EXPECT_TRUE(Create(req, f).has_value());
  req.services = {U(1), U(2)};
  EXPECT_TRUE(Create(req, f).has_value());
}

TEST_F(CreateTest, ServiceNotDelegable) {
  NewMandate req = Voluntary();
  req.services = {U(1), U(4)};
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "dienst.niet.machtigbaar");
}

TEST_F(CreateTest, ServiceInactive) {
  NewMandate req = Voluntary();
  req.services = {U(5)};
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "dienst.inactief");
  CreationFacts f = Facts();
  f.services[0].active_from = AddDays(today_, 1);
  req.services = {U(1)};
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "dienst.inactief");
  f.services[0].active_from = today_;
  f.services[0].active_until = today_;
  EXPECT_TRUE(Create(req, f).has_value());
}

TEST_F(CreateTest, DuplicateActive) {
  CreationFacts f = Facts();
  f.duplicate_active = true;
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "machtiging.dubbel");
}

TEST_F(CreateTest, OpenRequestCap) {
  CreationFacts f = Facts();
  f.open_requests_of_initiator = kMaxOpenRequests - 1;
  EXPECT_TRUE(Create(Voluntary(), f).has_value());
  f.open_requests_of_initiator = kMaxOpenRequests;
  ExpectRefused(Create(Voluntary(), f), ErrorCode::kRuleViolation, "verzoeken.maximum");
}

TEST_F(CreateTest, StartDate) {
  NewMandate req = Voluntary();
  req.start = AddDays(today_, -1);
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "startdatum.verleden");
  req.start = AddDays(today_, 30);
  req.end = AddDays(today_, 60);
  auto r = Create(req, Facts());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->mandate.start, AddDays(today_, 30));
}

TEST_F(CreateTest, EndDateNotBeforeStart) {
  NewMandate req = Voluntary();
  req.end = req.start;
  EXPECT_TRUE(Create(req, Facts()).has_value());
  req.end = AddDays(req.start, -1);
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "einddatum.voor.start");
}

TEST_F(CreateTest, InvalidDates) {
  NewMandate req = Voluntary();
  req.end = Date{std::chrono::year(2027), std::chrono::month(2), std::chrono::day(30)};
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "einddatum.ongeldig");
  req = Voluntary();
  req.start = Date{};
  ExpectRefused(Create(req, Facts()), ErrorCode::kInvalidArgument, "startdatum.ongeldig");
}

TEST_F(CreateTest, EndAtMostMaxYearsAfterStart) {
  NewMandate req = Voluntary();
  req.end = D(2031, 3, 10);  // exactly five years
  EXPECT_TRUE(Create(req, Facts()).has_value());
  req.end = D(2031, 3, 11);
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "einddatum.te.laat");
}

TEST_F(CreateTest, SmallestMaxYearsWins) {
  NewMandate req = Voluntary();
  req.services = {U(1), U(2)};
  req.end = D(2029, 3, 10);
  EXPECT_TRUE(Create(req, Facts()).has_value());
  req.end = D(2029, 3, 11);
  ExpectRefused(Create(req, Facts()), ErrorCode::kRuleViolation, "einddatum.te.laat");
}

TEST_F(CreateTest, MaxYearsFromLeapDayEndsOnTwentyEighth) {
  CreationFacts f = Facts();
  f.services[0].max_mandate_years = 1;
  NewMandate req = Voluntary();
  req.start = D(2028, 2, 29);
  req.end = D(2029, 2, 28);
  EXPECT_TRUE(Create(req, f).has_value());
  req.end = D(2029, 3, 1);
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "einddatum.te.laat");
}

TEST_F(CreateTest, BrokenCatalogueIsInternal) {
  CreationFacts f = Facts();
  f.services[0].request_validity_days = 0;
  EXPECT_EQ(Create(Voluntary(), f).error().code, ErrorCode::kInternal);
}

// ----- DIRECT -----

TEST_F(CreateTest, DirectAtCounterIsActive) {
  NewMandate req = Direct();
  req.services = {U(2), U(1)};
  CreationFacts f = Facts();
  f.agent_person.reset();
  f.open_requests_of_initiator = 100;  // the cap is about open requests only
  auto r = CreateMandate(req, f, id_, "clerk:7", Channel::kCounter);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const Mandate& m = r->mandate;
  EXPECT_EQ(m.kind, MandateKind::kDirect);
  EXPECT_EQ(m.state, MandateState::kActive);
  EXPECT_EQ(m.agent, Party::Provider(provider_));
  EXPECT_EQ(m.provider, provider_);
  EXPECT_EQ(m.services, (std::vector<Uuid>{U(1), U(2)}));
  ASSERT_TRUE(m.evidence.has_value());
  EXPECT_EQ(m.evidence->clerk, "clerk-7");
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(EventKindName(r->event.kind), "ACTIVATED");
  EXPECT_EQ(r->event.channel, Channel::kCounter);
  EXPECT_EQ(nlohmann::json::parse(r->event.detail_json)["kind"], "DIRECT");
  EXPECT_TRUE(InForce(m, today_));
}

TEST_F(CreateTest, DirectOnlineByPrincipalNeedsNoEvidence) {
  NewMandate req = Direct();
  req.initiator = Initiator::kPrincipal;
  req.evidence.reset();
  CreationFacts f = Facts();
  f.agent_person.reset();
  EXPECT_TRUE(Create(req, f).has_value());
}

TEST_F(CreateTest, DirectShape) {
  CreationFacts f = Facts();
  f.agent_person.reset();
  NewMandate req = Direct();
  req.provider.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "provider.ontbreekt");
  req = Direct();
  req.agent.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "agent.niet.aanbieder");
  req.agent = Party::Provider(other_provider_);
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "agent.niet.aanbieder");
  req = Direct();
  req.evidence.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "bewijs.ontbreekt");
  req = Direct();
  req.initiator = Initiator::kAgent;
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "initiator.ongeldig");
}

TEST_F(CreateTest, DirectServicesOfThatProviderAndAllowed) {
  CreationFacts f = Facts();
  f.agent_person.reset();
  NewMandate req = Direct();
  req.services = {U(1), U(6)};
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "dienst.andere.aanbieder");
  req.services = {U(3)};
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "dienst.niet.direct");
  req.services = {U(4)};
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "dienst.niet.machtigbaar");
  req.services = {U(5)};
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "dienst.inactief");
}

TEST_F(CreateTest, DirectPrincipalRules) {
  CreationFacts f = Facts();
  f.agent_person.reset();
  f.principal->birth = {2008, 3, 11};
  ExpectRefused(Create(Direct(), f), ErrorCode::kRuleViolation, "principal.minderjarig");
  f.principal->birth = {2008, 3, 10};
  EXPECT_TRUE(Create(Direct(), f).has_value());
  f.principal->under_curatele = true;
  ExpectRefused(Create(Direct(), f), ErrorCode::kRuleViolation, "principal.curatele");
  f = DeceasedFacts();
  f.agent_person.reset();
  ExpectRefused(Create(Direct(), f), ErrorCode::kRuleViolation, "principal.overleden");
  f = Facts();
  f.agent_person.reset();
  f.principal.reset();
  EXPECT_EQ(Create(Direct(), f).error().code, ErrorCode::kNotFound);
  f = Facts();
  f.agent_person.reset();
  f.duplicate_active = true;
  ExpectRefused(Create(Direct(), f), ErrorCode::kRuleViolation, "machtiging.dubbel");
}

// ----- SURVIVOR -----

TEST_F(CreateTest, SurvivorToPersonIsActive) {
  auto r = CreateMandate(Survivor(), DeceasedFacts(), id_, "clerk:7", Channel::kCounter);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->mandate.kind, MandateKind::kSurvivor);
  EXPECT_EQ(r->mandate.state, MandateState::kActive);
  EXPECT_EQ(r->mandate.agent, Party::Person(agent_));
  EXPECT_EQ(r->mandate.provider, provider_);
  EXPECT_EQ(EventKindName(r->event.kind), "ACTIVATED");
}

TEST_F(CreateTest, SurvivorToOrganisation) {
  NewMandate req = Survivor();
  req.agent = Party::Organisation(MakeKvk(3));
  CreationFacts f = DeceasedFacts();
  f.agent_person.reset();
  EXPECT_TRUE(Create(req, f).has_value());
}

TEST_F(CreateTest, SurvivorPrincipalMustBeDeceased) {
  ExpectRefused(Create(Survivor(), Facts()), ErrorCode::kRuleViolation,
                "principal.niet.overleden");
  CreationFacts f = DeceasedFacts();
  f.principal.reset();
  EXPECT_EQ(Create(Survivor(), f).error().code, ErrorCode::kNotFound);
}

TEST_F(CreateTest, SurvivorIgnoresAgeAndCurateleOfTheDeceased) {
  CreationFacts f = DeceasedFacts();
  f.principal->birth = {2015, 1, 1};
  f.principal->under_curatele = true;
  EXPECT_TRUE(Create(Survivor(), f).has_value());
}

TEST_F(CreateTest, SurvivorAgentRules) {
  CreationFacts f = DeceasedFacts();
  f.agent_person->birth = {2008, 3, 11};
  ExpectRefused(Create(Survivor(), f), ErrorCode::kRuleViolation, "agent.minderjarig");
  f = DeceasedFacts();
  f.agent_person->deceased = true;
  ExpectRefused(Create(Survivor(), f), ErrorCode::kRuleViolation, "agent.overleden");
  NewMandate req = Survivor();
  req.agent = Party::Provider(provider_);
  f = DeceasedFacts();
  f.agent_person.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "agent.soort");
  req.agent.reset();
  ExpectRefused(Create(req, f), ErrorCode::kInvalidArgument, "agent.ontbreekt");
  req = Survivor();
  req.agent = Party::Person(principal_);
  ExpectRefused(Create(req, f), ErrorCode::kRuleViolation, "agent.is.principal");
}

TEST_F(CreateTest, AtMostOneActiveSurvivorMandatePerProvider) {
  CreationFacts f = DeceasedFacts();
  f.active_survivor_mandates_for_provider = 1;
  ExpectRefused(Create(Survivor(), f), ErrorCode::kRuleViolation, "nabestaande.bestaat");
}

TEST_F(CreateTest, SurvivorServices) {
  NewMandate req = Survivor();
  req.services = {U(7)};
  ExpectRefused(Create(req, DeceasedFacts()), ErrorCode::kRuleViolation,
                "dienst.niet.nabestaande");
  req.services = {U(6)};
  ExpectRefused(Create(req, DeceasedFacts()), ErrorCode::kRuleViolation,
                "dienst.andere.aanbieder");
  req.services = {U(3)};  // ORGANISATION only, agent is a person
  ExpectRefused(Create(req, DeceasedFacts()), ErrorCode::kRuleViolation, "dienst.agenttype");
}

TEST_F(CreateTest, SurvivorShape) {
  NewMandate req = Survivor();
  req.evidence.reset();
  ExpectRefused(Create(req, DeceasedFacts()), ErrorCode::kInvalidArgument, "bewijs.ontbreekt");
  req = Survivor();
  req.initiator = Initiator::kPrincipal;
  ExpectRefused(Create(req, DeceasedFacts()), ErrorCode::kInvalidArgument, "initiator.ongeldig");
  req = Survivor();
  req.provider.reset();
  ExpectRefused(Create(req, DeceasedFacts()), ErrorCode::kInvalidArgument, "provider.ontbreekt");
}

}  // namespace
}  // namespace volmacht
