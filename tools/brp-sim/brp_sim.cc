#include "brp_sim.h"
#include "http/syntax.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <utility>
#include <vector>

namespace volmacht::brpsim {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kRaadpleeg = "RaadpleegMetBurgerservicenummer";
constexpr std::string_view kJsonType = "application/json; charset=utf-8";
constexpr int kMaxQueryDepth = 8;

// Top-level Persoon properties a `fields` path may start with (spec: Persoon).
constexpr std::array<std::string_view, 23> kPersonFields = {
    "aNummer",        "burgerservicenummer",
    "datumEersteInschrijvingGBA", "geslacht",
    "uitsluitingKiesrecht", "europeesKiesrecht",
    "leeftijd",       "naam",
    "nationaliteiten", "geboorte",
    "overlijden",     "verblijfplaats",
    "immigratie",     "gemeenteVanInschrijving",
    "datumInschrijvingInGemeente", "adressering",
    "indicatieCurateleRegister", "indicatieGezagMinderjarige",
    "gezag",          "verblijfstitel",
    "kinderen",       "ouders",
    "partners",
};
// Delivered automatically; asking for them is a 400 (spec: PersonenQuery.fields).
constexpr std::array<std::string_view, 5> kAutomaticFields = {
    "inOnderzoek", "geheimhoudingPersoonsgegevens", "opschortingBijhouding", "rni",
    "verificatie"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& a, std::string_view s) {
  return std::find(a.begin(), a.end(), s) != a.end();
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsBsnFormat(std::string_view s) { return s.size() == 9 && AllDigits(s); }

// ^[a-zA-Z0-9\._]{1,200}$
bool IsFieldFormat(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_';
  });
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

http::Response ProblemJson(int status, std::string_view title, std::string_view code,
                           Json invalid_params = Json()) {
  Json body = {
      {"type", "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"},
      {"title", title},
      {"status", status},
      {"instance", "/personen"},
      {"code", code},
  };
  if (!invalid_params.is_null()) body["invalidParams"] = std::move(invalid_params);
  http::Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = body.dump();
  return r;
}

void AddInvalid(Json& params, std::string name, std::string_view code, std::string_view reason) {
  params.push_back({{"name", std::move(name)}, {"code", code}, {"reason", reason}});
}

// Copies the value at `segs[i..]` of `src` into `dst`, creating the objects on the way. The
// "type" discriminator of polymorphic objects (dates, verblijfplaats) travels along, as in the
// real API. Arrays apply the rest of the path to each element.
void CopyPath(const Json& src, Json& dst, const std::vector<std::string>& segs, size_t i) {
  auto it = src.find(segs[i]);
  if (it == src.end()) return;
  if (i + 1 == segs.size()) {
    dst[segs[i]] = *it;
    return;
  }
  if (it->is_object()) {
    Json& child = dst[segs[i]];
    if (!child.is_object()) child = Json::object();
    if (auto t = it->find("type"); t != it->end()) child["type"] = *t;
    CopyPath(*it, child, segs, i + 1);
    if (child.empty()) dst.erase(segs[i]);
  } else if (it->is_array()) {
    Json& child = dst[segs[i]];
    if (!child.is_array() || child.size() != it->size()) {
      child = Json::array();
      for (size_t k = 0; k < it->size(); ++k) child.push_back(Json::object());
    }
    for (size_t k = 0; k < it->size(); ++k) {
      const Json& elem = (*it)[k];
      if (!elem.is_object()) continue;
      if (auto t = elem.find("type"); t != elem.end()) child[k]["type"] = *t;
      CopyPath(elem, child[k], segs, i + 1);
    }
  }
}

}  // namespace

Result<FailMode> ParseFailMode(std::string_view s) {
  if (s == "none") return FailMode::kNone;
  if (s == "down") return FailMode::kDown;
  if (s == "garbage") return FailMode::kGarbage;
  return Fail(Error::Invalid("fail-mode must be none, down or garbage"));
}

