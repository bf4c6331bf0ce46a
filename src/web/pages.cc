#include "web/pages.h"

#include <cctype>

#include "common/crypto.h"
#include "common/encoding.h"

namespace volmacht::web {
namespace {


// The only style of the pages; allowed by its hash in the Content-Security-Policy.
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1a1a1a;"
    "background:#fff}"
    "header{background:#154273;color:#fff;padding:.75rem 1rem}"
    "main{max-width:40rem;margin:0 auto;padding:1rem}"
    "fieldset{border:1px solid #767676;padding:.5rem 1rem;margin:0 0 1rem}"
    "legend{font-weight:bold;padding:0 .25rem}"
    "fieldset div{margin:.5rem 0}"
    "input[type=radio]{width:1.25rem;height:1.25rem;vertical-align:middle}"
    "label{vertical-align:middle}"
    "button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem;border:2px solid #154273;"
    "border-radius:4px;background:#154273;color:#fff;cursor:pointer}"
    "button.secundair{background:#fff;color:#154273}"
    "button:focus,input:focus{outline:3px solid #ffbf47;outline-offset:2px}"
    ".fout{border-left:5px solid #d52b1e;padding:.25rem 1rem;margin:0 0 1rem;color:#8b0000}";

// The onload handler of CombiConnectIdp's self-posting form (saml/combi_connect.cc).
constexpr std::string_view kAutoPostHandler = "document.forms[0].submit()";

std::string CspHash(std::string_view text) {
  Digest d = Sha256(text);
  return "'sha256-" +
         Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())) +
         "'";
}

std::string Csp(std::string_view form_action_origin, bool auto_post) {
  static const std::string kStyleHash = CspHash(kStyle);
  static const std::string kHandlerHash = CspHash(kAutoPostHandler);
  std::string csp = "default-src 'none'; style-src " + kStyleHash;
  if (auto_post) csp += "; script-src 'unsafe-hashes' " + kHandlerHash;
  // A form answered by a redirect to the provider counts as a form action to the provider
  // (browsers check form-action along the redirect chain).
  csp += "; form-action 'self'";
  std::string origin = OriginOf(form_action_origin);
  if (!origin.empty()) csp += " " + origin;
  csp += "; frame-ancestors 'none'; base-uri 'none'";
  return csp;
}

http::Response Html(int status, std::string html, std::string csp) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  r.headers = SecurityHeaders();
  r.headers.emplace_back("Content-Security-Policy", std::move(csp));
  return r;
}

struct ErrorText {
  int status;
  const char* title;
  const char* text;
};

ErrorText TextFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return {400, "Ongeldig verzoek",
              "Het verzoek om in te loggen is niet geldig. Ga terug naar de organisatie waar "
              "u wilde inloggen en probeer het opnieuw."};
    case ErrorCode::kTooLarge:
      return {413, "Verzoek te groot", "Het verzoek om in te loggen is te groot."};
    case ErrorCode::kForbidden:
      return {403, "Niet toegestaan",
              "Dit verzoek om in te loggen wordt niet geaccepteerd. Neem contact op met de "
              "organisatie waar u wilde inloggen."};
    case ErrorCode::kNotFound:
      return {404, "Niet gevonden", "Deze pagina bestaat niet."};
    case ErrorCode::kRuleViolation:
      return {422, "Niet mogelijk", "Inloggen op deze manier is niet mogelijk."};
    case ErrorCode::kUnavailable:
      return {503, "Tijdelijk niet beschikbaar",
              "Inloggen lukt op dit moment niet. Probeer het over een paar minuten opnieuw."};
    case ErrorCode::kBadGateway:
      return {502, "Tijdelijk niet beschikbaar",
              "Een systeem waarvan wij afhankelijk zijn gaf een onverwacht antwoord. Probeer "
              "het later opnieuw."};
    case ErrorCode::kConflict:
    case ErrorCode::kLocked:
    case ErrorCode::kInternal:
      break;
  }
  return {500, "Er ging iets mis", "Er ging bij ons iets mis. Probeer het later opnieuw."};
}

