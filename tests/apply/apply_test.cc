// Server-side apply: merge, ownership, pruning, conflicts, as kube-apiserver does them.
#include "apply/apply.h"

#include <gtest/gtest.h>

#include <string>

#include "apistatus/api_status.h"

namespace waygate::apply {
namespace {

using nlohmann::json;

constexpr const char* kNet = "networking.k8s.io";
constexpr const char* kNetV1 = "networking.k8s.io/v1";

Manager Mgr(std::string name, std::string time, std::string api_version = kNetV1) {
  return Manager{std::move(name), std::move(api_version), std::move(time), ""};
}

void Persist(json& object, const char* rv) {
  if (!object["metadata"].contains("uid")) {
    object["metadata"]["uid"] = "0b6c5d1e-0000-4000-8000-000000000001";
    object["metadata"]["creationTimestamp"] = "2026-11-27T15:04:05Z";
  }
  object["metadata"]["resourceVersion"] = rv;
}

ApplyResult MustApply(std::string_view group, std::string_view kind, const json* live,
                      const json& config, const Manager& m, bool force = false) {
  auto out = ServerSideApply(group, kind, live, config, m, force);
  if (auto* status = std::get_if<apistatus::ApiStatus>(&out)) {
    ADD_FAILURE() << status->code << " " << status->message;
    return {};
  }
  return std::get<ApplyResult>(std::move(out));
}

apistatus::ApiStatus MustFail(std::string_view group, std::string_view kind, const json* live,
                              const json& config, const Manager& m, bool force = false) {
  auto out = ServerSideApply(group, kind, live, config, m, force);
  if (!std::holds_alternative<apistatus::ApiStatus>(out)) {
    ADD_FAILURE() << "apply succeeded: " << std::get<ApplyResult>(out).object.dump();
    return {};
  }
  return std::get<apistatus::ApiStatus>(std::move(out));
}

const json& Entries(const json& object) { return object["metadata"]["managedFields"]; }

json Fields(const json& object, const std::string& manager) {
  for (const json& e : Entries(object)) {
    if (e["manager"] == manager) return e["fieldsV1"];
  }
  return nullptr;
}

json IngressConfig() {
  return json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web", "tier": "fe"}},
    "spec": {"ingressClassName": "waygate",
      "tls": [{"hosts": ["a.example.com"], "secretName": "a-tls"}],
      "rules": [{"host": "a.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})");
}

TEST(ServerSideApplyTest, ApplyToMissingObjectCreatesIt) {
  const json config = IngressConfig();
  ApplyResult r =
      MustApply(kNet, "Ingress", nullptr, config, Mgr("kubectl", "2026-03-01T10:00:00Z"));
  EXPECT_TRUE(r.created);
  json object = r.object;
  object["metadata"].erase("managedFields");
  EXPECT_EQ(object, config);  // no server fields, nothing invented
  ASSERT_EQ(Entries(r.object).size(), 1u);
  // An applier owns exactly the leaves it sent; name and namespace are never owned.
  EXPECT_EQ(Entries(r.object)[0], json::parse(R"({"apiVersion":"networking.k8s.io/v1",
    "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{},"f:tier":{}}},
    "f:spec":{"f:ingressClassName":{},"f:rules":{},"f:tls":{}}},"manager":"kubectl",
    "operation":"Apply","time":"2026-03-01T10:00:00Z"})"));
}

TEST(ServerSideApplyTest, ReapplyWithoutAFieldDeletesIt) {
  json live =
      MustApply(kNet, "Ingress", nullptr, IngressConfig(), Mgr("kubectl", "2026-03-01T10:00:00Z"))
          .object;
  Persist(live, "10");
  json config = IngressConfig();
  config["metadata"]["labels"].erase("tier");
  config["spec"].erase("tls");
  ApplyResult r = MustApply(kNet, "Ingress", &live, config, Mgr("kubectl", "2026-03-01T11:00:00Z"));
  EXPECT_FALSE(r.created);
  EXPECT_EQ(r.object["metadata"]["labels"], json({{"app", "web"}}));
  EXPECT_FALSE(r.object["spec"].contains("tls"));
  EXPECT_EQ(r.object["metadata"]["uid"], live["metadata"]["uid"]);  // server fields survive
  EXPECT_EQ(r.object["metadata"]["resourceVersion"], "10");
  EXPECT_EQ(Fields(r.object, "kubectl"), json::parse(R"({"f:metadata":{"f:labels":{"f:app":{}}},
    "f:spec":{"f:ingressClassName":{},"f:rules":{}}})"));
  EXPECT_EQ(Entries(r.object)[0]["time"], "2026-03-01T11:00:00Z");

  // Dropping the last label leaves no empty labels map behind.
  json live2 = r.object;
  Persist(live2, "11");
  config["metadata"].erase("labels");
  ApplyResult r2 =
      MustApply(kNet, "Ingress", &live2, config, Mgr("kubectl", "2026-03-01T12:00:00Z"));
  EXPECT_FALSE(r2.object["metadata"].contains("labels"));
}

TEST(ServerSideApplyTest, ReapplyingTheSameConfigurationIsANoOp) {
  json live =
      MustApply(kNet, "Ingress", nullptr, IngressConfig(), Mgr("kubectl", "2026-03-01T10:00:00Z"))
          .object;
  Persist(live, "10");
  ApplyResult r =
      MustApply(kNet, "Ingress", &live, IngressConfig(), Mgr("kubectl", "2026-03-02T10:00:00Z"));
  EXPECT_EQ(r.object, live);  // even the timestamp: nothing to write
}

TEST(ServerSideApplyTest, SameValueFromTwoAppliersIsSharedOwnership) {
  json a_config = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web"}},
    "spec": {"ingressClassName": "waygate"}})");
  json live =
      MustApply(kNet, "Ingress", nullptr, a_config, Mgr("team-a", "2026-03-01T10:00:00Z")).object;
  Persist(live, "1");
  json b_config = IngressConfig();
  b_config["metadata"].erase("labels");
  ApplyResult b =
      MustApply(kNet, "Ingress", &live, b_config, Mgr("team-b", "2026-03-01T11:00:00Z"));
  EXPECT_EQ(Fields(b.object, "team-a"), json::parse(R"({"f:metadata":{"f:labels":{"f:app":{}}},
    "f:spec":{"f:ingressClassName":{}}})"));
  EXPECT_EQ(Fields(b.object, "team-b"),
            json::parse(R"({"f:spec":{"f:ingressClassName":{},"f:rules":{},"f:tls":{}}})"));

