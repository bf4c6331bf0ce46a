// The login with representation end to end, in-process: a provider (lasso as SAML SP, and an
// OIDC client) sends a person to volmacht; the person logs in at digid-sim, picks whom they
// act for on our page, and the provider resolves the artifact over mutual TLS and decrypts
// the assertion itself (or redeems the OIDC code). Real SqliteStore + MandateService with an
// ACTIVE mandate, real CombiConnectIdp / DigidSp / OidcProvider, both HttpServers on
// 127.0.0.1 port 0, and an HttpClient "browser" that keeps cookies and follows 303s.
//
// The servers are reached under public URLs (https://volmacht.test, https://api.volmacht.test)
// that the browser maps to the real loopback ports, as a reverse proxy would: so every URL
// inside the SAML messages is fixed before any port is known.
#include "web/login_flow.h"
#include "web/pages.h"

// saml_common.h first: it includes glib and libxml2 before lasso (docs/saml-profile.md 4.1).
#include "saml/saml_common.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "digid_sim.h"
#include "http/client.h"
#include "dev_certs.h"
#include "http/test_support.h"
#include "http/server.h"
#include "saml/saml_common.h"
#include "saml/testing/lasso_sp.h"
#include "registry/testing/map_registry.h"
#include "store/sqlite/sqlite_store.h"

namespace volmacht::web {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using http::testing::QueryParam;
using saml::ServerRef;
using volmacht::testing::MapRegistry;
using saml::testing::Scoping;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kWebOrigin[] = "https://volmacht.test";
constexpr char kApiOrigin[] = "https://api.volmacht.test";
constexpr char kIdpEntity[] = "urn:nl-eid-gdi:1.0:BVD:00000001999999999000:entities:9000";
constexpr char kDigidSpEntity[] = "urn:nl-eid-gdi:1.0:DV:00000001999999999000:entities:9000";
constexpr char kProviderOin[] = "00000001444444444000";
constexpr char kOtherOin[] = "00000001555555555000";
constexpr char kSpEntity[] = "urn:nl-eid-gdi:1.0:DV:00000001444444444000:entities:9004";
constexpr char kSpAcs[] = "https://provider.test/acs";
constexpr char kService[] = "5d2a4f6e-8c1b-4e3a-9f7d-2b6c8e0a1d34";       // the provider's
constexpr char kOtherService[] = "6e3b5a7f-9d2c-4f4b-8a8e-3c7d9f1b2e45";  // another provider's
// A second provider that takes the Response by HTTP-POST.
constexpr char kPostOin[] = "00000001666666666000";
constexpr char kPostSpEntity[] = "urn:nl-eid-gdi:1.0:DV:00000001666666666000:entities:9005";
constexpr char kPostAcs[] = "https://post.test/acs";
constexpr char kPostService[] = "7f4c6b8a-0e3d-4a5c-9b9f-4d8e0a2c3f56";
constexpr char kRpRedirect[] = "https://provider.test/oidc-callback";
constexpr char kRpSecret[] = "rp-secret";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";  // RFC 7636 B
constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr char kSuccess[] = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr char kResponder[] = "urn:oasis:names:tc:SAML:2.0:status:Responder";

// People (fictitious; valid BSNs). Two principals share a name: the page tells them apart by
// birth year.
constexpr char kAgent[] = "999993653";      // Alice de Vries, acts for both Bobs
constexpr char kBob1950[] = "123456782";    // Bob Jansen, born 1950
constexpr char kBob1962[] = "111222333";    // Bob Jansen, born 1962
constexpr char kLoner[] = "115555559";      // Frank Visser, may act for nobody

Bsn B(const char* s) { return *Bsn::Parse(s); }
Oin O(const char* s) { return *Oin::Parse(s); }
Uuid U(const char* s) { return *Uuid::Parse(s); }

Timestamp RealNow() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}


std::string Attr(const std::string& html, const std::string& name) {
  std::string marker = "name=\"" + name + "\" value=\"";
  size_t at = html.find(marker);
  if (at == std::string::npos) return {};
  size_t end = html.find('"', at + marker.size());
  return html.substr(at + marker.size(), end - at - marker.size());
}


// A browser: keeps cookies per origin, maps public origins to the real servers, follows
// redirects until they leave for the provider.
class Browser {
 public:
  Browser(const std::string& ca_file, std::map<std::string, std::string> hosts)
      : client_([&] {
          http::ClientConfig cc;
          cc.ca_file = ca_file;
          cc.timeout = std::chrono::seconds(20);
          return cc;
        }()),
        hosts_(std::move(hosts)) {}

  struct Page {
    int status = 0;
    std::string url;       // where it came from (public URL)
    std::string location;  // for redirects
    std::string body;
    http::ClientResponse raw;
  };

  Page Send(const std::string& method, std::string url, const std::string& body = "") {
    if (url.starts_with("/")) url = last_origin_ + url;
    std::string origin = Origin(url);
    last_origin_ = origin;
    std::string real = url;
    if (auto it = hosts_.find(origin); it != hosts_.end()) real = it->second + url.substr(origin.size());
    std::vector<std::pair<std::string, std::string>> headers;
    if (method == "POST") headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    std::string cookies;
    for (const auto& [name, value] : jar_[origin]) {
      cookies += (cookies.empty() ? "" : "; ") + name + "=" + value;
    }
    if (!cookies.empty()) headers.emplace_back("Cookie", cookies);
    auto r = client_.Send(method, real, body, headers);
    EXPECT_TRUE(r.has_value()) << method << " " << url << ": " << r.error().message;
    Page p;
    p.url = url;
    if (!r) return p;
    for (const auto& [k, v] : r->headers) {
      if (k == "set-cookie") Store(origin, v);
    }
    p.status = r->status;
    p.location = r->Header("location");
    if (p.location.starts_with("/")) p.location = origin + p.location;
    p.body = r->body;
    p.raw = *r;
    return p;
  }

