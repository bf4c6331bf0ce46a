// In-memory state of the Combi-Connect IdP that lasso does not keep: the request-ID replay
// cache and the artifact store (docs/saml-profile.md section 3.3). Both are bounded:
// when full after purging what has expired they refuse (kUnavailable) rather than forget,
// because forgetting would allow a replay.
//
// Times come from the caller (injected clock); no thread reads the system clock.
// Thread-safety: every method may be called concurrently (one mutex per object).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"

namespace volmacht::saml {

// Remembers (issuer, request ID) pairs until their expiry.
class RequestIdCache {
 public:
  explicit RequestIdCache(std::size_t capacity) : capacity_(capacity) {}
  // Records the pair, to be remembered until `until`. Errors: kForbidden when the pair is
  // already known (a replay), kUnavailable when full.
  [[nodiscard]] Result<void> Remember(const std::string& issuer, const std::string& id,
                                      Timestamp until, Timestamp now);
  std::size_t size() const;

 private:
  void PurgeLocked(Timestamp now);
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::unordered_map<std::string, Timestamp> seen_;
  std::deque<std::pair<Timestamp, std::string>> order_;  // by insertion; may be out of order
};

// Artifact -> the SAML Response it stands for, bound to the provider it was issued to,
// usable once within kArtifactLifetime. After that lifetime the message itself is dropped
// and only a tombstone stays (for a "too late" answer) until kTombstoneLifetime.
class ArtifactStore {
 public:
  static constexpr std::chrono::minutes kArtifactLifetime{15};
  static constexpr std::chrono::minutes kTombstoneLifetime{60};

  struct Entry {
    std::string sp_entity_id;  // the only party that may resolve it
    std::string request_id;    // InResponseTo of the message
    std::string acs_url;
    std::string message;       // the Response XML; empty in a tombstone
    Timestamp issued;
  };
  enum class Outcome {
    kUnknown,     // never issued, already used, or purged
    kWrongParty,  // issued to another provider: left in place
    kLate,        // older than kArtifactLifetime: removed
    kValid,       // removed (once only)
  };
  struct Taken {
    Outcome outcome = Outcome::kUnknown;
    std::optional<Entry> entry;  // for kLate (message empty) and kValid
  };

  explicit ArtifactStore(std::size_t capacity) : capacity_(capacity) {}
  // Errors: kUnavailable when full, kConflict for an artifact already present (a random
  // 20-byte handle repeating means something is badly wrong).
  [[nodiscard]] Result<void> Put(const std::string& artifact, Entry entry, Timestamp now);
  // Looks the artifact up for `requester` (an SP entity id) at `now`.
  Taken Take(const std::string& artifact, const std::string& requester, Timestamp now);
  std::size_t size() const;

 private:
  void PurgeLocked(Timestamp now);
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<Timestamp, std::string>> order_;
  std::size_t cleared_ = 0;
};

}  // namespace volmacht::saml
