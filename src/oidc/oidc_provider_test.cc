// Tests of the OIDC provider with a ManualClock: the code + PKCE flow end to end (signature
// verified with OpenSSL against the published JWKS key, not with the provider's own code) and
// every refusal the token and authorize endpoints must give.
#include "oidc/oidc_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/crypto.h"
#include "common/testing/temp_dir.h"
#include "http/form.h"
#include "http/syntax.h"
#include "oidc/jose.h"

namespace volmacht::oidc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;
using Rep = AuthorizeRequest::Representation;
using http::AppendQuery;
using http::UrlEncode;

// RFC 7636 appendix B.
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr char kSecret[] = "geheim wachtwoord/+&=";
constexpr char kRedirect[] = "https://rp.example.nl/cb";
constexpr char kService[] = "3f1a8f5e-2b7c-4d2e-9a41-6c0b7d1e2f30";
constexpr char kAgentBsn[] = "999993653";
constexpr char kPrincipalBsn[] = "111222333";

using ::volmacht::testing::TempDir;

Bsn B(const char* s) { return *Bsn::Parse(s); }
Oin O(const char* s) { return *Oin::Parse(s); }

std::string Query(const std::vector<std::pair<std::string, std::string>>& p) {
  std::string q = AppendQuery("", p);
  return q.empty() ? q : q.substr(1);  // drop the '?'
}

// The query parameters of a redirect URL.
std::map<std::string, std::string> RedirectParams(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  auto form = http::ParseForm(url.substr(q + 1), 1 << 20);
  EXPECT_TRUE(form.has_value());
  if (!form) return out;
  for (const auto& [k, v] : form->pairs()) out[k] = v;
  return out;
}

std::string BasicAuth(std::string_view id, std::string_view secret) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = UrlEncode(id) + ":" + UrlEncode(secret);
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (in.size() - i == 1) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += std::string{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += std::string{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63],
                       kAlphabet[(v >> 6) & 63], '='};
  }
  return "Basic " + out;
}

