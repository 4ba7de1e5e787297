// Request-level checks: the problems kube reports for create/update bodies and patches, in its
// order. The bodies mirror kube's own field validation integration test
// (test/integration/apiserver/field_validation_test.go), moved onto the kinds Waygate serves.
#include <gtest/gtest.h>

#include <string>

#include "fieldcheck/fieldcheck.h"

namespace waygate::fieldcheck {
namespace {

using nlohmann::json;
using Texts = std::vector<std::string>;

constexpr const char* kInvalidIngress = R"({
  "apiVersion": "networking.k8s.io/v1",
  "kind": "Ingress",
  "metadata": {
    "name": "web",
    "name": "web2",
    "unknownMeta": "metaVal",
    "labels": {"app": "web"}
  },
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "ingressClassName": "a",
    "ingressClassName": "waygate",
    "rules": [{
      "host": "a.example.com",
      "http": {"paths": [{
        "path": "/",
        "unknownNested": "val1",
        "pathType": "Exact",
        "pathType": "Prefix",
        "backend": {"service": {"name": "s", "port": {"number": 80}}}
      }]}
    }]
  }
})";

TEST(CheckBody, BuiltinJsonBodyInDocumentOrder) {
  json obj = json::parse(kInvalidIngress);
  Texts problems = CheckBody("networking.k8s.io", "Ingress", kInvalidIngress, obj);
  EXPECT_EQ(problems, (Texts{
                          R"(duplicate field "metadata.name")",
                          R"(unknown field "metadata.unknownMeta")",
                          R"(unknown field "spec.unknown1")",
                          R"(unknown field "spec.unknownDupe")",  // unknown wins, reported once
                          R"(duplicate field "spec.ingressClassName")",
                          R"(unknown field "spec.rules[0].http.paths[0].unknownNested")",
                          R"(duplicate field "spec.rules[0].http.paths[0].pathType")",
                      }));
  EXPECT_EQ(StrictDecodingMessage(problems),
            R"(strict decoding error: duplicate field "metadata.name", unknown field )"
            R"("metadata.unknownMeta", unknown field "spec.unknown1", unknown field )"
            R"("spec.unknownDupe", duplicate field "spec.ingressClassName", unknown field )"
            R"("spec.rules[0].http.paths[0].unknownNested", duplicate field )"
            R"("spec.rules[0].http.paths[0].pathType")");
  // Pruned; for repeated keys the last value stands, as Go's decoder leaves it.
  EXPECT_FALSE(obj["metadata"].contains("unknownMeta"));
  EXPECT_FALSE(obj["spec"].contains("unknown1"));
  EXPECT_FALSE(obj["spec"].contains("unknownDupe"));
  EXPECT_FALSE(obj["spec"]["rules"][0]["http"]["paths"][0].contains("unknownNested"));
  EXPECT_EQ(obj["metadata"]["name"], "web2");
  EXPECT_EQ(obj["spec"]["ingressClassName"], "waygate");
  EXPECT_EQ(obj["spec"]["rules"][0]["http"]["paths"][0]["pathType"], "Prefix");
}

TEST(CheckBody, BuiltinYamlBodyInSortedKeyOrder) {
  // The YAML was converted to JSON already (duplicates rejected by the YAML parser); kube meets
  // the keys of its Go map in sorted order.
  json obj = json::parse(kInvalidIngress);
  EXPECT_EQ(CheckBody("networking.k8s.io", "Ingress", "", obj),
            (Texts{R"(unknown field "metadata.unknownMeta")",
                   R"(unknown field "spec.rules[0].http.paths[0].unknownNested")",
                   R"(unknown field "spec.unknown1")", R"(unknown field "spec.unknownDupe")"}));
}

TEST(CheckBody, MapKeysAreCheckedForDuplicatesOnly) {
  const char* body = R"({"metadata": {"name": "s", "labels": {"app": "a", "any/key": "b",
    "app": "c"}}, "spec": {"selector": {"x": "1"}, "ports": [{"port": 80, "targetPort": "http",
    "targetPort": 8080}]}})";
  json obj = json::parse(body);
  EXPECT_EQ(CheckBody("", "Service", body, obj),
            (Texts{R"(duplicate field "metadata.labels.app")",
                   R"(duplicate field "spec.ports[0].targetPort")"}));
  EXPECT_EQ(obj["spec"]["ports"][0]["targetPort"], 8080);
}

TEST(CheckBody, ValuesGoSkipsAreNotInspected) {
  // An unknown field's value is skipped whole; FieldsV1 is kept as raw bytes.
  const char* body = R"({"metadata": {"managedFields": [{"fieldsV1": {"f:a": {}, "f:a": {}}}]},
    "spec": {"bogus": {"x": 1, "x": 2, "nested": {"y": 1}}}})";
  json obj = json::parse(body);
  EXPECT_EQ(CheckBody("networking.k8s.io", "Ingress", body, obj),
            (Texts{R"(unknown field "spec.bogus")"}));
}

