#include "registry/brp_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace volmacht::brp {
namespace {

using Json = nlohmann::json;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

constexpr const char* kBsnText = "999900006";

Bsn B(std::string_view s) {
  auto b = Bsn::Parse(s);
  EXPECT_TRUE(b.has_value()) << s;
  return *b;
}

Json MinimalPerson(std::string_view bsn = kBsnText) {
  return {
      {"burgerservicenummer", bsn},
      {"naam",
       {{"voornamen", "Anna Maria"},
        {"voorvoegsel", "de"},
        {"geslachtsnaam", "Vries"},
        {"volledigeNaam", "Anna Maria de Vries"}}},
      {"geboorte",
       {{"datum", {{"type", "Datum"}, {"datum", "1985-04-12"}, {"langFormaat", "12 april 1985"}}}}},
  };
}

std::string Wrap(const Json& persoon) {
  return Json{{"type", "RaadpleegMetBurgerservicenummer"}, {"personen", Json::array({persoon})}}
      .dump();
}

Person ParseOk(const Json& persoon) {
  auto r = ParseResponse(Wrap(persoon), B(kBsnText));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  if (!r || !r->has_value()) return Person{};
  return **r;
}

void ExpectBadGateway(std::string_view body, std::string_view why) {
  auto r = ParseResponse(body, B(kBsnText));
  ASSERT_FALSE(r.has_value()) << why;
  EXPECT_EQ(r.error().code, ErrorCode::kBadGateway) << why;
  EXPECT_EQ(r.error().message.find(kBsnText), std::string::npos) << why;
}

TEST(BrpRequest, AsksForOneBsnAndOnlyTheFieldsWeNeed) {
  Json req = Json::parse(BuildRequest(B(kBsnText)));
  EXPECT_EQ(req["type"], "RaadpleegMetBurgerservicenummer");
  EXPECT_EQ(req["burgerservicenummer"], Json::array({kBsnText}));
  ASSERT_TRUE(req["fields"].is_array());
  EXPECT_EQ(req["fields"].get<std::vector<std::string>>(), RequestedFields());
  EXPECT_EQ(req.size(), 3u);
  for (const std::string& f : RequestedFields()) {
    // The spec forbids asking for the automatically delivered fields.
    EXPECT_EQ(f.find("geheimhouding"), std::string::npos);
    EXPECT_EQ(f.find("opschorting"), std::string::npos);
    EXPECT_EQ(f.find("inOnderzoek"), std::string::npos);
  }
}

TEST(BrpParse, FullPersonWithFullBirthDate) {
  Person p = ParseOk(MinimalPerson());
  EXPECT_EQ(p.bsn.str(), kBsnText);
  EXPECT_EQ(p.given_names, "Anna Maria");
  EXPECT_EQ(p.prefix, "de");
  EXPECT_EQ(p.surname, "Vries");
  EXPECT_EQ(p.full_name, "Anna Maria de Vries");
  EXPECT_EQ(p.birth.year, 1985);
  EXPECT_EQ(p.birth.month, 4);
  EXPECT_EQ(p.birth.day, 12);
  EXPECT_FALSE(p.deceased);
  EXPECT_FALSE(p.death.has_value());
  EXPECT_FALSE(p.under_curatele);
  EXPECT_FALSE(p.secret_address);
  EXPECT_FALSE(p.address.has_value());
}

TEST(BrpParse, EmptyPersonenMeansUnknownBsn) {
  auto r = ParseResponse(R"({"type":"RaadpleegMetBurgerservicenummer","personen":[]})",
                         B(kBsnText));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value());
}

TEST(BrpParse, FullNameComposedWhenRegisterOmitsIt) {
  Json p = MinimalPerson();
  p["naam"].erase("volledigeNaam");
  EXPECT_EQ(ParseOk(p).full_name, "Anna Maria de Vries");
  p["naam"].erase("voornamen");
  p["naam"].erase("voorvoegsel");
  Person q = ParseOk(p);
  EXPECT_EQ(q.full_name, "Vries");
  EXPECT_EQ(q.given_names, "");
  EXPECT_EQ(q.prefix, "");
}

