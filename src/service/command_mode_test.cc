// A service made for a one-shot command (ServiceConfig::verification off) and the outbox use
// cases, on the service fixture.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "service/testing/service_fixture.h"

namespace volmacht {
namespace {

using namespace service_testing;  // NOLINT(build/namespaces): the fixture's names

class CommandModeTest : public ServiceTest {
 protected:
  // Replaces the fixture's service by one as `volmacht admin ...` makes it.
  void StartCommandService() {
    svc_.reset();
    ServiceConfig cfg{std::string(32, 'k')};
    cfg.verification = false;
    auto svc = MandateService::Create(*store_, registry_, clock_, cfg);
    ASSERT_TRUE(svc) << svc.error().message;
    svc_ = std::move(*svc);
  }
};

TEST_F(CommandModeTest, WritesAndCatalogueWorkButVerificationRefusesInsteadOfSayingNo) {
  MustActivate(kAlice, kBob);
  ASSERT_TRUE(Allowed(kBob, kAlice, kS1));
  StartCommandService();
  // The catalogue is there and follows the command's own writes.
  ASSERT_TRUE(svc_->FindProvider(kOin1));
  Provider p = *svc_->FindProvider(kOin1);
  p.name = "Belastingdienst (nieuw)";
  ASSERT_TRUE(svc_->PutProvider(Caller::Admin(), p));
  EXPECT_EQ(svc_->FindProvider(kOin1)->name, "Belastingdienst (nieuw)");
  // Writes go through as ever.
  WriteResult g = MustGrant(kAlice, {kS1});
  EXPECT_GT(g.seq, 0u);
  // Without the index a "no" would be a lie: the answer is "cannot answer here".
  auto v = Verify(kBob, kAlice, kS1);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(v.error().Is("service.no_index"));
  auto who = svc_->ForWhom(Caller::ProviderItself(kOin1, Channel::kApi), Party::Person(kBob),
                           kS1, Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_TRUE(who.error().Is("service.no_index"));
}

TEST_F(CommandModeTest, OutboxIsForOperatorsOnly) {
  WriteResult g = MustActivate(kAlice, kBob);  // a confirmation letter to the principal
  auto letters = svc_->Outbox(Caller::Admin());
  ASSERT_TRUE(letters) << letters.error().message;
  ASSERT_FALSE(letters->empty());
  EXPECT_TRUE(letters->front().pdf.empty());  // the list leaves the PDFs out
  auto one = svc_->OutboxLetter(Caller::Admin(), letters->front().id);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_FALSE(one->pdf.empty());
  EXPECT_EQ(one->mandate_id, g.mandate.mandate.id.str());
  auto missing = svc_->OutboxLetter(Caller::Admin(), U("66666666-6666-4666-8666-666666666666"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  for (const Caller& c : {alice_, Caller::ProviderItself(kOin1, Channel::kApi),
                          Caller::Clerk(kOin1, "c1"), Caller::System()}) {
    auto r = svc_->Outbox(c);
    ASSERT_FALSE(r) << c.Actor();
    EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
    EXPECT_FALSE(svc_->OutboxLetter(c, letters->front().id));
  }
}

}  // namespace
}  // namespace volmacht
