// What makes a process a gateway node of the cluster, shared by `waygate serve` (its in-process
// node) and `waygate gateway --kubeconfig --node-ip ...`: its Node object with heartbeats
// (nodeagent) and its listeners on every Gateway's node ports and EIPs (gateway_listeners.h),
// from the same flags: --node-ip (repeatable), --node-name, --node-external-ip,
// --heartbeat-interval, --lb-http-port, --lb-https-port.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "gateway_listeners.h"
#include "gateways/status.h"
#include "nodeagent/node_agent.h"
#include "sync/api_source.h"

namespace waygate::cmd {

class Flags;

struct NodeFlags {
  std::vector<std::string> node_ips;  // may be empty (`gateway` without --node-ip)
  std::vector<std::string> external_ips;
  std::string node_name;  // empty: the host name
  std::chrono::milliseconds heartbeat{10000};
  gateways::LbPorts lb_ports;
};

// Validated at start, before anything is created; errors name the flag.
Result<NodeFlags> ParseNodeFlags(const Flags& flags);

struct GatewayNode {
  std::unique_ptr<nodeagent::NodeAgent> agent;
  std::unique_ptr<GatewayListeners> listeners;
};

// Registers the Node (heartbeats from then on) and prepares the listeners, which `source` feeds
// (sets source.on_gateways): start the ApiSource with `source` afterwards, then the data plane
// with `listeners->cell()`.
Result<GatewayNode> StartGatewayNode(const NodeFlags& node, int workers,
                                     const std::string& agent_name,
                                     sync::ApiSourceOptions& source);

}  // namespace waygate::cmd
