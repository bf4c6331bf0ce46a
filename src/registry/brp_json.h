// The wire format of BRP Personen v2 (`POST /personen`, query type
// RaadpleegMetBurgerservicenummer; spec: data/brp/brp-personen-v2-openapi.yaml), for one BSN.
//
//   std::string body = brp::BuildRequest(bsn);
//   ... POST body to <base>/personen ...
//   Result<std::optional<Person>> p = brp::ParseResponse(response_body, bsn);
//
// ParseResponse rejects rather than guesses: anything that is not a well-formed answer to the
// question asked (not JSON, over kMaxResponseBytes, nested deeper than kMaxDepth, wrong types,
// unknown date or residence type, an invalid BSN, more than one person, or a person other
// than the one asked for) is kBadGateway. An empty `personen` list is nullopt (unknown BSN).
// Error messages name the offending field, never its value (it may be personal data).
//
// Address: `adressering` (the register's own envelope lines) is preferred; without it the
// lines are composed from `verblijfplaats`. Unknown residence (VerblijfplaatsOnbekend, country
// code 0000) and a location description (Locatie) give no postal address (nullopt).
// Deceased: an `overlijden` object (which must carry a date) or opschortingBijhouding reason
// "O" (overlijden).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/identifiers.h"
#include "domain/person.h"

namespace volmacht::brp {

inline constexpr std::size_t kMaxResponseBytes = 1024 * 1024;
inline constexpr int kMaxDepth = 32;
inline constexpr std::string_view kQueryType = "RaadpleegMetBurgerservicenummer";
inline constexpr std::string_view kNetherlandsCountryCode = "6030";
inline constexpr std::string_view kUnknownCountryCode = "0000";

// The field paths the request asks for: only what Person needs. Fields the register always
// delivers (geheimhoudingPersoonsgegevens, opschortingBijhouding) may not be asked for.
const std::vector<std::string>& RequestedFields();

// The JSON request body for one BSN.
std::string BuildRequest(const Bsn& bsn);

// Parses a 200 response body; `asked` is the BSN the request was for.
[[nodiscard]] Result<std::optional<Person>> ParseResponse(std::string_view body,
                                                          const Bsn& asked);

}  // namespace volmacht::brp
