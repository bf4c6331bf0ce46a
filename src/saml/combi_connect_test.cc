// CombiConnectIdp against two independent service providers: pysaml2 (tests/interop/
// pysaml2_sp.py, run by /usr/bin/python3; skipped when pysaml2 is missing) and lasso acting as
// SP. Every success is checked in the assertion as the SP decrypted it: both BSNs, the
// ServiceUUID, the LoA class ref, audience, InResponseTo and the 2-minute bearer window.
#include "saml/combi_connect.h"

#include "saml/saml_common.h"
#include "saml/testing/lasso_sp.h"

#include <lasso/saml-2.0/saml2_helper.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_authn_context.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "http/test_support.h"

namespace volmacht::saml {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Idp = CombiConnectIdp;
using http::testing::QueryParam;
using testing::Scoping;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kIdpEntity[] = "urn:nl-eid-gdi:1.0:BVD:00000001999999999000:entities:9000";
constexpr char kSso[] = "https://volmacht.test/saml/sso";
constexpr char kArs[] = "https://volmacht.test/saml/ars";
constexpr char kService[] = "5d2a4f6e-8c1b-4e3a-9f7d-2b6c8e0a1d34";
constexpr char kSuccess[] = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr char kResponder[] = "urn:oasis:names:tc:SAML:2.0:status:Responder";
constexpr char kRequester[] = "urn:oasis:names:tc:SAML:2.0:status:Requester";
constexpr char kLegacyBsn[] = "urn:nl-eid-gdi:1.0:id:legacy-BSN";
constexpr char kPython[] = "/usr/bin/python3";

struct Sp {
  std::string entity_id;
  std::string oin;
  std::string acs;
  std::string config_file;  // pysaml2 settings (pysaml2 SPs only)
  std::string metadata;
};

Timestamp Now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

Bsn B(const char* s) { return *Bsn::Parse(s); }
Oin O(const std::string& s) { return *Oin::Parse(s); }

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}


// The pysaml2 side of the world, shared by all tests (key generation is slow-ish).
class Env {
 public:
  static Env& Get() {
    static Env* env = new Env();
    return *env;
  }
  bool pysaml2 = false;  // python3-pysaml2 importable by /usr/bin/python3
  std::string broken;    // what tests/interop/pysaml2_sp.py said when it failed ("" = fine)
  std::string dir, script;
  std::string idp_key, idp_cert, sp_key, sp_cert, rogue_key, rogue_cert, lasso_key, lasso_cert;
  Sp py_art, py_post, py_unknown, lasso_sp;
  std::string idp_metadata_file;

  json Py(const std::string& args) const {
    std::string cmd = std::string(kPython) + " " + Quote(script) + " " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    auto j = json::parse(out, nullptr, false);
    if (j.is_discarded()) return json{{"error", out}};
    return j;
  }

  CombiConnectConfig Config() const {
    return {kIdpEntity, idp_key, idp_cert, kSso, kArs};
  }
  std::vector<ProviderSp> Providers() const {
    std::vector<ProviderSp> out;
    if (pysaml2 && broken.empty()) {
      out.push_back({O(py_art.oin), py_art.metadata, false});
      out.push_back({O(py_post.oin), py_post.metadata, true});
    }
    out.push_back({O(lasso_sp.oin), lasso_sp.metadata, false});
    return out;
  }

 private:
  Env() {
    InitLasso();
    char tmpl[] = "/tmp/combi-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    static std::string cleanup_dir;  // keys and configs go when the test binary exits
    cleanup_dir = dir;
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(cleanup_dir, ec);
    });
    script = std::string(VOLMACHT_SOURCE_DIR) + "/tests/interop/pysaml2_sp.py";
    auto pair = [&](const std::string& name, std::string* key, std::string* cert) {
      *key = dir + "/" + name + "-key.pem";
      *cert = dir + "/" + name + ".pem";
      auto r = EnsureSigningKeyPair(*key, *cert, name, 2048);
      if (!r) std::abort();
    };
    pair("idp", &idp_key, &idp_cert);
    pair("sp", &sp_key, &sp_cert);
    pair("rogue", &rogue_key, &rogue_cert);
    pair("lasso-sp", &lasso_key, &lasso_cert);

    // Our metadata depends only on config and certificate: an IdP without providers is
    // enough to write it for the SPs.
    auto idp = Idp::Create(Config(), {});
    if (!idp) std::abort();
    idp_metadata_file = dir + "/idp.xml";
    WriteAll(idp_metadata_file, (*idp)->Metadata());

    lasso_sp = {"urn:nl-eid-gdi:1.0:DV:00000001444444444000:entities:9004",
                "00000001444444444000", "https://lasso-sp.test/acs", "", ""};
    auto lasso_md = testing::SpMetadata(
        lasso_sp.entity_id, lasso_cert,
        {{testing::kHttpArtifact, lasso_sp.acs}, {testing::kHttpPost, lasso_sp.acs}});
    if (!lasso_md) std::abort();
    lasso_sp.metadata = *lasso_md;

    pysaml2 = std::system((std::string(kPython) + " -c 'import saml2' 2>/dev/null").c_str()) == 0;
    if (!pysaml2) return;
    py_art = MakePySp("art", "urn:nl-eid-gdi:1.0:DV:00000001111111111000:entities:9001",
                      "00000001111111111000", "https://sp.test/acs");
    py_post = MakePySp("post", "urn:nl-eid-gdi:1.0:DV:00000001222222222000:entities:9002",
                       "00000001222222222000", "https://post.test/acs?x=1");
    py_unknown = MakePySp("unknown", "urn:nl-eid-gdi:1.0:DV:00000001333333333000:entities:9003",
                          "00000001333333333000", "https://unknown.test/acs");
  }

  Sp MakePySp(const std::string& name, const std::string& entity, const std::string& oin,
              const std::string& acs) {
    Sp sp{entity, oin, acs, dir + "/" + name + ".json", ""};
    json settings = {{"entity_id", entity},    {"acs_url", acs},
                     {"key_file", sp_key},     {"cert_file", sp_cert},
                     {"idp_metadata_file", idp_metadata_file}};
    WriteAll(sp.config_file, settings.dump());
    json md = Py("metadata --sp-config " + Quote(sp.config_file));
    sp.metadata = md.value("metadata", "");
    // pysaml2 is installed but our helper does not work: a failure of the test, not a skip.
    if (sp.metadata.empty() && broken.empty()) broken = md.dump();
    return sp;
  }
};

class CombiConnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = &Env::Get();
    auto idp = Idp::Create(env_->Config(), env_->Providers());
    ASSERT_TRUE(idp.has_value()) << idp.error().message;
    idp_ = std::move(*idp);
  }
  // Use as `if (!Pysaml2Ready()) return;`: skips when pysaml2 is not installed, fails when it
  // is but our helper script does not work.
  bool Pysaml2Ready() const {
    if (!env_->pysaml2) {
      [] { GTEST_SKIP() << "python3-pysaml2 not available for /usr/bin/python3"; }();
      return false;
    }
    EXPECT_TRUE(env_->broken.empty()) << "the pysaml2 helper failed: " << env_->broken;
    return env_->broken.empty();
  }

  // A request from a pysaml2 SP; returns the make-request JSON.
  json PyRequest(const Sp& sp, const std::string& extra) const {
    json j = env_->Py("make-request --sp-config " + Quote(sp.config_file) + " " + extra);
    EXPECT_FALSE(j.contains("error")) << j.dump();
    return j;
  }
  Result<Idp::AuthnRequestInfo> Process(const json& req, Timestamp now) {
    if (req.value("binding", "") == "post") {
      return idp_->ProcessAuthnRequest(Idp::Binding::kPost, req.value("form_body", ""), now);
    }
    return idp_->ProcessAuthnRequest(Idp::Binding::kRedirect, req.value("query", ""), now);
  }
  // pysaml2 builds a signed ArtifactResolve; `offset` shifts its IssueInstant.
  std::string PyResolveRequest(const Sp& sp, const std::string& artifact, int offset = 0) const {
    json j = env_->Py("resolve-request --sp-config " + Quote(sp.config_file) + " --artifact " +
                      Quote(artifact) + " --time-offset " + std::to_string(offset));
    EXPECT_TRUE(j.contains("soap")) << j.dump();
    return j.value("soap", "");
  }
  json PyConsumeEnvelope(const Sp& sp, const std::string& envelope,
                         const std::string& request_id) const {
    std::string file = env_->dir + "/artifact-response.xml";
    WriteAll(file, envelope);
    json j = env_->Py("consume --sp-config " + Quote(sp.config_file) +
                      " --artifact-response-file " + Quote(file) + " --request-id " +
                      Quote(request_id));
    EXPECT_FALSE(j.contains("error")) << j.dump();
    return j;
  }
  // The whole artifact round trip: Succeed/Fail reply -> ArtifactResolve -> pysaml2.
  json PyArtifactRoundTrip(const Sp& sp, const Idp::SamlReply& reply,
                           const std::string& request_id, Timestamp now) {
    EXPECT_EQ(reply.kind, Idp::SamlReply::kRedirect);
    std::string artifact = QueryParam(reply.url, "SAMLart");
    EXPECT_FALSE(artifact.empty()) << reply.url;
    auto envelope = idp_->ResolveArtifact(PyResolveRequest(sp, artifact), O(sp.oin), now);
    EXPECT_TRUE(envelope.has_value()) << envelope.error().message;
    if (!envelope) return json{};
    return PyConsumeEnvelope(sp, *envelope, request_id);
  }

  static void ExpectAssertion(const json& got, const Sp& sp, const std::string& request_id,
                              const std::string& acting, const std::string& legal,
                              const std::string& loa_ref) {
    EXPECT_EQ(got.value("status", ""), kSuccess) << got.dump();
    EXPECT_TRUE(got.value("pysaml2_validated", false));
    EXPECT_EQ(got.value("acting_bsn", ""), acting);
    EXPECT_EQ(got.value("legal_bsn", ""), legal);
    EXPECT_EQ(got.value("service_uuid", ""), kService);
    EXPECT_EQ(got.value("loa", ""), loa_ref);
    EXPECT_EQ(got.value("issuer", ""), kIdpEntity);
    EXPECT_EQ(got["audience"], json::array({sp.entity_id}));
    EXPECT_EQ(got.value("in_response_to", ""), request_id);
    EXPECT_EQ(got.value("recipient", ""), sp.acs);
    EXPECT_EQ(got.value("confirmation_method", ""), "urn:oasis:names:tc:SAML:2.0:cm:bearer");
    EXPECT_EQ(got.value("name_id_format", ""),
              "urn:oasis:names:tc:SAML:2.0:nameid-format:transient");
    auto issued = ParseSamlTime(got.value("issue_instant", ""));
    auto until = ParseSamlTime(got.value("not_on_or_after", ""));
    ASSERT_TRUE(issued && until);
    EXPECT_EQ(*until - *issued, minutes(2));
    EXPECT_EQ(got["qualifiers"].value("acting_bsn", ""), kLegacyBsn);
    EXPECT_EQ(got["qualifiers"].value("legal_bsn", ""), kLegacyBsn);
    for (const char* who : {"acting_bsn", "legal_bsn"}) {
      EXPECT_EQ(got["algorithms"][who].value("data", ""),
                "http://www.w3.org/2001/04/xmlenc#aes256-cbc");
      EXPECT_EQ(got["algorithms"][who].value("key", ""),
                "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p");
      EXPECT_EQ(got["algorithms"][who].value("key_bits", 0), 256);
    }
    EXPECT_EQ(got.value("signature_method", ""),
              "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    EXPECT_EQ(got.value("c14n", ""), "http://www.w3.org/2001/10/xml-exc-c14n#");
  }

  Env* env_ = nullptr;
  std::unique_ptr<Idp> idp_;
};

