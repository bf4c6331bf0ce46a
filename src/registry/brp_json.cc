#include "registry/brp_json.h"

#include <cstdint>
#include <exception>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace volmacht::brp {
namespace {

using Json = nlohmann::json;

std::unexpected<Error> Bad(std::string_view what) {
  return Fail(Error::BadGateway("ongeldig antwoord van de BRP: " + std::string(what)));
}

// Control characters would end up on envelopes and web pages; the register never sends them.
bool HasControlChar(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Optional string member: absent -> nullopt; present -> must be a string of 1..max_len bytes
// without control characters.
Result<std::optional<std::string>> OptString(const Json& obj, const char* key,
                                             std::string_view path, std::size_t max_len) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::optional<std::string>();
  if (!it->is_string()) return Bad(std::string(path) + " is geen tekst");
  const std::string& s = it->get_ref<const std::string&>();
  if (s.empty() || s.size() > max_len || HasControlChar(s)) {
    return Bad(std::string(path) + " heeft een ongeldige lengte of tekens");
  }
  return std::optional<std::string>(s);
}

Result<bool> OptBool(const Json& obj, const char* key, std::string_view path) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_boolean()) return Bad(std::string(path) + " is geen boolean");
  return it->get<bool>();
}

// Optional object member: absent -> nullptr.
Result<const Json*> OptObject(const Json& obj, const char* key, std::string_view path) {
  auto it = obj.find(key);
  if (it == obj.end()) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) return Bad(std::string(path) + " is geen object");
  return &*it;
}

Result<int64_t> IntIn(const Json& j, std::string_view path, int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Bad(std::string(path) + " buiten bereik");
    }
    v = static_cast<int64_t>(u);
  } else if (j.is_number_integer()) {
    v = j.get<int64_t>();
  } else {
    return Bad(std::string(path) + " is geen geheel getal");
  }
  if (v < lo || v > hi) return Bad(std::string(path) + " buiten bereik");
  return v;
}

// A Waardetabel {code, omschrijving}.
struct TableValue {
  std::string code;
  std::string description;
};

Result<std::optional<TableValue>> OptTableValue(const Json& obj, const char* key,
                                                const std::string& path) {
  auto o = OptObject(obj, key, path);
  if (!o) return std::unexpected(o.error());
  if (*o == nullptr) return std::optional<TableValue>();
  auto code = OptString(**o, "code", path + ".code", 40);
  if (!code) return std::unexpected(code.error());
  auto desc = OptString(**o, "omschrijving", path + ".omschrijving", 200);
  if (!desc) return std::unexpected(desc.error());
  if (!*code) return Bad(path + ".code ontbreekt");
  return std::optional<TableValue>(TableValue{**code, desc->value_or("")});
}

// AbstractDatum: {"type": "Datum"|"JaarMaandDatum"|"JaarDatum"|"DatumOnbekend", ...}.
Result<PartialDate> ParseDate(const Json& d, const std::string& path) {
  if (!d.is_object()) return Bad(path + " is geen object");
  auto type_it = d.find("type");
  if (type_it == d.end() || !type_it->is_string()) return Bad(path + ".type ontbreekt");
  const std::string& type = type_it->get_ref<const std::string&>();
  PartialDate out;
  if (type == "Datum") {
    auto it = d.find("datum");
    if (it == d.end() || !it->is_string()) return Bad(path + ".datum ontbreekt");
    Date date;
    if (!ParseIsoDate(it->get_ref<const std::string&>(), &date)) {
      return Bad(path + ".datum is geen geldige datum");
    }
    out.year = static_cast<int>(date.year());
    out.month = static_cast<int>(static_cast<unsigned>(date.month()));
    out.day = static_cast<int>(static_cast<unsigned>(date.day()));
    return out;
  }
  if (type == "JaarMaandDatum" || type == "JaarDatum") {
    auto jaar = d.find("jaar");
    if (jaar == d.end()) return Bad(path + ".jaar ontbreekt");
    auto y = IntIn(*jaar, path + ".jaar", 1, 9999);
    if (!y) return std::unexpected(y.error());
    out.year = static_cast<int>(*y);
    if (type == "JaarMaandDatum") {
      auto maand = d.find("maand");
      if (maand == d.end()) return Bad(path + ".maand ontbreekt");
      auto m = IntIn(*maand, path + ".maand", 1, 12);
      if (!m) return std::unexpected(m.error());
      out.month = static_cast<int>(*m);
    }
    return out;
  }
  if (type == "DatumOnbekend") {
    auto it = d.find("onbekend");
    if (it != d.end() && !(it->is_boolean() && it->get<bool>())) {
      return Bad(path + ".onbekend is niet true");
    }
    return out;  // all parts unknown
  }
  return Bad(path + ".type is onbekend");
}

