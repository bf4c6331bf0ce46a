// The letters of mandate_letters.h: who receives which text, rendered to PDF.
#include "service/mandate_letters.h"

#include <optional>
#include <utility>

#include "letters/letter_texts.h"
#include "letters/letters.h"

namespace volmacht::service_internal {
namespace {

std::vector<std::string> ServiceNames(const std::vector<Uuid>& ids, const CatalogueSnapshot& cat) {
  std::vector<std::string> names;
  for (const Uuid& id : ids) {
    if (const Service* s = cat.FindService(id)) names.push_back(s->name_nl);
  }
  return names;
}

Result<Letter> MakeLetter(std::string kind, const Mandate& m, const Bsn& to,
                          const LetterContent& content, Timestamp now) {
  Result<std::string> pdf = RenderLetterPdf(content);
  if (!pdf) return Fail(pdf.error());
  return Letter{Uuid::Random(), std::move(kind), m.id.str(), "bsn:" + to.str(), now,
                std::move(*pdf)};
}

}  // namespace

std::vector<std::string> AddressLinesOf(const std::optional<Person>& p) {
  if (p && p->address) return p->address->lines;
  return {};
}

Result<Letter> ActivationCodeLetterFor(const Mandate& m, const std::optional<Person>& principal,
                                       const std::optional<Person>& agent,
                                       std::string_view formatted_code,
                                       const CatalogueSnapshot& cat, const Attempt& a) {
  // A secret address is no reason to hold the letter back: it goes to the person themself.
  LetterContent content =
      ActivationCodeLetter(NameOf(principal), AddressLinesOf(principal), a.today, NameOf(agent),
                           ServiceNames(m.services, cat), m.start, m.end,
                           std::string(formatted_code), AddDays(m.lapse_on, -1), m.id.str());
  return MakeLetter("ACTIVATION_CODE", m, m.principal, content, a.now);
}

Result<void> AddActivationLetter(const Mandate& m, bool to_principal, const CatalogueSnapshot& cat,
                                 People& people, const Attempt& a, WriteBatch* b) {
  std::optional<Bsn> to = to_principal ? std::optional<Bsn>(m.principal) : PersonBsn(m.agent);
  if (!to) return {};  // an organisation or provider: no letter to a registered address
  Result<std::optional<Person>> recipient = people.Get(*to);
  if (!recipient) return Fail(recipient.error());
  Party other = to_principal ? *m.agent : Party::Person(m.principal);
  Result<PartyView> other_view = ViewOf(other, people, cat);
  if (!other_view) return Fail(other_view.error());
  LetterContent content = ActivationConfirmationLetter(
      NameOf(*recipient), AddressLinesOf(*recipient), a.today, other_view->name,
      to_principal ? LetterRecipientRole::kVertegenwoordigde : LetterRecipientRole::kGemachtigde,
      ServiceNames(m.services, cat), m.start, m.end, m.id.str());
  Result<Letter> letter = MakeLetter("CONFIRM_ACTIVATION", m, *to, content, a.now);
  if (!letter) return Fail(letter.error());
  b->letters.push_back(std::move(*letter));
  return {};
}

Result<void> AddRevocationLetter(const Caller& c, const Mandate& m, EndReason why,
                                 const CatalogueSnapshot& cat, People& people, const Attempt& a,
                                 WriteBatch* b) {
  // The other party: the agent when the principal revoked, else the principal (the survivor
  // for a SURVIVOR mandate, whose principal has died).
  std::optional<Bsn> to;
  std::optional<Party> other;
  std::string reason;
  if (why == EndReason::kByPrincipal) {
    to = PersonBsn(m.agent);
    other = Party::Person(m.principal);
    reason = "De vertegenwoordigde heeft de machtiging ingetrokken.";
  } else if (m.kind == MandateKind::kSurvivor) {
    to = PersonBsn(m.agent);
    other = m.provider ? std::optional<Party>(Party::Provider(*m.provider)) : std::nullopt;
    reason = "De dienstaanbieder heeft de machtiging ingetrokken.";
  } else {
    to = m.principal;
    other = why == EndReason::kByAgent ? m.agent : Party::Provider(*c.provider);
    reason = why == EndReason::kByAgent ? "De gemachtigde heeft de machtiging ingetrokken."
                                        : "De dienstaanbieder heeft de machtiging ingetrokken.";
  }
  if (!to || !other) return {};
  Result<std::optional<Person>> recipient = people.Get(*to);
  if (!recipient) return Fail(recipient.error());
  Result<PartyView> other_view = ViewOf(*other, people, cat);
  if (!other_view) return Fail(other_view.error());
  if (!*recipient || (*recipient)->deceased) return {};
  LetterContent content = RevocationConfirmationLetter(
      NameOf(*recipient), AddressLinesOf(*recipient), a.today, other_view->name,
      ServiceNames(m.services, cat), reason, m.id.str());
  Result<Letter> letter = MakeLetter("CONFIRM_REVOCATION", m, *to, content, a.now);
  if (!letter) return Fail(letter.error());
  b->letters.push_back(std::move(*letter));
  return {};
}

}  // namespace volmacht::service_internal
