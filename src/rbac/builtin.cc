// The built-in ClusterRoles and the bindings that hand them out (see builtin.h).
//
// The project roles name only what Waygate serves in a namespace. None of them mentions
// `namespaces`: a RoleBinding cannot grant the cluster-scoped Namespace object in kube, so the
// API server answers a member's `get namespace <project>` itself.
#include "rbac/builtin.h"

#include <initializer_list>
#include <string>

namespace waygate::rbac {
namespace {

using Json = nlohmann::json;
using Strings = std::initializer_list<const char*>;

constexpr const char* kApiVersion = "rbac.authorization.k8s.io/v1";
constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";
constexpr const char* kUserRefLabel = "iam.kubesphere.io/user-ref";  // as KubeSphere labels them

const Strings kManage = {"get",    "list",  "watch",  "create",
                         "update", "patch", "delete", "deletecollection"};
const Strings kRead = {"get", "list", "watch"};
const Strings kGet = {"get"};

Json List(Strings items) {
  Json out = Json::array();
  for (const char* s : items) out.push_back(s);
  return out;
}

Json Rule(Strings verbs, Strings groups, Strings resources) {
  return Json{{"verbs", List(verbs)}, {"apiGroups", List(groups)}, {"resources", List(resources)}};
}

Json ClusterRole(std::string_view name, Json rules) {
  return Json{{"apiVersion", kApiVersion},
              {"kind", "ClusterRole"},
              {"metadata", {{"name", name}, {"labels", {{"waygate.io/builtin", "true"}}}}},
              {"rules", std::move(rules)}};
}

Json PlatformAdmin() {
  return ClusterRole(kPlatformAdmin,
                     Json::array({Rule({"*"}, {"*"}, {"*"}),
                                  Json{{"verbs", List({"*"})}, {"nonResourceURLs", List({"*"})}}}));
}

Json ProjectAdmin() {
  return ClusterRole(
      kProjectAdmin,
      Json::array({
          Rule(kManage, {"networking.k8s.io"}, {"ingresses"}),
          Rule(kRead, {"networking.k8s.io"}, {"ingresses/status"}),
          Rule(kGet, {"networking.k8s.io"}, {"ingresses/access", "ingresses/metrics"}),
          Rule(kManage, {""}, {"services", "endpoints", "secrets", "configmaps", "events"}),
          Rule(kRead, {""}, {"services/status"}),
          Rule(kManage, {"discovery.k8s.io"}, {"endpointslices"}),
          Rule(kManage, {"gateway.kubesphere.io"}, {"gateways"}),
          Rule(kRead, {"gateway.kubesphere.io"}, {"gateways/status"}),
          Rule(kGet, {"gateway.kubesphere.io"}, {"gateways/metrics", "gateways/log"}),
          Rule(kManage, {kRbacGroup}, {"roles", "rolebindings"}),
      }));
}

Json ProjectOperator() {
  return ClusterRole(kProjectOperator,
                     Json::array({
                         Rule(kManage, {"networking.k8s.io"}, {"ingresses"}),
                         Rule(kRead, {"networking.k8s.io"}, {"ingresses/status"}),
                         Rule(kGet, {"networking.k8s.io"},
                              {"ingresses/access", "ingresses/metrics"}),
                         Rule(kManage, {""}, {"services", "endpoints", "secrets", "configmaps"}),
                         Rule(kRead, {""}, {"services/status", "events"}),
                         Rule(kManage, {"discovery.k8s.io"}, {"endpointslices"}),
                         Rule(kRead, {"gateway.kubesphere.io"}, {"gateways", "gateways/status"}),
                         Rule(kGet, {"gateway.kubesphere.io"},
                              {"gateways/metrics", "gateways/log"}),
                     }));
}

Json ProjectViewer() {
  return ClusterRole(
      kProjectViewer,
      Json::array({
          Rule(kRead, {"networking.k8s.io"}, {"ingresses", "ingresses/status"}),
          Rule(kGet, {"networking.k8s.io"}, {"ingresses/access", "ingresses/metrics"}),
          Rule(kRead, {""}, {"services", "services/status", "endpoints", "configmaps", "events"}),
          Rule(kRead, {"discovery.k8s.io"}, {"endpointslices"}),
          Rule(kRead, {"gateway.kubesphere.io"}, {"gateways", "gateways/status"}),
          Rule(kGet, {"gateway.kubesphere.io"}, {"gateways/metrics", "gateways/log"}),
      }));
}

Json UserSubject(std::string_view user) {
  return Json{{"kind", "User"}, {"apiGroup", kRbacGroup}, {"name", user}};
}

Json RoleRef(std::string_view cluster_role) {
  return Json{{"apiGroup", kRbacGroup}, {"kind", "ClusterRole"}, {"name", cluster_role}};
}

}  // namespace

std::vector<Json> BuiltinClusterRoles() {
  return {PlatformAdmin(), ProjectAdmin(), ProjectOperator(), ProjectViewer()};
}

Json PlatformAdminBinding(std::string_view user) {
  std::string name = std::string(user) + "-" + std::string(kPlatformAdmin);
  return Json{{"apiVersion", kApiVersion},
              {"kind", "ClusterRoleBinding"},
              {"metadata", {{"name", name}, {"labels", {{kUserRefLabel, user}}}}},
              {"roleRef", RoleRef(kPlatformAdmin)},
              {"subjects", Json::array({UserSubject(user)})}};
}

Json ProjectMemberBinding(std::string_view project, std::string_view user, std::string_view role) {
  std::string_view cluster_role;
  if (role == "admin") {
    cluster_role = kProjectAdmin;
  } else if (role == "operator") {
    cluster_role = kProjectOperator;
  } else if (role == "viewer") {
    cluster_role = kProjectViewer;
  } else {
    return Json();  // not a project role: null, documented in builtin.h
  }
  std::string name = std::string(user) + "-" + std::string(role);
  return Json{
      {"apiVersion", kApiVersion},
      {"kind", "RoleBinding"},
      {"metadata", {{"name", name}, {"namespace", project}, {"labels", {{kUserRefLabel, user}}}}},
      {"roleRef", RoleRef(cluster_role)},
      {"subjects", Json::array({UserSubject(user)})}};
}

}  // namespace waygate::rbac
