// The access table of KubeSphere's Routes page (Hostname | Paths | Access Method | Port/EIP |
// Node IP), one row per host of an Ingress, plus the URLs to open; rendered as JSON (console
// subresource), as a plain-text table (`waygate routes`) and as /etc/hosts lines
// (`waygate hosts`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateways/status.h"
#include "model/objects.h"

namespace waygate::gateways {

struct AccessRow {
  std::string namespace_;  // the Ingress's
  std::string ingress;     // the Ingress's name
  std::string hostname;    // "*" for a rule without host
  std::vector<std::string> paths;
  bool tls = false;           // the host is listed in spec.tls: URLs are https
  std::string access_method;  // "NodePort" | "LoadBalancer" | "" (no gateway serves)
  std::string port_or_eip;    // "http: 31921, https: 32107" | "139.198.121.154" | ""
  NodePorts node_ports;       // NodePort only
  std::string eip;            // LoadBalancer only; empty while Pending
  std::vector<std::string> node_ips;
  std::vector<std::string> urls;  // one per path; none when nothing can be opened
  std::string note;               // why there are no URLs (no gateway, pending, wildcard host)
};

// One row per distinct host, in rule order (rules repeating a host add their paths to its row);
// an Ingress with only a default backend gets a "*" row for "/". `access` is the gateway that
// serves the Ingress's namespace (GatewayForNamespace + AccessFromGateway), or a default
// GatewayAccess when none does.
std::vector<AccessRow> AccessTable(const model::Ingress& ingress, const GatewayAccess& access);

// The Port/EIP cell for a gateway: "http: 31921, https: 32107", "139.198.121.154" (with
// " (http: 8080, https: 8443)" when the LB ports are not 80/443), "<pending>", or "".
std::string PortOrEip(const GatewayAccess& access);

// [{namespace, ingress, hostname, paths, tls, accessMethod, portOrEIP, nodePorts: {http, https}
// (NodePort), eip (LoadBalancer), nodeIPs, urls, note (when set)}].
nlohmann::json ToJson(const std::vector<AccessRow>& rows);

struct TableOptions {
  bool namespace_column = false;  // for listings across namespaces
  bool urls = true;
};
// Aligned columns as kubectl prints them: [NAMESPACE] ROUTE HOSTNAME PATHS ACCESS METHOD PORT/EIP
// NODE IP [URL]; empty cells read <none>; notes follow the table. "" for no rows.
std::string RenderTable(const std::vector<AccessRow>& rows, const TableOptions& options = {});

// /etc/hosts lines: one line per address (the EIP, or the first node IP for NodePort) listing
// its host names; wildcard hosts and hosts without an address become comments.
std::string HostsLines(const std::vector<AccessRow>& rows);

}  // namespace waygate::gateways
