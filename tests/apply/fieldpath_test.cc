// FieldsV1 encoding and field-set algebra (sigs.k8s.io/structured-merge-diff fieldpath).
#include "apply/fieldpath.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waygate::apply {
namespace {

using nlohmann::json;

// Recorded by kube-apiserver for a Service created by `kubectl apply` (client-side).
const char* const kServiceFields = R"({"f:metadata":{"f:annotations":{".":{},
  "f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:spec":{
  "f:externalTrafficPolicy":{},"f:internalTrafficPolicy":{},"f:ports":{".":{},
  "k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},
  "f:selector":{},"f:sessionAffinity":{},"f:type":{}}})";

std::vector<std::string> Paths(const FieldSet& set) {
  std::vector<std::string> out;
  set.Iterate([&](const Path& p) { out.push_back(ToString(p)); });
  return out;
}

TEST(FieldSetTest, FieldsV1RoundTripsAndListsEveryPath) {
  const json fields = json::parse(kServiceFields);
  Result<FieldSet> set = FieldSet::FromFieldsV1(fields);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->ToFieldsV1(), fields);
  EXPECT_EQ(Paths(*set),
            (std::vector<std::string>{
                ".metadata.annotations",
                ".metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
                ".spec.externalTrafficPolicy",
                ".spec.internalTrafficPolicy",
                ".spec.ports",
                ".spec.selector",
                ".spec.sessionAffinity",
                ".spec.type",
                ".spec.ports[port=80,protocol=\"TCP\"]",
                ".spec.ports[port=80,protocol=\"TCP\"].port",
                ".spec.ports[port=80,protocol=\"TCP\"].protocol",
                ".spec.ports[port=80,protocol=\"TCP\"].targetPort",
            }));
}

TEST(FieldSetTest, KeysAreSortedByFieldNameAndValuesAreJson) {
  PathElement key = PathElement::Key({{"protocol", "TCP"}, {"port", 443}});
  EXPECT_EQ(key.ToFieldsV1Key(), "k:{\"port\":443,\"protocol\":\"TCP\"}");
  EXPECT_EQ(key.ToString(), "[port=443,protocol=\"TCP\"]");
  EXPECT_EQ(PathElement::Value("example.com/cleanup").ToFieldsV1Key(), "v:\"example.com/cleanup\"");
  EXPECT_EQ(PathElement::Value("example.com/cleanup").ToString(), "[=\"example.com/cleanup\"]");
  EXPECT_EQ(PathElement::Index(3).ToFieldsV1Key(), "i:3");
  Result<PathElement> parsed =
      PathElement::FromFieldsV1Key("k:{\"protocol\":\"TCP\",\"port\":443}");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, key);
  EXPECT_FALSE(PathElement::FromFieldsV1Key("x:oops").ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"f:a":"not an object"})")).ok());
}

TEST(FieldSetTest, NumbersCompareByValue) {
  EXPECT_EQ(PathElement::Key({{"port", 80}}), PathElement::Key({{"port", 80.0}}));
  EXPECT_LT(PathElement::Key({{"port", 80}}), PathElement::Key({{"port", 443}}));
  EXPECT_LT(PathElement::Field("z"), PathElement::Key({{"port", 1}}));  // fields sort first
}

TEST(FieldSetTest, DifferenceKeepsPrefixesRecursiveDifferenceDropsSubtrees) {
  FieldSet set = *FieldSet::FromFieldsV1(json::parse(kServiceFields));
  FieldSet spec;
  spec.Insert({PathElement::Field("spec")});
  EXPECT_EQ(set.Difference(spec), set);  // "spec" itself is not a member
  EXPECT_EQ(Paths(set.RecursiveDifference(spec)),
            (std::vector<std::string>{
                ".metadata.annotations",
                ".metadata.annotations.kubectl.kubernetes.io/last-applied-configuration"}));

  FieldSet ports;
  ports.Insert({PathElement::Field("spec"), PathElement::Field("ports")});
  ports.Insert({PathElement::Field("spec"), PathElement::Field("type")});
  EXPECT_EQ(Paths(set.Intersection(ports)),
            (std::vector<std::string>{".spec.ports", ".spec.type"}));
  FieldSet both = ports.Union(spec);
  EXPECT_TRUE(both.Has({PathElement::Field("spec")}));
  EXPECT_TRUE(both.Has({PathElement::Field("spec"), PathElement::Field("type")}));
  EXPECT_FALSE(both.Has({PathElement::Field("status")}));
  EXPECT_TRUE(FieldSet().Empty());
  EXPECT_TRUE(set.Difference(set).Empty());
}

}  // namespace
}  // namespace waygate::apply
