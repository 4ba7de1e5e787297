// Where a gateway node listens for one Gateway: its node ports on each of the node's IPs (a
// LoadBalancer gateway keeps its node ports, as a kube LoadBalancer Service does), and, for a
// LoadBalancer gateway holding an EIP, the EIP on the node's LB ports. Pure: the data plane
// binds what comes out (and skips an EIP its host does not have: the node that has the address
// configured is the one that owns it, as with keepalived/OpenELB VIP mode).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateways/status.h"
#include "model/objects.h"

namespace waygate::gateways {

struct ListenAddress {
  std::string name;  // "http" | "https"
  std::string ip;    // a node IP or the EIP
  int32_t port = 0;
  bool eip = false;  // the LoadBalancer address (bind failure = "not this node's")
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

struct NodeListenOptions {
  std::vector<std::string> node_ips;  // --node-ip (InternalIPs)
  LbPorts lb_ports;                   // --lb-http-port / --lb-https-port
};

// In a stable order (node ports by node IP, then the EIP; http before https), without repeats.
std::vector<ListenAddress> ListenPlan(const model::Gateway& gateway,
                                      const NodeListenOptions& node);

}  // namespace waygate::gateways