// Verifies an ES256 compact JWS with the JWK through OpenSSL directly.
bool VerifyEs256(const std::string& jws, const Json& jwk) {
  size_t d1 = jws.find('.');
  size_t d2 = jws.rfind('.');
  if (d1 == std::string::npos || d1 == d2) return false;
  auto x = Base64UrlDecode(jwk.at("x").get<std::string>());
  auto y = Base64UrlDecode(jwk.at("y").get<std::string>());
  auto sig = Base64UrlDecode(jws.substr(d2 + 1));
  if (!x || !y || !sig || x->size() != 32 || y->size() != 32 || sig->size() != 64) return false;
  std::string point = "\x04" + *x + *y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = EVP_PKEY_fromdata_init(pctx) == 1 &&
            EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  ECDSA_SIG* es = ECDSA_SIG_new();
  auto* raw = reinterpret_cast<const unsigned char*>(sig->data());
  ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(es, &der);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::string input = jws.substr(0, d2);
  ok = ok && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
       EVP_DigestVerify(md, der, static_cast<size_t>(der_len),
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

Json JwtPart(const std::string& jws, int index) {
  size_t d1 = jws.find('.');
  size_t d2 = jws.rfind('.');
  std::string part = index == 0 ? jws.substr(0, d1) : jws.substr(d1 + 1, d2 - d1 - 1);
  auto decoded = Base64UrlDecode(part);
  EXPECT_TRUE(decoded.has_value());
  return Json::parse(decoded.value_or("null"));
}

class OidcProviderTest : public ::testing::Test {
 protected:
  OidcProviderTest() : clock_(Timestamp(std::chrono::seconds(1'800'000'000))) {}

  void SetUp() override {
    config_.issuer = "https://localhost:8444/oidc";
    config_.signing_key_file = dir_.path() + "/keys/oidc-signing.pem";
    auto p = OidcProvider::Create(config_, Clients(), clock_);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    provider_ = std::move(*p);
  }

  static std::vector<OidcClient> Clients() {
    std::string hash = ToHex(Sha256(kSecret));
    return {
        {"rp-one", hash, {kRedirect, "https://rp.example.nl/cb2?x=1"}, O("00000003123456780000")},
        {"rp-two",
         ToHex(Sha256("other")),
         {"https://two.example.nl/cb"},
         O("00000001999999999000")},
        {"rp-one-app", ToHex(Sha256("app")), {"http://127.0.0.1:9/cb"}, O("00000003123456780000")},
    };
  }

  std::vector<std::pair<std::string, std::string>> BaseParams() const {
    return {{"response_type", "code"},
            {"client_id", "rp-one"},
            {"redirect_uri", kRedirect},
            {"scope", std::string("openid urn:nl-eid-gdi:1.0:ServiceUUID:") + kService},
            {"state", "st&te=1"},
            {"nonce", "n-0S6_WzA2Mj"},
            {"code_challenge", kChallenge},
            {"code_challenge_method", "S256"},
            {"vertegenwoordiging", "optioneel"}};
  }

  static std::vector<std::pair<std::string, std::string>> With(
      std::vector<std::pair<std::string, std::string>> p, const std::string& name,
      std::optional<std::string> value) {
    std::erase_if(p, [&](const auto& kv) { return kv.first == name; });
    if (value) p.emplace_back(name, *value);
    return p;
  }

  AuthorizeRequest Authorize(const std::vector<std::pair<std::string, std::string>>& p) {
    auto r = provider_->ParseAuthorize(Query(p));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    if (!r || !std::holds_alternative<AuthorizeRequest>(*r)) {
      ADD_FAILURE() << "expected an AuthorizeRequest";
      return {};
    }
    return std::get<AuthorizeRequest>(*r);
  }

  // The error redirect of a request that names a valid client and redirect URI.
  std::map<std::string, std::string> AuthorizeError(
      const std::vector<std::pair<std::string, std::string>>& p) {
    auto r = provider_->ParseAuthorize(Query(p));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    if (!r || !std::holds_alternative<AuthorizeErrorRedirect>(*r)) {
      ADD_FAILURE() << "expected an error redirect";
      return {};
    }
    const std::string& url = std::get<AuthorizeErrorRedirect>(*r).url;
    EXPECT_THAT(url, ::testing::StartsWith(std::string(kRedirect) + "?"));
    return RedirectParams(url);
  }

  // Runs authorize + IssueCode and returns the code.
  std::string CodeFor(std::optional<Bsn> legal = B(kPrincipalBsn), Loa loa = Loa::kSubstantieel) {
    AuthorizeRequest req = Authorize(BaseParams());
    std::string url = provider_->IssueCode(req, B(kAgentBsn), legal, loa);
    return RedirectParams(url)["code"];
  }

  std::string TokenBody(const std::string& code, std::string verifier = kVerifier,
                        std::string redirect = kRedirect) {
    return Query({{"grant_type", "authorization_code"},
                  {"code", code},
                  {"redirect_uri", redirect},
                  {"code_verifier", verifier}});
  }

  HttpAnswer Redeem(const std::string& code) {
    return provider_->Token(TokenBody(code), BasicAuth("rp-one", kSecret));
  }

  static std::string Header(const HttpAnswer& a, std::string_view name) {
    for (const auto& [k, v] : a.headers) {
      if (k == name) return v;
    }
    return "";
  }

  static std::string ErrorOf(const HttpAnswer& a) {
    return Json::parse(a.body).value("error", std::string("<none>"));
  }

  TempDir dir_;
  ManualClock clock_;
  OidcConfig config_;
  std::unique_ptr<OidcProvider> provider_;
};

// ----- discovery and keys -----

TEST_F(OidcProviderTest, DiscoveryDocumentNamesEndpointsAndCapabilities) {
  Json d = Json::parse(provider_->DiscoveryJson());
  EXPECT_EQ(d["issuer"], "https://localhost:8444/oidc");
  EXPECT_EQ(d["authorization_endpoint"], "https://localhost:8444/oidc/authorize");
  EXPECT_EQ(d["token_endpoint"], "https://localhost:8444/oidc/token");
  EXPECT_EQ(d["userinfo_endpoint"], "https://localhost:8444/oidc/userinfo");
  EXPECT_EQ(d["jwks_uri"], "https://localhost:8444/oidc/jwks");
  EXPECT_EQ(d["response_types_supported"], Json::array({"code"}));
  EXPECT_EQ(d["grant_types_supported"], Json::array({"authorization_code"}));
  EXPECT_EQ(d["code_challenge_methods_supported"], Json::array({"S256"}));
  EXPECT_EQ(d["id_token_signing_alg_values_supported"], Json::array({"ES256"}));
  EXPECT_EQ(d["subject_types_supported"], Json::array({"pairwise"}));
  EXPECT_EQ(d["token_endpoint_auth_methods_supported"],
            Json::array({"client_secret_basic", "client_secret_post"}));
  EXPECT_EQ(d["acr_values_supported"],
            Json::array({"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                         "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
                         "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
                         "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"}));
  auto claims = d["claims_supported"].get<std::vector<std::string>>();
  EXPECT_THAT(claims, ::testing::IsSupersetOf({"acr", "urn:nl-eid-gdi:1.0:ActingSubjectID",
                                               "urn:nl-eid-gdi:1.0:LegalSubjectID",
                                               "urn:nl-eid-gdi:1.0:ServiceUUID"}));
  EXPECT_EQ(d["authorization_response_iss_parameter_supported"], true);
}

TEST_F(OidcProviderTest, SigningKeyIsCreatedPrivatelyAndReusedOnRestart) {
  struct stat st {};
  ASSERT_EQ(::stat(config_.signing_key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((config_.signing_key_file + ".pairwise").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Json jwks = Json::parse(provider_->JwksJson());
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const Json& k = jwks["keys"][0];
  EXPECT_EQ(k["kty"], "EC");
  EXPECT_EQ(k["crv"], "P-256");
  EXPECT_EQ(k["alg"], "ES256");
  EXPECT_EQ(k.count("d"), 0u) << "the private part must never be published";

  auto again = OidcProvider::Create(config_, Clients(), clock_);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(Json::parse((*again)->JwksJson()), jwks);
  // Same keys, so the same pairwise subject after a restart.
  std::string code = CodeFor();
  auto tok = Json::parse(Redeem(code).body);
  std::string sub1 = JwtPart(tok["id_token"], 1)["sub"];
  auto req = (*again)->ParseAuthorize(Query(BaseParams()));
  ASSERT_TRUE(req && std::holds_alternative<AuthorizeRequest>(*req));
  std::string url = (*again)->IssueCode(std::get<AuthorizeRequest>(*req), B(kAgentBsn),
                                        std::nullopt, Loa::kMidden);
  auto tok2 = Json::parse(
      (*again)->Token(TokenBody(RedirectParams(url)["code"]), BasicAuth("rp-one", kSecret)).body);
  EXPECT_EQ(JwtPart(tok2["id_token"], 1)["sub"], sub1);
}

TEST_F(OidcProviderTest, CreateRefusesBadIssuerAndForeignKey) {
  OidcConfig c = config_;
  c.issuer = "http://localhost/oidc";
  EXPECT_FALSE(OidcProvider::Create(c, Clients(), clock_).has_value());
  c.issuer = "https://localhost/oidc/";
  EXPECT_FALSE(OidcProvider::Create(c, Clients(), clock_).has_value());

  c = config_;
  c.signing_key_file = dir_.path() + "/p384.pem";  // EC, but not the curve ES256 needs
  EVP_PKEY* p384 = EVP_EC_gen("P-384");
  FILE* f = std::fopen(c.signing_key_file.c_str(), "w");
  PEM_write_PrivateKey(f, p384, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  EVP_PKEY_free(p384);
  auto r = OidcProvider::Create(c, Clients(), clock_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);

  c.signing_key_file = dir_.path() + "/garbage.pem";
  std::ofstream(c.signing_key_file) << "not a key";
  EXPECT_FALSE(OidcProvider::Create(c, Clients(), clock_).has_value());

  c = config_;
  c.pairwise_key_file = dir_.path() + "/pw-bad";
  std::ofstream(c.pairwise_key_file) << "short\n";
  EXPECT_FALSE(OidcProvider::Create(c, Clients(), clock_).has_value());
}

// ----- the happy path -----

TEST_F(OidcProviderTest, CodeFlowWithPkceIssuesSignedIdTokenAndUserInfo) {
  AuthorizeRequest req = Authorize(With(BaseParams(), "acr_values",
                                        "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard "
                                        "urn:oasis:names:tc:SAML:2.0:ac:classes:"
                                        "MobileTwoFactorContract"));
  EXPECT_EQ(req.client_id, "rp-one");
  EXPECT_EQ(req.provider.str(), "00000003123456780000");
  EXPECT_EQ(req.service.str(), kService);
  EXPECT_EQ(req.min_loa, Loa::kMidden) << "the lowest acr value listed";
  EXPECT_EQ(req.representation, Rep::kOptional);
  EXPECT_EQ(req.state, "st&te=1");

  std::string url = provider_->IssueCode(req, B(kAgentBsn), B(kPrincipalBsn), Loa::kSubstantieel);
  EXPECT_THAT(url, ::testing::StartsWith(std::string(kRedirect) + "?code="));
  EXPECT_THAT(url, Not(HasSubstr(kAgentBsn)));
  EXPECT_THAT(url, Not(HasSubstr(kPrincipalBsn)));
  auto params = RedirectParams(url);
  EXPECT_EQ(params["state"], "st&te=1");
  EXPECT_EQ(params["iss"], "https://localhost:8444/oidc");
  ASSERT_FALSE(params["code"].empty());

  clock_.Advance(std::chrono::seconds(59));  // still within code_ttl
  HttpAnswer a = Redeem(params["code"]);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(Header(a, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(a, "Content-Type"), "application/json");
  Json tok = Json::parse(a.body);
  EXPECT_EQ(tok["token_type"], "Bearer");
  EXPECT_EQ(tok["expires_in"], 300);
  std::string id_token = tok["id_token"];

  Json jwks = Json::parse(provider_->JwksJson());
  Json header = JwtPart(id_token, 0);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], jwks["keys"][0]["kid"]);
  EXPECT_TRUE(VerifyEs256(id_token, jwks["keys"][0]));
  std::string tampered = id_token;
  tampered[id_token.find('.') + 5] ^= 1;
  EXPECT_FALSE(VerifyEs256(tampered, jwks["keys"][0]));

  Json c = JwtPart(id_token, 1);
  int64_t now = 1'800'000'059;
  EXPECT_EQ(c["iss"], "https://localhost:8444/oidc");
  EXPECT_EQ(c["aud"], "rp-one");
  EXPECT_EQ(c["iat"], now);
  EXPECT_EQ(c["exp"], now + 300);
  EXPECT_EQ(c["auth_time"], 1'800'000'000);
  EXPECT_EQ(c["nonce"], "n-0S6_WzA2Mj");
  EXPECT_EQ(c["acr"], "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard");
  EXPECT_EQ(c["urn:nl-eid-gdi:1.0:ActingSubjectID"], kAgentBsn);
  EXPECT_EQ(c["urn:nl-eid-gdi:1.0:LegalSubjectID"], kPrincipalBsn);
  EXPECT_EQ(c["urn:nl-eid-gdi:1.0:ServiceUUID"], kService);
  std::string sub = c["sub"];
  EXPECT_GE(sub.size(), 40u);
  EXPECT_THAT(sub, Not(HasSubstr(kAgentBsn)));

  HttpAnswer ui = provider_->UserInfo("Bearer " + tok["access_token"].get<std::string>());
  ASSERT_EQ(ui.status, 200) << ui.body;
  Json u = Json::parse(ui.body);
  EXPECT_EQ(u["sub"], sub);
  EXPECT_EQ(u["urn:nl-eid-gdi:1.0:ActingSubjectID"], kAgentBsn);
  EXPECT_EQ(u["urn:nl-eid-gdi:1.0:LegalSubjectID"], kPrincipalBsn);
  EXPECT_EQ(u["urn:nl-eid-gdi:1.0:ServiceUUID"], kService);
}

TEST_F(OidcProviderTest, ActingForMyselfHasNoLegalSubjectAndNoNonceWhenNoneAsked) {
  AuthorizeRequest req = Authorize(
      With(With(BaseParams(), "nonce", std::nullopt), "vertegenwoordiging", std::nullopt));
  EXPECT_EQ(req.representation, Rep::kNone);
  EXPECT_EQ(req.min_loa, Loa::kBasis);
  std::string code =
      RedirectParams(provider_->IssueCode(req, B(kAgentBsn), std::nullopt, Loa::kBasis))["code"];
  HttpAnswer a = Redeem(code);
  ASSERT_EQ(a.status, 200) << a.body;
  Json c = JwtPart(Json::parse(a.body)["id_token"], 1);
  EXPECT_EQ(c.count("urn:nl-eid-gdi:1.0:LegalSubjectID"), 0u);
  EXPECT_EQ(c.count("nonce"), 0u);
  EXPECT_EQ(c["acr"], "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport");
}

TEST_F(OidcProviderTest, ClientSecretPostWorksAndRedirectUriWithQueryKeepsIt) {
  AuthorizeRequest req =
      Authorize(With(BaseParams(), "redirect_uri", "https://rp.example.nl/cb2?x=1"));
  std::string url = provider_->IssueCode(req, B(kAgentBsn), std::nullopt, Loa::kMidden);
  EXPECT_THAT(url, ::testing::StartsWith("https://rp.example.nl/cb2?x=1&code="));
  auto p = RedirectParams(url);
  std::string body = Query({{"grant_type", "authorization_code"},
                            {"code", p["code"]},
                            {"redirect_uri", "https://rp.example.nl/cb2?x=1"},
                            {"code_verifier", kVerifier},
                            {"client_id", "rp-one"},
                            {"client_secret", kSecret}});
  EXPECT_EQ(provider_->Token(body, "").status, 200);
}

TEST_F(OidcProviderTest, SubjectIsPairwisePerProvider) {
  auto sub_for = [&](const std::string& client, const std::string& redirect,
                     const std::string& secret) {
    AuthorizeRequest req =
        Authorize(With(With(BaseParams(), "client_id", client), "redirect_uri", redirect));
    auto p = RedirectParams(provider_->IssueCode(req, B(kAgentBsn), std::nullopt, Loa::kMidden));
    HttpAnswer a =
        provider_->Token(TokenBody(p["code"], kVerifier, redirect), BasicAuth(client, secret));
    EXPECT_EQ(a.status, 200) << a.body;
    return JwtPart(Json::parse(a.body)["id_token"], 1)["sub"].get<std::string>();
  };
  std::string one = sub_for("rp-one", kRedirect, kSecret);
  std::string one_app = sub_for("rp-one-app", "http://127.0.0.1:9/cb", "app");
  std::string two = sub_for("rp-two", "https://two.example.nl/cb", "other");
  EXPECT_EQ(one, one_app) << "same provider (OIN), same person";
  EXPECT_NE(one, two) << "other provider must not be able to link the person";
}

// ----- authorize: errors that must not redirect -----

TEST_F(OidcProviderTest, UnknownClientOrUnregisteredRedirectIsAnErrorNotARedirect) {
  auto unknown = provider_->ParseAuthorize(Query(With(BaseParams(), "client_id", "nobody")));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(provider_->ParseAuthorize(Query(With(BaseParams(), "client_id", std::nullopt))));
  for (std::string bad :
       {"https://evil.example/cb", "https://rp.example.nl/cb/", "https://rp.example.nl/cb?x=1",
        "https://RP.example.nl/cb", "https://two.example.nl/cb" /* another client's */, ""}) {
    auto r = provider_->ParseAuthorize(Query(With(BaseParams(), "redirect_uri", bad)));
    EXPECT_FALSE(r.has_value()) << bad;
  }
  EXPECT_FALSE(provider_->ParseAuthorize(Query(With(BaseParams(), "redirect_uri", std::nullopt))));
  // Even with response_type wrong, a bad redirect URI wins: never redirect to it.
  auto r = provider_->ParseAuthorize(Query(With(
      With(BaseParams(), "redirect_uri", "https://evil.example/cb"), "response_type", "token")));
  EXPECT_FALSE(r.has_value());
}

TEST_F(OidcProviderTest, MalformedOrOversizedQueryIsAnError) {
  std::string big = Query(With(BaseParams(), "state", std::string(9000, 'a')));
  auto r = provider_->ParseAuthorize(big);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  EXPECT_FALSE(provider_->ParseAuthorize(Query(BaseParams()) + "&client_id=rp-one"));
  EXPECT_FALSE(provider_->ParseAuthorize(Query(BaseParams()) + "&x=%zz"));
  EXPECT_FALSE(provider_->ParseAuthorize(Query(BaseParams()) + "&x=%0a"));
}

// ----- authorize: errors returned to the client -----

TEST_F(OidcProviderTest, PkceIsRequiredAndOnlyS256) {
  auto e = AuthorizeError(With(BaseParams(), "code_challenge", std::nullopt));
  EXPECT_EQ(e["error"], "invalid_request");
  EXPECT_EQ(e["state"], "st&te=1");
  EXPECT_EQ(e["iss"], "https://localhost:8444/oidc");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "code_challenge_method", "plain"))["error"],
            "invalid_request");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "code_challenge_method", std::nullopt))["error"],
            "invalid_request")
      << "an absent method means plain (RFC 7636 4.3)";
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "code_challenge", "short"))["error"],
            "invalid_request");
  EXPECT_EQ(
      AuthorizeError(With(BaseParams(), "code_challenge", std::string(42, 'a') + "+"))["error"],
      "invalid_request");
}

