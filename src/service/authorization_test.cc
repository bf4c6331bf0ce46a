// The policy table of authorization.h, cell by cell against an expectation written out
// here independently of it, and the named rules on sample mandates and a sample catalogue.
#include "service/authorization.h"

#include <gtest/gtest.h>

#include "domain/domain_test_util.h"

#include <iterator>
#include <string>

namespace volmacht {
namespace {

using testing::B;
using testing::O;
using testing::U;

const Bsn kAlice = B("999993653");
const Bsn kBob = B("123456782");
const Bsn kCarol = B("111222333");
const Oin kCounterOin = O("00000001234567890000");  // active, signed the counter addendum
const Oin kPlainOin = O("00000003123456780000");    // active, no addendum
const Oin kInactiveOin = O("00000004123456780000");
const Oin kUnknownOin = O("00000006123456780000");           // not in the catalogue
const Uuid kS1 = U("11111111-1111-4111-8111-111111111111");  // kCounterOin
const Uuid kS3 = U("33333333-3333-4333-8333-333333333333");  // kPlainOin
const Uuid kS5 = U("55555555-5555-4555-8555-555555555555");  // kInactiveOin
const Uuid kUnknownService = U("99999999-9999-4999-8999-999999999999");

constexpr Caller::Kind kKinds[] = {Caller::Kind::kCitizen,  Caller::Kind::kProviderForCitizen,
                                   Caller::Kind::kProvider, Caller::Kind::kClerk,
                                   Caller::Kind::kAdmin,    Caller::Kind::kSystem};

// A caller of each kind with the identity the adapters give it.
Caller Complete(Caller::Kind k) {
  switch (k) {
    case Caller::Kind::kCitizen:
      return Caller::Citizen(kAlice, Channel::kWeb);
    case Caller::Kind::kProviderForCitizen:
      return Caller::ProviderForCitizen(kCounterOin, kAlice, Channel::kApi);
    case Caller::Kind::kProvider:
      return Caller::ProviderItself(kCounterOin, Channel::kApi);
    case Caller::Kind::kClerk:
      return Caller::Clerk(kCounterOin, "balie-1");
    case Caller::Kind::kAdmin:
      return Caller::Admin();
    case Caller::Kind::kSystem:
      return Caller::System();
  }
  return Caller::System();
}

// 'A' allowed, 'F' kForbidden, 'N' kNotFound; columns in the order of kKinds:
// citizen, provider for citizen, provider, clerk, admin, system.
struct Expected {
  Action action;
  const char* cells;
};
constexpr Expected kExpected[] = {
    {Action::kPutCatalogue, "FFFFAF"},
    {Action::kGrant, "AAFFFF"},
    {Action::kAsk, "AAFFFF"},
    {Action::kActivate, "AAFFFF"},
    {Action::kApprove, "AAAANN"},
    {Action::kDecline, "AAAANN"},
    {Action::kWithdraw, "AAAANN"},
    {Action::kRevoke, "AAAANN"},
    {Action::kRestrict, "AAAANN"},
    {Action::kCreateDirect, "AAFAFF"},
    {Action::kCreateSurvivor, "FFFAFF"},
    {Action::kListOwn, "AAFFFF"},
    {Action::kListByPrincipal, "AAAAFF"},
    {Action::kReadMandate, "AAAANN"},
    {Action::kVerify, "FAAFFF"},
    {Action::kLogin, "FFAFFF"},
    {Action::kReadOutbox, "FFFFAF"},
};

void ExpectAnswer(const Result<void>& r, char cell, const std::string& what) {
  switch (cell) {
    case 'A':
      EXPECT_TRUE(r.has_value()) << what << ": " << r.error().message;
      break;
    case 'F':
      ASSERT_FALSE(r.has_value()) << what;
      EXPECT_EQ(r.error().code, ErrorCode::kForbidden) << what;
      EXPECT_FALSE(r.error().message.empty()) << what;
      break;
    case 'N':
      ASSERT_FALSE(r.has_value()) << what;
      EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << what;
      // Word for word what a missing mandate gets.
      EXPECT_EQ(r.error().message, "Machtiging niet gevonden") << what;
      break;
    default:
      FAIL() << "bad cell " << cell;
  }
}

TEST(AuthorizeTest, EveryCallerKindAndAction) {
  ASSERT_EQ(std::size(kExpected), std::size(kAllActions));
  for (size_t a = 0; a < std::size(kExpected); ++a) {
    const Expected& e = kExpected[a];
    ASSERT_EQ(e.action, kAllActions[a]);
    ASSERT_EQ(std::string(e.cells).size(), std::size(kKinds));
    for (size_t k = 0; k < std::size(kKinds); ++k) {
      Caller c = Complete(kKinds[k]);
      std::string what = std::string(ActionName(e.action)) + " by " + c.Actor();
      ExpectAnswer(Authorize(c, e.action), e.cells[k], what);
      Rule rule = RuleFor(kKinds[k], e.action);
      EXPECT_EQ(rule, e.cells[k] == 'A'   ? Rule::kAllow
                      : e.cells[k] == 'N' ? Rule::kHide
                                          : Rule::kDeny)
          << what;
    }
  }
}

TEST(AuthorizeTest, EachActionHasItsOwnName) {
  for (size_t i = 0; i < std::size(kAllActions); ++i) {
    for (size_t j = i + 1; j < std::size(kAllActions); ++j) {
      EXPECT_NE(ActionName(kAllActions[i]), ActionName(kAllActions[j]));
    }
  }
}

TEST(AuthorizeTest, AllowedKindsMustCarryTheirIdentity) {
  Caller citizen_without_bsn = Caller::Citizen(kAlice, Channel::kWeb);
  citizen_without_bsn.bsn.reset();
  for (Action a : {Action::kGrant, Action::kAsk, Action::kActivate, Action::kListOwn,
                   Action::kListByPrincipal}) {
    ExpectAnswer(Authorize(citizen_without_bsn, a), 'F', std::string(ActionName(a)));
  }
  // Where a named rule checks the BSN itself, or visibility does, the gate lets it pass.
  ExpectAnswer(Authorize(citizen_without_bsn, Action::kCreateDirect), 'A', "CREATE_DIRECT");
  ExpectAnswer(Authorize(citizen_without_bsn, Action::kReadMandate), 'A', "READ_MANDATE");

  Caller pfc_without_bsn = Caller::ProviderForCitizen(kCounterOin, kAlice, Channel::kApi);
  pfc_without_bsn.bsn.reset();
  ExpectAnswer(Authorize(pfc_without_bsn, Action::kGrant), 'F', "GRANT");
  ExpectAnswer(Authorize(pfc_without_bsn, Action::kVerify), 'A', "VERIFY");

  Caller pfc_without_oin = Caller::ProviderForCitizen(kCounterOin, kAlice, Channel::kApi);
  pfc_without_oin.provider.reset();
  ExpectAnswer(Authorize(pfc_without_oin, Action::kVerify), 'F', "VERIFY");
  ExpectAnswer(Authorize(pfc_without_oin, Action::kGrant), 'A', "GRANT");

  Caller provider_without_oin = Caller::ProviderItself(kCounterOin, Channel::kApi);
  provider_without_oin.provider.reset();
  ExpectAnswer(Authorize(provider_without_oin, Action::kVerify), 'F', "VERIFY");
  ExpectAnswer(Authorize(provider_without_oin, Action::kListByPrincipal), 'A', "LIST");
}

// ----- The named rules -----

class RulesTest : public ::testing::Test {
 protected:
  RulesTest() {
    cat_.Put(Provider{kCounterOin, "Belastingdienst", "", "", /*counter_addendum=*/true});
    cat_.Put(Provider{kPlainOin, "Gemeente", "", "", /*counter_addendum=*/false});
    Provider inactive{kInactiveOin, "Oud", "", "", /*counter_addendum=*/true};
    inactive.active = false;
    cat_.Put(inactive);
    for (auto [id, oin] :
         {std::pair{kS1, kCounterOin}, std::pair{kS3, kPlainOin}, std::pair{kS5, kInactiveOin}}) {
      Service s;
      s.id = id;
      s.provider = oin;
      cat_.Put(s);
    }
  }

