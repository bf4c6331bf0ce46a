#include "saml/saml_common.h"
#include "saml/testing/xml_mutations.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace volmacht::saml {
namespace {

using testing::RawDeflate;

std::string Signed(std::string_view sig_alg, std::string_view digest) {
  return "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"x\">"
         "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
         "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
         "<ds:SignatureMethod Algorithm=\"" +
         std::string(sig_alg) +
         "\"/><ds:Reference URI=\"#x\"><ds:Transforms>"
         "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
         "</ds:Transforms><ds:DigestMethod Algorithm=\"" +
         std::string(digest) +
         "\"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo>"
         "<ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature></samlp:Response>";
}

constexpr const char* kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr const char* kRsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
constexpr const char* kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
constexpr const char* kSha1 = "http://www.w3.org/2000/09/xmldsig#sha1";

TEST(SamlCommon, AlgorithmAllowList) {
  EXPECT_TRUE(CheckXmlAlgorithms(Signed(kRsaSha256, kSha256)));
  EXPECT_TRUE(CheckXmlAlgorithms(
      Signed("http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
             "http://www.w3.org/2001/04/xmlenc#sha512")));
  EXPECT_FALSE(CheckXmlAlgorithms(Signed(kRsaSha1, kSha256)));
  EXPECT_FALSE(CheckXmlAlgorithms(Signed(kRsaSha256, kSha1)));
  EXPECT_FALSE(CheckXmlAlgorithms(
      Signed("http://www.w3.org/2000/09/xmldsig#hmac-sha1", kSha256)));
  std::string xslt = Signed(kRsaSha256, kSha256);
  xslt.replace(xslt.find("http://www.w3.org/2000/09/xmldsig#enveloped-signature"),
               std::strlen("http://www.w3.org/2000/09/xmldsig#enveloped-signature"),
               "http://www.w3.org/TR/1999/REC-xslt-19991116");
  EXPECT_FALSE(CheckXmlAlgorithms(xslt));
  // Unsigned XML passes this check; lasso decides whether a signature is required.
  EXPECT_TRUE(CheckXmlAlgorithms("<a xmlns=\"urn:x\"><b/></a>"));
}

TEST(SamlCommon, RefusesDtdMalformedAndOversized) {
  EXPECT_FALSE(CheckXmlAlgorithms("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"));
  EXPECT_FALSE(CheckXmlAlgorithms("<a><b></a>"));
  EXPECT_FALSE(CheckXmlAlgorithms(""));
  std::string big = "<a>" + std::string(kMaxDecodedMessageBytes, 'x') + "</a>";
  auto r = CheckXmlAlgorithms(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_FALSE(CheckXmlAlgorithms(deep));
}

// The back channel's envelope is checked before lasso sees it (lasso loses the document of
// an envelope without Body content).
TEST(SamlCommon, ArtifactResolveEnvelope) {
  auto soap = [](const std::string& body) {
    return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
           "<soap:Header/><soap:Body>" + body + "</soap:Body></soap:Envelope>";
  };
  const std::string resolve =
      "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"a\" Version=\"2.0\" "
      "IssueInstant=\"2026-11-29T10:00:00Z\"><saml:Issuer>urn:sp</saml:Issuer>"
      "<samlp:Artifact>AAQ=</samlp:Artifact></samlp:ArtifactResolve>";
  const std::string no_issuer =
      "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"a\" "
      "Version=\"2.0\" IssueInstant=\"2026-11-29T10:00:00Z\">"
      "<samlp:Artifact>AAQ=</samlp:Artifact></samlp:ArtifactResolve>";
  EXPECT_TRUE(CheckArtifactResolveEnvelope(soap(resolve)));
  EXPECT_TRUE(CheckArtifactResolveEnvelope(soap("\n  " + resolve + "\n")));

  std::vector<std::string> refused = {
      soap(""),                                    // no message: what lasso mishandles
      soap("text only"),
      soap(resolve + resolve),                     // two messages
      soap(no_issuer),                             // lasso dereferences the missing Issuer
      soap("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"),
      soap("<ArtifactResolve/>"),                  // right name, no namespace
      resolve,                                     // not in an envelope
      "<Envelope><Body>" + resolve + "</Body></Envelope>",  // envelope without SOAP namespace
      "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",  // no Body
      "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>",
  };
  for (const std::string& xml : refused) {
    auto r = CheckArtifactResolveEnvelope(xml);
    ASSERT_FALSE(r) << xml;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << xml;
  }
  // The algorithm rules still apply inside the envelope.
  std::string sha1 = Signed(kRsaSha1, kSha256);
  std::string weak = resolve;
  weak.insert(weak.find("<samlp:Artifact>"), sha1.substr(sha1.find("<ds:Signature"),
                                                           sha1.find("</samlp:Response>") -
                                                               sha1.find("<ds:Signature")));
  EXPECT_FALSE(CheckArtifactResolveEnvelope(soap(weak)));
}

TEST(SamlCommon, RedirectSigAlg) {
  std::string sha256 = UrlEncode(kRsaSha256);
  EXPECT_TRUE(CheckRedirectSigAlg("SAMLRequest=x&SigAlg=" + sha256 + "&Signature=abc"));
  EXPECT_FALSE(CheckRedirectSigAlg("SAMLRequest=x"));
  EXPECT_FALSE(CheckRedirectSigAlg("SAMLRequest=x&SigAlg=" + sha256));
  EXPECT_FALSE(CheckRedirectSigAlg("SAMLRequest=x&SigAlg=" + UrlEncode(kRsaSha1) +
                                   "&Signature=abc"));
  EXPECT_FALSE(CheckRedirectSigAlg("SAMLRequest=x&SigAlg=" + sha256 + "&Signature=a&Signature=b"));
}

// A schema-valid AuthnRequest (Redirect binding: the signature travels in the query).
std::string AuthnRequest(const std::string& inner = "") {
  return "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" "
         "IssueInstant=\"2026-11-29T10:00:00Z\"><saml:Issuer>urn:sp</saml:Issuer>" +
         inner + "</samlp:AuthnRequest>";
}

// Incoming messages are validated against the SAML schemas and the profile before lasso.
TEST(SamlCommon, IncomingXmlFollowsSchemaAndProfile) {
  const std::string scoping =
      "<samlp:Scoping><samlp:RequesterID>urn:bvd</samlp:RequesterID></samlp:Scoping>";
  EXPECT_TRUE(CheckIncomingXml(AuthnRequest()));
  EXPECT_TRUE(CheckIncomingXml(AuthnRequest(scoping)));
  std::vector<std::pair<const char*, std::string>> refused = {
      {"two Scoping elements", AuthnRequest(scoping + scoping)},
      {"element inside the Issuer",
       "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
       "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" "
       "IssueInstant=\"2026-11-29T10:00:00Z\"><saml:Issuer><saml:Issuer/></saml:Issuer>"
       "</samlp:AuthnRequest>"},
      {"no Issuer",
       "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r1\" "
       "Version=\"2.0\" IssueInstant=\"2026-11-29T10:00:00Z\"/>"},
      {"blank Issuer",
       "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
       "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" "
       "IssueInstant=\"2026-11-29T10:00:00Z\"><saml:Issuer> </saml:Issuer></samlp:AuthnRequest>"},
      {"no ID", "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                "Version=\"2.0\" IssueInstant=\"2026-11-29T10:00:00Z\"/>"},
      {"unknown element", AuthnRequest("<samlp:Extra/>")},
      {"not SAML at all", "<a xmlns=\"urn:x\"><b/></a>"},
  };
  for (const auto& [name, xml] : refused) {
    auto r = CheckIncomingXml(xml);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << name;
  }
}

TEST(SamlCommon, DecodeRedirectMessageWithLimits) {
  std::string xml = AuthnRequest();
  std::string q = "SAMLRequest=" + UrlEncode(Base64Encode(RawDeflate(xml))) + "&RelayState=r";
  auto r = DecodeRedirectMessage(q, "SAMLRequest");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, xml);
  EXPECT_FALSE(DecodeRedirectMessage(q, "SAMLResponse"));
  // An inflate bomb: 2 MiB of the same byte compresses to a few KiB.
  std::string bomb = "SAMLRequest=" +
                     UrlEncode(Base64Encode(RawDeflate("<a>" + std::string(2 << 20, 'a') +
                                                       "</a>")));
  auto b = DecodeRedirectMessage(bomb, "SAMLRequest");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kTooLarge);
  EXPECT_FALSE(DecodeRedirectMessage("SAMLRequest=!!!!", "SAMLRequest"));
  EXPECT_FALSE(DecodeRedirectMessage("SAMLRequest=" + UrlEncode(Base64Encode("not deflate")),
                                     "SAMLRequest"));
  std::string sha1 = "SAMLRequest=" + UrlEncode(Base64Encode(RawDeflate(Signed(kRsaSha1, kSha1))));
  EXPECT_FALSE(DecodeRedirectMessage(sha1, "SAMLRequest"));
}

