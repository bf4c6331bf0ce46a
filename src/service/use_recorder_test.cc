// Use records that the recorder loses are counted (common/counters.h) and warned about: a full
// queue and a failed write, each forced here with a store that only takes uses.
#include "service/use_recorder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/counters.h"
#include "common/testing/log_capture.h"

namespace volmacht {
namespace {

// A Store that takes uses (or fails to, while `fail` is set); nothing else is used here.
class UsesOnlyStore final : public Store {
 public:
  bool fail = false;
  std::vector<MandateUse> written;

  Result<void> RecordUses(const std::vector<MandateUse>& uses) override {
    if (fail) return Fail(Error::Unavailable("disk I/O error"));
    written.insert(written.end(), uses.begin(), uses.end());
    return {};
  }

  Result<CommitResult> Commit(WriteBatch) override { return No(); }
  Result<std::vector<Provider>> ListProviders() override { return No(); }
  Result<std::vector<Service>> ListServices() override { return No(); }
  Result<std::vector<ServiceSet>> ListServiceSets() override { return No(); }
  Result<std::optional<Mandate>> GetMandate(const Uuid&) override { return No(); }
  Result<std::vector<Mandate>> MandatesOfPrincipal(const Bsn&) override { return No(); }
  Result<std::vector<Mandate>> MandatesOfAgent(const Party&) override { return No(); }
  Result<int> CountOpenRequestsBy(const Party&) override { return No(); }
  Result<void> ForEachMandate(const std::function<bool(const Mandate&)>&) override {
    return No();
  }
  Result<std::vector<Mandate>> DueForTimeTransition(Date) override { return No(); }
  Result<std::optional<ActivationCode>> GetActivationCode(const Uuid&) override { return No(); }
  Result<std::vector<EventRecord>> EventsOfMandate(const Uuid&) override { return No(); }
  Result<uint64_t> LastSeq() override { return No(); }
  Result<AuditReport> VerifyEventChain() override { return No(); }
  Result<std::vector<Letter>> ListLetters() override { return No(); }
  Result<std::optional<Letter>> GetLetter(const Uuid&) override { return No(); }
  Result<std::vector<MandateUse>> UsesOfMandate(const Uuid&) override { return No(); }
  void SetCommitObserver(CommitObserver) override {}

 private:
  static std::unexpected<Error> No() { return Fail(Error::Internal("not in this test")); }
};

MandateUse Use(int i) {
  char id[37];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
  return MandateUse{*Uuid::Parse(id), *Oin::Parse("00000001001234567000"),
                    *Uuid::Parse("11111111-1111-4111-8111-111111111111"), Channel::kApi,
                    Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 3 / 10))};
}

TEST(UseRecorder, AUseBeyondAFullQueueIsCountedAndWarnedOnce) {
  UsesOnlyStore store;
  testing::LogCapture logs;
  const ServiceCountersSnapshot before = ReadServiceCounters();
  {
    UseRecorder recorder(store, /*max_queued=*/2);  // not started: uses only queue
    for (int i = 0; i < 5; ++i) recorder.Record(Use(i));
    recorder.Record(Use(4));  // a repeat within its minute: lost once, counted once
    EXPECT_EQ(ReadServiceCounters().uses_dropped_queue_full - before.uses_dropped_queue_full,
              3u);
    recorder.Flush();
  }
  ASSERT_EQ(store.written.size(), 2u);
  EXPECT_EQ(store.written[0].mandate_id, Use(0).mandate_id);
  EXPECT_EQ(ReadServiceCounters().uses_dropped_write_failed, before.uses_dropped_write_failed);
  std::vector<std::string> warned = logs.With("\"uses.dropped\"");
  ASSERT_EQ(warned.size(), 1u) << "one warning per period, however many drops";
  EXPECT_NE(warned[0].find("\"level\":\"warn\""), std::string::npos) << warned[0];
  EXPECT_NE(warned[0].find("\"reason\":\"uses.queue_full\""), std::string::npos) << warned[0];
  EXPECT_NE(warned[0].find("\"records\":1"), std::string::npos) << warned[0];
}

TEST(UseRecorder, AFailedWriteCountsEveryRecordOfTheBatch) {
  UsesOnlyStore store;
  store.fail = true;
  testing::LogCapture logs;
  const ServiceCountersSnapshot before = ReadServiceCounters();
  {
    UseRecorder recorder(store);
    for (int i = 0; i < 3; ++i) recorder.Record(Use(i));
    recorder.Flush();
  }
  EXPECT_EQ(ReadServiceCounters().uses_dropped_write_failed - before.uses_dropped_write_failed,
            3u);
  EXPECT_EQ(ReadServiceCounters().uses_dropped_queue_full, before.uses_dropped_queue_full);
  std::vector<std::string> warned = logs.With("\"uses.dropped\"");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_NE(warned[0].find("\"reason\":\"uses.write_failed\""), std::string::npos) << warned[0];
  EXPECT_NE(warned[0].find("\"error\":\"unavailable\""), std::string::npos) << warned[0];
  EXPECT_NE(warned[0].find("\"records\":3"), std::string::npos) << warned[0];
  EXPECT_EQ(warned[0].find("disk I/O"), std::string::npos) << "the reason, not the message";
}

}  // namespace
}  // namespace volmacht