TEST(BrpParse, JaarMaandDatum) {
  Json p = MinimalPerson();
  p["geboorte"]["datum"] = {{"type", "JaarMaandDatum"}, {"jaar", 1958}, {"maand", 3},
                            {"langFormaat", "maart 1958"}};
  Person q = ParseOk(p);
  EXPECT_EQ(q.birth.year, 1958);
  EXPECT_EQ(q.birth.month, 3);
  EXPECT_EQ(q.birth.day, 0);
}

TEST(BrpParse, JaarDatum) {
  Json p = MinimalPerson();
  p["geboorte"]["datum"] = {{"type", "JaarDatum"}, {"jaar", 1962}, {"langFormaat", "1962"}};
  Person q = ParseOk(p);
  EXPECT_EQ(q.birth.year, 1962);
  EXPECT_EQ(q.birth.month, 0);
  EXPECT_EQ(q.birth.day, 0);
}

TEST(BrpParse, DatumOnbekend) {
  Json p = MinimalPerson();
  p["geboorte"]["datum"] = {{"type", "DatumOnbekend"}, {"onbekend", true},
                            {"langFormaat", "onbekend"}};
  Person q = ParseOk(p);
  EXPECT_FALSE(q.birth.known());
  // `onbekend` is required to be true by the spec but its absence changes nothing.
  p["geboorte"]["datum"].erase("onbekend");
  EXPECT_FALSE(ParseOk(p).birth.known());
}

TEST(BrpParse, MissingBirthDateIsUnknown) {
  Json p = MinimalPerson();
  p.erase("geboorte");
  EXPECT_FALSE(ParseOk(p).birth.known());
  p["geboorte"] = Json::object();
  EXPECT_FALSE(ParseOk(p).birth.known());
}

TEST(BrpParse, DeceasedWithFullDate) {
  Json p = MinimalPerson();
  p["overlijden"] = {{"datum", {{"type", "Datum"}, {"datum", "2025-11-20"}}}};
  Person q = ParseOk(p);
  EXPECT_TRUE(q.deceased);
  ASSERT_TRUE(q.death.has_value());
  EXPECT_EQ(*q.death, Date(year(2025), month(11), day(20)));
}

TEST(BrpParse, DeceasedWithPartialDate) {
  Json p = MinimalPerson();
  p["overlijden"] = {{"datum", {{"type", "JaarMaandDatum"}, {"jaar", 2024}, {"maand", 2}}}};
  Person q = ParseOk(p);
  EXPECT_TRUE(q.deceased);
  EXPECT_FALSE(q.death.has_value());
  p["overlijden"] = {{"datum", {{"type", "DatumOnbekend"}, {"onbekend", true}}}};
  EXPECT_TRUE(ParseOk(p).deceased);
}

TEST(BrpParse, SuspendedForDeathMeansDeceased) {
  Json p = MinimalPerson();
  p["opschortingBijhouding"] = {{"reden", {{"code", "O"}, {"omschrijving", "overlijden"}}},
                                {"datum", {{"type", "Datum"}, {"datum", "2025-11-20"}}}};
  EXPECT_TRUE(ParseOk(p).deceased);
  // Emigration ("E") is a suspension too, but not a death.
  p["opschortingBijhouding"]["reden"] = {{"code", "E"}, {"omschrijving", "emigratie"}};
  EXPECT_FALSE(ParseOk(p).deceased);
}

TEST(BrpParse, SecrecyAndCuratele) {
  Json p = MinimalPerson();
  p["geheimhoudingPersoonsgegevens"] = true;
  Person q = ParseOk(p);
  EXPECT_TRUE(q.secret_address);
  EXPECT_FALSE(q.under_curatele);
  p.erase("geheimhoudingPersoonsgegevens");
  p["indicatieCurateleRegister"] = true;
  q = ParseOk(p);
  EXPECT_FALSE(q.secret_address);
  EXPECT_TRUE(q.under_curatele);
  p["indicatieCurateleRegister"] = false;
  EXPECT_FALSE(ParseOk(p).under_curatele);
}

