#include "api/requests.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/clock.h"

namespace volmacht::api {
namespace {

using Json = nlohmann::json;

// Collects every field error of one body, so the caller can fix them all in one go.
class Errors {
 public:
  void Add(std::string name, std::string code, std::string reason) {
    params_.push_back({std::move(name), std::move(code), std::move(reason)});
  }
  // Keeps code and reason of an identifier's own error, renamed to the field it came from.
  void AddFrom(const Error& e, const std::string& name) {
    if (e.params.empty()) {
      Add(name, "waarde.ongeldig", e.message);
      return;
    }
    for (const InvalidParam& p : e.params) Add(name, p.code, p.reason);
  }
  bool empty() const { return params_.empty(); }
  Error ToError() && {
    return Error::Invalid("De invoer is ongeldig; zie invalidParams", std::move(params_));
  }

 private:
  std::vector<InvalidParam> params_;
};

std::string Join(std::string_view path, std::string_view key) {
  std::string out;
  out.reserve(path.size() + key.size() + 1);
  out.append(path);
  if (!path.empty() && !key.empty()) out.push_back('.');
  out.append(key);
  return out;
}

// A field's JSON path, put together only when an error needs it (the verification body is
// parsed on the hot path: no strings for fields that are fine).
struct Name {
  std::string_view path;
  std::string_view key;
  std::string str() const { return Join(path, key); }
};

// An unknown key is echoed back only when it looks like a field name: a key that is, say, a
// BSN must not travel on in an error (which may be logged).
std::string SafeKey(const std::string& key) {
  bool name_like = !key.empty() && key.size() <= kMaxStringBytes &&
                   std::isalpha(static_cast<unsigned char>(key[0])) &&
                   std::all_of(key.begin(), key.end(), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                   });
  return name_like ? key : std::string("(veld)");
}

// Parses the body into a DOM while refusing what nlohmann would silently accept: duplicate
// keys (nlohmann keeps the last, we reject) and nesting deeper than kMaxDepth. A duplicate is
// found without copying keys: an object that saw more key events than it ended up with
// members had a key twice. Only one object per depth is open at a time, so one counter per
// depth suffices.
Result<Json> ParseDocument(std::string_view body) {
  if (body.size() > kMaxBodyBytes) {
    return Fail(Error::TooLarge("De invoer is groter dan 64 KiB"));
  }
  bool too_deep = false;
  bool duplicate = false;
  size_t keys_seen[kMaxDepth + 1] = {};
  auto cb = [&](int depth, Json::parse_event_t ev, Json& parsed) {
    switch (ev) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxDepth) too_deep = true;
        if (ev == Json::parse_event_t::object_start && depth <= kMaxDepth) keys_seen[depth] = 0;
        break;
      case Json::parse_event_t::key:  // depth of the key = depth of its object + 1
        if (depth >= 1 && depth - 1 <= kMaxDepth) ++keys_seen[depth - 1];
        break;
      case Json::parse_event_t::object_end:
        if (depth >= 0 && depth <= kMaxDepth && keys_seen[depth] != parsed.size()) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json doc = Json::parse(body.begin(), body.end(), cb, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Fail(Error::Invalid("De invoer is geen geldige JSON",
                               {{"body", "json.syntax", "De invoer is geen geldige JSON"}}));
  }
  if (too_deep) {
    return Fail(Error::Invalid("De invoer is te diep genest",
                               {{"body", "json.diepte", "De invoer is te diep genest"}}));
  }
  if (duplicate) {
    return Fail(Error::Invalid("Een veld komt dubbel voor",
                               {{"body", "json.dubbel.veld", "Een veld komt dubbel voor"}}));
  }
  if (!doc.is_object()) {
    return Fail(Error::Invalid("De invoer moet een JSON-object zijn",
                               {{"body", "veld.type", "De invoer moet een JSON-object zijn"}}));
  }
  return doc;
}

// A view of one JSON object that remembers which fields were read, so that Finish() can
// reject the rest as unknown. `obj` may be null (the parent field was wrong or absent): then
// every read yields nothing and adds no further errors. Not copyable: path_ may view owned_.
class Obj {
 public:
  Obj(const Json* obj, Name where, Errors& errs) : obj_(obj), errs_(errs) {
    if (where.path.empty()) {
      path_ = where.key;  // a literal: no copy
    } else {
      owned_ = where.str();
      path_ = owned_;
    }
    if (obj_ != nullptr) read_.reserve(obj_->size());
  }
  Obj(const Obj&) = delete;
  Obj& operator=(const Obj&) = delete;