const std::string kLoa20 = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract";
const std::string kLoa25 = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard";

std::string ReqArgs(const std::string& scoping, int loa, const std::string& extra = "") {
  return "--scoping " + scoping + " --service " + kService + " --min-loa " +
         std::to_string(loa) + " " + extra;
}

// ---------------------------------------------------------------- pysaml2: successes

TEST_F(CombiConnectTest, Pysaml2OptionalActingForSomeoneByArtifact) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  json req = PyRequest(env_->py_art, ReqArgs("optional", 20, "--relay-state st4te"));
  auto info = Process(req, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->request_id, req.value("request_id", ""));
  EXPECT_EQ(info->sp_entity_id, env_->py_art.entity_id);
  EXPECT_EQ(info->provider, O(env_->py_art.oin));
  EXPECT_EQ(info->acs_url, env_->py_art.acs);
  EXPECT_EQ(info->service.str(), kService);
  EXPECT_EQ(info->min_loa, Loa::kMidden);
  EXPECT_EQ(info->representation, Idp::Representation::kOptional);
  EXPECT_EQ(info->relay_state, "st4te");
  EXPECT_FALSE(info->post_response);

  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kSubstantieel, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->url.rfind(env_->py_art.acs + "?SAMLart=", 0), 0u) << reply->url;
  EXPECT_EQ(QueryParam(reply->url, "RelayState"), "st4te");
  // No BSN ever appears in a URL.
  EXPECT_EQ(reply->url.find("999993653"), std::string::npos);
  EXPECT_EQ(idp_->PendingArtifacts(), 1u);
  json got = PyArtifactRoundTrip(env_->py_art, *reply, info->request_id, now);
  ExpectAssertion(got, env_->py_art, info->request_id, "999993653", "999990019", kLoa25);
  EXPECT_EQ(idp_->PendingArtifacts(), 0u);
}

TEST_F(CombiConnectTest, Pysaml2MandatoryByPostRequest) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  json req = PyRequest(env_->py_art, ReqArgs("mandatory", 25, "--binding post"));
  auto info = Process(req, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->representation, Idp::Representation::kMandatory);
  EXPECT_EQ(info->min_loa, Loa::kSubstantieel);
  // "Myself" is not on offer when representation is mandatory.
  auto myself = idp_->Succeed(*info, B("999993653"), std::nullopt, Loa::kHoog, now);
  ASSERT_FALSE(myself.has_value());
  EXPECT_EQ(myself.error().code, ErrorCode::kRuleViolation);
  auto reply = idp_->Succeed(*info, B("999993653"), B("999991723"), Loa::kSubstantieel, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  json got = PyArtifactRoundTrip(env_->py_art, *reply, info->request_id, now);
  ExpectAssertion(got, env_->py_art, info->request_id, "999993653", "999991723", kLoa25);
}

TEST_F(CombiConnectTest, Pysaml2MyselfCarriesOwnBsnAsLegalSubject) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999992302"), std::nullopt, Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  json got = PyArtifactRoundTrip(env_->py_art, *reply, info->request_id, now);
  ExpectAssertion(got, env_->py_art, info->request_id, "999992302", "999992302", kLoa20);
}

TEST_F(CombiConnectTest, Pysaml2WithoutScopingIsNoRepresentation) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("none", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->representation, Idp::Representation::kNone);
  auto someone = idp_->Succeed(*info, B("999992302"), B("999993653"), Loa::kMidden, now);
  ASSERT_FALSE(someone.has_value());
  EXPECT_EQ(someone.error().code, ErrorCode::kRuleViolation);
  auto reply = idp_->Succeed(*info, B("999992302"), std::nullopt, Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
}

TEST_F(CombiConnectTest, Pysaml2PostResponseBinding) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  json req = PyRequest(env_->py_post, ReqArgs("optional", 20, "--relay-state r1"));
  auto info = Process(req, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_TRUE(info->post_response);
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->kind, Idp::SamlReply::kPostForm);
  EXPECT_EQ(reply->url, env_->py_post.acs);
  EXPECT_EQ(idp_->PendingArtifacts(), 0u);
  // Works without JavaScript: a real form with a visible submit button.
  EXPECT_NE(reply->html.find("<form method=\"post\" action=\"https://post.test/acs?x=1\">"),
            std::string::npos)
      << reply->html;
  EXPECT_NE(reply->html.find("<button type=\"submit\">"), std::string::npos);
  EXPECT_NE(reply->html.find("name=\"RelayState\" value=\"r1\""), std::string::npos);
  auto start = reply->html.find("name=\"SAMLResponse\" value=\"");
  ASSERT_NE(start, std::string::npos);
  start += std::strlen("name=\"SAMLResponse\" value=\"");
  std::string b64 = reply->html.substr(start, reply->html.find('"', start) - start);
  json got = env_->Py("consume --sp-config " + Quote(env_->py_post.config_file) +
                      " --saml-response " + Quote(b64) + " --request-id " +
                      Quote(info->request_id));
  ExpectAssertion(got, env_->py_post, info->request_id, "999993653", "999990019", kLoa20);
}

