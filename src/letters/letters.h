// Letters (src/letters): activation-code letters to the principal's registered address and
// confirmations to the other party, rendered as PDF (libharu). Pure rendering: the use case
// puts the result in the outbox inside the same store transaction as the state change.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace volmacht {

struct LetterContent {
  std::string recipient_name;
  std::vector<std::string> address_lines;  // empty when the address is secret/unknown
  Date date;                               // letter date
  std::string subject;                     // e.g. "Uw machtigingscode"
  std::vector<std::string> paragraphs;     // body text, Dutch
  std::string code;                        // activation code shown large, or empty
  std::string reference;                   // mandate reference (id), printed small
};

// Renders an A4 PDF. Text is Dutch with Latin-1 characters (é, ë, ü...). Errors: kInternal
// when libharu fails. Thread-safe (no shared state).
[[nodiscard]] Result<std::string> RenderLetterPdf(const LetterContent& content);

}  // namespace volmacht