Result<BrpSim> BrpSim::FromJson(std::string_view text) {
  if (text.size() > kMaxPersonsFileBytes) return Fail(Error::TooLarge("persons file too large"));
  Json root = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Fail(Error::Invalid("persons file is not JSON"));
  if (!root.is_array()) return Fail(Error::Invalid("persons file is not a JSON array"));
  BrpSim sim;
  for (size_t i = 0; i < root.size(); ++i) {
    Json& p = root[i];
    const std::string where = "person #" + std::to_string(i);
    if (!p.is_object()) return Fail(Error::Invalid(where + " is not an object"));
    auto bsn = p.find("burgerservicenummer");
    if (bsn == p.end() || !bsn->is_string() || !IsBsnFormat(bsn->get<std::string>())) {
      return Fail(Error::Invalid(where + " has no valid burgerservicenummer"));
    }
    std::string key = bsn->get<std::string>();
    if (!sim.persons_.emplace(std::move(key), std::move(p)).second) {
      return Fail(Error::Invalid(where + " repeats a burgerservicenummer"));
    }
  }
  return sim;
}

Result<BrpSim> BrpSim::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("cannot read persons file " + path));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxPersonsFileBytes) {
      return Fail(Error::TooLarge("persons file too large"));
    }
  }
  return FromJson(text);
}

