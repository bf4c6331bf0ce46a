// The logging facade on spdlog: JSON encoding of the fields, the sinks, the process's logger.
#include "common/log.h"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

namespace volmacht::log {
namespace {

// The time stamp (UTC, microseconds) and the level come first; %v is Format()'s payload.
constexpr const char* kPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ",%v})";
constexpr size_t kAsyncQueue = 8192;  // lines

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// Hands each formatted line to a function (tests).
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CaptureSink(std::function<void(std::string_view)> fn) : fn_(std::move(fn)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t out;
    formatter_->format(msg, out);
    std::string_view line(out.data(), out.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    fn_(line);
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> fn_;
};

struct State {
  std::mutex mu;  // Init, Flush, Shutdown
  std::shared_ptr<spdlog::details::thread_pool> pool;
  // Every logger made stays alive until exit: a thread that loaded the pointer just before an
  // Init may still be writing through the old one.
  std::vector<std::shared_ptr<spdlog::logger>> made;
  std::atomic<spdlog::logger*> current{nullptr};
  std::atomic<int> level{static_cast<int>(Level::kInfo)};
};

State& S() {
  static State* s = new State();  // never destroyed: threads may log during static destruction
  return *s;
}

std::shared_ptr<spdlog::logger> MakeLogger(spdlog::sink_ptr sink, bool async, Level level) {
  sink->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(kPattern, spdlog::pattern_time_type::utc));
  std::shared_ptr<spdlog::logger> logger;
  if (async) {
    auto pool = std::make_shared<spdlog::details::thread_pool>(kAsyncQueue, 1);
    logger = std::make_shared<spdlog::async_logger>("volmacht", std::move(sink), pool,
                                                    spdlog::async_overflow_policy::block);
    S().pool = std::move(pool);  // the async logger holds it weakly
  } else {
    logger = std::make_shared<spdlog::logger>("volmacht", std::move(sink));
  }
  logger->set_level(ToSpd(level));
  logger->flush_on(spdlog::level::trace);  // every line reaches the file at once
  return logger;
}

// Caller holds S().mu.
void Install(std::shared_ptr<spdlog::logger> logger, Level level) {
  State& s = S();
  s.level = static_cast<int>(level);
  s.current = logger.get();
  s.made.push_back(std::move(logger));
}

spdlog::logger* Current() {
  spdlog::logger* l = S().current.load(std::memory_order_acquire);
  if (l != nullptr) return l;
  std::lock_guard lock(S().mu);
  if (S().current == nullptr) {
    Install(MakeLogger(std::make_shared<spdlog::sinks::stderr_sink_mt>(), false, Level::kInfo),
            Level::kInfo);
  }
  return S().current;
}

// JSON string contents: quotes, backslashes and control characters escaped, valid UTF-8
// copied, each byte of an invalid sequence replaced by U+FFFD.
void AppendEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    bool ok = len != 0 && c < 0xf5 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (ok && len == 3) {  // no overlong forms, no surrogates
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && len == 4) {  // no overlong forms, nothing beyond U+10FFFF
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
}

void AppendString(std::string& out, std::string_view s) {
  out.push_back('"');
  AppendEscaped(out, s);
  out.push_back('"');
}

}  // namespace

Result<Level> ParseLevel(std::string_view text) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (text == LevelName(l)) return l;
  }
  return Fail(volmacht::Error::Invalid("log level must be debug, info, warn, error or off"));
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

Result<void> Init(const Options& options) {
  spdlog::sink_ptr sink;
  if (options.capture) {
    sink = std::make_shared<CaptureSink>(options.capture);
  } else if (!options.file.empty()) {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, false);
    } catch (const spdlog::spdlog_ex&) {
      return Fail(volmacht::Error::Unavailable("cannot open the log file " + options.file)
                      .Because("log.file_not_writable"));
    }
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  std::lock_guard lock(S().mu);
  if (S().current != nullptr) S().current.load()->flush();
  Install(MakeLogger(std::move(sink), options.async, options.level), options.level);
  return {};
}

void Flush() {
  std::lock_guard lock(S().mu);
  if (S().current != nullptr) S().current.load()->flush();
}

void Shutdown() {
  std::lock_guard lock(S().mu);
  State& s = S();
  if (s.current != nullptr) s.current.load()->flush();
  // Back to a synchronous stderr logger, then stop the background thread (the pool's
  // destructor writes out what is queued and joins).
  int level = s.level;
  Install(MakeLogger(std::make_shared<spdlog::sinks::stderr_sink_mt>(), false,
                     static_cast<Level>(level)),
          static_cast<Level>(level));
  s.pool.reset();
}

bool Enabled(Level level) {
  return level != Level::kOff &&
         static_cast<int>(level) >= S().level.load(std::memory_order_relaxed);
}

void Field::AppendTo(std::string& out) const {
  AppendString(out, key_);
  out.push_back(':');
  char buf[40];
  switch (kind_) {
    case Kind::kString:
      AppendString(out, s_);
      return;
    case Kind::kBool:
      out += u_ != 0 ? "true" : "false";
      return;
    case Kind::kInt:
      out.append(buf, std::to_chars(buf, buf + sizeof buf, i_).ptr);
      return;
    case Kind::kUint:
      out.append(buf, std::to_chars(buf, buf + sizeof buf, u_).ptr);
      return;
    case Kind::kDouble:
      if (!std::isfinite(d_)) {
        out += "null";
        return;
      }
      out.append(buf, std::to_chars(buf, buf + sizeof buf, d_, std::chars_format::fixed, 3).ptr);
      return;
  }
}

std::string Format(Level level, std::string_view event, Fields fields) {
  std::string out;
  out.reserve(64 + fields.size() * 24);
  out += "\"level\":";
  AppendString(out, LevelName(level));
  out += ",\"event\":";
  AppendString(out, event);
  for (const Field& f : fields) {
    out.push_back(',');
    f.AppendTo(out);
  }
  return out;
}

void Write(Level level, std::string_view event, Fields fields) {
  if (!Enabled(level)) return;
  std::string payload = Format(level, event, fields);
  Current()->log(spdlog::source_loc{}, ToSpd(level),
                 spdlog::string_view_t(payload.data(), payload.size()));
}

bool Throttle::Allow(Clock::time_point now, uint64_t& held_back) {
  int64_t t = now.time_since_epoch().count();
  int64_t next = next_.load(std::memory_order_relaxed);
  if (t < next || !next_.compare_exchange_strong(next, t + period_.count())) {
    held_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  held_back = held_.exchange(0, std::memory_order_relaxed);
  return true;
}

}  // namespace volmacht::log
