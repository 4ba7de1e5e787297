#include "gateways/access_table.h"

#include <algorithm>
#include <set>

namespace waygate::gateways {
namespace {

using Json = nlohmann::json;

bool IsWildcard(const std::string& host) { return host.starts_with("*."); }

// spec.tls hosts name the rule host exactly, or as a wildcard covering one label.
bool HostHasTls(const model::Ingress& ingress, const std::string& host) {
  if (host.empty()) return false;
  for (const model::IngressTLS& tls : ingress.tls) {
    for (const std::string& h : tls.hosts) {
      if (h == host) return true;
      if (IsWildcard(h) && !IsWildcard(host)) {
        size_t dot = host.find('.');
        if (dot != std::string::npos && host.compare(dot, std::string::npos, h, 1) == 0) {
          return true;
        }
      }
    }
  }
  return false;
}

std::string UrlHost(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Fills access columns, URLs and note of `row` (hostname, paths and tls already set).
void Complete(AccessRow& row, const GatewayAccess& access) {
  if (access.gateway.empty()) {
    row.note = "no gateway serves namespace " + row.namespace_ + ": enable Internet Access " +
               "(Gateway kubesphere-router-" + row.namespace_ + ") or the cluster gateway";
    return;
  }
  row.access_method = access.type;
  row.port_or_eip = PortOrEip(access);
  row.node_ips = access.node_addresses;
  const bool lb = access.type == "LoadBalancer";
  std::string authority;  // "host:port" or "host"
  const bool any_host = row.hostname == "*";
  std::string host = row.hostname;
  if (lb) {
    row.eip = access.lb_address;
    if (row.eip.empty()) {
      row.note = "waiting for a load balancer address";
      if (!access.pending.empty()) row.note += ": " + access.pending;
      return;
    }
    if (any_host) host = UrlHost(row.eip);
    const int32_t port = row.tls ? access.lb_ports.https : access.lb_ports.http;
    authority = host;
    if (port != (row.tls ? 443 : 80)) authority += ":" + std::to_string(port);
  } else {
    row.node_ports = access.node_ports;
    const int32_t port = row.tls ? access.node_ports.https : access.node_ports.http;
    if (port == 0) {
      row.note = "node ports are not allocated yet";
      return;
    }
    if (any_host) {
      if (access.node_addresses.empty()) {
        row.note = "no Ready gateway node has an address";
        return;
      }
      host = UrlHost(access.node_addresses.front());
    }
    authority = host + ":" + std::to_string(port);
  }
  if (IsWildcard(row.hostname)) {
    row.note = "wildcard host: open any name under " + row.hostname.substr(2);
    return;
  }
  const std::string scheme = row.tls ? "https://" : "http://";
  for (const std::string& path : row.paths) {
    row.urls.push_back(scheme + authority + (path.starts_with('/') ? path : "/" + path));
  }
}

}  // namespace

std::string PortOrEip(const GatewayAccess& access) {
  if (access.gateway.empty()) return {};
  if (access.type == "LoadBalancer") {
    if (access.lb_address.empty()) return "<pending>";
    std::string out = access.lb_address;
    if (access.lb_ports.http != 80 || access.lb_ports.https != 443) {
      out += " (http: " + std::to_string(access.lb_ports.http) +
             ", https: " + std::to_string(access.lb_ports.https) + ")";
    }
    return out;
  }
  std::vector<std::string> parts;
  if (access.node_ports.http != 0)
    parts.push_back("http: " + std::to_string(access.node_ports.http));
  if (access.node_ports.https != 0) {
    parts.push_back("https: " + std::to_string(access.node_ports.https));
  }
  return Join(parts, ", ");
}

std::vector<AccessRow> AccessTable(const model::Ingress& ingress, const GatewayAccess& access) {
  std::vector<AccessRow> rows;
  auto row_for = [&](const std::string& hostname) -> AccessRow& {
    for (AccessRow& r : rows) {
      if (r.hostname == hostname) return r;
    }
    AccessRow& r = rows.emplace_back();
    r.namespace_ = ingress.meta.namespace_;
    r.ingress = ingress.meta.name;
    r.hostname = hostname;
    return r;
  };
  for (const model::IngressRule& rule : ingress.rules) {
    AccessRow& row = row_for(rule.host.empty() ? "*" : rule.host);
    row.tls = HostHasTls(ingress, rule.host);
    std::vector<std::string> paths;
    for (const model::HTTPIngressPath& p : rule.paths)
      paths.push_back(p.path.empty() ? "/" : p.path);
    if (paths.empty()) paths.push_back("/");  // a host without paths goes to the default backend
    for (std::string& p : paths) {
      if (std::find(row.paths.begin(), row.paths.end(), p) == row.paths.end()) {
        row.paths.push_back(std::move(p));
      }
    }
  }
  if (rows.empty() && ingress.default_backend.has_value()) row_for("*").paths.push_back("/");
  for (AccessRow& row : rows) Complete(row, access);
  return rows;
}

Json ToJson(const std::vector<AccessRow>& rows) {
  Json out = Json::array();
  for (const AccessRow& r : rows) {
    Json j = {
        {"namespace", r.namespace_},  {"ingress", r.ingress},  {"hostname", r.hostname},
        {"paths", r.paths},           {"tls", r.tls},          {"accessMethod", r.access_method},
        {"portOrEIP", r.port_or_eip}, {"nodeIPs", r.node_ips}, {"urls", r.urls}};
    if (r.access_method == "NodePort") {
      j["nodePorts"] = {{"http", r.node_ports.http}, {"https", r.node_ports.https}};
    } else if (r.access_method == "LoadBalancer") {
      j["eip"] = r.eip;
    }
    if (!r.note.empty()) j["note"] = r.note;
    out.push_back(std::move(j));
  }
  return out;
}

std::string RenderTable(const std::vector<AccessRow>& rows, const TableOptions& options) {
  if (rows.empty()) return {};
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header;
  if (options.namespace_column) header.push_back("NAMESPACE");
  for (const char* h : {"ROUTE", "HOSTNAME", "PATHS", "ACCESS METHOD", "PORT/EIP", "NODE IP"}) {
    header.push_back(h);
  }
  if (options.urls) header.push_back("URL");
  table.push_back(header);
  auto cell = [](std::string s) { return s.empty() ? std::string("<none>") : s; };
  std::vector<std::string> notes;
  for (const AccessRow& r : rows) {
    std::vector<std::string> line;
    if (options.namespace_column) line.push_back(r.namespace_);
    line.push_back(r.ingress);
    line.push_back(r.hostname);
    line.push_back(cell(Join(r.paths, ",")));
    line.push_back(cell(r.access_method));
    line.push_back(cell(r.port_or_eip));
    line.push_back(cell(Join(r.node_ips, ",")));
    if (options.urls) line.push_back(cell(Join(r.urls, " ")));
    table.push_back(std::move(line));
    if (!r.note.empty()) {
      std::string note = r.namespace_ + "/" + r.ingress + " " + r.hostname + ": " + r.note;
      if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    }
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& line : table) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : table) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text.append(widths[i] - line[i].size() + 3, ' ');
    }
    out += text + "\n";
  }
  for (const std::string& n : notes) out += "note: " + n + "\n";
  return out;
}

