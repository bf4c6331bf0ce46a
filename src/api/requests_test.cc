#include "api/requests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace volmacht::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr const char* kService = "3f2b8c1e-6a4d-4e0b-9c7a-1d2e3f4a5b6c";
constexpr const char* kService2 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

// (name, code) of every invalid parameter of a failed parse.
template <typename T>
std::vector<std::pair<std::string, std::string>> Params(const Result<T>& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r.has_value()) return out;
  for (const InvalidParam& p : r.error().params) out.emplace_back(p.name, p.code);
  return out;
}

std::string VerifyJson(std::string agent = R"({"bsn":"999993653"})",
                       std::string principal = R"({"bsn":"111222333"})",
                       std::string service = std::string("\"") + kService + "\"",
                       std::string loa = "20", std::string extra = "") {
  return R"({"gemachtigde":)" + agent + R"(,"vertegenwoordigde":)" + principal + R"(,"dienst":)" +
         service + R"(,"betrouwbaarheidsniveau":)" + loa + extra + "}";
}

// ----- Verification -----

TEST(ParseVerifyBody, AcceptsTheDocumentedCall) {
  auto r = ParseVerifyBody(VerifyJson());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->agent, Party::Person(*Bsn::Parse("999993653")));
  EXPECT_EQ(r->principal.str(), "111222333");
  EXPECT_EQ(r->service.str(), kService);
  EXPECT_EQ(r->loa, Loa::kMidden);
  EXPECT_EQ(r->min_seq, 0u);
}

TEST(ParseVerifyBody, AcceptsOrganisationAgentsAndMinimumSequence) {
  auto kvk = ParseVerifyBody(VerifyJson(R"({"kvk":"12345678"})", R"({"bsn":"111222333"})",
                                        std::string("\"") + kService + "\"", "30",
                                        R"(,"minimaleVolgnummer":42)"));
  ASSERT_TRUE(kvk.has_value()) << kvk.error().message;
  EXPECT_EQ(kvk->agent.kind, PartyKind::kKvk);
  EXPECT_EQ(kvk->loa, Loa::kHoog);
  EXPECT_EQ(kvk->min_seq, 42u);
  auto rsin = ParseVerifyBody(VerifyJson(R"({"rsin":"999993653"})"));
  ASSERT_TRUE(rsin.has_value());
  EXPECT_EQ(rsin->agent.kind, PartyKind::kRsin);
}

TEST(ParseVerifyBody, UppercaseUuidIsNormalised) {
  std::string upper = "\"3F2B8C1E-6A4D-4E0B-9C7A-1D2E3F4A5B6C\"";
  auto r = ParseVerifyBody(VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", upper));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->service.str(), kService);
}

TEST(ParseVerifyBody, ReportsEveryMissingFieldAtOnce) {
  auto r = ParseVerifyBody("{}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Params(r), UnorderedElementsAre(Pair("gemachtigde", "veld.verplicht"),
                                              Pair("vertegenwoordigde", "veld.verplicht"),
                                              Pair("dienst", "veld.verplicht"),
                                              Pair("betrouwbaarheidsniveau", "veld.verplicht")));
}

TEST(ParseVerifyBody, RejectsMalformedJson) {
  for (const char* bad :
       {"", "{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "nul", "{} {}", "{\"a\":\"\xff\"}"}) {
    auto r = ParseVerifyBody(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(Params(r), ElementsAre(Pair("body", "json.syntax"))) << bad;
  }
}

TEST(ParseVerifyBody, RejectsABodyThatIsNotAnObject) {
  for (const char* bad : {"[]", "\"x\"", "12", "null", "true"}) {
    EXPECT_THAT(Params(ParseVerifyBody(bad)), ElementsAre(Pair("body", "veld.type"))) << bad;
  }
}

TEST(ParseVerifyBody, RejectsTooLargeAndTooDeep) {
  std::string big = "{\"x\":\"" + std::string(kMaxBodyBytes, 'a') + "\"}";
  auto r = ParseVerifyBody(big);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);

  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_THAT(Params(ParseVerifyBody(deep)), ElementsAre(Pair("body", "json.diepte")));
  EXPECT_THAT(Params(ParseVerifyBody(R"({"a":{"b":{"c":{"d":{}}}}})")),
              ElementsAre(Pair("body", "json.diepte")));
}

TEST(ParseVerifyBody, RejectsDuplicateKeysAtAnyLevel) {
  std::string top = VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                               std::string("\"") + kService + "\"", "20", R"(,"dienst":"x")");
  EXPECT_THAT(Params(ParseVerifyBody(top)), ElementsAre(Pair("body", "json.dubbel.veld")));
  std::string nested = VerifyJson(R"({"bsn":"999993653","bsn":"111222333"})");
  EXPECT_THAT(Params(ParseVerifyBody(nested)), ElementsAre(Pair("body", "json.dubbel.veld")));
  // The same key in two different objects is no duplicate.
  EXPECT_TRUE(ParseVerifyBody(VerifyJson()).has_value());
}