TEST(BrpParse, AdresseringIsPreferredForTheEnvelope) {
  Json p = MinimalPerson();
  p["verblijfplaats"] = {{"type", "Adres"},
                         {"verblijfadres",
                          {{"korteStraatnaam", "Keizersgr"},
                           {"huisnummer", 1},
                           {"postcode", "1015CJ"},
                           {"woonplaats", "Amsterdam"}}}};
  p["adressering"] = {{"adresregel1", "Keizersgracht 123"},
                      {"adresregel2", "1015 CJ  AMSTERDAM"},
                      {"aanhef", "Geachte mevrouw De Vries"}};
  Person q = ParseOk(p);
  ASSERT_TRUE(q.address.has_value());
  EXPECT_EQ(q.address->lines,
            (std::vector<std::string>{"Keizersgracht 123", "1015 CJ  AMSTERDAM"}));
  EXPECT_FALSE(q.address->abroad);
  // Nederland as land is not printed.
  p["adressering"]["land"] = {{"code", "6030"}, {"omschrijving", "Nederland"}};
  q = ParseOk(p);
  EXPECT_EQ(q.address->lines.size(), 2u);
  EXPECT_FALSE(q.address->abroad);
}

TEST(BrpParse, DutchAddressComposedFromVerblijfplaats) {
  Json p = MinimalPerson();
  p["verblijfplaats"] = {{"type", "Adres"},
                         {"verblijfadres",
                          {{"officieleStraatnaam", "Laan van Meerdervoort"},
                           {"korteStraatnaam", "Ln v Meerdervoort"},
                           {"huisnummer", 200},
                           {"huisletter", "b"},
                           {"huisnummertoevoeging", "3"},
                           {"postcode", "2517az"},
                           {"woonplaats", "'s-Gravenhage"}}}};
  Person q = ParseOk(p);
  ASSERT_TRUE(q.address.has_value());
  EXPECT_EQ(q.address->lines, (std::vector<std::string>{"Ln v Meerdervoort 200b-3",
                                                        "2517 AZ  'S-GRAVENHAGE"}));
  EXPECT_FALSE(q.address->abroad);

  // Without a short street name the official one is used; postcode with a space is fine.
  p["verblijfplaats"]["verblijfadres"].erase("korteStraatnaam");
  p["verblijfplaats"]["verblijfadres"].erase("huisletter");
  p["verblijfplaats"]["verblijfadres"].erase("huisnummertoevoeging");
  p["verblijfplaats"]["verblijfadres"]["postcode"] = "2517 AZ";
  q = ParseOk(p);
  EXPECT_EQ(q.address->lines, (std::vector<std::string>{"Laan van Meerdervoort 200",
                                                        "2517 AZ  'S-GRAVENHAGE"}));
}

TEST(BrpParse, AbroadFromAdressering) {
  Json p = MinimalPerson();
  Json be = {{"code", "5010"}, {"omschrijving", "België"}};
  p["verblijfplaats"] = {
      {"type", "VerblijfplaatsBuitenland"},
      {"verblijfadres", {{"regel1", "Rue de la Loi 42"}, {"regel2", "1000 Bruxelles"},
                         {"land", be}}}};
  p["adressering"] = {{"adresregel1", "Rue de la Loi 42"},
                      {"adresregel2", "1000 Bruxelles"},
                      {"adresregel3", "Région de Bruxelles"},
                      {"land", be}};
  Person q = ParseOk(p);
  ASSERT_TRUE(q.address.has_value());
  EXPECT_TRUE(q.address->abroad);
  EXPECT_EQ(q.address->lines,
            (std::vector<std::string>{"Rue de la Loi 42", "1000 Bruxelles",
                                      "Région de Bruxelles", "België"}));
}

