#include "http/form.h"

#include <gtest/gtest.h>

#include <string>

#include "http/syntax.h"

namespace volmacht::http {
namespace {

using Controls = FormControls;

// A form of n pairs "p0=1&p1=1&...".
std::string Pairs(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "p" + std::to_string(i) + "=1&";
  return s;
}

TEST(FormTest, ParsesDecodesAndRefuses) {
  auto f = ParseForm("a=1&b=x+y%2Bz&&c=&d", kMaxFormBytes);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->Get("a"), "1");
  EXPECT_EQ(f->Get("b"), "x y+z");
  EXPECT_EQ(f->Get("c"), "");
  EXPECT_EQ(f->Get("d"), "");
  EXPECT_EQ(f->Get("e"), std::nullopt);
  EXPECT_TRUE(f->contains("c"));
  EXPECT_FALSE(f->contains("e"));
  ASSERT_EQ(f->pairs().size(), 4u);
  EXPECT_EQ(f->pairs()[1].first, "b");  // input order
  EXPECT_EQ(ParseForm("b=%C3%A9", kMaxFormBytes)->Get("b"), "\xC3\xA9");  // bytes, as UTF-8
  EXPECT_FALSE(ParseForm("a=%zz", kMaxFormBytes));
  EXPECT_FALSE(ParseForm("a=1&a=2", kMaxFormBytes));
  EXPECT_FALSE(ParseForm("a=%4", kMaxFormBytes));
  EXPECT_FALSE(ParseForm("a=%", kMaxFormBytes));
  EXPECT_FALSE(ParseForm("a=%00", kMaxFormBytes));
  EXPECT_FALSE(ParseForm("a=%7F", kMaxFormBytes));
  EXPECT_FALSE(ParseForm("=1", kMaxFormBytes));
  EXPECT_EQ(ParseForm(std::string(kMaxFormBytes + 1, 'a'), kMaxFormBytes).error().code,
            ErrorCode::kTooLarge);
  EXPECT_FALSE(ParseForm(Pairs(kMaxFormParams + 1), kMaxFormBytes));
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(UrlEncode("+"), "%2B");
  EXPECT_EQ(AppendQuery("https://x/cb", {{"a", "1"}, {"b", "2 3"}}), "https://x/cb?a=1&b=2%203");
  EXPECT_EQ(AppendQuery("https://x/cb?q=0", {{"a", "1"}}), "https://x/cb?q=0&a=1");
}

TEST(FormTest, EmptyInputAndEmptyPairs) {
  auto empty = ParseForm("", 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->pairs().empty());
  auto amps = ParseForm("&&&", kMaxFormBytes);
  ASSERT_TRUE(amps);
  EXPECT_TRUE(amps->pairs().empty());
  EXPECT_FALSE(ParseForm("a=1&=", kMaxFormBytes));  // a pair with an empty name
  auto eq_in_value = ParseForm("a=b=c", kMaxFormBytes);
  ASSERT_TRUE(eq_in_value);
  EXPECT_EQ(eq_in_value->Get("a"), "b=c");
  // Names are compared after decoding.
  EXPECT_FALSE(ParseForm("a+b=1&a%20b=2", kMaxFormBytes));
  auto upper_hex = FormDecode("%2f%2F");
  ASSERT_TRUE(upper_hex);
  EXPECT_EQ(*upper_hex, "//");
}

TEST(FormTest, ErrorCodes) {
  auto dup = ParseForm("a=1&a=2", kMaxFormBytes);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kInvalidArgument);
  auto bad = ParseForm("a=%G0", kMaxFormBytes);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto many = ParseForm(Pairs(kMaxFormParams + 1), kMaxFormBytes);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, ErrorCode::kInvalidArgument);
}

TEST(FormTest, SizeLimitIsInclusive) {
  std::string text = "a=" + std::string(98, 'x');  // 100 bytes
  EXPECT_TRUE(ParseForm(text, 100));
  EXPECT_TRUE(ParseForm(text, 100, Controls::kAllowLineBreaks));
  auto over = ParseForm(text, 99);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kTooLarge);
  auto over_lenient = ParseForm(text, 99, Controls::kAllowLineBreaks);
  ASSERT_FALSE(over_lenient);
  EXPECT_EQ(over_lenient.error().code, ErrorCode::kTooLarge);
}

