#include "domain/identifiers.h"

#include <gtest/gtest.h>

#include "domain/domain_test_util.h"

namespace volmacht {
namespace {

using testing::CheckDigit;
using testing::ElevenProofNumber;

// The single InvalidParam's code of a failed parse, "" when it did not fail as expected.
template <typename T>
std::string ParamCode(const Result<T>& r) {
  if (r.has_value() || r.error().code != ErrorCode::kInvalidArgument ||
      r.error().params.size() != 1) {
    return "";
  }
  return r.error().params[0].code;
}

TEST(Bsn, AcceptsKnownValidNumbers) {
  for (const char* s : {"999993653", "111222333", "123456782", "999990019", "010000008"}) {
    auto b = Bsn::Parse(s);
    ASSERT_TRUE(b.has_value()) << s;
    EXPECT_EQ(b->str(), s);
  }
}

TEST(Bsn, KeepsLeadingZeros) {
  // 0*9 + 1*8 + 0 ... : 8 - d8 divisible by 11 -> d8 = 8.
  auto b = Bsn::Parse("010000008");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->str(), "010000008");
}

TEST(Bsn, RefusesElevenProofFailure) {
  EXPECT_EQ(ParamCode(Bsn::Parse("999993654")), "bsn.elfproef");
  EXPECT_EQ(ParamCode(Bsn::Parse("111222334")), "bsn.elfproef");
  EXPECT_EQ(ParamCode(Bsn::Parse("123456789")), "bsn.elfproef");
}

TEST(Bsn, EveryWrongCheckDigitIsRefused) {
  for (int n = 0; n < 50; ++n) {
    std::string valid = ElevenProofNumber(n, 10000000 + n * 997);
    ASSERT_TRUE(Bsn::Parse(valid).has_value()) << valid;
    for (char c = '0'; c <= '9'; ++c) {
      std::string other = valid;
      other[8] = c;
      if (other == valid) continue;
      EXPECT_EQ(ParamCode(Bsn::Parse(other)), "bsn.elfproef") << other;
    }
  }
}

TEST(Bsn, PrefixesWithoutCheckDigitHaveNoValidBsn) {
  // Sum mod 11 == 10 means no digit can satisfy the proof.
  std::string prefix;
  for (int p = 10000000;; ++p) {
    prefix = std::to_string(p);
    if (CheckDigit(prefix) < 0) break;
  }
  for (char c = '0'; c <= '9'; ++c) {
    EXPECT_FALSE(Bsn::Parse(prefix + c).has_value()) << prefix << c;
  }
}

TEST(Bsn, RefusesAllZeros) {
  // 000000000 passes the arithmetic of the 11-proef but is not a BSN.
  EXPECT_EQ(ParamCode(Bsn::Parse("000000000")), "bsn.zero");
}

TEST(Bsn, EightDigitsGetTheirOwnMessage) {
  auto r = Bsn::Parse("99993653");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "BSN heeft 8 cijfers; is een voorloopnul weggevallen?");
  ASSERT_EQ(r.error().params.size(), 1u);
  EXPECT_EQ(r.error().params[0].name, "bsn");
  EXPECT_EQ(r.error().params[0].code, "bsn.length8");
  EXPECT_EQ(r.error().params[0].reason, r.error().message);
}

TEST(Bsn, RefusesMalformed) {
  for (const char* s : {"", "1", "9999936531", "99999365a", " 99999365", "999993653 ",
                        "999-993-653", "+99993653", "1234567", "９99993653"}) {
    EXPECT_EQ(ParamCode(Bsn::Parse(s)), "bsn.format") << s;
  }
  // Eight characters that are not all digits are a format error, not length8.
  EXPECT_EQ(ParamCode(Bsn::Parse("9999365a")), "bsn.format");
}

TEST(Bsn, RefusesHugeInputWithoutEcho) {
  std::string huge(1 << 20, '9');
  auto r = Bsn::Parse(huge);
  ASSERT_FALSE(r.has_value());
  EXPECT_LT(r.error().message.size(), 200u);
}

TEST(Bsn, ErrorsNeverEchoTheInput) {
  for (const char* s : {"999993654", "99993653", "99999365x", "000000000"}) {
    auto r = Bsn::Parse(s);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message.find(s), std::string::npos) << s;
    for (const auto& p : r.error().params) {
      EXPECT_EQ(p.reason.find(s), std::string::npos);
      EXPECT_EQ(p.name, "bsn");
    }
  }
}

TEST(Bsn, ComparesAndHashesByValue) {
  Bsn a = *Bsn::Parse("999993653");
  Bsn b = *Bsn::Parse("999993653");
  Bsn c = *Bsn::Parse("111222333");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_LT(c, a);
  EXPECT_EQ(std::hash<Bsn>()(a), std::hash<Bsn>()(b));
}

TEST(Rsin, SameElevenProofAsBsn) {
  EXPECT_TRUE(Rsin::Parse("123456782").has_value());
  EXPECT_EQ(ParamCode(Rsin::Parse("123456789")), "rsin.elfproef");
  EXPECT_EQ(ParamCode(Rsin::Parse("000000000")), "rsin.zero");
  EXPECT_EQ(ParamCode(Rsin::Parse("12345678")), "rsin.format");
  EXPECT_EQ(ParamCode(Rsin::Parse("1234567820")), "rsin.format");
  EXPECT_EQ(ParamCode(Rsin::Parse("12345678x")), "rsin.format");
  EXPECT_EQ(Rsin::Parse("123456789").error().params[0].name, "rsin");
  for (int n = 0; n < 100; ++n) {
    std::string v = ElevenProofNumber(n, 10000000 + n * 1231);
    EXPECT_EQ(Rsin::Parse(v).has_value(), Bsn::Parse(v).has_value()) << v;
  }
}

