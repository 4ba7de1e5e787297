#include "api/resources.h"

#include <array>

namespace waygate::api {
namespace {

constexpr std::string_view kNs[] = {"ns"};
constexpr std::string_view kSvc[] = {"svc"};
constexpr std::string_view kEp[] = {"ep"};
constexpr std::string_view kCm[] = {"cm"};
constexpr std::string_view kNo[] = {"no"};
constexpr std::string_view kEv[] = {"ev"};
constexpr std::string_view kIng[] = {"ing"};
constexpr std::string_view kAll[] = {"all"};
// KubeSphere's User CRD (config/crds/iam.kubesphere.io_users.yaml) lists it in category iam;
// kube's RBAC kinds have neither short names nor categories.
constexpr std::string_view kIam[] = {"iam"};

// Order matters only for discovery output, which lists resources as kube does (alphabetical
// within a group version).
const std::array<ResourceInfo, 16> kResources = {{
    {"", "v1", "configmaps", "configmap", "ConfigMap", true, kCm, {}, false, false, false},
    {"", "v1", "endpoints", "endpoints", "Endpoints", true, kEp, {}, false, false, false},
    {"", "v1", "events", "event", "Event", true, kEv, {}, false, false, false},
    {"", "v1", "namespaces", "namespace", "Namespace", false, kNs, {}, true, false, false},
    {"", "v1", "nodes", "node", "Node", false, kNo, {}, true, false, false},
    {"", "v1", "secrets", "secret", "Secret", true, {}, {}, false, false, false},
    {"", "v1", "services", "service", "Service", true, kSvc, kAll, true, false, false},
    {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, {},
     false, true, false},
    {"networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", false, {}, {},
     false, true, false},
    {"networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, kIng, {}, true, true,
     false, true},
    {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
     "ClusterRoleBinding", false, {}, {}, false, false, false},
    {"rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, {},
     {}, false, false, false},
    {"rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, {},
     {}, false, false, false},
    {"rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, {}, {}, false, false,
     false},
    {"gateway.kubesphere.io", "v1alpha1", "gateways", "gateway", "Gateway", true, {}, {}, true,
     true, true},
    // Served like KubeSphere's CRD: generation counted, no strategic merge patch, no status
    // subresource (an admin disables a user by writing status.state with the object).
    {"iam.kubesphere.io", "v1alpha2", "users", "user", "User", false, {}, kIam, false, true,
     true},
}};

}  // namespace

std::string ResourceInfo::ApiVersion() const {
  if (group.empty()) return std::string(version);
  return std::string(group) + "/" + std::string(version);
}

std::string ResourceInfo::ListKind() const { return std::string(kind) + "List"; }

std::string ResourceInfo::GroupVersionPath() const {
  if (group.empty()) return "/api/" + std::string(version);
  return "/apis/" + ApiVersion();
}

std::span<const ResourceInfo> AllResources() { return kResources; }

const ResourceInfo* FindResource(std::string_view group, std::string_view version,
                                 std::string_view resource) {
  for (const ResourceInfo& r : kResources) {
    if (r.group == group && r.version == version && r.resource == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* FindByKind(std::string_view group, std::string_view kind) {
  for (const ResourceInfo& r : kResources) {
    if (r.group == group && r.kind == kind) return &r;
  }
  return nullptr;
}

std::string KeyPrefix(const ResourceInfo& info, std::string_view namespace_) {
  std::string key = "/registry/";
  key += info.group.empty() ? std::string_view("core") : info.group;
  key += '/';
  key += info.resource;
  key += '/';
  if (info.namespaced && !namespace_.empty()) {
    key += namespace_;
    key += '/';
  }
  return key;
}

std::string ObjectKey(const ResourceInfo& info, std::string_view namespace_,
                      std::string_view name) {
  std::string key = KeyPrefix(info, info.namespaced ? namespace_ : std::string_view());
  key += name;
  return key;
}

}  // namespace waygate::api