TEST_F(CombiConnectTest, Pysaml2PostResponseBindingFailure) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_post, ReqArgs("mandatory", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Fail(*info, Idp::Failure::kCancelled, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  ASSERT_EQ(reply->kind, Idp::SamlReply::kPostForm);
  auto start = reply->html.find("name=\"SAMLResponse\" value=\"");
  ASSERT_NE(start, std::string::npos);
  start += std::strlen("name=\"SAMLResponse\" value=\"");
  std::string b64 = reply->html.substr(start, reply->html.find('"', start) - start);
  json got = env_->Py("consume --sp-config " + Quote(env_->py_post.config_file) +
                      " --saml-response " + Quote(b64) + " --request-id " +
                      Quote(info->request_id));
  EXPECT_EQ(got.value("status", ""), kResponder) << got.dump();
  EXPECT_EQ(got.value("status_detail", ""), "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed");
}

// ---------------------------------------------------------------- pysaml2: failures

struct FailureCase {
  Idp::Failure failure;
  const char* status_detail;
};

class CombiConnectFailureTest : public CombiConnectTest,
                                public ::testing::WithParamInterface<FailureCase> {};

TEST_P(CombiConnectFailureTest, StatusCodeReachesTheProvider) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 25)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Fail(*info, GetParam().failure, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  json got = PyArtifactRoundTrip(env_->py_art, *reply, info->request_id, now);
  EXPECT_EQ(got.value("status", ""), kResponder) << got.dump();
  EXPECT_EQ(got.value("status_detail", ""), GetParam().status_detail);
  EXPECT_FALSE(got.contains("acting_bsn"));
}

INSTANTIATE_TEST_SUITE_P(
    Failures, CombiConnectFailureTest,
    ::testing::Values(
        FailureCase{Idp::Failure::kCancelled, "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"},
        FailureCase{Idp::Failure::kRefused, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"},
        FailureCase{Idp::Failure::kLoaTooLow,
                    "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"}));

TEST_F(CombiConnectTest, SucceedRefusesLoaBelowTheRequestedMinimum) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 25)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::kRuleViolation);
  EXPECT_EQ(idp_->PendingArtifacts(), 0u);
}

TEST_F(CombiConnectTest, UnsignedRequestsAreRefused) {
  if (!Pysaml2Ready()) return;
  for (const char* binding : {"redirect", "post"}) {
    json req = PyRequest(env_->py_art,
                         ReqArgs("optional", 10, std::string("--unsigned --binding ") + binding));
    auto info = Process(req, Now());
    ASSERT_FALSE(info.has_value()) << binding;
    EXPECT_EQ(info.error().code, ErrorCode::kForbidden) << binding;
  }
}

TEST_F(CombiConnectTest, WronglySignedRequestsAreRefused) {
  if (!Pysaml2Ready()) return;
  std::string rogue = "--signing-key " + Quote(env_->rogue_key) + " --signing-cert " +
                      Quote(env_->rogue_cert);
  for (const char* binding : {"redirect", "post"}) {
    json req =
        PyRequest(env_->py_art, ReqArgs("optional", 10, rogue + " --binding " + binding));
    auto info = Process(req, Now());
    ASSERT_FALSE(info.has_value()) << binding;
    EXPECT_EQ(info.error().code, ErrorCode::kForbidden) << binding;
  }
  // A correctly signed Redirect request changed after signing.
  json req = PyRequest(env_->py_art, ReqArgs("optional", 10, "--relay-state abc"));
  std::string query = req.value("query", "");
  auto pos = query.find("RelayState=abc");
  ASSERT_NE(pos, std::string::npos);
  query.replace(pos, 14, "RelayState=abd");
  auto info = idp_->ProcessAuthnRequest(Idp::Binding::kRedirect, query, Now());
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ErrorCode::kForbidden);
}

TEST_F(CombiConnectTest, Sha1SignaturesAreRefused) {
  if (!Pysaml2Ready()) return;
  for (const char* binding : {"redirect", "post"}) {
    json req = PyRequest(env_->py_art,
                         ReqArgs("optional", 10, std::string("--sig-alg sha1 --binding ") + binding));
    auto info = Process(req, Now());
    ASSERT_FALSE(info.has_value()) << binding;
    EXPECT_EQ(info.error().code, ErrorCode::kForbidden) << binding;
  }
}

TEST_F(CombiConnectTest, UnknownIssuerIsRefused) {
  if (!Pysaml2Ready()) return;
  auto info = Process(PyRequest(env_->py_unknown, ReqArgs("optional", 10)), Now());
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(info.error().message, "unknown issuer");
}

TEST_F(CombiConnectTest, AcsNotInMetadataIsRefused) {
  if (!Pysaml2Ready()) return;
  auto info = Process(
      PyRequest(env_->py_art, ReqArgs("optional", 10, "--acs-url https://evil.test/acs")), Now());
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(info.error().message, "assertion consumer service not registered");
}

TEST_F(CombiConnectTest, MissingServiceOrLoaIsRefused) {
  if (!Pysaml2Ready()) return;
  json no_service = PyRequest(env_->py_art, "--scoping optional --min-loa 10");
  auto a = Process(no_service, Now());
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
  json no_loa = PyRequest(env_->py_art, ReqArgs("optional", 10, "--no-rac"));
  auto b = Process(no_loa, Now());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CombiConnectTest, ReplayedRequestIdIsRefused) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  json req = PyRequest(env_->py_art, ReqArgs("optional", 10));
  ASSERT_TRUE(Process(req, now).has_value());
  auto again = Process(req, now + seconds(30));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(again.error().message, "request already processed");
}

TEST_F(CombiConnectTest, IssueInstantOutsideWindowIsRefused) {
  if (!Pysaml2Ready()) return;
  json req = PyRequest(env_->py_art, ReqArgs("optional", 10));
  auto late = Process(req, Now() + minutes(6));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kInvalidArgument);
  auto early = Process(req, Now() - minutes(6));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------- artifacts

TEST_F(CombiConnectTest, ArtifactIsUsableOnlyOnce) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  std::string artifact = QueryParam(reply->url, "SAMLart");
  Oin oin = O(env_->py_art.oin);
  auto first = idp_->ResolveArtifact(PyResolveRequest(env_->py_art, artifact), oin, now);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_NE(first->find("Assertion"), std::string::npos);
  auto second = idp_->ResolveArtifact(PyResolveRequest(env_->py_art, artifact), oin, now);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  // SAML core 3.5.3: an ArtifactResponse without a message.
  json got = PyConsumeEnvelope(env_->py_art, *second, info->request_id);
  EXPECT_EQ(got.value("message", ""), "none") << got.dump();
  EXPECT_EQ(second->find("Assertion"), std::string::npos);
}