  // team-a stops applying ingressClassName: team-b still owns it, so it stays.
  live = b.object;
  Persist(live, "2");
  a_config.erase("spec");
  ApplyResult a =
      MustApply(kNet, "Ingress", &live, a_config, Mgr("team-a", "2026-03-01T12:00:00Z"));
  EXPECT_EQ(a.object["spec"]["ingressClassName"], "waygate");
  EXPECT_EQ(Fields(a.object, "team-a"), json::parse(R"({"f:metadata":{"f:labels":{"f:app":{}}}})"));
}

// An Ingress created with `kubectl create -f` / client-side apply: an Update manager owns it.
json CreatedByClientSideApply() {
  json live = IngressConfig();
  live["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", IngressConfig().dump() + "\n"}};
  TrackUpdate(kNet, "Ingress", nullptr, live,
              Mgr("kubectl-client-side-apply", "2026-03-01T09:00:00Z"));
  Persist(live, "5");
  return live;
}

TEST(ServerSideApplyTest, ChangingAFieldOwnedByAnotherManagerConflicts) {
  const json live = CreatedByClientSideApply();
  json config = IngressConfig();
  config["metadata"].erase("labels");
  config["spec"].erase("tls");
  config["spec"]["rules"][0]["host"] = "b.example.com";
  apistatus::ApiStatus s =
      MustFail(kNet, "Ingress", &live, config, Mgr("web-team", "2026-03-02T09:00:00Z"));
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(s.reason, "Conflict");
  EXPECT_EQ(s.message,
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
            "networking.k8s.io/v1: .spec.rules");
  EXPECT_EQ(s.details, json::parse(R"({"causes":[{"reason":"FieldManagerConflict",
    "message":"conflict with \"kubectl-client-side-apply\" using networking.k8s.io/v1",
    "field":".spec.rules"}]})"));
  EXPECT_EQ(apistatus::ToBody(s),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            "\"message\":\"Apply failed with 1 conflict: conflict with "
            "\\\"kubectl-client-side-apply\\\" using networking.k8s.io/v1: .spec.rules\","
            "\"reason\":\"Conflict\",\"details\":{\"causes\":[{\"reason\":\"FieldManagerConflict\","
            "\"message\":\"conflict with \\\"kubectl-client-side-apply\\\" using "
            "networking.k8s.io/v1\",\"field\":\".spec.rules\"}]},\"code\":409}\n");

  config["spec"]["ingressClassName"] = "nginx";
  s = MustFail(kNet, "Ingress", &live, config, Mgr("web-team", "2026-03-02T09:00:00Z"));
  EXPECT_EQ(s.message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "networking.k8s.io/v1:\n- .spec.ingressClassName\n- .spec.rules");
  EXPECT_EQ(s.details["causes"].size(), 2u);
  EXPECT_EQ(s.details["causes"][0]["field"], ".spec.ingressClassName");
}

