// brp-sim request validation and field filtering, called directly (no network).
#include "brp_sim.h"

#include <gtest/gtest.h>

#include <string>

namespace volmacht::brpsim {
namespace {

using Json = nlohmann::json;

const char* kPersons = R"([
  {"burgerservicenummer": "999900006",
   "naam": {"voornamen": "Anna", "geslachtsnaam": "Vries", "voorvoegsel": "de"},
   "geboorte": {"datum": {"type": "Datum", "datum": "1985-04-12", "langFormaat": "x"},
                "plaats": {"code": "0363", "omschrijving": "Amsterdam"}},
   "verblijfplaats": {"type": "Adres", "verblijfadres": {"korteStraatnaam": "Dam",
                      "huisnummer": 1}, "datumVan": {"type": "Datum", "datum": "2015-01-01"}},
   "gemeenteVanInschrijving": {"code": "0363", "omschrijving": "Amsterdam"},
   "geheimhoudingPersoonsgegevens": true,
   "partners": [{"naam": {"voornamen": "Piet", "geslachtsnaam": "Berg"},
                 "burgerservicenummer": "999900018"}]},
  {"burgerservicenummer": "999900018", "naam": {"geslachtsnaam": "Berg"},
   "gemeenteVanInschrijving": {"code": "0344", "omschrijving": "Utrecht"}}
])";

BrpSim Load() {
  auto s = BrpSim::FromJson(kPersons);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return std::move(*s);
}

http::Request Post(const Json& body, std::string content_type = "application/json") {
  http::Request r;
  r.method = "POST";
  r.path = "/personen";
  r.headers = {{"content-type", std::move(content_type)}};
  r.body = body.dump();
  return r;
}

Json Query(std::vector<std::string> bsns, std::vector<std::string> fields) {
  return {{"type", "RaadpleegMetBurgerservicenummer"},
          {"burgerservicenummer", bsns},
          {"fields", fields}};
}

// Names of the invalidParams of a 400 answer.
std::vector<std::string> InvalidNames(const http::Response& r) {
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/problem+json");
  Json body = Json::parse(r.body);
  std::vector<std::string> names;
  for (const Json& p : body.value("invalidParams", Json::array())) {
    names.push_back(p.at("name").get<std::string>());
  }
  return names;
}

TEST(BrpSim, AnswersWithOnlyTheRequestedFields) {
  BrpSim sim = Load();
  http::Response r = sim.Handle(Post(Query({"999900006"}, {"naam.voornamen", "geboorte.datum"})));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type.rfind("application/json", 0), 0u);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["type"], "RaadpleegMetBurgerservicenummer");
  ASSERT_EQ(body["personen"].size(), 1u);
  Json expected = {
      {"naam", {{"voornamen", "Anna"}}},
      {"geboorte", {{"datum", {{"type", "Datum"}, {"datum", "1985-04-12"},
                               {"langFormaat", "x"}}}}},
      {"geheimhoudingPersoonsgegevens", true},  // always delivered
  };
  EXPECT_EQ(body["personen"][0], expected);
}

TEST(BrpSim, PolymorphicObjectsKeepTheirType) {
  BrpSim sim = Load();
  http::Response r = sim.Handle(Post(Query({"999900006"}, {"verblijfplaats.verblijfadres"})));
  ASSERT_EQ(r.status, 200) << r.body;
  Json v = Json::parse(r.body)["personen"][0]["verblijfplaats"];
  EXPECT_EQ(v, (Json{{"type", "Adres"},
                     {"verblijfadres", {{"korteStraatnaam", "Dam"}, {"huisnummer", 1}}}}));
}

TEST(BrpSim, PathsThroughArrays) {
  BrpSim sim = Load();
  http::Response r = sim.Handle(Post(Query({"999900006"}, {"partners.naam.voornamen"})));
  ASSERT_EQ(r.status, 200) << r.body;
  Json p = Json::parse(r.body)["personen"][0];
  EXPECT_EQ(p["partners"], (Json::array({{{"naam", {{"voornamen", "Piet"}}}}})));
}

TEST(BrpSim, SeveralUnknownAndDuplicateBsns) {
  BrpSim sim = Load();
  http::Response r = sim.Handle(
      Post(Query({"999900018", "999900195", "999900006", "999900018"}, {"burgerservicenummer"})));
  ASSERT_EQ(r.status, 200) << r.body;
  Json personen = Json::parse(r.body)["personen"];
  ASSERT_EQ(personen.size(), 2u);
  EXPECT_EQ(personen[0]["burgerservicenummer"], "999900018");
  EXPECT_EQ(personen[1]["burgerservicenummer"], "999900006");

  r = sim.Handle(Post(Query({"999900195"}, {"burgerservicenummer"})));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["personen"], Json::array());
}

TEST(BrpSim, GemeenteVanInschrijvingFilters) {
  BrpSim sim = Load();
  Json q = Query({"999900006", "999900018"}, {"burgerservicenummer"});
  q["gemeenteVanInschrijving"] = "0344";
  http::Response r = sim.Handle(Post(q));
  ASSERT_EQ(r.status, 200) << r.body;
  Json personen = Json::parse(r.body)["personen"];
  ASSERT_EQ(personen.size(), 1u);
  EXPECT_EQ(personen[0]["burgerservicenummer"], "999900018");
}

