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

}  // namespace volmacht
