// The HTML of the login with representation: the page "for whom do you log in", the error
// pages, and the response headers every page of the flow carries. Server-rendered Dutch
// pages that work without JavaScript and load nothing from elsewhere; every value from
// outside is HTML-escaped here.
//
// Errors go to pages in one place: ErrorResponse(Error) picks the status and the text.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/server.h"

namespace volmacht::web {

// Cache-Control no-store, X-Frame-Options DENY, Referrer-Policy no-referrer,
// X-Content-Type-Options nosniff. Also suitable as http::ServerConfig::default_headers of
// the web server (then the server's own 404/405/413 carry them too).
std::vector<std::pair<std::string, std::string>> SecurityHeaders();

// Makes `cfg` a listener for browsers: SecurityHeaders() on every answer, and the server's
// own errors (404, 405, 400, 413, 431, 500) as HTML pages in Dutch, not problem+json.
http::ServerConfig ForBrowsers(http::ServerConfig cfg);
// The page for one of the server's own errors, with the request id as a reference for the
// helpdesk (it identifies the log line; it is no personal data).
http::Response RefusalPage(const http::ServerRefusal& r);

// A complete HTML response with SecurityHeaders() and a Content-Security-Policy that allows
// only our inline style, no script, forms to ourselves and to `extra_form_action` (an
// origin such as "https://provider.example"; "" = none; anything that is not a plain origin
// is ignored), and no framing.
http::Response HtmlResponse(int status, std::string html, std::string_view extra_form_action = "");

// The self-posting form page CombiConnectIdp makes for the HTTP-POST binding: as
// HtmlResponse, plus its one inline onload handler (allowed by hash) and the form action to
// the provider's origin.
http::Response AutoPostResponse(std::string html, std::string_view form_action_origin);

// 303 See Other to `location`, with SecurityHeaders().
http::Response SeeOther(std::string_view location);

// A page with our layout: title (escaped) and main content (already HTML).
std::string Layout(std::string_view title, std::string_view main_html);

// The error page for an error: status from the code (400 malformed, 403 forbidden, 404, 413,
// 422, 502, 503, else 500) and a Dutch explanation by code only: e.message is never shown
// (one disclosure rule: details are for the log, where the response's error_reason goes).
http::Response ErrorResponse(const Error& e);
// An error page with our own words.
http::Response ErrorPage(int status, std::string_view title, std::string_view text);

struct ChoiceOption {
  std::string value;  // form value (an index, or "mijzelf")
  std::string label;  // shown, escaped here
};

struct ChoiceView {
  std::string organisation;  // who asked for the login
  std::string service;       // the service's Dutch name
  std::string csrf_token;
  bool allow_myself = false;
  std::vector<ChoiceOption> principals;
  std::string error;  // shown above the form when set (e.g. nothing chosen)
};

// The page "Voor wie logt u in?": a form (POST /inloggen/kies) with a fieldset of radio
// buttons, "Mijzelf" first when allowed, "Doorgaan" and "Annuleren".
std::string ChoicePage(const ChoiceView& v);

// The origin ("https://host[:port]") of an absolute http(s) URL; "" when it has none or
// contains anything else than letters, digits, '.', '-', ':', '[' and ']' in the authority.
std::string OriginOf(std::string_view url);

}  // namespace volmacht::web
