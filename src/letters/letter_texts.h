// Letter texts: the Dutch wording of every letter volmacht sends, in one place. Each builder
// is a pure function returning a LetterContent for RenderLetterPdf (letters.h).
//
//   LetterContent c = ActivationCodeLetter("J. Jansen", {"Dorpsstraat 1", "1234 AB  Ons Dorp"},
//                                          today, "P. de Vries", {"Belastingaangifte"},
//                                          start, end, "ABCD-EFGH-JKLM", valid_until, ref);
//   Result<std::string> pdf = RenderLetterPdf(c);
//
// Conventions the renderer relies on: a '\n' inside a paragraph is a hard line break (used
// for the list of services, one "• name" per line). Names and texts are UTF-8 and are put in
// the letter as given; callers pass names and references only, never a BSN. Dates are
// written the Dutch way ("29 november 2026"). Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "letters/letters.h"

namespace volmacht {

// "29 november 2026": day without leading zero, Dutch month name, year. "?" when !d.ok().
[[nodiscard]] std::string FormatDutchDate(Date d);

// Who receives a confirmation letter: the agent ("gemachtigde", acts for someone) or the
// principal ("vertegenwoordigde", is represented).
enum class LetterRecipientRole { kGemachtigde, kVertegenwoordigde };

// To the principal's registered address (flow B): `agent_name` asked to act for the principal
// for `service_names` from `start` through `end`. Explains: give `formatted_code` (shown large,
// e.g. "ABCD-EFGH-JKLM") to the agent or log in and approve; if unknown, do nothing - the
// request lapses on `code_valid_until` - and contact us.
[[nodiscard]] LetterContent ActivationCodeLetter(
    const std::string& principal_name, const std::vector<std::string>& address_lines, Date date,
    const std::string& agent_name, const std::vector<std::string>& service_names, Date start,
    Date end, const std::string& formatted_code, Date code_valid_until,
    const std::string& reference);

// The mandate between the recipient and `other_party_name` is now active. `recipient_role` is
// the recipient's own role; the wording follows from it (who may act for whom).
[[nodiscard]] LetterContent ActivationConfirmationLetter(
    const std::string& recipient_name, const std::vector<std::string>& address_lines, Date date,
    const std::string& other_party_name, LetterRecipientRole recipient_role,
    const std::vector<std::string>& service_names, Date start, Date end,
    const std::string& reference);

// The mandate between the recipient and `other_party_name` has been revoked. `reason_text` is
// a complete Dutch sentence (e.g. "U heeft de machtiging zelf ingetrokken."); empty to omit.
[[nodiscard]] LetterContent RevocationConfirmationLetter(
    const std::string& recipient_name, const std::vector<std::string>& address_lines, Date date,
    const std::string& other_party_name, const std::vector<std::string>& service_names,
    const std::string& reason_text, const std::string& reference);

}  // namespace volmacht