TEST(ParseVerifyBody, RejectsWrongTypesIncludingNull) {
  auto r = ParseVerifyBody(VerifyJson("\"999993653\"", "null", "7", "\"20\""));
  EXPECT_THAT(Params(r), UnorderedElementsAre(Pair("gemachtigde", "veld.type"),
                                              Pair("vertegenwoordigde", "veld.type"),
                                              Pair("dienst", "veld.type"),
                                              Pair("betrouwbaarheidsniveau", "veld.type")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"bsn":999993653})"))),
              ElementsAre(Pair("gemachtigde.bsn", "veld.type")));
  for (const char* loa : {"20.0", "-20", "1e1", "null", "[20]", "18446744073709551616"}) {
    EXPECT_THAT(
        Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                                          std::string("\"") + kService + "\"", loa))),
        ElementsAre(Pair("betrouwbaarheidsniveau", "veld.type")))
        << loa;
  }
}

TEST(ParseVerifyBody, RejectsUnknownLevelsOfAssurance) {
  for (const char* loa : {"0", "15", "21", "40", "100", "4294967316"}) {
    EXPECT_THAT(
        Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                                          std::string("\"") + kService + "\"", loa))),
        ElementsAre(Pair("betrouwbaarheidsniveau", "betrouwbaarheidsniveau.onbekend")))
        << loa;
  }
}

TEST(ParseVerifyBody, RejectsInvalidIdentifiersNamingTheField) {
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993654"})"))),
              ElementsAre(Pair("gemachtigde.bsn", "bsn.elfproef")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"bsn":"99999365"})"))),
              ElementsAre(Pair("gemachtigde.bsn", "bsn.length8")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"abc"})"))),
              ElementsAre(Pair("vertegenwoordigde.bsn", "bsn.format")));
  EXPECT_THAT(
      Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"000000000"})"))),
      ElementsAre(Pair("vertegenwoordigde.bsn", "bsn.zero")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"kvk":"1234567"})"))),
              ElementsAre(Pair("gemachtigde.kvk", "kvk.format")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"rsin":"999993654"})"))),
              ElementsAre(Pair("gemachtigde.rsin", "rsin.elfproef")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                                                "\"not-a-uuid\""))),
              ElementsAre(Pair("dienst", "uuid.formaat")));
}

TEST(ParseVerifyBody, ErrorsNeverEchoTheInput) {
  auto r = ParseVerifyBody(VerifyJson(R"({"bsn":"999993654"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find("999993654"), std::string::npos);
  for (const InvalidParam& p : r.error().params) {
    EXPECT_EQ(p.reason.find("999993654"), std::string::npos);
    EXPECT_EQ(p.name.find("999993654"), std::string::npos);
  }
}

TEST(ParseVerifyBody, AgentNeedsExactlyOneIdentifier) {
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson("{}"))),
              ElementsAre(Pair("gemachtigde", "gemachtigde.ontbreekt")));
  EXPECT_THAT(Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653","kvk":"12345678"})"))),
              ElementsAre(Pair("gemachtigde", "gemachtigde.meerdere")));
  // No birth date in a verification.
  EXPECT_THAT(
      Params(ParseVerifyBody(VerifyJson(R"({"bsn":"999993653","geboortedatum":"1970-01-01"})"))),
      ElementsAre(Pair("gemachtigde.geboortedatum", "veld.onbekend")));
}

TEST(ParseVerifyBody, RejectsUnknownFieldsWithoutEchoingPersonalKeys) {
  std::string extra =
      VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                 std::string("\"") + kService + "\"", "20", R"(,"extra":1,"999993653":true)");
  EXPECT_THAT(
      Params(ParseVerifyBody(extra)),
      UnorderedElementsAre(Pair("extra", "veld.onbekend"), Pair("(veld)", "veld.onbekend")));
}