  // GET url and follow 303/302 while they stay at volmacht or digid-sim.
  Page Go(std::string url) {
    Page p = Send("GET", std::move(url));
    return Follow(std::move(p));
  }
  Page Follow(Page p) {
    for (int i = 0; i < 10 && (p.status == 303 || p.status == 302); ++i) {
      if (!hosts_.contains(Origin(p.location))) break;  // leaves for the provider
      p = Send("GET", p.location);
    }
    return p;
  }
  Page Post(const std::string& url, const std::string& body) {
    return Follow(Send("POST", url, body));
  }

  std::string Cookie(const std::string& origin, const std::string& name) {
    auto& c = jar_[origin];
    auto it = c.find(name);
    return it == c.end() ? std::string() : it->second;
  }
  void SetCookie(const std::string& origin, const std::string& name, const std::string& value) {
    jar_[origin][name] = value;
  }
  std::vector<std::string> set_cookie_headers;  // every Set-Cookie seen, for checks

 private:
  static std::string Origin(const std::string& url) {
    size_t s = url.find("://");
    if (s == std::string::npos) return {};
    size_t e = url.find_first_of("/?", s + 3);
    return url.substr(0, e);
  }
  void Store(const std::string& origin, const std::string& header) {
    set_cookie_headers.push_back(header);
    size_t eq = header.find('=');
    size_t semi = header.find(';');
    std::string name = header.substr(0, eq);
    std::string value = header.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
    if (header.find("Max-Age=0") != std::string::npos || value.empty()) {
      jar_[origin].erase(name);
    } else {
      jar_[origin][name] = value;
    }
  }

  http::HttpClient client_;
  std::map<std::string, std::string> hosts_;
  std::map<std::string, std::map<std::string, std::string>> jar_;
  std::string last_origin_;
};

// What the provider got after resolving the artifact (lasso checked the signatures).
struct Outcome : saml::testing::ArtifactOutcome {
  int http_status = 0;
};

class LoginFlowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    saml::InitLasso();
    char tmpl[] = "/tmp/web-login-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    const std::string& d = *dir_;
    clock_ = new ManualClock(RealNow());

    // Keys: ours for SAML (signing and decryption), the provider's SP key pair.
    ASSERT_TRUE(saml::EnsureSigningKeyPair(d + "/saml-key.pem", d + "/saml-cert.pem", "volmacht",
                                           2048));
    ASSERT_TRUE(saml::EnsureSigningKeyPair(d + "/sp-key.pem", d + "/sp-cert.pem", "provider",
                                           2048));
    // TLS: server certificate for both servers, client certificates for two providers.
    ASSERT_TRUE(devcerts::MakeDevCerts(d + "/certs", {"localhost"},
                                   {{"provider", "Provider", kProviderOin},
                                    {"other", "Other", kOtherOin}}));

    // DigiD (digid-sim) and our SP towards it.
    saml::DigidSpConfig sp;
    sp.entity_id = kDigidSpEntity;
    sp.key_file = d + "/saml-key.pem";
    sp.cert_file = d + "/saml-cert.pem";
    sp.acs_url = std::string(kWebOrigin) + "/saml/sp/acs";
    auto sp_md = saml::DigidSp::BuildMetadata(sp);
    ASSERT_TRUE(sp_md) << sp_md.error().message;
    std::ofstream(d + "/digid-sp.xml") << *sp_md;
    digidsim::DigidSimConfig sc;
    sc.persons_file = VOLMACHT_BRP_FIXTURE;
    sc.data_dir = d + "/sim";
    sc.sp_metadata_files = {d + "/digid-sp.xml"};
    sc.key_bits = 2048;
    auto sim = digidsim::DigidSim::Create(sc);
    ASSERT_TRUE(sim) << sim.error().message;
    sim_ = sim->release();
    ASSERT_TRUE(sim_->Start());
    sp.idp_metadata_file = sim_->metadata_file();
    sp.tls_ca_file = sim_->tls_ca_file();
    sp.tls_cert_file = sim_->sp_client_cert_file();
    sp.tls_key_file = sim_->sp_client_key_file();
    auto digid = saml::DigidSp::Create(sp);
    ASSERT_TRUE(digid) << digid.error().message;
    digid_ = digid->release();

    // The mandate service with its catalogue and two ACTIVE mandates.
    registry_ = new MapRegistry;
    registry_->Put(kAgent, "Alice de Vries", {1960, 5, 1});
    registry_->Put(kBob1950, "Bob Jansen", {1950, 5, 1});
    registry_->Put(kBob1962, "Bob Jansen", {1962, 5, 1});
    registry_->Put(kLoner, "Frank Visser", {1970, 5, 1});
    auto store = SqliteStore::Open(d + "/volmacht.db", *clock_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = store->release();
    auto svc = MandateService::Create(*store_, *registry_, *clock_, {std::string(32, 'k')});
    ASSERT_TRUE(svc) << svc.error().message;
    service_ = svc->release();
    Provider prov{O(kProviderOin), "Gemeente Proefstad", "p@example.nl", "", false, true};
    prov.saml_metadata = SpMetadata();
    prov.oidc_clients = {{"rp", ToHex(Sha256(kRpSecret)), {kRpRedirect}}};
    ASSERT_TRUE(service_->PutProvider(Caller::Admin(), prov));
    ASSERT_TRUE(service_->PutProvider(Caller::Admin(),
                                      {O(kOtherOin), "Ander", "a@example.nl", "", false, true}));
    Service s;
    s.id = U(kService);
    s.provider = O(kProviderOin);
    s.name_nl = "Parkeervergunning";
    s.min_loa = Loa::kMidden;
    ASSERT_TRUE(service_->PutService(Caller::Admin(), s));
    s.id = U(kOtherService);
    s.provider = O(kOtherOin);
    s.name_nl = "Iets anders";
    ASSERT_TRUE(service_->PutService(Caller::Admin(), s));
    Provider post{O(kPostOin), "Post-organisatie", "p@example.nl", "", false, true};
    post.saml_metadata = SpMetadata(kPostSpEntity, kPostAcs, saml::testing::kHttpPost);
    post.saml_post_response = true;
    ASSERT_TRUE(service_->PutProvider(Caller::Admin(), post));
    s.id = U(kPostService);
    s.provider = O(kPostOin);
    s.name_nl = "Postdienst";
    ASSERT_TRUE(service_->PutService(Caller::Admin(), s));
    for (const char* principal : {kBob1950, kBob1962}) {
      GrantRequest g;
      g.services = {U(kService)};
      g.end = Date(std::chrono::sys_days(clock_->Today()) + std::chrono::days(365));
      auto granted = service_->Grant(Caller::Citizen(B(principal), Channel::kWeb), g);
      ASSERT_TRUE(granted) << granted.error().message;
      auto active = service_->Activate(Caller::Citizen(B(kAgent), Channel::kWeb), B(principal),
                                       granted->activation_code);
      ASSERT_TRUE(active) << active.error().message;
      mandates_[principal] = active->mandate.mandate.id.str();
    }

    // The protocol sides.
    saml::CombiConnectConfig cc{kIdpEntity, d + "/saml-key.pem", d + "/saml-cert.pem",
                                std::string(kWebOrigin) + "/saml/idp/sso",
                                std::string(kApiOrigin) + "/saml/idp/artifact"};
    auto combi = saml::CombiConnectIdp::Create(
        cc, {{O(kProviderOin), prov.saml_metadata, false}, {O(kPostOin), post.saml_metadata, true}});
    ASSERT_TRUE(combi) << combi.error().message;
    combi_ = combi->release();
    oidc::OidcConfig oc;
    oc.issuer = std::string(kWebOrigin) + "/oidc";
    oc.signing_key_file = d + "/oidc-key.pem";
    auto op = oidc::OidcProvider::Create(
        oc, {{"rp", ToHex(Sha256(kRpSecret)), {kRpRedirect}, O(kProviderOin)}}, *clock_);
    ASSERT_TRUE(op) << op.error().message;
    oidc_ = op->release();

    // Both servers.
    http::ServerConfig wc;
    wc.tls = true;
    wc.tls_config.cert_file = d + "/certs/server.pem";
    wc.tls_config.key_file = d + "/certs/server-key.pem";
    wc.max_body = 300 * 1024;
    web_ = new http::HttpServer(ForBrowsers(wc));
    http::ServerConfig ac = wc;
    ac.tls_config.client_ca_file = d + "/certs/ca.pem";
    api_ = new http::HttpServer(ac);
    RegisterLoginRoutes(*web_, *api_,
                        {*service_, *digid_, *combi_, *oidc_, *clock_});
    web_->Start();
    api_->Start();

    // The browser trusts our CA and digid-sim's.
    std::ofstream(d + "/browser-ca.pem")
        << ReadAll(d + "/certs/ca.pem") << ReadAll(sim_->tls_ca_file());

    // The provider as lasso SP knows our IdP metadata.
    std::string idp_md = combi_->Metadata();
    auto lasso_sp = saml::testing::MakeSpServer(prov.saml_metadata, d + "/sp-key.pem",
                                                d + "/sp-cert.pem", idp_md);
    ASSERT_TRUE(lasso_sp) << lasso_sp.error().message;
    lasso_sp_ = new ServerRef(std::move(*lasso_sp));
    auto post_sp = saml::testing::MakeSpServer(post.saml_metadata, d + "/sp-key.pem",
                                               d + "/sp-cert.pem", idp_md);
    ASSERT_TRUE(post_sp) << post_sp.error().message;
    post_sp_ = new ServerRef(std::move(*post_sp));
  }

  static void TearDownTestSuite() {
    if (web_) web_->Stop();
    if (api_) api_->Stop();
    delete web_;
    delete api_;
    delete lasso_sp_;
    delete post_sp_;
    delete oidc_;
    delete combi_;
    delete service_;
    delete store_;
    delete registry_;
    delete digid_;
    if (sim_) sim_->Stop();
    delete sim_;
    delete clock_;
    std::error_code ec;
    if (dir_) fs::remove_all(*dir_, ec);
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(web_, nullptr);
    clock_->Set(RealNow());
  }

  static std::string SpMetadata(const char* entity = kSpEntity, const char* acs = kSpAcs,
                                const char* binding = saml::testing::kHttpArtifact) {
    auto md = saml::testing::SpMetadata(entity, *dir_ + "/sp-cert.pem", {{binding, acs}});
    EXPECT_TRUE(md) << md.error().message;
    return md.value_or(std::string());
  }

  Browser NewBrowser() {
    return Browser(*dir_ + "/browser-ca.pem",
                   {{kWebOrigin, "https://127.0.0.1:" + std::to_string(web_->port())},
                    {kApiOrigin, "https://127.0.0.1:" + std::to_string(api_->port())},
                    {sim_->base_url(), sim_->base_url()}});
  }

  // The provider's signed AuthnRequest (HTTP-Redirect) as a URL at our SSO endpoint. With
  // `sp` (the POST provider) the Response is asked for by HTTP-POST instead of an artifact.
  static std::string AuthnRequestUrl(Scoping scoping, Loa min_loa,
                                     const char* service = kService,
                                     LassoServer* sp = nullptr) {
    bool post = sp != nullptr;
    saml::testing::AuthnRequestSpec spec{kIdpEntity, service, scoping, min_loa};
    spec.protocol_binding = post ? saml::testing::kHttpPost : saml::testing::kHttpArtifact;
    auto req = saml::testing::BuildAuthnRequest(post ? sp : lasso_sp_->get(), spec);
    EXPECT_TRUE(req) << req.error().message;
    std::string url = req ? req->url : "";
    EXPECT_THAT(url, StartsWith(std::string(kWebOrigin) + "/saml/idp/sso?"));
    return url;
  }

  // At digid-sim: log in as `bsn` at `loa` (or cancel). Returns what the browser ends at.
  Browser::Page DigidLogin(Browser& b, const Browser::Page& login_page, const char* bsn,
                           int loa, bool cancel = false) {
    EXPECT_EQ(login_page.status, 200) << login_page.body;
    EXPECT_THAT(login_page.url, StartsWith(sim_->base_url()));
    std::string txn = Attr(login_page.body, "txn");
    return b.Post(sim_->base_url() + "/saml/idp/login",
                  "txn=" + txn + "&persoon=&bsn=" + bsn + "&loa=" + std::to_string(loa) +
                      "&actie=" + (cancel ? "annuleren" : "inloggen"));
  }

  // The provider resolves the artifact over mutual TLS with its client certificate and reads
  // the answer with lasso (signatures checked, identifiers decrypted with its key).
  Outcome Resolve(const std::string& acs_redirect, const std::string& cert_stem = "provider") {
    Outcome out;
    EXPECT_THAT(acs_redirect, StartsWith(std::string(kSpAcs) + "?SAMLart="));
    auto resolve = saml::testing::BuildArtifactResolve(lasso_sp_->get(), acs_redirect);
    EXPECT_TRUE(resolve) << resolve.error().message;
    if (!resolve) return out;
    EXPECT_EQ(resolve->url, std::string(kApiOrigin) + "/saml/idp/artifact");
    http::ClientConfig cc;
    cc.ca_file = *dir_ + "/certs/ca.pem";
    cc.cert_file = *dir_ + "/certs/" + cert_stem + ".pem";
    cc.key_file = *dir_ + "/certs/" + cert_stem + "-key.pem";
    cc.timeout = std::chrono::seconds(10);
    http::HttpClient client(cc);
    auto r = client.Send("POST",
                         "https://127.0.0.1:" + std::to_string(api_->port()) + "/saml/idp/artifact",
                         resolve->soap,
                         {{"Content-Type", "text/xml; charset=utf-8"},
                          {"SOAPAction", "http://www.oasis-open.org/committees/security"}});
    EXPECT_TRUE(r.has_value());
    if (!r) return out;
    out.http_status = r->status;
    if (r->status != 200) return out;
    auto got = saml::testing::ReadArtifactResponse(lasso_sp_->get(), resolve->login.get(), r->body);
    EXPECT_TRUE(got) << got.error().message;
    // The SAML part of the outcome; http_status stays.
    if (got) static_cast<saml::testing::ArtifactOutcome&>(out) = std::move(*got);
    return out;
  }

  // Provider request -> DigiD login as `bsn` -> where the browser ends up.
  Browser::Page StartAndLogIn(Browser& b, Scoping scoping, Loa min_loa,
                              const char* bsn, int loa, bool cancel = false) {
    Browser::Page login_page = b.Go(AuthnRequestUrl(scoping, min_loa));
    return DigidLogin(b, login_page, bsn, loa, cancel);
  }

  // The form value of the option with this label on the choice page.
  static std::string OptionValue(const std::string& page, const std::string& label) {
    std::regex re("value=\"([a-z0-9]+)\" required> <label for=\"keuze-[0-9]+\">" + label +
                  "</label>");
    std::smatch m;
    if (!std::regex_search(page, m, re)) return {};
    return m[1];
  }

  static std::vector<MandateUse> Uses(const char* principal) {
    service_->FlushUses();
    auto uses = store_->UsesOfMandate(U(mandates_[principal].c_str()));
    EXPECT_TRUE(uses.has_value());
    return uses.value_or(std::vector<MandateUse>{});
  }

  static inline std::string* dir_ = nullptr;
  static inline ManualClock* clock_ = nullptr;
  static inline digidsim::DigidSim* sim_ = nullptr;
  static inline saml::DigidSp* digid_ = nullptr;
  static inline MapRegistry* registry_ = nullptr;
  static inline SqliteStore* store_ = nullptr;
  static inline MandateService* service_ = nullptr;
  static inline saml::CombiConnectIdp* combi_ = nullptr;
  static inline oidc::OidcProvider* oidc_ = nullptr;
  static inline http::HttpServer* web_ = nullptr;
  static inline http::HttpServer* api_ = nullptr;
  static inline ServerRef* lasso_sp_ = nullptr;
  static inline ServerRef* post_sp_ = nullptr;
  static inline std::map<std::string, std::string> mandates_;
};

