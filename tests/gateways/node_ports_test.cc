#include "gateways/node_ports.h"

#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::gateways {
namespace {

using testing::MakeGateway;

const PortRange kRange{30000, 32767};

Holder Other(const std::string& name, int32_t http, int32_t https) {
  return Holder{"kubesphere-controls-system/" + name, NodePorts{http, https}};
}

TEST(NodePorts, FreshGatewayGetsTheLowestFreePorts) {
  Result<NodePorts> r =
      AllocateNodePorts(MakeGateway("kubesphere-router-demo"), nullptr, {}, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{30000, 30001}));

  std::vector<Holder> others = {Other("kubesphere-router-a", 30000, 30002),
                                Other("kubesphere-router-b", 30001, 0)};
  r = AllocateNodePorts(MakeGateway("kubesphere-router-demo"), nullptr, others, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{30003, 30004}));
}

TEST(NodePorts, RequestedPortsAreHonoured) {
  Result<NodePorts> r = AllocateNodePorts(
      MakeGateway("kubesphere-router-demo", "NodePort", 31921, 32107), nullptr, {}, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{31921, 32107}));
  // Only https requested: http takes the lowest free port, never the requested https one.
  r = AllocateNodePorts(MakeGateway("kubesphere-router-demo", "NodePort", 0, 30000), nullptr, {},
                        kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{30001, 30000}));
}

TEST(NodePorts, ConflictNamesTheHolder) {
  std::vector<Holder> others = {Other("kubesphere-router-x", 31000, 31001)};
  model::Gateway g = MakeGateway("kubesphere-router-demo", "NodePort", 30500, 31001);
  Result<NodePorts> r = AllocateNodePorts(g, nullptr, others, kRange);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(r.error().field, "spec.service.ports[1].nodePort");
  EXPECT_EQ(r.error().message,
            "Invalid value: 31001: provided port is already allocated to Gateway "
            "kubesphere-controls-system/kubesphere-router-x");
}

TEST(NodePorts, OutOfRangeUsesKubesMessage) {
  Result<NodePorts> r = AllocateNodePorts(MakeGateway("kubesphere-router-demo", "NodePort", 8080),
                                          nullptr, {}, kRange);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "spec.service.ports[0].nodePort");
  EXPECT_EQ(r.error().message,
            "Invalid value: 8080: provided port is not in the valid range. The range of valid "
            "ports is 30000-32767");
}

TEST(NodePorts, UpdateWithoutNodePortKeepsThePreviousPorts) {
  model::Gateway previous = MakeGateway("kubesphere-router-demo", "NodePort", 31500, 31600);
  std::vector<Holder> others = {Other("kubesphere-router-a", 30000, 30001)};
  model::Gateway edited = MakeGateway("kubesphere-router-demo", "LoadBalancer");
  Result<NodePorts> r = AllocateNodePorts(edited, &previous, others, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{31500, 31600}));
  // Moving one port keeps the other.
  edited = MakeGateway("kubesphere-router-demo", "NodePort", 31700);
  r = AllocateNodePorts(edited, &previous, others, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{31700, 31600}));
  // A port kept from before is not re-checked against a range that has since shrunk.
  edited = MakeGateway("kubesphere-router-demo", "NodePort", 31500, 31600);
  r = AllocateNodePorts(edited, &previous, others, PortRange{30000, 30100});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{31500, 31600}));
}

TEST(NodePorts, KeptPortGivesWayToARequestedOne) {
  model::Gateway previous = MakeGateway("kubesphere-router-demo", "NodePort", 31500, 31600);
  // https asks for the port http held; http, left out, must move rather than collide.
  model::Gateway edited = previous;
  edited.service.ports = {{"https", 0, 31500, ""}};
  Result<NodePorts> r = AllocateNodePorts(edited, &previous, {}, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{30000, 31500}));  // the lowest free port, never a shared one
}

TEST(NodePorts, SelfInOthersIsIgnored) {
  model::Gateway g = MakeGateway("kubesphere-router-demo", "NodePort", 30000, 30001);
  Result<NodePorts> r =
      AllocateNodePorts(g, &g, {Other("kubesphere-router-demo", 30000, 30001)}, kRange);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{30000, 30001}));
}

TEST(NodePorts, ExhaustedRangeIsAnError) {
  PortRange tiny{30000, 30002};
  std::vector<Holder> others = {Other("kubesphere-router-a", 30000, 30001)};
  Result<NodePorts> r =
      AllocateNodePorts(MakeGateway("kubesphere-router-b"), nullptr, others, tiny);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_EQ(r.error().message, "failed to allocate a nodePort: range is full");
  // A one-port range cannot hold both: https may not share http's port.
  r = AllocateNodePorts(MakeGateway("kubesphere-router-b"), nullptr, {}, PortRange{30000, 30000});
  EXPECT_FALSE(r.ok());
  r = AllocateNodePorts(MakeGateway("kubesphere-router-b"), nullptr, {}, PortRange{30000, 30001});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (NodePorts{30000, 30001}));
}

TEST(NodePorts, HolderOfReadsTheSpec) {
  Holder h = HolderOf(MakeGateway("kubesphere-router-a", "NodePort", 30010, 30011));
  EXPECT_EQ(h.name, "kubesphere-controls-system/kubesphere-router-a");
  EXPECT_EQ(h.ports, (NodePorts{30010, 30011}));
  EXPECT_EQ(SpecNodePorts(MakeGateway("kubesphere-router-a")), (NodePorts{0, 0}));
}

TEST(NodePorts, WithNodePortsStoresTheAllocationInTheSpec) {
  nlohmann::json bare = {{"metadata", {{"name", "kubesphere-router-demo"}}}};
  nlohmann::json out = WithNodePorts(bare, NodePorts{30000, 30001});
  EXPECT_EQ(out["spec"]["service"]["ports"],
            (nlohmann::json::array({{{"name", "http"}, {"nodePort", 30000}},
                                    {{"name", "https"}, {"nodePort", 30001}}})));

  nlohmann::json kubesphere_shape = nlohmann::json::parse(R"({
    "spec": {"service": {"type": "NodePort", "ports": [
      {"name": "https", "port": 443, "protocol": "TCP"},
      {"name": "http", "port": 80, "protocol": "TCP", "nodePort": 31921}]}}})");
  out = WithNodePorts(kubesphere_shape, NodePorts{31921, 32107});
  const nlohmann::json& ports = out["spec"]["service"]["ports"];
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(
      ports[0],
      (nlohmann::json{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"nodePort", 32107}}));
  EXPECT_EQ(ports[1]["nodePort"], 31921);
  EXPECT_EQ(out["spec"]["service"]["type"], "NodePort");

  nlohmann::json odd = {{"spec", {{"service", {{"ports", {1, "x", {{"name", 5}}}}}}}}};
  out = WithNodePorts(odd, NodePorts{30000, 0});  // odd entries are skipped, never thrown on
  ASSERT_EQ(out["spec"]["service"]["ports"].size(), 4u);
  EXPECT_EQ(out["spec"]["service"]["ports"][3],
            (nlohmann::json{{"name", "http"}, {"nodePort", 30000}}));
}

}  // namespace
}  // namespace waygate::gateways