TEST_F(CombiConnectTest, LateArtifactGetsRequesterRequestDenied) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  std::string artifact = QueryParam(reply->url, "SAMLart");
  // 16 minutes later (the ArtifactResolve is dated then as well).
  auto late = idp_->ResolveArtifact(PyResolveRequest(env_->py_art, artifact, 16 * 60),
                                    O(env_->py_art.oin), now + minutes(16));
  ASSERT_TRUE(late.has_value()) << late.error().message;
  EXPECT_EQ(late->find("Assertion"), std::string::npos);
  EXPECT_EQ(late->find("EncryptedID"), std::string::npos);
  json got = PyConsumeEnvelope(env_->py_art, *late, info->request_id);
  EXPECT_EQ(got.value("status", ""), kRequester) << got.dump();
  EXPECT_EQ(got.value("status_detail", ""), "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
}

TEST_F(CombiConnectTest, ArtifactResolveFromTheWrongPartyIsRefused) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  std::string artifact = QueryParam(reply->url, "SAMLart");

  // Another registered provider, correctly signed, with its own certificate.
  auto other = idp_->ResolveArtifact(PyResolveRequest(env_->py_post, artifact),
                                     O(env_->py_post.oin), now);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kForbidden);
  // The right signer but a TLS client certificate of another organisation.
  auto wrong_tls = idp_->ResolveArtifact(PyResolveRequest(env_->py_art, artifact),
                                         O(env_->py_post.oin), now);
  ASSERT_FALSE(wrong_tls.has_value());
  EXPECT_EQ(wrong_tls.error().code, ErrorCode::kForbidden);
  // An unregistered party.
  auto unknown = idp_->ResolveArtifact(PyResolveRequest(env_->py_unknown, artifact),
                                       O(env_->py_unknown.oin), now);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kForbidden);
  // None of that used the artifact up: its own provider still gets the assertion.
  json got = PyArtifactRoundTrip(env_->py_art, *reply, info->request_id, now);
  ExpectAssertion(got, env_->py_art, info->request_id, "999993653", "999990019", kLoa20);
}

TEST_F(CombiConnectTest, UnsignedArtifactResolveIsRefused) {
  std::string soap =
      "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
      "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a1\" Version=\"2.0\" "
      "IssueInstant=\"" + FormatSamlTime(Now()) + "\"><saml:Issuer>" +
      env_->lasso_sp.entity_id + "</saml:Issuer><samlp:Artifact>AAQAAA==</samlp:Artifact>"
      "</samlp:ArtifactResolve></soap:Body></soap:Envelope>";
  auto r = idp_->ResolveArtifact(soap, O(env_->lasso_sp.oin), Now());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  auto junk = idp_->ResolveArtifact("<not-soap", O(env_->lasso_sp.oin), Now());
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);
}

// Structurally broken ArtifactResolves that crashed lasso_login_process_request_msg (NULL
// dereference, the whole process down) before the structure was checked: no Issuer, an
// element inside the Issuer, an empty ArtifactResolve. Each must be a clean client error.
TEST_F(CombiConnectTest, StructurallyBrokenArtifactResolveIsRefusedBeforeLasso) {
  auto envelope = [](const std::string& inner) {
    return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
           "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
           "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a1\" Version=\"2.0\" "
           "IssueInstant=\"" + FormatSamlTime(Now()) + "\">" + inner +
           "</samlp:ArtifactResolve></soap:Body></soap:Envelope>";
  };
  const std::string issuer = "<saml:Issuer>" + env_->lasso_sp.entity_id + "</saml:Issuer>";
  const std::string artifact = "<samlp:Artifact>AAQAAA==</samlp:Artifact>";
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"no Issuer", envelope(artifact)},
      {"element inside the Issuer",
       envelope("<saml:Issuer><saml:Issuer>x</saml:Issuer></saml:Issuer>" + artifact)},
      {"empty Issuer", envelope("<saml:Issuer></saml:Issuer>" + artifact)},
      {"empty ArtifactResolve", envelope("")},
      {"Issuer only", envelope(issuer)},
      {"two Issuers", envelope(issuer + issuer + artifact)},
      {"element inside the Artifact", envelope(issuer + "<samlp:Artifact><x/></samlp:Artifact>")},
  };
  for (const auto& [name, soap] : cases) {
    SCOPED_TRACE(name);
    auto r = idp_->ResolveArtifact(soap, O(env_->lasso_sp.oin), Now());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
  }
}

// ---------------------------------------------------------------- lasso as SP

// What the lasso SP got: lasso_login_process_response_msg checked the signatures of
// ArtifactResponse and assertion, lasso decrypted the identifiers with the SP's key.
using LassoResult = testing::ArtifactOutcome;

class LassoSpTest : public CombiConnectTest {
 protected:
  // sso_url: where this SP believes our SSO endpoint is (lasso takes the request's
  // Destination from the IdP metadata it holds).
  ServerRef MakeSp(const std::string& key, const std::string& cert,
                   LassoSignatureMethod method = LASSO_SIGNATURE_METHOD_RSA_SHA256,
                   const std::string& sso_url = kSso) {
    std::string md = idp_->Metadata();
    if (sso_url != kSso) {
      for (size_t pos; (pos = md.find(kSso)) != std::string::npos;) {
        md.replace(pos, std::strlen(kSso), sso_url);
      }
    }
    auto sp = testing::MakeSpServer(env_->lasso_sp.metadata, key, cert, md, method);
    EXPECT_TRUE(sp.has_value()) << sp.error().message;
    if (!sp) return {};
    return std::move(*sp);
  }
  ServerRef MakeSp() { return MakeSp(env_->lasso_key, env_->lasso_cert); }

