// RFC 6902 appendix A (every example) plus the failures kube-apiserver users run into.
#include "patch/json_patch.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "patch/json_pointer.h"
#include "patch/rejection.h"

namespace waygate::patch {
namespace {

using nlohmann::json;

struct Case {
  const char* name;
  const char* document;
  const char* patch;
  const char* expected;  // nullptr: the patch must fail with `code`
  ErrorCode code = ErrorCode::kConflict;
  const char* message = nullptr;  // a substring the error must contain, if set
};

// Failure output names the case instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class JsonPatchTest : public ::testing::TestWithParam<Case> {};

TEST_P(JsonPatchTest, Applies) {
  const Case& c = GetParam();
  const json document = json::parse(c.document);
  auto result = ApplyJsonPatch(document, json::parse(c.patch));
  if (c.expected != nullptr) {
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(*result, json::parse(c.expected)) << result->dump();
  } else {
    ASSERT_FALSE(result.ok()) << "unexpected success: " << result->dump();
    EXPECT_EQ(result.error().code, c.code) << result.error().message;
    if (c.message != nullptr) {
      EXPECT_NE(result.error().message.find(c.message), std::string::npos)
          << result.error().message;
    }
  }
  EXPECT_EQ(document, json::parse(c.document)) << "the input document must not change";
}

const Case kRfcAppendixA[] = {
    {"A1_AddObjectMember", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
     R"({"baz":"qux","foo":"bar"})"},
    {"A2_AddArrayElement", R"({"foo":["bar","baz"]})",
     R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})"},
    {"A3_RemoveObjectMember", R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])",
     R"({"foo":"bar"})"},
    {"A4_RemoveArrayElement", R"({"foo":["bar","qux","baz"]})",
     R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})"},
    {"A5_ReplaceValue", R"({"baz":"qux","foo":"bar"})",
     R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})"},
    {"A6_MoveValue", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
     R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
     R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
    {"A7_MoveArrayElement", R"({"foo":["all","grass","cows","eat"]})",
     R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
     R"({"foo":["all","cows","eat","grass"]})"},
    {"A8_TestSuccess", R"({"baz":"qux","foo":["a",2,"c"]})",
     R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
     R"({"baz":"qux","foo":["a",2,"c"]})"},
    {"A9_TestError", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])", nullptr,
     ErrorCode::kConflict, "testing value /baz failed: test failed"},
    {"A10_AddNestedMemberObject", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
     R"({"foo":"bar","child":{"grandchild":{}}})"},
    {"A11_IgnoreUnrecognizedElements", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})"},
    {"A12_AddToNonexistentTarget", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/baz/bat","value":"qux"}])", nullptr, ErrorCode::kConflict,
     "add operation does not apply: doc is missing path: \"/baz/bat\""},
    // The duplicate "op" parses as its last value (as Go's encoding/json does), and a "remove"
    // of the missing /baz fails: either way the document is refused.
    {"A13_InvalidPatchDocument", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/baz","value":"qux","op":"remove"}])", nullptr},
    {"A14_EscapeOrdering", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
     R"({"/":9,"~1":10})"},
    {"A15_StringIsNotNumber", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])",
     nullptr},
    {"A16_AddArrayValue", R"({"foo":["bar"]})",
     R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])", R"({"foo":["bar",["abc","def"]]})"},
};
INSTANTIATE_TEST_SUITE_P(Rfc6902AppendixA, JsonPatchTest, ::testing::ValuesIn(kRfcAppendixA),
                         [](const auto& info) { return std::string(info.param.name); });

