// The built-in roles, decoded through RoleFromJson/BindingFromJson as the API server will, and
// checked cell by cell: who may do what in their own project and in another one.
#include "rbac/builtin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

using Json = nlohmann::json;

std::shared_ptr<const Policy> BuiltinPolicy(const std::vector<Json>& binding_objects) {
  std::vector<Role> roles;
  for (const Json& object : BuiltinClusterRoles()) {
    Result<Role> role = RoleFromJson(object);
    EXPECT_TRUE(role.ok()) << role.error().ToString() << "\n" << object.dump();
    if (role.ok()) roles.push_back(std::move(role).value());
  }
  std::vector<Binding> bindings;
  for (const Json& object : binding_objects) {
    Result<Binding> binding = BindingFromJson(object);
    EXPECT_TRUE(binding.ok()) << binding.error().ToString() << "\n" << object.dump();
    if (binding.ok()) bindings.push_back(std::move(binding).value());
  }
  return Policy::Build(std::move(roles), std::move(bindings));
}

struct Resource {
  const char* group;
  const char* resource;
  const char* subresource;
};
constexpr Resource kIngresses{"networking.k8s.io", "ingresses", ""};
constexpr Resource kIngressStatus{"networking.k8s.io", "ingresses", "status"};
constexpr Resource kIngressAccess{"networking.k8s.io", "ingresses", "access"};
constexpr Resource kServices{"", "services", ""};
constexpr Resource kEndpoints{"", "endpoints", ""};
constexpr Resource kSecrets{"", "secrets", ""};
constexpr Resource kConfigMaps{"", "configmaps", ""};
constexpr Resource kEvents{"", "events", ""};
constexpr Resource kSlices{"discovery.k8s.io", "endpointslices", ""};
constexpr Resource kGateways{"gateway.kubesphere.io", "gateways", ""};
constexpr Resource kRoleBindings{"rbac.authorization.k8s.io", "rolebindings", ""};
constexpr Resource kRoles{"rbac.authorization.k8s.io", "roles", ""};
constexpr Resource kNamespaces{"", "namespaces", ""};
constexpr Resource kNodes{"", "nodes", ""};

const std::vector<std::string> kAllVerbs = {"get",    "list",  "watch",  "create",
                                            "update", "patch", "delete", "deletecollection"};
const std::vector<std::string> kReadVerbs = {"get", "list", "watch"};

bool NeedsNoName(const std::string& verb) {
  return verb == "list" || verb == "watch" || verb == "create" || verb == "deletecollection";
}

Attributes Ask(const std::string& verb, const std::string& ns, const Resource& r) {
  Attributes a;
  a.verb = verb;
  a.namespace_ = ns;
  a.api_group = r.group;
  a.resource = r.resource;
  a.subresource = r.subresource;
  if (!NeedsNoName(verb)) a.name = "web";
  return a;
}

UserInfo Who(const std::string& name) { return UserInfo{name, {"system:authenticated"}}; }

class BuiltinRoles : public ::testing::Test {
 protected:
  std::shared_ptr<const Policy> policy_ = BuiltinPolicy({
      PlatformAdminBinding("admin"),
      ProjectMemberBinding("p1", "pa", "admin"),
      ProjectMemberBinding("p1", "regular", "operator"),
      ProjectMemberBinding("p1", "looker", "viewer"),
      ProjectMemberBinding("p2", "other", "admin"),
  });

  bool Can(const std::string& user, const std::string& verb, const std::string& ns,
           const Resource& r) const {
    return policy_->Authorize(Who(user), Ask(verb, ns, r)).allowed;
  }

  // Every verb of `verbs` allowed, every other verb denied, in `ns`.
  void ExpectExactly(const std::string& user, const std::string& ns, const Resource& r,
                     const std::vector<std::string>& verbs) const {
    for (const std::string& verb : kAllVerbs) {
      bool want = std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
      EXPECT_EQ(Can(user, verb, ns, r), want)
          << user << " " << verb << " " << r.resource
          << (*r.subresource != '\0' ? std::string("/") + r.subresource : "") << " in " << ns;
    }
  }
};

TEST_F(BuiltinRoles, ObjectsAreLabelledClusterRoles) {
  std::vector<Json> roles = BuiltinClusterRoles();
  std::vector<std::string> names;
  for (const Json& r : roles) {
    EXPECT_EQ(r.at("apiVersion"), "rbac.authorization.k8s.io/v1");
    EXPECT_EQ(r.at("kind"), "ClusterRole");
    EXPECT_EQ(r.at("metadata").at("labels").at("waygate.io/builtin"), "true");
    names.push_back(r.at("metadata").at("name").get<std::string>());
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"platform-admin", "kubesphere-project-admin",
                                      "kubesphere-project-operator", "kubesphere-project-viewer"}));
}

TEST_F(BuiltinRoles, PlatformAdminMayDoAnything) {
  for (const Resource& r : {kIngresses, kSecrets, kGateways, kRoleBindings, kNamespaces}) {
    ExpectExactly("admin", "p1", r, kAllVerbs);
    ExpectExactly("admin", "p2", r, kAllVerbs);
  }
  ExpectExactly("admin", "", kNodes, kAllVerbs);
  ExpectExactly("admin", "", kNamespaces, kAllVerbs);
  Attributes url;
  url.verb = "get";
  url.resource_request = false;
  url.path = "/metrics";
  Decision d = policy_->Authorize(Who("admin"), url);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by ClusterRoleBinding "admin-platform-admin" of ClusterRole )"
            R"("platform-admin" to User "admin")");
}

