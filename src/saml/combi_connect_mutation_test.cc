// Structural mutation test of the Combi-Connect IdP's entry points: every single-step
// structural mutation (saml/testing/xml_mutations.h) of a valid AuthnRequest by Redirect and
// by POST, and of a valid ArtifactResolve envelope, is fed to CombiConnectIdp. Each must be
// refused with a client error: never a crash (run under ASan+UBSan in make test), never an
// internal error, never accepted. lasso plays the SP that builds the valid messages.
#include "saml/combi_connect.h"

#include "saml/saml_common.h"
#include "saml/testing/lasso_sp.h"
#include "saml/testing/xml_mutations.h"

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "http/form.h"

namespace volmacht::saml {
namespace {

using Idp = CombiConnectIdp;
using testing::Mutation;
using testing::RawDeflate;
using testing::StructuralMutations;

constexpr char kIdpEntity[] = "urn:nl-eid-gdi:1.0:BVD:00000001999999999000:entities:9000";
constexpr char kSpEntity[] = "urn:nl-eid-gdi:1.0:DV:00000001555555555000:entities:9005";
constexpr char kSpOin[] = "00000001555555555000";
constexpr char kAcs[] = "https://mutation-sp.test/acs";
constexpr char kService[] = "5d2a4f6e-8c1b-4e3a-9f7d-2b6c8e0a1d34";

Timestamp Now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}


// `message` with the value of its SAMLRequest parameter replaced by `encoded`.
std::string WithSamlRequest(const std::string& message, const std::string& encoded) {
  size_t start = message.find("SAMLRequest=");
  if (start == std::string::npos) return message;
  start += std::strlen("SAMLRequest=");
  size_t end = message.find('&', start);
  return message.substr(0, start) + encoded +
         (end == std::string::npos ? "" : message.substr(end));
}

bool IsCleanRefusal(const Error& e) {
  return e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kForbidden ||
         e.code == ErrorCode::kTooLarge;
}

class CombiConnectMutationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    InitLasso();
    char tmpl[] = "/tmp/combi-mutation-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    const std::string idp_key = *dir_ + "/idp-key.pem", idp_cert = *dir_ + "/idp.pem";
    const std::string sp_key = *dir_ + "/sp-key.pem", sp_cert = *dir_ + "/sp.pem";
    ASSERT_TRUE(EnsureSigningKeyPair(idp_key, idp_cert, "idp", 2048));
    ASSERT_TRUE(EnsureSigningKeyPair(sp_key, sp_cert, "sp", 2048));
    auto md = testing::SpMetadata(kSpEntity, sp_cert,
                                  {{testing::kHttpArtifact, kAcs}, {testing::kHttpPost, kAcs}});
    ASSERT_TRUE(md) << md.error().message;
    auto idp = Idp::Create({kIdpEntity, idp_key, idp_cert, "https://volmacht.test/saml/sso",
                            "https://volmacht.test/saml/ars"},
                           {{*Oin::Parse(kSpOin), *md, false}});
    ASSERT_TRUE(idp) << idp.error().message;
    idp_ = idp->release();
    auto sp = testing::MakeSpServer(*md, sp_key, sp_cert, idp_->Metadata());
    ASSERT_TRUE(sp) << sp.error().message;
    sp_ = new ServerRef(std::move(*sp));
  }
  static void TearDownTestSuite() {
    delete idp_;
    delete sp_;
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
  }

  static testing::SpAuthnRequest Request(Idp::Binding binding) {
    auto req = testing::BuildAuthnRequest(
        sp_->get(), {kIdpEntity, kService, testing::Scoping::kOptional, Loa::kMidden, binding});
    EXPECT_TRUE(req) << req.error().message;
    return req.value_or(testing::SpAuthnRequest{});
  }

  // Feeds every mutation of `xml` (re-encoded by `encode`) to ProcessAuthnRequest.
  static void ExpectEveryMutationRefused(Idp::Binding binding, const std::string& message,
                                         const std::string& xml,
                                         std::string (*encode)(const std::string&)) {
    std::vector<Mutation> mutations = StructuralMutations(xml);
    ASSERT_GT(mutations.size(), 50u) << "the valid message did not parse: nothing was tested";
    for (const Mutation& m : mutations) {
      auto r = idp_->ProcessAuthnRequest(binding, WithSamlRequest(message, encode(m.xml)), Now());
      ASSERT_FALSE(r.has_value()) << m.what << " was accepted:\n" << m.xml;
      EXPECT_TRUE(IsCleanRefusal(r.error())) << m.what << ": " << r.error().message;
    }
    std::printf("%zu mutations fed, all refused\n", mutations.size());
  }

  static std::string* dir_;
  static Idp* idp_;
  static ServerRef* sp_;
};

