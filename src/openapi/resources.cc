#include "openapi/resources.h"

#include <array>

namespace waygate::openapi {
namespace {

constexpr std::array<Resource, 16> kResources = {{
    {"", "v1", "namespaces", "Namespace", "core.v1.Namespace", false, true, true},
    {"", "v1", "services", "Service", "core.v1.Service", true, true, true},
    {"", "v1", "endpoints", "Endpoints", "core.v1.Endpoints", true, false, true},
    {"", "v1", "secrets", "Secret", "core.v1.Secret", true, false, true},
    {"", "v1", "configmaps", "ConfigMap", "core.v1.ConfigMap", true, false, true},
    {"", "v1", "nodes", "Node", "core.v1.Node", false, true, true},
    {"", "v1", "events", "Event", "core.v1.Event", true, false, true},
    {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", "discovery.v1.EndpointSlice",
     true, false, true},
    {"networking.k8s.io", "v1", "ingresses", "Ingress", "networking.v1.Ingress", true, true, true},
    {"networking.k8s.io", "v1", "ingressclasses", "IngressClass", "networking.v1.IngressClass",
     false, false, true},
    {"rbac.authorization.k8s.io", "v1", "roles", "Role", "rbac.v1.Role", true, false, true},
    {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "rbac.v1.ClusterRole", false,
     false, true},
    {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "rbac.v1.RoleBinding", true,
     false, true},
    {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding",
     "rbac.v1.ClusterRoleBinding", false, false, true},
    {"gateway.kubesphere.io", "v1alpha1", "gateways", "Gateway", "gateway.v1alpha1.Gateway", true,
     true, false},
    {"iam.kubesphere.io", "v1alpha2", "users", "User", "iam.v1alpha2.User", false, false, false},
}};

}  // namespace

std::span<const Resource> Resources() { return kResources; }

std::string GroupVersionPath(const Resource& r) {
  if (r.group.empty()) return "api/" + std::string(r.version);
  return "apis/" + std::string(r.group) + "/" + std::string(r.version);
}

}  // namespace waygate::openapi