TEST(BrpParse, AbroadFromVerblijfplaatsAlone) {
  Json p = MinimalPerson();
  p["verblijfplaats"] = {
      {"type", "VerblijfplaatsBuitenland"},
      {"verblijfadres", {{"regel1", "Hauptstraße 5"}, {"regel2", "10115 Berlin"},
                         {"land", {{"code", "6029"}, {"omschrijving", "Duitsland"}}}}}};
  Person q = ParseOk(p);
  ASSERT_TRUE(q.address.has_value());
  EXPECT_TRUE(q.address->abroad);
  EXPECT_EQ(q.address->lines,
            (std::vector<std::string>{"Hauptstraße 5", "10115 Berlin", "Duitsland"}));
}

TEST(BrpParse, NoPostalAddressWhenWhereaboutsUnknown) {
  Json p = MinimalPerson();
  p["verblijfplaats"] = {{"type", "VerblijfplaatsOnbekend"}};
  EXPECT_FALSE(ParseOk(p).address.has_value());
  p["verblijfplaats"] = {{"type", "Locatie"},
                         {"verblijfadres", {{"locatiebeschrijving", "Woonboot bij de brug"}}}};
  EXPECT_FALSE(ParseOk(p).address.has_value());
  // "Vertrokken onbekend waarheen": country 0000.
  p["verblijfplaats"] = {{"type", "VerblijfplaatsBuitenland"},
                         {"verblijfadres", {{"land", {{"code", "0000"},
                                                      {"omschrijving", "Onbekend"}}}}}};
  EXPECT_FALSE(ParseOk(p).address.has_value());
  p["adressering"] = {{"adresregel1", "x"}, {"land", {{"code", "0000"}, {"omschrijving", "?"}}}};
  EXPECT_FALSE(ParseOk(p).address.has_value());
}

