#include "gateway_node.h"

#include "flags.h"

namespace waygate::cmd {

Result<NodeFlags> ParseNodeFlags(const Flags& f) {
  NodeFlags node;
  node.node_ips = f.GetAll("node-ip");
  node.external_ips = f.GetAll("node-external-ip");
  node.node_name = f.Get("node-name", "");
  auto heartbeat = ParseDuration(f.Get("heartbeat-interval", "10s"));
  if (!heartbeat.ok() || heartbeat->count() <= 0) {
    return MakeError(ErrorCode::kInvalid, "--heartbeat-interval: want a duration such as 10s");
  }
  node.heartbeat = *heartbeat;
  auto lb_ports = LbPortsFromFlags(f);
  if (!lb_ports.ok()) return lb_ports.error();
  node.lb_ports = *lb_ports;
  return node;
}

Result<GatewayNode> StartGatewayNode(const NodeFlags& node, int workers,
                                     const std::string& agent_name,
                                     sync::ApiSourceOptions& source) {
  nodeagent::NodeAgentOptions options;
  options.client = source.client;
  options.client.source = agent_name;
  options.node_name = node.node_name;
  options.internal_ips = node.node_ips;
  options.external_ips = node.external_ips;
  options.heartbeat_interval = node.heartbeat;
  options.version = "waygate/0.1.0";
  auto agent = nodeagent::NodeAgent::Start(options);
  if (!agent.ok()) {
    return MakeError(ErrorCode::kInvalid, "--" + agent.error().field + ": " +
                                              agent.error().message);
  }
  GatewayNode started;
  started.agent = std::move(*agent);
  started.listeners = std::make_unique<GatewayListeners>(
      workers, gateways::NodeListenOptions{node.node_ips, node.lb_ports});
  source.on_gateways = [l = started.listeners.get()](auto tables) {
    l->Update(std::move(tables));
  };
  return started;
}

}  // namespace waygate::cmd
