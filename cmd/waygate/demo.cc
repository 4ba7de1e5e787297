#include "demo.h"

#include <arpa/inet.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/log.h"
#include "gateways/access_table.h"
#include "gateways/placement.h"
#include "gateways/status.h"
#include "kubeclient/api_client.h"
#include "kubeclient/rest_client.h"
#include "model/decode_json.h"
#include "model/objects.h"
#include "net/address.h"

namespace waygate::cmd {
namespace {

using Json = nlohmann::json;
using kubeclient::RestClient;

// The seed's names: a KubeSphere project (namespace), its route and its backend Service.
constexpr const char* kProject = "demo";
constexpr const char* kWorkspace = "demo-workspace";
constexpr const char* kService = "demo-echo";
constexpr const char* kRoute = "demo-route";
constexpr const char* kSeedHost = "demo.kubesphere.io";
constexpr const char* kEchoNames[] = {"demo-echo-1", "demo-echo-2"};

std::string GatewaysPath() {
  return std::string("/apis/gateway.kubesphere.io/v1alpha1/namespaces/") +
         model::kGatewayNamespace + "/gateways";
}
std::string ProjectPath() { return std::string("/api/v1/namespaces/") + kProject; }
std::string IngressesPath() {
  return std::string("/apis/networking.k8s.io/v1/namespaces/") + kProject + "/ingresses";
}

bool IsIpv4(const std::string& ip) {
  in_addr unused;
  return inet_pton(AF_INET, ip.c_str(), &unused) == 1;
}

// The address clients reach node ports on, as the gateway status will publish it (ExternalIPs
// first, like NodeAddresses): nip.io names embed an IPv4 address, so the first IPv4 one.
std::string NipAddress(const DemoOptions& options) {
  for (const auto* ips : {&options.external_ips, &options.node_ips}) {
    for (const std::string& ip : *ips) {
      if (IsIpv4(ip)) return ip;
    }
  }
  return "";  // IPv6 only: no nip.io rule
}

Json NamespaceObject() {
  // KubeSphere groups projects into workspaces by this label.
  return {
      {"apiVersion", "v1"},
      {"kind", "Namespace"},
      {"metadata", {{"name", kProject}, {"labels", {{"kubesphere.io/workspace", kWorkspace}}}}}};
}

Json ServiceObject() {
  // No selector: the backends are listed by hand in Endpoints, as for any out-of-cluster
  // backend. The two echo ports differ, so the target port goes by name: each Endpoints port
  // named "http" carries its own number (a number here could only name one of them).
  return {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", kService}, {"namespace", kProject}, {"labels", {{"app", kService}}}}},
      {"spec",
       {{"ports",
         {{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}}}}}};
}

Json EndpointSubsets(const std::vector<std::unique_ptr<echo::Server>>& echoes) {
  Json subsets = Json::array();
  for (const auto& e : echoes) {
    std::string text = e->address().ToString();
    subsets.push_back(
        {{"addresses", {{{"ip", text.substr(0, text.rfind(':'))}}}},
         {"ports", {{{"name", "http"}, {"port", e->address().port()}, {"protocol", "TCP"}}}}});
  }
  return subsets;
}

Json EndpointsObject(Json subsets) {
  return {
      {"apiVersion", "v1"},
      {"kind", "Endpoints"},
      {"metadata", {{"name", kService}, {"namespace", kProject}, {"labels", {{"app", kService}}}}},
      {"subsets", std::move(subsets)}};
}

Json GatewayObject() {
  // The node ports are left to the server (admission allocates them into spec.service.ports).
  return {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
          {"kind", "Gateway"},
          {"metadata",
           {{"name", std::string(model::kGatewayNamePrefix) + kProject},
            {"namespace", model::kGatewayNamespace}}},
          {"spec", {{"service", {{"type", "NodePort"}}}, {"deployment", {{"replicas", 1}}}}}};
}

Json IngressRule(const std::string& host) {
  Json backend = {{"service", {{"name", kService}, {"port", {{"number", 80}}}}}};
  return {{"host", host},
          {"http", {{"paths", {{{"path", "/"}, {"pathType", "Prefix"}, {"backend", backend}}}}}}};
}

Json IngressObject(const std::string& ingress_class, const std::string& nip_address) {
  Json rules = Json::array({IngressRule(kSeedHost)});
  if (!nip_address.empty()) rules.push_back(IngressRule("demo." + nip_address + ".nip.io"));
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata",
           {{"name", kRoute},
            {"namespace", kProject},
            {"labels", {{"app", kService}}},
            {"annotations",
             {{"kubesphere.io/alias-name", "Demo route"},
              {"kubesphere.io/description",
               "The Routes guide's example: demo.kubesphere.io and a nip.io name to the echo "
               "backends, served by the project gateway"}}}}},
          {"spec", {{"ingressClassName", ingress_class}, {"rules", std::move(rules)}}}};
}

std::string Describe(const Json& object) {
  std::string name = object["metadata"]["name"];
  if (object["metadata"].contains("namespace")) {
    name = object["metadata"]["namespace"].get<std::string>() + "/" + name;
  }
  return object["kind"].get<std::string>() + " " + name;
}