std::string HostsLines(const std::vector<AccessRow>& rows) {
  std::vector<std::pair<std::string, std::vector<std::string>>> by_address;
  std::vector<std::string> comments;
  std::set<std::string> placed;
  for (const AccessRow& r : rows) {
    if (r.hostname == "*") continue;  // no name to resolve
    if (IsWildcard(r.hostname)) {
      comments.push_back("# " + r.hostname + " (" + r.namespace_ + "/" + r.ingress +
                         "): /etc/hosts cannot hold wildcard names; use waygate serve "
                         "--dns-listen or a nip.io name");
      continue;
    }
    std::string address;
    if (r.access_method == "LoadBalancer") {
      address = r.eip;
    } else if (r.access_method == "NodePort" && !r.node_ips.empty()) {
      address = r.node_ips.front();
    }
    if (address.empty()) {
      comments.push_back("# " + r.hostname + " (" + r.namespace_ + "/" + r.ingress +
                         "): no gateway address" + (r.note.empty() ? "" : ": " + r.note));
      continue;
    }
    if (!placed.insert(r.hostname).second) continue;  // /etc/hosts answers the first line only
    auto it = std::find_if(by_address.begin(), by_address.end(),
                           [&](const auto& e) { return e.first == address; });
    if (it == by_address.end()) {
      by_address.emplace_back(address, std::vector<std::string>{});
      it = std::prev(by_address.end());
    }
    it->second.push_back(r.hostname);
  }
  std::string out;
  for (const auto& [address, hosts] : by_address) out += address + "\t" + Join(hosts, " ") + "\n";
  for (const std::string& c : comments) out += c + "\n";
  return out;
}

}  // namespace waygate::gateways
