#include "store/event_chain.h"

#include <utility>

#include "common/crypto.h"

namespace volmacht {

namespace {

void AppendNetstring(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
  out += ',';
}

}  // namespace

std::string CanonicalEventBytes(const EventRecord& r) {
  std::string out;
  out.reserve(160 + r.mandate_id.size() + r.type.size() + r.actor.size() + r.channel.size() +
              r.detail_json.size());
  AppendNetstring(out, "volmacht-event-v1");
  AppendNetstring(out, r.prev_hash);
  AppendNetstring(out, std::to_string(r.seq));
  AppendNetstring(out, std::to_string(r.at.time_since_epoch().count()));
  AppendNetstring(out, r.mandate_id);
  AppendNetstring(out, r.type);
  AppendNetstring(out, r.actor);
  AppendNetstring(out, r.channel);
  AppendNetstring(out, r.detail_json);
  return out;
}

std::string ComputeEventHash(const EventRecord& r) { return ToHex(Sha256(CanonicalEventBytes(r))); }

void ChainVerifier::Bad(uint64_t seq, std::string problem) {
  report_.ok = false;
  report_.first_bad_seq = seq;
  report_.problem = std::move(problem);
}

bool ChainVerifier::Add(const EventRecord& r) {
  if (!report_.ok) return false;
  ++report_.records;
  if (r.seq != last_seq_ + 1) {
    // The first seq that should be there and is not.
    Bad(last_seq_ + 1, "gap");
    return false;
  }
  if (r.prev_hash != last_hash_) {
    Bad(r.seq, "prev_hash mismatch");
    return false;
  }
  if (ComputeEventHash(r) != r.hash) {
    Bad(r.seq, "hash mismatch");
    return false;
  }
  last_seq_ = r.seq;
  last_hash_ = r.hash;
  return true;
}

void ChainVerifier::FinishWithHead(uint64_t head_seq, std::string_view head_hash) {
  if (!report_.ok) return;
  if (head_seq > last_seq_) {
    Bad(last_seq_ + 1, "truncated");
  } else if (head_seq < last_seq_) {
    Bad(head_seq + 1, "beyond head");
  } else if (head_hash != last_hash_) {
    Bad(head_seq, "head mismatch");
  }
}

}  // namespace volmacht