TEST(ServerSideApplyTest, ConflictsWithSeveralManagersAreGroupedByManager) {
  json live = CreatedByClientSideApply();
  json labeled = live;
  labeled["metadata"]["labels"]["app"] = "api";
  TrackUpdate(kNet, "Ingress", &live, labeled, Mgr("kubectl-label", "2026-03-01T10:00:00Z"));
  Persist(labeled, "6");
  json config = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web2", "tier": "be"}},
    "spec": {"ingressClassName": "nginx"}})");
  apistatus::ApiStatus s =
      MustFail(kNet, "Ingress", &labeled, config, Mgr("argocd", "2026-03-02T09:00:00Z"));
  EXPECT_EQ(s.message,
            "Apply failed with 3 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "networking.k8s.io/v1:\n- .metadata.labels.tier\n- .spec.ingressClassName\n"
            "conflicts with \"kubectl-label\" using networking.k8s.io/v1:\n- .metadata.labels.app");
  ASSERT_EQ(s.details["causes"].size(), 3u);
  EXPECT_EQ(s.details["causes"][2], json::parse(R"({"reason":"FieldManagerConflict",
    "message":"conflict with \"kubectl-label\" using networking.k8s.io/v1",
    "field":".metadata.labels.app"})"));
}

TEST(ServerSideApplyTest, ForceTakesOwnership) {
  const json live = CreatedByClientSideApply();
  json config = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "demo"}, "spec": {"ingressClassName": "nginx"}})");
  ApplyResult r = MustApply(kNet, "Ingress", &live, config, Mgr("web-team", "2026-03-02T09:00:00Z"),
                            /*force=*/true);
  EXPECT_EQ(r.object["spec"]["ingressClassName"], "nginx");
  EXPECT_EQ(r.object["spec"]["rules"], live["spec"]["rules"]);
  EXPECT_EQ(Fields(r.object, "web-team"), json::parse(R"({"f:spec":{"f:ingressClassName":{}}})"));
  EXPECT_EQ(Fields(r.object, "kubectl-client-side-apply"), json::parse(R"({"f:metadata":{
    "f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},
    "f:labels":{".":{},"f:app":{},"f:tier":{}}},"f:spec":{"f:rules":{},"f:tls":{}}})"));
  // Apply entries sort before Update entries.
  EXPECT_EQ(Entries(r.object)[0]["operation"], "Apply");
}