TEST(CheckBody, CustomResourceDuplicatesThenMetadataThenSortedPrunes) {
  const char* body = R"({
    "apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
    "metadata": {"name": "kubesphere-router-demo", "name": "kubesphere-router-demo",
                 "unknownMeta": 1},
    "spec": {
      "unknown1": "val1", "unknownDupe": "a", "unknownDupe": "b",
      "service": {"type": "NodePort", "type": "LoadBalancer", "unknownNested": 1},
      "controller": {"scope": {"enabled": true, "bogus": 1}}
    },
    "status": {"free": 1, "free": 2}
  })";
  json obj = json::parse(body);
  EXPECT_EQ(CheckBody("gateway.kubesphere.io", "Gateway", body, obj),
            (Texts{R"(duplicate field "metadata.name")", R"(duplicate field "spec.unknownDupe")",
                   R"(duplicate field "spec.service.type")", R"(duplicate field "status.free")",
                   R"(unknown field "metadata.unknownMeta")",
                   R"(unknown field "spec.controller.scope.bogus")",
                   R"(unknown field "spec.service.unknownNested")",
                   R"(unknown field "spec.unknown1")", R"(unknown field "spec.unknownDupe")"}));
  EXPECT_EQ(obj["spec"]["service"]["type"], "LoadBalancer");
  EXPECT_EQ(obj["status"]["free"], 2);
}

TEST(CheckBody, CleanBodiesHaveNoProblems) {
  const char* body = R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
    "annotations": {"a": "1"}}, "data": {"k": "v", "spec": "x"}, "binaryData": {"b": "eA=="}})";
  json obj = json::parse(body);
  json before = obj;
  EXPECT_TRUE(CheckBody("", "ConfigMap", body, obj).empty());
  EXPECT_EQ(obj, before);
  EXPECT_TRUE(CheckBody("", "Pod", R"({"a": 1, "a": 2})", obj).empty());  // no schema
}

TEST(CheckBody, AtMostOneHundredProblems) {
  std::string body = R"({"spec": {)";
  for (int i = 0; i < 150; ++i) body += (i ? ", " : "") + ("\"u" + std::to_string(i) + "\": 1");
  body += "}}";
  json obj = json::parse(body);
  Texts problems = CheckBody("networking.k8s.io", "Ingress", body, obj);
  ASSERT_EQ(problems.size(), 100u);
  EXPECT_EQ(problems.front(), R"(unknown field "spec.u0")");
  EXPECT_EQ(problems.back(), R"(unknown field "spec.u99")");
  EXPECT_TRUE(obj["spec"].empty());  // all 150 are still pruned
}

TEST(CheckPatch, MergePatchDuplicatesThenUnknownOfThePatchedObject) {
  const char* patch = R"({"spec": {"unknown1": "val1", "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2", "ingressClassName": "a", "ingressClassName": "b",
    "rules": [{"http": {"paths": [{"path": "/", "unknownNested": "val1",
                                   "pathType": "Exact", "pathType": "Prefix"}]}}]}})";
  // The object the merge produced (what the handler decodes next).
  json patched = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web"}, "spec": {"unknown1": "val1", "unknownDupe": "valDupe2",
    "ingressClassName": "b", "rules": [{"http": {"paths": [{"path": "/",
    "unknownNested": "val1", "pathType": "Prefix"}]}}]}})");
  EXPECT_EQ(
      CheckPatch("networking.k8s.io", "Ingress", PatchType::kMergePatch, patch, patched),
      (Texts{R"(duplicate field "spec.unknownDupe")", R"(duplicate field "spec.ingressClassName")",
             R"(duplicate field "spec.rules[0].http.paths[0].pathType")",
             R"(unknown field "spec.rules[0].http.paths[0].unknownNested")",
             R"(unknown field "spec.unknown1")", R"(unknown field "spec.unknownDupe")"}));
  EXPECT_FALSE(patched["spec"].contains("unknown1"));
}

TEST(CheckPatch, JsonPatchOperationsAreCheckedToo) {
  const char* patch = R"([
    {"op": "add", "path": "/spec/unknown1", "value": "val1", "foo": "bar"},
    {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
    {"op": "add", "path": "/metadata/labels", "value": {"a": "1", "a": "2"}}
  ])";
  json patched = json::parse(R"({"metadata": {"name": "s", "labels": {"a": "2"}},
    "spec": {"unknown1": "val1", "unknown3": "val1", "ports": [{"port": 80}]}})");
  EXPECT_EQ(
      CheckPatch("", "Service", PatchType::kJsonPatch, patch, patched),
      (Texts{R"(json patch unknown field "[0].foo")", R"(json patch duplicate field "[1].path")",
             R"(json patch duplicate field "[2].value.a")", R"(unknown field "spec.unknown1")",
             R"(unknown field "spec.unknown3")"}));
  EXPECT_EQ(patched["spec"], json::parse(R"({"ports": [{"port": 80}]})"));
}

TEST(CheckPatch, StrategicMergePatchDirectivesAreNotFieldsOfTheResult) {
  const char* patch = R"({"spec": {"$setElementOrder/ports": [{"port": 80}],
    "ports": [{"port": 80, "name": "http", "name": "web"}]}})";
  json patched = json::parse(R"({"spec": {"ports": [{"port": 80, "name": "web"}]}})");
  EXPECT_EQ(CheckPatch("", "Service", PatchType::kStrategicMergePatch, patch, patched),
            (Texts{R"(duplicate field "spec.ports[0].name")"}));
}

TEST(CheckPatch, CustomResourcePatchUsesTheCrdOrder) {
  json patched = json::parse(R"({"metadata": {"bogus": 1}, "spec": {"zz": 1,
    "controller": {"x": 1}}})");
  EXPECT_EQ(CheckPatch("gateway.kubesphere.io", "Gateway", PatchType::kMergePatch,
                       R"({"spec": {"zz": 1, "zz": 1}})", patched),
            (Texts{R"(duplicate field "spec.zz")", R"(unknown field "metadata.bogus")",
                   R"(unknown field "spec.controller.x")", R"(unknown field "spec.zz")"}));
}

}  // namespace
}  // namespace waygate::fieldcheck