TEST(ParseVerifyBody, MinimumSequenceMustBeANonNegativeInteger) {
  for (const char* seq : {"-1", "1.5", "\"5\"", "null"}) {
    std::string body = VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                                  std::string("\"") + kService + "\"", "20",
                                  std::string(R"(,"minimaleVolgnummer":)") + seq);
    EXPECT_THAT(Params(ParseVerifyBody(body)), ElementsAre(Pair("minimaleVolgnummer", "veld.type")))
        << seq;
  }
}

TEST(ParseVerifyBody, RejectsOverlongStrings) {
  std::string body = VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                                "\"" + std::string(200, 'a') + "\"");
  EXPECT_THAT(Params(ParseVerifyBody(body)), ElementsAre(Pair("dienst", "veld.te.lang")));
}

// ----- Verification: the fast path (verify_scan.cc) -----

// The plain bodies providers send are taken by the fast path, in any key order and spacing,
// and it reads them exactly as the general parser does.
TEST(ScanVerifyBody, TakesPlainBodiesAndAgreesWithTheGeneralParser) {
  std::string svc = std::string("\"") + kService + "\"";
  std::vector<std::string> plain = {
      VerifyJson(),
      VerifyJson(R"({"kvk":"12345678"})", R"({"bsn":"111222333"})", svc, "30",
                 R"(,"minimaleVolgnummer":42)"),
      VerifyJson(R"({"rsin":"999993653"})", R"({"bsn":"111222333"})",
                 "\"3F2B8C1E-6A4D-4E0B-9C7A-1D2E3F4A5B6C\"", "10"),
      VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "25",
                 R"(,"minimaleVolgnummer":0)"),
      std::string(" {\n\t\"betrouwbaarheidsniveau\" : 20 ,\r\n \"dienst\":\"") + kService +
          "\", \"vertegenwoordigde\" : { \"bsn\" : \"111222333\" } ,"
          " \"gemachtigde\":{\"bsn\":\"999993653\"} } \n",
  };
  for (const std::string& body : plain) {
    std::optional<VerifyBody> fast = ScanVerifyBody(body);
    Result<VerifyBody> general = ParseVerifyBodyGeneral(body);
    ASSERT_TRUE(fast.has_value()) << body;
    ASSERT_TRUE(general.has_value()) << body;
    EXPECT_EQ(*fast, *general) << body;
  }
  auto r = ScanVerifyBody(plain[1]);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->agent, Party::Organisation(*Kvk::Parse("12345678")));
  EXPECT_EQ(r->loa, Loa::kHoog);
  EXPECT_EQ(r->min_seq, 42u);
  EXPECT_EQ(ScanVerifyBody(plain[2])->service.str(), kService);
}

// What the fast path does not take, it leaves to the general parser, which answers exactly
// as before: valid-but-unusual bodies are still accepted, invalid ones get their errors.
TEST(ScanVerifyBody, LeavesEverythingElseToTheGeneralParser) {
  std::string svc = std::string("\"") + kService + "\"";
  struct Case {
    std::string body;
    bool valid;
  };
  std::vector<Case> cases = {
      // Valid JSON the scanner does not read itself.
      {VerifyJson(R"({"bsn":"99999365\u0033"})"), true},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})",
                  "\"3f2b8c1e-6a4d-4e0b-9c7a-1d2e3f4a5b6\\u0063\""),
       true},
      // Invalid: each must give the general parser's error.
      {VerifyJson(R"({"bsn":"999993654"})"), false},
      {VerifyJson(R"({"bsn":"999993653","kvk":"12345678"})"), false},
      {VerifyJson(R"({})"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333","bsn":"111222333"})"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "20.0"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "020"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "-20"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "2e1"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "21"), false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc,
                  "18446744073709551636"),
       false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "20",
                  R"(,"dienst":")" + std::string(kService) + "\""),
       false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "20",
                  R"(,"extra":1)"),
       false},
      {VerifyJson(R"({"bsn":"999993653"})", R"({"bsn":"111222333"})", svc, "20",
                  R"(,"minimaleVolgnummer":null)"),
       false},
      {VerifyJson() + "x", false},
      {VerifyJson() + "{}", false},
      {VerifyJson().substr(0, 40), false},
      {"[]", false},
      {"", false},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(ScanVerifyBody(c.body).has_value()) << c.body;
    Result<VerifyBody> r = ParseVerifyBody(c.body);
    EXPECT_EQ(r.has_value(), c.valid) << c.body;
    Result<VerifyBody> general = ParseVerifyBodyGeneral(c.body);
    EXPECT_EQ(Params(r), Params(general)) << c.body;
  }
}