TEST(ServerSideApplyTest, KubectlTakesOverFieldsItAppliedClientSide) {
  // kubectl apply --server-side after kubectl apply: the fields whose live values still match
  // last-applied-configuration move to "kubectl" without a conflict, and the annotation follows.
  const json live = CreatedByClientSideApply();
  json config = IngressConfig();
  config["spec"]["rules"][0]["host"] = "b.example.com";
  ApplyResult r = MustApply(kNet, "Ingress", &live, config, Mgr("kubectl", "2026-03-02T09:00:00Z"));
  EXPECT_EQ(r.object["spec"]["rules"][0]["host"], "b.example.com");
  EXPECT_EQ(r.object["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            config.dump() + "\n");
  // Only the changed field moves; the others stay shared with the client-side manager.
  EXPECT_EQ(Fields(r.object, "kubectl-client-side-apply"), json::parse(R"({"f:metadata":{
    "f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},
    "f:labels":{".":{},"f:app":{},"f:tier":{}}},"f:spec":{"f:ingressClassName":{},"f:tls":{}}})"));
  EXPECT_EQ(Fields(r.object, "kubectl"), json::parse(R"({"f:metadata":{"f:labels":{"f:app":{},
    "f:tier":{}}},"f:spec":{"f:ingressClassName":{},"f:rules":{},"f:tls":{}}})"));

  // Another manager gets no such allowance.
  apistatus::ApiStatus s = MustFail(kNet, "Ingress", &live, config,
                                    Mgr("kubectl-but-not-quite", "2026-03-02T09:00:00Z"));
  EXPECT_EQ(s.code, 409);
}

TEST(ServerSideApplyTest, MapListMergesServicePortsByPortAndProtocol) {
  json live = json::parse(R"({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {"type": "ClusterIP", "sessionAffinity": "None", "selector": {"app": "web"},
             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}})");
  TrackUpdate("", "Service", nullptr, live, Mgr("kubectl-create", "2026-03-01T09:00:00Z", "v1"));
  Persist(live, "3");

  // protocol is left out: its schema default (TCP) completes the key.
  json config = json::parse(R"({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]}})");
  ApplyResult r =
      MustApply("", "Service", &live, config, Mgr("tls-team", "2026-03-02T09:00:00Z", "v1"));
  ASSERT_EQ(r.object["spec"]["ports"].size(), 2u);
  EXPECT_EQ(r.object["spec"]["ports"][0], live["spec"]["ports"][0]);
  EXPECT_EQ(r.object["spec"]["ports"][1], config["spec"]["ports"][0]);
  EXPECT_EQ(Fields(r.object, "tls-team"), json::parse(R"({"f:spec":{"f:ports":{
    "k:{\"port\":443,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},
    "f:targetPort":{}}}}})"));

  // Changing a field of the port another manager owns is a conflict on that field only.
  json changed = config;
  changed["spec"]["ports"].push_back({{"port", 80}, {"protocol", "TCP"}, {"targetPort", 9090}});
  json live2 = r.object;
  Persist(live2, "4");
  apistatus::ApiStatus s =
      MustFail("", "Service", &live2, changed, Mgr("tls-team", "2026-03-03T09:00:00Z", "v1"));
  EXPECT_EQ(s.message,
            "Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1: "
            ".spec.ports[port=80,protocol=\"TCP\"].targetPort");

  // Dropping its port from the configuration removes that port, and only that one.
  json dropped = config;
  dropped["spec"]["ports"] = json::array();
  ApplyResult r3 =
      MustApply("", "Service", &live2, dropped, Mgr("tls-team", "2026-03-03T09:00:00Z", "v1"));
  EXPECT_EQ(r3.object["spec"]["ports"], live["spec"]["ports"]);
}

