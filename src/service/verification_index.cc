#include "service/verification_index.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <unordered_map>

namespace volmacht {
namespace {

// Compact forms keep a million mandates near 100 bytes each: a UUID as 128 bits, a BSN as
// its 9-digit number, a date as days since the epoch.
struct Id128 {
  uint64_t hi = 0, lo = 0;
  auto operator<=>(const Id128&) const = default;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

Id128 ToId(const Uuid& u) {
  Id128 r;
  int n = 0;
  for (char c : u.str()) {
    if (c == '-') continue;
    uint64_t& half = n < 16 ? r.hi : r.lo;
    half = (half << 4) | static_cast<uint64_t>(HexValue(c));
    ++n;
  }
  return r;
}

Uuid FromId(const Id128& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 32; ++i) {
    uint64_t half = i < 16 ? id.hi : id.lo;
    int shift = (15 - (i % 16)) * 4;
    s.push_back(kHex[(half >> shift) & 0xF]);
    if (i == 7 || i == 11 || i == 15 || i == 19) s.push_back('-');
  }
  // The text came from a valid Uuid, so it parses.
  return Uuid::Parse(s).value_or(Uuid());
}

uint32_t ToNumber(const Bsn& b) { return static_cast<uint32_t>(std::stoul(b.str())); }

Bsn FromNumber(uint32_t n) {
  std::string s = std::to_string(n);
  s.insert(0, 9 - std::min<size_t>(9, s.size()), '0');
  return Bsn::Parse(s).value();  // came from a valid Bsn
}

int32_t DayNumber(Date d) {
  return static_cast<int32_t>(std::chrono::sys_days(d).time_since_epoch().count());
}

struct Entry {
  uint32_t principal = 0;
  Id128 mandate;
  int32_t start = 0;
  int32_t end = 0;
  int64_t version = 0;
  std::vector<Id128> services;  // sorted

  bool Covers(const Id128& service, int32_t today) const {
    return start <= today && today <= end &&
           std::binary_search(services.begin(), services.end(), service);
  }
};

// Per agent, entries sorted by (principal, mandate): Find is a binary search and ForWhom is
// already in principal order.
using Entries = std::vector<Entry>;

bool EntryLess(const Entry& a, const Entry& b) {
  return std::tie(a.principal, a.mandate) < std::tie(b.principal, b.mandate);
}

constexpr size_t kShards = 64;

struct Shard {
  mutable std::shared_mutex mu;
  std::unordered_map<Party, Entries> by_agent;
};

}  // namespace

struct VerificationIndex::Impl {
  std::array<Shard, kShards> shards;
  std::atomic<uint64_t> seq{0};
  std::atomic<size_t> size{0};

  Shard& ShardOf(const Party& p) { return shards[std::hash<Party>()(p) % kShards]; }
  const Shard& ShardOf(const Party& p) const {
    return shards[std::hash<Party>()(p) % kShards];
  }
};

VerificationIndex::VerificationIndex() : impl_(std::make_unique<Impl>()) {}
VerificationIndex::~VerificationIndex() = default;

void VerificationIndex::Apply(const Mandate& m) {
  if (!m.agent) return;  // never ACTIVE without an agent, so never indexed
  Shard& shard = impl_->ShardOf(*m.agent);
  Entry e;
  e.principal = ToNumber(m.principal);
  e.mandate = ToId(m.id);
  e.start = DayNumber(m.start);
  e.end = DayNumber(m.end);
  e.version = m.version;
  e.services.reserve(m.services.size());
  for (const Uuid& s : m.services) e.services.push_back(ToId(s));
  std::sort(e.services.begin(), e.services.end());

  std::unique_lock lock(shard.mu);
  auto it = shard.by_agent.find(*m.agent);
  Entries* entries = it == shard.by_agent.end() ? nullptr : &it->second;
  Entries::iterator pos;
  bool held = false;
  if (entries) {
    pos = std::lower_bound(entries->begin(), entries->end(), e, EntryLess);
    held = pos != entries->end() && pos->principal == e.principal && pos->mandate == e.mandate;
    if (held && pos->version > m.version) return;  // older news
  }
  if (m.state != MandateState::kActive) {
    if (held) {
      entries->erase(pos);
      impl_->size.fetch_sub(1);
      if (entries->empty()) shard.by_agent.erase(it);
    }
    return;
  }
  if (held) {
    *pos = std::move(e);
    return;
  }
  if (!entries) {
    entries = &shard.by_agent[*m.agent];
    pos = entries->begin();
  }
  entries->insert(pos, std::move(e));
  impl_->size.fetch_add(1);
}

void VerificationIndex::SetSeq(uint64_t seq) { impl_->seq.store(seq); }
uint64_t VerificationIndex::Seq() const { return impl_->seq.load(); }
size_t VerificationIndex::Size() const { return impl_->size.load(); }

std::optional<Uuid> VerificationIndex::Find(const Party& agent, const Bsn& principal,
                                            const Uuid& service, Date today) const {
  const Shard& shard = impl_->ShardOf(agent);
  uint32_t p = ToNumber(principal);
  Id128 s = ToId(service);
  int32_t day = DayNumber(today);
  std::shared_lock lock(shard.mu);
  auto it = shard.by_agent.find(agent);
  if (it == shard.by_agent.end()) return std::nullopt;
  const Entries& entries = it->second;
  auto first = std::lower_bound(entries.begin(), entries.end(), p,
                                [](const Entry& e, uint32_t v) { return e.principal < v; });
  for (auto e = first; e != entries.end() && e->principal == p; ++e) {
    if (e->Covers(s, day)) return FromId(e->mandate);
  }
  return std::nullopt;
}

std::vector<std::pair<Bsn, Uuid>> VerificationIndex::ForWhom(const Party& agent,
                                                             const Uuid& service,
                                                             Date today) const {
  std::vector<std::pair<uint32_t, Id128>> hits;
  {
    const Shard& shard = impl_->ShardOf(agent);
    Id128 s = ToId(service);
    int32_t day = DayNumber(today);
    std::shared_lock lock(shard.mu);
    auto it = shard.by_agent.find(agent);
    if (it == shard.by_agent.end()) return {};
    for (const Entry& e : it->second) {
      // One answer per principal even if two mandates overlap (e.g. restricted + new).
      if (e.Covers(s, day) && (hits.empty() || hits.back().first != e.principal)) {
        hits.emplace_back(e.principal, e.mandate);
      }
    }
  }
  std::vector<std::pair<Bsn, Uuid>> out;
  out.reserve(hits.size());
  for (const auto& [p, m] : hits) out.emplace_back(FromNumber(p), FromId(m));
  return out;
}

}  // namespace volmacht
