// Admission: server-set fields, defaults, status/spec split, validation.
#include "api/admission.h"

#include <gtest/gtest.h>

namespace waygate::api {
namespace {

using nlohmann::json;

const ResourceInfo& Res(std::string_view group, std::string_view resource) {
  const ResourceInfo* r = FindResource(group, group.empty() ? "v1" : "v1", resource);
  EXPECT_NE(r, nullptr);
  return *r;
}

json Ingress() {
  return json::parse(R"({"apiVersion":"networking.k8s.io/v1","kind":"Ingress",
    "metadata":{"name":"web","namespace":"demo","uid":"client-uid",
                "annotations":{"kubesphere.io/creator":"mallory"}},
    "spec":{"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":"Prefix",
      "backend":{"service":{"name":"web","port":{"number":80}}}}]}}]},
    "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}})");
}

TEST(AdmissionTest, CreateSetsServerFieldsAndDropsClientOnes) {
  json obj = Ingress();
  PrepareForCreate(Res("networking.k8s.io", "ingresses"), obj, {"admin", "2026-11-27T10:00:00Z"});
  EXPECT_NE(obj["metadata"]["uid"], "client-uid");
  EXPECT_EQ(obj["metadata"]["creationTimestamp"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  EXPECT_EQ(obj["metadata"]["annotations"]["kubesphere.io/creator"], "admin");
  EXPECT_FALSE(obj.contains("status"));
  EXPECT_TRUE(Validate(Res("networking.k8s.io", "ingresses"), obj, nullptr).empty());
}

TEST(AdmissionTest, UpdateKeepsIdentityStatusAndCountsSpecChanges) {
  const ResourceInfo& r = Res("networking.k8s.io", "ingresses");
  json old = Ingress();
  PrepareForCreate(r, old, {"admin", "2026-11-27T10:00:00Z"});
  old["status"] = json{{"loadBalancer", {{"ingress", {{{"ip", "10.0.0.1"}}}}}}};
  json next = old;
  next["metadata"]["uid"] = "forged";
  next["metadata"]["annotations"]["kubesphere.io/creator"] = "eve";
  next["metadata"]["labels"] = {{"a", "b"}};
  next.erase("status");
  PrepareForUpdate(r, old, next, false, {"bob", "2026-11-27T11:00:00Z"});
  EXPECT_EQ(next["metadata"]["uid"], old["metadata"]["uid"]);
  EXPECT_EQ(next["metadata"]["annotations"]["kubesphere.io/creator"], "admin");
  EXPECT_EQ(next["status"], old["status"]);
  EXPECT_EQ(next["metadata"]["generation"], 1);  // metadata only
  json spec_change = next;
  spec_change["spec"]["rules"][0]["host"] = "b.example.com";
  PrepareForUpdate(r, next, spec_change, false, {"bob", "2026-11-27T11:00:00Z"});
  EXPECT_EQ(spec_change["metadata"]["generation"], 2);

  // Through /status only status changes.
  json status_write = spec_change;
  status_write["spec"]["rules"][0]["host"] = "c.example.com";
  status_write["status"] = json{{"loadBalancer", {{"ingress", {{{"ip", "10.0.0.2"}}}}}}};
  PrepareForUpdate(r, spec_change, status_write, true, {"bob", "2026-11-27T11:00:00Z"});
  EXPECT_EQ(status_write["spec"]["rules"][0]["host"], "b.example.com");
  EXPECT_EQ(status_write["status"]["loadBalancer"]["ingress"][0]["ip"], "10.0.0.2");
}

TEST(AdmissionTest, DefaultsServiceAndSecret) {
  json svc = json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"s",
    "namespace":"d"},"spec":{"ports":[{"port":80}]}})");
  PrepareForCreate(Res("", "services"), svc, {"admin", "2026-11-27T10:00:00Z"});
  EXPECT_EQ(svc["spec"]["type"], "ClusterIP");
  EXPECT_EQ(svc["spec"]["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], 80);
  EXPECT_TRUE(svc["spec"]["clusterIP"].get<std::string>().starts_with("10."));
  json secret = json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s",
    "namespace":"d"},"stringData":{"pw":"hunter2"}})");
  PrepareForCreate(Res("", "secrets"), secret, {"admin", "2026-11-27T10:00:00Z"});
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_EQ(secret["data"]["pw"], "aHVudGVyMg==");
  EXPECT_FALSE(secret.contains("stringData"));
}

