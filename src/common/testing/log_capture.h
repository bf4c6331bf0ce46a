// LogCapture: for tests, the process's log lines in memory while it lives.
//
//   volmacht::testing::LogCapture logs;  // installs a capturing logger (level debug)
//   ... run the code ...
//   for (const std::string& line : logs.Lines()) ...
//
// The destructor puts a synchronous stderr logger back. Thread-safe: lines may arrive from
// any thread while the test reads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"

namespace volmacht::testing {

class LogCapture {
 public:
  LogCapture() : lines_(std::make_shared<Lines_>()) {
    log::Options o;
    o.level = log::Level::kDebug;
    o.capture = [lines = lines_](std::string_view line) {
      std::lock_guard lock(lines->mu);
      lines->all.emplace_back(line);
    };
    (void)log::Init(o);  // a capture sink cannot fail to open
  }
  ~LogCapture() { (void)log::Init({}); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<std::string> Lines() const {
    std::lock_guard lock(lines_->mu);
    return lines_->all;
  }
  // The lines that contain `needle`.
  std::vector<std::string> With(std::string_view needle) const {
    std::vector<std::string> out;
    for (std::string& l : Lines()) {
      if (l.find(needle) != std::string::npos) out.push_back(std::move(l));
    }
    return out;
  }

 private:
  struct Lines_ {
    std::mutex mu;
    std::vector<std::string> all;
  };
  std::shared_ptr<Lines_> lines_;
};

}  // namespace volmacht::testing
