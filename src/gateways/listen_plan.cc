#include "gateways/listen_plan.h"

#include <algorithm>

namespace waygate::gateways {

std::vector<ListenAddress> ListenPlan(const model::Gateway& gateway,
                                      const NodeListenOptions& node) {
  GatewayAccess access = AccessFromGateway(gateway, {}, node.lb_ports);
  std::vector<ListenAddress> plan;
  auto add = [&plan](ListenAddress a) {
    if (a.port <= 0 || a.ip.empty()) return;
    if (std::find(plan.begin(), plan.end(), a) == plan.end()) plan.push_back(std::move(a));
  };
  for (const std::string& ip : node.node_ips) {
    add({"http", ip, access.node_ports.http, false});
    add({"https", ip, access.node_ports.https, false});
  }
  // Right after a switch from NodePort the status still lists the node addresses until the
  // controller hands out the EIP: a node's own address is never taken for an EIP.
  const bool own = std::find(node.node_ips.begin(), node.node_ips.end(), access.lb_address) !=
                   node.node_ips.end();
  if (access.type == "LoadBalancer" && !access.lb_address.empty() && !own) {
    add({"http", access.lb_address, node.lb_ports.http, true});
    add({"https", access.lb_address, node.lb_ports.https, true});
  }
  return plan;
}

}  // namespace waygate::gateways