// Creates `object` in `collection` unless it exists; an existing one is left as it is (the user
// may have edited it). A GET first, so that admission never runs for an object that is there.
Status Ensure(RestClient& api, const std::string& collection, const Json& object) {
  auto existing = api.Get(collection + "/" + object["metadata"]["name"].get<std::string>());
  if (existing.ok()) {
    log::Info("demo: kept " + Describe(object) + " as it is");
    return OkStatus();
  }
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  auto created = api.Create(collection, object);
  if (!created.ok() && created.error().code != ErrorCode::kConflict) return created.error();
  log::Info("demo: created " + Describe(object));
  return OkStatus();
}

// The Endpoints must name this run's echo ports: created, or their subsets replaced (nothing
// else is touched); a write that lost a race with another writer is retried on fresh state.
Status EnsureEndpoints(RestClient& api, const Json& subsets) {
  const std::string collection = ProjectPath() + "/endpoints";
  const std::string path = collection + "/" + kService;
  for (int attempt = 0;; ++attempt) {
    auto existing = api.Get(path);
    Result<Json> written = Json();
    if (existing.ok()) {
      if (existing->value("subsets", Json()) == subsets) return OkStatus();
      (*existing)["subsets"] = subsets;
      written = api.Replace(path, *existing);
    } else if (existing.error().code == ErrorCode::kNotFound) {
      written = api.Create(collection, EndpointsObject(subsets));
    } else {
      return existing.error();
    }
    if (written.ok()) {
      log::Info(std::string("demo: Endpoints ") + kProject + "/" + kService + " " +
                (existing.ok() ? "now list" : "created with") + " this run's echo backends");
      return OkStatus();
    }
    if (written.error().code != ErrorCode::kConflict || attempt == 3) return written.error();
  }
}

// The project gateway, unless the cluster gateway exists: it serves every project and the
// server refuses new project gateways beside it (KubeSphere's rule).
Status EnsureGateway(RestClient& api) {
  const Json gateway = GatewayObject();
  auto existing = api.Get(GatewaysPath() + "/" + gateway["metadata"]["name"].get<std::string>());
  if (!existing.ok() && existing.error().code == ErrorCode::kNotFound) {
    auto cluster = api.Get(GatewaysPath() + "/" + model::kClusterGatewayName);
    if (cluster.ok()) {
      log::Info(std::string("demo: the cluster gateway ") + model::kClusterGatewayName +
                " serves project " + kProject + "; no project gateway created");
      return OkStatus();
    }
    if (cluster.error().code != ErrorCode::kNotFound) return cluster.error();
  }
  return Ensure(api, GatewaysPath(), gateway);
}

// The access table of project `demo` as `waygate routes -n demo` computes it.
struct AccessView {
  std::vector<gateways::AccessRow> rows;
  bool ready = false;  // the serving gateway has its ports and an address
};

Result<AccessView> ReadAccess(RestClient& api) {
  auto ingresses = api.Get(IngressesPath());
  if (!ingresses.ok()) return ingresses.error();
  auto gateway_list = api.Get(GatewaysPath());
  if (!gateway_list.ok()) return gateway_list.error();
  model::ClusterState state;
  std::vector<model::Diagnostic> diagnostics;  // an object we cannot read just has no row
  model::DecodeObject(*ingresses, model::Origin{"api", -1, -1}, state, diagnostics);
  model::DecodeObject(*gateway_list, model::Origin{"api", -1, -1}, state, diagnostics);
  AccessView view;
  const model::Gateway* serving = gateways::GatewayForNamespace(kProject, state.gateways);
  gateways::GatewayAccess access;
  if (serving != nullptr) {
    access = gateways::AccessFromGateway(*serving);
    view.ready = access.type == "LoadBalancer"
                     ? !access.lb_address.empty()
                     : access.node_ports.http != 0 && !access.node_addresses.empty();
  }
  for (const model::Ingress& ingress : state.ingresses) {
    for (auto& row : gateways::AccessTable(ingress, access)) view.rows.push_back(std::move(row));
  }
  return view;
}