bool OriginChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
         c == '[' || c == ']';
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SecurityHeaders() {
  return {{"Cache-Control", "no-store"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Content-Type-Options", "nosniff"}};
}

std::string OriginOf(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") return {};
  size_t start = scheme_end + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (authority.empty()) return {};
  for (char c : authority) {
    if (!OriginChar(c)) return {};
  }
  return std::string(scheme) + "://" + std::string(authority);
}

http::Response HtmlResponse(int status, std::string html, std::string_view extra_form_action) {
  return Html(status, std::move(html), Csp(extra_form_action, false));
}

http::Response AutoPostResponse(std::string html, std::string_view form_action_origin) {
  return Html(200, std::move(html), Csp(form_action_origin, true));
}

http::Response SeeOther(std::string_view location) {
  http::Response r;
  r.status = 303;
  r.content_type.clear();
  r.headers = SecurityHeaders();
  r.headers.emplace_back("Location", std::string(location));
  return r;
}

std::string Layout(std::string_view title, std::string_view main_html) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  out += HtmlEscape(title);
  out += " - Machtigen</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<header><p>Machtigen: inloggen namens een ander</p>"
         "</header>\n<main>\n";
  out += main_html;
  out += "</main>\n</body>\n</html>\n";
  return out;
}

http::Response ErrorPage(int status, std::string_view title, std::string_view text) {
  std::string main = "<h1>" + HtmlEscape(title) + "</h1>\n<p>" + HtmlEscape(text) + "</p>\n";
  return HtmlResponse(status, Layout(title, main));
}

http::Response ErrorResponse(const Error& e) {
  ErrorText t = TextFor(e.code);
  // The page says what kind of error it is; our message stays in the log (its reason), so
  // no internal detail reaches the user.
  std::string main = "<h1>" + HtmlEscape(t.title) + "</h1>\n<p>" + HtmlEscape(t.text) + "</p>\n";
  http::Response r = HtmlResponse(t.status, Layout(t.title, main));
  r.error_reason = std::string(e.Reason());
  return r;
}

http::ServerConfig ForBrowsers(http::ServerConfig cfg) {
  cfg.default_headers = SecurityHeaders();
  cfg.render_refusal = RefusalPage;
  return cfg;
}

http::Response RefusalPage(const http::ServerRefusal& r) {
  std::string_view title = "Er ging iets mis";
  std::string_view text = "Er ging bij ons iets mis. Probeer het later opnieuw.";
  switch (r.status) {
    case 404:
      title = "Pagina niet gevonden";
      text = "Deze pagina bestaat niet. Controleer het adres, of ga terug naar de organisatie "
             "waar u wilde inloggen.";
      break;
    case 405:
      title = "Niet mogelijk";
      text = "Deze pagina kan zo niet worden gebruikt. Ga terug naar de organisatie waar u "
             "wilde inloggen en begin opnieuw.";
      break;
    case 413:
    case 431:
      title = "Verzoek te groot";
      text = "Het verzoek is te groot om te verwerken.";
      break;
    default:
      if (r.status >= 400 && r.status < 500) {
        title = "Ongeldig verzoek";
        text = "Het verzoek is niet geldig. Ga terug naar de organisatie waar u wilde inloggen "
               "en probeer het opnieuw.";
      }
      break;
  }
  std::string main = "<h1>" + HtmlEscape(title) + "</h1>\n<p>" + HtmlEscape(text) +
                     "</p>\n<p>Kenmerk voor de helpdesk: <code>" + HtmlEscape(r.request_id) +
                     "</code></p>\n";
  return HtmlResponse(r.status, Layout(title, main));
}

std::string ChoicePage(const ChoiceView& v) {
  std::string h = "<h1>Voor wie logt u in?</h1>\n<p>U logt in bij <strong>" +
                  HtmlEscape(v.organisation) + "</strong> voor <strong>" +
                  HtmlEscape(v.service) + "</strong>.</p>\n";
  if (!v.error.empty()) {
    h += "<div class=\"fout\" role=\"alert\" id=\"fout\"><p>" + HtmlEscape(v.error) +
         "</p></div>\n";
  }
  h += "<form method=\"post\" action=\"/inloggen/kies\">\n<input type=\"hidden\" name=\"csrf\" "
       "value=\"" +
       HtmlEscape(v.csrf_token) + "\">\n<fieldset" +
       std::string(v.error.empty() ? "" : " aria-describedby=\"fout\"") +
       ">\n<legend>Kies voor wie u inlogt</legend>\n";
  size_t n = 0;
  auto option = [&](const std::string& value, const std::string& label) {
    std::string id = "keuze-" + std::to_string(n++);
    h += "<div><input type=\"radio\" name=\"keuze\" id=\"" + id + "\" value=\"" +
         HtmlEscape(value) + "\" required> <label for=\"" + id + "\">" + HtmlEscape(label) +
         "</label></div>\n";
  };
  if (v.allow_myself) option("mijzelf", "Mijzelf");
  for (const ChoiceOption& o : v.principals) option(o.value, o.label);
  h += "</fieldset>\n<button type=\"submit\" name=\"actie\" value=\"doorgaan\">Doorgaan</button>\n"
       "<button type=\"submit\" name=\"actie\" value=\"annuleren\" class=\"secundair\" "
       "formnovalidate>"
       "Annuleren</button>\n</form>\n";
  return Layout("Voor wie logt u in?", h);
}

}  // namespace volmacht::web
