#include "gateways/listen_plan.h"

#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::gateways {
namespace {

using testing::MakeGateway;

NodeListenOptions Node(std::vector<std::string> ips, int32_t http = 80, int32_t https = 443) {
  NodeListenOptions n;
  n.node_ips = std::move(ips);
  n.lb_ports = {http, https};
  return n;
}

TEST(ListenPlan, NodePortListensOnEveryNodeIpInOrder) {
  auto g = MakeGateway("kubesphere-router-demo", "NodePort", 31921, 31922);
  auto plan = ListenPlan(g, Node({"10.0.0.1", "10.0.0.2"}));
  std::vector<ListenAddress> want = {{"http", "10.0.0.1", 31921, false},
                                     {"https", "10.0.0.1", 31922, false},
                                     {"http", "10.0.0.2", 31921, false},
                                     {"https", "10.0.0.2", 31922, false}};
  EXPECT_EQ(plan, want);
}

TEST(ListenPlan, RepeatedNodeIpsListenOnce) {
  auto g = MakeGateway("kubesphere-router-demo", "NodePort", 31921, 31922);
  EXPECT_EQ(ListenPlan(g, Node({"10.0.0.1", "10.0.0.1"})).size(), 2u);
}

TEST(ListenPlan, GatewayWithoutNodePortsYetListensNowhere) {
  auto g = MakeGateway("kubesphere-router-demo", "NodePort");
  EXPECT_TRUE(ListenPlan(g, Node({"10.0.0.1"})).empty());
}

TEST(ListenPlan, LoadBalancerKeepsNodePortsAndAddsTheEipOnLbPorts) {
  auto g = MakeGateway("kubesphere-router-demo", "LoadBalancer", 31921, 31922);
  g.status.load_balancer_ingress.push_back({"127.0.0.100", ""});
  auto plan = ListenPlan(g, Node({"127.0.0.1"}, 8080, 8443));
  std::vector<ListenAddress> want = {{"http", "127.0.0.1", 31921, false},
                                     {"https", "127.0.0.1", 31922, false},
                                     {"http", "127.0.0.100", 8080, true},
                                     {"https", "127.0.0.100", 8443, true}};
  EXPECT_EQ(plan, want);
}

TEST(ListenPlan, PendingLoadBalancerHasOnlyNodePorts) {
  auto g = MakeGateway("kubesphere-router-demo", "LoadBalancer", 31921, 31922);
  auto plan = ListenPlan(g, Node({"127.0.0.1"}));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_FALSE(plan[0].eip);
  EXPECT_FALSE(plan[1].eip);
}

TEST(ListenPlan, NodePortGatewayIgnoresAStaleEipInStatus) {
  // Switched back from LoadBalancer before the controller rewrote status.
  auto g = MakeGateway("kubesphere-router-demo", "NodePort", 31921, 0);
  g.status.load_balancer_ingress.push_back({"127.0.0.100", ""});
  auto plan = ListenPlan(g, Node({"127.0.0.1"}));
  std::vector<ListenAddress> want = {{"http", "127.0.0.1", 31921, false}};
  EXPECT_EQ(plan, want);
}

TEST(ListenPlan, JustSwitchedToLoadBalancerDoesNotTakeTheNodeAddressForAnEip) {
  auto g = MakeGateway("kubesphere-router-demo", "LoadBalancer", 31921, 0);
  g.status.load_balancer_ingress.push_back({"127.0.0.1", ""});  // still the NodePort status
  auto plan = ListenPlan(g, Node({"127.0.0.1"}));
  std::vector<ListenAddress> want = {{"http", "127.0.0.1", 31921, false}};
  EXPECT_EQ(plan, want);
}

}  // namespace
}  // namespace waygate::gateways
