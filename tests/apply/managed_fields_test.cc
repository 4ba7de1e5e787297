// managedFields on create, update and non-apply patch, compared with what kube-apiserver stores.
#include "apply/managed_fields.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace waygate::apply {
namespace {

using nlohmann::json;

Manager Mgr(std::string name, std::string api_version, std::string time,
            std::string subresource = "") {
  return Manager{std::move(name), std::move(api_version), std::move(time), std::move(subresource)};
}

// What the API layer does around a create: server fields are set after tracking.
void Persist(json& object, const char* rv) {
  object["metadata"]["uid"] = "0b6c5d1e-0000-4000-8000-000000000001";
  object["metadata"]["creationTimestamp"] = "2026-11-27T15:04:05Z";
  object["metadata"]["resourceVersion"] = rv;
}

const json& Entries(const json& object) { return object["metadata"]["managedFields"]; }

// `kubectl apply -f` (client-side) of a NodePort Service, after defaulting; kube-apiserver
// 1.2x stored exactly kWantFields for it (captured from a real cluster).
const char* const kService = R"({
  "apiVersion": "v1", "kind": "Service",
  "metadata": {"name": "httpserver-svc", "namespace": "default",
    "annotations": {
      "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\"}\n"}},
  "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
           "selector": {"app": "httpserver"}, "type": "NodePort",
           "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
           "sessionAffinity": "None"}
})";
const char* const kServiceFields = R"({"f:metadata":{"f:annotations":{".":{},
  "f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:spec":{
  "f:externalTrafficPolicy":{},"f:internalTrafficPolicy":{},"f:ports":{".":{},
  "k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},
  "f:selector":{},"f:sessionAffinity":{},"f:type":{}}})";

TEST(TrackUpdateTest, CreateOfServiceMatchesKubeApiserver) {
  json svc = json::parse(kService);
  TrackUpdate("", "Service", nullptr, svc,
              Mgr("kubectl-client-side-apply", "v1", "2023-12-21T05:29:51Z"));
  ASSERT_EQ(Entries(svc).size(), 1u);
  EXPECT_EQ(Entries(svc)[0], json({{"apiVersion", "v1"},
                                   {"fieldsType", "FieldsV1"},
                                   {"fieldsV1", json::parse(kServiceFields)},
                                   {"manager", "kubectl-client-side-apply"},
                                   {"operation", "Update"},
                                   {"time", "2023-12-21T05:29:51Z"}}));
  // Nothing else of the object is touched.
  json without = svc;
  without["metadata"].erase("managedFields");
  EXPECT_EQ(without, json::parse(kService));
}

TEST(TrackUpdateTest, CreateOfIngressMatchesKubeApiserver) {
  json ing = json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "iab", "namespace": "default", "annotations": {
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "kubectl.kubernetes.io/last-applied-configuration": "{}\n"}},
    "spec": {"ingressClassName": "nginx",
      "tls": [{"hosts": ["iab.example.com"], "secretName": "iab"}],
      "rules": [{"host": "iab.example.com", "http": {"paths": [{"path": "/",
        "pathType": "ImplementationSpecific",
        "backend": {"service": {"name": "iab", "port": {"number": 80}}}}]}}]}})");
  TrackUpdate("networking.k8s.io", "Ingress", nullptr, ing,
              Mgr("kubectl-client-side-apply", "networking.k8s.io/v1", "2022-05-10T13:02:45Z"));
  // Captured from a real cluster for the same manifest.
  EXPECT_EQ(Entries(ing)[0]["fieldsV1"], json::parse(R"({"f:metadata":{"f:annotations":{".":{},
    "f:cert-manager.io/cluster-issuer":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},
    "f:spec":{"f:ingressClassName":{},"f:rules":{},"f:tls":{}}})"));
}

