#include "service/verification_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace volmacht {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

Date D(int y, unsigned m, unsigned d) { return Date{year(y), month(m), day(d)}; }

Bsn B(const char* s) { return Bsn::Parse(s).value(); }

const Uuid kS1 = Uuid::Parse("11111111-1111-4111-8111-111111111111").value();
const Uuid kS2 = Uuid::Parse("22222222-2222-4222-8222-222222222222").value();
const Uuid kS3 = Uuid::Parse("33333333-3333-4333-8333-333333333333").value();

Mandate Active(const Uuid& id, const Bsn& principal, const Party& agent,
               std::vector<Uuid> services, Date start, Date end, int64_t version = 2) {
  Mandate m;
  m.id = id;
  m.principal = principal;
  m.agent = agent;
  m.services = std::move(services);
  m.start = start;
  m.end = end;
  m.state = MandateState::kActive;
  m.version = version;
  return m;
}

class IndexTest : public ::testing::Test {
 protected:
  Bsn p1_ = B("999993653");
  Bsn p2_ = B("111222333");
  Party agent_ = Party::Person(B("123456782"));
  Date today_ = D(2026, 5, 10);
  VerificationIndex index_;
};

TEST_F(IndexTest, FindsOnlyWhatIsInForce) {
  Uuid id = Uuid::Random();
  index_.Apply(Active(id, p1_, agent_, {kS2, kS1}, D(2026, 5, 1), D(2026, 5, 31)));
  EXPECT_EQ(index_.Size(), 1u);
  EXPECT_EQ(index_.Find(agent_, p1_, kS1, today_), id);
  EXPECT_EQ(index_.Find(agent_, p1_, kS2, today_), id);
  EXPECT_FALSE(index_.Find(agent_, p1_, kS3, today_));         // other service
  EXPECT_FALSE(index_.Find(agent_, p2_, kS1, today_));         // other principal
  EXPECT_FALSE(index_.Find(Party::Person(p2_), p1_, kS1, today_));  // other agent
  EXPECT_FALSE(index_.Find(agent_, p1_, kS1, D(2026, 4, 30)));  // not started
  EXPECT_EQ(index_.Find(agent_, p1_, kS1, D(2026, 5, 31)), id);  // end is inclusive
  EXPECT_FALSE(index_.Find(agent_, p1_, kS1, D(2026, 6, 1)));   // ended
}

TEST_F(IndexTest, OrganisationAgentIsDistinctFromPersonWithSameDigits) {
  Uuid id = Uuid::Random();
  Party org = Party::Organisation(Rsin::Parse("123456782").value());
  index_.Apply(Active(id, p1_, org, {kS1}, D(2026, 1, 1), D(2026, 12, 31)));
  EXPECT_EQ(index_.Find(org, p1_, kS1, today_), id);
  EXPECT_FALSE(index_.Find(agent_, p1_, kS1, today_));
}

TEST_F(IndexTest, UpdatesRemovesAndIgnoresOlderVersions) {
  Uuid id = Uuid::Random();
  index_.Apply(Active(id, p1_, agent_, {kS1, kS2}, D(2026, 1, 1), D(2026, 12, 31), 2));
  // Restricted to S2 (version 3).
  index_.Apply(Active(id, p1_, agent_, {kS2}, D(2026, 1, 1), D(2026, 12, 31), 3));
  EXPECT_FALSE(index_.Find(agent_, p1_, kS1, today_));
  EXPECT_EQ(index_.Find(agent_, p1_, kS2, today_), id);
  // A stale version 2 arriving late changes nothing.
  index_.Apply(Active(id, p1_, agent_, {kS1, kS2}, D(2026, 1, 1), D(2026, 12, 31), 2));
  EXPECT_FALSE(index_.Find(agent_, p1_, kS1, today_));
  // Revoked (version 4): gone.
  Mandate revoked = Active(id, p1_, agent_, {kS2}, D(2026, 1, 1), D(2026, 12, 31), 4);
  revoked.state = MandateState::kRevoked;
  index_.Apply(revoked);
  EXPECT_FALSE(index_.Find(agent_, p1_, kS2, today_));
  EXPECT_EQ(index_.Size(), 0u);
  // Applying the removal again is harmless.
  index_.Apply(revoked);
  EXPECT_EQ(index_.Size(), 0u);
}

