// Who may do what: rbac.authorization.k8s.io bindings (pkg/printers/internalversion: Roles and
// ClusterRoles have no printer there, so they get the generic Name / Created At convertor) and
// KubeSphere's User CRD (apiextensions' table convertor over its additionalPrinterColumns).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "printers/printer.h"

namespace waygate::printers::internal {
namespace {

// rbac.SubjectsStrings: users, groups and "namespace/name" service accounts; other kinds are
// not printed (kube collects them in a fourth list no column shows).
Json BindingRow(const Json& binding, TimePoint now) {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> service_accounts;
  for (const Json& subject : Items(Get(binding, "subjects"))) {
    std::string kind = Str(Get(subject, "kind"));
    std::string name = Str(Get(subject, "name"));
    if (kind == "ServiceAccount") {
      service_accounts.push_back(Str(Get(subject, "namespace")) + "/" + name);
    } else if (kind == "User") {
      users.push_back(name);
    } else if (kind == "Group") {
      groups.push_back(name);
    }
  }
  std::string role_ref =
      Str(GetPath(binding, {"roleRef", "kind"})) + "/" + Str(GetPath(binding, {"roleRef", "name"}));
  return Json::array({Name(binding), role_ref, Age(binding, now), Join(users, ", "),
                      Join(groups, ", "), Join(service_accounts, ", ")});
}

// A CRD column of type string (cellForJSONValue): the string, or null when absent or not one.
Json StringCell(const Json& object, std::initializer_list<std::string_view> path) {
  const Json* v = GetPath(object, path);
  return v != nullptr && v->is_string() ? *v : Json(nullptr);
}

Json UserRow(const Json& user, TimePoint now) {
  return Json::array({Name(user), StringCell(user, {"spec", "email"}),
                      StringCell(user, {"status", "state"}), CustomResourceAge(user, now)});
}

// rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"], which kube uses for both binding kinds.
constexpr std::string_view kRoleRefDoc =
    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
    "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";

}  // namespace

const Printer* IamPrinter(std::string_view group, std::string_view kind) {
  static const Printer kBinding{
      {{"Name", "string", "name", kNameDoc},
       {"Role", "string", "", kRoleRefDoc},
       {"Age", "string", "", kCreationTimestampDoc},
       {"Users", "string", "", "Users in the roleBinding", 1},
       {"Groups", "string", "", "Groups in the roleBinding", 1},
       {"ServiceAccounts", "string", "", "ServiceAccounts in the roleBinding", 1}},
      BindingRow};
  // KubeSphere's CRD (config/crds/iam.kubesphere.io_users.yaml) prints Email and Status;
  // Age is the column apiextensions adds for CRDs that declare none, kept here so
  // `kubectl get users` reads like every other list.
  static const Printer kUser{{{"Name", "string", "name", kNameDoc},
                              {"Email", "string", "", ""},
                              {"Status", "string", "", ""},
                              {"Age", "date", "", kCreationTimestampDoc}},
                             UserRow};
  static const std::map<std::pair<std::string_view, std::string_view>, const Printer*> kByKind = {
      {{"rbac.authorization.k8s.io", "RoleBinding"}, &kBinding},
      {{"rbac.authorization.k8s.io", "ClusterRoleBinding"}, &kBinding},
      {{"iam.kubesphere.io", "User"}, &kUser},
  };
  auto it = kByKind.find({group, kind});
  return it == kByKind.end() ? nullptr : it->second;
}

}  // namespace waygate::printers::internal
