// Expected texts are what Go 1.22 prints for fmt.Sprintf("%q", s) and json.Marshal.
#include "base/go_text.h"

#include <gtest/gtest.h>

#include <string>

namespace waygate::gotext {
namespace {

TEST(Quote, PlainTextIsOnlyQuoted) {
  EXPECT_EQ(Quote(""), R"("")");
  EXPECT_EQ(Quote("web-1.example.com"), R"("web-1.example.com")");
}

TEST(Quote, QuotesAndBackslashesAreEscaped) { EXPECT_EQ(Quote(R"(a"b\c)"), R"("a\"b\\c")"); }

TEST(Quote, ControlCharactersUseGosNamedEscapesThenHex) {
  EXPECT_EQ(Quote("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
  EXPECT_EQ(Quote(std::string("\0\x01\x1f\x7f", 4)), R"("\x00\x01\x1f\x7f")");
}

TEST(Quote, UnicodeTextIsKeptAsItIs) {
  EXPECT_EQ(Quote("grüße.名前"), "\"grüße.名前\"");
  EXPECT_EQ(Quote("<&>"), R"("<&>")");
}

TEST(HtmlEscapeJson, EscapesWhatGosEncoderEscapes) {
  EXPECT_EQ(HtmlEscapeJson(R"({"a":"<b>&c"})"), R"({"a":"\u003cb\u003e\u0026c"})");
}

TEST(HtmlEscapeJson, LineAndParagraphSeparatorsBecomeEscapes) {
  EXPECT_EQ(HtmlEscapeJson("[\"x\xe2\x80\xa8y\xe2\x80\xa9z\"]"), R"(["x\u2028y\u2029z"])");
}

TEST(HtmlEscapeJson, NeighbouringRunesAndCutSequencesStayAsTheyAre) {
  // U+2026 and U+202A share the first two bytes with U+2028; a cut sequence is left alone.
  EXPECT_EQ(HtmlEscapeJson("\"\xe2\x80\xa6\xe2\x80\xaa\""), "\"\xe2\x80\xa6\xe2\x80\xaa\"");
  EXPECT_EQ(HtmlEscapeJson("\"\xe2\x80"), "\"\xe2\x80");
  EXPECT_EQ(HtmlEscapeJson(R"({"k":[1,2.5,null]})"), R"({"k":[1,2.5,null]})");
}

}  // namespace
}  // namespace waygate::gotext
