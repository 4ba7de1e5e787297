// The Table envelope: kind/apiVersion, list metadata, column definitions (checked against a
// real kube-apiserver response), includeObject modes, watch events without headers, and objects
// of any shape never breaking the printer.
#include "printers/table.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace waygate::printers {
namespace {

using namespace std::chrono_literals;
using testing::Ago;
using testing::json;
using testing::Now;

json Ingress(const std::string& name) {
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata",
           {{"name", name},
            {"namespace", "demo"},
            {"uid", "3f1c2a9e-0000-4000-8000-000000000001"},
            {"resourceVersion", "412"},
            {"generation", 1},
            {"creationTimestamp", Ago(90s)},
            {"labels", {{"app", name}}},
            {"annotations", {{"kubesphere.io/creator", "admin"}}}}},
          {"spec", {{"rules", {{{"host", name + ".example.com"}}}}}}};
}

TEST(BuildTable, EnvelopeAndListMeta) {
  json a = Ingress("a"), b = Ingress("b");
  json table = BuildTable("networking.k8s.io", "Ingress", {&a, &b}, IncludeObject::kMetadata,
                          {{"resourceVersion", "500"},
                           {"continue", "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},
                           {"remainingItemCount", 7},
                           {"selfLink", "/ignored"}},
                          Now());
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(table["metadata"], json({{"resourceVersion", "500"},
                                     {"continue", "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},
                                     {"remainingItemCount", 7}}));
  ASSERT_EQ(table["rows"].size(), 2u);
  EXPECT_EQ(table["rows"][0]["cells"][0], "a");
  EXPECT_EQ(table["rows"][1]["cells"][0], "b");
}

TEST(BuildTable, EmptyListMetaFieldsAreOmitted) {
  json table = BuildTable("", "Namespace", {}, IncludeObject::kMetadata,
                          {{"resourceVersion", ""}, {"continue", ""}}, Now());
  EXPECT_EQ(table["metadata"], json::object());
  EXPECT_EQ(table["rows"], json::array());  // [] rather than null, as kube
  EXPECT_EQ(table["columnDefinitions"].size(), 3u);
}

TEST(BuildTable, ColumnDefinitionsMatchKubeApiserver) {
  // From a real `kubectl get namespaces -v8` response body (kube-apiserver 1.2x).
  const json kube_columns = json::parse(R"([
    {"name":"Name","type":"string","format":"name","description":"Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names","priority":0},
    {"name":"Status","type":"string","format":"","description":"The status of the namespace","priority":0}])");
  json table = BuildTable("", "Namespace", {}, IncludeObject::kNone, json::object(), Now());
  EXPECT_EQ(table["columnDefinitions"][0], kube_columns[0]);
  EXPECT_EQ(table["columnDefinitions"][1], kube_columns[1]);
  EXPECT_EQ(table["columnDefinitions"][2]["description"],
            "CreationTimestamp is a timestamp representing the server time when this object was "
            "created. It is not guaranteed to be set in happens-before order across separate "
            "operations. Clients may not set this value. It is represented in RFC3339 form and "
            "is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
            "https://git.k8s.io/community/contributors/devel/sig-architecture/"
            "api-conventions.md#metadata");

  json ingress =
      BuildTable("networking.k8s.io", "Ingress", {}, IncludeObject::kNone, json::object(), Now());
  EXPECT_EQ(ingress["columnDefinitions"][1],
            json({{"name", "Class"},
                  {"type", "string"},
                  {"format", ""},
                  {"description",
                   "The name of the IngressClass resource that should be used for additional "
                   "configuration"},
                  {"priority", 0}}));
}

TEST(BuildTable, IncludeObjectModes) {
  json ing = Ingress("web");

  json none = BuildTable("networking.k8s.io", "Ingress", {&ing}, IncludeObject::kNone,
                         json::object(), Now());
  ASSERT_TRUE(none["rows"][0].contains("object"));
  EXPECT_TRUE(none["rows"][0]["object"].is_null());

  json full = BuildTable("networking.k8s.io", "Ingress", {&ing}, IncludeObject::kObject,
                         json::object(), Now());
  EXPECT_EQ(full["rows"][0]["object"], ing);

  json partial = BuildTable("networking.k8s.io", "Ingress", {&ing}, IncludeObject::kMetadata,
                            json::object(), Now());
  EXPECT_EQ(partial["rows"][0]["object"], json({{"kind", "PartialObjectMetadata"},
                                                {"apiVersion", "meta.k8s.io/v1"},
                                                {"metadata", ing["metadata"]}}));
}

TEST(ParseIncludeObject, KubeValuesOnly) {
  EXPECT_EQ(ParseIncludeObject(""), IncludeObject::kMetadata);  // kube's default
  EXPECT_EQ(ParseIncludeObject("Metadata"), IncludeObject::kMetadata);
  EXPECT_EQ(ParseIncludeObject("None"), IncludeObject::kNone);
  EXPECT_EQ(ParseIncludeObject("Object"), IncludeObject::kObject);
  EXPECT_EQ(ParseIncludeObject("object"), std::nullopt);
  EXPECT_EQ(ParseIncludeObject("All"), std::nullopt);
}

TEST(BuildTable, PartialObjectMetadataKeepsOnlyObjectMeta) {
  json odd = {{"metadata", {{"name", "x"}, {"notAField", 1}, {"finalizers", {"f"}}}},
              {"spec", {{"big", "payload"}}}};
  json table = BuildTable("", "ConfigMap", {&odd}, IncludeObject::kMetadata, json::object(), Now());
  // Go writes a zero creationTimestamp as null; unknown keys do not survive ObjectMeta.
  EXPECT_EQ(table["rows"][0]["object"]["metadata"],
            json({{"name", "x"}, {"finalizers", {"f"}}, {"creationTimestamp", nullptr}}));
}

TEST(BuildTable, WatchEventsAfterTheFirstOmitHeaders) {
  json ing = Ingress("web");
  json first = BuildTable("networking.k8s.io", "Ingress", {&ing}, IncludeObject::kMetadata,
                          {{"resourceVersion", "412"}}, Now(), ColumnHeaders::kInclude);
  json later = BuildTable("networking.k8s.io", "Ingress", {&ing}, IncludeObject::kMetadata,
                          {{"resourceVersion", "412"}}, Now(), ColumnHeaders::kOmit);
  EXPECT_EQ(first["columnDefinitions"].size(), 8u);
  ASSERT_TRUE(later.contains("columnDefinitions"));
  EXPECT_TRUE(later["columnDefinitions"].is_null());
  EXPECT_EQ(later["rows"], first["rows"]);
  EXPECT_EQ(later["metadata"], json({{"resourceVersion", "412"}}));
}

TEST(BuildTable, NullObjectPointersAreSkipped) {
  json a = Ingress("a");
  json table = BuildTable("networking.k8s.io", "Ingress", {nullptr, &a, nullptr},
                          IncludeObject::kNone, json::object(), Now());
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"][0], "a");
}

TEST(BuildTable, MistypedFieldsNeverThrow) {
  // Every field of the wrong JSON type, for every kind: printers read Go zero values instead.
  const json garbage[] = {
      json(nullptr),
      json(42),
      json("string"),
      json::array({1, 2, 3}),
      json({{"metadata", "nope"}, {"spec", 5}, {"status", {1, 2}}}),
      json({{"metadata", {{"name", 7}, {"creationTimestamp", true}, {"labels", "x"}}},
            {"spec",
             {{"rules", "x"},
              {"ports", {1, json::array(), {{"port", "80"}, {"nodePort", -1}}}},
              {"tls", 3},
              {"type", 9},
              {"clusterIPs", {nullptr}},
              {"ingressClassName", 12},
              {"parameters", "p"},
              {"selector", {{"a", 1}}}}},
            {"subsets", {{{"addresses", {1}}, {"ports", {"x"}}}}},
            {"endpoints", {{{"addresses", {5, nullptr}}}}},
            {"data", {1, 2}},
            {"status",
             {{"conditions", {"Ready"}}, {"addresses", {{{"type", 3}}}}, {"loadBalancer", 1}}},
            {"series", {{"count", "2"}}},
            {"count", 1e300},
            {"involvedObject", {{"kind", {}}}}}),
  };
  const std::pair<const char*, const char*> kinds[] = {{"", "Namespace"},
                                                       {"", "Service"},
                                                       {"", "Endpoints"},
                                                       {"", "Secret"},
                                                       {"", "ConfigMap"},
                                                       {"", "Node"},
                                                       {"", "Event"},
                                                       {"discovery.k8s.io", "EndpointSlice"},
                                                       {"networking.k8s.io", "Ingress"},
                                                       {"networking.k8s.io", "IngressClass"},
                                                       {"gateway.kubesphere.io", "Gateway"},
                                                       {"example.com", "Widget"}};
  for (const auto& [group, kind] : kinds) {
    for (const json& obj : garbage) {
      for (IncludeObject include :
           {IncludeObject::kNone, IncludeObject::kMetadata, IncludeObject::kObject}) {
        json table = BuildTable(group, kind, {&obj}, include, obj, Now());
        ASSERT_EQ(table["rows"].size(), 1u) << kind << " " << obj.dump();
        EXPECT_EQ(table["rows"][0]["cells"].size(), table["columnDefinitions"].size())
            << kind << " " << obj.dump();
      }
    }
  }
}

}  // namespace
}  // namespace waygate::printers
