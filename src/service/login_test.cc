// The login use cases (BeginLogin, LoginOptionsFor, CompleteLogin) on the service fixture:
// what the protocol adapters no longer decide themselves.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "service/testing/service_fixture.h"

namespace volmacht {
namespace {

using namespace service_testing;  // NOLINT(build/namespaces): the fixture's names

class LoginTest : public ServiceTest {
 protected:
  Caller Saml(const Oin& oin = kOin1) { return Caller::ProviderItself(oin, Channel::kSaml); }
  Caller Oidc(const Oin& oin = kOin1) { return Caller::ProviderItself(oin, Channel::kOidc); }
  static LoginRequest Req(const Uuid& service, Representation r, Loa loa = Loa::kBasis) {
    return {service, r, loa};
  }
  static Result<void> Ok() { return {}; }

  void Deactivate(const Oin& oin) {
    Provider p = *svc_->FindProvider(oin);
    p.active = false;
    ASSERT_TRUE(svc_->PutProvider(Caller::Admin(), p));
  }
  std::vector<MandateUse> Uses(const Uuid& id) {
    svc_->FlushUses();
    return store_->UsesOfMandate(id).value();
  }
};

TEST_F(LoginTest, BeginAsksTheServicesLevelOnlyWhenRepresentationIsMandatory) {
  auto optional = svc_->BeginLogin(Saml(), Req(kS2, Representation::kOptional, Loa::kMidden));
  ASSERT_TRUE(optional) << optional.error().message;
  EXPECT_EQ(*optional, Loa::kMidden);
  auto mandatory = svc_->BeginLogin(Saml(), Req(kS2, Representation::kMandatory, Loa::kMidden));
  ASSERT_TRUE(mandatory) << mandatory.error().message;
  EXPECT_EQ(*mandatory, Loa::kSubstantieel);
  // Never lower than what the provider asked.
  auto higher = svc_->BeginLogin(Saml(), Req(kS1, Representation::kMandatory, Loa::kHoog));
  ASSERT_TRUE(higher);
  EXPECT_EQ(*higher, Loa::kHoog);
}

TEST_F(LoginTest, ForeignUnknownServiceOrInactiveProviderIsRefused) {
  auto foreign = svc_->BeginLogin(Saml(), Req(kS3, Representation::kNone));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(foreign.error().Is(kReasonLoginForeignService));
  auto unknown = svc_->BeginLogin(Oidc(), Req(U("66666666-6666-4666-8666-666666666666"),
                                              Representation::kNone));
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().Is(kReasonLoginForeignService));
  // Only the provider's own system asks for a login.
  auto citizen = svc_->BeginLogin(alice_, Req(kS1, Representation::kNone));
  ASSERT_FALSE(citizen);
  EXPECT_EQ(citizen.error().code, ErrorCode::kForbidden);

  Deactivate(kOin1);
  auto inactive = svc_->BeginLogin(Saml(), Req(kS1, Representation::kNone));
  ASSERT_FALSE(inactive);
  EXPECT_EQ(inactive.error().code, ErrorCode::kForbidden);
  EXPECT_FALSE(inactive.error().Is(kReasonLoginForeignService));
}

TEST_F(LoginTest, OptionsNameWhomThePersonMayActFor) {
  WriteResult m = MustActivate(kAlice, kBob);
  // No representation asked: no choice, whatever mandates exist.
  auto none = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kNone), kBob, Loa::kMidden);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->choose);
  EXPECT_TRUE(none->candidates.empty());

  auto opts = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kOptional), kBob,
                                    Loa::kMidden);
  ASSERT_TRUE(opts) << opts.error().message;
  EXPECT_TRUE(opts->choose);
  EXPECT_TRUE(opts->allow_myself);
  ASSERT_EQ(opts->candidates.size(), 1u);
  EXPECT_EQ(opts->candidates[0].principal, kAlice);
  EXPECT_EQ(opts->candidates[0].mandate, m.mandate.mandate.id);
  EXPECT_EQ(opts->candidates[0].name, "Alice de Vries");
  EXPECT_EQ(opts->candidates[0].birth_year, 1960);

  auto mandatory = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kMandatory), kBob,
                                         Loa::kMidden);
  ASSERT_TRUE(mandatory);
  EXPECT_TRUE(mandatory->choose);
  EXPECT_FALSE(mandatory->allow_myself);

  // Nobody: optional answers as themselves, mandatory refuses.
  auto nobody = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kOptional), kCarol,
                                      Loa::kMidden);
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(nobody->choose);
  auto refused = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kMandatory), kCarol,
                                       Loa::kMidden);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().Is(kReasonLoginNoMandate));
}