TEST_F(OidcProviderTest, ResponseTypeScopeAndParametersAreChecked) {
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "response_type", "token"))["error"],
            "unsupported_response_type");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "response_type", std::nullopt))["error"],
            "invalid_request");
  std::string svc = std::string("urn:nl-eid-gdi:1.0:ServiceUUID:") + kService;
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "scope", svc))["error"], "invalid_scope");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "scope", "openid"))["error"], "invalid_scope");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "scope",
                                "openid " + svc +
                                    " urn:nl-eid-gdi:1.0:ServiceUUID:"
                                    "3f1a8f5e-2b7c-4d2e-9a41-6c0b7d1e2f31"))["error"],
            "invalid_scope");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "scope",
                                "openid urn:nl-eid-gdi:1.0:ServiceUUID:not-a-uuid"))["error"],
            "invalid_scope");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "scope", "openid email " + svc))["error"],
            "invalid_scope");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "acr_values", "urn:unknown"))["error"],
            "invalid_request");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "vertegenwoordiging", "misschien"))["error"],
            "invalid_request");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "response_mode", "fragment"))["error"],
            "invalid_request");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "request", "eyJ..."))["error"],
            "request_not_supported");
  EXPECT_EQ(AuthorizeError(With(BaseParams(), "nonce", std::string(513, 'n')))["error"],
            "invalid_request");
  auto no_state =
      AuthorizeError(With(With(BaseParams(), "state", std::nullopt), "response_type", "token"));
  EXPECT_EQ(no_state.count("state"), 0u);

  EXPECT_EQ(Authorize(With(BaseParams(), "vertegenwoordiging", "verplicht")).representation,
            Rep::kMandatory);
  EXPECT_EQ(Authorize(With(BaseParams(), "acr_values",
                           "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"))
                .min_loa,
            Loa::kHoog);
}