TEST(SamlCommon, Base64IsStrict) {
  EXPECT_EQ(*Base64Decode("aGVsbG8=", 100), "hello");
  EXPECT_EQ(*Base64Decode("aGVs\nbG8h", 100), "hello!");
  EXPECT_FALSE(Base64Decode("aGVsbG8", 100));
  EXPECT_FALSE(Base64Decode("aGV*bG8=", 100));
  EXPECT_FALSE(Base64Decode("aGVsbG8h", 3));
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
}

TEST(SamlCommon, SamlTime) {
  auto t = ParseSamlTime("2026-11-29T03:08:59Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatSamlTime(*t), "2026-11-29T03:08:59Z");
  auto frac = ParseSamlTime("2026-11-29T03:08:59.250Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ((*frac - *t).count(), 250000);
  EXPECT_FALSE(ParseSamlTime("2026-11-29T03:08:59+01:00"));
  EXPECT_FALSE(ParseSamlTime("2026-02-30T03:08:59Z"));
  EXPECT_FALSE(ParseSamlTime("2026-11-29 03:08:59Z"));
  EXPECT_FALSE(ParseSamlTime("2026-11-29T03:08:59.Z"));
}

TEST(SamlCommon, SigningKeyPairIsMadeOnce) {
  auto dir = std::filesystem::temp_directory_path() / ("saml-kp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string key = (dir / "k.pem").string();
  std::string cert = (dir / "c.pem").string();
  ASSERT_TRUE(EnsureSigningKeyPair(key, cert, "test", 2048));
  auto first = CertificateBase64(cert);
  ASSERT_TRUE(first);
  ASSERT_TRUE(EnsureSigningKeyPair(key, cert, "test", 2048));
  EXPECT_EQ(*CertificateBase64(cert), *first);
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  EXPECT_FALSE(CertificateBase64(key));
  std::filesystem::remove_all(dir);
}

// Regression: with the CA store pinned (the start-up speed-up), a provider's metadata with
// its certificate must still load. An empty SSL_CERT_DIR made xmlsec refuse every KeyInfo.
// Runs in a child process because it changes the environment of the whole process.
TEST(SamlCommon, PinnedCaStoreStillLoadsMetadataCertificates) {
  auto dir = std::filesystem::temp_directory_path() / ("saml-pin-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string key = (dir / "k.pem").string();
  std::string cert = (dir / "c.pem").string();
  ASSERT_TRUE(EnsureSigningKeyPair(key, cert, "test", 2048));
  std::string b64 = *CertificateBase64(cert);
  auto md = [&](std::string_view id, std::string_view role, std::string_view endpoint) {
    return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
           "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + std::string(id) +
           "\"><md:" + std::string(role) +
           " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
           "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
           b64 + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>" +
           std::string(endpoint) + "</md:" + std::string(role) + "></md:EntityDescriptor>";
  };
  std::string idp = md("urn:idp", "IDPSSODescriptor",
                       "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:"
                       "HTTP-Redirect\" Location=\"https://idp.example/sso\"/>");
  std::string sp_file = (dir / "sp.xml").string();
  {
    std::ofstream(sp_file) << md("urn:sp", "SPSSODescriptor",
                                 "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:"
                                 "2.0:bindings:HTTP-Artifact\" Location=\"https://sp.example/"
                                 "acs\" index=\"0\"/>");
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    PinDefaultCaStore(cert);
    InitLasso();
    auto server = MakeServerFromMetadataText(idp, key, cert);
    bool ok = server && AddProvider(server->get(), LASSO_PROVIDER_ROLE_SP, sp_file).has_value();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::filesystem::remove_all(dir);
}

TEST(SamlCommon, MetadataHelpers) {
  std::string md =
      "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"urn:e\">"
      "<md:SPSSODescriptor><md:AssertionConsumerService Binding=\"b1\" Location=\"https://a\"/>"
      "<md:AssertionConsumerService Binding=\"b2\" Location=\"https://b\"/></md:SPSSODescriptor>"
      "</md:EntityDescriptor>";
  EXPECT_EQ(*MetadataEntityId(md), "urn:e");
  auto eps = MetadataEndpoints(md, "AssertionConsumerService", "b2");
  ASSERT_TRUE(eps);
  ASSERT_EQ(eps->size(), 1u);
  EXPECT_EQ((*eps)[0], "https://b");
  EXPECT_FALSE(MetadataEntityId("<a/>"));
}

// The back channel's faults: the kind of error decides code and status; our message never
// reaches the provider.
TEST(SamlCommon, SoapFaultsFromTheCodeOnly) {
  struct Case {
    Error error;
    int status;
    const char* code;
  };
  const Case cases[] = {
      {Error::Invalid("no <Issuer> in /tmp/x"), 400, "soap:Client"},
      {Error::TooLarge("4711 bytes"), 413, "soap:Client"},
      {Error::Forbidden("OIN 0000 unknown"), 403, "soap:Client"},
      {Error::Unavailable("disk /var full"), 503, "soap:Server"},
      {Error::Internal("lasso rc -42"), 500, "soap:Server"},
  };
  for (const Case& c : cases) {
    SoapFault f = SoapFaultFor(c.error);
    EXPECT_EQ(f.http_status, c.status) << c.error.message;
    EXPECT_NE(f.envelope.find(std::string("<faultcode>") + c.code + "</faultcode>"),
              std::string::npos)
        << f.envelope;
    EXPECT_EQ(f.envelope.find(c.error.message), std::string::npos) << f.envelope;
    EXPECT_TRUE(CheckXmlAlgorithms(f.envelope)) << f.envelope;  // parses: well-formed
  }
}

}  // namespace
}  // namespace volmacht::saml
