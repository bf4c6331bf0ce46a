// The hash chain of the event log, independent of any database so that every store
// implementation (and an offline auditor) computes and checks it the same way.
//
// hash = lowercase hex SHA-256 of the canonical encoding of one record: the netstrings
// ("<decimal byte length>:<bytes>,") of, in this order,
//   "volmacht-event-v1", prev_hash, seq (decimal), at (decimal microseconds since the Unix
//   epoch, UTC), mandate_id, type, actor, channel, detail_json.
// The length prefixes make the encoding injective: no two different records encode alike.
// Records have seq 1, 2, 3, ... without gaps; the first record's prev_hash is kGenesisHash and
// every other record's prev_hash is the hash of the record before it.
//
// Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/store.h"

namespace volmacht {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string CanonicalEventBytes(const EventRecord& r);
// Hex SHA-256 of CanonicalEventBytes(r) (r.hash itself is not part of it).
std::string ComputeEventHash(const EventRecord& r);

// Checks a log fed record by record in seq order; stops at the first problem.
//
//   ChainVerifier v;
//   for (const EventRecord& r : log) if (!v.Add(r)) break;
//   v.FinishWithHead(head_seq, head_hash);
//   AuditReport rep = v.report();
//
// Problems, reported with the seq at which the chain stops verifying:
//   "gap"              a record is missing (or moved): seq is not previous + 1
//   "prev_hash mismatch" the record does not link to the record before it
//   "hash mismatch"    the record's content does not match its hash (altered)
//   "truncated"        the recorded head is beyond the last record (tail removed)
//   "beyond head"      records exist after the recorded head
//   "head mismatch"    the recorded head's hash differs from the last record's
class ChainVerifier {
 public:
  // Returns false once the chain is known bad (further records are ignored).
  bool Add(const EventRecord& r);
  // Compares the end of the chain with the separately recorded head (seq 0 + kGenesisHash
  // for an empty log).
  void FinishWithHead(uint64_t head_seq, std::string_view head_hash);
  const AuditReport& report() const { return report_; }

 private:
  void Bad(uint64_t seq, std::string problem);
  AuditReport report_;
  uint64_t last_seq_ = 0;
  std::string last_hash_{kGenesisHash};
};

}  // namespace volmacht
