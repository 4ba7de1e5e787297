#include "gateways/status.h"

#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::gateways {
namespace {

using Json = nlohmann::json;
using testing::MakeGateway;

TEST(NodeAddresses, ReadyNodesPreferExternalIps) {
  std::vector<NodeInfo> nodes = {
      {"node-c", true, {"192.168.0.4"}, {}},
      {"node-a", true, {"192.168.0.2"}, {"139.198.1.2"}},
      {"node-b", false, {"192.168.0.3"}, {}},            // NotReady: left out
      {"node-d", true, {"192.168.0.4", "fd00::4"}, {}},  // a repeat is dropped
  };
  EXPECT_EQ(NodeAddresses(nodes),
            (std::vector<std::string>{"139.198.1.2", "192.168.0.4", "fd00::4"}));
  EXPECT_TRUE(NodeAddresses({}).empty());
}

GatewayAccess NodePortAccess() {
  GatewayAccess a;
  a.gateway = "kubesphere-controls-system/kubesphere-router-demo";
  a.type = "NodePort";
  a.node_ports = {31921, 32107};
  a.node_addresses = {"192.168.0.2", "192.168.0.3"};
  return a;
}

TEST(GatewayStatus, NodePortListsPortsAndNodeAddresses) {
  Json status = GatewayStatusJson(NodePortAccess());
  EXPECT_EQ(status, Json::parse(R"({
    "service": {"ports": [
      {"name": "http", "port": 80, "nodePort": 31921, "protocol": "TCP"},
      {"name": "https", "port": 443, "nodePort": 32107, "protocol": "TCP"}]},
    "loadBalancer": {"ingress": [{"ip": "192.168.0.2"}, {"ip": "192.168.0.3"}]}})"));
  EXPECT_EQ(IngressStatusJson(NodePortAccess()), Json::parse(R"(
    {"loadBalancer": {"ingress": [{"ip": "192.168.0.2"}, {"ip": "192.168.0.3"}]}})"));
}

TEST(GatewayStatus, LoadBalancerListsTheEip) {
  GatewayAccess a = NodePortAccess();
  a.type = "LoadBalancer";
  a.lb_address = "127.0.0.100";
  a.lb_ports = {8080, 8443};
  Json status = GatewayStatusJson(a);
  EXPECT_EQ(status["loadBalancer"], Json::parse(R"({"ingress": [{"ip": "127.0.0.100"}]})"));
  EXPECT_EQ(status["service"]["ports"][0]["port"], 8080);
  EXPECT_EQ(status["service"]["ports"][1]["port"], 8443);
  EXPECT_EQ(IngressStatusJson(a),
            Json::parse(R"({"loadBalancer": {"ingress": [{"ip": "127.0.0.100"}]}})"));
  a.lb_address.clear();  // Pending: no address anywhere
  EXPECT_EQ(GatewayStatusJson(a)["loadBalancer"], Json::object());
  EXPECT_EQ(IngressStatusJson(a), Json::parse(R"({"loadBalancer": {}})"));
}

TEST(GatewayStatus, NoGatewayAndHostnames) {
  EXPECT_EQ(IngressStatusJson(GatewayAccess{}), Json::parse(R"({"loadBalancer": {}})"));
  GatewayAccess a = NodePortAccess();
  a.node_addresses = {"node-a.example.com"};
  a.node_ports = {31921, 0};
  Json status = GatewayStatusJson(a);
  EXPECT_EQ(status["loadBalancer"]["ingress"][0],
            Json::parse(R"({"hostname": "node-a.example.com"})"));
  EXPECT_FALSE(status["service"]["ports"][1].contains("nodePort"));
}

TEST(AccessFromGateway, ReadsSpecAndStatus) {
  model::Gateway g = MakeGateway("kubesphere-router-demo", "NodePort", 31921, 0);
  g.status.ports = {{"http", 80, 31000, "TCP"}, {"https", 443, 32107, "TCP"}};
  g.status.load_balancer_ingress = {{"192.168.0.4", ""}};
  GatewayAccess a = AccessFromGateway(g);
  EXPECT_EQ(a.gateway, "kubesphere-controls-system/kubesphere-router-demo");
  EXPECT_EQ(a.type, "NodePort");
  EXPECT_EQ(a.node_ports, (NodePorts{31921, 32107}));  // the spec wins, status fills the gap
  EXPECT_EQ(a.node_addresses, std::vector<std::string>{"192.168.0.4"});
  a = AccessFromGateway(g, {"10.0.0.1"});
  EXPECT_EQ(a.node_addresses, std::vector<std::string>{"10.0.0.1"});

  model::Gateway lb = MakeGateway("kubesphere-router-demo", "LoadBalancer");
  lb.status.ports = {{"http", 8080, 31000, "TCP"}, {"https", 8443, 31001, "TCP"}};
  lb.status.load_balancer_ingress = {{"127.0.0.100", ""}};
  a = AccessFromGateway(lb, {"192.168.0.2"});
  EXPECT_EQ(a.lb_address, "127.0.0.100");
  EXPECT_EQ(a.lb_ports.http, 8080);
  EXPECT_EQ(a.lb_ports.https, 8443);
  EXPECT_EQ(a.node_addresses, std::vector<std::string>{"192.168.0.2"});
  // Round trip: what the server writes is what a client reads back.
  EXPECT_EQ(GatewayStatusJson(a)["loadBalancer"],
            Json::parse(R"({"ingress": [{"ip": "127.0.0.100"}]})"));
}

}  // namespace
}  // namespace waygate::gateways
