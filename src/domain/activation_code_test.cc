#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/crypto.h"
#include "domain/domain_test_util.h"
#include "domain/mandate.h"

namespace volmacht {
namespace {

using testing::U;

const Timestamp kNow = testing::NoonOf(testing::D(2026, 3, 10));
const Timestamp kExpires = kNow + std::chrono::hours(24 * 21);
constexpr std::string_view kKey = "test-hmac-key-0123456789";

TEST(ActivationCode, AlphabetHasNoLookAlikes) {
  EXPECT_EQ(kCodeAlphabet.size(), 25u);
  for (char c : std::string_view("0O1IL5S2Z8B")) {
    EXPECT_EQ(kCodeAlphabet.find(c), std::string_view::npos) << c;
  }
  std::set<char> unique(kCodeAlphabet.begin(), kCodeAlphabet.end());
  EXPECT_EQ(unique.size(), kCodeAlphabet.size());
}

TEST(ActivationCode, GeneratedCodesUseTheAlphabet) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string c = GenerateActivationCode();
    ASSERT_EQ(c.size(), 12u);
    for (char ch : c) ASSERT_NE(kCodeAlphabet.find(ch), std::string_view::npos) << c;
    EXPECT_EQ(NormalizeActivationCode(c).value(), c);
    seen.insert(c);
  }
  EXPECT_EQ(seen.size(), 2000u);  // 25^12 possibilities: a repeat means a broken generator
}

TEST(ActivationCode, LettersAreUniform) {
  // Chi-square over 360,000 letters, 24 degrees of freedom. Uniform letters exceed 92.5
  // with probability 1e-9; mapping bytes with `% 25` and no rejection (the first six letters
  // 11/256 each instead of 1/25) gives about 600, so this catches the bias that rejection
  // sampling is there to prevent.
  constexpr int kCodes = 30000;
  std::map<char, int> count;
  for (int i = 0; i < kCodes; ++i) {
    for (char ch : GenerateActivationCode()) ++count[ch];
  }
  ASSERT_EQ(count.size(), kCodeAlphabet.size());
  const double expected = kCodes * 12.0 / static_cast<double>(kCodeAlphabet.size());
  double chi2 = 0;
  for (auto [ch, n] : count) chi2 += (n - expected) * (n - expected) / expected;
  EXPECT_LT(chi2, 92.5);
}

TEST(ActivationCode, Format) {
  EXPECT_EQ(FormatActivationCode("ACDEFGHJKMNP"), "ACDE-FGHJ-KMNP");
  EXPECT_EQ(FormatActivationCode(""), "");
  EXPECT_EQ(FormatActivationCode("ACDE"), "ACDE");
}

TEST(ActivationCode, NormalizeAcceptsHyphensSpacesAndLowerCase) {
  for (const char* in : {"ACDEFGHJKMNP", "ACDE-FGHJ-KMNP", "acde-fghj-kmnp", "AcDe FgHj KmNp",
                         " ACDE - FGHJ - KMNP ", "A-C-D-E-F-G-H-J-K-M-N-P"}) {
    auto r = NormalizeActivationCode(in);
    ASSERT_TRUE(r.has_value()) << in;
    EXPECT_EQ(*r, "ACDEFGHJKMNP") << in;
  }
  EXPECT_EQ(NormalizeActivationCode("3467-9ACD-EFGH").value(), "34679ACDEFGH");
}

TEST(ActivationCode, NormalizeRejectsLookAlikesAndBadShapes) {
  for (const char* in : {"", "ACDE-FGHJ-KMN", "ACDE-FGHJ-KMNPQ", "OCDE-FGHJ-KMNP",
                         "0CDE-FGHJ-KMNP", "1CDE-FGHJ-KMNP", "ICDE-FGHJ-KMNP", "LCDE-FGHJ-KMNP",
                         "5CDE-FGHJ-KMNP", "SCDE-FGHJ-KMNP", "2CDE-FGHJ-KMNP", "ZCDE-FGHJ-KMNP",
                         "8CDE-FGHJ-KMNP", "BCDE-FGHJ-KMNP", "ocde-fghj-kmnp", "ACDE_FGHJ_KMNP",
                         "ACDE.FGHJ.KMNP", "ACDE\tFGHJ\tKMNP", "ACDE-FGHJ-KMNP\n"}) {
    auto r = NormalizeActivationCode(in);
    ASSERT_FALSE(r.has_value()) << in;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(r.error().params.size(), 1u);
    EXPECT_EQ(r.error().params[0].code, "code.format");
  }
  EXPECT_FALSE(NormalizeActivationCode(std::string(10000, '-') + "ACDEFGHJKMNP").has_value());
  EXPECT_FALSE(NormalizeActivationCode(std::string("ACDEFG\0HJKMNP", 13)).has_value());
}