  static Mandate Voluntary(Initiator who, std::vector<Uuid> services = {kS1}) {
    Mandate m;
    m.kind = MandateKind::kVoluntary;
    m.principal = kAlice;
    m.agent = Party::Person(kBob);
    m.initiator = who;
    m.services = std::move(services);
    return m;
  }
  static Mandate Direct(const Oin& provider, const Uuid& service) {
    Mandate m;
    m.kind = MandateKind::kDirect;
    m.principal = kAlice;
    m.agent = Party::Provider(provider);
    m.provider = provider;
    m.initiator = Initiator::kProvider;
    m.services = {service};
    m.state = MandateState::kActive;
    return m;
  }

  static Caller Citizen(const Bsn& b) { return Caller::Citizen(b, Channel::kWeb); }
  static Caller ForCitizen(const Oin& o, const Bsn& b) {
    return Caller::ProviderForCitizen(o, b, Channel::kApi);
  }
  static Caller Prov(const Oin& o) { return Caller::ProviderItself(o, Channel::kApi); }
  static Caller Clerk(const Oin& o) { return Caller::Clerk(o, "balie-1"); }

  static void ExpectForbidden(const Result<void>& r) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  }

  CatalogueSnapshot cat_;
};

TEST_F(RulesTest, CanSee) {
  Mandate flow_a = Voluntary(Initiator::kPrincipal);
  EXPECT_TRUE(CanSee(Citizen(kAlice), flow_a, cat_));
  EXPECT_TRUE(CanSee(Citizen(kBob), flow_a, cat_));
  EXPECT_FALSE(CanSee(Citizen(kCarol), flow_a, cat_));
  // A provider acting for a party sees the mandate only when it touches its own services.
  EXPECT_TRUE(CanSee(ForCitizen(kCounterOin, kAlice), flow_a, cat_));
  EXPECT_FALSE(CanSee(ForCitizen(kPlainOin, kAlice), flow_a, cat_));
  EXPECT_FALSE(CanSee(ForCitizen(kCounterOin, kCarol), flow_a, cat_));
  // Providers themselves see only their own DIRECT/SURVIVOR mandates.
  EXPECT_FALSE(CanSee(Prov(kCounterOin), flow_a, cat_));
  Mandate direct = Direct(kCounterOin, kS1);
  EXPECT_TRUE(CanSee(Prov(kCounterOin), direct, cat_));
  EXPECT_FALSE(CanSee(Prov(kPlainOin), direct, cat_));
  EXPECT_TRUE(CanSee(Clerk(kCounterOin), direct, cat_));
  // A clerk needs a provider that signed the counter addendum.
  Mandate plain_direct = Direct(kPlainOin, kS3);
  EXPECT_TRUE(CanSee(Prov(kPlainOin), plain_direct, cat_));
  EXPECT_FALSE(CanSee(Clerk(kPlainOin), plain_direct, cat_));
  EXPECT_TRUE(CanSee(Citizen(kAlice), direct, cat_));
  EXPECT_FALSE(CanSee(Caller::Admin(), flow_a, cat_));
  EXPECT_FALSE(CanSee(Caller::System(), direct, cat_));
}

TEST_F(RulesTest, MayActivateRequest) {
  Mandate unnamed = Voluntary(Initiator::kPrincipal);
  unnamed.agent.reset();
  EXPECT_TRUE(MayActivateRequest(Citizen(kBob), unnamed, cat_));
  EXPECT_TRUE(MayActivateRequest(Citizen(kCarol), unnamed, cat_));
  Mandate named = Voluntary(Initiator::kPrincipal);
  EXPECT_TRUE(MayActivateRequest(Citizen(kBob), named, cat_));
  EXPECT_FALSE(MayActivateRequest(Citizen(kCarol), named, cat_));
  EXPECT_TRUE(MayActivateRequest(ForCitizen(kCounterOin, kBob), named, cat_));
  EXPECT_FALSE(MayActivateRequest(ForCitizen(kPlainOin, kBob), named, cat_));
  EXPECT_FALSE(MayActivateRequest(Prov(kCounterOin), unnamed, cat_));
}

TEST_F(RulesTest, ApproveDeclineWithdrawRestrict) {
  Mandate flow_a = Voluntary(Initiator::kPrincipal);
  Mandate flow_b = Voluntary(Initiator::kAgent);
  Mandate direct = Direct(kCounterOin, kS1);

  EXPECT_TRUE(MayApprove(Citizen(kAlice), flow_b));
  ExpectForbidden(MayApprove(Citizen(kBob), flow_b));
  ExpectForbidden(MayApprove(Citizen(kAlice), flow_a));
  ExpectForbidden(MayApprove(Prov(kCounterOin), direct));

  EXPECT_TRUE(MayDecline(Citizen(kBob), flow_a));
  ExpectForbidden(MayDecline(Citizen(kAlice), flow_a));
  EXPECT_TRUE(MayDecline(Citizen(kAlice), flow_b));
  ExpectForbidden(MayDecline(Citizen(kBob), flow_b));
  ExpectForbidden(MayDecline(Citizen(kAlice), direct));

  for (const Mandate& m : {flow_a, flow_b}) {
    EXPECT_TRUE(MayWithdraw(Citizen(kAlice), m));
    EXPECT_TRUE(MayWithdraw(Citizen(kBob), m));
    ExpectForbidden(MayWithdraw(Citizen(kCarol), m));
  }
  ExpectForbidden(MayWithdraw(Citizen(kAlice), direct));

  EXPECT_TRUE(MayRestrict(Citizen(kAlice), flow_a));
  EXPECT_TRUE(MayRestrict(ForCitizen(kCounterOin, kBob), flow_a));
  ExpectForbidden(MayRestrict(Citizen(kCarol), flow_a));
  ExpectForbidden(MayRestrict(Prov(kCounterOin), direct));
}

TEST_F(RulesTest, MayRevokeAnswersTheCapacity) {
  Mandate flow_a = Voluntary(Initiator::kPrincipal);
  EXPECT_EQ(MayRevoke(Citizen(kAlice), flow_a, cat_), EndReason::kByPrincipal);
  EXPECT_EQ(MayRevoke(Citizen(kBob), flow_a, cat_), EndReason::kByAgent);
  EXPECT_EQ(MayRevoke(Citizen(kCarol), flow_a, cat_).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(MayRevoke(Prov(kCounterOin), flow_a, cat_).error().code, ErrorCode::kForbidden);
  Mandate direct = Direct(kCounterOin, kS1);
  EXPECT_EQ(MayRevoke(Citizen(kAlice), direct, cat_), EndReason::kByPrincipal);
  EXPECT_EQ(MayRevoke(Prov(kCounterOin), direct, cat_), EndReason::kByProvider);
  EXPECT_EQ(MayRevoke(Clerk(kCounterOin), direct, cat_), EndReason::kByProvider);
  EXPECT_EQ(MayRevoke(Prov(kPlainOin), direct, cat_).error().code, ErrorCode::kForbidden);
  Mandate plain_direct = Direct(kPlainOin, kS3);
  EXPECT_EQ(MayRevoke(Clerk(kPlainOin), plain_direct, cat_).error().code, ErrorCode::kForbidden);
}

TEST_F(RulesTest, ServicesOfTheCallingProvider) {
  EXPECT_TRUE(ServiceOfCaller(Prov(kCounterOin), kS1, cat_));
  ExpectForbidden(ServiceOfCaller(Prov(kCounterOin), kS3, cat_));
  ExpectForbidden(ServiceOfCaller(Prov(kCounterOin), kUnknownService, cat_));
  ExpectForbidden(ServiceOfCaller(Citizen(kAlice), kS1, cat_));

  // Only a provider acting for a citizen is held to its own services when naming them.
  EXPECT_TRUE(MayNameService(ForCitizen(kCounterOin, kAlice), kS1, cat_));
  ExpectForbidden(MayNameService(ForCitizen(kCounterOin, kAlice), kS3, cat_));
  EXPECT_TRUE(MayNameService(Citizen(kAlice), kS3, cat_));
  EXPECT_TRUE(MayNameService(Clerk(kCounterOin), kS3, cat_));
}

TEST_F(RulesTest, CounterModule) {
  EXPECT_TRUE(MayUseCounter(Clerk(kCounterOin), cat_));
  ExpectForbidden(MayUseCounter(Clerk(kPlainOin), cat_));
  ExpectForbidden(MayUseCounter(Clerk(kInactiveOin), cat_));
  ExpectForbidden(MayUseCounter(Clerk(kUnknownOin), cat_));
  ExpectForbidden(MayUseCounter(Prov(kCounterOin), cat_));
}

TEST_F(RulesTest, CitizensActAndListOnlyForThemselves) {
  EXPECT_TRUE(MayActFor(Citizen(kAlice), kAlice));
  ExpectForbidden(MayActFor(Citizen(kAlice), kBob));
  EXPECT_TRUE(MayActFor(ForCitizen(kCounterOin, kAlice), kAlice));
  ExpectForbidden(MayActFor(ForCitizen(kCounterOin, kAlice), kBob));
  ExpectForbidden(MayActFor(Clerk(kCounterOin), kAlice));

  EXPECT_TRUE(MayListPrincipal(Citizen(kAlice), kAlice));
  ExpectForbidden(MayListPrincipal(Citizen(kAlice), kBob));
  ExpectForbidden(MayListPrincipal(ForCitizen(kCounterOin, kAlice), kBob));
  EXPECT_TRUE(MayListPrincipal(Clerk(kPlainOin), kBob));
  EXPECT_TRUE(MayListPrincipal(Prov(kPlainOin), kBob));
  ExpectForbidden(MayListPrincipal(Caller::Admin(), kBob));
}

TEST_F(RulesTest, MayVerify) {
  EXPECT_TRUE(MayVerify(Prov(kCounterOin), kS1, cat_));
  EXPECT_TRUE(MayVerify(ForCitizen(kPlainOin, kAlice), kS3, cat_));
  ExpectForbidden(MayVerify(Prov(kCounterOin), kS3, cat_));
  ExpectForbidden(MayVerify(Prov(kCounterOin), kUnknownService, cat_));
  // Its own service, but the provider is no longer active.
  ExpectForbidden(MayVerify(Prov(kInactiveOin), kS5, cat_));
}

// Every use case refuses a caller acting for an unknown or inactive provider, whichever
// adapter it came through (the REST adapter no longer checks this itself).
TEST_F(RulesTest, OnlyKnownActiveProvidersMayAct) {
  const Oin unknown = O("00000004000000000001");
  for (Action a : {Action::kGrant, Action::kAsk, Action::kActivate, Action::kCreateDirect,
                   Action::kListOwn, Action::kListByPrincipal}) {
    SCOPED_TRACE(std::string(ActionName(a)));
    EXPECT_TRUE(Authorize(ForCitizen(kCounterOin, kAlice), a, cat_));
    ExpectForbidden(Authorize(ForCitizen(kInactiveOin, kAlice), a, cat_));
    ExpectForbidden(Authorize(ForCitizen(unknown, kAlice), a, cat_));
  }
  ExpectForbidden(Authorize(Clerk(kInactiveOin), Action::kCreateSurvivor, cat_));
  EXPECT_TRUE(Authorize(Clerk(kCounterOin), Action::kCreateSurvivor, cat_));
  ExpectForbidden(ProviderIsActive(Prov(unknown), cat_));
  EXPECT_EQ(ProviderIsActive(Prov(unknown), cat_).error().reason, "provider.not_active");
  // Callers that do not act for a provider are not asked about one.
  EXPECT_TRUE(ProviderIsActive(Citizen(kAlice), cat_));
  EXPECT_TRUE(Authorize(Citizen(kAlice), Action::kGrant, cat_));
}

}  // namespace
}  // namespace volmacht