TEST(BrpSim, RejectsBadRequests) {
  BrpSim sim = Load();
  const Json good = Query({"999900006"}, {"naam"});
  auto with = [&](auto mutate) {
    Json q = good;
    mutate(q);
    return sim.Handle(Post(q));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(InvalidNames(with([](Json& q) { q.erase("type"); })), V{"type"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q["type"] = "ZoekMetPostcodeEnHuisnummer"; })),
            V{"type"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q.erase("burgerservicenummer"); })),
            V{"burgerservicenummer"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q["burgerservicenummer"] = "999900006"; })),
            V{"burgerservicenummer"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q["burgerservicenummer"] = Json::array(); })),
            V{"burgerservicenummer"});
  EXPECT_EQ(InvalidNames(with([](Json& q) {
              q["burgerservicenummer"] = std::vector<std::string>(21, "999900006");
            })),
            V{"burgerservicenummer"});
  EXPECT_EQ(InvalidNames(with([](Json& q) {
              q["burgerservicenummer"] = Json::array({"999900006", "12345678", 999900018});
            })),
            (V{"burgerservicenummer[1]", "burgerservicenummer[2]"}));
  EXPECT_EQ(InvalidNames(with([](Json& q) { q.erase("fields"); })), V{"fields"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q["fields"] = Json::array(); })), V{"fields"});
  EXPECT_EQ(InvalidNames(with([](Json& q) {
              q["fields"] = {"naam", "geheimhoudingPersoonsgegevens", "naam.inOnderzoek",
                             "schoenmaat", "naam..voornamen", "naam/voornamen", 3};
            })),
            (V{"fields[1]", "fields[2]", "fields[3]", "fields[4]", "fields[5]", "fields[6]"}));
  EXPECT_EQ(InvalidNames(with([](Json& q) {
              q["fields"] = std::vector<std::string>(131, "naam");
            })),
            V{"fields"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q["gemeenteVanInschrijving"] = "363"; })),
            V{"gemeenteVanInschrijving"});
  EXPECT_EQ(InvalidNames(with([](Json& q) { q["burgerservicenummers"] = {"999900006"}; })),
            V{"burgerservicenummers"});
  // Every fault is reported, once.
  EXPECT_EQ(InvalidNames(sim.Handle(Post(Json::object()))),
            (V{"type", "burgerservicenummer", "fields"}));

  http::Request not_json = Post(good);
  not_json.body = "{";
  EXPECT_EQ(sim.Handle(not_json).status, 400);
  not_json.body = std::string(30000, '[') + std::string(30000, ']');
  EXPECT_EQ(sim.Handle(not_json).status, 400);
  not_json.body = R"({"type":"RaadpleegMetBurgerservicenummer","x":[[[[[[[[[[1]]]]]]]]]]})";
  EXPECT_EQ(sim.Handle(not_json).status, 400);
  EXPECT_EQ(sim.Handle(Post(good, "text/plain")).status, 415);
}

TEST(BrpSim, FailModesAndApiKey) {
  BrpSim sim = Load();
  const Json q = Query({"999900006"}, {"naam"});
  sim.set_fail_mode(FailMode::kDown);
  EXPECT_EQ(sim.Handle(Post(q)).status, 503);
  sim.set_fail_mode(FailMode::kGarbage);
  http::Response g = sim.Handle(Post(q));
  EXPECT_EQ(g.status, 200);
  EXPECT_TRUE(Json::parse(g.body, nullptr, false).is_discarded());
  sim.set_fail_mode(FailMode::kNone);
  sim.set_api_key("k");
  EXPECT_EQ(sim.Handle(Post(q)).status, 401);
  http::Request with_key = Post(q);
  with_key.headers.emplace_back("x-api-key", "k");
  EXPECT_EQ(sim.Handle(with_key).status, 200);
}

TEST(BrpSim, RefusesBadPersonFiles) {
  EXPECT_FALSE(BrpSim::FromJson("").has_value());
  EXPECT_FALSE(BrpSim::FromJson("{}").has_value());
  EXPECT_FALSE(BrpSim::FromJson("[1]").has_value());
  EXPECT_FALSE(BrpSim::FromJson(R"([{"naam":{}}])").has_value());
  EXPECT_FALSE(BrpSim::FromJson(R"([{"burgerservicenummer":"12345"}])").has_value());
  EXPECT_FALSE(BrpSim::FromJson(
                   R"([{"burgerservicenummer":"999900006"},{"burgerservicenummer":"999900006"}])")
                   .has_value());
  EXPECT_EQ(BrpSim::FromFile("/nonexistent/persons.json").error().code, ErrorCode::kNotFound);
  auto ok = BrpSim::FromFile(VOLMACHT_BRP_FIXTURE);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->size(), 17u);
}

TEST(BrpSim, ParseFailMode) {
  EXPECT_EQ(ParseFailMode("none").value(), FailMode::kNone);
  EXPECT_EQ(ParseFailMode("down").value(), FailMode::kDown);
  EXPECT_EQ(ParseFailMode("garbage").value(), FailMode::kGarbage);
  EXPECT_FALSE(ParseFailMode("slow").has_value());
}

}  // namespace
}  // namespace volmacht::brpsim