TEST_F(OidcProviderTest, ErrorRedirectCarriesErrorStateAndIssuer) {
  AuthorizeRequest req = Authorize(BaseParams());
  auto p = RedirectParams(provider_->ErrorRedirect(req, "access_denied", "geweigerd"));
  EXPECT_EQ(p["error"], "access_denied");
  EXPECT_EQ(p["error_description"], "geweigerd");
  EXPECT_EQ(p["state"], "st&te=1");
  EXPECT_EQ(p["iss"], "https://localhost:8444/oidc");
  EXPECT_EQ(p.count("code"), 0u);
}

TEST_F(OidcProviderTest, IssueCodeRefusesInconsistentCallsFromTheWebLayer) {
  AuthorizeRequest none = Authorize(With(BaseParams(), "vertegenwoordiging", std::nullopt));
  EXPECT_THROW(provider_->IssueCode(none, B(kAgentBsn), B(kPrincipalBsn), Loa::kHoog),
               std::invalid_argument);
  AuthorizeRequest mandatory = Authorize(With(BaseParams(), "vertegenwoordiging", "verplicht"));
  EXPECT_THROW(provider_->IssueCode(mandatory, B(kAgentBsn), std::nullopt, Loa::kHoog),
               std::invalid_argument);
  AuthorizeRequest high = Authorize(
      With(BaseParams(), "acr_values", "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"));
  EXPECT_THROW(provider_->IssueCode(high, B(kAgentBsn), std::nullopt, Loa::kSubstantieel),
               std::invalid_argument);
}

