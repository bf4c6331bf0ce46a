#include "common/counters.h"

namespace volmacht {

ServiceCounters& Counters() {
  static ServiceCounters counters;
  return counters;
}

ServiceCountersSnapshot ReadServiceCounters() {
  const ServiceCounters& c = Counters();
  return {c.uses_dropped_queue_full.load(std::memory_order_relaxed),
          c.uses_dropped_write_failed.load(std::memory_order_relaxed),
          c.follow_failures.load(std::memory_order_relaxed)};
}

}  // namespace volmacht
