#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace waygate {
namespace {

std::string Utf8(char32_t r) {
  std::string out;
  AppendUtf8(out, r);
  return out;
}

TEST(AppendUtf8, EachLengthAtItsBoundaries) {
  EXPECT_EQ(Utf8(0x00), std::string(1, '\0'));
  EXPECT_EQ(Utf8(0x7F), "\x7F");
  EXPECT_EQ(Utf8(0x80), "\xC2\x80");
  EXPECT_EQ(Utf8(0x7FF), "\xDF\xBF");
  EXPECT_EQ(Utf8(0x800), "\xE0\xA0\x80");
  EXPECT_EQ(Utf8(0xFFFF), "\xEF\xBF\xBF");
  EXPECT_EQ(Utf8(0x10000), "\xF0\x90\x80\x80");
  EXPECT_EQ(Utf8(0x10FFFF), "\xF4\x8F\xBF\xBF");
}

TEST(AppendUtf8, MatchesTheCompilersOwnEncoding) {
  EXPECT_EQ(Utf8(U'é'), "é");
  EXPECT_EQ(Utf8(U'€'), "€");
  EXPECT_EQ(Utf8(U'名'), "名");
  EXPECT_EQ(Utf8(U'😀'), "😀");
  EXPECT_EQ(Utf8(0xFFFD), "\xEF\xBF\xBD");
}

TEST(AppendUtf8, AppendsAfterWhatIsThere) {
  std::string out = "a=";
  AppendUtf8(out, U'ü');
  AppendUtf8(out, U'!');
  EXPECT_EQ(out, "a=\xC3\xBC!");
}

}  // namespace
}  // namespace waygate