TEST_F(IndexTest, RequestedIsNotIndexed) {
  Mandate m = Active(Uuid::Random(), p1_, agent_, {kS1}, D(2026, 1, 1), D(2026, 12, 31), 1);
  m.state = MandateState::kRequested;
  index_.Apply(m);
  EXPECT_EQ(index_.Size(), 0u);
  EXPECT_FALSE(index_.Find(agent_, p1_, kS1, today_));
}

TEST_F(IndexTest, ForWhomIsSortedByPrincipalAndFiltersDates) {
  Uuid a = Uuid::Random(), b = Uuid::Random(), c = Uuid::Random();
  Bsn p0 = B("010000008");  // leading zero survives the compact form
  index_.Apply(Active(a, p1_, agent_, {kS1}, D(2026, 1, 1), D(2026, 12, 31)));
  index_.Apply(Active(b, p0, agent_, {kS1}, D(2026, 1, 1), D(2026, 12, 31)));
  index_.Apply(Active(c, p2_, agent_, {kS1}, D(2027, 1, 1), D(2027, 12, 31)));  // future
  auto list = index_.ForWhom(agent_, kS1, today_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, p0);
  EXPECT_EQ(list[0].second, b);
  EXPECT_EQ(list[1].first, p1_);
  EXPECT_EQ(list[1].second, a);
  EXPECT_TRUE(index_.ForWhom(agent_, kS2, today_).empty());
}

TEST_F(IndexTest, SeqIsWhatWasSet) {
  EXPECT_EQ(index_.Seq(), 0u);
  index_.SetSeq(42);
  EXPECT_EQ(index_.Seq(), 42u);
}

// A reader running while a writer flips one mandate between ACTIVE and REVOKED: every answer
// is one of the two states (never another mandate's id), the untouched mandate of another
// principal is found throughout, the reader does see the writes while they happen (the writer
// goes on until the reader saw both states; a reader stuck on one state fails), and once the
// last write (REVOKED) has returned, no read answers "allowed" any more. Run under TSan too.
TEST_F(IndexTest, ConcurrentReadersDuringWrites) {
  const Uuid id = Uuid::Random();
  const Uuid other = Uuid::Random();
  index_.Apply(Active(other, p2_, agent_, {kS1}, D(2026, 1, 1), D(2026, 12, 31)));
  std::atomic<bool> final_applied{false};
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, allowed{0}, denied{0}, reads_after_final{0}, stale_after_final{0};
  std::thread reader([&] {
    while (!stop.load()) {
      bool after_final = final_applied.load();
      auto r = index_.Find(agent_, p1_, kS1, today_);
      if (r && *r != id) bad.fetch_add(1);
      if (r) allowed.fetch_add(1);
      if (!r) denied.fetch_add(1);
      if (after_final) reads_after_final.fetch_add(1);
      if (r && after_final) stale_after_final.fetch_add(1);
      auto o = index_.Find(agent_, p2_, kS1, today_);
      if (!o || *o != other) bad.fetch_add(1);
    }
  });
  int v = 2;
  for (; v < 2'000'000 && (allowed.load() < 20 || denied.load() < 20); ++v) {
    Mandate m = Active(id, p1_, agent_, {kS1}, D(2026, 1, 1), D(2026, 12, 31), v);
    if (v % 2) m.state = MandateState::kRevoked;
    index_.Apply(m);
  }
  Mandate last = Active(id, p1_, agent_, {kS1}, D(2026, 1, 1), D(2026, 12, 31), v + 1);
  last.state = MandateState::kRevoked;
  index_.Apply(last);
  final_applied.store(true);
  while (reads_after_final.load() < 20) std::this_thread::yield();
  stop.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(allowed.load(), 20) << "the reader never saw the mandate ACTIVE";
  EXPECT_EQ(stale_after_final.load(), 0);
}

}  // namespace
}  // namespace volmacht
