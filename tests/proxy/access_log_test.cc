#include "proxy/access_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace waygate::proxy {
namespace {

constexpr int64_t kWhen = 1700000000;  // 2023-11-14T22:13:20Z

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // $time_local depends on the zone; pin it so lines can be compared byte for byte.
    setenv("TZ", "UTC", 1);
    tzset();
    char tmpl[] = "/tmp/waygate-access-log-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  std::unique_ptr<AccessLogSink> Open(AccessLogFormat format) {
    auto sink = AccessLogSink::Open(path_, format);
    EXPECT_TRUE(sink.ok());
    return sink.ok() ? std::move(sink).value() : nullptr;
  }
  std::string Contents() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(Contents());
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }

  static AccessLogEntry Typical() {
    AccessLogEntry e;
    e.remote_addr = "192.168.1.20";
    e.method = "GET";
    e.target = "/shop/cart?id=7";
    e.version_minor = 1;
    e.host = "shop.example.com";
    e.status = 200;
    e.body_bytes_sent = 612;
    e.referer = "https://shop.example.com/";
    e.user_agent = "curl/7.88.1";
    e.request_id = "5f2b7c0e9d";
    e.upstream_addr = "10.0.0.7:8080";
    e.ingress = "front";
    e.namespace_ = "shop";
    e.service = "web";
    e.request_time_s = 0.0125;
    return e;
  }

  std::string path_;
};