  Name At(std::string_view key) const { return {path_, key}; }

  // The field's value, or nullptr when absent (an error when required).
  const Json* Field(std::string_view key, bool required) {
    if (obj_ == nullptr) return nullptr;
    read_.push_back(key);
    auto it = obj_->find(key);
    if (it == obj_->end()) {
      if (required) errs_.Add(Join(path_, key), "veld.verplicht", "Dit veld is verplicht");
      return nullptr;
    }
    return &*it;
  }

  void Finish() {
    if (obj_ == nullptr) return;
    for (auto it = obj_->begin(); it != obj_->end(); ++it) {
      if (std::find(read_.begin(), read_.end(), it.key()) == read_.end()) {
        errs_.Add(Join(path_, SafeKey(it.key())), "veld.onbekend", "Dit veld is onbekend");
      }
    }
  }

 private:
  const Json* obj_;
  Errors& errs_;
  std::string owned_;
  std::string_view path_;
  std::vector<std::string_view> read_;  // keys are literals of this file
};

const std::string* AsString(const Json* v, const Name& name, Errors& errs) {
  if (v == nullptr) return nullptr;
  if (!v->is_string()) {
    errs.Add(name.str(), "veld.type", "Dit veld moet een tekst zijn");
    return nullptr;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() > kMaxStringBytes) {
    errs.Add(name.str(), "veld.te.lang", "Deze tekst is te lang");
    return nullptr;
  }
  return &s;
}

// A nested object field: nullptr (and an error) when present but not an object.
const Json* AsObject(const Json* v, const Name& name, Errors& errs) {
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    errs.Add(name.str(), "veld.type", "Dit veld moet een object zijn");
    return nullptr;
  }
  return v;
}

std::optional<uint64_t> AsUnsigned(const Json* v, const Name& name, Errors& errs) {
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_unsigned()) {
    // Negative numbers, fractions and numbers beyond 2^64 all land here.
    errs.Add(name.str(), "veld.type", "Dit veld moet een geheel getal van 0 of meer zijn");
    return std::nullopt;
  }
  return v->get<uint64_t>();
}

std::optional<Bsn> ReadBsn(Obj& o, std::string_view key, bool required, Errors& errs) {
  const std::string* s = AsString(o.Field(key, required), o.At(key), errs);
  if (s == nullptr) return std::nullopt;
  auto b = Bsn::Parse(*s);
  if (!b) {
    errs.AddFrom(b.error(), o.At(key).str());
    return std::nullopt;
  }
  return *b;
}

std::optional<Uuid> ReadUuidValue(const Json* v, const Name& name, Errors& errs) {
  const std::string* s = AsString(v, name, errs);
  if (s == nullptr) return std::nullopt;
  auto u = Uuid::Parse(*s);
  if (!u) {
    errs.Add(name.str(), "uuid.formaat", "Dit veld moet een UUID zijn (8-4-4-4-12 hexadecimaal)");
    return std::nullopt;
  }
  return *u;
}

std::optional<Uuid> ReadUuid(Obj& o, std::string_view key, bool required, Errors& errs) {
  return ReadUuidValue(o.Field(key, required), o.At(key), errs);
}

std::optional<Date> ReadDate(Obj& o, std::string_view key, bool required, Errors& errs) {
  const std::string* s = AsString(o.Field(key, required), o.At(key), errs);
  if (s == nullptr) return std::nullopt;
  Date d{};
  if (!ParseIsoDate(*s, &d)) {
    errs.Add(o.At(key).str(), "datum.formaat",
             "Dit veld moet een bestaande datum zijn als JJJJ-MM-DD");
    return std::nullopt;
  }
  return d;
}

