// UseRecorder: records uses of mandates off the hot path. A use is queued in memory and
// written to the store in batches, by a background thread (at a batch size or once a
// second) or on Flush().
//
// Contract: uses are kept to the minute (docs/adr/0008): the same mandate used by the same
// provider for the same service through the same channel within one UTC minute is one
// record, the first. Uses are not durable-critical: beyond a bounded queue they are dropped,
// and a failing disk loses them; each lost record is counted (common/counters.h:
// uses_dropped_queue_full, uses_dropped_write_failed) and logged as "uses.dropped" at warn
// level, at most once per ten seconds per cause. The destructor stops the thread and flushes.
//
// Thread-safety: all methods are thread-safe; Record() never blocks on the store.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/log.h"
#include "store/store.h"

namespace volmacht {

class UseRecorder {
 public:
  static constexpr size_t kDefaultMaxQueued = 200000;
  // Beyond `max_queued` waiting uses, new ones are dropped.
  explicit UseRecorder(Store& store, size_t max_queued = kDefaultMaxQueued)
      : store_(store), max_queued_(max_queued) {}
  ~UseRecorder();
  UseRecorder(const UseRecorder&) = delete;
  UseRecorder& operator=(const UseRecorder&) = delete;

  // Starts the background flusher; until then uses only queue.
  void Start();
  void Record(const MandateUse& use);
  // Writes the queued uses now (tests, shutdown).
  void Flush();

 private:
  // The de-duplication key of a use: its four fields side by side in a fixed array, so that
  // a repeated use, the common case, costs no allocation.
  using Key = std::array<char, 36 + 20 + 36 + 8>;
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      return std::hash<std::string_view>()(std::string_view(k.data(), k.size()));
    }
  };
  static Key KeyOf(const MandateUse& u);
  void FlushLoop();

  Store& store_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<MandateUse> queue_;
  // Keys queued in `minute_`; bounded by the distinct mandates used in one minute.
  int64_t minute_ = -1;
  std::unordered_set<Key, KeyHash> used_this_minute_;
  bool stopping_ = false;
  std::mutex flush_mu_;  // one writer of uses at a time
  // A drop can repeat on every verification (a full queue) or every second (a failing disk):
  // one warning per cause per ten seconds; the counters have every record.
  log::Throttle queue_full_warnings_{std::chrono::seconds(10)};
  log::Throttle write_failed_warnings_{std::chrono::seconds(10)};
  std::thread flusher_;
};

}  // namespace volmacht