TEST_F(AccessLogTest, CombinedLineHasNginxLayout) {
  auto sink = Open(AccessLogFormat::kCombined);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  EXPECT_TRUE(buffer.enabled());
  buffer.Append(Typical(), kWhen);
  buffer.Flush();
  const std::string text = Contents();
  // log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status '
  //                     '$body_bytes_sent "$http_referer" "$http_user_agent"';
  static const std::regex kCombined(
      R"re(^(\S+) - (\S+) \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] )re"
      R"re("([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"\n$)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(text, m, kCombined)) << text;
  EXPECT_EQ(m[1], "192.168.1.20");
  EXPECT_EQ(m[2], "-");
  EXPECT_EQ(m[4], "GET /shop/cart?id=7 HTTP/1.1");
  EXPECT_EQ(m[5], "200");
  EXPECT_EQ(m[6], "612");
  EXPECT_EQ(m[7], "https://shop.example.com/");
  EXPECT_EQ(m[8], "curl/7.88.1");
  EXPECT_EQ(text,
            "192.168.1.20 - - [14/Nov/2023:22:13:20 +0000] \"GET /shop/cart?id=7 HTTP/1.1\" 200 "
            "612 \"https://shop.example.com/\" \"curl/7.88.1\"\n");
}

TEST_F(AccessLogTest, CombinedUsesDashForMissingHeadersAndKeepsHttp10) {
  auto sink = Open(AccessLogFormat::kCombined);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  AccessLogEntry e = Typical();
  e.referer = "";
  e.user_agent = "";
  e.version_minor = 0;
  e.status = 404;
  e.body_bytes_sent = 0;
  buffer.Append(e, kWhen);
  buffer.Flush();
  EXPECT_EQ(Contents(),
            "192.168.1.20 - - [14/Nov/2023:22:13:20 +0000] \"GET /shop/cart?id=7 HTTP/1.0\" 404 "
            "0 \"-\" \"-\"\n");
}

TEST_F(AccessLogTest, CombinedNeverLetsAClientBreakTheLine) {
  auto sink = Open(AccessLogFormat::kCombined);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  AccessLogEntry e = Typical();
  e.user_agent = "x\n1.2.3.4 - - [forged] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"";
  e.referer = "r\r\x7f";
  buffer.Append(e, kWhen);
  buffer.Flush();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u) << Contents();
  EXPECT_NE(lines[0].find(R"("x\x0A1.2.3.4)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("r\x0D\x7F")"), std::string::npos) << lines[0];
}

// nginx 1.22 (escape=default) writes '"' as \x22 and '\' as \x5C, with upper-case hex, in every
// logged variable; verified against Debian's nginx with the same request. Log parsers written
// for nginx's combined format expect exactly that.
TEST_F(AccessLogTest, CombinedEscapesQuotesBackslashesAndControlBytesLikeNginx) {
  auto sink = Open(AccessLogFormat::kCombined);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  AccessLogEntry e = Typical();
  e.target = "/a?q=\"x\"";
  e.user_agent =
      "ab\"c\\d\x01"
      "e\xc3\xa9";
  buffer.Append(e, kWhen);
  buffer.Flush();
  EXPECT_EQ(Contents(),
            "192.168.1.20 - - [14/Nov/2023:22:13:20 +0000] \"GET /a?q=\\x22x\\x22 HTTP/1.1\" 200 "
            "612 \"https://shop.example.com/\" \"ab\\x22c\\x5Cd\\x01e\\xC3\\xA9\"\n");
}

TEST_F(AccessLogTest, JsonLineParsesWithTheExpectedFields) {
  auto sink = Open(AccessLogFormat::kJson);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  buffer.Append(Typical(), kWhen);
  AccessLogEntry e = Typical();
  e.user_agent =
      "ab\"c\\d\x01"
      "e\n";
  e.referer = "";
  e.version_minor = 0;
  buffer.Append(e, kWhen + 1);
  buffer.Flush();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u) << Contents();
  std::vector<nlohmann::json> docs;
  for (const auto& line : lines) {
    try {
      docs.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& ex) {
      FAIL() << ex.what() << ": " << line;
    }
  }
  const nlohmann::json& j = docs[0];
  ASSERT_TRUE(j.is_object());
  const std::vector<std::string> keys = {
      "time",          "remote_addr",     "method",       "uri",     "protocol",   "host",
      "status",        "body_bytes_sent", "request_time", "referer", "user_agent", "request_id",
      "upstream_addr", "ingress",         "namespace",    "service"};
  for (const auto& k : keys) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j.size(), keys.size()) << j.dump();
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(j["remote_addr"], "192.168.1.20");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["uri"], "/shop/cart?id=7");
  EXPECT_EQ(j["protocol"], "HTTP/1.1");
  EXPECT_EQ(j["host"], "shop.example.com");
  ASSERT_TRUE(j["status"].is_number_integer());
  EXPECT_EQ(j["status"], 200);
  ASSERT_TRUE(j["body_bytes_sent"].is_number_integer());
  EXPECT_EQ(j["body_bytes_sent"], 612);
  ASSERT_TRUE(j["request_time"].is_number());
  EXPECT_NEAR(j["request_time"].get<double>(), 0.0125, 0.0006);  // millisecond resolution
  EXPECT_EQ(j["referer"], "https://shop.example.com/");
  EXPECT_EQ(j["user_agent"], "curl/7.88.1");
  EXPECT_EQ(j["request_id"], "5f2b7c0e9d");
  EXPECT_EQ(j["upstream_addr"], "10.0.0.7:8080");
  EXPECT_EQ(j["ingress"], "front");
  EXPECT_EQ(j["namespace"], "shop");
  EXPECT_EQ(j["service"], "web");

  const nlohmann::json& k = docs[1];
  EXPECT_EQ(k["time"], "2023-11-14T22:13:21Z");
  EXPECT_EQ(k["protocol"], "HTTP/1.0");
  EXPECT_EQ(k["user_agent"],
            "ab\"c\\d\x01"
            "e\n");  // escaped on the way out, exact on the way in
  EXPECT_EQ(k["referer"], "");
}

// Browsers send UTF-8 in Referer and User-Agent; nginx's escape=json passes it through. Each
// byte must not turn into its own code point ("é" must not read back as "Ã©"), while a byte that
// is not UTF-8 must still leave the line valid JSON.
TEST_F(AccessLogTest, JsonKeepsUtf8Text) {
  auto sink = Open(AccessLogFormat::kJson);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  AccessLogEntry e = Typical();
  e.user_agent = "caf\xc3\xa9 \xe2\x82\xac";  // "café €"
  e.referer = "bad\xff";
  buffer.Append(e, kWhen);
  buffer.Flush();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(Lines().at(0));
  } catch (const std::exception& ex) {
    FAIL() << ex.what() << ": " << Contents();
  }
  EXPECT_EQ(j["user_agent"], std::string("caf\xc3\xa9 \xe2\x82\xac"));
  EXPECT_EQ(j["referer"].get<std::string>().rfind("bad", 0), 0u);
}