const std::string kLoa20Ref = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract";

// ------------------------------------------------------------------------------- SAML

TEST_F(LoginFlowTest, ActingForSomeoneEndToEnd) {
  Browser b = NewBrowser();
  size_t uses_before = Uses(kBob1950).size();
  Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20);
  ASSERT_EQ(choice.status, 200) << choice.body;
  EXPECT_EQ(choice.url, std::string(kWebOrigin) + "/inloggen/kies");
  // The session cookie: random, locked down; never a BSN in a cookie or a URL.
  std::string cookie = b.Cookie(kWebOrigin, std::string(kSessionCookie));
  EXPECT_EQ(cookie.size(), 64u);
  bool saw_attributes = false;
  for (const std::string& h : b.set_cookie_headers) {
    if (!h.starts_with(std::string(kSessionCookie) + "=")) continue;
    if (h.find("Max-Age=0") != std::string::npos) continue;
    saw_attributes = h.find("HttpOnly") != std::string::npos &&
                     h.find("Secure") != std::string::npos &&
                     h.find("SameSite=Lax") != std::string::npos &&
                     h.find("Path=/") != std::string::npos;
  }
  EXPECT_TRUE(saw_attributes);

  // The page: names only, birth years because both are called Bob Jansen, "Mijzelf" first.
  EXPECT_THAT(choice.body, HasSubstr("<html lang=\"nl\">"));
  EXPECT_THAT(choice.body, HasSubstr("Gemeente Proefstad"));
  EXPECT_THAT(choice.body, HasSubstr("Parkeervergunning"));
  EXPECT_THAT(choice.body, HasSubstr(">Mijzelf</label>"));
  EXPECT_THAT(choice.body, HasSubstr("Bob Jansen (geboren 1950)"));
  EXPECT_THAT(choice.body, HasSubstr("Bob Jansen (geboren 1962)"));
  for (const char* bsn : {kAgent, kBob1950, kBob1962}) {
    EXPECT_THAT(choice.body, Not(HasSubstr(bsn)));
  }
  EXPECT_EQ(choice.raw.Header("cache-control"), "no-store");
  EXPECT_EQ(choice.raw.Header("x-frame-options"), "DENY");
  EXPECT_EQ(choice.raw.Header("referrer-policy"), "no-referrer");
  EXPECT_THAT(choice.raw.Header("content-security-policy"),
              HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(choice.raw.Header("content-security-policy"),
              HasSubstr("form-action 'self' https://provider.test"));

  std::string value = OptionValue(choice.body, "Bob Jansen \\(geboren 1950\\)");
  ASSERT_FALSE(value.empty());
  std::string csrf = Attr(choice.body, "csrf");
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + csrf + "&keuze=" + value + "&actie=doorgaan");
  ASSERT_EQ(back.status, 303) << back.body;
  EXPECT_THAT(back.location, Not(HasSubstr(kAgent)));
  EXPECT_TRUE(b.Cookie(kWebOrigin, std::string(kSessionCookie)).empty());  // cleared

  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.http_status, 200);
  EXPECT_EQ(got.lasso_rc, 0) << saml::LassoErrorText(got.lasso_rc);
  EXPECT_EQ(got.status, kSuccess);
  EXPECT_EQ(got.acting, kAgent);
  EXPECT_EQ(got.legal, kBob1950);
  EXPECT_EQ(got.service, kService);
  EXPECT_EQ(got.loa, kLoa20Ref);

  // Recorded as a use of that mandate, by this provider, over SAML.
  std::vector<MandateUse> uses = Uses(kBob1950);
  ASSERT_EQ(uses.size(), uses_before + 1);
  EXPECT_EQ(uses.back().channel, Channel::kSaml);
  EXPECT_EQ(uses.back().provider, O(kProviderOin));

  // Session reuse: the same cookie again gets nothing.
  b.SetCookie(kWebOrigin, std::string(kSessionCookie), cookie);
  Browser::Page again = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                               "csrf=" + csrf + "&keuze=" + value + "&actie=doorgaan");
  EXPECT_EQ(again.status, 400);
  EXPECT_THAT(again.body, HasSubstr("Inlogsessie onbekend of verlopen"));
  EXPECT_EQ(combi_->PendingArtifacts(), 0u);
  EXPECT_EQ(Uses(kBob1950).size(), uses_before + 1);
}

