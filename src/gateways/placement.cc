#include "gateways/placement.h"

#include "model/names.h"

namespace waygate::gateways {
namespace {

using model::FieldPath;
using model::Quote;

const std::string kClusterGatewayKey =
    std::string(model::kGatewayNamespace) + "/" + model::kClusterGatewayName;

}  // namespace

std::string_view ProjectOf(std::string_view gateway_name) {
  const std::string_view prefix = model::kGatewayNamePrefix;
  if (!gateway_name.starts_with(prefix)) return {};
  return gateway_name.substr(prefix.size());
}

bool IsClusterGateway(const model::Gateway& gateway) {
  return gateway.meta.namespace_ == model::kGatewayNamespace &&
         gateway.meta.name == model::kClusterGatewayName;
}

std::optional<std::string> ServedNamespace(const model::Gateway& gateway) {
  if (IsClusterGateway(gateway)) return std::nullopt;
  return std::string(ProjectOf(gateway.meta.name));
}

model::ErrorList CheckPlacement(const model::Gateway& gateway, Operation op,
                                bool cluster_gateway_exists) {
  model::ErrorList errs;
  FieldPath metadata("metadata");
  FieldPath name_path = metadata.Child("name");
  const std::string& name = gateway.meta.name;
  if (gateway.meta.namespace_ != model::kGatewayNamespace) {
    errs.Invalid(metadata.Child("namespace"), gateway.meta.namespace_,
                 "gateways live in namespace kubesphere-controls-system (as in KubeSphere); "
                 "the project a gateway serves is named by its name, kubesphere-router-<project>");
  }
  const std::string_view project = ProjectOf(name);
  if (project.empty()) {
    errs.Invalid(name_path, name,
                 "must be kubesphere-router-<project> for the gateway of one project, or "
                 "kubesphere-router-kubesphere-system for the cluster gateway");
    return errs;
  }
  for (const std::string& m : model::IsDNS1123Label(project)) {
    errs.Invalid(name_path, name,
                 "the project " + Quote(project) + " is not a valid namespace name: " + m);
  }
  const bool cluster = name == model::kClusterGatewayName;
  FieldPath spec("spec");
  FieldPath controller = spec.Child("controller");
  FieldPath scope = controller.Child("scope");
  const model::GatewayScope& s = gateway.controller.scope;
  if (cluster) {
    if (s.enabled && !s.namespace_.empty()) {
      errs.Forbidden(scope.Child("namespace"),
                     "the cluster gateway serves every project; to serve only " +
                         Quote(s.namespace_) + ", create the project gateway kubesphere-router-" +
                         s.namespace_ + " instead");
    }
  } else if (!s.namespace_.empty() && s.namespace_ != project) {
    errs.Invalid(scope.Child("namespace"), s.namespace_,
                 "a project gateway serves exactly its own project " + Quote(project) +
                     "; leave the scope out (the server sets it) or set it to " + Quote(project));
  }
  if (!cluster && op == Operation::kCreate && cluster_gateway_exists) {
    errs.Forbidden(name_path,
                   "cannot create a project gateway while the cluster gateway " +
                       kClusterGatewayKey +
                       " exists: the cluster gateway already serves every project, so two "
                       "gateways would claim the same hosts; use the cluster gateway, or delete "
                       "it first");
  }
  return errs;
}

std::vector<std::string> PlacementWarnings(const model::Gateway& gateway, Operation op,
                                           const std::vector<std::string>& project_gateways) {
  std::vector<std::string> warnings;
  if (op != Operation::kCreate || !IsClusterGateway(gateway) || project_gateways.empty()) {
    return warnings;
  }
  std::string names;
  for (const std::string& n : project_gateways) {
    if (!names.empty()) names += ", ";
    names += n;
  }
  warnings.push_back("project gateways exist (" + names +
                     "): the cluster gateway now serves their projects too, and Ingress status "
                     "and the access table point at it; delete the project gateways to free "
                     "their node ports and addresses");
  return warnings;
}

nlohmann::json WithForcedScope(nlohmann::json gateway) {
  if (!gateway.is_object()) return gateway;
  auto meta = gateway.find("metadata");
  if (meta == gateway.end() || !meta->is_object()) return gateway;
  auto name = meta->find("name");
  if (name == meta->end() || !name->is_string()) return gateway;
  const std::string& n = name->get_ref<const std::string&>();
  std::string_view project = ProjectOf(n);
  if (project.empty() || n == model::kClusterGatewayName) return gateway;
  nlohmann::json& spec = gateway["spec"];
  if (spec.is_null()) spec = nlohmann::json::object();
  if (!spec.is_object()) return gateway;
  nlohmann::json& controller = spec["controller"];
  if (controller.is_null()) controller = nlohmann::json::object();
  if (!controller.is_object()) return gateway;
  controller["scope"] = {{"enabled", true}, {"namespace", std::string(project)}};
  return gateway;
}

}  // namespace waygate::gateways
