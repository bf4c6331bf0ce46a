#include "domain/catalogue.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace volmacht {

std::string_view AgentTypeName(AgentType t) {
  switch (t) {
    case AgentType::kCitizen: return "CITIZEN";
    case AgentType::kOrganisation: return "ORGANISATION";
    case AgentType::kBoth: return "BOTH";
    case AgentType::kNone: return "NONE";
  }
  return "";
}

Result<AgentType> ParseAgentType(std::string_view s) {
  for (AgentType t :
       {AgentType::kCitizen, AgentType::kOrganisation, AgentType::kBoth, AgentType::kNone}) {
    if (AgentTypeName(t) == s) return t;
  }
  return Fail(Error::Invalid(
      "Onbekend soort gemachtigde (CITIZEN, ORGANISATION, BOTH of NONE)",
      {{"agentType", "agenttype.onbekend",
        "Onbekend soort gemachtigde (CITIZEN, ORGANISATION, BOTH of NONE)"}}));
}

bool Service::ActiveOn(Date today) const {
  if (active_from && today < *active_from) return false;
  if (active_until && today > *active_until) return false;
  return true;
}

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsLoopbackHost(std::string_view rest) {
  for (std::string_view host : {"localhost", "127.0.0.1", "[::1]"}) {
    if (StartsWith(rest, host)) {
      std::string_view after = rest.substr(host.size());
      if (after.empty() || after[0] == ':' || after[0] == '/' || after[0] == '?') return true;
    }
  }
  return false;
}

bool Visible(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f;
  });
}

std::unexpected<Error> Bad(const char* field, const char* code, const std::string& reason) {
  return Fail(Error::Invalid(reason, {{field, code, reason}}));
}

}  // namespace

bool ValidRedirectUri(std::string_view uri) {
  if (uri.size() > 2048 || uri.find('#') != std::string_view::npos || !Visible(uri)) {
    return false;
  }
  if (StartsWith(uri, "https://") && uri.size() > 8 && uri[8] != '/') return true;
  return StartsWith(uri, "http://") && IsLoopbackHost(uri.substr(7));
}

Result<void> CheckOidcClient(const OidcClientRegistration& c) {
  if (c.client_id.empty() || c.client_id.size() > 128 || !Visible(c.client_id)) {
    return Bad("client_id", "formaat", "Een client_id is 1 tot 128 zichtbare ASCII-tekens");
  }
  bool hex64 = c.secret_sha256_hex.size() == 64 &&
               c.secret_sha256_hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex64) {
    return Bad("secret", "formaat", "Het geheim hoort als SHA-256 (hex) te zijn opgeslagen");
  }
  if (c.redirect_uris.empty()) {
    return Bad("redirect_uri", "verplicht", "Geef minstens een redirect-URI");
  }
  for (const std::string& u : c.redirect_uris) {
    if (!ValidRedirectUri(u)) {
      return Bad("redirect_uri", "formaat",
                 "Een redirect-URI is een absolute https-URL zonder fragment (http alleen op "
                 "localhost)");
    }
  }
  return {};
}

}  // namespace volmacht