// Randomised equivalence: seeded mutations of valid bodies (bytes changed, inserted,
// removed; whitespace; fields repeated or dropped). Whenever the fast path gives a value, the
// general parser must give that same value.
TEST(ScanVerifyBody, NeverDisagreesWithTheGeneralParserOnMutatedBodies) {
  std::mt19937_64 rng(20261129);
  std::string svc = std::string("\"") + kService + "\"";
  std::vector<std::string> seeds = {
      VerifyJson(),
      VerifyJson(R"({"kvk":"12345678"})", R"({"bsn":"111222333"})", svc, "30",
                 R"(,"minimaleVolgnummer":42)"),
      VerifyJson(R"({"rsin":"999993653"})", R"({"bsn":"111222333"})", svc, "10"),
  };
  const std::string alphabet = "{}[]:,\" \t\n\\0123456789abcdefu-.eE+nulltrue";
  int fast_taken = 0;
  int mutants_taken = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string body = seeds[rng() % seeds.size()];
    int edits = static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      size_t at = rng() % body.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0: body[at] = c; break;
        case 1: body.insert(at, 1, c); break;
        case 2: body.erase(at, 1 + rng() % 3); break;
        default: body.insert(at, body.substr(rng() % body.size(), 1 + rng() % 24)); break;
      }
    }
    std::optional<VerifyBody> fast = ScanVerifyBody(body);
    if (!fast) continue;
    ++fast_taken;
    if (edits > 0) ++mutants_taken;
    Result<VerifyBody> general = ParseVerifyBodyGeneral(body);
    ASSERT_TRUE(general.has_value()) << body;
    ASSERT_EQ(*fast, *general) << body;
  }
  // The comparison above ran on many bodies, mutated ones among them.
  EXPECT_GT(fast_taken, 4000);
  EXPECT_GT(mutants_taken, 50);
}

// ----- For whom -----

TEST(ParseForWhomBody, AcceptsAndRejects) {
  auto ok = ParseForWhomBody(std::string(R"({"gemachtigde":{"bsn":"999993653"},"dienst":")") +
                             kService + R"(","betrouwbaarheidsniveau":25})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->loa, Loa::kSubstantieel);
  EXPECT_THAT(
      Params(ParseForWhomBody(R"({"vertegenwoordigde":{"bsn":"111222333"}})")),
      UnorderedElementsAre(Pair("gemachtigde", "veld.verplicht"), Pair("dienst", "veld.verplicht"),
                           Pair("betrouwbaarheidsniveau", "veld.verplicht"),
                           Pair("vertegenwoordigde", "veld.onbekend")));
}

// ----- Citizen-only bodies -----

TEST(ParseCitizenBody, NeedsTheCitizen) {
  auto ok = ParseCitizenBody(R"({"burger":{"bsn":"999993653"}})");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->citizen.str(), "999993653");
  EXPECT_THAT(Params(ParseCitizenBody("{}")), ElementsAre(Pair("burger", "veld.verplicht")));
  EXPECT_THAT(Params(ParseCitizenBody(R"({"burger":{}})")),
              ElementsAre(Pair("burger.bsn", "veld.verplicht")));
  EXPECT_THAT(Params(ParseCitizenBody(R"({"burger":"999993653"})")),
              ElementsAre(Pair("burger", "veld.type")));
  EXPECT_THAT(Params(ParseCitizenBody(R"({"burger":{"bsn":"999993653","naam":"x"}})")),
              ElementsAre(Pair("burger.naam", "veld.onbekend")));
}

TEST(ParseRevokeBody, CitizenIsOptional) {
  auto provider = ParseRevokeBody("{}");
  ASSERT_TRUE(provider.has_value());
  EXPECT_FALSE(provider->citizen.has_value());
  auto citizen = ParseRevokeBody(R"({"burger":{"bsn":"999993653"}})");
  ASSERT_TRUE(citizen.has_value());
  EXPECT_EQ(citizen->citizen->str(), "999993653");
  EXPECT_THAT(Params(ParseRevokeBody(R"({"reden":"x"})")),
              ElementsAre(Pair("reden", "veld.onbekend")));
}

// ----- Grant (flow A) -----

std::string GrantJson(std::string fields) {
  return R"({"burger":{"bsn":"999993653"},)" + fields + "}";
}

