#include "common/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace volmacht {
namespace {

TEST(Uuid, ParsesAndNormalises) {
  auto u = Uuid::Parse("3F2504E0-4F89-11D3-9A0C-0305E82C3301");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->str(), "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
}

TEST(Uuid, RefusesMalformed) {
  EXPECT_FALSE(Uuid::Parse("").has_value());
  EXPECT_FALSE(Uuid::Parse("3f2504e0-4f89-11d3-9a0c-0305e82c330").has_value());
  EXPECT_FALSE(Uuid::Parse("3f2504e0x4f89-11d3-9a0c-0305e82c3301").has_value());
  EXPECT_FALSE(Uuid::Parse("3g2504e0-4f89-11d3-9a0c-0305e82c3301").has_value());
  EXPECT_EQ(Uuid::Parse("x").error().code, ErrorCode::kInvalidArgument);
}

TEST(Uuid, RandomIsVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    Uuid u = Uuid::Random();
    EXPECT_EQ(u.str()[14], '4');
    EXPECT_TRUE(Uuid::Parse(u.str()).has_value());
    seen.insert(u.str());
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace volmacht
