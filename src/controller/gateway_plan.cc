#include "controller/gateway_plan.h"

namespace waygate::controller {

std::string StatusAddress(const model::Gateway& g) {
  if (g.service.type != "LoadBalancer") return {};
  for (const model::LoadBalancerIngress& i : g.status.load_balancer_ingress) {
    if (!i.ip.empty()) return i.ip;
  }
  return {};
}

std::vector<PlannedGateway> PlanGateways(const PlanInput& input) {
  static const gateways::AddressPool kNoPool;
  const gateways::AddressPool& pool = input.pool != nullptr ? *input.pool : kNoPool;

  // address -> holder, first claim wins; the gateway's own entry is taken out before it asks.
  std::map<std::string, std::string> holder_of;  // canonical address -> key
  std::map<std::string, std::string> held_by;    // key -> canonical address
  for (const model::Gateway* g : input.gateways) {
    if (g->service.type != "LoadBalancer") continue;
    auto it = input.held.find(KeyOf(*g));
    if (it == input.held.end() || it->second.empty()) continue;
    auto ip = gateways::IpAddress::Parse(it->second);
    if (!ip) continue;
    std::string address = ip->ToString();
    if (holder_of.emplace(address, it->first).second) held_by[it->first] = address;
  }

  std::vector<PlannedGateway> out;
  out.reserve(input.gateways.size());
  for (const model::Gateway* g : input.gateways) {
    PlannedGateway& p = out.emplace_back();
    p.key = KeyOf(*g);
    const bool lb = g->service.type == "LoadBalancer";
    // A NodePort gateway's service ports stay 80/443 (kube's Service port); the LB ports are
    // where the EIP listens.
    p.access = gateways::AccessFromGateway(*g, input.node_addresses,
                                           lb ? input.lb_ports : gateways::LbPorts{});
    // AccessFromGateway prefers what the status says; the controller's view is newer.
    p.access.lb_ports = lb ? input.lb_ports : gateways::LbPorts{};
    p.access.node_addresses = input.node_addresses;
    p.access.lb_address.clear();
    std::string current;
    if (auto h = held_by.find(p.key); h != held_by.end()) {
      current = h->second;
      holder_of.erase(h->second);
      held_by.erase(h);
    }
    if (lb) {
      gateways::AddressChoice choice =
          gateways::AllocateAddress(g->service.load_balancer_ip, current, pool, holder_of);
      if (choice.ok()) {
        p.access.lb_address = choice.address;
        holder_of[choice.address] = p.key;
        held_by[p.key] = choice.address;
      } else {
        p.pending = choice.pending;
        p.access.pending = choice.pending->message;
      }
    }
    p.status = gateways::GatewayStatusJson(p.access);
  }
  return out;
}

}  // namespace waygate::controller