TEST_F(LoginFlowTest, MyselfCarriesTheOwnBsnAsLegalSubject) {
  Browser b = NewBrowser();
  Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 25);
  ASSERT_EQ(choice.status, 200) << choice.body;
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&keuze=mijzelf&actie=doorgaan");
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kSuccess);
  EXPECT_EQ(got.acting, kAgent);
  EXPECT_EQ(got.legal, kAgent);
  EXPECT_EQ(got.loa, "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard");
}

TEST_F(LoginFlowTest, MandatoryOffersNoMyself) {
  Browser b = NewBrowser();
  Browser::Page choice = StartAndLogIn(b, Scoping::kMandatory, Loa::kMidden, kAgent, 20);
  ASSERT_EQ(choice.status, 200) << choice.body;
  EXPECT_THAT(choice.body, Not(HasSubstr("mijzelf")));
  // Posting "mijzelf" anyway is refused.
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&keuze=mijzelf");
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kResponder);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
  EXPECT_TRUE(got.acting.empty());
}

TEST_F(LoginFlowTest, MandatoryWithNobodyToActForIsRefused) {
  Browser b = NewBrowser();
  Browser::Page back = StartAndLogIn(b, Scoping::kMandatory, Loa::kMidden, kLoner, 20);
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kResponder);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
  EXPECT_TRUE(got.acting.empty());
}

TEST_F(LoginFlowTest, OptionalWithNobodyToActForIsMyselfAtOnce) {
  Browser b = NewBrowser();
  Browser::Page back = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kLoner, 20);
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kSuccess);
  EXPECT_EQ(got.acting, kLoner);
  EXPECT_EQ(got.legal, kLoner);
}

// The web listener's own errors are pages for people, not problem+json for machines.
TEST_F(LoginFlowTest, TheWebListenersOwnErrorsArePages) {
  Browser b = NewBrowser();
  Browser::Page missing = b.Go(std::string(kWebOrigin) + "/bestaat-niet");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.raw.Header("content-type"), HasSubstr("text/html"));
  EXPECT_THAT(missing.body, HasSubstr("Pagina niet gevonden"));
  EXPECT_THAT(missing.body, HasSubstr("Kenmerk voor de helpdesk: <code>urn:uuid:"));
  EXPECT_EQ(missing.raw.Header("x-frame-options"), "DENY");
  Browser::Page wrong = b.Post(std::string(kWebOrigin) + "/saml/idp/metadata", "x=1");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_THAT(wrong.raw.Header("content-type"), HasSubstr("text/html"));
  EXPECT_THAT(wrong.body, HasSubstr("Niet mogelijk"));
}

// The provider was switched off while the person was at DigiD: whom they may act for cannot
// be asked, so the login is refused; it is not answered as if for the person themselves.
TEST_F(LoginFlowTest, AProviderSwitchedOffDuringTheLoginIsRefusedNotMyself) {
  Browser b = NewBrowser();
  Browser::Page login_page = b.Go(AuthnRequestUrl(Scoping::kOptional, Loa::kMidden));
  Provider p = *service_->FindProvider(O(kProviderOin));
  p.active = false;
  ASSERT_TRUE(service_->PutProvider(Caller::Admin(), p));
  Browser::Page back = DigidLogin(b, login_page, kAgent, 20);
  p.active = true;
  ASSERT_TRUE(service_->PutProvider(Caller::Admin(), p));
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kResponder);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
  EXPECT_TRUE(got.acting.empty());
}

