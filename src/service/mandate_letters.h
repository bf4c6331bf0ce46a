// The letters the use cases send with a change: the activation code to the principal
// (flow B), the confirmation that a mandate became active, and the confirmation that it was
// revoked. Each is rendered to PDF here and goes into the same WriteBatch as the change, so
// a letter is queued exactly when the change is durable.
//
// Contract: letters go only to persons, at their address in the register; a party that is
// an organisation or provider gets none. Errors: those of the register look-up and of
// rendering (then nothing is added to the batch).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "service/internal/use_case.h"

namespace volmacht::service_internal {

// The registered address of the person; empty when unknown.
std::vector<std::string> AddressLinesOf(const std::optional<Person>& p);

// To the principal of a request made by `agent` (flow B): the code to hand to the agent.
Result<Letter> ActivationCodeLetterFor(const Mandate& m, const std::optional<Person>& principal,
                                       const std::optional<Person>& agent,
                                       std::string_view formatted_code,
                                       const CatalogueSnapshot& cat, const Attempt& a);

// Confirmation that `m` became active, to the party who did not act: the principal when
// `to_principal`, else the agent.
Result<void> AddActivationLetter(const Mandate& m, bool to_principal, const CatalogueSnapshot& cat,
                                 People& people, const Attempt& a, WriteBatch* b);

// Confirmation that `m` (as before the revocation) was revoked by `c` in capacity `why`, to
// the other party when that is a living person.
Result<void> AddRevocationLetter(const Caller& c, const Mandate& m, EndReason why,
                                 const CatalogueSnapshot& cat, People& people, const Attempt& a,
                                 WriteBatch* b);

}  // namespace volmacht::service_internal
