// RBAC: rbac.authorization.k8s.io/v1 Roles, ClusterRoles, RoleBindings and ClusterRoleBindings,
// evaluated exactly as kube-apiserver's RBAC authorizer evaluates them
// (plugin/pkg/auth/authorizer/rbac: ClusterRoleBindings first, then the RoleBindings of the
// request's namespace; allow when any rule of any bound role allows; there is no deny).
//
// Pure: objects in, decisions out. No store, no clock, no threads of its own. The API server
// builds one immutable Policy from the stored objects and swaps it when any of them changes;
// Authorize runs on every request, concurrently, without locks.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::rbac {

// Who asks. Authenticated users always carry "system:authenticated" in `groups` (the API
// server adds it); "system:masters" is kube's superuser group and is allowed everything
// before any rule is looked at, as kube-apiserver's privileged-group authorizer does.
struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
};

// What is asked: kube's authorizer.Attributes.
struct Attributes {
  std::string verb;  // get list watch create update patch delete deletecollection; "*" never
  bool resource_request = true;
  // Resource requests.
  std::string namespace_;  // empty: cluster-scoped, or all namespaces (list/watch)
  std::string api_group;   // "" for the core group
  std::string resource;    // plural, lower-case: "ingresses"
  std::string subresource;  // "status", "access", ... or empty
  std::string name;         // empty for list/watch/create(without name)/deletecollection
  // Non-resource requests ("/version", "/healthz", "/apis").
  std::string path;
};

struct PolicyRule {
  std::vector<std::string> verbs;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;       // "res", "res/sub", "*", "*/sub"; "res/*" literal
  std::vector<std::string> resource_names;  // empty: every name
  std::vector<std::string> non_resource_urls;  // "/healthz", "/apis/*", "*"
};

struct Subject {
  std::string kind;  // "User", "Group", "ServiceAccount"
  std::string name;
  std::string namespace_;  // ServiceAccount only
};

struct RoleRef {
  std::string kind;  // "Role" or "ClusterRole"
  std::string name;
};

struct Role {
  std::string namespace_;  // empty: a ClusterRole
  std::string name;
  std::vector<PolicyRule> rules;
};

struct Binding {
  std::string namespace_;  // empty: a ClusterRoleBinding
  std::string name;
  RoleRef role_ref;
  std::vector<Subject> subjects;
};

// Decoding of the stored objects (kind Role, ClusterRole, RoleBinding, ClusterRoleBinding).
// kInvalid with the field path ("rules[0].verbs", "roleRef.kind") on a wrong shape; the API's
// admission reports the same errors as a 422.
Result<Role> RoleFromJson(const nlohmann::json& object);
Result<Binding> BindingFromJson(const nlohmann::json& object);

struct Decision {
  bool allowed = false;
  // Why, as kube-apiserver words it in SubjectAccessReview status.reason:
  // `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "u"`, or empty when
  // denied (the API server words the 403 itself).
  std::string reason;
};

// One immutable view of every role and binding. Building resolves nothing lazily: a binding
// whose role does not exist grants nothing (as in kube) and is kept for when it appears in the
// next Policy.
class Policy {
 public:
  static std::shared_ptr<const Policy> Build(std::vector<Role> roles,
                                             std::vector<Binding> bindings);
  ~Policy();

  Decision Authorize(const UserInfo& user, const Attributes& request) const;

  // SelfSubjectRulesReview (`kubectl auth can-i --list -n NS`): every rule that applies to the
  // user in `namespace_` (cluster-wide bindings, then that namespace's), in binding order.
  std::vector<PolicyRule> RulesFor(const UserInfo& user, std::string_view namespace_) const;

  // The namespaces in which the user is granted `verb` on `api_group`/`resource` through a
  // RoleBinding (for the console's project list); `all_namespaces` is set when a
  // ClusterRoleBinding grants it everywhere.
  struct NamespaceGrant {
    bool all_namespaces = false;
    std::vector<std::string> namespaces;  // sorted, unique
  };
  NamespaceGrant NamespacesWhere(const UserInfo& user, std::string_view verb,
                                 std::string_view api_group, std::string_view resource) const;

 private:
  Policy();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Rule matching as kube's rbac/v1 helpers (RuleAllows): exposed for tests and the rules
// review.
bool RuleAllows(const Attributes& request, const PolicyRule& rule);

}  // namespace waygate::rbac