TEST(ActivationCode, RecordKeepsOnlyAKeyedHash) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  EXPECT_EQ(rec.mandate_id, U(7));
  EXPECT_EQ(rec.expires, kExpires);
  EXPECT_EQ(rec.failed_attempts, 0);
  EXPECT_FALSE(rec.used);
  EXPECT_FALSE(rec.locked());
  EXPECT_EQ(rec.hash_hex, ToHex(HmacSha256(kKey, U(7).str() + ":ACDEFGHJKMNP")));
  EXPECT_EQ(rec.hash_hex.find("ACDEFGHJKMNP"), std::string::npos);
  // Bound to key and mandate.
  EXPECT_NE(rec.hash_hex, MakeActivationCode("other", U(7), "ACDEFGHJKMNP", kExpires).hash_hex);
  EXPECT_NE(rec.hash_hex, MakeActivationCode(kKey, U(8), "ACDEFGHJKMNP", kExpires).hash_hex);
}

TEST(ActivationCode, RightCodeIsAcceptedOnce) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  ActivationCode upd;
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", kNow, &upd), CodeCheck::kOk);
  EXPECT_TRUE(upd.used);
  EXPECT_EQ(upd.failed_attempts, 0);
  EXPECT_FALSE(rec.used);  // input untouched
  ActivationCode again;
  EXPECT_EQ(CheckActivationCode(kKey, upd, "ACDEFGHJKMNP", kNow, &again), CodeCheck::kUsed);
  EXPECT_EQ(CheckActivationCode(kKey, upd, "ACDEFGHJKMNQ", kNow, &again), CodeCheck::kUsed);
  EXPECT_EQ(again.failed_attempts, 0);
}

TEST(ActivationCode, WrongKeyOrMandateIsWrong) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  ActivationCode upd;
  EXPECT_EQ(CheckActivationCode("other", rec, "ACDEFGHJKMNP", kNow, &upd), CodeCheck::kWrong);
  rec.mandate_id = U(8);
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", kNow, &upd), CodeCheck::kWrong);
}

TEST(ActivationCode, FiveWrongTriesLock) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  for (int i = 1; i <= kMaxCodeAttempts; ++i) {
    ActivationCode upd;
    EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNQ", kNow, &upd), CodeCheck::kWrong);
    EXPECT_EQ(upd.failed_attempts, i);
    EXPECT_EQ(upd.locked(), i == kMaxCodeAttempts);
    EXPECT_FALSE(upd.used);
    rec = upd;
  }
  ActivationCode upd;
  // Locked: even the right code no longer works, and the counter stops.
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", kNow, &upd), CodeCheck::kLocked);
  EXPECT_EQ(upd.failed_attempts, kMaxCodeAttempts);
  EXPECT_FALSE(upd.used);
}

TEST(ActivationCode, FourWrongThenRightStillWorks) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  for (int i = 0; i < kMaxCodeAttempts - 1; ++i) {
    ASSERT_EQ(CheckActivationCode(kKey, rec, "QQQQQQQQQQQQ", kNow, &rec), CodeCheck::kWrong);
  }
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", kNow, &rec), CodeCheck::kOk);
  EXPECT_TRUE(rec.used);
}

TEST(ActivationCode, ExpiresAfterTheInstant) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  ActivationCode upd;
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", kExpires, &upd), CodeCheck::kOk);
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", kExpires + std::chrono::microseconds(1),
                                &upd),
            CodeCheck::kExpired);
  EXPECT_FALSE(upd.used);
  // An expired code is not a wrong try.
  EXPECT_EQ(CheckActivationCode(kKey, rec, "QQQQQQQQQQQQ", kExpires + std::chrono::hours(1), &upd),
            CodeCheck::kExpired);
  EXPECT_EQ(upd.failed_attempts, 0);
}

TEST(ActivationCode, OrderOfChecksUsedLockedExpired) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  const Timestamp late = kExpires + std::chrono::hours(1);
  rec.used = true;
  rec.failed_attempts = kMaxCodeAttempts;
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", late, nullptr), CodeCheck::kUsed);
  rec.used = false;
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", late, nullptr), CodeCheck::kLocked);
  rec.failed_attempts = 0;
  EXPECT_EQ(CheckActivationCode(kKey, rec, "ACDEFGHJKMNP", late, nullptr), CodeCheck::kExpired);
}

TEST(ActivationCode, DamagedStoredHashMatchesNothing) {
  ActivationCode rec = MakeActivationCode(kKey, U(7), "ACDEFGHJKMNP", kExpires);
  for (std::string bad : {std::string(""), rec.hash_hex.substr(1), rec.hash_hex + "0",
                          "zz" + rec.hash_hex.substr(2)}) {
    ActivationCode r = rec;
    r.hash_hex = bad;
    ActivationCode upd;
    EXPECT_EQ(CheckActivationCode(kKey, r, "ACDEFGHJKMNP", kNow, &upd), CodeCheck::kWrong);
    EXPECT_EQ(upd.failed_attempts, 1);
  }
  // Upper-case hex from another writer still compares.
  ActivationCode upper = rec;
  for (char& c : upper.hash_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(CheckActivationCode(kKey, upper, "ACDEFGHJKMNP", kNow, nullptr), CodeCheck::kOk);
}

}  // namespace
}  // namespace volmacht