  using Built = testing::SpAuthnRequest;
  // An AuthnRequest for kService at our IdP, built and signed by lasso.
  Built LassoRequest(LassoServer* sp, Idp::Binding binding, Scoping scoping, Loa loa) {
    auto req = testing::BuildAuthnRequest(sp, {kIdpEntity, kService, scoping, loa, binding});
    EXPECT_TRUE(req.has_value()) << req.error().message;
    return req.value_or(Built{.binding = binding});
  }

  // The artifact round trip through lasso as SP.
  // The ArtifactResolve is dated `now` (lasso would use the real clock).
  LassoResult LassoConsume(LassoServer* sp, const std::string& redirect_url, const Oin& oin,
                           Timestamp now) {
    auto resolve = testing::BuildArtifactResolve(sp, redirect_url, now);
    EXPECT_TRUE(resolve.has_value()) << resolve.error().message;
    if (!resolve) return {};
    EXPECT_EQ(resolve->url, kArs);
    auto envelope = idp_->ResolveArtifact(resolve->soap, oin, now);
    EXPECT_TRUE(envelope.has_value()) << envelope.error().message;
    if (!envelope) return {};
    auto got = testing::ReadArtifactResponse(sp, resolve->login.get(), *envelope);
    EXPECT_TRUE(got.has_value()) << got.error().message;
    return got.value_or(LassoResult{});
  }
};

TEST_F(LassoSpTest, RedirectOptionalActingForSomeone) {
  ServerRef sp = MakeSp();
  Timestamp now = Now();
  Built req = LassoRequest(sp.get(), Idp::Binding::kRedirect, Scoping::kOptional, Loa::kMidden);
  auto info = idp_->ProcessAuthnRequest(req.binding, req.message, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->representation, Idp::Representation::kOptional);
  EXPECT_EQ(info->service.str(), kService);
  EXPECT_EQ(info->min_loa, Loa::kMidden);
  EXPECT_EQ(info->acs_url, env_->lasso_sp.acs);
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kHoog, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  LassoResult got = LassoConsume(sp.get(), reply->url, O(env_->lasso_sp.oin), now);
  EXPECT_EQ(got.lasso_rc, 0) << LassoErrorText(got.lasso_rc);
  EXPECT_EQ(got.status, kSuccess);
  EXPECT_EQ(got.acting, "999993653");
  EXPECT_EQ(got.legal, "999990019");
  EXPECT_EQ(got.qualifier, kLegacyBsn);
  EXPECT_EQ(got.service, kService);
  EXPECT_EQ(got.loa, "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI");
  EXPECT_EQ(got.audience, env_->lasso_sp.entity_id);
  EXPECT_EQ(got.in_response_to, req.id);
  EXPECT_EQ(got.recipient, env_->lasso_sp.acs);
  auto issued = ParseSamlTime(got.issue_instant);
  auto until = ParseSamlTime(got.not_on_or_after);
  ASSERT_TRUE(issued && until);
  EXPECT_EQ(*until - *issued, minutes(2));
}