http::Response BrpSim::Handle(const http::Request& req) const {
  if (!api_key_.empty() && req.Header("x-api-key") != api_key_) {
    return ProblemJson(401, "Niet correct geauthenticeerd.", "authentication");
  }
  if (fail_mode_ == FailMode::kDown) {
    return ProblemJson(503, "Bronservice BRP is tijdelijk niet beschikbaar.", "notAvailable");
  }
  if (fail_mode_ == FailMode::kGarbage) {
    http::Response r;
    r.content_type = std::string(kJsonType);
    r.body = "<html><body>Proxy error</body></html>";
    return r;
  }
  if (!http::IsJsonMediaType(req.Header("content-type"))) {
    return ProblemJson(415, "Unsupported Media Type", "unsupported");
  }
  // A query is three levels deep; deeper input is dropped while parsing, never built.
  bool too_deep = false;
  Json q = Json::parse(
      req.body,
      [&too_deep](int depth, Json::parse_event_t, Json&) {
        if (depth > kMaxQueryDepth) too_deep = true;
        return depth <= kMaxQueryDepth;
      },
      /*allow_exceptions=*/false);
  if (too_deep || q.is_discarded() || !q.is_object()) {
    return ProblemJson(400, "Het verzoek is geen geldig JSON object.", "paramsValidation");
  }

  Json invalid = Json::array();
  auto type = q.find("type");
  if (type == q.end()) {
    AddInvalid(invalid, "type", "required", "Parameter is verplicht.");
  } else if (!type->is_string() || *type != kRaadpleeg) {
    AddInvalid(invalid, "type", "value", "Waarde wordt niet ondersteund.");
  }
  for (auto it = q.begin(); it != q.end(); ++it) {
    const std::string& k = it.key();
    if (k != "type" && k != "fields" && k != "burgerservicenummer" &&
        k != "gemeenteVanInschrijving") {
      AddInvalid(invalid, k, "unknownParam", "Parameter is niet verwacht.");
    }
  }

  std::vector<std::string> bsns;
  auto bsn_it = q.find("burgerservicenummer");
  if (bsn_it == q.end()) {
    AddInvalid(invalid, "burgerservicenummer", "required", "Parameter is verplicht.");
  } else if (!bsn_it->is_array()) {
    AddInvalid(invalid, "burgerservicenummer", "array", "Parameter is geen array.");
  } else if (bsn_it->empty() || bsn_it->size() > 20) {
    AddInvalid(invalid, "burgerservicenummer", bsn_it->empty() ? "minItems" : "maxItems",
               "Array bevat 1 tot 20 items.");
  } else {
    for (size_t i = 0; i < bsn_it->size(); ++i) {
      const Json& b = (*bsn_it)[i];
      if (!b.is_string() || !IsBsnFormat(b.get<std::string>())) {
        AddInvalid(invalid, "burgerservicenummer[" + std::to_string(i) + "]", "pattern",
                   "Waarde voldoet niet aan patroon ^[0-9]{9}$.");
      } else if (std::find(bsns.begin(), bsns.end(), b.get<std::string>()) == bsns.end()) {
        bsns.push_back(b.get<std::string>());
      }
    }
  }

  std::vector<std::vector<std::string>> paths;
  auto fields = q.find("fields");
  if (fields == q.end()) {
    AddInvalid(invalid, "fields", "required", "Parameter is verplicht.");
  } else if (!fields->is_array()) {
    AddInvalid(invalid, "fields", "array", "Parameter is geen array.");
  } else if (fields->empty() || fields->size() > 130) {
    AddInvalid(invalid, "fields", fields->empty() ? "minItems" : "maxItems",
               "Array bevat 1 tot 130 items.");
  } else {
    for (size_t i = 0; i < fields->size(); ++i) {
      const Json& f = (*fields)[i];
      const std::string name = "fields[" + std::to_string(i) + "]";
      if (!f.is_string() || !IsFieldFormat(f.get<std::string>())) {
        AddInvalid(invalid, name, "pattern", "Waarde voldoet niet aan patroon.");
        continue;
      }
      std::vector<std::string> segs = Split(f.get<std::string>());
      bool empty_seg = std::any_of(segs.begin(), segs.end(),
                                   [](const std::string& s) { return s.empty(); });
      bool automatic = Contains(kAutomaticFields, segs[0]) ||
                       std::find(segs.begin(), segs.end(), "inOnderzoek") != segs.end();
      if (empty_seg || (!automatic && !Contains(kPersonFields, segs[0]))) {
        AddInvalid(invalid, name, "field", "Parameter bevat een niet bestaande veldnaam.");
      } else if (automatic) {
        AddInvalid(invalid, name, "field",
                   "Parameter bevat een automatisch geleverd veld.");
      } else {
        paths.push_back(std::move(segs));
      }
    }
  }

  std::string gemeente;
  auto gem = q.find("gemeenteVanInschrijving");
  if (gem != q.end()) {
    if (!gem->is_string() || gem->get<std::string>().size() != 4 ||
        !AllDigits(gem->get<std::string>())) {
      AddInvalid(invalid, "gemeenteVanInschrijving", "pattern",
                 "Waarde voldoet niet aan patroon ^[0-9]{4}$.");
    } else {
      gemeente = gem->get<std::string>();
    }
  }

  if (!invalid.empty()) {
    return ProblemJson(400, "Een of meerdere parameters zijn niet correct.", "paramsValidation",
                       std::move(invalid));
  }

  Json personen = Json::array();
  for (const std::string& bsn : bsns) {
    auto found = persons_.find(bsn);
    if (found == persons_.end()) continue;
    const Json& src = found->second;
    if (!gemeente.empty()) {
      auto g = src.find("gemeenteVanInschrijving");
      if (g == src.end() || !g->is_object() || g->value("code", "") != gemeente) continue;
    }
    Json out = Json::object();
    for (const auto& segs : paths) CopyPath(src, out, segs, 0);
    for (std::string_view auto_field : {"geheimhoudingPersoonsgegevens", "opschortingBijhouding",
                                        "rni", "verificatie"}) {
      auto it = src.find(auto_field);
      if (it != src.end()) out[std::string(auto_field)] = *it;
    }
    personen.push_back(std::move(out));
  }

  http::Response r;
  r.content_type = std::string(kJsonType);
  r.body = Json{{"type", kRaadpleeg}, {"personen", std::move(personen)}}.dump();
  return r;
}

void BrpSim::Mount(http::HttpServer& srv) const {
  srv.Route("POST", "/personen", http::Mode::kInline,
            [this](const http::Request& req) { return Handle(req); });
}

}  // namespace volmacht::brpsim