TEST(ServerSideApplyTest, AtomicListIsReplacedWhole) {
  json live =
      MustApply(kNet, "Ingress", nullptr, IngressConfig(), Mgr("kubectl", "2026-03-01T10:00:00Z"))
          .object;
  Persist(live, "10");
  json config = IngressConfig();
  config["spec"]["rules"] = json::parse(R"([{"host": "c.example.com", "http": {"paths": [
    {"path": "/c", "pathType": "Exact",
     "backend": {"service": {"name": "c", "port": {"number": 8080}}}}]}}])");
  ApplyResult r = MustApply(kNet, "Ingress", &live, config, Mgr("kubectl", "2026-03-01T11:00:00Z"));
  EXPECT_EQ(r.object["spec"]["rules"], config["spec"]["rules"]);
}

TEST(ServerSideApplyTest, UntrackedObjectBelongsToBeforeFirstApply) {
  json live = IngressConfig();
  Persist(live, "9");  // e.g. after managedFields were reset
  json config = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "demo"}, "spec": {"ingressClassName": "nginx"}})");
  apistatus::ApiStatus s =
      MustFail(kNet, "Ingress", &live, config, Mgr("web-team", "2026-03-02T09:00:00Z"));
  EXPECT_EQ(s.message,
            "Apply failed with 1 conflict: conflict with \"before-first-apply\" using "
            "networking.k8s.io/v1: .spec.ingressClassName");
}

TEST(ServerSideApplyTest, CustomResourceStatusIsDeduced) {
  json config = json::parse(R"({"apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
    "metadata": {"name": "kubesphere-router-demo", "namespace": "kubesphere-controls-system"},
    "spec": {"controller": {"replicas": 1, "config": {"proxy-body-size": "8m"}}},
    "status": {"service": {"ports": [{"name": "http", "port": 80}]}}})");
  Manager m{"ks-controller", "gateway.kubesphere.io/v1alpha1", "2026-03-01T10:00:00Z", "status"};
  ApplyResult r = MustApply("gateway.kubesphere.io", "Gateway", nullptr, config, m);
  // On /status, spec is reset and not owned. status is a declared field of the CRD, but what is
  // inside it is schemaless: every map key is owned itself, lists are atomic.
  EXPECT_EQ(Entries(r.object)[0]["fieldsV1"],
            json::parse(R"({"f:status":{"f:service":{".":{},"f:ports":{}}}})"));
  EXPECT_EQ(Entries(r.object)[0]["subresource"], "status");
}

TEST(ServerSideApplyTest, RejectedConfigurations) {
  json config = IngressConfig();
  config["metadata"]["managedFields"] = json::array();
  apistatus::ApiStatus s =
      MustFail(kNet, "Ingress", nullptr, config, Mgr("kubectl", "2026-03-01T10:00:00Z"));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "metadata.managedFields must be nil");

  json svc = json::parse(R"({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {"ports": [{"name": "http", "targetPort": 80}]}})");
  s = MustFail("", "Service", nullptr, svc, Mgr("kubectl", "2026-03-01T10:00:00Z", "v1"));
  EXPECT_EQ(s.code, 500);
  EXPECT_EQ(s.message,
            "failed to create typed patch object (demo/web; /v1, Kind=Service): .spec.ports: "
            "element 0: associative list with keys has an element that omits key field \"port\" "
            "(and doesn't have default value)");

  svc["spec"]["ports"] = json::parse(R"([{"port": 80}, {"port": 80, "protocol": "TCP"}])");
  s = MustFail("", "Service", nullptr, svc, Mgr("kubectl", "2026-03-01T10:00:00Z", "v1"));
  EXPECT_EQ(s.message,
            "failed to create typed patch object (demo/web; /v1, Kind=Service): .spec.ports: "
            "duplicate entries for key [port=80,protocol=\"TCP\"]");
}

}  // namespace
}  // namespace waygate::apply