std::string AsciiUpper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Postcode ^[1-9][0-9]{3} ?[A-Za-z]{2}$, written on an envelope as "1234 AB".
std::optional<std::string> FormatPostcode(std::string_view p) {
  std::string digits, letters;
  if (p.size() == 7 && p[4] == ' ') {
    digits = std::string(p.substr(0, 4));
    letters = std::string(p.substr(5, 2));
  } else if (p.size() == 6) {
    digits = std::string(p.substr(0, 4));
    letters = std::string(p.substr(4, 2));
  } else {
    return std::nullopt;
  }
  if (digits[0] == '0') return std::nullopt;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
  }
  for (char c : letters) {
    if (!IsAsciiLetter(c)) return std::nullopt;
  }
  return digits + " " + AsciiUpper(letters);
}

// Lines of an `adressering` object; nullopt when it carries no first line.
Result<std::optional<Address>> FromAdressering(const Json& a) {
  auto r1 = OptString(a, "adresregel1", "adressering.adresregel1", 40);
  if (!r1) return std::unexpected(r1.error());
  auto r2 = OptString(a, "adresregel2", "adressering.adresregel2", 50);
  if (!r2) return std::unexpected(r2.error());
  auto r3 = OptString(a, "adresregel3", "adressering.adresregel3", 35);
  if (!r3) return std::unexpected(r3.error());
  auto land = OptTableValue(a, "land", "adressering.land");
  if (!land) return std::unexpected(land.error());
  if (!*r1) return std::optional<Address>();
  Address addr;
  addr.lines.push_back(**r1);
  if (*r2) addr.lines.push_back(**r2);
  if (*r3) addr.lines.push_back(**r3);
  if (*land && (*land)->code != kNetherlandsCountryCode) {
    if ((*land)->code == kUnknownCountryCode) return std::optional<Address>();
    if ((*land)->description.empty()) return Bad("adressering.land.omschrijving ontbreekt");
    addr.lines.push_back((*land)->description);
    addr.abroad = true;
  }
  return std::optional<Address>(std::move(addr));
}

Result<std::optional<Address>> FromDutchAddress(const Json& v) {
  auto va = OptObject(v, "verblijfadres", "verblijfplaats.verblijfadres");
  if (!va) return std::unexpected(va.error());
  if (*va == nullptr) return Bad("verblijfplaats.verblijfadres ontbreekt");
  const Json& a = **va;
  auto kort = OptString(a, "korteStraatnaam", "verblijfadres.korteStraatnaam", 24);
  if (!kort) return std::unexpected(kort.error());
  auto officieel = OptString(a, "officieleStraatnaam", "verblijfadres.officieleStraatnaam", 80);
  if (!officieel) return std::unexpected(officieel.error());
  auto letter = OptString(a, "huisletter", "verblijfadres.huisletter", 1);
  if (!letter) return std::unexpected(letter.error());
  auto toevoeging = OptString(a, "huisnummertoevoeging", "verblijfadres.huisnummertoevoeging", 4);
  if (!toevoeging) return std::unexpected(toevoeging.error());
  auto postcode = OptString(a, "postcode", "verblijfadres.postcode", 7);
  if (!postcode) return std::unexpected(postcode.error());
  auto woonplaats = OptString(a, "woonplaats", "verblijfadres.woonplaats", 80);
  if (!woonplaats) return std::unexpected(woonplaats.error());
  auto nr_it = a.find("huisnummer");
  if (nr_it == a.end()) return Bad("verblijfadres.huisnummer ontbreekt");
  auto nr = IntIn(*nr_it, "verblijfadres.huisnummer", 1, 99999);
  if (!nr) return std::unexpected(nr.error());
  if (*letter && !IsAsciiLetter((**letter)[0])) return Bad("verblijfadres.huisletter ongeldig");

  // The short street name is the one meant for envelopes (at most 24 characters).
  const std::optional<std::string>& street = *kort ? *kort : *officieel;
  if (!street) return Bad("verblijfadres.korteStraatnaam ontbreekt");
  std::string line1 = *street + " " + std::to_string(*nr);
  if (*letter) line1 += **letter;
  if (*toevoeging) line1 += "-" + **toevoeging;

  std::string line2;
  if (*postcode) {
    auto pc = FormatPostcode(**postcode);
    if (!pc) return Bad("verblijfadres.postcode ongeldig");
    line2 = *pc;
  }
  if (*woonplaats) {
    // PostNL: two spaces between postcode and place, place in capitals.
    if (!line2.empty()) line2 += "  ";
    line2 += AsciiUpper(**woonplaats);
  }
  Address addr;
  addr.lines.push_back(std::move(line1));
  if (!line2.empty()) addr.lines.push_back(std::move(line2));
  return std::optional<Address>(std::move(addr));
}

