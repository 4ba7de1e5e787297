// Pruning against the compiled-in schemas: what is dropped, what is kept, and the paths kube
// reports for it.
#include <gtest/gtest.h>

#include "fieldcheck/fieldcheck.h"

namespace waygate::fieldcheck {
namespace {

using nlohmann::json;
using Paths = std::vector<std::string>;

TEST(Prune, IngressUnknownFieldsAtEveryDepth) {
  json ing = json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "extra": true,
    "metadata": {"name": "web", "labelz": {"a": "b"}, "labels": {"app": "web"}},
    "spec": {
      "ingressClassName": "waygate", "bogus": 1,
      "rules": [
        {"host": "a.example.com", "http": {"paths": [
          {"path": "/", "pathType": "Prefix", "bogus": "x",
           "backend": {"service": {"name": "s", "port": {"number": 80, "extra": 1}}}}]}},
        {"host": "b.example.com", "hostname": "typo", "http": {"paths": []}}
      ],
      "tls": [{"hosts": ["a.example.com"], "secretName": "t", "secret": "typo"}]
    },
    "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1", "node": "n1"}]}}
  })");
  Paths paths = PruneUnknownFields("networking.k8s.io", "Ingress", ing);
  // nlohmann keeps keys sorted: kube reports a decoded map's keys in that order too.
  EXPECT_EQ(paths, (Paths{"extra", "metadata.labelz", "spec.bogus",
                          "spec.rules[0].http.paths[0].backend.service.port.extra",
                          "spec.rules[0].http.paths[0].bogus", "spec.rules[1].hostname",
                          "spec.tls[0].secret", "status.loadBalancer.ingress[0].node"}));
  EXPECT_EQ(ing, json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
      "ingressClassName": "waygate",
      "rules": [
        {"host": "a.example.com", "http": {"paths": [
          {"path": "/", "pathType": "Prefix",
           "backend": {"service": {"name": "s", "port": {"number": 80}}}}]}},
        {"host": "b.example.com", "http": {"paths": []}}
      ],
      "tls": [{"hosts": ["a.example.com"], "secretName": "t"}]
    },
    "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}
  })"));
}

TEST(Prune, LabelAndAnnotationKeysAreNeverUnknown) {
  json ing = json::parse(R"({"metadata": {
    "labels": {"app": "web", "spec": "x", "kubernetes.io/whatever": "y", "": "empty"},
    "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/$1",
                    "kubesphere.io/alias-name": "Web", "bogus": "kept"},
    "finalizers": ["a/b"], "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "n",
                                                "uid": "u", "bogus": 1}]}})");
  json before = ing;
  Paths paths = PruneUnknownFields("networking.k8s.io", "Ingress", ing);
  EXPECT_EQ(paths, (Paths{"metadata.ownerReferences[0].bogus"}));
  before["metadata"]["ownerReferences"][0].erase("bogus");
  EXPECT_EQ(ing, before);
}

TEST(Prune, ManagedFieldsKeepTheirFreeFormFieldSets) {
  json ing = json::parse(R"({"metadata": {"managedFields": [{
    "manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1",
    "fieldsV1": {"f:spec": {"f:rules": {}}, "anything": 1}, "bogus": 2}]}})");
  Paths paths = PruneUnknownFields("networking.k8s.io", "Ingress", ing);
  EXPECT_EQ(paths, (Paths{"metadata.managedFields[0].bogus"}));
  EXPECT_EQ(ing["metadata"]["managedFields"][0]["fieldsV1"]["anything"], 1);
}

TEST(Prune, IntOrStringAcceptsNumbersAndNames) {
  json svc = json::parse(R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
    "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": "https",
                        "targetport": 1}],
             "selector": {"app": "web", "tier": "front"}}})");
  Paths paths = PruneUnknownFields("", "Service", svc);
  EXPECT_EQ(paths, (Paths{"spec.ports[1].targetport"}));  // case matters, as in Go
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(svc["spec"]["ports"][1]["targetPort"], "https");
  EXPECT_EQ(svc["spec"]["selector"].size(), 2u);
}

TEST(Prune, SecretDataAcceptsAnyKey) {
  json secret = json::parse(R"({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
    "metadata": {"name": "tls"},
    "data": {"tls.crt": "Y3J0", "tls.key": "a2V5", "ca.crt": "Y2E=", "spec": "eA=="},
    "stringData": {"anything": "goes"}, "spec": {"data": {}}})");
  Paths paths = PruneUnknownFields("", "Secret", secret);
  EXPECT_EQ(paths, (Paths{"spec"}));  // a Secret has no spec
  EXPECT_EQ(secret["data"].size(), 4u);
  EXPECT_EQ(secret["stringData"]["anything"], "goes");
}

