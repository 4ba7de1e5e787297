#include "nodeagent/node_object.h"

#include <gtest/gtest.h>

namespace waygate::nodeagent {
namespace {

using nlohmann::json;

NodeFacts Facts() {
  NodeFacts facts;
  facts.name = "gw-1";
  facts.internal_ips = {"10.0.0.1", "fd00::1"};
  facts.external_ips = {"203.0.113.5"};
  facts.labels = {{"waygate.io/gateway-node", "true"}, {"node-role.kubernetes.io/gateway", ""}};
  facts.version = "waygate/1.2.3";
  facts.architecture = "amd64";
  return facts;
}

const json* Condition(const json& node, const std::string& type) {
  for (const json& c : node["status"]["conditions"]) {
    if (c.is_object() && c.contains("type") && c["type"] == type) return &c;
  }
  return nullptr;
}

TEST(NodeObjectTest, NewNodeCarriesNameLabelsAddressesAndReady) {
  json node = NewNode(Facts(), "2026-01-02T03:04:05Z");
  EXPECT_EQ(node["apiVersion"], "v1");
  EXPECT_EQ(node["kind"], "Node");
  EXPECT_EQ(node["metadata"]["name"], "gw-1");
  EXPECT_EQ(node["metadata"]["labels"],
            json({{"waygate.io/gateway-node", "true"}, {"node-role.kubernetes.io/gateway", ""}}));
  EXPECT_EQ(node["status"]["addresses"], json::parse(R"([
    {"type": "InternalIP", "address": "10.0.0.1"},
    {"type": "InternalIP", "address": "fd00::1"},
    {"type": "ExternalIP", "address": "203.0.113.5"},
    {"type": "Hostname", "address": "gw-1"}])"));
  EXPECT_EQ(node["status"]["nodeInfo"]["kubeletVersion"], "waygate/1.2.3");
  EXPECT_EQ(node["status"]["nodeInfo"]["architecture"], "amd64");
  EXPECT_EQ(node["status"]["nodeInfo"]["operatingSystem"], "linux");
  const json* ready = Condition(node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["status"], "True");
  EXPECT_EQ((*ready)["reason"], "GatewayReady");
  EXPECT_EQ((*ready)["message"], "waygate gateway node is serving");
  EXPECT_EQ((*ready)["lastHeartbeatTime"], "2026-01-02T03:04:05Z");
  EXPECT_EQ((*ready)["lastTransitionTime"], "2026-01-02T03:04:05Z");
}

TEST(NodeObjectTest, HeartbeatKeepsTransitionTimeWhileReady) {
  json node = NewNode(Facts(), "2026-01-02T03:04:05Z");
  ApplyStatus(Facts(), "2026-01-02T03:04:15Z", node);
  const json* ready = Condition(node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["lastHeartbeatTime"], "2026-01-02T03:04:15Z");
  EXPECT_EQ((*ready)["lastTransitionTime"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(node["status"]["conditions"].size(), 1u);
}

TEST(NodeObjectTest, HeartbeatAfterNotReadyIsATransition) {
  json node = NewNode(Facts(), "2026-01-02T03:04:05Z");
  json& ready = node["status"]["conditions"][0];
  ready["status"] = "Unknown";
  ready["reason"] = "NodeStatusUnknown";
  ApplyStatus(Facts(), "2026-01-02T03:09:00Z", node);
  EXPECT_EQ(ready["status"], "True");
  EXPECT_EQ(ready["reason"], "GatewayReady");
  EXPECT_EQ(ready["lastTransitionTime"], "2026-01-02T03:09:00Z");
}

TEST(NodeObjectTest, KeepsOthersConditionsAndNodeInfoButOwnsAddresses) {
  json node = json::parse(R"({
    "metadata": {"name": "gw-1"},
    "status": {
      "addresses": [{"type": "InternalIP", "address": "192.168.9.9"}],
      "conditions": [{"type": "NetworkUnavailable", "status": "False"}],
      "nodeInfo": {"machineID": "abc", "kubeletVersion": "v1.30.0"}}})");
  ApplyStatus(Facts(), "2026-01-02T03:04:05Z", node);
  ASSERT_EQ(node["status"]["conditions"].size(), 2u);
  EXPECT_EQ(node["status"]["conditions"][0]["type"], "NetworkUnavailable");
  EXPECT_EQ(node["status"]["nodeInfo"]["machineID"], "abc");
  EXPECT_EQ(node["status"]["nodeInfo"]["kubeletVersion"], "waygate/1.2.3");
  EXPECT_EQ(node["status"]["addresses"], Addresses(Facts()));
}

TEST(NodeObjectTest, ToleratesMistypedFieldsWrittenBySomeoneElse) {
  json node = json::parse(R"({
    "metadata": {"name": "gw-1", "labels": ["not", "a", "map"]},
    "status": {"conditions": [7, {"type": 3}, {"type": "Ready", "status": true,
                "lastTransitionTime": null}], "nodeInfo": "x"}})");
  EXPECT_TRUE(MergeLabels(Facts(), node));
  ApplyStatus(Facts(), "2026-01-02T03:04:05Z", node);
  EXPECT_EQ(node["metadata"]["labels"]["waygate.io/gateway-node"], "true");
  const json* ready = Condition(node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["status"], "True");
  EXPECT_EQ((*ready)["lastTransitionTime"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(node["status"]["nodeInfo"]["kubeletVersion"], "waygate/1.2.3");
}

TEST(NodeObjectTest, MergeLabelsKeepsForeignLabelsAndReportsChanges) {
  json node = {
      {"metadata",
       {{"name", "gw-1"}, {"labels", {{"team", "edge"}, {"waygate.io/gateway-node", "false"}}}}}};
  EXPECT_TRUE(MergeLabels(Facts(), node));
  EXPECT_EQ(node["metadata"]["labels"], json({{"team", "edge"},
                                              {"waygate.io/gateway-node", "true"},
                                              {"node-role.kubernetes.io/gateway", ""}}));
  EXPECT_FALSE(MergeLabels(Facts(), node));  // nothing left to change: no write needed
}

}  // namespace
}  // namespace waygate::nodeagent