Result<std::optional<Address>> FromForeignAddress(const Json& v) {
  auto va = OptObject(v, "verblijfadres", "verblijfplaats.verblijfadres");
  if (!va) return std::unexpected(va.error());
  if (*va == nullptr) return std::optional<Address>();
  const Json& a = **va;
  auto r1 = OptString(a, "regel1", "verblijfadres.regel1", 40);
  if (!r1) return std::unexpected(r1.error());
  auto r2 = OptString(a, "regel2", "verblijfadres.regel2", 50);
  if (!r2) return std::unexpected(r2.error());
  auto r3 = OptString(a, "regel3", "verblijfadres.regel3", 35);
  if (!r3) return std::unexpected(r3.error());
  auto land = OptTableValue(a, "land", "verblijfadres.land");
  if (!land) return std::unexpected(land.error());
  // Without a first line or a known country the letter cannot be delivered ("vertrokken
  // onbekend waarheen" is country 0000).
  if (!*r1 || !*land || (*land)->code == kUnknownCountryCode) return std::optional<Address>();
  if ((*land)->description.empty()) return Bad("verblijfadres.land.omschrijving ontbreekt");
  Address addr;
  addr.abroad = true;
  addr.lines.push_back(**r1);
  if (*r2) addr.lines.push_back(**r2);
  if (*r3) addr.lines.push_back(**r3);
  addr.lines.push_back((*land)->description);
  return std::optional<Address>(std::move(addr));
}

Result<std::optional<Address>> FromVerblijfplaats(const Json& v) {
  auto type_it = v.find("type");
  if (type_it == v.end() || !type_it->is_string()) return Bad("verblijfplaats.type ontbreekt");
  const std::string& type = type_it->get_ref<const std::string&>();
  if (type == "Adres") return FromDutchAddress(v);
  if (type == "VerblijfplaatsBuitenland") return FromForeignAddress(v);
  // No postal address: unknown residence, or a location description such as a houseboat.
  if (type == "VerblijfplaatsOnbekend" || type == "Locatie") return std::optional<Address>();
  return Bad("verblijfplaats.type is onbekend");
}

