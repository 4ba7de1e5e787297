// RFC 7386 appendix A, row by row, plus the label edits kubectl sends with --type merge.
#include "patch/merge_patch.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace waygate::patch {
namespace {

using nlohmann::json;

struct Case {
  const char* name;
  const char* original;
  const char* patch;
  const char* result;
};

// Failure output names the case instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class MergePatchTest : public ::testing::TestWithParam<Case> {};

TEST_P(MergePatchTest, MatchesTable) {
  const Case& c = GetParam();
  EXPECT_EQ(ApplyMergePatch(json::parse(c.original), json::parse(c.patch)), json::parse(c.result));
}

const Case kRfc7386AppendixA[] = {
    {"Row01_ReplaceMember", R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
    {"Row02_AddMember", R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
    {"Row03_NullDeletes", R"({"a":"b"})", R"({"a":null})", R"({})"},
    {"Row04_NullDeletesOnlyThatMember", R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
    {"Row05_ScalarReplacesArray", R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
    {"Row06_ArrayReplacesScalar", R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
    {"Row07_NestedMergeAndDelete", R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})",
     R"({"a":{"b":"d"}})"},
    {"Row08_ArraysReplacedWhole", R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
    {"Row09_ArrayRoot", R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
    {"Row10_ArrayPatchReplacesObject", R"({"a":"b"})", R"(["c"])", R"(["c"])"},
    {"Row11_NullPatchReplacesAll", R"({"a":"foo"})", R"(null)", R"(null)"},
    {"Row12_StringPatchReplacesAll", R"({"a":"foo"})", R"("bar")", R"("bar")"},
    {"Row13_ExistingNullKept", R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
    {"Row14_ObjectPatchOnArray", R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
    {"Row15_NullsInsideNewObjectDropped", R"({})", R"({"a":{"bb":{"ccc":null}}})",
     R"({"a":{"bb":{}}})"},
    {"KubectlLabelEdit", R"({"metadata":{"labels":{"app":"web","tier":"fe"}}})",
     R"({"metadata":{"labels":{"tier":null,"env":"prod"}}})",
     R"({"metadata":{"labels":{"app":"web","env":"prod"}}})"},
    {"IngressRulesReplacedWhole",
     R"({"spec":{"rules":[{"host":"a.example.com"},{"host":"b.example.com"}]}})",
     R"({"spec":{"rules":[{"host":"c.example.com"}]}})",
     R"({"spec":{"rules":[{"host":"c.example.com"}]}})"},
};
INSTANTIATE_TEST_SUITE_P(Rfc7386, MergePatchTest, ::testing::ValuesIn(kRfc7386AppendixA),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace waygate::patch