// ----- token endpoint -----

TEST_F(OidcProviderTest, WrongVerifierIsInvalidGrantAndSpendsTheCode) {
  std::string code = CodeFor();
  HttpAnswer a =
      provider_->Token(TokenBody(code, std::string(43, 'A')), BasicAuth("rp-one", kSecret));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(ErrorOf(a), "invalid_grant");
  EXPECT_EQ(ErrorOf(Redeem(code)), "invalid_grant") << "a code is presented once";

  std::string code2 = CodeFor();
  EXPECT_EQ(ErrorOf(provider_->Token(TokenBody(code2, "too-short"), BasicAuth("rp-one", kSecret))),
            "invalid_grant");
  std::string code3 = CodeFor();
  std::string no_verifier =
      Query({{"grant_type", "authorization_code"}, {"code", code3}, {"redirect_uri", kRedirect}});
  EXPECT_EQ(ErrorOf(provider_->Token(no_verifier, BasicAuth("rp-one", kSecret))), "invalid_grant");
}

TEST_F(OidcProviderTest, CodeReuseIsRefusedAndRevokesTheTokenIssued) {
  std::string code = CodeFor();
  HttpAnswer first = Redeem(code);
  ASSERT_EQ(first.status, 200);
  std::string bearer = "Bearer " + Json::parse(first.body)["access_token"].get<std::string>();
  ASSERT_EQ(provider_->UserInfo(bearer).status, 200);

  clock_.Advance(std::chrono::seconds(120));  // past the code's ttl, within the token's
  HttpAnswer second = Redeem(code);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(ErrorOf(second), "invalid_grant");
  HttpAnswer ui = provider_->UserInfo(bearer);
  EXPECT_EQ(ui.status, 401);
  EXPECT_THAT(Header(ui, "WWW-Authenticate"), HasSubstr("invalid_token"));
}