TEST_F(LoginTest, AFailureRefusesTheLoginInsteadOfFallingBackToMyself) {
  MustActivate(kAlice, kBob);
  // The provider was switched off while the person was at DigiD: the mandates cannot be
  // asked for, so the login is refused, not answered "as yourself".
  Deactivate(kOin1);
  auto opts = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kOptional), kBob,
                                    Loa::kMidden);
  ASSERT_FALSE(opts);
  EXPECT_EQ(opts.error().code, ErrorCode::kForbidden);
}

TEST_F(LoginTest, TheRegisterDownIsAnErrorNotAnEmptyChoice) {
  MustActivate(kAlice, kBob);
  registry_.SetDown(true);
  auto opts = svc_->LoginOptionsFor(Saml(), Req(kS1, Representation::kOptional), kBob,
                                    Loa::kMidden);
  ASSERT_FALSE(opts);
  EXPECT_EQ(opts.error().code, ErrorCode::kUnavailable);
}

TEST_F(LoginTest, CompleteRechecksAnswersAndThenRecordsTheUseWithItsChannel) {
  WriteResult m = MustActivate(kAlice, kBob);
  const Uuid id = m.mandate.mandate.id;
  int answered = 0;
  auto answer = [&]() -> Result<void> {
    ++answered;
    return {};
  };
  auto done = svc_->CompleteLogin(Oidc(), Req(kS1, Representation::kMandatory), kBob,
                                  Loa::kMidden, kAlice, answer);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(*done, id);
  EXPECT_EQ(answered, 1);
  std::vector<MandateUse> uses = Uses(id);
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0].channel, Channel::kOidc);
  EXPECT_EQ(uses[0].provider, kOin1);
  EXPECT_EQ(uses[0].service, kS1);
}

TEST_F(LoginTest, AFailedAnswerRecordsNoUse) {
  WriteResult m = MustActivate(kAlice, kBob);
  auto done = svc_->CompleteLogin(Saml(), Req(kS1, Representation::kOptional), kBob,
                                  Loa::kMidden, kAlice,
                                  [] { return Result<void>(Fail(Error::Internal("signing"))); });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(Uses(m.mandate.mandate.id).empty());
}

TEST_F(LoginTest, AMandateThatEndedWhileThePageWasOpenIsRefusedUnanswered) {
  WriteResult m = MustActivate(kAlice, kBob);
  ASSERT_TRUE(svc_->Revoke(alice_, m.mandate.mandate.id));
  int answered = 0;
  auto done = svc_->CompleteLogin(Saml(), Req(kS1, Representation::kOptional), kBob,
                                  Loa::kMidden, kAlice, [&] {
                                    ++answered;
                                    return Ok();
                                  });
  ASSERT_FALSE(done);
  EXPECT_TRUE(done.error().Is(kReasonLoginNoMandate));
  EXPECT_EQ(answered, 0);
  EXPECT_TRUE(Uses(m.mandate.mandate.id).empty());
}

TEST_F(LoginTest, MyselfIsRefusedWhenRepresentationIsMandatory) {
  int answered = 0;
  auto count = [&] {
    ++answered;
    return Ok();
  };
  auto mandatory = svc_->CompleteLogin(Saml(), Req(kS1, Representation::kMandatory), kBob,
                                       Loa::kMidden, std::nullopt, count);
  ASSERT_FALSE(mandatory);
  EXPECT_TRUE(mandatory.error().Is(kReasonLoginRepresentationRequired));
  EXPECT_EQ(answered, 0);
  auto optional = svc_->CompleteLogin(Saml(), Req(kS1, Representation::kOptional), kBob,
                                      Loa::kMidden, std::nullopt, count);
  ASSERT_TRUE(optional) << optional.error().message;
  EXPECT_FALSE(*optional);
  EXPECT_EQ(answered, 1);
}

}  // namespace
}  // namespace volmacht
