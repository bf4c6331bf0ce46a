// Structured logging: one JSON object per line (docs/adr/0015-structured-logging.md), the
// only place that knows spdlog. Every layer logs through these functions; only the program's
// entry point configures the output.
//
//   log::Info("http.request", {{"method", "POST"}, {"status", 404}, {"reason", e.Reason()}});
//   -> {"ts":"2026-12-03T10:11:12.345678Z","level":"info","event":"http.request",
//       "method":"POST","status":404,"reason":"not_found"}
//
// What may go into a field: identifiers of our own making (request ids, mandate ids, OINs,
// route names), numbers, and stable reasons (Error::Reason()). Never a BSN, a name, a
// message body, an Error::message of request handling, or anything else a request carried in
// free text (docs/adr/0015). Keys are fixed snake_case words in the code.
//
// Until Init is called the process logs synchronously to stderr at level info.
// Thread-safety: Write and the level functions are thread-safe; Init and Shutdown are for the
// program's start and end (and tests), not concurrent with each other.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/result.h"

namespace volmacht::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// "debug", "info", "warn", "error", "off".
[[nodiscard]] Result<Level> ParseLevel(std::string_view text);
std::string_view LevelName(Level level);

struct Options {
  Level level = Level::kInfo;
  // Where lines go: `file` when set (appended), else stderr. `capture`, when set, receives
  // every line (without the newline) instead; for tests. A missing directory of `file` is
  // made (spdlog does).
  std::string file;
  std::function<void(std::string_view line)> capture;
  // A background thread writes the lines (the serve process: I/O threads do not wait for the
  // disk). The queue is bounded; when it is full, loggers wait (no line is dropped).
  bool async = false;
};

// Replaces the process's logger. kUnavailable when the file cannot be opened.
[[nodiscard]] Result<void> Init(const Options& options);
// Writes out what is queued.
void Flush();
// Flushes and stops the background thread; logging afterwards goes to stderr again.
void Shutdown();

bool Enabled(Level level);

// One key and its value: a string (escaped; invalid UTF-8 replaced), an integer, a boolean or
// a number with three decimals. A view of its key and string: make it in the call to Write.
class Field {
 public:
  enum class Kind { kString, kInt, kUint, kBool, kDouble };
  Field(std::string_view key, std::string_view value)
      : key_(key), kind_(Kind::kString), s_(value) {}
  Field(std::string_view key, const char* value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), kind_(Kind::kBool), u_(value ? 1 : 0) {}
  Field(std::string_view key, double value) : key_(key), kind_(Kind::kDouble), d_(value) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Field(std::string_view key, T value) : key_(key) {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::kInt;
      i_ = static_cast<int64_t>(value);
    } else {
      kind_ = Kind::kUint;
      u_ = static_cast<uint64_t>(value);
    }
  }

  std::string_view key() const { return key_; }
  // Appends `"key":value` to `out`.
  void AppendTo(std::string& out) const;

 private:
  std::string_view key_;
  Kind kind_ = Kind::kString;
  std::string_view s_;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double d_ = 0;
};

using Fields = std::initializer_list<Field>;

// Writes one line when `level` is enabled. `event` names what happened ("area.what").
void Write(Level level, std::string_view event, Fields fields = {});
inline void Debug(std::string_view event, Fields fields = {}) {
  Write(Level::kDebug, event, fields);
}
inline void Info(std::string_view event, Fields fields = {}) { Write(Level::kInfo, event, fields); }
inline void Warn(std::string_view event, Fields fields = {}) { Write(Level::kWarn, event, fields); }
inline void Error(std::string_view event, Fields fields = {}) {
  Write(Level::kError, event, fields);
}

// The payload of a line without the time stamp: `"level":"...","event":"...",<fields>`.
// Write uses it; tests check the encoding with it.
std::string Format(Level level, std::string_view event, Fields fields);

// At most one line per period, for what can repeat fast (a full queue, a failing disk): the
// first call and the first after each period are allowed, and report how many calls were held
// back since the last allowed one. Lock-free; `now` is passed in so tests need no waiting.
class Throttle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Throttle(Clock::duration period) : period_(period) {}
  // True when a line may be written at `now`; then `held_back` is set.
  bool Allow(Clock::time_point now, uint64_t& held_back);
  bool Allow(uint64_t& held_back) { return Allow(Clock::now(), held_back); }

 private:
  const Clock::duration period_;
  std::atomic<int64_t> next_{INT64_MIN};  // Clock ticks from which the next line may go
  std::atomic<uint64_t> held_{0};
};

}  // namespace volmacht::log
