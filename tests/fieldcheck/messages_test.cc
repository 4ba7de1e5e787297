// The texts kube emits: problem wording, the Status message for Strict, Warning headers for Warn
// and the warning recorder's limits.
#include <gtest/gtest.h>

#include <string>

#include "fieldcheck/fieldcheck.h"

namespace waygate::fieldcheck {
namespace {

using Texts = std::vector<std::string>;

TEST(Messages, ProblemWording) {
  EXPECT_EQ(UnknownField("spec.foo"), R"(unknown field "spec.foo")");
  EXPECT_EQ(DuplicateField("spec.rules[0].host"), R"(duplicate field "spec.rules[0].host")");
}

TEST(Messages, PathsAreQuotedAsGoQuotesThem) {
  EXPECT_EQ(UnknownField(R"(a"b\c)"), R"(unknown field "a\"b\\c")");
  EXPECT_EQ(UnknownField("tab\there\nnl\x01\x7f"), R"(unknown field "tab\there\nnl\x01\x7f")");
  EXPECT_EQ(UnknownField("bad\xff"), R"(unknown field "bad\xff")");
  EXPECT_EQ(UnknownField("grüße.名前"), "unknown field \"grüße.名前\"");
  EXPECT_EQ(UnknownField("zero\xe2\x80\x8bwidth"), R"(unknown field "zero\u200bwidth")");
}

TEST(Messages, StrictDecodingMessage) {
  EXPECT_EQ(StrictDecodingMessage({UnknownField("spec.foo"), UnknownField("spec.bar")}),
            R"(strict decoding error: unknown field "spec.foo", unknown field "spec.bar")");
  EXPECT_EQ(StrictDecodingMessage({DuplicateField("metadata.name")}),
            R"(strict decoding error: duplicate field "metadata.name")");
}

TEST(Messages, WarningHeaderQuotesTheText) {
  EXPECT_EQ(WarningHeader(UnknownField("spec.foo")), R"(299 - "unknown field \"spec.foo\"")");
  EXPECT_EQ(WarningHeader(R"(back\slash)"), R"(299 - "back\\slash")");
  EXPECT_EQ(WarningHeader("Iñtërnâtiô"), "299 - \"Iñtërnâtiô\"");
  // kube refuses to send these at all.
  EXPECT_EQ(WarningHeader(""), "");
  EXPECT_EQ(WarningHeader("line\nbreak"), "");
  EXPECT_EQ(WarningHeader("c1\xc2\x85"), "");
  EXPECT_EQ(WarningHeader("bad\xff"), "");
}

TEST(Messages, WarningHeadersOnePerProblemRepeatsOnce) {
  Texts problems = {UnknownField("spec.a"), DuplicateField("spec.b"), UnknownField("spec.a")};
  EXPECT_EQ(WarningHeaders(problems), (Texts{R"(299 - "unknown field \"spec.a\"")",
                                             R"(299 - "duplicate field \"spec.b\"")"}));
  EXPECT_TRUE(WarningHeaders({}).empty());
}

TEST(Messages, WarningRecorderTruncatesAsKubeDoes) {
  // kube's own TestTruncation (k8s.io/apiserver/pkg/endpoints/filters/warning_test.go) with the
  // same reduced limits: 25 runes in total, 5 per item once truncating.
  WarningRecorder r(25, 5);
  r.Add("aaaaaaaaaa");
  r.Add("aaaaaaaaaa");
  r.Add("bb");
  r.Add("ccc");
  r.Add("Iñtërnâtiô");
  EXPECT_EQ(r.headers(), (Texts{R"(299 - "aaaaaaaaaa")", R"(299 - "bb")", R"(299 - "ccc")",
                                "299 - \"Iñtërnâtiô\""}));
  r.Add("e");
  r.Add("ffffffffff");
  r.Add("ffffffffff");
  r.Add("gggggggggg");
  r.Add("h");
  EXPECT_EQ(r.headers(),
            (Texts{R"(299 - "aaaaa")", R"(299 - "bb")", R"(299 - "ccc")", "299 - \"Iñtër\"",
                   R"(299 - "e")", R"(299 - "fffff")", R"(299 - "ggggg")"}));
}

TEST(Messages, WarningHeadersStayWithinKubesBudget) {
  Texts problems;
  for (int i = 0; i < 100; ++i) {
    problems.push_back(UnknownField("spec.rules[" + std::to_string(i) + "].http.paths[0]." +
                                    std::string(60, 'x')));
  }
  Texts headers = WarningHeaders(problems);
  // 100 texts of ~90 runes overflow 4096: the first ~45 fit, then everything is replayed (each
  // is under 256 runes, so unchanged) until the running total passes the budget.
  ASSERT_FALSE(headers.empty());
  EXPECT_LT(headers.size(), problems.size());
  EXPECT_EQ(headers.front(), WarningHeader(problems.front()));
  size_t runes = 0;
  for (size_t i = 0; i < headers.size(); ++i) {
    EXPECT_EQ(headers[i], WarningHeader(problems[i]));
    runes += problems[i].size();
  }
  EXPECT_GE(runes, 4096u);
  EXPECT_LE(runes - problems[headers.size() - 1].size(), 4096u);
}

TEST(Messages, Directive) {
  EXPECT_EQ(ParseDirective(""), Directive::kWarn);
  EXPECT_EQ(ParseDirective("Warn"), Directive::kWarn);
  EXPECT_EQ(ParseDirective("Strict"), Directive::kStrict);
  EXPECT_EQ(ParseDirective("Ignore"), Directive::kIgnore);
  EXPECT_EQ(ParseDirective("strict"), std::nullopt);
  EXPECT_EQ(ParseDirective("true"), std::nullopt);
}

}  // namespace
}  // namespace waygate::fieldcheck