// A client chooses its header bytes: whatever they are, each JSON line must stay parseable.
TEST_F(AccessLogTest, JsonStaysValidForArbitraryBytes) {
  auto sink = Open(AccessLogFormat::kJson);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  const std::vector<std::string> agents = {
      every_byte,
      "trunc\xe2\x82",           // sequence cut short
      "overlong\xc0\xaf",        // overlong '/'
      "surrogate\xed\xa0\x80",   // UTF-16 surrogate encoded in UTF-8
      "toobig\xf4\x90\x80\x80",  // above U+10FFFF
      "\x80lead",                // continuation byte first
  };
  for (const auto& ua : agents) {
    AccessLogEntry e = Typical();
    e.user_agent = ua;
    e.target = ua;
    buffer.Append(e, kWhen);
  }
  buffer.Flush();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), agents.size()) << Contents();
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(lines[i]);
    } catch (const std::exception& ex) {
      ADD_FAILURE() << "agent " << i << ": " << ex.what();
      continue;
    }
    EXPECT_EQ(j["status"], 200) << i;
    // The printable ASCII part always survives unchanged.
    const std::string ua = j["user_agent"];
    std::string ascii;
    for (char c : agents[i]) {
      if (c >= 0x20 && c < 0x7f) ascii.push_back(c);
    }
    std::string ua_ascii;
    for (char c : ua) {
      if (c >= 0x20 && c < 0x7f) ua_ascii.push_back(c);
    }
    EXPECT_EQ(ua_ascii, ascii) << i;
  }
}

TEST_F(AccessLogTest, NothingIsWrittenBeforeFlush) {
  auto sink = Open(AccessLogFormat::kCombined);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  buffer.Append(Typical(), kWhen);
  buffer.Append(Typical(), kWhen);
  EXPECT_EQ(Contents(), "");
  buffer.Flush();
  EXPECT_EQ(Lines().size(), 2u);
  buffer.Flush();  // an empty flush writes nothing more
  EXPECT_EQ(Lines().size(), 2u);
}

TEST_F(AccessLogTest, DestructorFlushes) {
  auto sink = Open(AccessLogFormat::kJson);
  ASSERT_NE(sink, nullptr);
  {
    AccessLogBuffer buffer(sink.get());
    buffer.Append(Typical(), kWhen);
    EXPECT_EQ(Contents(), "");
  }
  EXPECT_EQ(Lines().size(), 1u);
}

TEST_F(AccessLogTest, LargeBufferFlushesOnItsOwnWithWholeLines) {
  auto sink = Open(AccessLogFormat::kCombined);
  ASSERT_NE(sink, nullptr);
  AccessLogBuffer buffer(sink.get());
  int appended = 0;
  while (Contents().empty() && appended < 10'000) {
    buffer.Append(Typical(), kWhen);
    ++appended;
  }
  const std::string text = Contents();
  ASSERT_FALSE(text.empty()) << "no write after " << appended << " lines";
  EXPECT_GE(text.size(), 32u * 1024);
  EXPECT_LT(text.size(), 64u * 1024);
  EXPECT_EQ(text.back(), '\n');  // never half a line
  EXPECT_EQ(Lines().size(), static_cast<size_t>(appended));
}

TEST_F(AccessLogTest, SinksAppendToAnExistingFile) {
  {
    std::ofstream out(path_);
    out << "previous line\n";
  }
  auto a = Open(AccessLogFormat::kCombined);
  auto b = Open(AccessLogFormat::kCombined);  // a second worker's view of the same file
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  AccessLogBuffer ba(a.get()), bb(b.get());
  ba.Append(Typical(), kWhen);
  ba.Flush();
  bb.Append(Typical(), kWhen);
  bb.Flush();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "previous line");
  EXPECT_EQ(lines[1], lines[2]);
}

TEST_F(AccessLogTest, OpenFailsForAnUnwritablePath) {
  auto sink = AccessLogSink::Open("/nonexistent-dir/access.log", AccessLogFormat::kCombined);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.error().message.find("/nonexistent-dir/access.log"), std::string::npos);
}

TEST(AccessLogStdout, DashWritesToStdoutAndANullSinkWritesNothing) {
  auto sink = AccessLogSink::Open("-", AccessLogFormat::kJson);
  ASSERT_TRUE(sink.ok());
  AccessLogEntry e;
  e.method = "GET";
  e.target = "/";
  e.status = 200;

  ::testing::internal::CaptureStdout();
  {
    AccessLogBuffer buffer(sink->get());
    buffer.Append(e, 0);
    buffer.Flush();
  }
  const std::string written = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(written.find("\"status\":200"), std::string::npos) << written;

  ::testing::internal::CaptureStdout();
  {
    AccessLogBuffer off(nullptr);
    EXPECT_FALSE(off.enabled());
    off.Append(e, 0);
    off.Flush();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

}  // namespace
}  // namespace waygate::proxy
