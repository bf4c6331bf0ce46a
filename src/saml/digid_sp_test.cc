// DigidSp against digid-sim (in-process, real lasso/xmlsec/OpenSSL, real HTTPS on 127.0.0.1
// port 0): the whole browser flow driven by HttpClient, and the ways it must fail.
#include "saml/digid_sp.h"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "digid_sim.h"
#include "http/client.h"
#include "http/test_support.h"
#include "http/server.h"
#include "saml/saml_common.h"
#include "saml/testing/xml_mutations.h"

namespace volmacht::saml {
namespace {

using ::testing::HasSubstr;
using http::testing::QueryParam;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kSpEntity = "urn:nl-eid-gdi:1.0:DV:00000001999999999000:entities:9000";
constexpr const char* kAcs = "https://127.0.0.1:9/digid/acs";
constexpr const char* kAnnaBsn = "999900006";  // first person of data/brp-fixture.json

Timestamp RealNow() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}


class DigidSpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/digid-sp-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    sim_clock_ = new ManualClock(RealNow());
    sp_clock_ = new ManualClock(RealNow());
    sp_cfg_ = new DigidSpConfig;
    sp_cfg_->entity_id = kSpEntity;
    sp_cfg_->key_file = *dir_ + "/sp/key.pem";
    sp_cfg_->cert_file = *dir_ + "/sp/cert.pem";
    sp_cfg_->acs_url = kAcs;
    sp_cfg_->clock = sp_clock_;
    ASSERT_TRUE(EnsureSigningKeyPair(sp_cfg_->key_file, sp_cfg_->cert_file, "sp", 2048));
    auto md = DigidSp::BuildMetadata(*sp_cfg_);
    ASSERT_TRUE(md) << md.error().message;
    std::string sp_md_file = *dir_ + "/sp/metadata.xml";
    std::ofstream(sp_md_file) << *md;

    digidsim::DigidSimConfig sc;
    sc.persons_file = VOLMACHT_BRP_FIXTURE;
    sc.data_dir = *dir_ + "/sim";
    sc.sp_metadata_files = {sp_md_file};
    sc.key_bits = 2048;
    sc.clock = sim_clock_;
    auto sim = digidsim::DigidSim::Create(sc);
    ASSERT_TRUE(sim) << sim.error().message;
    sim_ = sim->release();
    auto started = sim_->Start();
    ASSERT_TRUE(started) << started.error().message;