TEST(Kvk, EightDigits) {
  auto k = Kvk::Parse("01234567");
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->str(), "01234567");
  for (const char* s : {"", "1234567", "123456789", "1234567a", " 1234567", "1234-567"}) {
    EXPECT_EQ(ParamCode(Kvk::Parse(s)), "kvk.format") << s;
  }
  EXPECT_EQ(Kvk::Parse("1234567").error().params[0].name, "kvk");
}

TEST(Oin, TwentyDigitsWithKnownPrefix) {
  for (const char* s : {"00000001003214345000", "00000002123456789012", "00000003123456780000",
                        "00000004000000001234", "00000006000000000001"}) {
    auto o = Oin::Parse(s);
    ASSERT_TRUE(o.has_value()) << s;
    EXPECT_EQ(o->str(), s);
  }
  for (const char* s : {"00000005003214345000", "00000000003214345000", "10000001003214345000",
                        "00000007003214345000", "99999999999999999999"}) {
    EXPECT_EQ(ParamCode(Oin::Parse(s)), "oin.prefix") << s;
  }
  for (const char* s : {"", "0000000100321434500", "000000010032143450000", "0000000100321434500x",
                        "00000001-03214345000"}) {
    EXPECT_EQ(ParamCode(Oin::Parse(s)), "oin.format") << s;
  }
  EXPECT_EQ(Oin::Parse("").error().params[0].name, "oin");
}

TEST(Loa, ParsesOnlyTheFourLevels) {
  EXPECT_EQ(ParseLoa(10).value(), Loa::kBasis);
  EXPECT_EQ(ParseLoa(20).value(), Loa::kMidden);
  EXPECT_EQ(ParseLoa(25).value(), Loa::kSubstantieel);
  EXPECT_EQ(ParseLoa(30).value(), Loa::kHoog);
  for (int bad : {0, 9, 11, 15, 21, 24, 26, 29, 31, 40, -10}) {
    EXPECT_EQ(ParamCode(ParseLoa(bad)), "loa.onbekend") << bad;
  }
}

TEST(Loa, NamesAndSamlClassRefs) {
  EXPECT_EQ(LoaName(Loa::kBasis), "Basis");
  EXPECT_EQ(LoaName(Loa::kMidden), "Midden");
  EXPECT_EQ(LoaName(Loa::kSubstantieel), "Substantieel");
  EXPECT_EQ(LoaName(Loa::kHoog), "Hoog");
  const std::string p = "urn:oasis:names:tc:SAML:2.0:ac:classes:";
  EXPECT_EQ(LoaSamlClassRef(Loa::kBasis), p + "PasswordProtectedTransport");
  EXPECT_EQ(LoaSamlClassRef(Loa::kMidden), p + "MobileTwoFactorContract");
  EXPECT_EQ(LoaSamlClassRef(Loa::kSubstantieel), p + "Smartcard");
  EXPECT_EQ(LoaSamlClassRef(Loa::kHoog), p + "SmartcardPKI");
  for (Loa l : {Loa::kBasis, Loa::kMidden, Loa::kSubstantieel, Loa::kHoog}) {
    EXPECT_EQ(LoaFromSamlClassRef(LoaSamlClassRef(l)).value(), l);
  }
  for (std::string bad : {std::string(""), p, p + "smartcard", p + "SmartcardPKI ",
                          std::string("Smartcard"), p + "Password", std::string(10000, 'x')}) {
    EXPECT_EQ(ParamCode(LoaFromSamlClassRef(bad)), "loa.onbekend") << bad.substr(0, 80);
  }
}

TEST(Party, ParsesEachKind) {
  auto b = Party::Parse("bsn", "999993653");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->kind, PartyKind::kPerson);
  EXPECT_TRUE(b->IsPerson());
  EXPECT_EQ(b->KindName(), "bsn");
  EXPECT_EQ(*b, Party::Person(*Bsn::Parse("999993653")));

  auto k = Party::Parse("kvk", "12345678");
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->kind, PartyKind::kKvk);
  EXPECT_FALSE(k->IsPerson());
  EXPECT_EQ(k->KindName(), "kvk");

  auto r = Party::Parse("rsin", "123456782");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, PartyKind::kRsin);
  EXPECT_EQ(r->KindName(), "rsin");

  auto o = Party::Parse("oin", "00000001003214345000");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->kind, PartyKind::kOin);
  EXPECT_EQ(o->KindName(), "oin");
  EXPECT_EQ(o->id, "00000001003214345000");
}

TEST(Party, RefusesBadKindOrId) {
  EXPECT_EQ(ParamCode(Party::Parse("BSN", "999993653")), "partij.soort");
  EXPECT_EQ(ParamCode(Party::Parse("", "999993653")), "partij.soort");
  EXPECT_EQ(ParamCode(Party::Parse("person", "999993653")), "partij.soort");
  EXPECT_EQ(ParamCode(Party::Parse("bsn", "999993654")), "bsn.elfproef");
  EXPECT_EQ(ParamCode(Party::Parse("bsn", "99993653")), "bsn.length8");
  EXPECT_EQ(ParamCode(Party::Parse("kvk", "1234567")), "kvk.format");
  EXPECT_EQ(ParamCode(Party::Parse("rsin", "123456789")), "rsin.elfproef");
  EXPECT_EQ(ParamCode(Party::Parse("oin", "00000009003214345000")), "oin.prefix");
  // A KvK number is not a BSN even when it has the right length for neither.
  EXPECT_FALSE(Party::Parse("bsn", "12345678").has_value());
}

TEST(Party, KindIsPartOfIdentity) {
  Party a = *Party::Parse("kvk", "12345678");
  Party b{PartyKind::kRsin, "12345678"};
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace volmacht
