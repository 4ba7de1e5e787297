// Where a Gateway may live and what it serves, as KubeSphere 3.x enforces it
// (pkg/models/gateway/gateway.go, see README.md): namespace kubesphere-controls-system, name
// kubesphere-router-<project>, a project gateway serves exactly its project, the cluster gateway
// kubesphere-router-kubesphere-system serves every project and shuts out new project gateways.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/field_path.h"
#include "model/objects.h"

namespace waygate::gateways {

enum class Operation { kCreate, kUpdate };

// "demo" for "kubesphere-router-demo", "kubesphere-system" for the cluster gateway, "" when the
// name does not start with kubesphere-router- or has nothing after it.
std::string_view ProjectOf(std::string_view gateway_name);
bool IsClusterGateway(const model::Gateway& gateway);

// The one namespace a gateway serves, or nullopt for every namespace (the cluster gateway).
// Follows the name, as the server forces the scope to it (WithForcedScope).
std::optional<std::string> ServedNamespace(const model::Gateway& gateway);

// Name, namespace and scope rules, on create and update; on create also refuses a project
// gateway while the cluster gateway exists. Errors carry Kubernetes field paths (422).
model::ErrorList CheckPlacement(const model::Gateway& gateway, Operation op,
                                bool cluster_gateway_exists);

// Things worth telling the client (kube `Warning:` headers) for an accepted request: creating
// the cluster gateway while project gateways exist. `project_gateways`: their names.
std::vector<std::string> PlacementWarnings(const model::Gateway& gateway, Operation op,
                                           const std::vector<std::string>& project_gateways);

// The request body with spec.controller.scope forced to {enabled: true, namespace: <project>}
// for a project gateway (KubeSphere's overrideDefaultValue); other objects come back unchanged.
// Call after CheckPlacement accepted the object.
nlohmann::json WithForcedScope(nlohmann::json gateway);

// The Gateway that serves Ingresses of namespace `ns`: the cluster gateway when it exists, else
// kubesphere-router-<ns>, else nullptr. `gateways`: any range of model::Gateway (a vector, a
// model::RefList); objects outside kubesphere-controls-system are ignored.
template <class Gateways>
const model::Gateway* GatewayForNamespace(std::string_view ns, const Gateways& gateways) {
  const model::Gateway* project = nullptr;
  for (const model::Gateway& g : gateways) {
    if (g.meta.namespace_ != model::kGatewayNamespace) continue;
    if (g.meta.name == model::kClusterGatewayName) return &g;
    if (project == nullptr && ProjectOf(g.meta.name) == ns) project = &g;
  }
  return project;
}

}  // namespace waygate::gateways