std::optional<Loa> ReadLoa(Obj& o, std::string_view key, Errors& errs) {
  auto n = AsUnsigned(o.Field(key, true), o.At(key), errs);
  if (!n) return std::nullopt;
  auto l = *n <= 100 ? ParseLoa(static_cast<int>(*n)) : ParseLoa(-1);
  if (!l) {
    errs.Add(o.At(key).str(), "betrouwbaarheidsniveau.onbekend",
             "Het betrouwbaarheidsniveau moet 10, 20, 25 of 30 zijn");
    return std::nullopt;
  }
  return *l;
}

// A list of service UUIDs: 1..kMaxServices entries, no duplicates. `required` false means the
// list may be absent (then it is empty); present and empty is always an error.
std::vector<Uuid> ReadServices(Obj& o, std::string_view key, bool required, Errors& errs) {
  std::vector<Uuid> out;
  const Json* v = o.Field(key, required);
  if (v == nullptr) return out;
  std::string name = o.At(key).str();
  if (!v->is_array()) {
    errs.Add(name, "veld.type", "Dit veld moet een lijst zijn");
    return out;
  }
  if (v->empty()) {
    errs.Add(name, "diensten.leeg", "Kies ten minste één dienst");
    return out;
  }
  if (v->size() > kMaxServices) {
    errs.Add(name, "diensten.teveel", "Te veel diensten in één verzoek");
    return out;
  }
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    std::string item = name + "[" + std::to_string(i) + "]";
    auto u = ReadUuidValue(&(*v)[i], Name{item, ""}, errs);
    if (!u) continue;
    if (std::find(out.begin(), out.end(), *u) != out.end()) {
      errs.Add(item, "diensten.dubbel", "Deze dienst staat al in de lijst");
      continue;
    }
    out.push_back(std::move(*u));
  }
  return out;
}

// {"bsn": "..."}: a person named only by BSN (the citizen, or a principal).
std::optional<Bsn> ReadPerson(Obj& top, std::string_view key, bool required, Errors& errs) {
  const Json* v = AsObject(top.Field(key, required), top.At(key), errs);
  if (v == nullptr) return std::nullopt;
  Obj o(v, top.At(key), errs);
  auto b = ReadBsn(o, "bsn", true, errs);
  o.Finish();
  return b;
}

// The citizen logged in at the provider.
std::optional<Bsn> ReadCitizen(Obj& top, bool required, Errors& errs) {
  return ReadPerson(top, "burger", required, errs);
}

// An agent: exactly one of {"bsn"}, {"kvk"}, {"rsin"}. With allow_birth, a person may carry
// "geboortedatum" (flow A: the principal names the agent).
struct AgentField {
  std::optional<Party> party;
  std::optional<Date> birth;
};

AgentField ReadAgent(Obj& top, std::string_view key, bool required, bool allow_birth,
                     Errors& errs) {
  AgentField out;
  const Json* v = AsObject(top.Field(key, required), top.At(key), errs);
  if (v == nullptr) return out;
  Obj o(v, top.At(key), errs);
  int present = static_cast<int>(v->contains("bsn")) + static_cast<int>(v->contains("kvk")) +
                static_cast<int>(v->contains("rsin"));
  if (present != 1) {
    errs.Add(top.At(key).str(), present == 0 ? "gemachtigde.ontbreekt" : "gemachtigde.meerdere",
             "Geef precies één van bsn, kvk of rsin");
  }
  if (auto b = ReadBsn(o, "bsn", false, errs)) out.party = Party::Person(*b);
  if (const std::string* s = AsString(o.Field("kvk", false), o.At("kvk"), errs)) {
    if (auto k = Kvk::Parse(*s)) {
      out.party = Party::Organisation(*k);
    } else {
      errs.AddFrom(k.error(), o.At("kvk").str());
    }
  }
  if (const std::string* s = AsString(o.Field("rsin", false), o.At("rsin"), errs)) {
    if (auto r = Rsin::Parse(*s)) {
      out.party = Party::Organisation(*r);
    } else {
      errs.AddFrom(r.error(), o.At("rsin").str());
    }
  }
  if (allow_birth) {
    out.birth = ReadDate(o, "geboortedatum", false, errs);
    if (out.birth && !v->contains("bsn")) {
      errs.Add(o.At("geboortedatum").str(), "geboortedatum.alleen.persoon",
               "Een geboortedatum hoort alleen bij een gemachtigde met BSN");
    }
  }
  o.Finish();
  if (present != 1) out.party.reset();
  return out;
}