TEST(FormTest, PairLimitIsInclusiveAndSkipsEmptyPairs) {
  EXPECT_TRUE(ParseForm(Pairs(kMaxFormParams), kMaxFormBytes));
  EXPECT_FALSE(ParseForm(Pairs(kMaxFormParams + 1), kMaxFormBytes));
  EXPECT_FALSE(ParseForm(Pairs(kMaxFormParams + 1), kMaxFormBytes, Controls::kAllowLineBreaks));
  // Empty pairs are not pairs.
  EXPECT_TRUE(ParseForm(Pairs(kMaxFormParams) + "&&&&", kMaxFormBytes));
}

TEST(FormTest, LineBreaksOnlyWithAllowLineBreaks) {
  for (const char* v : {"%09", "%0D", "%0A", "%0D%0A", "a%0Ab"}) {
    SCOPED_TRACE(v);
    std::string text = std::string("v=") + v;
    EXPECT_FALSE(ParseForm(text, kMaxFormBytes));
    EXPECT_FALSE(FormDecode(v));
    EXPECT_TRUE(ParseForm(text, kMaxFormBytes, Controls::kAllowLineBreaks));
    EXPECT_TRUE(FormDecode(v, Controls::kAllowLineBreaks));
  }
  auto f = ParseForm("SAMLRequest=PHNhbWw%2B%0D%0AMTIz%09&n=%0A", kMaxFormBytes,
                     Controls::kAllowLineBreaks);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->Get("SAMLRequest"), "PHNhbWw+\r\nMTIz\t");
  EXPECT_EQ(f->Get("n"), "\n");
  // Raw (unescaped) control bytes count the same as escaped ones.
  EXPECT_FALSE(FormDecode("a\nb"));
  auto raw = FormDecode("a\r\nb", Controls::kAllowLineBreaks);
  ASSERT_TRUE(raw);
  EXPECT_EQ(*raw, "a\r\nb");
}

TEST(FormTest, OtherControlBytesAlwaysRefused) {
  for (Controls c : {Controls::kRefuse, Controls::kAllowLineBreaks}) {
    for (const char* v : {"%00", "%01", "%7F", "%0B", "%0C", "%1F", "%1B", "a%00b"}) {
      SCOPED_TRACE(v);
      auto r = ParseForm(std::string("v=") + v, kMaxFormBytes, c);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_FALSE(FormDecode(v, c));
      // Also in a name.
      EXPECT_FALSE(ParseForm(std::string(v) + "=1", kMaxFormBytes, c));
    }
    EXPECT_FALSE(FormDecode(std::string_view("a\0b", 3), c));
    EXPECT_FALSE(FormDecode("\x01", c));
    EXPECT_FALSE(FormDecode("\x7f", c));
    // 0x80 and above are not control bytes here (UTF-8 is checked by whoever needs text).
    EXPECT_TRUE(FormDecode("%80%FF", c));
    EXPECT_TRUE(FormDecode("%20%7E", c));
  }
}

TEST(FormTest, AppendQueryEdges) {
  EXPECT_EQ(AppendQuery("https://x/cb?", {{"a", "1"}}), "https://x/cb?a=1");
  EXPECT_EQ(AppendQuery("https://x/cb?q=0&", {{"a", "1"}}), "https://x/cb?q=0&a=1");
  EXPECT_EQ(AppendQuery("https://x/cb", {}), "https://x/cb");
  EXPECT_EQ(AppendQuery("", {{"a b", "&="}}), "?a%20b=%26%3D");
  // What AppendQuery writes, ParseForm reads back unchanged.
  std::string url = AppendQuery("https://x/cb", {{"state", "a+b c&d=e%"}, {"n", "\xC3\xA9"}});
  auto f = ParseForm(std::string_view(url).substr(url.find('?') + 1), kMaxFormBytes);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->Get("state"), "a+b c&d=e%");
  EXPECT_EQ(f->Get("n"), "\xC3\xA9");
}

}  // namespace
}  // namespace volmacht::http
