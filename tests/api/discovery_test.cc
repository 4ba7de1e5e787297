// Discovery lists the monitoring views (monitoring_views.cc) as kube lists pods/log: get-only
// subresources; the metrics in Waygate's group with their own kinds, the log under the
// object's kind. kubectl api-resources skips names with a '/', so nothing new shows there
// (tests/e2e/test_access_views.py checks that against the real kubectl).
#include <gtest/gtest.h>

#include "api/discovery.h"

namespace waygate::api {
namespace {

using nlohmann::json;

json Named(const json& list, const std::string& name) {
  for (const json& r : list["resources"]) {
    if (r["name"] == name) return r;
  }
  return nullptr;
}

json Subresources(const json& aggregated, const std::string& group, const std::string& resource) {
  for (const json& g : aggregated["items"]) {
    if (g["metadata"].value("name", "") != group) continue;
    for (const json& r : g["versions"][0]["resources"]) {
      if (r["resource"] == resource) return r["subresources"];
    }
  }
  return nullptr;
}

std::vector<std::string> Names(const json& subresources) {
  std::vector<std::string> out;
  for (const json& s : subresources) out.push_back(s["subresource"]);
  return out;
}

TEST(DiscoveryTest, ResourceListHasTheMonitoringSubresources) {
  json ing = Named(ResourceList("networking.k8s.io", "v1"), "ingresses/metrics");
  ASSERT_TRUE(ing.is_object());
  EXPECT_EQ(ing["verbs"], json({"get"}));
  EXPECT_EQ(ing["kind"], "IngressMetrics");
  EXPECT_EQ(ing["group"], "waygate.io");
  EXPECT_EQ(ing["version"], "v1alpha1");
  EXPECT_EQ(ing["namespaced"], true);

  json gateways = ResourceList("gateway.kubesphere.io", "v1alpha1");
  json metrics = Named(gateways, "gateways/metrics");
  ASSERT_TRUE(metrics.is_object()) << gateways.dump();
  EXPECT_EQ(metrics["kind"], "GatewayMetrics");
  EXPECT_EQ(metrics["verbs"], json({"get"}));
  json log = Named(gateways, "gateways/log");
  ASSERT_TRUE(log.is_object()) << gateways.dump();
  EXPECT_EQ(log["kind"], "Gateway");  // as pods/log says Pod
  EXPECT_FALSE(log.contains("group"));
  EXPECT_EQ(log["verbs"], json({"get"}));

  // Only those two kinds have them.
  EXPECT_TRUE(Named(ResourceList("", "v1"), "services/metrics").is_null());
  EXPECT_TRUE(Named(ResourceList("networking.k8s.io", "v1"), "ingresses/log").is_null());
}

TEST(DiscoveryTest, AggregatedDiscoveryHasTheMonitoringSubresources) {
  json aggregated = AggregatedDiscovery(false, "v2");
  json ing = Subresources(aggregated, "networking.k8s.io", "ingresses");
  EXPECT_EQ(Names(ing), (std::vector<std::string>{"status", "access", "metrics"}));
  EXPECT_EQ(ing[2]["responseKind"],
            json({{"group", "waygate.io"}, {"version", "v1alpha1"}, {"kind", "IngressMetrics"}}));
  EXPECT_EQ(ing[2]["verbs"], json({"get"}));

  json gw = Subresources(aggregated, "gateway.kubesphere.io", "gateways");
  EXPECT_EQ(Names(gw), (std::vector<std::string>{"status", "metrics", "log"}));
  EXPECT_EQ(gw[1]["responseKind"],
            json({{"group", "waygate.io"}, {"version", "v1alpha1"}, {"kind", "GatewayMetrics"}}));
  EXPECT_EQ(gw[2]["responseKind"],
            json({{"group", "gateway.kubesphere.io"}, {"version", "v1alpha1"}, {"kind", "Gateway"}}));
}

}  // namespace
}  // namespace waygate::api
