// PersonRegistry: the national population register (BRP) as volmacht sees it.
// BrpClient (brp_client.h) implements it against the real BRP Personen v2 API.
//
// Errors: kUnavailable when the register cannot be reached or times out; kBadGateway when it
// answers something that is not a valid BRP response. Never logs a BSN.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <optional>

#include "common/result.h"
#include "domain/identifiers.h"
#include "domain/person.h"

namespace volmacht {

class PersonRegistry {
 public:
  virtual ~PersonRegistry() = default;
  // nullopt when the register does not know the BSN.
  [[nodiscard]] virtual Result<std::optional<Person>> Find(const Bsn& bsn) = 0;
};

}  // namespace volmacht