TEST(ParseGrantBody, AcceptsServicesDatesAndANamedAgent) {
  auto r = ParseGrantBody(
      GrantJson(std::string(R"("diensten":[")") + kService + R"(",")" + kService2 +
                R"("],"ingangsdatum":"2026-03-01","einddatum":"2027-02-28",)"
                R"("gemachtigde":{"bsn":"111222333","geboortedatum":"1980-05-17"})"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->citizen.str(), "999993653");
  EXPECT_EQ(r->request.services.size(), 2u);
  ASSERT_TRUE(r->request.start.has_value());
  EXPECT_EQ(FormatIsoDate(*r->request.start), "2026-03-01");
  EXPECT_EQ(FormatIsoDate(r->request.end), "2027-02-28");
  ASSERT_TRUE(r->request.agent.has_value());
  EXPECT_EQ(r->request.agent->id, "111222333");
  EXPECT_EQ(FormatIsoDate(*r->request.agent_birth), "1980-05-17");
}

TEST(ParseGrantBody, AServiceSetAloneIsEnough) {
  auto r = ParseGrantBody(
      GrantJson(std::string(R"("dienstenset":")") + kService + R"(","einddatum":"2027-01-01")"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->request.services.empty());
  EXPECT_EQ(r->request.service_set->str(), kService);
  EXPECT_FALSE(r->request.start.has_value());
  EXPECT_FALSE(r->request.agent.has_value());
}

TEST(ParseGrantBody, RejectsBadServiceLists) {
  EXPECT_THAT(Params(ParseGrantBody(GrantJson(R"("einddatum":"2027-01-01")"))),
              ElementsAre(Pair("diensten", "veld.verplicht")));
  EXPECT_THAT(Params(ParseGrantBody(GrantJson(R"("diensten":[],"einddatum":"2027-01-01")"))),
              ElementsAre(Pair("diensten", "diensten.leeg")));
  EXPECT_THAT(Params(ParseGrantBody(GrantJson(std::string(R"("diensten":")") + kService +
                                              R"(","einddatum":"2027-01-01")"))),
              ElementsAre(Pair("diensten", "veld.type")));
  EXPECT_THAT(
      Params(ParseGrantBody(GrantJson(std::string(R"("diensten":[")") + kService + R"(",")" +
                                      kService + R"(",7,"x"],"einddatum":"2027-01-01")"))),
      ElementsAre(Pair("diensten[1]", "diensten.dubbel"), Pair("diensten[2]", "veld.type"),
                  Pair("diensten[3]", "uuid.formaat")));
  std::string many = R"("diensten":[)";
  for (size_t i = 0; i <= kMaxServices; ++i)
    many += (i ? ",\"" : "\"") + std::string(kService) + "\"";
  many += R"(],"einddatum":"2027-01-01")";
  EXPECT_THAT(Params(ParseGrantBody(GrantJson(many))),
              ElementsAre(Pair("diensten", "diensten.teveel")));
}

TEST(ParseGrantBody, DatesMustBeRealIsoDates) {
  for (const char* d : {"2026-02-30", "01-01-2027", "2027-1-1", "2027-01-01T00:00:00Z", "20270101",
                        "", "2027-13-01"}) {
    auto r =
        ParseGrantBody(GrantJson(std::string(R"("diensten":[")") + kService +
                                 R"("],"ingangsdatum":")" + d + R"(","einddatum":")" + d + "\""));
    EXPECT_THAT(Params(r), ElementsAre(Pair("ingangsdatum", "datum.formaat"),
                                       Pair("einddatum", "datum.formaat")))
        << d;
  }
  EXPECT_THAT(
      Params(ParseGrantBody(GrantJson(std::string(R"("diensten":[")") + kService + R"("])"))),
      ElementsAre(Pair("einddatum", "veld.verplicht")));
}

TEST(ParseGrantBody, BirthDateOnlyForAPersonAgent) {
  auto r =
      ParseGrantBody(GrantJson(std::string(R"("diensten":[")") + kService +
                               R"("],"einddatum":"2027-01-01",)"
                               R"("gemachtigde":{"kvk":"12345678","geboortedatum":"1980-01-01"})"));
  EXPECT_THAT(Params(r),
              ElementsAre(Pair("gemachtigde.geboortedatum", "geboortedatum.alleen.persoon")));
}

// ----- Ask (flow B) -----

TEST(ParseAskBody, NeedsThePrincipalsBirthDate) {
  std::string base = std::string(R"({"burger":{"bsn":"999993653"},"diensten":[")") + kService +
                     R"("],"einddatum":"2027-01-01","vertegenwoordigde":)";
  auto ok = ParseAskBody(base + R"({"bsn":"111222333","geboortedatum":"1950-12-31"}})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->citizen.str(), "999993653");
  EXPECT_EQ(ok->request.principal.str(), "111222333");
  EXPECT_EQ(FormatIsoDate(ok->request.principal_birth), "1950-12-31");
  EXPECT_THAT(Params(ParseAskBody(base + R"({"bsn":"111222333"}})")),
              ElementsAre(Pair("vertegenwoordigde.geboortedatum", "veld.verplicht")));
  EXPECT_THAT(Params(ParseAskBody(base + R"({"bsn":"111222334","geboortedatum":"1950-02-29"}})")),
              ElementsAre(Pair("vertegenwoordigde.bsn", "bsn.elfproef"),
                          Pair("vertegenwoordigde.geboortedatum", "datum.formaat")));
}

// ----- Direct (IF-SI-10) -----

TEST(ParseDirectBody, ThePrincipalIsTheCitizen) {
  auto r = ParseDirectBody(std::string(R"({"burger":{"bsn":"999993653"},"diensten":[")") +
                           kService + R"("],"einddatum":"2027-01-01"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->request.principal.str(), "999993653");
  EXPECT_FALSE(r->request.evidence.has_value());
  EXPECT_THAT(
      Params(ParseDirectBody(R"({"burger":{"bsn":"999993653"},"einddatum":"2027-01-01",)"
                             R"("gemachtigde":{"bsn":"111222333"}})")),
      ElementsAre(Pair("diensten", "veld.verplicht"), Pair("gemachtigde", "veld.onbekend")));
}

// ----- Activation -----

TEST(ParseActivationBody, ChecksTheCodeFormat) {
  std::string base = R"({"burger":{"bsn":"999993653"},"vertegenwoordigde":{"bsn":"111222333"},)";
  auto ok = ParseActivationBody(base + R"("activeringscode":"acde-fghj-kmnp"})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->principal.str(), "111222333");
  EXPECT_EQ(ok->code, "acde-fghj-kmnp");
  EXPECT_THAT(Params(ParseActivationBody(base + R"("activeringscode":"ACDE-FGHJ-KMN0"})")),
              ElementsAre(Pair("activeringscode", "activeringscode.formaat")));
  EXPECT_THAT(Params(ParseActivationBody(base + R"("activeringscode":12})")),
              ElementsAre(Pair("activeringscode", "veld.type")));
  EXPECT_THAT(Params(ParseActivationBody(R"({"burger":{"bsn":"999993653"}})")),
              ElementsAre(Pair("vertegenwoordigde", "veld.verplicht"),
                          Pair("activeringscode", "veld.verplicht")));
}

// ----- Restrict, list -----

TEST(ParseRestrictBody, NeedsServicesAndEnd) {
  auto ok = ParseRestrictBody(std::string(R"({"burger":{"bsn":"999993653"},"diensten":[")") +
                              kService + R"("],"einddatum":"2026-12-31"})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->request.services.size(), 1u);
  EXPECT_THAT(Params(ParseRestrictBody(R"({"burger":{"bsn":"999993653"}})")),
              ElementsAre(Pair("diensten", "veld.verplicht"), Pair("einddatum", "veld.verplicht")));
}

TEST(ParseListBody, RoleIsOneOfTwo) {
  auto given = ParseListBody(R"({"burger":{"bsn":"999993653"},"rol":"VERTEGENWOORDIGDE"})");
  ASSERT_TRUE(given.has_value());
  EXPECT_EQ(given->role, ListRole::kGiven);
  auto received = ParseListBody(R"({"burger":{"bsn":"999993653"},"rol":"GEMACHTIGDE"})");
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->role, ListRole::kReceived);
  EXPECT_THAT(Params(ParseListBody(R"({"burger":{"bsn":"999993653"},"rol":"gemachtigde"})")),
              ElementsAre(Pair("rol", "rol.onbekend")));
  EXPECT_THAT(Params(ParseListBody(R"({"burger":{"bsn":"999993653"}})")),
              ElementsAre(Pair("rol", "veld.verplicht")));
}

TEST(Parsers, SuccessLeavesNoParams) {
  auto r = ParseCitizenBody(R"({"burger":{"bsn":"999993653"}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(Params(r), IsEmpty());
}

}  // namespace
}  // namespace volmacht::api