    sp_cfg_->idp_metadata_file = sim_->metadata_file();
    sp_cfg_->tls_ca_file = sim_->tls_ca_file();
    sp_cfg_->tls_cert_file = sim_->sp_client_cert_file();
    sp_cfg_->tls_key_file = sim_->sp_client_key_file();
    auto sp = DigidSp::Create(*sp_cfg_);
    ASSERT_TRUE(sp) << sp.error().message;
    sp_ = sp->release();
  }

  static void TearDownTestSuite() {
    delete sp_;
    if (sim_ != nullptr) sim_->Stop();
    delete sim_;
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
    delete sp_cfg_;
    delete sim_clock_;
    delete sp_clock_;
  }

  void SetUp() override {
    ASSERT_NE(sp_, nullptr);
    sim_clock_->Set(RealNow());
    sp_clock_->Set(RealNow());
  }

  static http::HttpClient Browser() {
    http::ClientConfig cc;
    cc.ca_file = sim_->tls_ca_file();
    cc.timeout = std::chrono::seconds(10);
    return http::HttpClient(cc);
  }

  // Opens the login page for a fresh AuthnRequest; returns the page and fills txn/request id.
  static std::string OpenLoginPage(Loa min_loa, std::string* txn, std::string* request_id) {
    auto start = sp_->StartLogin(min_loa, "relay-42");
    EXPECT_TRUE(start);
    if (!start) return {};
    *request_id = start->request_id;
    auto page = Browser().Send("GET", start->redirect_url, "");
    EXPECT_TRUE(page);
    if (!page) return {};
    EXPECT_EQ(page->status, 200) << page->body;
    std::string_view marker = "name=\"txn\" value=\"";
    size_t at = page->body.find(marker);
    if (at != std::string::npos) {
      size_t end = page->body.find('"', at + marker.size());
      *txn = page->body.substr(at + marker.size(), end - at - marker.size());
    }
    return page->body;
  }

  static http::ClientResponse PostForm(const std::string& body) {
    auto r = Browser().Send("POST", sim_->base_url() + "/saml/idp/login", body,
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_TRUE(r);
    return r ? *r : http::ClientResponse{};
  }

  // Logs in at the sim; returns the SAMLart given to the ACS ("" on failure).
  static std::string LogIn(Loa min_loa, std::string_view form_tail, std::string* request_id) {
    std::string txn;
    OpenLoginPage(min_loa, &txn, request_id);
    auto r = PostForm("txn=" + txn + "&" + std::string(form_tail));
    EXPECT_EQ(r.status, 303) << r.body;
    std::string location = r.Header("location");
    EXPECT_THAT(location, StartsWith(std::string(kAcs) + "?"));
    EXPECT_EQ(QueryParam(location, "RelayState"), "relay-42");
    return QueryParam(location, "SAMLart");
  }

  // A man in the middle on the back channel (it holds a valid client certificate and a server
  // certificate the SP trusts): forwards each ArtifactResolve to digid-sim and lets `edit`
  // change DigiD's answer. `sp` is a DigidSp whose DigiD metadata points at the man.
  struct Mitm {
    std::unique_ptr<http::HttpServer> server;
    std::unique_ptr<DigidSp> sp;
    ~Mitm() {
      if (server) server->Stop();
    }
  };
  static std::unique_ptr<Mitm> StartMitm(std::function<void(std::string&)> edit) {
    auto m = std::make_unique<Mitm>();
    http::ServerConfig sc;
    sc.tls = true;
    sc.tls_config.cert_file = *dir_ + "/sim/tls/server.pem";
    sc.tls_config.key_file = *dir_ + "/sim/tls/server-key.pem";
    m->server = std::make_unique<http::HttpServer>(sc);
    m->server->Route("POST", "/saml/idp/resolve", http::Mode::kBlocking,
                     [edit](const http::Request& req) {
                       http::ClientConfig cc;
                       cc.ca_file = sim_->tls_ca_file();
                       cc.cert_file = sim_->sp_client_cert_file();
                       cc.key_file = sim_->sp_client_key_file();
                       http::HttpClient up(cc);
                       auto r = up.Send("POST",
                                        "https://127.0.0.1:" +
                                            std::to_string(sim_->resolve_port()) +
                                            "/saml/idp/resolve",
                                        req.body, {{"Content-Type", "text/xml"}});
                       http::Response out;
                       out.content_type = "text/xml";
                       if (r) out.body = r->body;
                       edit(out.body);
                       return out;
                     });
    m->server->Start();
    auto md = ReadFileLimited(sim_->metadata_file(), 1 << 20);
    EXPECT_TRUE(md);
    if (!md) return m;
    std::string port = ":" + std::to_string(sim_->resolve_port()) + "/";
    md->replace(md->find(port), port.size(), ":" + std::to_string(m->server->port()) + "/");
    std::string file = *dir_ + "/idp-mitm.xml";
    std::ofstream(file) << *md;
    DigidSpConfig cfg = *sp_cfg_;
    cfg.idp_metadata_file = file;
    auto sp = DigidSp::Create(cfg);
    EXPECT_TRUE(sp) << sp.error().message;
    if (sp) m->sp = std::move(*sp);
    return m;
  }

  static inline std::string* dir_ = nullptr;
  static inline ManualClock* sim_clock_ = nullptr;
  static inline ManualClock* sp_clock_ = nullptr;
  static inline DigidSpConfig* sp_cfg_ = nullptr;
  static inline digidsim::DigidSim* sim_ = nullptr;
  static inline DigidSp* sp_ = nullptr;
};

TEST_F(DigidSpTest, MetadataDescribesArtifactAcsAndKeys) {
  std::string md = sp_->Metadata();
  EXPECT_THAT(md, HasSubstr(kSpEntity));
  EXPECT_THAT(md, HasSubstr("AuthnRequestsSigned=\"true\""));
  EXPECT_THAT(md, HasSubstr("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"));
  EXPECT_THAT(md, HasSubstr("use=\"encryption\""));
  EXPECT_EQ(sp_->idp_entity_id(), sim_->entity_id());
  EXPECT_TRUE(CheckXmlAlgorithms(md));
}

