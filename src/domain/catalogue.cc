#include "domain/catalogue.h"

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

}  // namespace volmacht