// Each of these is answered by something that is not a valid BRP answer to our question.
TEST(BrpParse, RejectsNonsense) {
  const Json good = MinimalPerson();
  auto with = [&](auto mutate) {
    Json p = good;
    mutate(p);
    return Wrap(p);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty body"},
      {"<html>502 Bad Gateway</html>", "html"},
      {"null", "null"},
      {"[]", "array root"},
      {"{}", "empty object"},
      {"\"text\"", "string root"},
      {Wrap(good) + "x", "trailing garbage"},
      {Wrap(good).substr(0, 40), "truncated"},
      {R"({"type":"ZoekMetPostcodeEnHuisnummer","personen":[]})", "other query type"},
      {R"({"type":1,"personen":[]})", "type not string"},
      {R"({"type":"RaadpleegMetBurgerservicenummer"})", "personen missing"},
      {R"({"type":"RaadpleegMetBurgerservicenummer","personen":{}})", "personen object"},
      {R"({"type":"RaadpleegMetBurgerservicenummer","personen":[1]})", "person not object"},
      {Json{{"type", "RaadpleegMetBurgerservicenummer"},
            {"personen", Json::array({good, good})}}.dump(),
       "two persons"},
      {with([](Json& p) { p["burgerservicenummer"] = "999900018"; }), "other person"},
      {with([](Json& p) { p["burgerservicenummer"] = "999900007"; }), "bsn fails 11-proef"},
      {with([](Json& p) { p["burgerservicenummer"] = "99990006"; }), "bsn 8 digits"},
      {with([](Json& p) { p["burgerservicenummer"] = 999900006; }), "bsn number"},
      {with([](Json& p) { p.erase("burgerservicenummer"); }), "bsn missing"},
      {with([](Json& p) { p.erase("naam"); }), "naam missing"},
      {with([](Json& p) { p["naam"] = "Anna"; }), "naam string"},
      {with([](Json& p) { p["naam"].erase("geslachtsnaam"); }), "geslachtsnaam missing"},
      {with([](Json& p) { p["naam"]["geslachtsnaam"] = 7; }), "geslachtsnaam number"},
      {with([](Json& p) { p["naam"]["geslachtsnaam"] = ""; }), "geslachtsnaam empty"},
      {with([](Json& p) { p["naam"]["voornamen"] = "Anna\nMaria"; }), "control char"},
      {with([](Json& p) { p["naam"]["voorvoegsel"] = "van der van de"; }), "voorvoegsel long"},
      {with([](Json& p) { p["naam"]["geslachtsnaam"] = std::string(201, 'a'); }), "name long"},
      {with([](Json& p) { p["geboorte"] = "1985"; }), "geboorte string"},
      {with([](Json& p) { p["geboorte"]["datum"] = "1985-04-12"; }), "datum not object"},
      {with([](Json& p) { p["geboorte"]["datum"].erase("type"); }), "datum without type"},
      {with([](Json& p) { p["geboorte"]["datum"]["type"] = "Ongeveer"; }), "unknown date type"},
      {with([](Json& p) { p["geboorte"]["datum"]["datum"] = "1985-02-30"; }), "no such day"},
      {with([](Json& p) { p["geboorte"]["datum"]["datum"] = "12-04-1985"; }), "date format"},
      {with([](Json& p) { p["geboorte"]["datum"].erase("datum"); }), "Datum without datum"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "JaarDatum"}, {"jaar", 0}};
       }),
       "jaar 0"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "JaarDatum"}, {"jaar", "1962"}};
       }),
       "jaar string"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "JaarDatum"}, {"jaar", 1962.5}};
       }),
       "jaar float"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "JaarDatum"}, {"jaar", 18446744073709551615u}};
       }),
       "jaar huge"},
      {with([](Json& p) { p["geboorte"]["datum"] = {{"type", "JaarDatum"}}; }), "no jaar"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "JaarMaandDatum"}, {"jaar", 1958}, {"maand", 13}};
       }),
       "maand 13"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "JaarMaandDatum"}, {"jaar", 1958}};
       }),
       "no maand"},
      {with([](Json& p) {
         p["geboorte"]["datum"] = {{"type", "DatumOnbekend"}, {"onbekend", false}};
       }),
       "onbekend false"},
      {with([](Json& p) { p["overlijden"] = true; }), "overlijden bool"},
      {with([](Json& p) { p["overlijden"] = Json::object(); }), "overlijden without date"},
      {with([](Json& p) { p["opschortingBijhouding"] = {{"reden", "O"}}; }), "reden string"},
      {with([](Json& p) { p["geheimhoudingPersoonsgegevens"] = "true"; }), "geheim string"},
      {with([](Json& p) { p["geheimhoudingPersoonsgegevens"] = 1; }), "geheim number"},
      {with([](Json& p) { p["indicatieCurateleRegister"] = "ja"; }), "curatele string"},
      {with([](Json& p) { p["verblijfplaats"] = {{"verblijfadres", Json::object()}}; }),
       "verblijfplaats without type"},
      {with([](Json& p) { p["verblijfplaats"] = {{"type", "Woonboot"}}; }), "unknown type"},
      {with([](Json& p) { p["verblijfplaats"] = {{"type", "Adres"}}; }), "Adres without adres"},
      {with([](Json& p) {
         p["verblijfplaats"] = {{"type", "Adres"},
                                {"verblijfadres", {{"korteStraatnaam", "Dam"},
                                                   {"huisnummer", 0}}}};
       }),
       "huisnummer 0"},
      {with([](Json& p) {
         p["verblijfplaats"] = {{"type", "Adres"},
                                {"verblijfadres", {{"korteStraatnaam", "Dam"},
                                                   {"huisnummer", "1"}}}};
       }),
       "huisnummer string"},
      {with([](Json& p) {
         p["verblijfplaats"] = {{"type", "Adres"}, {"verblijfadres", {{"huisnummer", 1}}}};
       }),
       "no street"},
      {with([](Json& p) {
         p["verblijfplaats"] = {{"type", "Adres"},
                                {"verblijfadres", {{"korteStraatnaam", "Dam"},
                                                   {"huisnummer", 1},
                                                   {"postcode", "0123AB"}}}};
       }),
       "bad postcode"},
      {with([](Json& p) {
         p["verblijfplaats"] = {{"type", "Adres"},
                                {"verblijfadres", {{"korteStraatnaam", "Dam"},
                                                   {"huisnummer", 1},
                                                   {"huisletter", "1"}}}};
       }),
       "huisletter digit"},
      {with([](Json& p) { p["adressering"] = {{"adresregel1", std::string(41, 'x')}}; }),
       "adresregel1 too long"},
      {with([](Json& p) {
         p["adressering"] = {{"adresregel1", "Rue 1"}, {"land", {{"code", "5010"}}}};
       }),
       "land without description"},
      {with([](Json& p) {
         p["adressering"] = {{"adresregel1", "Rue 1"}, {"land", {{"omschrijving", "België"}}}};
       }),
       "land without code"},
      {with([](Json& p) { p["adressering"] = Json::array(); }), "adressering array"},
      {std::string(R"({"type":"RaadpleegMetBurgerservicenummer","personen":[{"x":")") +
           "\xff\xfe" + "\"}]}",
       "invalid utf-8"},
  };
  for (const auto& [body, why] : cases) ExpectBadGateway(body, why);
}