TEST(TrackUpdateTest, CreateOfCustomResourceOwnsSpecItself) {
  // A custom resource's empty object has no spec, so the create adds (and owns) it.
  json gw = json::parse(R"({"apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
    "metadata": {"name": "kubesphere-router-demo", "namespace": "kubesphere-controls-system"},
    "spec": {"controller": {"replicas": 1, "config": {"proxy-body-size": "8m"}},
             "service": {"type": "NodePort"}}})");
  TrackUpdate("gateway.kubesphere.io", "Gateway", nullptr, gw,
              Mgr("ks-console", "gateway.kubesphere.io/v1alpha1", "2026-11-27T15:04:05Z"));
  EXPECT_EQ(Entries(gw)[0]["fieldsV1"], json::parse(R"({"f:spec":{".":{},"f:controller":{".":{},
    "f:config":{".":{},"f:proxy-body-size":{}},"f:replicas":{}},
    "f:service":{".":{},"f:type":{}}}})"));
}

TEST(TrackUpdateTest, ObjectMetaListsAreSetsAndMapsKeyedByUid) {
  json cm = json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cfg", "namespace": "demo", "finalizers": ["example.com/cleanup"],
      "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": "web",
                           "uid": "6f1d2c3b-aaaa-4bbb-8ccc-123456789abc", "controller": true}]}})");
  TrackUpdate("", "ConfigMap", nullptr, cm,
              Mgr("kube-controller-manager", "v1", "2026-01-01T00:00:00Z"));
  // Owner references are atomic items (+structType=atomic): only the key is listed.
  EXPECT_EQ(Entries(cm)[0]["fieldsV1"], json::parse(R"({"f:metadata":{
    "f:finalizers":{".":{},"v:\"example.com/cleanup\"":{}},
    "f:ownerReferences":{".":{},"k:{\"uid\":\"6f1d2c3b-aaaa-4bbb-8ccc-123456789abc\"}":{}}}})"));
}

