// `waygate routes` and `waygate hosts`: the access table of every route (KubeSphere's Hostname |
// Paths | Access Method | Port/EIP | Node IP, plus the URLs to open) and /etc/hosts lines, read
// from the API like kubectl: Ingresses plus the Gateways that serve them. Everything needed is
// in the stored objects (node ports in the Gateway spec, addresses in its status), so this is
// a plain client of the public API.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "flags.h"
#include "gateways/access_table.h"
#include "gateways/placement.h"
#include "gateways/status.h"
#include "kubeclient/api_client.h"
#include "kubeclient/config.h"
#include "model/decode_json.h"
#include "model/objects.h"
#include "pki/kubeconfig.h"
#include "pki/pki.h"
#include "serve_state.h"

namespace waygate::cmd {
namespace {

int Fail(const char* command, const std::string& message) {
  fprintf(stderr, "waygate %s: %s\n", command, message.c_str());
  return 1;
}

// kubectl's short flags, as people type them.
std::vector<std::string> Expand(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    if (arg == "-n") {
      out.push_back("--namespace");
    } else if (arg == "-A") {
      out.push_back("--all-namespaces");
    } else if (arg == "-o") {
      out.push_back("--output");
    } else {
      out.push_back(arg);
    }
  }
  return out;
}

// --kubeconfig FILE, else --data-dir DIR of a local `waygate serve` (admin token and CA from
// there), else $KUBECONFIG, else ~/.kube/config: the order kubectl users expect.
Result<kubeclient::Config> ClientConfig(const Flags& f) {
  if (f.Has("kubeconfig")) return kubeclient::LoadKubeconfig(f.Get("kubeconfig"));
  if (f.Has("data-dir")) {
    std::string dir = f.Get("data-dir");
    auto pki = pki::LoadPki(dir);
    if (!pki.ok()) return pki.error();
    auto state = ReadServeState(dir);
    if (!state.ok()) return state.error();
    pki::KubeconfigParams params;
    params.server = state->server_url;
    params.ca_cert_pem = pki->ca_cert_pem;
    params.token = pki->admin_token;
    return kubeclient::ParseKubeconfig(pki::RenderKubeconfig(params), dir + "/kubeconfig");
  }
  if (const char* env = getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    return kubeclient::LoadKubeconfig(env);
  }
  const char* home = getenv("HOME");
  return kubeclient::LoadKubeconfig(std::string(home != nullptr ? home : "") + "/.kube/config");
}

template <class T>
std::vector<T> Decode(const std::vector<nlohmann::json>& items,
                      std::vector<T> model::ClusterState::*field) {
  std::vector<T> out;
  for (const auto& item : items) {
    model::ClusterState state;
    std::vector<model::Diagnostic> diagnostics;
    model::DecodeObject(item, model::Origin{"api", -1, -1}, state, diagnostics);
    for (auto& object : state.*field) out.push_back(std::move(object));
  }
  return out;
}

int RunAccess(const char* command, const std::vector<std::string>& args, bool hosts) {
  auto flags = Flags::Parse(Expand(args),
                            {"namespace", "kubeconfig", "data-dir", "output", "all-namespaces"},
                            {"all-namespaces"});
  if (!flags.ok()) return Fail(command, flags.error().message);
  const Flags& f = *flags;
  std::string output = f.Get("output", "table");
  if (output != "table" && output != "json") return Fail(command, "--output must be table or json");
  auto config = ClientConfig(f);
  if (!config.ok()) return Fail(command, config.error().ToString());
  auto cluster = kubeclient::Cluster::Create(*config);
  if (!cluster.ok()) return Fail(command, cluster.error().ToString());
  kubeclient::Client client(*cluster);

  std::string ns = f.Has("all-namespaces") ? "" : f.Get("namespace", config->default_namespace);
  std::string path = ns.empty() ? "/apis/networking.k8s.io/v1/ingresses"
                                : "/apis/networking.k8s.io/v1/namespaces/" + ns + "/ingresses";
  auto ingresses = client.List(path);
  if (!ingresses.ok()) return Fail(command, ingresses.error().ToString());
  auto gateway_list = client.List("/apis/gateway.kubesphere.io/v1alpha1/namespaces/" +
                                  std::string(model::kGatewayNamespace) + "/gateways");
  // A cluster without the Gateway CRD (a real kube) has no gateways: rows say so.
  std::vector<model::Gateway> gateways;
  if (gateway_list.ok()) {
    gateways = Decode(gateway_list->items, &model::ClusterState::gateways);
  } else if (gateway_list.error().code != ErrorCode::kNotFound) {
    return Fail(command, gateway_list.error().ToString());
  }

  std::vector<gateways::AccessRow> rows;
  for (const model::Ingress& ingress :
       Decode(ingresses->items, &model::ClusterState::ingresses)) {
    const model::Gateway* serving =
        gateways::GatewayForNamespace(ingress.meta.namespace_, gateways);
    gateways::GatewayAccess access =
        serving != nullptr ? gateways::AccessFromGateway(*serving) : gateways::GatewayAccess{};
    for (auto& row : gateways::AccessTable(ingress, access)) rows.push_back(std::move(row));
  }
  if (hosts) {
    fputs(gateways::HostsLines(rows).c_str(), stdout);
    return 0;
  }
  if (output == "json") {
    printf("%s\n", gateways::ToJson(rows).dump(2).c_str());
    return 0;
  }
  if (rows.empty()) {
    fprintf(stderr, "No routes found%s.\n", ns.empty() ? "" : (" in " + ns + " namespace").c_str());
    return 0;
  }
  gateways::TableOptions table;
  table.namespace_column = ns.empty();
  fputs(gateways::RenderTable(rows, table).c_str(), stdout);
  return 0;
}

}  // namespace

int RunRoutes(const std::vector<std::string>& args) { return RunAccess("routes", args, false); }
int RunHosts(const std::vector<std::string>& args) { return RunAccess("hosts", args, true); }

}  // namespace waygate::cmd
