#include "service/caller.h"

namespace volmacht {

std::string Caller::Actor() const {
  std::string b = bsn ? "bsn:" + bsn->str() : std::string("bsn:?");
  std::string o = provider ? "oin:" + provider->str() : std::string("oin:?");
  switch (kind) {
    case Kind::kCitizen:
      return b;
    case Kind::kProviderForCitizen:
      return o + "/" + b;
    case Kind::kProvider:
      return o;
    case Kind::kClerk:
      return "clerk:" + (provider ? provider->str() : std::string("?")) + "/" + clerk_id;
    case Kind::kAdmin:
      return "admin";
    case Kind::kSystem:
      return "system";
  }
  return "system";
}

ActorRole RoleOfActor(std::string_view actor, const Mandate& m) {
  if (actor.starts_with("clerk:")) return ActorRole::kClerk;
  if (actor == "system") return ActorRole::kSystem;
  if (actor == "admin") return ActorRole::kAdmin;
  if (auto pos = actor.rfind("bsn:"); pos != std::string_view::npos) {
    std::string_view bsn = actor.substr(pos + 4);
    if (bsn == m.principal.str()) return ActorRole::kPrincipal;
    if (m.agent && m.agent->IsPerson() && bsn == m.agent->id) return ActorRole::kAgent;
    return ActorRole::kUnknown;
  }
  if (actor.starts_with("oin:")) return ActorRole::kProvider;
  return ActorRole::kUnknown;
}

}  // namespace volmacht