TEST(Prune, NestedStructsOfOtherKinds) {
  json slice = json::parse(R"({"addressType": "IPv4", "endpoints": [
      {"addresses": ["10.0.0.1"], "conditions": {"ready": true, "healthy": true},
       "targetRef": {"kind": "Pod", "name": "p", "podIP": "x"}}],
    "ports": [{"port": 80, "protocol": "TCP", "proto": "TCP"}]})");
  EXPECT_EQ(
      PruneUnknownFields("discovery.k8s.io", "EndpointSlice", slice),
      (Paths{"endpoints[0].conditions.healthy", "endpoints[0].targetRef.podIP", "ports[0].proto"}));

  json event = json::parse(R"({"metadata": {"name": "e", "nme": "x"}, "reason": "R",
    "involvedObject": {"kind": "Ingress", "name": "web"}, "source": {"component": "c", "x": 1}})");
  EXPECT_EQ(PruneUnknownFields("", "Event", event), (Paths{"metadata.nme", "source.x"}));

  json node = json::parse(R"({"status": {"addresses": [{"type": "InternalIP",
    "address": "10.0.0.1", "zone": "a"}], "capacity": {"cpu": "2", "memory": "4Gi"},
    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250, "port": 1}}}})");
  EXPECT_EQ(PruneUnknownFields("", "Node", node),
            (Paths{"status.addresses[0].zone", "status.daemonEndpoints.kubeletEndpoint.port"}));
  EXPECT_EQ(node["status"]["capacity"].size(), 2u);
}

TEST(Prune, GatewayIsPrunedAsACustomResource) {
  json gw = json::parse(R"({
    "apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway", "aaa": 1,
    "metadata": {"name": "kubesphere-router-demo", "namespace": "kubesphere-controls-system",
                 "zzz": true, "annotations": {"x": "y"}},
    "spec": {"zz": 1,
             "controller": {"replicas": 1, "config": {"proxy-body-size": "8m"},
                            "scope": {"enabled": true, "namespace": "demo", "nameSpace": "x"},
                            "bogus": {}},
             "deployment": {"replicas": 2, "resources": {"limits": {"cpu": "1"}, "limit": {}}},
             "service": {"type": "NodePort", "annotations": {"a": "b"}, "bogus": 1,
                         "loadBalancerIP": "192.0.2.10"}},
    "status": {"anything": {"goes": [1, 2]}, "service": {"ports": [{"name": "http"}]}}
  })");
  Paths paths = PruneUnknownFields("gateway.kubesphere.io", "Gateway", gw);
  // Unknown metadata first, then the pruned paths sorted as strings (the CRD handler's order).
  EXPECT_EQ(paths, (Paths{"metadata.zzz", "aaa", "spec.controller.bogus",
                          "spec.controller.scope.nameSpace", "spec.deployment.resources.limit",
                          "spec.service.bogus", "spec.zz"}));
  EXPECT_EQ(gw["status"]["anything"]["goes"], json::array({1, 2}));  // preserve-unknown-fields
  EXPECT_EQ(gw["spec"]["controller"]["config"]["proxy-body-size"], "8m");
  EXPECT_EQ(gw["spec"]["service"]["loadBalancerIP"], "192.0.2.10");
  EXPECT_FALSE(gw.contains("aaa"));
}

TEST(Prune, CustomResourceOrderIsStringOrderNotWalkOrder) {
  // Walking visits "spec.controller.bogus" (key "controller") before "spec.controller-x"...
  // but kube sorts the final strings, where '-' sorts before '.'.
  json gw = json::parse(R"({"spec": {"controller": {"bogus": 1}, "controller-x": 1}})");
  EXPECT_EQ(PruneUnknownFields("gateway.kubesphere.io", "Gateway", gw),
            (Paths{"spec.controller-x", "spec.controller.bogus"}));
  json ing = json::parse(R"({"spec": {"rules": [{"bogus": 1}], "rules-x": 1}})");
  EXPECT_EQ(PruneUnknownFields("networking.k8s.io", "Ingress", ing),
            (Paths{"spec.rules[0].bogus", "spec.rules-x"}));
}

TEST(Prune, WrongTypesAndUnknownKindsAreLeftAlone) {
  json ing = json::parse(R"({"spec": "not an object", "metadata": [1, 2],
                             "status": {"loadBalancer": {"ingress": {"ip": 1}}}})");
  json before = ing;
  EXPECT_TRUE(PruneUnknownFields("networking.k8s.io", "Ingress", ing).empty());
  EXPECT_EQ(ing, before);

  json pod = json::parse(R"({"spec": {"containers": [], "bogus": 1}})");
  before = pod;
  EXPECT_TRUE(PruneUnknownFields("", "Pod", pod).empty());
  EXPECT_TRUE(PruneUnknownFields("apps", "Ingress", pod).empty());
  EXPECT_EQ(pod, before);
  EXPECT_FALSE(HasSchema("", "Pod"));
  EXPECT_TRUE(HasSchema("", "ConfigMap"));
  EXPECT_TRUE(HasSchema("gateway.kubesphere.io", "Gateway"));
}

TEST(Prune, EveryServedKindHasASchema) {
  for (auto [group, kind] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"", "Namespace"},
           {"", "Service"},
           {"", "Endpoints"},
           {"", "Secret"},
           {"", "ConfigMap"},
           {"", "Node"},
           {"", "Event"},
           {"discovery.k8s.io", "EndpointSlice"},
           {"networking.k8s.io", "Ingress"},
           {"networking.k8s.io", "IngressClass"},
           {"gateway.kubesphere.io", "Gateway"}}) {
    json obj = {{"apiVersion", "x"}, {"kind", kind}, {"metadata", {{"name", "n"}}}, {"zz", 1}};
    EXPECT_EQ(PruneUnknownFields(group, kind, obj), (Paths{"zz"})) << kind;
    EXPECT_EQ(obj.size(), 3u) << kind;
  }
}

}  // namespace
}  // namespace waygate::fieldcheck
