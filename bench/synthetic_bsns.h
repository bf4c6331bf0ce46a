// Synthetic BSNs for benchmarks: the first n numbers from `first` on that pass the 11-proef.
#pragma once

#include <cstdio>
#include <vector>

#include "domain/identifiers.h"

namespace volmacht::bench {

inline std::vector<Bsn> SyntheticBsns(size_t n, long first) {
  std::vector<Bsn> out;
  out.reserve(n);
  char buf[16];
  for (long v = first; out.size() < n; ++v) {
    std::snprintf(buf, sizeof buf, "%09ld", v);
    if (auto b = Bsn::Parse(buf)) out.push_back(*b);
  }
  return out;
}

}  // namespace volmacht::bench
