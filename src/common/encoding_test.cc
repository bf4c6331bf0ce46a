#include "common/encoding.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/secret_file.h"

namespace volmacht {
namespace {

TEST(Encoding, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    auto back = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, bytes);
    auto url = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(url) << n;
    EXPECT_EQ(*url, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 250));
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Encoding, DecodersAreStrict) {
  EXPECT_FALSE(Base64Decode("Zm8"));     // padding required
  EXPECT_FALSE(Base64Decode("Zm 8="));   // no whitespace
  EXPECT_FALSE(Base64Decode("Zm9=\n"));  // no line breaks either
  EXPECT_FALSE(Base64Decode("Zm9="));    // unused bits not zero: a second text for "fo"
  EXPECT_FALSE(Base64Decode("-_8="));    // url alphabet is not standard
  EXPECT_FALSE(Base64UrlDecode("+/8"));  // and the other way round
  EXPECT_FALSE(Base64UrlDecode("Zm8="));  // no padding in base64url
  EXPECT_EQ(Base64Decode("Zm8=").value_or(""), "fo");
}

TEST(Encoding, HtmlEscapeCoversTextAndAttributes) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("Jansen"), "Jansen");
}

TEST(SecretFile, IsPrivateFromCreationAndNeverReplaced) {
  char tmpl[] = "/tmp/volmacht_secret_testXXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string path = dir + "/sub/key";
  ::umask(022);  // the usual default: a plain write would make the file world-readable
  ASSERT_TRUE(WriteSecretFile(path, "first"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(WriteSecretFile(path, "second"));  // exists: left alone, not an error
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "first");
  // No temporary file is left behind.
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/sub")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace volmacht