TEST_F(BuiltinRoles, ProjectAdminManagesItsProjectOnly) {
  for (const Resource& r : {kIngresses, kServices, kEndpoints, kSecrets, kConfigMaps, kEvents,
                            kSlices, kGateways, kRoles, kRoleBindings}) {
    ExpectExactly("pa", "p1", r, kAllVerbs);
    ExpectExactly("pa", "p2", r, {});
  }
  ExpectExactly("pa", "p1", kIngressStatus, kReadVerbs);
  ExpectExactly("pa", "p1", kIngressAccess, {"get"});
  ExpectExactly("pa", "", kNodes, {});
  Decision d = policy_->Authorize(Who("pa"), Ask("create", "p1", kRoleBindings));
  EXPECT_EQ(d.reason, R"(RBAC: allowed by RoleBinding "pa-admin/p1" of ClusterRole )"
                      R"("kubesphere-project-admin" to User "pa")");
}

TEST_F(BuiltinRoles, OperatorManagesRoutesAndBackendsAndReadsTheGateway) {
  for (const Resource& r : {kIngresses, kServices, kEndpoints, kSecrets, kConfigMaps, kSlices}) {
    ExpectExactly("regular", "p1", r, kAllVerbs);
    ExpectExactly("regular", "p2", r, {});
  }
  ExpectExactly("regular", "p1", kGateways, kReadVerbs);
  ExpectExactly("regular", "p1", kEvents, kReadVerbs);
  ExpectExactly("regular", "p1", kIngressStatus, kReadVerbs);
  ExpectExactly("regular", "p1", kIngressAccess, {"get"});
  ExpectExactly("regular", "p1", kRoleBindings, {});
  ExpectExactly("regular", "p1", kRoles, {});
  ExpectExactly("regular", "p2", kGateways, {});
}

TEST_F(BuiltinRoles, ViewerReadsEverythingButSecrets) {
  for (const Resource& r :
       {kIngresses, kServices, kEndpoints, kConfigMaps, kEvents, kSlices, kGateways}) {
    ExpectExactly("looker", "p1", r, kReadVerbs);
    ExpectExactly("looker", "p2", r, {});
  }
  ExpectExactly("looker", "p1", kIngressAccess, {"get"});
  ExpectExactly("looker", "p1", kSecrets, {});
  ExpectExactly("looker", "p1", kRoleBindings, {});
}

TEST_F(BuiltinRoles, NoProjectRoleReachesTheNamespaceObjectOrClusterResources) {
  // The API server answers a member's `get namespace` itself (see builtin.cc).
  for (const char* user : {"pa", "regular", "looker"}) {
    ExpectExactly(user, "p1", kNamespaces, {});
    ExpectExactly(user, "", kNamespaces, {});
    ExpectExactly(user, "", kIngresses, {});  // across all namespaces
  }
}

TEST_F(BuiltinRoles, NobodyBoundIsDeniedEverything) {
  for (const Resource& r : {kIngresses, kServices, kSecrets, kGateways, kNamespaces}) {
    ExpectExactly("outsider", "p1", r, {});
    ExpectExactly("outsider", "", r, {});
  }
  EXPECT_TRUE(policy_->RulesFor(Who("outsider"), "p1").empty());
}

TEST_F(BuiltinRoles, ProjectListsOfMembers) {
  Policy::NamespaceGrant g =
      policy_->NamespacesWhere(Who("regular"), "create", "networking.k8s.io", "ingresses");
  EXPECT_FALSE(g.all_namespaces);
  EXPECT_EQ(g.namespaces, (std::vector<std::string>{"p1"}));
  g = policy_->NamespacesWhere(Who("admin"), "create", "networking.k8s.io", "ingresses");
  EXPECT_TRUE(g.all_namespaces);
  g = policy_->NamespacesWhere(Who("looker"), "create", "networking.k8s.io", "ingresses");
  EXPECT_TRUE(g.namespaces.empty());
}

TEST(BuiltinBindings, ProjectMemberBindingShape) {
  Json b = ProjectMemberBinding("p1", "alice", "operator");
  EXPECT_EQ(b.at("kind"), "RoleBinding");
  EXPECT_EQ(b.at("metadata").at("name"), "alice-operator");
  EXPECT_EQ(b.at("metadata").at("namespace"), "p1");
  EXPECT_EQ(b.at("metadata").at("labels").at("iam.kubesphere.io/user-ref"), "alice");
  Result<Binding> decoded = BindingFromJson(b);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(decoded->role_ref.kind, "ClusterRole");
  EXPECT_EQ(decoded->role_ref.name, kProjectOperator);
  ASSERT_EQ(decoded->subjects.size(), 1u);
  EXPECT_EQ(decoded->subjects[0].kind, "User");
  EXPECT_EQ(decoded->subjects[0].name, "alice");

  EXPECT_EQ(BindingFromJson(ProjectMemberBinding("p1", "a", "admin"))->role_ref.name,
            kProjectAdmin);
  EXPECT_EQ(BindingFromJson(ProjectMemberBinding("p1", "a", "viewer"))->role_ref.name,
            kProjectViewer);
  EXPECT_TRUE(ProjectMemberBinding("p1", "alice", "owner").is_null());
}

TEST(BuiltinBindings, PlatformAdminBindingShape) {
  Json b = PlatformAdminBinding("root");
  EXPECT_EQ(b.at("kind"), "ClusterRoleBinding");
  EXPECT_EQ(b.at("metadata").at("name"), "root-platform-admin");
  EXPECT_FALSE(b.at("metadata").contains("namespace"));
  Result<Binding> decoded = BindingFromJson(b);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(decoded->namespace_, "");
  EXPECT_EQ(decoded->role_ref.name, kPlatformAdmin);
  EXPECT_EQ(decoded->subjects.at(0).name, "root");
}

}  // namespace
}  // namespace waygate::rbac
