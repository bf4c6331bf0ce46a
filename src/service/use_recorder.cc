// UseRecorder: the queue, its minute de-duplication and the background flusher.
#include "service/use_recorder.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/counters.h"
#include "common/log.h"

namespace volmacht {
namespace {

constexpr size_t kFlushBatch = 1000;                    // flush the queue at this size...
constexpr auto kFlushPeriod = std::chrono::seconds(1);  // ...or this often
// The widths of the key's fields: those of the validated types (UUID text 36, OIN 20);
// channels are short words.
constexpr size_t kKeyWidths[] = {36, 20, 36, 8};

// Counts `n` lost records and warns, unless a warning of this cause went out within the period.
void Dropped(std::atomic<uint64_t>& counter, log::Throttle& throttle, uint64_t n,
             std::string_view reason, std::string_view error) {
  uint64_t total = counter.fetch_add(n, std::memory_order_relaxed) + n;
  uint64_t held_back = 0;
  if (!throttle.Allow(held_back)) return;
  if (error.empty()) {
    log::Warn("uses.dropped", {{"reason", reason},
                               {"records", n},
                               {"records_total", total},
                               {"warnings_held_back", held_back}});
  } else {
    log::Warn("uses.dropped", {{"reason", reason},
                               {"error", error},
                               {"records", n},
                               {"records_total", total},
                               {"warnings_held_back", held_back}});
  }
}

}  // namespace

UseRecorder::~UseRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  Flush();
}

void UseRecorder::Start() {
  flusher_ = std::thread([this] { FlushLoop(); });
}

UseRecorder::Key UseRecorder::KeyOf(const MandateUse& u) {
  Key key{};
  const std::string_view fields[] = {u.mandate_id.str(), u.provider.str(), u.service.str(),
                                     ChannelName(u.channel)};
  char* at = key.data();
  for (size_t i = 0; i < std::size(fields); ++i) {
    std::memcpy(at, fields[i].data(), std::min(fields[i].size(), kKeyWidths[i]));
    at += kKeyWidths[i];
  }
  return key;
}

void UseRecorder::Record(const MandateUse& use) {
  bool full = false;
  bool dropped = false;
  {
    int64_t minute = std::chrono::floor<std::chrono::minutes>(use.at).time_since_epoch().count();
    Key key = KeyOf(use);
    std::lock_guard lock(mu_);
    if (minute != minute_) {
      minute_ = minute;
      used_this_minute_.clear();
    }
    // Checked first, so a use dropped once is not counted again within its minute.
    if (!used_this_minute_.insert(key).second) return;  // already recorded (or dropped)
    dropped = queue_.size() >= max_queued_;
    if (!dropped) {
      queue_.push_back(use);
      full = queue_.size() >= kFlushBatch;
    }
  }
  if (dropped) {
    Dropped(Counters().uses_dropped_queue_full, queue_full_warnings_, 1, "uses.queue_full", "");
  }
  if (full) cv_.notify_one();
}

void UseRecorder::FlushLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kFlushPeriod, [&] { return stopping_ || queue_.size() >= kFlushBatch; });
    if (queue_.empty()) continue;
    lock.unlock();
    Flush();
    lock.lock();
  }
}

void UseRecorder::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  std::vector<MandateUse> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(queue_);
  }
  if (batch.empty()) return;
  // Losing use records on a failing disk is acceptable: uses are not durable-critical (the
  // mandate data itself goes through Commit). Counted and logged, not retried.
  if (auto r = store_.RecordUses(batch); !r) {
    Dropped(Counters().uses_dropped_write_failed, write_failed_warnings_, batch.size(),
            "uses.write_failed", r.error().Reason());
  }
}

}  // namespace volmacht
