#include "store/event_chain.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace volmacht {
namespace {

std::vector<EventRecord> MakeChain(int n) {
  std::vector<EventRecord> out;
  std::string prev(kGenesisHash);
  for (int i = 1; i <= n; ++i) {
    EventRecord r;
    r.seq = static_cast<uint64_t>(i);
    r.at = Timestamp(std::chrono::microseconds(1'700'000'000'000'000 + i));
    r.mandate_id = "m" + std::to_string(i % 3);
    r.type = "REQUESTED";
    r.actor = "system";
    r.channel = "API";
    r.detail_json = "{\"i\":" + std::to_string(i) + "}";
    r.prev_hash = prev;
    r.hash = ComputeEventHash(r);
    prev = r.hash;
    out.push_back(r);
  }
  return out;
}

AuditReport Verify(const std::vector<EventRecord>& log, uint64_t head_seq,
                   const std::string& head_hash) {
  ChainVerifier v;
  for (const EventRecord& r : log) {
    if (!v.Add(r)) break;
  }
  v.FinishWithHead(head_seq, head_hash);
  return v.report();
}

TEST(EventChainTest, KnownEncodingAndHash) {
  EventRecord r;
  r.seq = 1;
  r.at = Timestamp(std::chrono::microseconds(42));
  r.mandate_id = "abc";
  r.type = "T";
  r.actor = "system";
  r.channel = "API";
  r.detail_json = "{}";
  r.prev_hash = std::string(kGenesisHash);
  EXPECT_EQ(CanonicalEventBytes(r), "17:volmacht-event-v1,64:" + std::string(kGenesisHash) +
                                        ",1:1,2:42,3:abc,1:T,6:system,3:API,2:{},");
  EXPECT_EQ(ComputeEventHash(r).size(), 64u);
  // The hash field itself is not hashed.
  EventRecord with_hash = r;
  with_hash.hash = "ff";
  EXPECT_EQ(ComputeEventHash(with_hash), ComputeEventHash(r));
}

TEST(EventChainTest, EncodingIsInjectiveAcrossFieldBoundaries) {
  EventRecord a;
  a.actor = "ab";
  a.channel = "c";
  EventRecord b = a;
  b.actor = "a";
  b.channel = "bc";
  EXPECT_NE(CanonicalEventBytes(a), CanonicalEventBytes(b));
  EXPECT_NE(ComputeEventHash(a), ComputeEventHash(b));
}

TEST(EventChainTest, EmptyLogVerifies) {
  AuditReport rep = Verify({}, 0, std::string(kGenesisHash));
  EXPECT_TRUE(rep.ok);
  EXPECT_EQ(rep.records, 0u);
}

TEST(EventChainTest, IntactChainVerifies) {
  auto log = MakeChain(10);
  AuditReport rep = Verify(log, 10, log.back().hash);
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.records, 10u);
}

TEST(EventChainTest, DetectsAlteredField) {
  auto log = MakeChain(10);
  log[4].detail_json = "{\"i\":999}";
  AuditReport rep = Verify(log, 10, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 5u);
  EXPECT_EQ(rep.problem, "hash mismatch");
}

TEST(EventChainTest, DetectsAlteredTimestampAndRehashedRecordBreaksNextLink) {
  auto log = MakeChain(10);
  log[6].at += std::chrono::seconds(1);
  log[6].hash = ComputeEventHash(log[6]);  // a forger recomputes this record's hash...
  AuditReport rep = Verify(log, 10, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 8u);  // ...but the next record still links to the old one
  EXPECT_EQ(rep.problem, "prev_hash mismatch");
}

TEST(EventChainTest, DetectsGap) {
  auto log = MakeChain(10);
  log.erase(log.begin() + 3);  // seq 4
  AuditReport rep = Verify(log, 10, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 4u);
  EXPECT_EQ(rep.problem, "gap");
}

TEST(EventChainTest, DetectsMissingFirstRecord) {
  auto log = MakeChain(3);
  log.erase(log.begin());
  AuditReport rep = Verify(log, 3, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 1u);
  EXPECT_EQ(rep.problem, "gap");
}

TEST(EventChainTest, DetectsSwappedRecords) {
  auto log = MakeChain(10);
  std::swap(log[2], log[3]);
  AuditReport rep = Verify(log, 10, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 3u);
}

TEST(EventChainTest, DetectsSwappedContentUnderKeptSeqs) {
  auto log = MakeChain(10);
  std::swap(log[2], log[3]);
  log[2].seq = 3;
  log[3].seq = 4;
  AuditReport rep = Verify(log, 10, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 3u);
  EXPECT_EQ(rep.problem, "prev_hash mismatch");
}

TEST(EventChainTest, DetectsBadPrevLink) {
  auto log = MakeChain(5);
  log[0].prev_hash = std::string(64, '1');
  log[0].hash = ComputeEventHash(log[0]);
  AuditReport rep = Verify(log, 5, log.back().hash);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 1u);
  EXPECT_EQ(rep.problem, "prev_hash mismatch");
}

TEST(EventChainTest, DetectsTruncatedTailThroughHead) {
  auto log = MakeChain(10);
  std::string head = log.back().hash;
  log.resize(7);
  AuditReport rep = Verify(log, 10, head);
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 8u);
  EXPECT_EQ(rep.problem, "truncated");
}

TEST(EventChainTest, DetectsRecordsBeyondHeadAndHeadMismatch) {
  auto log = MakeChain(10);
  AuditReport beyond = Verify(log, 9, log[8].hash);
  EXPECT_FALSE(beyond.ok);
  EXPECT_EQ(beyond.first_bad_seq, 10u);
  EXPECT_EQ(beyond.problem, "beyond head");
  AuditReport mismatch = Verify(log, 10, std::string(64, 'a'));
  EXPECT_FALSE(mismatch.ok);
  EXPECT_EQ(mismatch.first_bad_seq, 10u);
  EXPECT_EQ(mismatch.problem, "head mismatch");
}

}  // namespace
}  // namespace volmacht