TEST_F(DigidSpTest, LoginPageListsPersonsAndIsMarkedAsSimulator) {
  std::string txn, id;
  std::string page = OpenLoginPage(Loa::kMidden, &txn, &id);
  EXPECT_THAT(page, HasSubstr("DigiD-simulator \xE2\x80\x94 geen echte DigiD"));
  EXPECT_THAT(page, HasSubstr("Anna Maria de Vries"));
  EXPECT_THAT(page, HasSubstr(kAnnaBsn));
  ASSERT_FALSE(sim_->persons().empty());
  for (const auto& p : sim_->persons()) EXPECT_THAT(page, HasSubstr(HtmlEscape(p.name)));
  EXPECT_THAT(page, HasSubstr(">Inloggen</button>"));
  EXPECT_THAT(page, HasSubstr(">Annuleren</button>"));
  EXPECT_THAT(page, HasSubstr("Substantieel"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_FALSE(txn.empty());
}

TEST_F(DigidSpTest, FullLoginGivesBsnAndLoa) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&bsn=&loa=25&actie=inloggen", &id);
  ASSERT_FALSE(art.empty());
  auto who = sp_->FinishLogin(art, id, Loa::kMidden);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->bsn.str(), kAnnaBsn);
  EXPECT_EQ(who->loa, Loa::kSubstantieel);
}

TEST_F(DigidSpTest, FreeBsnFieldWinsOverTheList) {
  std::string id;
  std::string art = LogIn(Loa::kBasis, "persoon=999900006&bsn=999993653&loa=30&actie=inloggen",
                          &id);
  auto who = sp_->FinishLogin(art, id, Loa::kBasis);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->bsn.str(), "999993653");
  EXPECT_EQ(who->loa, Loa::kHoog);
}

TEST_F(DigidSpTest, CancelIsForbiddenCancelled) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=annuleren", &id);
  auto who = sp_->FinishLogin(art, id, Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(who.error().message, "cancelled");
}

TEST_F(DigidSpTest, ArtifactResolvesOnlyOnce) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  ASSERT_TRUE(sp_->FinishLogin(art, id, Loa::kMidden));
  auto again = sp_->FinishLogin(art, id, Loa::kMidden);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(again.error().message, HasSubstr("no Response"));
}

TEST_F(DigidSpTest, WrongInResponseToIsRefused) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  auto who = sp_->FinishLogin(art, "_someOtherRequest", Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(who.error().message, HasSubstr("InResponseTo"));
  EXPECT_THAT(who.error().message, Not(HasSubstr(kAnnaBsn)));
}

TEST_F(DigidSpTest, LoaBelowMinimumIsRefused) {
  std::string id;
  std::string art = LogIn(Loa::kSubstantieel, "persoon=999900006&loa=20&actie=inloggen", &id);
  auto who = sp_->FinishLogin(art, id, Loa::kSubstantieel);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(who.error().message, "loa too low");
}

TEST_F(DigidSpTest, ArtifactTooLateAtDigidIsRefused) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  sim_clock_->Advance(std::chrono::minutes(16));
  auto who = sp_->FinishLogin(art, id, Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(who.error().message, HasSubstr("no Response"));
}

TEST_F(DigidSpTest, ExpiredAssertionIsRefused) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  sp_clock_->Advance(std::chrono::minutes(10));
  auto who = sp_->FinishLogin(art, id, Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(who.error().message, HasSubstr("expired"));
}

TEST_F(DigidSpTest, MalformedArtifactIsRefused) {
  const std::vector<std::string> bad = {"", "abc", "AAQAAA==", std::string(500, 'A')};
  for (const std::string& art : bad) {
    auto who = sp_->FinishLogin(art, "_id", Loa::kBasis);
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument);
  }
  // Well-formed type 0x0004 artifact from an unknown source.
  std::string raw(44, '\x07');
  raw[0] = 0;
  raw[1] = 4;
  auto who = sp_->FinishLogin(Base64Encode(raw), "_id", Loa::kBasis);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(DigidSpTest, UnsignedOrTamperedAuthnRequestGetsErrorPage) {
  auto start = sp_->StartLogin(Loa::kMidden, "relay-42");
  ASSERT_TRUE(start);
  const std::string& url = start->redirect_url;
  auto get = [](const std::string& u) {
    auto r = Browser().Send("GET", u, "");
    EXPECT_TRUE(r);
    return r ? *r : http::ClientResponse{};
  };
  // Unsigned: drop SigAlg and Signature.
  std::string unsigned_url = url.substr(0, url.find("&SigAlg="));
  ASSERT_NE(unsigned_url, url);
  auto r1 = get(unsigned_url);
  EXPECT_EQ(r1.status, 400);
  EXPECT_THAT(r1.body, HasSubstr("geen echte DigiD"));
  // Tampered: a different RelayState under the same signature.
  std::string tampered = url;
  size_t rs = tampered.find("relay-42");
  ASSERT_NE(rs, std::string::npos);
  tampered.replace(rs, 8, "relay-43");
  EXPECT_EQ(get(tampered).status, 400);
  // SHA-1 signature algorithm: refused before lasso sees it.
  std::string sha1 = url;
  size_t sa = sha1.find("SigAlg=") + 7;
  size_t sa_end = sha1.find('&', sa);
  sha1.replace(sa, sa_end - sa, UrlEncode("http://www.w3.org/2000/09/xmldsig#rsa-sha1"));
  EXPECT_EQ(get(sha1).status, 400);
  // The genuine request still works.
  EXPECT_EQ(get(url).status, 200);
}

