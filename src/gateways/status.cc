#include "gateways/status.h"

#include <algorithm>
#include <set>

#include "model/names.h"

namespace waygate::gateways {
namespace {

using Json = nlohmann::json;

Json LoadBalancerJson(const std::vector<std::string>& addresses) {
  Json lb = Json::object();
  if (addresses.empty()) return lb;
  Json& ingress = lb["ingress"];
  ingress = Json::array();
  for (const std::string& a : addresses) {
    ingress.push_back(model::IsIP(a) ? Json{{"ip", a}} : Json{{"hostname", a}});
  }
  return lb;
}

}  // namespace

std::vector<std::string> NodeAddresses(std::vector<NodeInfo> nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.name < b.name; });
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const NodeInfo& node : nodes) {
    if (!node.ready) continue;
    const auto& ips = node.external_ips.empty() ? node.internal_ips : node.external_ips;
    for (const std::string& ip : ips) {
      if (!ip.empty() && seen.insert(ip).second) out.push_back(ip);
    }
  }
  return out;
}

GatewayAccess AccessFromGateway(const model::Gateway& gateway,
                                std::vector<std::string> node_addresses, LbPorts lb_ports) {
  GatewayAccess access;
  access.gateway = gateway.meta.namespace_ + "/" + gateway.meta.name;
  access.type = gateway.service.type;
  access.node_ports = SpecNodePorts(gateway);
  for (const model::GatewayPort& p : gateway.status.ports) {
    const bool http = p.name == "http";
    if (!http && p.name != "https") continue;
    int32_t& node_port = http ? access.node_ports.http : access.node_ports.https;
    if (node_port == 0) node_port = p.node_port;
    if (p.port != 0) (http ? lb_ports.http : lb_ports.https) = p.port;
  }
  access.lb_ports = lb_ports;
  const bool lb = access.type == "LoadBalancer";
  std::vector<std::string> published;
  for (const model::LoadBalancerIngress& i : gateway.status.load_balancer_ingress) {
    const std::string& a = i.ip.empty() ? i.hostname : i.ip;
    if (!a.empty()) published.push_back(a);
  }
  if (lb) {
    if (!published.empty()) access.lb_address = published.front();
  } else if (node_addresses.empty()) {
    node_addresses = std::move(published);
  }
  access.node_addresses = std::move(node_addresses);
  return access;
}

std::vector<std::string> PublishedAddresses(const GatewayAccess& access) {
  if (access.gateway.empty()) return {};
  if (access.type == "LoadBalancer") {
    if (access.lb_address.empty()) return {};
    return {access.lb_address};
  }
  return access.node_addresses;
}

Json GatewayStatusJson(const GatewayAccess& access) {
  Json ports = Json::array();
  const struct {
    const char* name;
    int32_t port;
    int32_t node_port;
  } entries[] = {{"http", access.lb_ports.http, access.node_ports.http},
                 {"https", access.lb_ports.https, access.node_ports.https}};
  for (const auto& e : entries) {
    Json p = {{"name", e.name}, {"port", e.port}, {"protocol", "TCP"}};
    if (e.node_port != 0) p["nodePort"] = e.node_port;
    ports.push_back(std::move(p));
  }
  return Json{{"service", {{"ports", std::move(ports)}}},
              {"loadBalancer", LoadBalancerJson(PublishedAddresses(access))}};
}

Json IngressStatusJson(const GatewayAccess& access) {
  return Json{{"loadBalancer", LoadBalancerJson(PublishedAddresses(access))}};
}

}  // namespace waygate::gateways
