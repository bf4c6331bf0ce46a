#include "letters/letter_texts.h"

#include <array>
#include <string_view>

namespace volmacht {
namespace {

constexpr std::string_view kSignOff = "Met vriendelijke groet,\nvolmacht \u2014 Machtigingsdienst";
constexpr std::string_view kContact =
    "Heeft u vragen? Neem dan contact met ons op en noem het kenmerk onderaan deze brief.";

// "• A\n• B" - one service per line; the renderer breaks lines at '\n'.
std::string ServiceList(const std::vector<std::string>& service_names) {
  std::string list;
  for (const std::string& name : service_names) {
    if (!list.empty()) list += '\n';
    list += "\u2022 " + name;
  }
  return list;
}

// A date inside a sentence, joined by no-break spaces so that a line never ends between
// "13" and "december".
std::string DateInText(Date d) {
  std::string text = FormatDutchDate(d);
  std::string out;
  for (char c : text) out += c == ' ' ? std::string("\u00A0") : std::string(1, c);
  return out;
}

std::string Period(Date start, Date end) {
  return "van " + DateInText(start) + " tot en met " + DateInText(end);
}

void AddServices(const std::vector<std::string>& service_names,
                 std::vector<std::string>* paragraphs) {
  if (!service_names.empty()) paragraphs->push_back(ServiceList(service_names));
}

}  // namespace

std::string FormatDutchDate(Date d) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "januari", "februari", "maart",     "april",   "mei",      "juni",
      "juli",    "augustus", "september", "oktober", "november", "december"};
  if (!d.ok()) return "?";
  return std::to_string(static_cast<unsigned>(d.day())) + " " +
         std::string(kMonths[static_cast<unsigned>(d.month()) - 1]) + " " +
         std::to_string(static_cast<int>(d.year()));
}

LetterContent ActivationCodeLetter(const std::string& principal_name,
                                   const std::vector<std::string>& address_lines, Date date,
                                   const std::string& agent_name,
                                   const std::vector<std::string>& service_names, Date start,
                                   Date end, const std::string& formatted_code,
                                   Date code_valid_until, const std::string& reference) {
  LetterContent c;
  c.recipient_name = principal_name;
  c.address_lines = address_lines;
  c.date = date;
  c.subject = "Uw machtigingscode";
  c.code = formatted_code;
  c.reference = reference;
  std::vector<std::string>& p = c.paragraphs;
  p.push_back("Geachte heer/mevrouw,");
  p.push_back(agent_name + " wil namens u zaken regelen bij de overheid. " + agent_name +
              " heeft daarom gevraagd of u hem of haar wilt machtigen. Het gaat om:");
  AddServices(service_names, &p);
  p.push_back("De machtiging geldt " + Period(start, end) + ".");
  p.push_back("Gaat u akkoord? Geef dan de machtigingscode hierboven aan " + agent_name +
              ". Of log zelf in bij volmacht en keur het verzoek daar goed. Dan hoeft u de code "
              "niet door te geven. De code is geldig tot en met " +
              DateInText(code_valid_until) + ".");
  p.push_back(
      "Kent u dit verzoek niet, of wilt u het niet? Dan hoeft u niets te doen. Het "
      "verzoek vervalt vanzelf na " +
      DateInText(code_valid_until) +
      ". Neem wel contact met ons op, zodat wij kunnen nagaan wie het verzoek heeft "
      "gedaan.");
  p.push_back("Geef de code alleen aan " + agent_name +
              ". Wij vragen u nooit om de code door te geven per telefoon of e-mail.");
  p.push_back(std::string(kContact));
  p.push_back(std::string(kSignOff));
  return c;
}

LetterContent ActivationConfirmationLetter(const std::string& recipient_name,
                                           const std::vector<std::string>& address_lines, Date date,
                                           const std::string& other_party_name,
                                           LetterRecipientRole recipient_role,
                                           const std::vector<std::string>& service_names,
                                           Date start, Date end, const std::string& reference) {
  LetterContent c;
  c.recipient_name = recipient_name;
  c.address_lines = address_lines;
  c.date = date;
  c.subject = "Uw machtiging is actief";
  c.reference = reference;
  std::vector<std::string>& p = c.paragraphs;
  p.push_back("Geachte heer/mevrouw,");
  if (recipient_role == LetterRecipientRole::kGemachtigde) {
    p.push_back(other_party_name + " heeft u gemachtigd. U mag " + Period(start, end) + " namens " +
                other_party_name + " de volgende zaken regelen:");
  } else {
    p.push_back("U heeft " + other_party_name + " gemachtigd. " + other_party_name + " mag " +
                Period(start, end) + " namens u de volgende zaken regelen:");
  }
  AddServices(service_names, &p);
  if (recipient_role == LetterRecipientRole::kGemachtigde) {
    p.push_back(
        "U kunt de machtiging gebruiken door in te loggen bij de organisatie waar u "
        "iets wilt regelen en te kiezen voor wie u dat doet. U kunt de machtiging "
        "altijd zelf stoppen door in te loggen bij volmacht.");
  } else {
    p.push_back(
        "U blijft zelf verantwoordelijk voor wat er namens u wordt geregeld. U kunt "
        "de machtiging altijd intrekken door in te loggen bij volmacht.");
    p.push_back(
        "Heeft u deze machtiging niet gegeven? Trek de machtiging dan direct in en "
        "neem contact met ons op.");
  }
  p.push_back(std::string(kContact));
  p.push_back(std::string(kSignOff));
  return c;
}

LetterContent RevocationConfirmationLetter(const std::string& recipient_name,
                                           const std::vector<std::string>& address_lines, Date date,
                                           const std::string& other_party_name,
                                           const std::vector<std::string>& service_names,
                                           const std::string& reason_text,
                                           const std::string& reference) {
  LetterContent c;
  c.recipient_name = recipient_name;
  c.address_lines = address_lines;
  c.date = date;
  c.subject = "Uw machtiging is ingetrokken";
  c.reference = reference;
  std::vector<std::string>& p = c.paragraphs;
  p.push_back("Geachte heer/mevrouw,");
  p.push_back("De machtiging tussen u en " + other_party_name +
              " is ingetrokken. De machtiging kan niet meer worden gebruikt. Het ging om:");
  AddServices(service_names, &p);
  if (!reason_text.empty()) p.push_back(reason_text);
  p.push_back("Klopt dit niet? Neem dan contact met ons op.");
  p.push_back(std::string(kContact));
  p.push_back(std::string(kSignOff));
  return c;
}

}  // namespace volmacht