std::string* CombiConnectMutationTest::dir_ = nullptr;
Idp* CombiConnectMutationTest::idp_ = nullptr;
ServerRef* CombiConnectMutationTest::sp_ = nullptr;

TEST_F(CombiConnectMutationTest, AuthnRequestByRedirect) {
  auto req = Request(Idp::Binding::kRedirect);
  ASSERT_TRUE(idp_->ProcessAuthnRequest(req.binding, req.message, Now()));  // valid as built
  auto xml = DecodeRedirectMessage(req.message, "SAMLRequest");
  ASSERT_TRUE(xml) << xml.error().message;
  ExpectEveryMutationRefused(req.binding, req.message, *xml, [](const std::string& x) {
    return UrlEncode(Base64Encode(RawDeflate(x)));
  });
}

TEST_F(CombiConnectMutationTest, AuthnRequestByPost) {
  auto req = Request(Idp::Binding::kPost);
  ASSERT_TRUE(idp_->ProcessAuthnRequest(req.binding, req.message, Now()));
  auto form = http::ParseForm(req.message, kMaxEncodedMessageBytes,
                              http::FormControls::kAllowLineBreaks);
  ASSERT_TRUE(form);
  auto xml = Base64Decode(form->Get("SAMLRequest").value_or(""), kMaxDecodedMessageBytes);
  ASSERT_TRUE(xml) << xml.error().message;
  ExpectEveryMutationRefused(req.binding, req.message, *xml, [](const std::string& x) {
    return UrlEncode(Base64Encode(x));
  });
}

// ds:KeyInfo is not covered by the signature and not used (the key comes from the provider's
// metadata), so an ArtifactResolve with a changed KeyInfo is still valid and may be answered.
bool MayBeAccepted(const Mutation& m) { return m.path.find("/KeyInfo") != std::string::npos; }

TEST_F(CombiConnectMutationTest, ArtifactResolve) {
  const Oin oin = *Oin::Parse(kSpOin);
  // A fresh signed ArtifactResolve for a fresh artifact (an accepted one uses it up).
  auto fresh = [&](Timestamp now) {
    auto req = Request(Idp::Binding::kRedirect);
    auto info = idp_->ProcessAuthnRequest(req.binding, req.message, now);
    EXPECT_TRUE(info) << info.error().message;
    auto reply = idp_->Succeed(*info, *Bsn::Parse("999993653"), *Bsn::Parse("999990019"),
                               Loa::kMidden, now);
    EXPECT_TRUE(reply) << reply.error().message;
    auto resolve = testing::BuildArtifactResolve(sp_->get(), reply->url, now);
    EXPECT_TRUE(resolve) << resolve.error().message;
    return std::move(*resolve);
  };
  Timestamp now = Now();
  testing::ArtifactResolve resolve = fresh(now);
  std::vector<Mutation> mutations = StructuralMutations(resolve.soap);
  ASSERT_GT(mutations.size(), 50u) << "the valid message did not parse: nothing was tested";
  size_t accepted = 0;
  for (size_t k = 0; k < mutations.size(); ++k) {
    const Mutation& m = mutations[k];
    auto r = idp_->ResolveArtifact(m.xml, oin, now);
    if (r.has_value()) {
      ASSERT_TRUE(MayBeAccepted(m)) << m.what << " was accepted:\n" << m.xml;
      auto got = testing::ReadArtifactResponse(sp_->get(), resolve.login.get(), *r);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(got->legal, "999990019") << m.what;
      ++accepted;
      resolve = fresh(now);
      std::vector<Mutation> again = StructuralMutations(resolve.soap);
      ASSERT_EQ(again.size(), mutations.size());
      mutations = std::move(again);
      continue;
    }
    EXPECT_TRUE(IsCleanRefusal(r.error())) << m.what << ": " << r.error().message;
  }
  EXPECT_LT(accepted, mutations.size() / 10) << "most mutations should be refused";
  std::printf("%zu mutations fed, %zu accepted (KeyInfo only)\n", mutations.size(), accepted);
  // None of the refused ones used the artifact up: the valid ArtifactResolve gets the assertion.
  auto envelope = idp_->ResolveArtifact(resolve.soap, oin, now);
  ASSERT_TRUE(envelope) << envelope.error().message;
  auto got = testing::ReadArtifactResponse(sp_->get(), resolve.login.get(), *envelope);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->lasso_rc, 0);
  EXPECT_EQ(got->legal, "999990019");
}

}  // namespace
}  // namespace volmacht::saml
