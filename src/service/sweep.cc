// Sweep: applies the time-driven transitions (LAPSED, EXPIRED) to every mandate due, so
// that the stored state and the verification index catch up without anyone reading.
//
// Contract: a mandate someone else changed meanwhile (version conflict) is skipped; the
// next sweep sees the result. Any other commit error stops the sweep and is returned.
#include <optional>
#include <vector>

#include "service/internal/use_case.h"

namespace volmacht {

Result<int> MandateService::Sweep() {
  Impl& I = *impl_;
  Timestamp now = I.clock.Now();
  Date today = AmsterdamDate(now);
  Result<std::vector<Mandate>> due = I.store.DueForTimeTransition(today);
  if (!due) return Fail(due.error());
  int changed = 0;
  for (const Mandate& m : *due) {
    std::optional<Transition> t = ApplyTime(m, today, now);
    if (!t) continue;
    Impl::Attempt a;
    Result<uint64_t> seq = I.CommitTransition(*t, m.version, a);
    if (seq) {
      ++changed;
    } else if (!a.commit_conflict) {
      return Fail(seq.error());
    }
  }
  return changed;
}

}  // namespace volmacht