TEST(TrackUpdateTest, EditOfAnUnownedFieldAddsAnEntryForTheEditor) {
  json live = json::parse(kService);
  TrackUpdate("", "Service", nullptr, live,
              Mgr("kubectl-client-side-apply", "v1", "2023-12-21T05:29:51Z"));
  Persist(live, "10");
  live["spec"]["ports"][0]["nodePort"] = 30000;  // allocated by the registry: nobody owns it
  json edited = live;
  edited["spec"]["ports"][0]["nodePort"] = 30001;
  TrackUpdate("", "Service", &live, edited, Mgr("kubectl-edit", "v1", "2023-12-21T05:59:59Z"));
  ASSERT_EQ(Entries(edited).size(), 2u);
  EXPECT_EQ(Entries(edited)[0], Entries(live)[0]);  // untouched, and sorted first (older)
  EXPECT_EQ(Entries(edited)[1], json::parse(R"({"apiVersion":"v1","fieldsType":"FieldsV1",
    "fieldsV1":{"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{"f:nodePort":{}}}}},
    "manager":"kubectl-edit","operation":"Update","time":"2023-12-21T05:59:59Z"})"));
}

TEST(TrackUpdateTest, ChangedAndRemovedFieldsMoveAwayFromTheirOwner) {
  json live = json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cfg", "namespace": "demo", "labels": {"app": "web", "tier": "fe"}},
    "data": {"a": "1", "b": "2"}})");
  TrackUpdate("", "ConfigMap", nullptr, live, Mgr("kubectl-create", "v1", "2026-01-01T00:00:00Z"));
  Persist(live, "5");
  EXPECT_EQ(Entries(live)[0]["fieldsV1"], json::parse(R"({"f:data":{".":{},"f:a":{},"f:b":{}},
    "f:metadata":{"f:labels":{".":{},"f:app":{},"f:tier":{}}}})"));

  json labeled = live;
  labeled["metadata"]["labels"]["app"] = "api";  // kubectl label --overwrite app=api
  labeled["data"].erase("b");
  TrackUpdate("", "ConfigMap", &live, labeled, Mgr("kubectl-label", "v1", "2026-01-02T00:00:00Z"));
  ASSERT_EQ(Entries(labeled).size(), 2u);
  EXPECT_EQ(Entries(labeled)[0]["manager"], "kubectl-create");
  EXPECT_EQ(Entries(labeled)[0]["time"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(Entries(labeled)[0]["fieldsV1"], json::parse(R"({"f:data":{".":{},"f:a":{}},
    "f:metadata":{"f:labels":{".":{},"f:tier":{}}}})"));
  EXPECT_EQ(Entries(labeled)[1]["manager"], "kubectl-label");
  EXPECT_EQ(Entries(labeled)[1]["fieldsV1"],
            json::parse(R"({"f:metadata":{"f:labels":{"f:app":{}}}})"));

  // The same manager again: its entry grows and gets the new time.
  json again = labeled;
  Persist(again, "6");
  json next = again;
  next["metadata"]["labels"]["tier"] = "be";
  TrackUpdate("", "ConfigMap", &again, next, Mgr("kubectl-label", "v1", "2026-01-03T00:00:00Z"));
  EXPECT_EQ(Entries(next)[1]["fieldsV1"],
            json::parse(R"({"f:metadata":{"f:labels":{"f:app":{},"f:tier":{}}}})"));
  EXPECT_EQ(Entries(next)[1]["time"], "2026-01-03T00:00:00Z");
  // kubectl-create still owns the labels map itself (a member without children is "{}").
  EXPECT_EQ(Entries(next)[0]["fieldsV1"], json::parse(R"({"f:data":{".":{},"f:a":{}},
    "f:metadata":{"f:labels":{}}})"));
}

TEST(TrackUpdateTest, NoOpUpdateKeepsEntriesAndTimestamps) {
  json live = json::parse(kService);
  TrackUpdate("", "Service", nullptr, live, Mgr("kubectl-create", "v1", "2026-01-01T00:00:00Z"));
  Persist(live, "7");
  json same = live;
  same["metadata"].erase("managedFields");  // a client that does not send them
  TrackUpdate("", "Service", &live, same, Mgr("kubectl-replace", "v1", "2026-02-01T00:00:00Z"));
  EXPECT_EQ(same, live);
}

TEST(TrackUpdateTest, ManagedFieldsSentByTheClient) {
  json live = json::parse(kService);
  TrackUpdate("", "Service", nullptr, live, Mgr("kubectl-create", "v1", "2026-01-01T00:00:00Z"));
  Persist(live, "7");

  // A valid list replaces the live one (here: the client hands the fields to "someone").
  json handed = live;
  handed["metadata"]["managedFields"][0]["manager"] = "someone";
  TrackUpdate("", "Service", &live, handed, Mgr("kubectl-edit", "v1", "2026-02-01T00:00:00Z"));
  ASSERT_EQ(Entries(handed).size(), 1u);
  EXPECT_EQ(Entries(handed)[0]["manager"], "someone");

  // Garbage is ignored: the live list stays.
  json garbage = live;
  garbage["metadata"]["managedFields"] = json::parse(R"([{"manager": "x", "operation": "Bogus"}])");
  TrackUpdate("", "Service", &live, garbage, Mgr("kubectl-edit", "v1", "2026-02-01T00:00:00Z"));
  EXPECT_EQ(Entries(garbage), Entries(live));

  // [] and [{}] reset: the object is stripped and stays untracked by later updates.
  for (const char* reset : {"[]", "[{}]"}) {
    json cleared = live;
    cleared["metadata"]["managedFields"] = json::parse(reset);
    cleared["spec"]["type"] = "ClusterIP";
    TrackUpdate("", "Service", &live, cleared, Mgr("kubectl-edit", "v1", "2026-02-01T00:00:00Z"));
    EXPECT_FALSE(cleared["metadata"].contains("managedFields")) << reset;
    json later = cleared;
    later["spec"]["sessionAffinity"] = "ClientIP";
    TrackUpdate("", "Service", &cleared, later, Mgr("kubectl-edit", "v1", "2026-02-02T00:00:00Z"));
    EXPECT_FALSE(later["metadata"].contains("managedFields")) << reset;
  }
}

TEST(TrackUpdateTest, StatusSubresourceAndResetFields) {
  json live = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {"ingressClassName": "waygate", "rules": [{"host": "a.example.com"}]}})");
  TrackUpdate("networking.k8s.io", "Ingress", nullptr, live,
              Mgr("kubectl-create", "networking.k8s.io/v1", "2026-01-01T00:00:00Z"));
  Persist(live, "3");

  json status = live;
  status["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "192.0.2.10"}}}}}}};
  status["metadata"]["managedFields"] = json::array();  // ignored on a subresource
  TrackUpdate("networking.k8s.io", "Ingress", &live, status,
              Mgr("waygate-controller", "networking.k8s.io/v1", "2026-01-02T00:00:00Z", "status"));
  ASSERT_EQ(Entries(status).size(), 2u);
  EXPECT_EQ(Entries(status)[1], json::parse(R"({"apiVersion":"networking.k8s.io/v1",
    "fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:loadBalancer":{"f:ingress":{}}}},
    "manager":"waygate-controller","operation":"Update","subresource":"status",
    "time":"2026-01-02T00:00:00Z"})"));

  // Through the main resource, status is reset by the strategy and never owned.
  json main = live;
  main["status"] = status["status"];
  TrackUpdate("networking.k8s.io", "Ingress", &live, main,
              Mgr("kubectl-edit", "networking.k8s.io/v1", "2026-01-03T00:00:00Z"));
  EXPECT_EQ(Entries(main).size(), 1u);
}

