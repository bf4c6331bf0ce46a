#include "common/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/testing/log_capture.h"

namespace volmacht::log {
namespace {

using Json = nlohmann::json;

Json Payload(Level level, std::string_view event, Fields fields) {
  return Json::parse("{" + Format(level, event, fields) + "}");
}

TEST(LogFormat, FieldsKeepTheirTypes) {
  Json j = Payload(Level::kWarn, "uses.dropped",
                   {{"reason", "queue_full"},
                    {"count", 3},
                    {"held_back", uint64_t{7}},
                    {"async", true},
                    {"duration_ms", 1.23456},
                    {"delta", -2}});
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["event"], "uses.dropped");
  EXPECT_EQ(j["reason"], "queue_full");
  EXPECT_EQ(j["count"], 3);
  EXPECT_EQ(j["held_back"], 7);
  EXPECT_EQ(j["async"], true);
  EXPECT_EQ(j["delta"], -2);
  EXPECT_EQ(Format(Level::kInfo, "e", {{"duration_ms", 1.23456}}),
            R"("level":"info","event":"e","duration_ms":1.235)");
}

TEST(LogFormat, StringsAreEscapedAndInvalidUtf8Replaced) {
  std::string nasty = "a\"b\\c\nd\te\x01 caf\xc3\xa9 \xff\xc0\xaf end";
  Json j = Payload(Level::kInfo, "x", {{"path", nasty}});
  EXPECT_EQ(j["path"], "a\"b\\c\nd\te\x01 caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
  // A truncated sequence at the end, and a surrogate encoded in UTF-8.
  EXPECT_EQ(Payload(Level::kInfo, "x", {{"v", "ok\xe2\x82"}})["v"], "ok\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(Payload(Level::kInfo, "x", {{"v", "\xed\xa0\x80"}})["v"],
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(Payload(Level::kInfo, "x", {{"v", "\xf0\x9f\x98\x80"}})["v"], "\xf0\x9f\x98\x80");
}

TEST(LogFormat, NonFiniteNumbersAreNull) {
  EXPECT_TRUE(Payload(Level::kInfo, "x", {{"v", 1.0 / 0.0}})["v"].is_null());
}

TEST(LogLevel, ParsesTheFiveNamesOnly) {
  EXPECT_EQ(ParseLevel("warn").value(), Level::kWarn);
  EXPECT_EQ(ParseLevel("off").value(), Level::kOff);
  EXPECT_FALSE(ParseLevel("warning").has_value());
  EXPECT_FALSE(ParseLevel("INFO").has_value());
}

TEST(LogCapture, ALineIsOneJsonObjectWithTimeLevelAndEvent) {
  testing::LogCapture logs;
  Info("test.event", {{"listener", "api"}, {"status", 200}});
  std::vector<std::string> lines = logs.Lines();
  ASSERT_EQ(lines.size(), 1u);
  Json j = Json::parse(lines[0]);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["event"], "test.event");
  EXPECT_EQ(j["listener"], "api");
  EXPECT_EQ(j["status"], 200);
  std::string ts = j["ts"];
  // 2026-12-03T10:11:12.345678Z
  EXPECT_EQ(ts.size(), 27u) << ts;
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_EQ(lines[0].find("\"ts\""), 1u) << "the time stamp comes first";
}

TEST(LogLevel, LinesBelowTheLevelAreNotWritten) {
  testing::LogCapture logs;  // level debug
  Options o;
  std::vector<std::string> got;
  o.level = Level::kWarn;
  o.capture = [&got](std::string_view line) { got.emplace_back(line); };
  ASSERT_TRUE(Init(o).has_value());
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Info("quiet");
  Warn("loud");
  Error("louder");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("\"loud\""), std::string::npos);
  EXPECT_NE(got[1].find("\"louder\""), std::string::npos);
}

TEST(LogFile, AsyncLinesAllReachTheFileBeforeShutdownReturns) {
  std::string dir = (std::filesystem::temp_directory_path() / "volmacht-log-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::string file = dir + "/serve.log";
  Options o;
  o.file = file;
  o.async = true;
  ASSERT_TRUE(Init(o).has_value());
  constexpr int kLines = 20000;  // more than the queue holds: writers wait, nothing is lost
  for (int i = 0; i < kLines; ++i) Info("line", {{"i", i}});
  Shutdown();
  std::ifstream in(file);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ASSERT_EQ(Json::parse(line)["i"], n) << line;
    ++n;
  }
  EXPECT_EQ(n, kLines);
  std::filesystem::remove_all(dir);
}

TEST(LogFile, AnUnwritableFileIsAStartUpError) {
  std::string dir = (std::filesystem::temp_directory_path() / "volmacht-log-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::ofstream(dir + "/plain-file") << "x";
  Options o;
  o.file = dir + "/plain-file/volmacht.log";  // under a file: no directory can be made there
  auto r = Init(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().Is("log.file_not_writable"));
  std::filesystem::remove_all(dir);
}

TEST(Throttle, OneLinePerPeriodAndTheNextReportsWhatWasHeldBack) {
  using namespace std::chrono;
  Throttle t(seconds(10));
  Throttle::Clock::time_point t0{seconds(1000)};
  uint64_t held = 99;
  EXPECT_TRUE(t.Allow(t0, held));
  EXPECT_EQ(held, 0u);
  EXPECT_FALSE(t.Allow(t0 + seconds(1), held));
  EXPECT_FALSE(t.Allow(t0 + seconds(9), held));
  EXPECT_TRUE(t.Allow(t0 + seconds(10), held));
  EXPECT_EQ(held, 2u);
  EXPECT_FALSE(t.Allow(t0 + seconds(11), held));
  EXPECT_TRUE(t.Allow(t0 + seconds(100), held));
  EXPECT_EQ(held, 1u);
}

}  // namespace
}  // namespace volmacht::log
