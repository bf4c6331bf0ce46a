#include "saml/combi_connect_artifacts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace volmacht::saml {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const Timestamp kT0 = Timestamp(std::chrono::microseconds(1'800'000'000'000'000));

ArtifactStore::Entry E(const std::string& sp, Timestamp issued) {
  return {sp, "_req", "https://sp.test/acs", "<Response/>", issued};
}

TEST(RequestIdCacheTest, RefusesAReplayUntilExpiry) {
  RequestIdCache cache(10);
  ASSERT_TRUE(cache.Remember("sp", "id1", kT0 + minutes(5), kT0).has_value());
  auto again = cache.Remember("sp", "id1", kT0 + minutes(5), kT0 + minutes(4));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kForbidden);
  // Another issuer may use the same ID.
  EXPECT_TRUE(cache.Remember("sp2", "id1", kT0 + minutes(5), kT0).has_value());
  // After expiry the entry is gone (the IssueInstant window refuses the request anyway).
  EXPECT_TRUE(cache.Remember("sp", "id1", kT0 + minutes(11), kT0 + minutes(6)).has_value());
}

TEST(RequestIdCacheTest, FullCacheRefusesRatherThanForgets) {
  RequestIdCache cache(2);
  ASSERT_TRUE(cache.Remember("sp", "a", kT0 + minutes(5), kT0).has_value());
  ASSERT_TRUE(cache.Remember("sp", "b", kT0 + minutes(5), kT0).has_value());
  auto full = cache.Remember("sp", "c", kT0 + minutes(5), kT0);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, ErrorCode::kUnavailable);
  // Once the old ones expire there is room again.
  EXPECT_TRUE(cache.Remember("sp", "c", kT0 + minutes(11), kT0 + minutes(6)).has_value());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ArtifactStoreTest, OnceOnlyAndBoundToItsProvider) {
  ArtifactStore store(10);
  ASSERT_TRUE(store.Put("art", E("sp1", kT0), kT0).has_value());
  auto wrong = store.Take("art", "sp2", kT0 + seconds(1));
  EXPECT_EQ(wrong.outcome, ArtifactStore::Outcome::kWrongParty);
  EXPECT_FALSE(wrong.entry.has_value());
  auto ok = store.Take("art", "sp1", kT0 + seconds(2));
  ASSERT_EQ(ok.outcome, ArtifactStore::Outcome::kValid);
  EXPECT_EQ(ok.entry->message, "<Response/>");
  EXPECT_EQ(store.Take("art", "sp1", kT0 + seconds(3)).outcome, ArtifactStore::Outcome::kUnknown);
  EXPECT_EQ(store.Take("never", "sp1", kT0).outcome, ArtifactStore::Outcome::kUnknown);
}

TEST(ArtifactStoreTest, LateAfterFifteenMinutesWithoutTheMessage) {
  ArtifactStore store(10);
  ASSERT_TRUE(store.Put("a", E("sp1", kT0), kT0).has_value());
  ASSERT_TRUE(store.Put("b", E("sp1", kT0), kT0).has_value());
  auto just_in_time = store.Take("a", "sp1", kT0 + minutes(15) - seconds(1));
  EXPECT_EQ(just_in_time.outcome, ArtifactStore::Outcome::kValid);
  auto late = store.Take("b", "sp1", kT0 + minutes(15));
  ASSERT_EQ(late.outcome, ArtifactStore::Outcome::kLate);
  EXPECT_TRUE(late.entry->message.empty());
  EXPECT_EQ(late.entry->request_id, "_req");
  // A late answer is also given only once.
  EXPECT_EQ(store.Take("b", "sp1", kT0 + minutes(16)).outcome, ArtifactStore::Outcome::kUnknown);
}

TEST(ArtifactStoreTest, TombstonesArePurgedAndCapacityIsBounded) {
  ArtifactStore store(2);
  ASSERT_TRUE(store.Put("a", E("sp1", kT0), kT0).has_value());
  ASSERT_TRUE(store.Put("b", E("sp1", kT0), kT0).has_value());
  auto full = store.Put("c", E("sp1", kT0), kT0);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, ErrorCode::kUnavailable);
  auto dup = store.Put("a", E("sp1", kT0), kT0);
  ASSERT_FALSE(dup.has_value());
  // After the tombstone lifetime both are gone and there is room again.
  Timestamp later = kT0 + minutes(61);
  ASSERT_TRUE(store.Put("c", E("sp1", later), later).has_value());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Take("a", "sp1", later).outcome, ArtifactStore::Outcome::kUnknown);
}

TEST(ArtifactStoreTest, MessageIsDroppedAfterTheLifetimeEvenUntouched) {
  ArtifactStore store(10);
  ASSERT_TRUE(store.Put("a", E("sp1", kT0), kT0).has_value());
  // A Put at +20 min purges: the old entry keeps only its tombstone.
  ASSERT_TRUE(store.Put("b", E("sp1", kT0 + minutes(20)), kT0 + minutes(20)).has_value());
  auto late = store.Take("a", "sp1", kT0 + minutes(20));
  ASSERT_EQ(late.outcome, ArtifactStore::Outcome::kLate);
  EXPECT_TRUE(late.entry->message.empty());
}

}  // namespace
}  // namespace volmacht::saml