TEST_F(OidcProviderTest, ExpiredCodeIsInvalidGrant) {
  std::string code = CodeFor();
  clock_.Advance(std::chrono::seconds(60));
  HttpAnswer a = Redeem(code);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(ErrorOf(a), "invalid_grant");
}

TEST_F(OidcProviderTest, ExpiredCodeIsSweptAndStillInvalidGrant) {
  std::string code = CodeFor();
  clock_.Advance(std::chrono::minutes(10));
  CodeFor();  // an insert sweeps the expired code away
  EXPECT_EQ(ErrorOf(Redeem(code)), "invalid_grant");
}

TEST_F(OidcProviderTest, ClientAuthenticationFailuresAre401WithChallenge) {
  std::string code = CodeFor();
  for (const std::string& auth : {BasicAuth("rp-one", "wrong"), BasicAuth("nobody", kSecret),
                                  std::string("Basic !!!"), std::string("Basic ") /* empty */,
                                  std::string("Bearer abc"), BasicAuth("rp-two", kSecret)}) {
    HttpAnswer a = provider_->Token(TokenBody(code), auth);
    EXPECT_EQ(a.status, 401) << auth;
    EXPECT_EQ(ErrorOf(a), "invalid_client");
    EXPECT_THAT(Header(a, "WWW-Authenticate"), HasSubstr("Basic"));
  }
  EXPECT_EQ(provider_->Token(TokenBody(code), "").status, 401) << "no authentication at all";
  EXPECT_EQ(provider_->Token(TokenBody(code) + "&client_id=rp-one", "").status, 401)
      << "public clients are not supported";
  EXPECT_EQ(provider_->Token(TokenBody(code) + "&client_id=rp-one&client_secret=wrong", "").status,
            401);
  HttpAnswer both =
      provider_->Token(TokenBody(code) + "&client_id=rp-one&client_secret=" + UrlEncode(kSecret),
                       BasicAuth("rp-one", kSecret));
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(ErrorOf(both), "invalid_request");
  // None of the failed attempts spent the code.
  EXPECT_EQ(Redeem(code).status, 200);
}