TEST_F(LoginFlowTest, WithoutRepresentationNoChoicePage) {
  Browser b = NewBrowser();
  Browser::Page back = StartAndLogIn(b, Scoping::kNone, Loa::kBasis, kAgent, 20);
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kSuccess);
  EXPECT_EQ(got.acting, kAgent);
  EXPECT_EQ(got.legal, kAgent);
}

TEST_F(LoginFlowTest, CancelAtDigidIsAuthnFailed) {
  Browser b = NewBrowser();
  Browser::Page back =
      StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20, /*cancel=*/true);
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kResponder);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed");
}

TEST_F(LoginFlowTest, LoaTooLowIsNoAuthnContext) {
  Browser b = NewBrowser();
  Browser::Page back = StartAndLogIn(b, Scoping::kOptional, Loa::kSubstantieel, kAgent, 20);
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kResponder);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext");
}

TEST_F(LoginFlowTest, CancelOnTheChoicePageIsAuthnFailed) {
  Browser b = NewBrowser();
  Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20);
  ASSERT_EQ(choice.status, 200);
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&actie=annuleren");
  ASSERT_EQ(back.status, 303) << back.body;
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed");
}

TEST_F(LoginFlowTest, WrongCsrfTokenIssuesNothingAndKeepsTheSession) {
  Browser b = NewBrowser();
  Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20);
  ASSERT_EQ(choice.status, 200);
  std::string value = OptionValue(choice.body, "Bob Jansen \\(geboren 1962\\)");
  size_t pending = combi_->PendingArtifacts();
  for (const std::string& bad : {std::string("csrf=") + std::string(64, '0'), std::string()}) {
    Browser::Page r = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                             bad + "&keuze=" + value + "&actie=doorgaan");
    EXPECT_EQ(r.status, 400);
    EXPECT_THAT(r.body, HasSubstr("Ongeldig formulier"));
    EXPECT_EQ(combi_->PendingArtifacts(), pending);
  }
  // Nothing chosen: the page again with a message, still usable.
  Browser::Page none = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&actie=doorgaan");
  EXPECT_EQ(none.status, 400);
  EXPECT_THAT(none.body, HasSubstr("role=\"alert\""));
  EXPECT_EQ(Attr(none.body, "csrf"), Attr(choice.body, "csrf"));
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&keuze=" + value);
  ASSERT_EQ(back.status, 303);
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status, kSuccess);
  EXPECT_EQ(got.legal, kBob1962);
}

TEST_F(LoginFlowTest, PrincipalNotOfferedIsRefused) {
  for (const char* keuze : {"7", "999993653", "-1", "x"}) {
    Browser b = NewBrowser();
    Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20);
    ASSERT_EQ(choice.status, 200);
    Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                                "csrf=" + Attr(choice.body, "csrf") + "&keuze=" + keuze);
    ASSERT_EQ(back.status, 303) << keuze << back.body;
    Outcome got = Resolve(back.location);
    EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied") << keuze;
    EXPECT_TRUE(got.legal.empty());
  }
}

TEST_F(LoginFlowTest, MandateEndedWhileThePageWasOpenIsRefused) {
  // A third principal whose mandate is revoked between the page and the choice.
  const char* kCarl = "123333337";
  registry_->Put(kCarl, "Carl Clement", {1955, 5, 1});
  GrantRequest g;
  g.services = {U(kService)};
  g.end = Date(std::chrono::sys_days(clock_->Today()) + std::chrono::days(30));
  auto granted = service_->Grant(Caller::Citizen(B(kCarl), Channel::kWeb), g);
  ASSERT_TRUE(granted) << granted.error().message;
  auto active = service_->Activate(Caller::Citizen(B(kAgent), Channel::kWeb), B(kCarl),
                                   granted->activation_code);
  ASSERT_TRUE(active) << active.error().message;

  Browser b = NewBrowser();
  Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20);
  std::string value = OptionValue(choice.body, "Carl Clement");
  ASSERT_FALSE(value.empty()) << choice.body;
  ASSERT_TRUE(service_->Revoke(Caller::Citizen(B(kCarl), Channel::kWeb),
                               active->mandate.mandate.id));
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&keuze=" + value);
  ASSERT_EQ(back.status, 303);
  Outcome got = Resolve(back.location);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
}

TEST_F(LoginFlowTest, ExpiredSessionShowsAPageAndIssuesNothing) {
  Browser b = NewBrowser();
  Browser::Page choice = StartAndLogIn(b, Scoping::kOptional, Loa::kMidden, kAgent, 20);
  ASSERT_EQ(choice.status, 200);
  clock_->Advance(std::chrono::minutes(16));
  Browser::Page late = b.Go(std::string(kWebOrigin) + "/inloggen/kies");
  EXPECT_EQ(late.status, 400);
  EXPECT_THAT(late.body, HasSubstr("verlopen"));
  Browser::Page post = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&keuze=mijzelf");
  EXPECT_EQ(post.status, 400);
}

TEST_F(LoginFlowTest, DigidAnswerInAnotherBrowserIsNotAccepted) {
  Browser victim = NewBrowser();
  Browser::Page login_page = victim.Go(AuthnRequestUrl(Scoping::kOptional, Loa::kMidden));
  std::string txn = Attr(login_page.body, "txn");
  // The answer from DigiD arrives in a browser without the session (login CSRF).
  Browser::Page at_acs = victim.Send("POST", sim_->base_url() + "/saml/idp/login",
                                     "txn=" + txn + "&persoon=&bsn=" + std::string(kAgent) +
                                         "&loa=20&actie=inloggen");
  ASSERT_EQ(at_acs.status, 303);
  EXPECT_THAT(at_acs.location, StartsWith(std::string(kWebOrigin) + "/saml/sp/acs?"));
  Browser other = NewBrowser();
  Browser::Page r = other.Go(at_acs.location);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("Inlogsessie onbekend of verlopen"));
  // A wrong RelayState in the right browser is refused just as well.
  std::string tampered = at_acs.location;
  tampered.replace(tampered.find("RelayState=") + 11, 4, "0000");
  EXPECT_EQ(victim.Go(tampered).status, 400);
}