TEST(TrackUpdateTest, OldestUpdateManagersAreMergedIntoAncientChanges) {
  json live = json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cfg", "namespace": "demo"}, "data": {}})");
  TrackUpdate("", "ConfigMap", nullptr, live, Mgr("creator", "v1", "2026-01-01T00:00:00Z"));
  Persist(live, "1");
  for (int i = 0; i < 11; ++i) {
    json next = live;
    next["data"]["k" + std::to_string(i)] = "v";
    char time[32];
    std::snprintf(time, sizeof(time), "2026-01-02T00:00:%02dZ", i);
    TrackUpdate("", "ConfigMap", &live, next, Mgr("writer-" + std::to_string(i), "v1", time));
    live = next;
  }
  ASSERT_EQ(Entries(live).size(), 10u);
  // The cap runs on every write: writer-9 pushed creator and writer-0 into the bucket, writer-10
  // then writer-1. The bucket carries the time of the last entry merged into it.
  EXPECT_EQ(Entries(live)[0]["manager"], "ancient-changes");
  EXPECT_EQ(Entries(live)[0]["time"], "2026-01-02T00:00:01Z");
  EXPECT_EQ(Entries(live)[0]["fieldsV1"],
            json::parse(R"({"f:data":{".":{},"f:k0":{},"f:k1":{}}})"));
  EXPECT_EQ(Entries(live)[1]["manager"], "writer-2");
  EXPECT_EQ(Entries(live)[9]["manager"], "writer-10");
}

TEST(ManagerFromRequestTest, FieldManagerElseUserAgentPrefix) {
  EXPECT_EQ(ManagerFromRequest("argocd", "kubectl/v1.32.0"), "argocd");
  EXPECT_EQ(ManagerFromRequest("",
                               "kubectl-client-side-apply/v1.32.0 (linux/amd64) "
                               "kubernetes/abcdef"),
            "kubectl-client-side-apply");
  EXPECT_EQ(ManagerFromRequest("", "kubectl-edit/v1.27.4"), "kubectl-edit");
  EXPECT_EQ(ManagerFromRequest("", "OpenAPI-Generator/29.0.0/python"), "OpenAPI-Generator");
  EXPECT_EQ(ManagerFromRequest("", "tab\there"), "tabhere");
  EXPECT_EQ(ManagerFromRequest("", std::string(300, 'a')).size(), 128u);
  EXPECT_EQ(ManagerFromRequest("", ""), "");
}

TEST(TrackUpdateTest, EmptyManagerIsRecordedAsUnknown) {
  json cm = json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cfg"}, "data": {"a": "1"}})");
  TrackUpdate("", "ConfigMap", nullptr, cm, Mgr("", "v1", "2026-01-01T00:00:00Z"));
  EXPECT_EQ(Entries(cm)[0]["manager"], "unknown");
}

}  // namespace
}  // namespace waygate::apply