TEST_F(DigidSpTest, LoginFormErrors) {
  std::string txn, id;
  OpenLoginPage(Loa::kMidden, &txn, &id);
  auto bad_bsn = PostForm("txn=" + txn + "&bsn=123456789&loa=20&actie=inloggen");
  EXPECT_EQ(bad_bsn.status, 400);
  EXPECT_THAT(bad_bsn.body, HasSubstr("geen geldig BSN"));
  EXPECT_THAT(bad_bsn.body, HasSubstr(txn));  // the attempt stays open
  auto bad_loa = PostForm("txn=" + txn + "&persoon=999900006&loa=15&actie=inloggen");
  EXPECT_EQ(bad_loa.status, 400);
  auto unknown = PostForm("txn=deadbeef&persoon=999900006&loa=20&actie=inloggen");
  EXPECT_EQ(unknown.status, 400);
  auto ok = PostForm("txn=" + txn + "&persoon=999900006&loa=20&actie=inloggen");
  EXPECT_EQ(ok.status, 303);
  auto replay = PostForm("txn=" + txn + "&persoon=999900006&loa=20&actie=inloggen");
  EXPECT_EQ(replay.status, 400);
}

TEST_F(DigidSpTest, HtmlIsEscaped) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST_F(DigidSpTest, ArtifactResolveWithoutClientCertIsRefusedByTls) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  DigidSpConfig cfg = *sp_cfg_;
  cfg.tls_cert_file.clear();
  cfg.tls_key_file.clear();
  auto no_cert = DigidSp::Create(cfg);
  ASSERT_TRUE(no_cert) << no_cert.error().message;
  auto who = (*no_cert)->FinishLogin(art, id, Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kUnavailable);
  // Straight at the back channel without a certificate: the TLS handshake fails.
  http::ClientConfig cc;
  cc.ca_file = sim_->tls_ca_file();
  http::HttpClient client(cc);
  auto raw = client.Send("POST",
                         "https://127.0.0.1:" + std::to_string(sim_->resolve_port()) +
                             "/saml/idp/resolve",
                         "<x/>", {{"Content-Type", "text/xml"}});
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().code, ErrorCode::kUnavailable);
  // The artifact was not consumed by the refused attempts.
  EXPECT_TRUE(sp_->FinishLogin(art, id, Loa::kMidden));
}

TEST_F(DigidSpTest, UnreachableDigidIsUnavailable) {
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  // Same DigiD, but its ArtifactResolutionService on a port where nobody listens.
  auto md = ReadFileLimited(sim_->metadata_file(), 1 << 20);
  ASSERT_TRUE(md);
  std::string port = ":" + std::to_string(sim_->resolve_port()) + "/";
  size_t at = md->find(port);
  ASSERT_NE(at, std::string::npos);
  md->replace(at, port.size(), ":1/");
  std::string file = *dir_ + "/idp-unreachable.xml";
  std::ofstream(file) << *md;
  DigidSpConfig cfg = *sp_cfg_;
  cfg.idp_metadata_file = file;
  cfg.timeout = std::chrono::milliseconds(2000);
  auto sp = DigidSp::Create(cfg);
  ASSERT_TRUE(sp) << sp.error().message;
  auto who = (*sp)->FinishLogin(art, id, Loa::kMidden);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kUnavailable);
}