// Finishes a top-level parse that lacks a value: unknown fields join the errors. A missing
// value always comes with an error already; the fallback only guards that invariant.
template <typename T>
Result<T> Incomplete(Obj& top, Errors& errs) {
  top.Finish();
  if (errs.empty()) errs.Add("body", "invoer.onvolledig", "De invoer is onvolledig");
  return Fail(std::move(errs).ToError());
}

// Finishes a top-level parse: unknown fields, then all errors or the value.
template <typename T>
Result<T> Done(Obj& top, Errors& errs, T value) {
  top.Finish();
  if (!errs.empty()) return Fail(std::move(errs).ToError());
  return value;
}

}  // namespace

Result<VerifyBody> ParseVerifyBody(std::string_view body) {
  if (auto v = ScanVerifyBody(body)) return std::move(*v);
  return ParseVerifyBodyGeneral(body);
}

Result<VerifyBody> ParseVerifyBodyGeneral(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  AgentField agent = ReadAgent(top, "gemachtigde", true, false, errs);
  auto principal = ReadPerson(top, "vertegenwoordigde", true, errs);
  auto service = ReadUuid(top, "dienst", true, errs);
  auto loa = ReadLoa(top, "betrouwbaarheidsniveau", errs);
  auto min_seq =
      AsUnsigned(top.Field("minimaleVolgnummer", false), top.At("minimaleVolgnummer"), errs);
  if (!errs.empty() || !agent.party || !principal || !service || !loa) {
    return Incomplete<VerifyBody>(top, errs);
  }
  return Done(top, errs,
              VerifyBody{std::move(*agent.party), std::move(*principal), std::move(*service), *loa,
                         min_seq.value_or(0)});
}

Result<ForWhomBody> ParseForWhomBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  AgentField agent = ReadAgent(top, "gemachtigde", true, false, errs);
  auto service = ReadUuid(top, "dienst", true, errs);
  auto loa = ReadLoa(top, "betrouwbaarheidsniveau", errs);
  if (!errs.empty() || !agent.party || !service || !loa) return Incomplete<ForWhomBody>(top, errs);
  return Done(top, errs, ForWhomBody{std::move(*agent.party), std::move(*service), *loa});
}

Result<CitizenBody> ParseCitizenBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  auto citizen = ReadCitizen(top, true, errs);
  if (!citizen) return Incomplete<CitizenBody>(top, errs);
  return Done(top, errs, CitizenBody{std::move(*citizen)});
}

Result<RevokeBody> ParseRevokeBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  auto citizen = ReadCitizen(top, false, errs);
  return Done(top, errs, RevokeBody{std::move(citizen)});
}

Result<GrantBody> ParseGrantBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  GrantBody out;
  auto citizen = ReadCitizen(top, true, errs);
  bool has_set = doc->contains("dienstenset");
  out.request.services = ReadServices(top, "diensten", !has_set, errs);
  out.request.service_set = ReadUuid(top, "dienstenset", false, errs);
  out.request.start = ReadDate(top, "ingangsdatum", false, errs);
  auto end = ReadDate(top, "einddatum", true, errs);
  AgentField agent = ReadAgent(top, "gemachtigde", false, true, errs);
  out.request.agent = std::move(agent.party);
  out.request.agent_birth = agent.birth;
  if (!errs.empty() || !citizen || !end) return Incomplete<GrantBody>(top, errs);
  out.citizen = std::move(*citizen);
  out.request.end = *end;
  return Done(top, errs, std::move(out));
}