TEST(BrpParse, RejectsDeepNestingWithoutBuildingIt) {
  std::string deep(200000, '[');
  ExpectBadGateway(deep, "unterminated deep nesting");
  std::string closed = std::string(100, '[') + std::string(100, ']');
  ExpectBadGateway(closed, "closed deep nesting");
  // Deep nesting inside an otherwise good answer, in a field we do not even read.
  Json nested = Json::array();
  for (int i = 0; i < 50; ++i) nested = Json::array({nested});
  Json p = MinimalPerson();
  p["x"] = nested;
  ExpectBadGateway(Wrap(p), "nested unknown field");
}

TEST(BrpParse, SizeLimit) {
  std::string body = Wrap(MinimalPerson());
  // Whitespace padding keeps the JSON valid, so only the size decides.
  std::string at_limit = body + std::string(kMaxResponseBytes - body.size(), ' ');
  ASSERT_EQ(at_limit.size(), kMaxResponseBytes);
  EXPECT_TRUE(ParseResponse(at_limit, B(kBsnText)).has_value());
  ExpectBadGateway(at_limit + " ", "one byte over the limit");
}

TEST(BrpParse, IgnoresFieldsItDoesNotUse) {
  Json p = MinimalPerson();
  p["leeftijd"] = 40;
  p["geslacht"] = {{"code", "V"}, {"omschrijving", "vrouw"}};
  p["nationaliteiten"] = Json::array({{{"type", "Nationaliteit"}}});
  p["rni"] = Json::array();
  EXPECT_EQ(ParseOk(p).surname, "Vries");
}

// --- the project's own fixture --------------------------------------------------------------

