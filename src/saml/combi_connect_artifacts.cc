#include "saml/combi_connect_artifacts.h"

#include <utility>

namespace volmacht::saml {

Result<void> RequestIdCache::Remember(const std::string& issuer, const std::string& id,
                                      Timestamp until, Timestamp now) {
  // The NUL byte cannot occur in an XML attribute value, so the key is unambiguous.
  std::string key = issuer;
  key.push_back('\0');
  key += id;
  std::lock_guard lock(mu_);
  PurgeLocked(now);
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    if (it->second > now) return Fail(Error::Forbidden("request already processed"));
    seen_.erase(it);  // expired but not yet purged (out-of-order expiry)
  }
  if (seen_.size() >= capacity_) return Fail(Error::Unavailable("too many requests in flight"));
  seen_.emplace(key, until);
  order_.emplace_back(until, std::move(key));
  return {};
}

std::size_t RequestIdCache::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

void RequestIdCache::PurgeLocked(Timestamp now) {
  // order_ is by insertion; expiries are almost monotonic (IssueInstant + a constant), and
  // an entry whose expiry is later than its predecessors' merely waits a little longer.
  while (!order_.empty() && order_.front().first <= now) {
    auto it = seen_.find(order_.front().second);
    if (it != seen_.end() && it->second <= now) seen_.erase(it);
    order_.pop_front();
  }
}

Result<void> ArtifactStore::Put(const std::string& artifact, Entry entry, Timestamp now) {
  std::lock_guard lock(mu_);
  PurgeLocked(now);
  if (entries_.contains(artifact)) return Fail(Error::Conflict("artifact collision"));
  if (entries_.size() >= capacity_) return Fail(Error::Unavailable("too many open artifacts"));
  Timestamp issued = entry.issued;
  entries_.emplace(artifact, std::move(entry));
  order_.emplace_back(issued, artifact);
  return {};
}

ArtifactStore::Taken ArtifactStore::Take(const std::string& artifact,
                                         const std::string& requester, Timestamp now) {
  std::lock_guard lock(mu_);
  PurgeLocked(now);
  auto it = entries_.find(artifact);
  if (it == entries_.end()) return {};
  if (it->second.sp_entity_id != requester) return {Outcome::kWrongParty, std::nullopt};
  Taken taken;
  taken.outcome = (now - it->second.issued >= kArtifactLifetime || now < it->second.issued)
                      ? Outcome::kLate
                      : Outcome::kValid;
  taken.entry = std::move(it->second);
  if (taken.outcome == Outcome::kLate) taken.entry->message.clear();
  entries_.erase(it);
  return taken;
}

std::size_t ArtifactStore::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void ArtifactStore::PurgeLocked(Timestamp now) {
  // Drop the message (the encrypted BSNs) as soon as it can no longer be delivered; keep a
  // tombstone so a late resolver learns "too late" rather than "unknown".
  // cleared_ counts the leading order_ entries already handled, so each entry is visited
  // once here rather than on every call.
  while (cleared_ < order_.size() && now - order_[cleared_].first >= kArtifactLifetime) {
    auto it = entries_.find(order_[cleared_].second);
    if (it != entries_.end()) it->second.message.clear();
    ++cleared_;
  }
  while (!order_.empty() && now - order_.front().first >= kTombstoneLifetime) {
    entries_.erase(order_.front().second);
    order_.pop_front();
    if (cleared_ > 0) --cleared_;
  }
}

}  // namespace volmacht::saml
