// DuplicateFields: the light scan of JSON text for keys repeated within one object.
#include <gtest/gtest.h>

#include <string>

#include "fieldcheck/fieldcheck.h"

namespace waygate::fieldcheck {
namespace {

using Paths = std::vector<std::string>;

TEST(DuplicateFields, FindsRepeatedKeysWithPathsInDocumentOrder) {
  // kube's crdInvalidBody (test/integration/apiserver/field_validation_test.go), whose
  // duplicates kube reports exactly so.
  const char* body = R"({
    "apiVersion": "example.com/v1", "kind": "Thing",
    "metadata": {"name": "a", "name": "b", "resourceVersion": "1"},
    "spec": {
      "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2",
      "knownField1": "val1", "knownField1": "val2",
      "ports": [{"name": "portName", "containerPort": 8080, "protocol": "TCP",
                 "hostPort": 8081, "hostPort": 8082, "unknownNested": "val"}]
    }
  })";
  EXPECT_EQ(DuplicateFields(body), (Paths{"metadata.name", "spec.unknownDupe", "spec.knownField1",
                                          "spec.ports[0].hostPort"}));
}

TEST(DuplicateFields, NoneInAnOrdinaryBody) {
  EXPECT_TRUE(DuplicateFields(R"({"a": {"a": 1, "b": [{"a": 1}, {"a": 2}]}, "b": "a"})").empty());
  EXPECT_TRUE(DuplicateFields("").empty());
  EXPECT_TRUE(DuplicateFields("42").empty());
  EXPECT_TRUE(DuplicateFields(R"("x")").empty());
}

TEST(DuplicateFields, EachPathOnceHoweverOftenRepeated) {
  EXPECT_EQ(DuplicateFields(R"({"a": 1, "a": 2, "a": 3, "b": {"c": 1, "c": 2}})"),
            (Paths{"a", "b.c"}));
}

TEST(DuplicateFields, SameKeyInSiblingObjectsIsNotADuplicate) {
  EXPECT_EQ(DuplicateFields(R"({"items": [{"x": 1}, {"x": 2, "y": 1, "y": 2}], "x": 3})"),
            (Paths{"items[1].y"}));
}

TEST(DuplicateFields, RootArraysAndNestedArrays) {
  EXPECT_EQ(DuplicateFields(R"([{"op": "add", "path": "/a", "path": "/b"}])"), (Paths{"[0].path"}));
  EXPECT_EQ(DuplicateFields(R"({"m": [[{"k": 1}], [{"k": 1, "k": 2}]]})"), (Paths{"m[1][0].k"}));
}

TEST(DuplicateFields, EscapedKeysCompareByValue) {
  EXPECT_EQ(DuplicateFields(R"({"ab": 1, "a\u0062": 2})"), (Paths{"ab"}));
  EXPECT_EQ(DuplicateFields(R"({"a\"b": 1, "a\"b": 2})"), (Paths{"a\"b"}));
  EXPECT_EQ(DuplicateFields(R"({"\ud83d\ude00": 1, "😀": 2})"), (Paths{"😀"}));
}

TEST(DuplicateFields, StructuralCharactersInsideStringsAreText) {
  EXPECT_EQ(DuplicateFields(R"({"a": "}{][,:\"", "b": {"x": "}"}, "a": 1})"), (Paths{"a"}));
}

TEST(DuplicateFields, ManyKeysStillFound) {
  std::string body = "{";
  for (int i = 0; i < 500; ++i)
    body += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  body += "\"k7\": 0, \"k499\": 1}";
  EXPECT_EQ(DuplicateFields(body), (Paths{"k7", "k499"}));
}

TEST(DuplicateFields, MalformedTextStopsQuietly) {
  const std::string body = R"({"a": 1, "a": 2, "b": {"c": [1, {"d": "x\"y", "d": 0}]}, "e": true})";
  // Every prefix (truncated bodies) and every single-byte corruption: no crash, no hang, and
  // never a path that is not in the full answer.
  const Paths full = DuplicateFields(body);
  ASSERT_EQ(full, (Paths{"a", "b.c[1].d"}));
  for (size_t n = 0; n <= body.size(); ++n) {
    for (const std::string& p : DuplicateFields(std::string_view(body).substr(0, n))) {
      EXPECT_TRUE(p == "a" || p == "b.c[1].d") << p;
    }
  }
  for (size_t i = 0; i < body.size(); ++i) {
    for (char c : std::string("{}[]\",:\\ x")) {
      std::string bad = body;
      bad[i] = c;
      (void)DuplicateFields(bad);
    }
  }
}

TEST(DuplicateFields, DeepNestingIsBounded) {
  std::string deep(200000, '[');
  EXPECT_TRUE(DuplicateFields(deep).empty());
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += "{\"a\":";
  EXPECT_TRUE(DuplicateFields(objects).empty());
}

}  // namespace
}  // namespace waygate::fieldcheck