TEST_F(LoginFlowTest, BadAuthnRequestGetsAnHtmlErrorPageOnly) {
  Browser b = NewBrowser();
  // Not even signed: refused as not acceptable (403), with a page, nothing else.
  Browser::Page r = b.Go(std::string(kWebOrigin) + "/saml/idp/sso?SAMLRequest=bm9uc2Vuc2U%3D");
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.raw.Header("content-type"), StartsWith("text/html"));
  EXPECT_THAT(r.body, HasSubstr("<html lang=\"nl\">"));
  EXPECT_EQ(r.raw.Header("set-cookie"), "");
  EXPECT_EQ(r.raw.Header("cache-control"), "no-store");
  // A signed request changed after signing.
  std::string url = AuthnRequestUrl(Scoping::kOptional, Loa::kMidden);
  url.replace(url.find("SAMLRequest=") + 20, 1, url[url.find("SAMLRequest=") + 20] == 'A' ? "B" : "A");
  Browser::Page forged = b.Go(url);
  EXPECT_GE(forged.status, 400);
  EXPECT_EQ(forged.raw.Header("set-cookie"), "");
  // Malformed.
  Browser::Page junk = b.Go(std::string(kWebOrigin) +
                            "/saml/idp/sso?SAMLRequest=%21%21&SigAlg=" +
                            saml::UrlEncode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") +
                            "&Signature=AAAA");
  EXPECT_EQ(junk.status, 400);
  EXPECT_THAT(junk.raw.Header("content-type"), StartsWith("text/html"));
  // POST binding without a form body.
  Browser::Page empty = b.Send("POST", std::string(kWebOrigin) + "/saml/idp/sso", "x=1");
  EXPECT_GE(empty.status, 400);
  EXPECT_LT(empty.status, 500);
  EXPECT_EQ(empty.raw.Header("set-cookie"), "");
}

TEST_F(LoginFlowTest, ServiceOfAnotherProviderIsRefusedWithoutLogin) {
  Browser b = NewBrowser();
  Browser::Page r = b.Go(AuthnRequestUrl(Scoping::kOptional, Loa::kMidden, kOtherService));
  ASSERT_EQ(r.status, 303);
  Outcome got = Resolve(r.location);
  EXPECT_EQ(got.status_detail, "urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
}

TEST_F(LoginFlowTest, ArtifactResolveFromAnotherProviderIsRefused) {
  Browser b = NewBrowser();
  Browser::Page back = StartAndLogIn(b, Scoping::kNone, Loa::kBasis, kAgent, 20);
  ASSERT_EQ(back.status, 303);
  Outcome wrong = Resolve(back.location, "other");
  EXPECT_EQ(wrong.http_status, 403);
  Outcome right = Resolve(back.location);  // still resolvable by its own provider
  EXPECT_EQ(right.status, kSuccess);
}

TEST_F(LoginFlowTest, PostBindingProviderGetsTheSelfPostingForm) {
  Browser b = NewBrowser();
  size_t pending = combi_->PendingArtifacts();
  Browser::Page login_page =
      b.Go(AuthnRequestUrl(Scoping::kNone, Loa::kMidden, kPostService, post_sp_->get()));
  Browser::Page page = DigidLogin(b, login_page, kAgent, 20);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\" action=\"https://post.test/acs\">"));
  EXPECT_FALSE(Attr(page.body, "SAMLResponse").empty());
  std::string csp = page.raw.Header("content-security-policy");
  EXPECT_THAT(csp, HasSubstr("form-action 'self' https://post.test;"));
  EXPECT_THAT(csp, HasSubstr("script-src 'unsafe-hashes' 'sha256-"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(page.raw.Header("cache-control"), "no-store");
  // The one inline handler the CSP allows by hash.
  EXPECT_THAT(page.body, HasSubstr("onload=\"document.forms[0].submit()\""));
  EXPECT_EQ(combi_->PendingArtifacts(), pending);  // no artifact for the POST binding
}

TEST_F(LoginFlowTest, MetadataRoutes) {
  Browser b = NewBrowser();
  Browser::Page idp = b.Go(std::string(kWebOrigin) + "/saml/idp/metadata");
  EXPECT_EQ(idp.status, 200);
  EXPECT_THAT(idp.body, HasSubstr(kIdpEntity));
  Browser::Page sp = b.Go(std::string(kWebOrigin) + "/saml/sp/metadata");
  EXPECT_EQ(sp.status, 200);
  EXPECT_THAT(sp.body, HasSubstr(kDigidSpEntity));
  Browser::Page disco = b.Go(std::string(kWebOrigin) + "/oidc/.well-known/openid-configuration");
  EXPECT_EQ(disco.status, 200);
  EXPECT_EQ(json::parse(disco.body)["issuer"], std::string(kWebOrigin) + "/oidc");
  Browser::Page jwks = b.Go(std::string(kWebOrigin) + "/oidc/jwks");
  EXPECT_EQ(jwks.status, 200);
  EXPECT_EQ(json::parse(jwks.body)["keys"].size(), 1u);
}

// ------------------------------------------------------------------------------- OIDC

std::string AuthorizeUrl(const std::string& representation, const std::string& state) {
  std::string q = "response_type=code&client_id=rp&redirect_uri=" + saml::UrlEncode(kRpRedirect) +
                  "&scope=" + saml::UrlEncode(std::string("openid urn:nl-eid-gdi:1.0:ServiceUUID:") +
                                              kService) +
                  "&state=" + state + "&nonce=n0nce&code_challenge=" + kChallenge +
                  "&code_challenge_method=S256";
  if (!representation.empty()) q += "&vertegenwoordiging=" + representation;
  return std::string(kWebOrigin) + "/oidc/authorize?" + q;
}

json JwtPayload(const std::string& jwt) {
  size_t a = jwt.find('.');
  size_t b = jwt.find('.', a + 1);
  std::string part = jwt.substr(a + 1, b - a - 1);
  for (char& c : part) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (part.size() % 4) part += '=';
  auto bytes = Base64Decode(part);
  return bytes ? json::parse(*bytes, nullptr, false) : json();
}

TEST_F(LoginFlowTest, OidcCodeFlowActingForSomeone) {
  Browser b = NewBrowser();
  Browser::Page login_page = b.Go(AuthorizeUrl("verplicht", "st4te"));
  Browser::Page choice = DigidLogin(b, login_page, kAgent, 25);
  ASSERT_EQ(choice.status, 200) << choice.body;
  EXPECT_THAT(choice.body, Not(HasSubstr("mijzelf")));
  EXPECT_THAT(choice.raw.Header("content-security-policy"),
              HasSubstr("form-action 'self' https://provider.test"));
  std::string value = OptionValue(choice.body, "Bob Jansen \\(geboren 1962\\)");
  size_t uses_before = Uses(kBob1962).size();
  Browser::Page back = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                              "csrf=" + Attr(choice.body, "csrf") + "&keuze=" + value);
  ASSERT_EQ(back.status, 303) << back.body;
  EXPECT_THAT(back.location, StartsWith(std::string(kRpRedirect) + "?code="));
  EXPECT_EQ(QueryParam(back.location, "state"), "st4te");
  EXPECT_THAT(back.location, Not(HasSubstr(kAgent)));

  Browser::Page token = b.Send(
      "POST", std::string(kWebOrigin) + "/oidc/token",
      "grant_type=authorization_code&code=" + saml::UrlEncode(QueryParam(back.location, "code")) +
          "&redirect_uri=" + saml::UrlEncode(kRpRedirect) + "&code_verifier=" + kVerifier +
          "&client_id=rp&client_secret=" + kRpSecret);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(token.raw.Header("cache-control"), "no-store");
  json tok = json::parse(token.body);
  json claims = JwtPayload(tok["id_token"]);
  EXPECT_EQ(claims[std::string(oidc::kClaimActing)], kAgent);
  EXPECT_EQ(claims[std::string(oidc::kClaimLegal)], kBob1962);
  EXPECT_EQ(claims[std::string(oidc::kClaimService)], kService);
  EXPECT_EQ(claims["acr"], "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard");
  EXPECT_EQ(claims["nonce"], "n0nce");

  std::vector<MandateUse> uses = Uses(kBob1962);
  ASSERT_EQ(uses.size(), uses_before + 1);
  EXPECT_EQ(uses.back().channel, Channel::kOidc);

  // UserInfo with the access token.
  http::ClientConfig cc;
  cc.ca_file = *dir_ + "/certs/ca.pem";
  http::HttpClient client(cc);
  auto info = client.Send("GET",
                          "https://127.0.0.1:" + std::to_string(web_->port()) + "/oidc/userinfo",
                          "", {{"Authorization", "Bearer " + tok["access_token"].get<std::string>()}});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, 200);
  EXPECT_EQ(json::parse(info->body)[std::string(oidc::kClaimLegal)], kBob1962);
}

