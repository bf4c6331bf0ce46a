// What the person register tells us about a person: only the facts the rules need and the
// names and address letters need. Filled by src/registry from BRP Personen v2.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "domain/identifiers.h"

namespace volmacht {

// A birth date as the register knows it: parts may be unknown (0). BRP gives
// "Datum", "JaarMaandDatum", "JaarDatum" or "DatumOnbekend".
struct PartialDate {
  int year = 0;   // 0 = unknown
  int month = 0;  // 0 = unknown
  int day = 0;    // 0 = unknown
  bool known() const { return year != 0; }
  // Latest real calendar date consistent with the known parts (for "surely 18 or older").
  std::optional<Date> Latest() const;
  // True when `d` is consistent with the known parts (for the birth-date check of flow B).
  bool Matches(Date d) const;
};

struct Address {
  std::vector<std::string> lines;  // ready to print on an envelope, country last if abroad
  bool abroad = false;
};

struct Person {
  Bsn bsn;
  std::string given_names;
  std::string prefix;   // voorvoegsel, e.g. "van der"
  std::string surname;
  std::string full_name;  // "Theodoor van der Ven" as the register composes it
  PartialDate birth;
  bool deceased = false;
  std::optional<Date> death;
  bool under_curatele = false;
  bool secret_address = false;  // geheimhouding: never disclose the address to others
  std::optional<Address> address;  // registered address (NL or abroad); nullopt if unknown
};

}  // namespace volmacht