TEST_F(LassoSpTest, PostMandatoryAndMyselfRefused) {
  ServerRef sp = MakeSp();
  Timestamp now = Now();
  Built req = LassoRequest(sp.get(), Idp::Binding::kPost, Scoping::kMandatory, Loa::kBasis);
  auto info = idp_->ProcessAuthnRequest(req.binding, req.message, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->representation, Idp::Representation::kMandatory);
  auto myself = idp_->Succeed(*info, B("999993653"), std::nullopt, Loa::kMidden, now);
  ASSERT_FALSE(myself.has_value());
  auto reply = idp_->Succeed(*info, B("999993653"), B("999992302"), Loa::kMidden, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  LassoResult got = LassoConsume(sp.get(), reply->url, O(env_->lasso_sp.oin), now);
  EXPECT_EQ(got.lasso_rc, 0) << LassoErrorText(got.lasso_rc);
  EXPECT_EQ(got.acting, "999993653");
  EXPECT_EQ(got.legal, "999992302");
}

TEST_F(LassoSpTest, FailureStatusesAndLateAndReplayedArtifacts) {
  ServerRef sp = MakeSp();
  Timestamp now = Now();
  Built req =
      LassoRequest(sp.get(), Idp::Binding::kRedirect, Scoping::kOptional, Loa::kSubstantieel);
  auto info = idp_->ProcessAuthnRequest(req.binding, req.message, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Fail(*info, Idp::Failure::kLoaTooLow, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  LassoResult got = LassoConsume(sp.get(), reply->url, O(env_->lasso_sp.oin), now);
  EXPECT_EQ(got.status, kResponder);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext");
  EXPECT_TRUE(got.acting.empty());

  // Replayed: the second resolution finds no message.
  LassoResult again = LassoConsume(sp.get(), reply->url, O(env_->lasso_sp.oin), now);
  EXPECT_TRUE(again.status.empty());
  EXPECT_NE(again.lasso_rc, 0);

  // Late: a fresh success resolved after 16 minutes is Requester/RequestDenied.
  Built req2 = LassoRequest(sp.get(), Idp::Binding::kRedirect, Scoping::kOptional, Loa::kBasis);
  auto info2 = idp_->ProcessAuthnRequest(req2.binding, req2.message, now);
  ASSERT_TRUE(info2.has_value()) << info2.error().message;
  auto ok = idp_->Succeed(*info2, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_TRUE(ok.has_value());
  LassoResult late = LassoConsume(sp.get(), ok->url, O(env_->lasso_sp.oin), now + minutes(16));
  EXPECT_EQ(late.status, kRequester);
  EXPECT_EQ(late.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
  EXPECT_TRUE(late.acting.empty());
}

TEST_F(LassoSpTest, BadlySignedRequestsAreRefused) {
  // Signed with a key that is not the one in the SP's metadata.
  ServerRef rogue = MakeSp(env_->rogue_key, env_->rogue_cert);
  for (auto binding : {Idp::Binding::kRedirect, Idp::Binding::kPost}) {
    Built req = LassoRequest(rogue.get(), binding, Scoping::kOptional, Loa::kBasis);
    auto info = idp_->ProcessAuthnRequest(req.binding, req.message, Now());
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, ErrorCode::kForbidden);
  }
  // RSA-SHA1, correct key.
  ServerRef sha1 = MakeSp(env_->lasso_key, env_->lasso_cert, LASSO_SIGNATURE_METHOD_RSA_SHA1);
  for (auto binding : {Idp::Binding::kRedirect, Idp::Binding::kPost}) {
    Built req = LassoRequest(sha1.get(), binding, Scoping::kOptional, Loa::kBasis);
    auto info = idp_->ProcessAuthnRequest(req.binding, req.message, Now());
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, ErrorCode::kForbidden);
  }
}

TEST_F(LassoSpTest, WrongDestinationIsRefused) {
  ServerRef sp = MakeSp(env_->lasso_key, env_->lasso_cert, LASSO_SIGNATURE_METHOD_RSA_SHA256,
                        "https://other-idp.test/sso");
  Built req = LassoRequest(sp.get(), Idp::Binding::kRedirect, Scoping::kOptional, Loa::kBasis);
  auto info = idp_->ProcessAuthnRequest(req.binding, req.message, Now());
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(info.error().message, "AuthnRequest Destination is not this service");
}

TEST_F(LassoSpTest, ArtifactResolveWithAnotherOinIsRefused) {
  ServerRef sp = MakeSp();
  Timestamp now = Now();
  Built req = LassoRequest(sp.get(), Idp::Binding::kRedirect, Scoping::kNone, Loa::kBasis);
  auto info = idp_->ProcessAuthnRequest(req.binding, req.message, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999993653"), std::nullopt, Loa::kBasis, now);
  ASSERT_TRUE(reply.has_value());
  auto resolve = testing::BuildArtifactResolve(sp.get(), reply->url);
  ASSERT_TRUE(resolve.has_value()) << resolve.error().message;
  std::string soap = resolve->soap;
  auto wrong = idp_->ResolveArtifact(soap, O("00000001555555555000"), now);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kForbidden);
  // Tampered after signing.
  std::string tampered = soap;
  auto pos = tampered.find("<samlp:Artifact>");
  ASSERT_NE(pos, std::string::npos);
  tampered.insert(pos + 16, "A");
  auto bad = idp_->ResolveArtifact(tampered, O(env_->lasso_sp.oin), now);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kForbidden);
  // The genuine one still works (nothing above used the artifact).
  auto good = idp_->ResolveArtifact(soap, O(env_->lasso_sp.oin), now);
  ASSERT_TRUE(good.has_value()) << good.error().message;
  EXPECT_NE(good->find("EncryptedID"), std::string::npos);
}

// The support library reports what lasso refuses as errors (the bench relies on that).
TEST_F(LassoSpTest, SpHelpersReportFailuresAsErrors) {
  ServerRef sp = MakeSp();
  auto unknown_idp = testing::BuildAuthnRequest(sp.get(), {"urn:unknown-idp", kService});
  ASSERT_FALSE(unknown_idp.has_value());
  EXPECT_EQ(unknown_idp.error().code, ErrorCode::kInvalidArgument);
  for (std::string url : {env_->lasso_sp.acs, env_->lasso_sp.acs + "?SAMLart=AAQAAA%3D%3D"}) {
    auto no_artifact = testing::BuildArtifactResolve(sp.get(), url);
    ASSERT_FALSE(no_artifact.has_value()) << url;
    EXPECT_EQ(no_artifact.error().code, ErrorCode::kInvalidArgument) << url;
  }
  auto no_cert = testing::SpMetadata(env_->lasso_sp.entity_id, env_->dir + "/missing.pem",
                                     {{testing::kHttpArtifact, env_->lasso_sp.acs}});
  ASSERT_FALSE(no_cert.has_value());
  EXPECT_EQ(no_cert.error().code, ErrorCode::kInvalidArgument);
  auto bad_idp = testing::MakeSpServer(env_->lasso_sp.metadata, env_->lasso_key,
                                       env_->lasso_cert, "<md:EntityDescriptor");
  ASSERT_FALSE(bad_idp.has_value());
  EXPECT_EQ(bad_idp.error().code, ErrorCode::kInvalidArgument);
  // A POST request travels as a form body to the SSO endpoint.
  auto post = testing::BuildAuthnRequest(
      sp.get(), {kIdpEntity, kService, Scoping::kNone, Loa::kBasis, Idp::Binding::kPost});
  ASSERT_TRUE(post.has_value()) << post.error().message;
  EXPECT_EQ(post->url, kSso);
  EXPECT_TRUE(post->message.starts_with("SAMLRequest=")) << post->message;
  EXPECT_FALSE(post->id.empty());

  // An envelope that is not XML, and identifiers that do not decrypt with another SP's key.
  Timestamp now = Now();
  Built req = LassoRequest(sp.get(), Idp::Binding::kRedirect, Scoping::kNone, Loa::kBasis);
  auto info = idp_->ProcessAuthnRequest(req.binding, req.message, now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto reply = idp_->Succeed(*info, B("999993653"), std::nullopt, Loa::kBasis, now);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  auto resolve = testing::BuildArtifactResolve(sp.get(), reply->url);
  ASSERT_TRUE(resolve.has_value()) << resolve.error().message;
  auto junk = testing::ReadArtifactResponse(sp.get(), resolve->login.get(), "<not-xml");
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);
  auto envelope = idp_->ResolveArtifact(resolve->soap, O(env_->lasso_sp.oin), now);
  ASSERT_TRUE(envelope.has_value()) << envelope.error().message;
  ServerRef rogue = MakeSp(env_->rogue_key, env_->rogue_cert);
  auto sealed = testing::ReadArtifactResponse(rogue.get(), resolve->login.get(), *envelope);
  ASSERT_FALSE(sealed.has_value());
  EXPECT_EQ(sealed.error().code, ErrorCode::kInternal);
  // Still readable by the SP it was encrypted for.
  auto got = testing::ReadArtifactResponse(sp.get(), resolve->login.get(), *envelope);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->acting, "999993653");
  EXPECT_EQ(got->legal, "999993653");
}

// ---------------------------------------------------------------- provider changes

TEST_F(CombiConnectTest, RemovedProviderCannotFinishOrStart) {
  if (!Pysaml2Ready()) return;
  Timestamp now = Now();
  auto info = Process(PyRequest(env_->py_art, ReqArgs("optional", 10)), now);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  auto only_lasso = std::vector<ProviderSp>{{O(env_->lasso_sp.oin), env_->lasso_sp.metadata}};
  ASSERT_TRUE(idp_->SetProviders(only_lasso).has_value());
  auto reply = idp_->Succeed(*info, B("999993653"), B("999990019"), Loa::kMidden, now);
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::kForbidden);
  auto fresh = Process(PyRequest(env_->py_art, ReqArgs("optional", 10)), now);
  ASSERT_FALSE(fresh.has_value());
  EXPECT_EQ(fresh.error().code, ErrorCode::kForbidden);
}