Json LoadFixture() {
  std::ifstream in(VOLMACHT_BRP_FIXTURE);
  EXPECT_TRUE(in.good()) << VOLMACHT_BRP_FIXTURE;
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

// 18 or older on `d`, for every birth date consistent with what the register knows.
bool SurelyAdult(const PartialDate& b, Date d) {
  auto latest = b.Latest();
  if (!latest) return false;
  Date eighteenth = *latest + std::chrono::years(18);
  if (!eighteenth.ok()) eighteenth = std::chrono::sys_days(eighteenth);  // 29 Feb -> 1 Mar
  return eighteenth <= d;
}

bool SurelyMinor(const PartialDate& b, Date d) {
  if (!b.known()) return false;
  // Earliest consistent birth date.
  Date earliest{year(b.year), month(b.month == 0 ? 1 : static_cast<unsigned>(b.month)),
                day(b.day == 0 ? 1 : static_cast<unsigned>(b.day))};
  return earliest + std::chrono::years(18) > d;
}

TEST(BrpFixture, EveryPersonParsesAndTheRulesAreCovered) {
  Json all = LoadFixture();
  ASSERT_TRUE(all.is_array());
  ASSERT_GE(all.size(), 15u);
  std::set<std::string> seen;
  int adults = 0, minors = 0, deceased = 0, curatele = 0, abroad = 0, secret = 0;
  int jaar_datum = 0, jaar_maand = 0, onbekend = 0, turning_18_in_2027 = 0;
  const Date from{year(2026), month(1), day(1)};
  const Date to{year(2028), month(12), day(31)};
  for (const Json& persoon : all) {
    const std::string bsn_text = persoon.at("burgerservicenummer").get<std::string>();
    SCOPED_TRACE(bsn_text);
    EXPECT_TRUE(seen.insert(bsn_text).second) << "duplicate";
    Bsn bsn = B(bsn_text);
    auto r = ParseResponse(Wrap(persoon), bsn);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    const Person& p = **r;
    ASSERT_TRUE(p.address.has_value()) << "every fixture person has an address";
    EXPECT_GE(p.address->lines.size(), 2u);
    EXPECT_FALSE(p.full_name.empty());

    deceased += p.deceased;
    curatele += p.under_curatele;
    abroad += p.address->abroad;
    secret += p.secret_address;
    if (p.deceased) {
      EXPECT_TRUE(persoon.contains("overlijden"));
    }
    if (!p.birth.known()) {
      ++onbekend;
      continue;
    }
    if (p.birth.month == 0) ++jaar_datum;
    if (p.birth.month != 0 && p.birth.day == 0) ++jaar_maand;
    const bool adult_whole_window = SurelyAdult(p.birth, from);
    const bool minor_whole_window = SurelyMinor(p.birth, to);
    if (p.birth.year == 2009 && p.birth.day != 0) {
      // The intentional one: minor at the start of 2027, adult at its end.
      EXPECT_TRUE(SurelyMinor(p.birth, Date{year(2027), month(1), day(1)}));
      EXPECT_TRUE(SurelyAdult(p.birth, Date{year(2027), month(12), day(31)}));
      ++turning_18_in_2027;
      continue;
    }
    EXPECT_TRUE(adult_whole_window || minor_whole_window)
        << "age must be clear-cut in 2026-2028";
    if (!p.deceased && adult_whole_window) ++adults;
    if (minor_whole_window) ++minors;
  }
  EXPECT_GE(adults, 6);
  EXPECT_GE(minors, 1);
  EXPECT_EQ(turning_18_in_2027, 1);
  EXPECT_GE(deceased, 2);
  EXPECT_GE(curatele, 1);
  EXPECT_GE(abroad, 1);
  EXPECT_GE(secret, 1);
  EXPECT_GE(jaar_datum, 1);
  EXPECT_GE(jaar_maand, 1);
  EXPECT_GE(onbekend, 1);
}

// RvIG's published test persons: their BSNs agree with our 11-proef (skipped when absent).
TEST(BrpTestPersons, SampleOfRvigBsnsPassOurElfproef) {
  std::ifstream in(VOLMACHT_BRP_TESTPERSONS);
  if (!in.good()) GTEST_SKIP() << "no " << VOLMACHT_BRP_TESTPERSONS;
  std::stringstream ss;
  ss << in.rdbuf();
  Json all = Json::parse(ss.str(), nullptr, false);
  ASSERT_TRUE(all.is_array());
  int checked = 0;
  for (size_t i = 0; i < all.size(); i += 7) {  // a spread sample
    const Json& t = all[i];
    if (!t.contains("bsn") || !t["bsn"].is_string()) continue;
    const bool elfproef = t.value("elfproef", true);
    EXPECT_EQ(Bsn::Parse(t["bsn"].get<std::string>()).has_value(), elfproef)
        << "entry " << i;
    ++checked;
  }
  EXPECT_GT(checked, 100);
  // The one the source marks as failing the 11-proef.
  EXPECT_FALSE(Bsn::Parse("999999245").has_value());
}

}  // namespace
}  // namespace volmacht::brp