Result<AskBody> ParseAskBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  AskBody out;
  auto citizen = ReadCitizen(top, true, errs);
  std::optional<Bsn> principal;
  std::optional<Date> birth;
  {
    Name name = top.At("vertegenwoordigde");
    if (const Json* v = AsObject(top.Field("vertegenwoordigde", true), name, errs)) {
      Obj o(v, name, errs);
      principal = ReadBsn(o, "bsn", true, errs);
      birth = ReadDate(o, "geboortedatum", true, errs);
      o.Finish();
    }
  }
  bool has_set = doc->contains("dienstenset");
  out.request.services = ReadServices(top, "diensten", !has_set, errs);
  out.request.service_set = ReadUuid(top, "dienstenset", false, errs);
  out.request.start = ReadDate(top, "ingangsdatum", false, errs);
  auto end = ReadDate(top, "einddatum", true, errs);
  if (!errs.empty() || !citizen || !principal || !birth || !end) {
    return Incomplete<AskBody>(top, errs);
  }
  out.citizen = std::move(*citizen);
  out.request.principal = std::move(*principal);
  out.request.principal_birth = *birth;
  out.request.end = *end;
  return Done(top, errs, std::move(out));
}

Result<DirectBody> ParseDirectBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  DirectBody out;
  auto citizen = ReadCitizen(top, true, errs);
  out.request.services = ReadServices(top, "diensten", true, errs);
  out.request.start = ReadDate(top, "ingangsdatum", false, errs);
  auto end = ReadDate(top, "einddatum", true, errs);
  if (!errs.empty() || !citizen || !end) return Incomplete<DirectBody>(top, errs);
  out.citizen = *citizen;
  out.request.principal = std::move(*citizen);  // IF-SI-10: the citizen mandates the provider
  out.request.end = *end;
  return Done(top, errs, std::move(out));
}

Result<ActivationBody> ParseActivationBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  auto citizen = ReadCitizen(top, true, errs);
  auto principal = ReadPerson(top, "vertegenwoordigde", true, errs);
  const std::string* code =
      AsString(top.Field("activeringscode", true), top.At("activeringscode"), errs);
  if (code != nullptr) {
    if (auto n = NormalizeActivationCode(*code); !n) {
      errs.Add("activeringscode", "activeringscode.formaat",
               "Een activeringscode bestaat uit 12 tekens, zoals XXXX-XXXX-XXXX");
    }
  }
  if (!errs.empty() || !citizen || !principal || code == nullptr) {
    return Incomplete<ActivationBody>(top, errs);
  }
  return Done(top, errs, ActivationBody{std::move(*citizen), std::move(*principal), *code});
}

Result<RestrictBody> ParseRestrictBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  RestrictBody out;
  auto citizen = ReadCitizen(top, true, errs);
  out.request.services = ReadServices(top, "diensten", true, errs);
  auto end = ReadDate(top, "einddatum", true, errs);
  if (!errs.empty() || !citizen || !end) return Incomplete<RestrictBody>(top, errs);
  out.citizen = std::move(*citizen);
  out.request.end = *end;
  return Done(top, errs, std::move(out));
}

Result<ListBody> ParseListBody(std::string_view body) {
  auto doc = ParseDocument(body);
  if (!doc) return Fail(doc.error());
  Errors errs;
  Obj top(&*doc, Name{}, errs);
  auto citizen = ReadCitizen(top, true, errs);
  std::optional<ListRole> role;
  if (const std::string* s = AsString(top.Field("rol", true), top.At("rol"), errs)) {
    if (*s == "VERTEGENWOORDIGDE") {
      role = ListRole::kGiven;
    } else if (*s == "GEMACHTIGDE") {
      role = ListRole::kReceived;
    } else {
      errs.Add("rol", "rol.onbekend", "De rol moet VERTEGENWOORDIGDE of GEMACHTIGDE zijn");
    }
  }
  if (!errs.empty() || !citizen || !role) return Incomplete<ListBody>(top, errs);
  return Done(top, errs, ListBody{std::move(*citizen), *role});
}

}  // namespace volmacht::api
