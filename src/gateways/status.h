// What the server writes into status: a gateway's `status.service.ports` and
// `status.loadBalancer.ingress`, and the same addresses in each served Ingress's
// `status.loadBalancer.ingress`. GatewayAccess is also the input of the access table.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateways/node_ports.h"
#include "model/objects.h"

namespace waygate::gateways {

// A gateway node, as its Node object describes it.
struct NodeInfo {
  std::string name;
  bool ready = false;
  std::vector<std::string> internal_ips;
  std::vector<std::string> external_ips;
};

// The addresses clients use to reach node ports: for each Ready node (by name), its ExternalIPs
// when it has any, else its InternalIPs, as ingress-nginx reports node addresses (README.md).
// Repeats are dropped; NotReady nodes contribute nothing.
std::vector<std::string> NodeAddresses(std::vector<NodeInfo> nodes);

// The ports a LoadBalancer address listens on (--lb-http-port / --lb-https-port).
struct LbPorts {
  int32_t http = 80;
  int32_t https = 443;
};

// How clients reach one gateway.
struct GatewayAccess {
  std::string gateway;  // "ns/name"; empty: no gateway serves (the rest is ignored)
  std::string type;     // "NodePort" | "LoadBalancer"
  NodePorts node_ports;
  LbPorts lb_ports;
  std::string lb_address;                   // the EIP; empty for NodePort or while Pending
  std::string pending;                      // why a LoadBalancer has no address yet, if known
  std::vector<std::string> node_addresses;  // NodeAddresses() of the gateway nodes
};

// Access of a stored Gateway: type from spec; node ports from spec (where the server stores
// them), else status; the EIP and LB ports from status; `node_addresses` as given, or for a
// NodePort gateway when empty the status addresses (so a client holding only the Gateway object
// can build the table).
GatewayAccess AccessFromGateway(const model::Gateway& gateway,
                                std::vector<std::string> node_addresses = {},
                                LbPorts lb_ports = {});

// The Gateway's `status` value: {"service": {"ports": [{name: http, port: 80, nodePort, protocol:
// TCP}, {name: https, port: 443, ...}]}, "loadBalancer": {"ingress": [{ip}...]}} with the node
// addresses for NodePort and the EIP for LoadBalancer; `loadBalancer` is {} when there is none.
nlohmann::json GatewayStatusJson(const GatewayAccess& access);

// An Ingress's `status` value: {"loadBalancer": {"ingress": [...]}}, the same addresses as its
// gateway's, or {"loadBalancer": {}} when no gateway serves it.
nlohmann::json IngressStatusJson(const GatewayAccess& access);

// The addresses both status values list (an address that is not an IP becomes a hostname).
std::vector<std::string> PublishedAddresses(const GatewayAccess& access);

}  // namespace waygate::gateways
