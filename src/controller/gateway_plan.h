// One pass over every Gateway: what each one's access is now (node addresses, node ports, the
// EIP it holds or why it has none) and the `status` the server should store for it. Pure: the
// controller feeds it what it knows and writes what comes out.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gateways/addresses.h"
#include "gateways/ranges.h"
#include "gateways/status.h"
#include "model/objects.h"

namespace waygate::controller {

struct PlannedGateway {
  std::string key;  // "ns/name"
  gateways::GatewayAccess access;
  std::optional<gateways::AddressPending> pending;  // LoadBalancer without an address
  nlohmann::json status;                            // gateways::GatewayStatusJson(access)
};

struct PlanInput {
  // Every gateway, in the order addresses are handed out (the controller sorts by key, so the
  // same cluster always yields the same plan).
  std::vector<const model::Gateway*> gateways;
  // "ns/name" -> the EIP the gateway holds now (what the controller last gave it, else its
  // status). The first holder in `gateways` order keeps a doubly claimed address.
  std::map<std::string, std::string> held;
  std::vector<std::string> node_addresses;  // gateways::NodeAddresses of the Ready nodes
  const gateways::AddressPool* pool = nullptr;
  gateways::LbPorts lb_ports;
};

std::vector<PlannedGateway> PlanGateways(const PlanInput& input);

// "ns/name" of a stored object.
inline std::string KeyOf(const model::Gateway& g) { return g.meta.namespace_ + "/" + g.meta.name; }

// The EIP a gateway's stored status lists (LoadBalancer only), or "".
std::string StatusAddress(const model::Gateway& g);

}  // namespace waygate::controller
