// Strategic merge patch on the built-in kinds, with the patches kubectl sends.
#include "patch/strategic_merge.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "patch/patch_schema.h"
#include "patch/rejection.h"

namespace waygate::patch {
namespace {

using nlohmann::json;

const char* const kService = R"({
  "apiVersion": "v1", "kind": "Service",
  "metadata": {"name": "web", "namespace": "demo",
               "labels": {"app": "web", "tier": "frontend"},
               "annotations": {"kubesphere.io/alias-name": "Web", "note": "x"},
               "finalizers": ["a.example.com/x", "b.example.com/y", "c.example.com/z"],
               "ownerReferences": [{"uid": "u1", "kind": "Gateway", "name": "g1"}]},
  "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.10", "externalName": "stale",
           "selector": {"app": "web"},
           "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                     {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"}]}
})";

const char* const kIngress = R"({
  "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
  "metadata": {"name": "web", "namespace": "demo"},
  "spec": {"ingressClassName": "waygate",
           "tls": [{"hosts": ["a.example.com"], "secretName": "a-tls"}],
           "rules": [{"host": "a.example.com",
                      "http": {"paths": [{"path": "/", "pathType": "Prefix",
                               "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
                     {"host": "b.example.com",
                      "http": {"paths": [{"path": "/b", "pathType": "Exact",
                               "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}
})";

const char* const kNode = R"({
  "apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
  "spec": {"podCIDRs": ["10.244.0.0/24"]},
  "status": {"addresses": [{"type": "InternalIP", "address": "192.168.1.10"},
                           {"type": "Hostname", "address": "n1"}],
             "conditions": [{"type": "Ready", "status": "False", "reason": "Starting"}]}
})";

const char* const kEndpoints = R"({
  "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
  "subsets": [{"addresses": [{"ip": "10.1.0.1"}], "ports": [{"port": 8080}]}]
})";

struct Case {
  const char* name;
  const char* kind;  // core or networking kind whose schema applies
  const char* original;
  const char* patch;
  const char* pointer;   // JSON pointer into the result that the check looks at
  const char* expected;  // the value at `pointer`; "<absent>" if it must be gone; nullptr: error
  ErrorCode code = ErrorCode::kInvalid;
};

// Failure output names the case instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const PatchSchema& Schema(const char* kind) {
  const char* group = std::string(kind) == "Ingress" ? "networking.k8s.io" : "";
  const PatchSchema* schema = SchemaFor(group, kind);
  EXPECT_NE(schema, nullptr) << kind;
  return *schema;
}

class StrategicMergeTest : public ::testing::TestWithParam<Case> {};

TEST_P(StrategicMergeTest, Applies) {
  const Case& c = GetParam();
  const json original = json::parse(c.original);
  auto result = ApplyStrategicMergePatch(original, json::parse(c.patch), Schema(c.kind));
  if (c.expected == nullptr) {
    ASSERT_FALSE(result.ok()) << "unexpected success: " << result->dump();
    EXPECT_EQ(result.error().code, c.code) << result.error().message;
    return;
  }
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json::json_pointer pointer(c.pointer);
  if (std::string(c.expected) == "<absent>") {
    EXPECT_FALSE(result->contains(pointer)) << result->dump();
  } else {
    ASSERT_TRUE(result->contains(pointer)) << result->dump();
    EXPECT_EQ(result->at(pointer), json::parse(c.expected)) << result->dump();
  }
  EXPECT_EQ(original, json::parse(c.original)) << "the original must not change";
  EXPECT_EQ(result->dump().find("\"$"), std::string::npos)
      << "directive leaked: " << result->dump();
}

const Case kCases[] = {
    // Service ports merge by `port`.
    {"ServiceAddPortGoesFirst", "Service", kService,
     R"({"spec":{"ports":[{"name":"metrics","port":9090,"targetPort":9090}]}})", "/spec/ports",
     R"([{"name":"metrics","port":9090,"targetPort":9090},
         {"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},
         {"name":"https","port":443,"targetPort":8443,"protocol":"TCP"}])"},
    {"ServiceChangeTargetPortKeepsOtherFields", "Service", kService,
     R"({"spec":{"ports":[{"port":443,"targetPort":9443}]}})", "/spec/ports",
     R"([{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},
         {"name":"https","port":443,"targetPort":9443,"protocol":"TCP"}])"},
    {"ServiceChangeFirstPortKeepsOrder", "Service", kService,
     R"({"spec":{"ports":[{"port":80,"targetPort":"web"}]}})", "/spec/ports",
     R"([{"name":"http","port":80,"targetPort":"web","protocol":"TCP"},
         {"name":"https","port":443,"targetPort":8443,"protocol":"TCP"}])"},
    {"ServiceDeletePort", "Service", kService,
     R"({"spec":{"ports":[{"$patch":"delete","port":80}]}})", "/spec/ports",
     R"([{"name":"https","port":443,"targetPort":8443,"protocol":"TCP"}])"},
    {"ServiceDeleteAndAddPort", "Service", kService,
     R"({"spec":{"ports":[{"$patch":"delete","port":443},{"port":8443,"name":"alt"}]}})",
     "/spec/ports",
     R"([{"port":8443,"name":"alt"},
         {"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}])"},
    {"ServiceRemoveFieldInsidePort", "Service", kService,
     R"({"spec":{"ports":[{"port":80,"name":null}]}})", "/spec/ports/0",
     R"({"port":80,"targetPort":8080,"protocol":"TCP"})"},
    {"ServiceDeleteMissingPortIsNoOp", "Service", kService,
     R"({"spec":{"ports":[{"$patch":"delete","port":81}]}})", "/spec/ports/1/port", "443"},
    {"ServicePortsReplace", "Service", kService,
     R"({"spec":{"ports":[{"$patch":"replace"},{"name":"only","port":8080}]}})", "/spec/ports",
     R"([{"name":"only","port":8080}])"},
    {"ServiceSetElementOrderAdd", "Service", kService,
     R"({"spec":{"$setElementOrder/ports":[{"port":80},{"port":443},{"port":9090}],
                 "ports":[{"name":"metrics","port":9090}]}})",
     "/spec/ports",
     R"([{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},
         {"name":"https","port":443,"targetPort":8443,"protocol":"TCP"},
         {"name":"metrics","port":9090}])"},
    {"ServiceSetElementOrderReorderOnly", "Service", kService,
     R"({"spec":{"$setElementOrder/ports":[{"port":443},{"port":80}]}})", "/spec/ports",
     R"([{"name":"https","port":443,"targetPort":8443,"protocol":"TCP"},
         {"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}])"},
    // What `kubectl apply` computes when a port is removed and another added.
    {"KubectlApplyStylePortChange", "Service", kService,
     R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
         "spec":{"$setElementOrder/ports":[{"port":443},{"port":9090}],
                 "ports":[{"$patch":"delete","port":80},{"name":"metrics","port":9090}]}})",
     "/spec/ports",
     R"([{"name":"https","port":443,"targetPort":8443,"protocol":"TCP"},
         {"name":"metrics","port":9090}])"},
    {"SetElementOrderMissingPatchItemFails", "Service", kService,
     R"({"spec":{"$setElementOrder/ports":[{"port":80}],"ports":[{"port":9090}]}})", "", nullptr},
    {"SetElementOrderNotAListFails", "Service", kService,
     R"({"spec":{"$setElementOrder/ports":{"port":80}}})", "", nullptr},
    // `kubectl patch svc web --type strategic -p '...'` sends the -p document as JSON, verbatim.
    {"KubectlPatchStrategicVerbatim", "Service", kService,
     R"({"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}})", "/spec",
     R"({"type":"NodePort","clusterIP":"10.0.0.10","externalName":"stale","selector":{"app":"web"},
         "ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP","nodePort":30080},
                  {"name":"https","port":443,"targetPort":8443,"protocol":"TCP"}]})"},
    // Maps: labels and annotations merge; null deletes a key, or the whole map.
    {"LabelsMergeAndNullDeletes", "Service", kService,
     R"({"metadata":{"labels":{"tier":null,"env":"prod"}}})", "/metadata/labels",
     R"({"app":"web","env":"prod"})"},
    {"AnnotationsNullDeletesMap", "Service", kService, R"({"metadata":{"annotations":null}})",
     "/metadata/annotations", "<absent>"},
    {"NullForMissingKeyIsIgnored", "Service", kService,
     R"({"metadata":{"labels":{"missing":null}}})", "/metadata/labels",
     R"({"app":"web","tier":"frontend"})"},
    {"MapPatchReplace", "Service", kService,
     R"({"metadata":{"labels":{"$patch":"replace","only":"this"}}})", "/metadata/labels",
     R"({"only":"this"})"},
    {"MapPatchDelete", "Service", kService, R"({"spec":{"selector":{"$patch":"delete"}}})",
     "/spec/selector", "{}"},
    {"UnknownPatchDirectiveFails", "Service", kService,
     R"({"metadata":{"labels":{"$patch":"shred"}}})", "", nullptr},
    // $retainKeys clears what the list does not name.
    {"RetainKeysClearsOthers", "Service", kService,
     R"({"spec":{"$retainKeys":["type","ports","selector","clusterIP"],"type":"ClusterIP"}})",
     "/spec/externalName", "<absent>"},
    {"RetainKeysKeepsNamed", "Service", kService,
     R"({"spec":{"$retainKeys":["type","ports","selector","clusterIP"],"type":"ClusterIP"}})",
     "/spec/clusterIP", R"("10.0.0.10")"},
    {"RetainKeysMustNamePatchedKeys", "Service", kService,
     R"({"spec":{"$retainKeys":["type"],"clusterIP":"None"}})", "", nullptr},
    {"RetainKeysMustBeAList", "Service", kService, R"({"spec":{"$retainKeys":"type"}})", "",
     nullptr},
    // metadata.finalizers: a merged set of strings; $deleteFromPrimitiveList removes members.
    {"FinalizersDeleteFromPrimitiveList", "Service", kService,
     R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b.example.com/y"]}})",
     "/metadata/finalizers", R"(["a.example.com/x","c.example.com/z"])"},
    {"FinalizersKubectlEditStyle", "Service", kService,
     R"({"metadata":{"$setElementOrder/finalizers":["c.example.com/z","a.example.com/x"],
                     "$deleteFromPrimitiveList/finalizers":["b.example.com/y"]}})",
     "/metadata/finalizers", R"(["c.example.com/z","a.example.com/x"])"},
    {"FinalizersMergeAsSet", "Service", kService,
     R"({"metadata":{"finalizers":["d.example.com/w","a.example.com/x"]}})", "/metadata/finalizers",
     R"(["d.example.com/w","a.example.com/x","b.example.com/y","c.example.com/z"])"},
    {"DeleteFromMissingListIsNoOp", "Service", kService,
     R"({"spec":{"$deleteFromPrimitiveList/externalIPs":["1.2.3.4"]}})", "/spec/externalIPs",
     "<absent>"},
    {"DeleteFromPrimitiveListNeedsAList", "Service", kService,
     R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}})", "", nullptr},
    // ownerReferences merge by uid.
    {"OwnerReferencesMergeByUid", "Service", kService,
     R"({"metadata":{"ownerReferences":[{"uid":"u1","name":"g1-renamed"},
                                         {"uid":"u2","kind":"Gateway","name":"g2"}]}})",
     "/metadata/ownerReferences",
     R"([{"uid":"u1","kind":"Gateway","name":"g1-renamed"},
         {"uid":"u2","kind":"Gateway","name":"g2"}])"},
    {"MergeListElementWithoutKeyFails", "Service", kService,
     R"({"spec":{"ports":[{"name":"no-port"}]}})", "", nullptr},
    {"DeleteDirectiveWithoutKeyFails", "Service", kService,
     R"({"spec":{"ports":[{"$patch":"delete","name":"http"}]}})", "", nullptr},
    {"MergeDirectiveInListFails", "Service", kService, R"({"spec":{"ports":[{"$patch":"merge"}]}})",
     "", nullptr},
    {"ListsOfListsRefused", "Service", kService, R"({"metadata":{"finalizers":[["x"]]}})", "",
     nullptr, ErrorCode::kConflict},
    {"MixedElementTypesFail", "Service", kService, R"({"metadata":{"finalizers":[1]}})", "",
     nullptr},
    // New fields come from the patch with nulls and directives stripped.
    {"NewFieldCleaned", "Service", kService,
     R"({"spec":{"sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10,"x":null}}}})",
     "/spec/sessionAffinityConfig", R"({"clientIP":{"timeoutSeconds":10}})"},
    {"NewListDropsDeleteElements", "Endpoints", kEndpoints,
     R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"zz"},{"uid":"u9","name":"n"}]}})",
     "/metadata/ownerReferences", R"([{"uid":"u9","name":"n"}])"},
    {"ScalarReplacesScalar", "Service", kService, R"({"spec":{"clusterIP":"None"}})",
     "/spec/clusterIP", R"("None")"},
    {"ObjectReplacesScalar", "Service", kService, R"({"spec":{"type":{"odd":true}}})", "/spec/type",
     R"({"odd":true})"},
    // Ingress: rules and tls carry no patchStrategy, so they are replaced whole.
    {"IngressRulesReplacedAtomically", "Ingress", kIngress,
     R"({"spec":{"rules":[{"host":"c.example.com"}]}})", "/spec/rules",
     R"([{"host":"c.example.com"}])"},
    {"IngressTlsReplacedAtomically", "Ingress", kIngress,
     R"({"spec":{"tls":[{"hosts":["b.example.com"],"secretName":"b-tls"}]}})", "/spec/tls",
     R"([{"hosts":["b.example.com"],"secretName":"b-tls"}])"},
    {"IngressOtherFieldsKept", "Ingress", kIngress,
     R"({"spec":{"rules":[{"host":"c.example.com"}]}})", "/spec/ingressClassName", R"("waygate")"},
    {"IngressAnnotationAdded", "Ingress", kIngress,
     R"({"metadata":{"annotations":{"nginx.ingress.kubernetes.io/rewrite-target":"/"}}})",
     "/metadata/annotations", R"({"nginx.ingress.kubernetes.io/rewrite-target":"/"})"},
    {"IngressAtomicListDropsDirectiveElements", "Ingress", kIngress,
     R"({"spec":{"rules":[{"host":"d.example.com"},{"$patch":"replace"}]}})", "/spec/rules",
     R"([{"host":"d.example.com"}])"},
    // Node addresses and conditions merge by type; podCIDRs merge as a set.
    {"NodeConditionMergedByType", "Node", kNode,
     R"({"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}]}})",
     "/status/conditions", R"([{"type":"Ready","status":"True","reason":"KubeletReady"}])"},
    {"NodeAddressAddedByType", "Node", kNode,
     R"({"status":{"addresses":[{"type":"ExternalIP","address":"203.0.113.5"}]}})",
     "/status/addresses",
     R"([{"type":"ExternalIP","address":"203.0.113.5"},
         {"type":"InternalIP","address":"192.168.1.10"},{"type":"Hostname","address":"n1"}])"},
    {"NodePodCidrsUnion", "Node", kNode, R"({"spec":{"podCIDRs":["fd00::/64"]}})", "/spec/podCIDRs",
     R"(["fd00::/64","10.244.0.0/24"])"},
    // Endpoints subsets carry no patchStrategy: replaced whole.
    {"EndpointsSubsetsReplaced", "Endpoints", kEndpoints,
     R"({"subsets":[{"addresses":[{"ip":"10.1.0.2"}],"ports":[{"port":8080}]}]})", "/subsets",
     R"([{"addresses":[{"ip":"10.1.0.2"}],"ports":[{"port":8080}]}])"},
    {"PatchMustBeAnObject", "Service", kService, R"([{"op":"add"}])", "", nullptr},
};
INSTANTIATE_TEST_SUITE_P(Kinds, StrategicMergeTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StrategicMergeTest, RootDeleteEmptiesTheObject) {
  auto result = ApplyStrategicMergePatch(
      json::parse(kService), json::parse(R"({"$patch":"delete"})"), *SchemaFor("", "Service"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, json::object());
}

TEST(StrategicMergeTest, ListsOfListsAre422) {
  auto result = ApplyStrategicMergePatch(json::parse(kService),
                                         json::parse(R"({"metadata":{"finalizers":[["x"]]}})"),
                                         *SchemaFor("", "Service"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(RejectionFor(result.error()).http_status, 422);
}

TEST(StrategicMergeTest, BadDirectiveIs400WithMessage) {
  auto result = ApplyStrategicMergePatch(json::parse(kService),
                                         json::parse(R"({"spec":{"$retainKeys":"type"}})"),
                                         *SchemaFor("", "Service"));
  ASSERT_FALSE(result.ok());
  PatchRejection rejection = RejectionFor(result.error());
  EXPECT_EQ(rejection.http_status, 400);
  EXPECT_EQ(rejection.message, "invalid patch format of retainKeys");
}

TEST(PatchSchemaTest, BuiltinKindsSupportStrategicMerge) {
  for (const char* kind :
       {"Namespace", "Service", "Endpoints", "Secret", "ConfigMap", "Node", "Event"}) {
    EXPECT_NE(SchemaFor("", kind), nullptr) << kind;
  }
  EXPECT_NE(SchemaFor("discovery.k8s.io", "EndpointSlice"), nullptr);
  EXPECT_NE(SchemaFor("networking.k8s.io", "Ingress"), nullptr);
  EXPECT_NE(SchemaFor("networking.k8s.io", "IngressClass"), nullptr);
}

TEST(PatchSchemaTest, CustomResourcesDoNot) {
  EXPECT_EQ(SchemaFor("gateway.kubesphere.io", "Gateway"), nullptr);
  EXPECT_EQ(SchemaFor("", "Ingress"), nullptr) << "the group is part of the identity";
  EXPECT_EQ(SchemaFor("example.com", "Widget"), nullptr);
}

TEST(PatchSchemaTest, CarriesTheGoStructTags) {
  const PatchSchema& service = *SchemaFor("", "Service");
  ASSERT_NE(service.Find("spec.ports"), nullptr);
  EXPECT_EQ(service.Find("spec.ports")->strategy, PatchStrategy::kMerge);
  EXPECT_EQ(service.Find("spec.ports")->merge_key, "port");
  ASSERT_NE(service.Find("metadata.ownerReferences"), nullptr);
  EXPECT_EQ(service.Find("metadata.ownerReferences")->merge_key, "uid");
  ASSERT_NE(service.Find("metadata.finalizers"), nullptr);
  EXPECT_EQ(service.Find("metadata.finalizers")->strategy, PatchStrategy::kMerge);
  const PatchSchema& node = *SchemaFor("", "Node");
  EXPECT_EQ(node.Find("status.addresses")->merge_key, "type");
  EXPECT_EQ(node.Find("status.conditions")->merge_key, "type");
  const PatchSchema& ingress = *SchemaFor("networking.k8s.io", "Ingress");
  EXPECT_EQ(ingress.Find("spec.rules")->strategy, PatchStrategy::kReplace);
  EXPECT_EQ(ingress.Find("spec.tls")->strategy, PatchStrategy::kReplace);
}

}  // namespace
}  // namespace waygate::patch