TEST_F(LoginFlowTest, OidcCancelAndRefusalAreAccessDenied) {
  Browser b = NewBrowser();
  Browser::Page cancelled = DigidLogin(b, b.Go(AuthorizeUrl("optioneel", "s1")), kAgent, 20, true);
  ASSERT_EQ(cancelled.status, 303);
  EXPECT_THAT(cancelled.location, StartsWith(std::string(kRpRedirect) + "?error=access_denied"));
  EXPECT_EQ(QueryParam(cancelled.location, "state"), "s1");

  Browser::Page nobody = DigidLogin(b, b.Go(AuthorizeUrl("verplicht", "s2")), kLoner, 20);
  ASSERT_EQ(nobody.status, 303);
  EXPECT_EQ(QueryParam(nobody.location, "error"), "access_denied");

  Browser::Page choice = DigidLogin(b, b.Go(AuthorizeUrl("optioneel", "s3")), kAgent, 20);
  ASSERT_EQ(choice.status, 200);
  Browser::Page cancel = b.Post(std::string(kWebOrigin) + "/inloggen/kies",
                                "csrf=" + Attr(choice.body, "csrf") + "&actie=annuleren");
  ASSERT_EQ(cancel.status, 303);
  EXPECT_EQ(QueryParam(cancel.location, "error"), "access_denied");
  EXPECT_EQ(QueryParam(cancel.location, "state"), "s3");
}

TEST_F(LoginFlowTest, OidcWithoutRepresentationAndBadRequests) {
  Browser b = NewBrowser();
  Browser::Page back = DigidLogin(b, b.Go(AuthorizeUrl("", "s4")), kAgent, 20);
  ASSERT_EQ(back.status, 303);
  EXPECT_THAT(back.location, StartsWith(std::string(kRpRedirect) + "?code="));

  // Unknown client: an error page, never a redirect.
  Browser::Page unknown = b.Go(std::string(kWebOrigin) +
                               "/oidc/authorize?response_type=code&client_id=nope");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.raw.Header("content-type"), StartsWith("text/html"));
  // Known client and redirect URI, bad request otherwise: back to the client with an error.
  std::string url = AuthorizeUrl("", "s5");
  url.replace(url.find("code_challenge_method=S256"), 26, "code_challenge_method=plain");
  Browser::Page bad = b.Go(url);
  ASSERT_EQ(bad.status, 303);
  EXPECT_EQ(QueryParam(bad.location, "error"), "invalid_request");
}

}  // namespace
}  // namespace volmacht::web