// A man in the middle on the back channel (it holds a valid client certificate and a server
// certificate the SP trusts) changes DigiD's answer: the signatures must catch it.
TEST_F(DigidSpTest, TamperedArtifactResponseIsRefused) {
  struct Case {
    const char* name;
    std::function<void(std::string&)> edit;
    bool accepted = false;
  };
  const std::vector<Case> cases = {
      {"unchanged (the proxy itself is harmless)", [](std::string&) {}, true},
      {"other BSN in the signed assertion",
       [](std::string& b) {
         size_t at = b.find("s00000000:999900006");
         ASSERT_NE(at, std::string::npos);
         b.replace(at, 19, "s00000000:999993653");
       }},
      {"higher LoA in the signed assertion",
       [](std::string& b) {
         size_t at = b.find("ac:classes:MobileTwoFactorContract");
         ASSERT_NE(at, std::string::npos);
         b.replace(at, 34, "ac:classes:SmartcardPKI");
       }},
      {"ArtifactResponse signature removed",
       [](std::string& b) {
         size_t start = b.find("<Signature");
         size_t end = b.find("</Signature>", start);
         ASSERT_NE(end, std::string::npos);
         b.erase(start, end + 12 - start);
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto mitm = StartMitm(c.edit);
    ASSERT_TRUE(mitm->sp);
    std::string id;
    std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
    auto who = mitm->sp->FinishLogin(art, id, Loa::kMidden);
    mitm.reset();
    if (c.accepted) {
      EXPECT_TRUE(who) << who.error().message;
      continue;
    }
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument);
  }
}

// Structural mutation test of the SP side: every single-step structural mutation
// (saml/testing/xml_mutations.h) of DigiD's real ArtifactResponse envelope (with the Response
// and assertion inside) is handed to DigidSp by the man in the middle. Each must be refused
// as forged: never a crash (ASan+UBSan in make test), never accepted, except where the change
// lies in a ds:KeyInfo (not signed, not used: the key comes from DigiD's metadata), and then
// only with the person who really logged in.
TEST_F(DigidSpTest, ArtifactResponseStructuralMutationsAreRefused) {
  std::string captured;
  std::string replacement;
  auto mitm = StartMitm([&](std::string& body) {
    if (captured.empty()) captured = body;
    if (!replacement.empty()) body = replacement;
  });
  ASSERT_TRUE(mitm->sp);
  std::string id;
  std::string art = LogIn(Loa::kMidden, "persoon=999900006&loa=20&actie=inloggen", &id);
  auto first = mitm->sp->FinishLogin(art, id, Loa::kMidden);
  ASSERT_TRUE(first) << first.error().message;
  std::vector<testing::Mutation> mutations = testing::StructuralMutations(captured);
  ASSERT_GT(mutations.size(), 100u) << "DigiD's answer did not parse: nothing was tested";
  size_t accepted = 0;
  for (const testing::Mutation& m : mutations) {
    replacement = m.xml;
    // The man in the middle ignores the artifact: every call gets the mutated answer.
    auto who = mitm->sp->FinishLogin(art, id, Loa::kMidden);
    if (who) {
      ASSERT_NE(m.path.find("/KeyInfo"), std::string::npos) << m.what << " was accepted";
      EXPECT_EQ(who->bsn.str(), kAnnaBsn) << m.what;
      ++accepted;
      continue;
    }
    EXPECT_EQ(who.error().code, ErrorCode::kInvalidArgument) << m.what << ": "
                                                             << who.error().message;
  }
  EXPECT_LT(accepted, mutations.size() / 10);
  std::printf("%zu mutations fed, %zu accepted (KeyInfo only)\n", mutations.size(), accepted);
}

TEST_F(DigidSpTest, CreateRefusesBadConfig) {
  DigidSpConfig cfg = *sp_cfg_;
  cfg.idp_metadata_file = *dir_ + "/missing.xml";
  EXPECT_FALSE(DigidSp::Create(cfg));
  cfg = *sp_cfg_;
  cfg.acs_url = "http://example.org/acs";
  EXPECT_FALSE(DigidSp::Create(cfg));
  cfg = *sp_cfg_;
  cfg.key_file = *dir_ + "/missing-key.pem";
  EXPECT_FALSE(DigidSp::Create(cfg));
  EXPECT_FALSE(sp_->StartLogin(Loa::kBasis, std::string(81, 'r')));
}

}  // namespace
}  // namespace volmacht::saml
