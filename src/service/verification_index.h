// VerificationIndex: the in-memory view that answers "may agent A act for principal P for
// service S today" and "for whom may A act for S" without touching the database
// (docs/domain.md section 7). Fed by the store's commit observer in commit order, so
// Seq() is exactly the last event sequence whose effects are visible.
//
// Holds only mandates that are ACTIVE (they may not have started yet, or have passed their
// end date: queries check dates against `today`). Thread-safety: Apply from one thread at a
// time (the store's writer); queries from any number of threads concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/uuid.h"
#include "domain/identifiers.h"
#include "domain/mandate.h"

namespace volmacht {

class VerificationIndex {
 public:
  VerificationIndex();
  ~VerificationIndex();
  // Inserts, updates or removes (when not ACTIVE) the mandate. Idempotent; ignores a
  // version older than the one held.
  void Apply(const Mandate& m);
  void SetSeq(uint64_t seq);
  uint64_t Seq() const;
  size_t Size() const;

  // The id of a mandate in force on `today` for (agent, principal, service), if any.
  std::optional<Uuid> Find(const Party& agent, const Bsn& principal, const Uuid& service,
                           Date today) const;
  // Every (principal, mandate) in force on `today` for (agent, service), sorted by principal.
  std::vector<std::pair<Bsn, Uuid>> ForWhom(const Party& agent, const Uuid& service,
                                            Date today) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace volmacht
