// ServiceCounters: what the process lost or failed to do without a caller hearing of it,
// counted since start (docs/adr/0015-structured-logging.md). Monitoring reads them with
// ReadServiceCounters(); the code that drops something adds to them and logs the drop.
//
//   Counters().uses_dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
//   ServiceCountersSnapshot now = ReadServiceCounters();
//
// One set per process (like a Prometheus registry): tests compare before and after.
// Thread-safety: the counters are atomics; reading and adding are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace volmacht {

struct ServiceCounters {
  // Use records (service/use_recorder.h) not written: the queue was full...
  std::atomic<uint64_t> uses_dropped_queue_full{0};
  // ...or the store refused or failed the batch (a failing disk, a store that is closing).
  std::atomic<uint64_t> uses_dropped_write_failed{0};
  // Rounds of following other processes' commits (docs/adr/0010) that failed; the next
  // round tries the same commits again.
  std::atomic<uint64_t> follow_failures{0};
};

struct ServiceCountersSnapshot {
  uint64_t uses_dropped_queue_full = 0;
  uint64_t uses_dropped_write_failed = 0;
  uint64_t follow_failures = 0;
};

ServiceCounters& Counters();
ServiceCountersSnapshot ReadServiceCounters();

}  // namespace volmacht
