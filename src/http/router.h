// Router: maps (method, path) to a registered handler. Internal to src/http (HttpServer uses
// it); kept free of Beast so it is cheap to compile and test on its own.
//
// Patterns are "/"-separated segments, each either a literal (compared byte for byte with the
// raw path segment) or "{name}" (matches one non-empty segment; the value is percent-decoded
// and handed over in Request::path_params, in order).
// Find() never throws: an unknown path is kNotFound, a known path with another method is
// kMethodNotAllowed (with the Allow list), a parameter with a broken %-escape or a control
// character is kBadPath. Add() throws std::invalid_argument on a malformed or duplicate
// pattern (a programming error, found at start-up).
// Thread-safety: Add before use; Find is const and may run on many threads at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"

namespace volmacht::http {

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;  // as registered, for logs
    Mode mode = Mode::kInline;
    Handler handler;
    struct Segment {
      bool is_param = false;
      std::string literal;
    };
    std::vector<Segment> segments;
  };

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;     // set when kFound
    std::vector<std::string> params;  // set when kFound
    std::string allow;                // set when kMethodNotAllowed, e.g. "GET, POST"
  };

  void Add(std::string method, std::string_view pattern, Mode mode, Handler handler);
  Match Find(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace volmacht::http