Result<AccessView> WaitForAccess(RestClient& api, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto view = ReadAccess(api);
    if (!view.ok() || view->ready || std::chrono::steady_clock::now() >= deadline) return view;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool IsNipHost(const std::string& host) {
  return host.ends_with(".nip.io") || host.ends_with(".sslip.io");
}

// "host:port" of a URL ("http://h:31921/" -> h, 31921; "http://h/" -> h, 80).
std::pair<std::string, std::string> Authority(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string authority = url.substr(start, url.find('/', start) - start);
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || authority.back() == ']') {
    return {authority, url.starts_with("https") ? "443" : "80"};
  }
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

// "dig @ADDR -p PORT" for the bound DNS address (a wildcard bind answers on loopback).
std::string DigPrefix(const std::string& dns_address) {
  auto [host, port] = Authority("dns://" + dns_address + "/");
  if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return "dig @" + host + " -p " + port;
}

void Print(const DemoOptions& options, const AccessView& view,
           const std::vector<std::unique_ptr<echo::Server>>& echoes) {
  FILE* out = options.out;
  std::string backends;
  for (const auto& e : echoes) backends += " " + e->address().ToString();
  fprintf(out, "\nwaygate demo: project %s, route %s, Service %s ->%s\n\n", kProject, kRoute,
          kService, backends.c_str());
  if (view.rows.empty()) {
    fprintf(out, "No routes found in %s namespace.\n", kProject);
  } else {
    fputs(gateways::RenderTable(view.rows).c_str(), out);
  }
  if (!view.ready) {
    fprintf(out,
            "\n(the gateway has no node ports or address yet; `waygate routes -n %s` shows "
            "them once it does)\n",
            kProject);
  }

  std::vector<gateways::AccessRow> named;  // the demo route's hosts that /etc/hosts can hold
  for (const auto& row : view.rows) {
    if (row.ingress == kRoute && !IsNipHost(row.hostname)) named.push_back(row);
  }
  for (const auto& row : named) {
    if (row.urls.empty()) continue;
    const std::string& address =
        row.access_method == "LoadBalancer" ? row.eip : row.node_ips.front();
    auto [host, port] = Authority(row.urls.front());
    fprintf(out, "\n# %s: add this line to /etc/hosts, then open %s\n", row.hostname.c_str(),
            row.urls.front().c_str());
    fputs(gateways::HostsLines({row}).c_str(), out);
    fprintf(out, "# or let curl resolve it:\ncurl --resolve %s:%s:%s %s\n", host.c_str(),
            port.c_str(), address.c_str(), row.urls.front().c_str());
  }
  for (const auto& row : view.rows) {
    if (row.ingress != kRoute || !IsNipHost(row.hostname) || row.urls.empty()) continue;
    fprintf(out, "\n# %s resolves to the address inside it (nip.io, or this server's DNS):\n",
            row.hostname.c_str());
    fprintf(out, "curl %s\n", row.urls.front().c_str());
    if (!options.dns_address.empty()) {
      fprintf(out, "%s %s\n", DigPrefix(options.dns_address).c_str(), row.hostname.c_str());
    }
  }
  if (!options.data_dir.empty()) {
    // Absolute paths: the lines work from any directory and without waygate on PATH.
    std::error_code ec;
    std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) self = "waygate";
    std::string dir = std::filesystem::absolute(options.data_dir, ec).lexically_normal().string();
    if (ec) dir = options.data_dir;
    // The console is served by the API server itself; its CA is the server's own.
    fprintf(out,
            "\n# the web console (sign in as admin; the password is in %s/admin-password; the "
            "certificate is signed by %s/pki/ca.crt):\n"
            "https://%s/\n",
            dir.c_str(), dir.c_str(), options.client.server.HostHeader().c_str());
    fprintf(out,
            "\n# the API, with kubectl (edits are served at once):\n"
            "%s kubeconfig --data-dir %s > %s/kubeconfig\n"
            "export KUBECONFIG=%s/kubeconfig\n"
            "kubectl get ns,svc,endpoints,ingress -n %s\n"
            "kubectl get gateways.gateway.kubesphere.io -n %s\n"
            "%s routes -n %s\n",
            self.c_str(), dir.c_str(), dir.c_str(), dir.c_str(), kProject, model::kGatewayNamespace,
            self.c_str(), kProject);
  }
  fputs("\n", out);
  fflush(out);
}

}  // namespace

Demo::~Demo() = default;

Result<std::unique_ptr<Demo>> Demo::Start(const DemoOptions& options) {
  std::unique_ptr<Demo> demo(new Demo());
  auto loopback = net::ParseAddress("127.0.0.1:0");
  if (!loopback.ok()) return loopback.error();
  for (const char* name : kEchoNames) {
    auto server = echo::Server::Start(*loopback, name);
    if (!server.ok())
      return MakeError(server.error().code,
                       "echo backend " + std::string(name) + ": " + server.error().ToString());
    demo->echoes_.push_back(std::move(*server));
  }

  auto cluster = kubeclient::Cluster::Create(options.client);
  if (!cluster.ok()) return cluster.error();
  RestClient api(*cluster);
  if (Status s = Ensure(api, "/api/v1/namespaces", NamespaceObject()); !s.ok()) return s.error();
  if (Status s = Ensure(api, ProjectPath() + "/services", ServiceObject()); !s.ok())
    return s.error();
  if (Status s = EnsureEndpoints(api, EndpointSubsets(demo->echoes_)); !s.ok()) return s.error();
  if (Status s = EnsureGateway(api); !s.ok()) return s.error();
  const Json ingress = IngressObject(options.ingress_class, NipAddress(options));
  if (Status s = Ensure(api, IngressesPath(), ingress); !s.ok()) return s.error();

  auto view = WaitForAccess(api, options.status_wait);
  if (!view.ok()) return view.error();
  if (!view->ready) {
    log::Warn("demo: the gateway serving project demo has no node ports or address after " +
              std::to_string(options.status_wait.count()) + "ms");
  }
  Print(options, *view, demo->echoes_);
  return demo;
}

}  // namespace waygate::cmd