const Case kMore[] = {
    {"ReplaceMissingKeyFails", R"({"a":1})", R"([{"op":"replace","path":"/b","value":2}])", nullptr,
     ErrorCode::kConflict, "replace operation does not apply"},
    {"RemoveMissingKeyFails", R"({"a":1})", R"([{"op":"remove","path":"/b"}])", nullptr,
     ErrorCode::kConflict, "Unable to remove nonexistent key: b"},
    {"AddIndexPastEndFails", R"({"a":[1,2]})", R"([{"op":"add","path":"/a/3","value":0}])", nullptr,
     ErrorCode::kConflict, "invalid index"},
    {"AddAtEndIndexAppends", R"({"a":[1,2]})", R"([{"op":"add","path":"/a/2","value":3}])",
     R"({"a":[1,2,3]})"},
    {"LeadingZeroIndexFails", R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/01"}])", nullptr},
    {"NegativeIndexFails", R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/-1"}])", nullptr},
    {"DashOnlyForAdd", R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/-"}])", nullptr},
    {"DashIsAKeyInObjects", R"({"a":{}})", R"([{"op":"add","path":"/a/-","value":1}])",
     R"({"a":{"-":1}})"},
    // nlohmann::json::patch() wrongly accepts this by turning the null into an object.
    {"NullParentFails", R"({"a":null})", R"([{"op":"add","path":"/a/b","value":1}])", nullptr},
    {"ScalarParentFails", R"({"a":"s"})", R"([{"op":"add","path":"/a/b","value":1}])", nullptr},
    {"UnknownOpFails", R"({})", R"([{"op":"frobnicate","path":"/a"}])", nullptr,
     ErrorCode::kConflict, "Unexpected kind: frobnicate"},
    {"MissingOpFails", R"({})", R"([{"path":"/a","value":1}])", nullptr, ErrorCode::kConflict,
     "Unexpected kind: unknown"},
    {"MissingPathFails", R"({})", R"([{"op":"add","value":1}])", nullptr, ErrorCode::kConflict,
     "missing path field"},
    {"MissingValueFails", R"({})", R"([{"op":"add","path":"/a"}])", nullptr, ErrorCode::kConflict,
     "missing value field"},
    {"NullValueIsAValue", R"({})", R"([{"op":"add","path":"/a","value":null}])", R"({"a":null})"},
    {"PointerWithoutSlashFails", R"({"a":1})", R"([{"op":"remove","path":"a"}])", nullptr},
    {"BadEscapeFails", R"({"a~2":1})", R"([{"op":"remove","path":"/a~2"}])", nullptr},
    {"MoveIntoOwnChildFails", R"({"a":{"b":{}}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])",
     nullptr, ErrorCode::kConflict, "into its own child"},
    {"MoveToSamePathIsNoOp", R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])",
     R"({"a":1})"},
    {"MoveFromMissingFails", R"({"a":1})", R"([{"op":"move","from":"/x","path":"/y"}])", nullptr,
     ErrorCode::kConflict, "missing from path: /x"},
    {"CopyDeep", R"({"a":{"b":[1]}})",
     R"([{"op":"copy","from":"/a","path":"/c"},{"op":"add","path":"/c/b/-","value":2}])",
     R"({"a":{"b":[1]},"c":{"b":[1,2]}})"},
    {"TestMissingPathFails", R"({})", R"([{"op":"test","path":"/a","value":null}])", nullptr},
    {"TestComparesNumbersByValue", R"({"a":1})", R"([{"op":"test","path":"/a","value":1.0}])",
     R"({"a":1})"},
    {"TestComparesObjectsIgnoringOrder", R"({"a":{"x":1,"y":[1,2]}})",
     R"([{"op":"test","path":"/a","value":{"y":[1,2],"x":1}}])", R"({"a":{"x":1,"y":[1,2]}})"},
    {"TestArraysAreOrdered", R"({"a":[1,2]})", R"([{"op":"test","path":"/a","value":[2,1]}])",
     nullptr},
    {"ReplaceRoot", R"({"a":1})", R"([{"op":"replace","path":"","value":{"b":2}}])", R"({"b":2})"},
    {"RemoveRootFails", R"({"a":1})", R"([{"op":"remove","path":""}])", nullptr},
    {"AllOrNothing", R"({"a":1})",
     R"([{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":5}])", nullptr},
    {"NotAnArrayIsBadRequest", R"({})", R"({"op":"add","path":"/a","value":1})", nullptr,
     ErrorCode::kInvalid},
    {"ElementNotObjectIsBadRequest", R"({})", R"(["add"])", nullptr, ErrorCode::kInvalid},
    {"EmptyPatchIsIdentity", R"({"a":1})", R"([])", R"({"a":1})"},
    // What `kubectl patch --type json` sends to guard an update and to edit an annotation whose
    // key holds a '/'.
    {"KubectlResourceVersionGuard",
     R"({"metadata":{"name":"web","resourceVersion":"7",
                     "annotations":{"kubesphere.io/alias-name":"old"}}})",
     R"([{"op":"test","path":"/metadata/resourceVersion","value":"7"},
         {"op":"replace","path":"/metadata/annotations/kubesphere.io~1alias-name","value":"new"}])",
     R"({"metadata":{"name":"web","resourceVersion":"7",
                     "annotations":{"kubesphere.io/alias-name":"new"}}})"},
    {"KubectlRemoveMissingFieldFails", R"({"spec":{"rules":[]}})",
     R"([{"op":"remove","path":"/spec/defaultBackend"}])", nullptr},
};
INSTANTIATE_TEST_SUITE_P(Rfc6902More, JsonPatchTest, ::testing::ValuesIn(kMore),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(JsonPointerTest, UnescapesInOrder) {
  auto pointer = ParseJsonPointer("/a~1b/~01/~10/");
  ASSERT_TRUE(pointer.ok());
  EXPECT_EQ(pointer->tokens, (std::vector<std::string>{"a/b", "~1", "/0", ""}));
  EXPECT_TRUE(ParseJsonPointer("")->IsRoot());
  EXPECT_FALSE(ParseJsonPointer("/a~").ok());
}

TEST(JsonPointerTest, ArrayIndexIsStrict) {
  size_t index = 0;
  EXPECT_TRUE(ParseArrayIndex("0", &index));
  EXPECT_EQ(index, 0u);
  EXPECT_TRUE(ParseArrayIndex("42", &index));
  EXPECT_EQ(index, 42u);
  EXPECT_FALSE(ParseArrayIndex("007", &index));
  EXPECT_FALSE(ParseArrayIndex("-", &index));
  EXPECT_FALSE(ParseArrayIndex("1e3", &index));
  EXPECT_FALSE(ParseArrayIndex("99999999999999999999999", &index));
}

TEST(RejectionTest, MapsLikeKubeApiserver) {
  auto failed = ApplyJsonPatch(json::parse(R"({"a":1})"),
                               json::parse(R"([{"op":"test","path":"/a","value":2}])"));
  ASSERT_FALSE(failed.ok());
  PatchRejection rejection = RejectionFor(failed.error());
  EXPECT_EQ(rejection.http_status, 422);
  EXPECT_EQ(rejection.reason, "Invalid");
  EXPECT_EQ(rejection.message, "the server rejected our request due to an error in our request");

  auto undecodable = ApplyJsonPatch(json::object(), json::parse(R"({"op":"add"})"));
  ASSERT_FALSE(undecodable.ok());
  EXPECT_EQ(RejectionFor(undecodable.error()).http_status, 400);
  EXPECT_EQ(RejectionFor(undecodable.error()).reason, "BadRequest");
}

}  // namespace
}  // namespace waygate::patch