TEST_F(OidcProviderTest, CodeOfAnotherClientIsInvalidGrant) {
  std::string code = CodeFor();
  HttpAnswer a = provider_->Token(TokenBody(code), BasicAuth("rp-two", "other"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(ErrorOf(a), "invalid_grant");
}

TEST_F(OidcProviderTest, RedirectUriAtTokenMustEqualTheAuthorizeOne) {
  std::string code = CodeFor();
  HttpAnswer a = provider_->Token(TokenBody(code, kVerifier, "https://rp.example.nl/cb2?x=1"),
                                  BasicAuth("rp-one", kSecret));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(ErrorOf(a), "invalid_grant");
  std::string code2 = CodeFor();
  std::string body =
      Query({{"grant_type", "authorization_code"}, {"code", code2}, {"code_verifier", kVerifier}});
  EXPECT_EQ(ErrorOf(provider_->Token(body, BasicAuth("rp-one", kSecret))), "invalid_grant");
}

TEST_F(OidcProviderTest, GrantTypeAndBodyAreChecked) {
  std::string code = CodeFor();
  std::string body = TokenBody(code);
  HttpAnswer a = provider_->Token(Query({{"grant_type", "client_credentials"}, {"code", code}}),
                                  BasicAuth("rp-one", kSecret));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(ErrorOf(a), "unsupported_grant_type");
  EXPECT_EQ(ErrorOf(provider_->Token(Query({{"code", code}}), BasicAuth("rp-one", kSecret))),
            "invalid_request");
  EXPECT_EQ(ErrorOf(provider_->Token(Query({{"grant_type", "authorization_code"}}),
                                     BasicAuth("rp-one", kSecret))),
            "invalid_request");
  EXPECT_EQ(ErrorOf(provider_->Token(body + "&code=again", BasicAuth("rp-one", kSecret))),
            "invalid_request");
  EXPECT_EQ(ErrorOf(provider_->Token(body + "&pad=" + std::string(8200, 'p'),
                                     BasicAuth("rp-one", kSecret))),
            "invalid_request");
  EXPECT_EQ(ErrorOf(provider_->Token("code=%G1", BasicAuth("rp-one", kSecret))), "invalid_request");
  EXPECT_EQ(ErrorOf(provider_->Token(Query({{"grant_type", "authorization_code"},
                                            {"code", "unknown"},
                                            {"redirect_uri", kRedirect},
                                            {"code_verifier", kVerifier}}),
                                     BasicAuth("rp-one", kSecret))),
            "invalid_grant");
  EXPECT_EQ(Redeem(code).status, 200) << "none of the above spent the code";
}

// ----- userinfo -----

TEST_F(OidcProviderTest, UserInfoRefusesMissingUnknownAndExpiredTokens) {
  HttpAnswer none = provider_->UserInfo("");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Header(none, "WWW-Authenticate"), "Bearer realm=\"volmacht\"");
  EXPECT_EQ(provider_->UserInfo("Bearer unknown-token").status, 401);
  EXPECT_EQ(provider_->UserInfo("Basic abc").status, 401);
  EXPECT_EQ(provider_->UserInfo("Bearer a b").status, 401);
  EXPECT_EQ(provider_->UserInfo("Bearer " + std::string(600, 'a')).status, 401);

  HttpAnswer a = Redeem(CodeFor());
  std::string token = Json::parse(a.body)["access_token"];
  clock_.Advance(std::chrono::seconds(299));
  EXPECT_EQ(provider_->UserInfo("bearer " + token).status, 200) << "scheme is case-insensitive";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(provider_->UserInfo("Bearer " + token).status, 401);
}

// ----- clients and bounds -----

TEST_F(OidcProviderTest, SetClientsValidatesAndReplaces) {
  auto bad = [&](OidcClient c) { return !provider_->SetClients({c}).has_value(); };
  std::string h = ToHex(Sha256("x"));
  Oin oin = O("00000001999999999000");
  EXPECT_TRUE(bad({"", h, {kRedirect}, oin}));
  EXPECT_TRUE(bad({"a b", h, {kRedirect}, oin}));
  EXPECT_TRUE(bad({"c", "abc", {kRedirect}, oin}));
  EXPECT_TRUE(bad({"c", std::string(64, 'G'), {kRedirect}, oin}));
  EXPECT_TRUE(bad({"c", h, {}, oin}));
  EXPECT_TRUE(bad({"c", h, {"http://rp.example.nl/cb"}, oin}));
  EXPECT_TRUE(bad({"c", h, {"http://localhost.evil.nl/cb"}, oin}));
  EXPECT_TRUE(bad({"c", h, {"https://rp.example.nl/cb#frag"}, oin}));
  EXPECT_TRUE(bad({"c", h, {"javascript:alert(1)"}, oin}));
  EXPECT_FALSE(provider_->SetClients({{"c", h, {kRedirect}, oin}, {"c", h, {kRedirect}, oin}}));
  // Failed calls left the old clients in place.
  EXPECT_TRUE(provider_->ParseAuthorize(Query(BaseParams())).has_value());

  std::string code = CodeFor();
  ASSERT_TRUE(provider_->SetClients({{"new", h, {"http://localhost:8080/cb"}, oin}}));
  EXPECT_FALSE(provider_->ParseAuthorize(Query(BaseParams())).has_value());
  EXPECT_EQ(Redeem(code).status, 401) << "a removed client can no longer redeem";
}

TEST_F(OidcProviderTest, CodeStoreIsBounded) {
  config_.max_codes = 2;
  auto p = OidcProvider::Create(config_, Clients(), clock_);
  ASSERT_TRUE(p);
  provider_ = std::move(*p);
  std::string c1 = CodeFor();
  std::string c2 = CodeFor();
  std::string c3 = CodeFor();
  EXPECT_EQ(ErrorOf(Redeem(c1)), "invalid_grant") << "the oldest code made room";
  EXPECT_EQ(Redeem(c2).status, 200);
  EXPECT_EQ(Redeem(c3).status, 200);
}

TEST_F(OidcProviderTest, ConcurrentFlowsAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto r = provider_->ParseAuthorize(Query(BaseParams()));
        if (!r || !std::holds_alternative<AuthorizeRequest>(*r)) continue;
        std::string url = provider_->IssueCode(std::get<AuthorizeRequest>(*r), B(kAgentBsn),
                                               B(kPrincipalBsn), Loa::kHoog);
        std::string q = url.substr(url.find('?') + 1);
        auto form = http::ParseForm(q, http::kMaxFormBytes);
        if (!form) continue;
        HttpAnswer a = Redeem(*form->Get("code"));
        if (a.status != 200) continue;
        HttpAnswer u =
            provider_->UserInfo("Bearer " + Json::parse(a.body)["access_token"].get<std::string>());
        if (u.status == 200) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
}

// ----- helpers: base64 (the form parser is tested in src/http/form_test.cc) -----

TEST(OidcJoseTest, Base64VariantsAreStrict) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8").value(), "\xfb\xff");
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(Base64UrlDecode("Zm9v="));
  EXPECT_FALSE(Base64UrlDecode("Zm9v+"));
  EXPECT_FALSE(Base64UrlDecode("Z"));
  EXPECT_FALSE(Base64UrlDecode("Zh")) << "non-zero trailing bits";
  EXPECT_EQ(Base64Decode("Zm9vYg==").value(), "foob");
  EXPECT_FALSE(Base64Decode("Zm9vYg"));
  EXPECT_FALSE(Base64Decode("Zm9v-_=="));
}

}  // namespace
}  // namespace volmacht::oidc
