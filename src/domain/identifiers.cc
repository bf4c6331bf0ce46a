#include "domain/identifiers.h"

#include <algorithm>

namespace volmacht {
namespace {

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool AllZeros(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// The 11-proef of BSN and RSIN: sum(d[i] * (9 - i), i = 0..7) - d[8] divisible by 11.
// Expects exactly 9 digits.
bool ElevenProof(std::string_view s) {
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) sum += (s[i] - '0') * static_cast<int>(9 - i);
  sum -= s[8] - '0';
  return sum % 11 == 0;
}

// One error with one parameter whose reason equals the message: the caller renames the
// parameter to the field it came from.
std::unexpected<Error> InvalidId(std::string_view name, std::string_view code,
                                 std::string_view reason) {
  return Fail(Error::Invalid(std::string(reason), {InvalidParam{std::string(name),
                                                                std::string(code),
                                                                std::string(reason)}}));
}

// Shared by BSN and RSIN: same shape, same check, different words. `name` is the parameter
// name and code prefix ("bsn", "rsin"), `label` the word in the message.
Result<std::string> ParseNineDigitElevenProof(std::string_view text, std::string_view name,
                                              std::string_view label) {
  const std::string n(name);
  const std::string l(label);
  if (text.size() != 9 || !AllDigits(text)) {
    return InvalidId(name, n + ".format", l + " moet uit precies 9 cijfers bestaan");
  }
  if (AllZeros(text)) {
    return InvalidId(name, n + ".zero", l + " mag niet uit alleen nullen bestaan");
  }
  if (!ElevenProof(text)) {
    return InvalidId(name, n + ".elfproef", l + " voldoet niet aan de elfproef");
  }
  return std::string(text);
}

}  // namespace

Result<Bsn> Bsn::Parse(std::string_view text) {
  // People copy a BSN from spreadsheets that ate the leading zero; say so.
  if (text.size() == 8 && AllDigits(text)) {
    return InvalidId("bsn", "bsn.length8", "BSN heeft 8 cijfers; is een voorloopnul weggevallen?");
  }
  auto v = ParseNineDigitElevenProof(text, "bsn", "BSN");
  if (!v) return Fail(v.error());
  Bsn b;
  b.v_ = std::move(*v);
  return b;
}

Result<Rsin> Rsin::Parse(std::string_view text) {
  auto v = ParseNineDigitElevenProof(text, "rsin", "RSIN");
  if (!v) return Fail(v.error());
  Rsin r;
  r.v_ = std::move(*v);
  return r;
}

Result<Kvk> Kvk::Parse(std::string_view text) {
  if (text.size() != 8 || !AllDigits(text)) {
    return InvalidId("kvk", "kvk.format", "KvK-nummer moet uit precies 8 cijfers bestaan");
  }
  Kvk k;
  k.v_ = std::string(text);
  return k;
}

Result<Oin> Oin::Parse(std::string_view text) {
  if (text.size() != 20 || !AllDigits(text)) {
    return InvalidId("oin", "oin.format", "OIN moet uit precies 20 cijfers bestaan");
  }
  static constexpr std::string_view kPrefixes[] = {"00000001", "00000002", "00000003",
                                                   "00000004", "00000006"};
  std::string_view prefix = text.substr(0, 8);
  if (std::find(std::begin(kPrefixes), std::end(kPrefixes), prefix) == std::end(kPrefixes)) {
    return InvalidId("oin", "oin.prefix", "OIN heeft een onbekend voorvoegsel");
  }
  Oin o;
  o.v_ = std::string(text);
  return o;
}

// ----- Level of assurance -----

namespace {
constexpr std::string_view kSamlPrefix = "urn:oasis:names:tc:SAML:2.0:ac:classes:";
constexpr Loa kAllLoa[] = {Loa::kBasis, Loa::kMidden, Loa::kSubstantieel, Loa::kHoog};
}  // namespace

Result<Loa> ParseLoa(int level) {
  for (Loa l : kAllLoa) {
    if (static_cast<int>(l) == level) return l;
  }
  return InvalidId("loa", "loa.onbekend", "Onbekend betrouwbaarheidsniveau");
}

std::string_view LoaName(Loa l) {
  switch (l) {
    case Loa::kBasis: return "Basis";
    case Loa::kMidden: return "Midden";
    case Loa::kSubstantieel: return "Substantieel";
    case Loa::kHoog: return "Hoog";
  }
  return "";
}

std::string_view LoaSamlClassRef(Loa l) {
  switch (l) {
    case Loa::kBasis:
      return "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
    case Loa::kMidden:
      return "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract";
    case Loa::kSubstantieel:
      return "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard";
    case Loa::kHoog:
      return "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";
  }
  return "";
}

Result<Loa> LoaFromSamlClassRef(std::string_view ref) {
  if (ref.size() > kSamlPrefix.size() + 64) {
    return InvalidId("loa", "loa.onbekend", "Onbekend betrouwbaarheidsniveau");
  }
  for (Loa l : kAllLoa) {
    if (LoaSamlClassRef(l) == ref) return l;
  }
  return InvalidId("loa", "loa.onbekend", "Onbekend betrouwbaarheidsniveau");
}

// ----- Party -----

Result<Party> Party::Parse(std::string_view kind, std::string_view id) {
  if (kind == "bsn") {
    auto b = Bsn::Parse(id);
    if (!b) return Fail(b.error());
    return Party::Person(*b);
  }
  if (kind == "kvk") {
    auto k = Kvk::Parse(id);
    if (!k) return Fail(k.error());
    return Party::Organisation(*k);
  }
  if (kind == "rsin") {
    auto r = Rsin::Parse(id);
    if (!r) return Fail(r.error());
    return Party::Organisation(*r);
  }
  if (kind == "oin") {
    auto o = Oin::Parse(id);
    if (!o) return Fail(o.error());
    return Party::Provider(*o);
  }
  return InvalidId("kind", "partij.soort", "Onbekende soort partij (bsn, kvk, rsin of oin)");
}

std::string_view Party::KindName() const {
  switch (kind) {
    case PartyKind::kPerson: return "bsn";
    case PartyKind::kKvk: return "kvk";
    case PartyKind::kRsin: return "rsin";
    case PartyKind::kOin: return "oin";
  }
  return "";
}

}  // namespace volmacht
