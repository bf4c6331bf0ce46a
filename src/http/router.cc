#include "http/router.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

namespace volmacht::http {
namespace {

// Splits "/a/b" into {"a", "b"}; "/" into {""}. The caller guarantees a leading '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  for (;;) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict percent-decoding: a broken escape or a decoded control character is refused rather
// than passed on to a handler that would have to guess.
std::optional<std::string> DecodeSegment(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Mode mode, Handler handler) {
  if (method.empty() || pattern.empty() || pattern.front() != '/' || !handler) {
    throw std::invalid_argument("http route: bad method, pattern or handler: " +
                                std::string(pattern));
  }
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  route.mode = mode;
  route.handler = std::move(handler);
  for (std::string_view seg : SplitPath(pattern)) {
    Route::Segment s;
    if (seg.size() >= 3 && seg.front() == '{' && seg.back() == '}') {
      s.is_param = true;
    } else if (seg.find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("http route: bad segment in pattern " + route.pattern);
    } else {
      s.literal = std::string(seg);
    }
    route.segments.push_back(std::move(s));
  }
  for (const Route& r : routes_) {
    if (r.method != route.method || r.segments.size() != route.segments.size()) continue;
    bool same = true;
    for (size_t i = 0; i < r.segments.size() && same; ++i) {
      same = r.segments[i].is_param == route.segments[i].is_param &&
             r.segments[i].literal == route.segments[i].literal;
    }
    if (same) throw std::invalid_argument("http route: duplicate " + route.pattern);
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path.front() != '/') {
    m.outcome = Outcome::kBadPath;
    return m;
  }
  std::vector<std::string_view> segs = SplitPath(path);
  // A literal match beats a parameter match, so "/x/new" can sit beside "/x/{id}": of all
  // routes whose shape fits, take the one with the most literal segments.
  const Route* best = nullptr;
  int best_literals = -1;
  bool path_known = false;
  std::vector<std::string_view> allowed;
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    bool fits = true;
    int literals = 0;
    for (size_t i = 0; i < segs.size() && fits; ++i) {
      if (r.segments[i].is_param) {
        fits = !segs[i].empty();
      } else {
        fits = r.segments[i].literal == segs[i];
        ++literals;
      }
    }
    if (!fits) continue;
    path_known = true;
    if (r.method != method) {
      if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) {
        allowed.push_back(r.method);
      }
      continue;
    }
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
    }
  }
  if (best == nullptr) {
    if (!path_known) return m;
    m.outcome = Outcome::kMethodNotAllowed;
    for (std::string_view a : allowed) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += a;
    }
    return m;
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    if (!best->segments[i].is_param) continue;
    std::optional<std::string> v = DecodeSegment(segs[i]);
    if (!v) {
      m.outcome = Outcome::kBadPath;
      m.params.clear();
      return m;
    }
    m.params.push_back(std::move(*v));
  }
  m.outcome = Outcome::kFound;
  m.route = best;
  return m;
}

}  // namespace volmacht::http