TEST(AdmissionTest, ValidationNamesFields) {
  json obj = Ingress();
  obj["metadata"]["annotations"]["kubesphere.io/description"] = std::string(257, 'd');
  obj["spec"]["rules"][0]["host"] = "UPPER.example.com";
  auto errors = Validate(Res("networking.k8s.io", "ingresses"), obj, nullptr);
  std::vector<std::string> fields;
  for (const Error& e : errors) fields.push_back(e.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "spec.rules[0].host"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(),
                      "metadata.annotations[kubesphere.io/description]"),
            fields.end());
  json ns = json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}})");
  auto ns_errors = Validate(Res("", "namespaces"), ns, nullptr);
  ASSERT_EQ(ns_errors.size(), 1u);  // namespaces are DNS labels: no dots
  EXPECT_EQ(ns_errors[0].field, "metadata.name");
}

TEST(AdmissionTest, ImmutableSecretType) {
  const ResourceInfo& r = Res("", "secrets");
  json old = json::parse(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque",
    "metadata":{"name":"s","namespace":"d"}})");
  json next = old;
  next["type"] = "kubernetes.io/tls";
  next["data"] = {{"tls.crt", ""}, {"tls.key", ""}};
  auto errors = Validate(r, next, &old);
  bool immutable = false;
  for (const Error& e : errors) immutable = immutable || (e.field == "type");
  EXPECT_TRUE(immutable);
}

// kube's ValidateSecret for kubernetes.io/tls: both keys must exist (an empty value is fine, and
// the PEM is never parsed); stringData counts, as it is folded into data before validation.
TEST(AdmissionTest, TlsSecretNeedsBothKeysButNoParsablePem) {
  const ResourceInfo& r = Res("", "secrets");
  const WriteContext ctx{"admin", "2026-11-27T10:00:00Z"};
  json none = json::parse(R"({"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls",
    "metadata":{"name":"s","namespace":"d"},"data":{"ca.crt":"Y2E="}})");
  PrepareForCreate(r, none, ctx);
  auto errors = Validate(r, none, nullptr);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "data[tls.crt]");
  EXPECT_EQ(errors[0].message, "Required value");
  EXPECT_EQ(errors[1].field, "data[tls.key]");
  EXPECT_EQ(errors[1].message, "Required value");

  json from_string_data = json::parse(R"({"apiVersion":"v1","kind":"Secret",
    "type":"kubernetes.io/tls","metadata":{"name":"s","namespace":"d"},
    "data":{"tls.crt":"bm90IGEgY2VydA=="},"stringData":{"tls.key":"not a key either"}})");
  PrepareForCreate(r, from_string_data, ctx);
  EXPECT_TRUE(Validate(r, from_string_data, nullptr).empty());

  json empty_values = json::parse(R"({"apiVersion":"v1","kind":"Secret",
    "type":"kubernetes.io/tls","metadata":{"name":"s","namespace":"d"},
    "data":{"tls.crt":"","tls.key":""}})");
  PrepareForCreate(r, empty_values, ctx);
  EXPECT_TRUE(Validate(r, empty_values, nullptr).empty());

  // An update that drops a key is refused the same way.
  json dropped = from_string_data;
  dropped["data"].erase("tls.key");
  auto update_errors = Validate(r, dropped, &from_string_data);
  ASSERT_EQ(update_errors.size(), 1u);
  EXPECT_EQ(update_errors[0].field, "data[tls.key]");
}

}  // namespace
}  // namespace waygate::api
