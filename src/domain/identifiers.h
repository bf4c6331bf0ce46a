// Validated identifiers of docs/domain.md section 3. A value of these types is always valid:
// construct them only through Parse, which refuses rather than guesses.
//
//   Result<Bsn> bsn = Bsn::Parse("999993653");
//
// Error messages never echo the input (it may be personal data). Pure; thread-compatible.
#pragma once

#include <compare>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace volmacht {

// Burgerservicenummer: 9 digits, 11-proef, not 000000000. An 8-digit input gets its own
// message (a leading zero was probably dropped). Error code kInvalidArgument, params code
// one of "bsn.length8", "bsn.format", "bsn.elfproef", "bsn.zero".
class Bsn {
 public:
  [[nodiscard]] static Result<Bsn> Parse(std::string_view text);
  const std::string& str() const { return v_; }
  auto operator<=>(const Bsn&) const = default;

 private:
  std::string v_;
};

// Organisatie-identificatienummer: 20 digits with a known prefix
// (00000001 RSIN, 00000002 Fi, 00000003 KvK, 00000004 sub-OIN, 00000006 Logius).
class Oin {
 public:
  [[nodiscard]] static Result<Oin> Parse(std::string_view text);
  const std::string& str() const { return v_; }
  auto operator<=>(const Oin&) const = default;

 private:
  std::string v_;
};

// KvK number: exactly 8 digits.
class Kvk {
 public:
  [[nodiscard]] static Result<Kvk> Parse(std::string_view text);
  const std::string& str() const { return v_; }
  auto operator<=>(const Kvk&) const = default;

 private:
  std::string v_;
};

// RSIN: 9 digits, 11-proef (same check as BSN), not all zeros.
class Rsin {
 public:
  [[nodiscard]] static Result<Rsin> Parse(std::string_view text);
  const std::string& str() const { return v_; }
  auto operator<=>(const Rsin&) const = default;

 private:
  std::string v_;
};

// Level of assurance (betrouwbaarheidsniveau).
enum class Loa : int { kBasis = 10, kMidden = 20, kSubstantieel = 25, kHoog = 30 };
[[nodiscard]] Result<Loa> ParseLoa(int level);  // only 10, 20, 25, 30
std::string_view LoaName(Loa l);                 // "Basis", "Midden", ...
std::string_view LoaSamlClassRef(Loa l);         // urn:oasis:names:tc:SAML:2.0:ac:classes:...
[[nodiscard]] Result<Loa> LoaFromSamlClassRef(std::string_view ref);

// Who can be an agent: a person (BSN), an organisation (KvK or RSIN), or a provider (OIN,
// for DIRECT mandates). Stored as kind + canonical id text.
enum class PartyKind { kPerson, kKvk, kRsin, kOin };
struct Party {
  PartyKind kind = PartyKind::kPerson;
  std::string id;  // canonical digits, validated by the factory that made it
  static Party Person(const Bsn& b) { return {PartyKind::kPerson, b.str()}; }
  static Party Organisation(const Kvk& k) { return {PartyKind::kKvk, k.str()}; }
  static Party Organisation(const Rsin& r) { return {PartyKind::kRsin, r.str()}; }
  static Party Provider(const Oin& o) { return {PartyKind::kOin, o.str()}; }
  // Parses "kind" ("bsn","kvk","rsin","oin") + id from outside input.
  [[nodiscard]] static Result<Party> Parse(std::string_view kind, std::string_view id);
  std::string_view KindName() const;  // "bsn","kvk","rsin","oin"
  bool IsPerson() const { return kind == PartyKind::kPerson; }
  auto operator<=>(const Party&) const = default;
};

}  // namespace volmacht

template <>
struct std::hash<volmacht::Bsn> {
  size_t operator()(const volmacht::Bsn& b) const noexcept {
    return std::hash<std::string>()(b.str());
  }
};
template <>
struct std::hash<volmacht::Party> {
  size_t operator()(const volmacht::Party& p) const noexcept {
    return std::hash<std::string>()(p.id) ^ static_cast<size_t>(p.kind);
  }
};