Result<Person> ParsePerson(const Json& p, const Bsn& asked) {
  if (!p.is_object()) return Bad("persoon is geen object");
  Person out;

  auto bsn_it = p.find("burgerservicenummer");
  if (bsn_it == p.end() || !bsn_it->is_string()) return Bad("burgerservicenummer ontbreekt");
  auto bsn = Bsn::Parse(bsn_it->get_ref<const std::string&>());
  if (!bsn) return Bad("burgerservicenummer ongeldig");
  if (*bsn != asked) return Bad("persoon is niet de gevraagde persoon");
  out.bsn = *bsn;

  auto naam = OptObject(p, "naam", "naam");
  if (!naam) return std::unexpected(naam.error());
  if (*naam == nullptr) return Bad("naam ontbreekt");
  auto voornamen = OptString(**naam, "voornamen", "naam.voornamen", 200);
  if (!voornamen) return std::unexpected(voornamen.error());
  auto voorvoegsel = OptString(**naam, "voorvoegsel", "naam.voorvoegsel", 10);
  if (!voorvoegsel) return std::unexpected(voorvoegsel.error());
  auto geslachtsnaam = OptString(**naam, "geslachtsnaam", "naam.geslachtsnaam", 200);
  if (!geslachtsnaam) return std::unexpected(geslachtsnaam.error());
  auto volledig = OptString(**naam, "volledigeNaam", "naam.volledigeNaam", 450);
  if (!volledig) return std::unexpected(volledig.error());
  if (!*geslachtsnaam) return Bad("naam.geslachtsnaam ontbreekt");
  out.given_names = voornamen->value_or("");
  out.prefix = voorvoegsel->value_or("");
  out.surname = **geslachtsnaam;
  if (*volledig) {
    out.full_name = **volledig;
  } else {
    for (const std::string* part : {&out.given_names, &out.prefix, &out.surname}) {
      if (part->empty()) continue;
      if (!out.full_name.empty()) out.full_name += ' ';
      out.full_name += *part;
    }
  }

  auto geboorte = OptObject(p, "geboorte", "geboorte");
  if (!geboorte) return std::unexpected(geboorte.error());
  if (*geboorte != nullptr) {
    auto it = (*geboorte)->find("datum");
    if (it != (*geboorte)->end()) {
      auto d = ParseDate(*it, "geboorte.datum");
      if (!d) return std::unexpected(d.error());
      out.birth = *d;
    }
  }

  auto overlijden = OptObject(p, "overlijden", "overlijden");
  if (!overlijden) return std::unexpected(overlijden.error());
  if (*overlijden != nullptr) {
    // The register only sends `overlijden` for the dead, and always with a (possibly
    // unknown) date; an empty one is not something we guess about.
    auto it = (*overlijden)->find("datum");
    if (it == (*overlijden)->end()) return Bad("overlijden.datum ontbreekt");
    auto d = ParseDate(*it, "overlijden.datum");
    if (!d) return std::unexpected(d.error());
    out.deceased = true;
    if (d->year != 0 && d->month != 0 && d->day != 0) {
      out.death = Date{std::chrono::year(d->year), std::chrono::month(d->month),
                       std::chrono::day(d->day)};
    }
  }

  auto opschorting = OptObject(p, "opschortingBijhouding", "opschortingBijhouding");
  if (!opschorting) return std::unexpected(opschorting.error());
  if (*opschorting != nullptr) {
    auto reden = OptTableValue(**opschorting, "reden", "opschortingBijhouding.reden");
    if (!reden) return std::unexpected(reden.error());
    if (*reden && (*reden)->code == "O") out.deceased = true;
  }

  auto geheim = OptBool(p, "geheimhoudingPersoonsgegevens", "geheimhoudingPersoonsgegevens");
  if (!geheim) return std::unexpected(geheim.error());
  out.secret_address = *geheim;
  auto curatele = OptBool(p, "indicatieCurateleRegister", "indicatieCurateleRegister");
  if (!curatele) return std::unexpected(curatele.error());
  out.under_curatele = *curatele;

  // Both are validated even when only one is used: a malformed part is a malformed answer.
  std::optional<Address> from_adressering;
  auto adressering = OptObject(p, "adressering", "adressering");
  if (!adressering) return std::unexpected(adressering.error());
  if (*adressering != nullptr) {
    auto a = FromAdressering(**adressering);
    if (!a) return std::unexpected(a.error());
    from_adressering = std::move(*a);
  }
  std::optional<Address> from_verblijfplaats;
  bool foreign_residence = false;
  auto verblijfplaats = OptObject(p, "verblijfplaats", "verblijfplaats");
  if (!verblijfplaats) return std::unexpected(verblijfplaats.error());
  if (*verblijfplaats != nullptr) {
    auto a = FromVerblijfplaats(**verblijfplaats);
    if (!a) return std::unexpected(a.error());
    from_verblijfplaats = std::move(*a);
    auto t = (*verblijfplaats)->find("type");
    foreign_residence = *t == "VerblijfplaatsBuitenland";
  }
  if (from_adressering) {
    from_adressering->abroad = from_adressering->abroad || foreign_residence;
    out.address = std::move(from_adressering);
  } else {
    out.address = std::move(from_verblijfplaats);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& RequestedFields() {
  static const std::vector<std::string> kFields = {
      "burgerservicenummer",
      "naam.voornamen",
      "naam.voorvoegsel",
      "naam.geslachtsnaam",
      "naam.volledigeNaam",
      "geboorte.datum",
      "overlijden.datum",
      "indicatieCurateleRegister",
      "verblijfplaats.verblijfadres",
      "adressering.adresregel1",
      "adressering.adresregel2",
      "adressering.adresregel3",
      "adressering.land",
  };
  return kFields;
}

std::string BuildRequest(const Bsn& bsn) {
  Json body = {
      {"type", kQueryType},
      {"burgerservicenummer", Json::array({bsn.str()})},
      {"fields", RequestedFields()},
  };
  return body.dump();
}

Result<std::optional<Person>> ParseResponse(std::string_view body, const Bsn& asked) {
  if (body.size() > kMaxResponseBytes) return Bad("antwoord is te groot");
  try {
    // Values nested deeper than any BRP answer are discarded while parsing (never built), and
    // the answer is then refused, so hostile nesting cannot exhaust the stack.
    bool too_deep = false;
    Json root = Json::parse(
        body.begin(), body.end(),
        [&too_deep](int depth, Json::parse_event_t, Json&) {
          if (depth > kMaxDepth) {
            too_deep = true;
            return false;
          }
          return true;
        },
        /*allow_exceptions=*/false);
    if (too_deep) return Bad("antwoord is te diep genest");
    if (root.is_discarded()) return Bad("antwoord is geen JSON");
    if (!root.is_object()) return Bad("antwoord is geen object");
    auto type = root.find("type");
    if (type == root.end() || !type->is_string() || *type != kQueryType) {
      return Bad("type is niet " + std::string(kQueryType));
    }
    auto personen = root.find("personen");
    if (personen == root.end() || !personen->is_array()) return Bad("personen ontbreekt");
    if (personen->empty()) return std::optional<Person>();
    if (personen->size() > 1) return Bad("meer dan een persoon");
    auto person = ParsePerson((*personen)[0], asked);
    if (!person) return std::unexpected(person.error());
    return std::optional<Person>(std::move(*person));
  } catch (const std::exception&) {
    // Only reachable through a bug in the checks above; still an answer we cannot use.
    return Bad("antwoord kon niet worden gelezen");
  }
}

}  // namespace volmacht::brp
