// KubeSphere's built-in roles, as objects the API server creates at start (and recreates when
// deleted). The rules are in builtin.cc; in short:
//
//   ClusterRole platform-admin         everything (`*` on `*`, every non-resource URL)
//   ClusterRole kubesphere-project-admin     everything in a project: Ingresses, Services,
//       Endpoints, EndpointSlices, Secrets, ConfigMaps, Events, Roles and RoleBindings of the
//       project, and its Gateway (the API server checks Gateway requests in
//       kubesphere-controls-system against the project the Gateway serves, see the API's
//       authorization notes)
//   ClusterRole kubesphere-project-operator  manage Ingresses, Services, Endpoints,
//       EndpointSlices, Secrets, ConfigMaps; read Events and the Gateway
//   ClusterRole kubesphere-project-viewer    read Ingresses, Services, Endpoints,
//       EndpointSlices, ConfigMaps, Events, the Gateway (Secrets: not even their names)
//   All three also `get` the monitoring subresources: ingresses/metrics, gateways/metrics and
//   gateways/log (like kube's pods/log, a subresource rule of its own).
//
// A project member is a RoleBinding in the project's namespace naming one of the three project
// ClusterRoles (kube's own pattern for admin/edit/view), so one definition serves every
// project. The binding names KubeSphere uses are `<user>-admin` etc.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::rbac {

inline constexpr std::string_view kPlatformAdmin = "platform-admin";
inline constexpr std::string_view kProjectAdmin = "kubesphere-project-admin";
inline constexpr std::string_view kProjectOperator = "kubesphere-project-operator";
inline constexpr std::string_view kProjectViewer = "kubesphere-project-viewer";

// The ClusterRole objects (apiVersion rbac.authorization.k8s.io/v1, kind ClusterRole, labels
// `waygate.io/builtin: "true"`), ready to store.
std::vector<nlohmann::json> BuiltinClusterRoles();

// The ClusterRoleBinding giving `user` platform-admin (the bootstrap admin's); name
// "<user>-platform-admin", labelled `iam.kubesphere.io/user-ref: <user>` as KubeSphere does.
nlohmann::json PlatformAdminBinding(std::string_view user);

// A RoleBinding making `user` a member of `project` with one of the three project roles
// (role: "admin", "operator" or "viewer"; any other role gives a null json); name
// "<user>-<role>", labelled `iam.kubesphere.io/user-ref: <user>`.
nlohmann::json ProjectMemberBinding(std::string_view project, std::string_view user,
                                    std::string_view role);

}  // namespace waygate::rbac