TEST_F(CombiConnectTest, ChangedLoginStateIsRefused) {
  ServerRef unused;
  (void)unused;
  // A request from lasso as SP (works without pysaml2).
  auto sp = testing::MakeSpServer(env_->lasso_sp.metadata, env_->lasso_key, env_->lasso_cert,
                                  idp_->Metadata());
  ASSERT_TRUE(sp.has_value()) << sp.error().message;
  LoginRef login(lasso_login_new(sp->get()));
  ASSERT_EQ(lasso_login_init_authn_request(login.get(), kIdpEntity, LASSO_HTTP_METHOD_REDIRECT), 0);
  ASSERT_EQ(lasso_login_build_authn_request_msg(login.get()), 0);
  std::string url = LASSO_PROFILE(login.get())->msg_url;
  // Without ServiceUUID and LoA this request is refused; sign-valid but incomplete.
  auto info = idp_->ProcessAuthnRequest(Idp::Binding::kRedirect, url.substr(url.find('?') + 1),
                                        Now());
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  // A hand-made info (never checked by ProcessAuthnRequest) does not pass the tag check.
  Idp::AuthnRequestInfo forged;
  forged.binding = Idp::Binding::kRedirect;
  forged.message = url.substr(url.find('?') + 1);
  forged.tag = std::string(64, '0');
  auto reply = idp_->Succeed(forged, B("999993653"), std::nullopt, Loa::kHoog, Now());
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().message, "login state does not match its request");
  auto fail = idp_->Fail(forged, Idp::Failure::kCancelled, Now());
  ASSERT_FALSE(fail.has_value());
}

TEST_F(CombiConnectTest, BadProviderListsAreRefusedAndChangeNothing) {
  auto dup = std::vector<ProviderSp>{{O(env_->lasso_sp.oin), env_->lasso_sp.metadata},
                                     {O(env_->lasso_sp.oin), env_->lasso_sp.metadata}};
  auto r = idp_->SetProviders(dup);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  auto junk = idp_->SetProviders({{O(env_->lasso_sp.oin), "<md:EntityDescriptor"}});
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);
  // Without an encryption-capable key the BSNs could not be sent.
  std::string no_enc = env_->lasso_sp.metadata;
  auto enc = no_enc.find("<md:KeyDescriptor use=\"encryption\">");
  no_enc.erase(enc, no_enc.find("</md:KeyDescriptor>", enc) + 19 - enc);
  auto signing = no_enc.find("use=\"signing\"");
  ASSERT_NE(signing, std::string::npos);
  auto r2 = idp_->SetProviders({{O(env_->lasso_sp.oin), no_enc}});
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CombiConnectTest, MetadataDescribesTheIdp) {
  std::string md = idp_->Metadata();
  EXPECT_NE(md.find(std::string("entityID=\"") + kIdpEntity + "\""), std::string::npos);
  EXPECT_NE(md.find("WantAuthnRequestsSigned=\"true\""), std::string::npos);
  EXPECT_NE(md.find("bindings:HTTP-Redirect\" Location=\"https://volmacht.test/saml/sso\""),
            std::string::npos);
  EXPECT_NE(md.find("bindings:HTTP-POST\" Location=\"https://volmacht.test/saml/sso\""),
            std::string::npos);
  EXPECT_NE(md.find("bindings:SOAP\" Location=\"https://volmacht.test/saml/ars\""),
            std::string::npos);
  auto id = MetadataEntityId(md);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, kIdpEntity);
}

TEST_F(CombiConnectTest, GarbageRequestsAreRefusedWithoutEcho) {
  for (std::string q : {std::string(""), std::string("SAMLRequest=%%%"),
                        std::string("SAMLRequest=abc&SigAlg=x&Signature=y"),
                        std::string(300 * 1024, 'a')}) {
    auto r = idp_->ProcessAuthnRequest(Idp::Binding::kRedirect, q, Now());
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().code == ErrorCode::kInvalidArgument ||
                r.error().code == ErrorCode::kForbidden ||
                r.error().code == ErrorCode::kTooLarge)
        << r.error().message;
    auto p = idp_->ProcessAuthnRequest(Idp::Binding::kPost, q, Now());
    ASSERT_FALSE(p.has_value());
  }
}

}  // namespace
}  // namespace volmacht::saml
