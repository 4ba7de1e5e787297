// Policy: which bindings apply to whom and where (kube's DefaultRuleResolver), the decision and
// its reason (RBACAuthorizer.Authorize), RulesFor and NamespacesWhere.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

const PolicyRule kReadIngresses{.verbs = {"get", "list", "watch"},
                                .api_groups = {"networking.k8s.io"},
                                .resources = {"ingresses"}};
const PolicyRule kManageSecrets{.verbs = {"*"}, .api_groups = {""}, .resources = {"secrets"}};
const PolicyRule kHealthz{.verbs = {"get"}, .non_resource_urls = {"/healthz"}};

Role ClusterRole(std::string name, std::vector<PolicyRule> rules) {
  return Role{.namespace_ = "", .name = std::move(name), .rules = std::move(rules)};
}
Role NsRole(std::string ns, std::string name, std::vector<PolicyRule> rules) {
  return Role{.namespace_ = std::move(ns), .name = std::move(name), .rules = std::move(rules)};
}
Subject User(std::string name) { return Subject{.kind = "User", .name = std::move(name)}; }
Subject Group(std::string name) { return Subject{.kind = "Group", .name = std::move(name)}; }
Subject Sa(std::string name, std::string ns = {}) {
  return Subject{.kind = "ServiceAccount", .name = std::move(name), .namespace_ = std::move(ns)};
}
Binding Crb(std::string name, std::string role, std::vector<Subject> subjects) {
  return Binding{.namespace_ = "",
                 .name = std::move(name),
                 .role_ref = {"ClusterRole", std::move(role)},
                 .subjects = std::move(subjects)};
}
Binding Rb(std::string ns, std::string name, std::string kind, std::string role,
           std::vector<Subject> subjects) {
  return Binding{.namespace_ = std::move(ns),
                 .name = std::move(name),
                 .role_ref = {std::move(kind), std::move(role)},
                 .subjects = std::move(subjects)};
}

UserInfo Who(std::string name, std::vector<std::string> groups = {"system:authenticated"}) {
  return UserInfo{std::move(name), std::move(groups)};
}

Attributes Get(std::string ns, std::string group, std::string resource, std::string name = "x") {
  Attributes a;
  a.verb = "get";
  a.namespace_ = std::move(ns);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.name = std::move(name);
  return a;
}
Attributes GetIngress(std::string ns) {
  return Get(std::move(ns), "networking.k8s.io", "ingresses");
}
Attributes ListIngresses(std::string ns) {
  Attributes a = GetIngress(std::move(ns));
  a.verb = "list";
  a.name.clear();
  return a;
}
Attributes Url(std::string verb, std::string path) {
  Attributes a;
  a.verb = std::move(verb);
  a.resource_request = false;
  a.path = std::move(path);
  return a;
}

TEST(Policy, NobodyBoundIsDenied) {
  auto policy = Policy::Build({ClusterRole("reader", {kReadIngresses})},
                              {Crb("readers", "reader", {User("alice")})});
  Decision d = policy->Authorize(Who("bob"), GetIngress("p1"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "");
  EXPECT_FALSE(Policy::Build({}, {})->Authorize(Who("bob"), GetIngress("p1")).allowed);
}

TEST(Policy, ClusterRoleBindingToAUserAppliesEverywhere) {
  auto policy = Policy::Build({ClusterRole("reader", {kReadIngresses})},
                              {Crb("readers", "reader", {User("alice")})});
  for (std::string ns : {"p1", "p2", ""}) {
    Decision d = policy->Authorize(Who("alice"), ListIngresses(ns));
    EXPECT_TRUE(d.allowed) << ns;
    EXPECT_EQ(d.reason,
              R"(RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "reader" to User )"
              R"("alice")");
  }
  EXPECT_FALSE(policy->Authorize(Who("alice"), Get("p1", "", "secrets")).allowed);
  Attributes create = GetIngress("p1");
  create.verb = "create";
  EXPECT_FALSE(policy->Authorize(Who("alice"), create).allowed);
}

TEST(Policy, GroupSubjects) {
  auto policy = Policy::Build({ClusterRole("reader", {kReadIngresses})},
                              {Crb("devs-read", "reader", {Group("devs")})});
  Decision d = policy->Authorize(Who("carol", {"system:authenticated", "devs"}), GetIngress("p1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by ClusterRoleBinding "devs-read" of ClusterRole "reader" to Group )"
            R"("devs")");
  EXPECT_FALSE(policy->Authorize(Who("carol"), GetIngress("p1")).allowed);
  // A user named like the group is not in it.
  EXPECT_FALSE(policy->Authorize(Who("devs"), GetIngress("p1")).allowed);
}

TEST(Policy, ReasonNamesTheFirstSubjectThatApplies) {
  auto policy =
      Policy::Build({ClusterRole("reader", {kReadIngresses})},
                    {Crb("mixed", "reader", {Group("ops"), User("alice"), Group("devs")})});
  Decision d = policy->Authorize(Who("alice", {"devs"}), GetIngress("p1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by ClusterRoleBinding "mixed" of ClusterRole "reader" to User )"
            R"("alice")");
}

TEST(Policy, ServiceAccountSubjects) {
  auto policy = Policy::Build(
      {ClusterRole("reader", {kReadIngresses}), ClusterRole("secrets", {kManageSecrets})},
      {
          // Namespace omitted in a RoleBinding: the binding's own.
          Rb("p1", "robot-read", "ClusterRole", "reader", {Sa("robot")}),
          Crb("ci-secrets", "secrets", {Sa("ci", "tools")}),
          // Namespace omitted in a ClusterRoleBinding: matches nobody.
          Crb("nobody", "secrets", {Sa("robot")}),
      });
  Decision d = policy->Authorize(Who("system:serviceaccount:p1:robot"), GetIngress("p1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason, R"(RBAC: allowed by RoleBinding "robot-read/p1" of ClusterRole "reader" to )"
                      R"(ServiceAccount "robot/p1")");
  EXPECT_FALSE(policy->Authorize(Who("system:serviceaccount:p1:robot"), GetIngress("p2")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("system:serviceaccount:p2:robot"), GetIngress("p1")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("robot"), GetIngress("p1")).allowed);
  EXPECT_FALSE(
      policy->Authorize(Who("system:serviceaccount:p1:robot"), Get("p1", "", "secrets")).allowed);

  d = policy->Authorize(Who("system:serviceaccount:tools:ci"), Get("p9", "", "secrets"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by ClusterRoleBinding "ci-secrets" of ClusterRole "secrets" to )"
            R"(ServiceAccount "ci/tools")");
  EXPECT_FALSE(
      policy->Authorize(Who("system:serviceaccount:tools:cix"), Get("p9", "", "secrets")).allowed);
  EXPECT_FALSE(
      policy->Authorize(Who("system:serviceaccount:toolsx:ci"), Get("p9", "", "secrets")).allowed);
}

TEST(Policy, ServiceAccountGroups) {
  // The authenticator puts service accounts in system:serviceaccounts and
  // system:serviceaccounts:<ns>; RBAC matches them as plain groups.
  auto policy = Policy::Build(
      {ClusterRole("reader", {kReadIngresses}), ClusterRole("secrets", {kManageSecrets})},
      {Rb("p1", "all-sa", "ClusterRole", "reader", {Group("system:serviceaccounts")}),
       Rb("p2", "p3-sa", "ClusterRole", "secrets", {Group("system:serviceaccounts:p3")})});
  UserInfo sa3 =
      Who("system:serviceaccount:p3:build",
          {"system:serviceaccounts", "system:serviceaccounts:p3", "system:authenticated"});
  UserInfo sa4 =
      Who("system:serviceaccount:p4:build",
          {"system:serviceaccounts", "system:serviceaccounts:p4", "system:authenticated"});
  EXPECT_TRUE(policy->Authorize(sa3, GetIngress("p1")).allowed);
  EXPECT_TRUE(policy->Authorize(sa4, GetIngress("p1")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("alice"), GetIngress("p1")).allowed);
  EXPECT_TRUE(policy->Authorize(sa3, Get("p2", "", "secrets")).allowed);
  EXPECT_FALSE(policy->Authorize(sa4, Get("p2", "", "secrets")).allowed);
}

TEST(Policy, RoleBindingToAClusterRoleOnlyGrantsInItsNamespace) {
  auto policy = Policy::Build({ClusterRole("reader", {kReadIngresses, kHealthz})},
                              {Rb("p1", "alice-read", "ClusterRole", "reader", {User("alice")})});
  Decision d = policy->Authorize(Who("alice"), GetIngress("p1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by RoleBinding "alice-read/p1" of ClusterRole "reader" to User )"
            R"("alice")");
  EXPECT_FALSE(policy->Authorize(Who("alice"), GetIngress("p2")).allowed);
  // All namespaces, or a cluster-scoped request: no RoleBinding applies.
  EXPECT_FALSE(policy->Authorize(Who("alice"), ListIngresses("")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("alice"), Url("get", "/healthz")).allowed);
}

TEST(Policy, RoleBindingToARole) {
  auto policy = Policy::Build(
      {NsRole("p1", "reader", {kReadIngresses}), NsRole("p2", "secrets", {kManageSecrets})},
      {Rb("p1", "alice-read", "Role", "reader", {User("alice")}),
       // Names a Role that only exists in p2: kube looks it up in p1, so it grants nothing.
       Rb("p1", "alice-secrets", "Role", "secrets", {User("alice")})});
  Decision d = policy->Authorize(Who("alice"), GetIngress("p1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by RoleBinding "alice-read/p1" of Role "reader" to User "alice")");
  EXPECT_FALSE(policy->Authorize(Who("alice"), GetIngress("p2")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("alice"), Get("p1", "", "secrets")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("alice"), Get("p2", "", "secrets")).allowed);
}

TEST(Policy, ClusterRoleBindingCannotReachARole) {
  auto policy = Policy::Build(
      {NsRole("p1", "reader", {kReadIngresses})},
      {Binding{.name = "odd", .role_ref = {"Role", "reader"}, .subjects = {User("alice")}}});
  EXPECT_FALSE(policy->Authorize(Who("alice"), GetIngress("p1")).allowed);
}

TEST(Policy, MissingRoleGrantsNothingUntilItExists) {
  std::vector<Binding> bindings = {Crb("readers", "reader", {User("alice")}),
                                   Rb("p1", "local", "Role", "local-reader", {User("bob")})};
  auto before = Policy::Build({}, bindings);
  EXPECT_FALSE(before->Authorize(Who("alice"), GetIngress("p1")).allowed);
  EXPECT_FALSE(before->Authorize(Who("bob"), GetIngress("p1")).allowed);
  EXPECT_TRUE(before->RulesFor(Who("alice"), "p1").empty());

  auto after = Policy::Build(
      {ClusterRole("reader", {kReadIngresses}), NsRole("p1", "local-reader", {kReadIngresses})},
      bindings);
  EXPECT_TRUE(after->Authorize(Who("alice"), GetIngress("p1")).allowed);
  EXPECT_TRUE(after->Authorize(Who("bob"), GetIngress("p1")).allowed);
}

TEST(Policy, UnknownKindsGrantNothing) {
  auto policy = Policy::Build(
      {ClusterRole("reader", {kReadIngresses})},
      {Crb("robots", "reader", {Subject{.kind = "Robot", .name = "alice"}}),
       Binding{.name = "weird", .role_ref = {"Thing", "reader"}, .subjects = {User("alice")}}});
  EXPECT_FALSE(policy->Authorize(Who("alice"), GetIngress("p1")).allowed);
}

TEST(Policy, SystemMastersIsAllowedEverything) {
  auto policy = Policy::Build({}, {});
  UserInfo root = Who("root", {"system:masters", "system:authenticated"});
  Decision d = policy->Authorize(root, Get("", "", "nodes", "n1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason, "");  // the privileged-group authorizer gives none
  EXPECT_TRUE(policy->Authorize(root, Url("post", "/anything")).allowed);
  EXPECT_TRUE(policy->Authorize(root, Get("p1", "", "secrets")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("system:masters"), Get("p1", "", "secrets")).allowed);
}

TEST(Policy, NonResourceUrlsThroughClusterRoleBindings) {
  auto policy = Policy::Build({ClusterRole("probe", {kHealthz})},
                              {Crb("probes", "probe", {Group("system:authenticated")})});
  EXPECT_TRUE(policy->Authorize(Who("anyone"), Url("get", "/healthz")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("anyone"), Url("get", "/metrics")).allowed);
  EXPECT_FALSE(policy->Authorize(Who("anyone", {}), Url("get", "/healthz")).allowed);
}

TEST(Policy, ClusterBindingsComeFirstThenInputOrder) {
  auto policy = Policy::Build(
      {ClusterRole("reader", {kReadIngresses}), ClusterRole("also", {kReadIngresses}),
       ClusterRole("secrets", {kManageSecrets})},
      {Rb("p1", "local", "ClusterRole", "reader", {User("alice")}),
       Crb("first-but-no", "secrets", {User("alice")}), Crb("second", "reader", {Group("devs")}),
       Crb("third", "also", {User("alice")})});
  Decision d = policy->Authorize(Who("alice", {"devs"}), GetIngress("p1"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by ClusterRoleBinding "second" of ClusterRole "reader" to Group )"
            R"("devs")");
  d = policy->Authorize(Who("alice"), GetIngress("p1"));
  EXPECT_EQ(d.reason,
            R"(RBAC: allowed by ClusterRoleBinding "third" of ClusterRole "also" to User "alice")");
}

TEST(Policy, RulesForListsClusterThenNamespaceRulesInBindingOrder) {
  PolicyRule a{.verbs = {"get"}, .api_groups = {""}, .resources = {"a"}};
  PolicyRule b{.verbs = {"get"}, .api_groups = {""}, .resources = {"b"}};
  PolicyRule c{.verbs = {"get"}, .api_groups = {""}, .resources = {"c"}};
  PolicyRule d{.verbs = {"get"}, .api_groups = {""}, .resources = {"d"}};
  auto policy =
      Policy::Build({ClusterRole("ra", {a}), ClusterRole("rb", {b}), NsRole("p1", "rc", {c}),
                     ClusterRole("rd", {d})},
                    {Rb("p1", "in-p1", "Role", "rc", {User("alice")}),
                     // Applies through both the user and the group: listed once.
                     Crb("cluster-a", "ra", {User("alice"), Group("devs")}),
                     Rb("p2", "in-p2", "ClusterRole", "rd", {User("alice")}),
                     Crb("cluster-b", "rb", {Group("devs")}), Crb("other", "rd", {User("bob")})});
  auto resources = [](const std::vector<PolicyRule>& rules) {
    std::vector<std::string> out;
    for (const PolicyRule& r : rules) out.push_back(r.resources.at(0));
    return out;
  };
  UserInfo alice = Who("alice", {"devs"});
  EXPECT_EQ(resources(policy->RulesFor(alice, "p1")), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(resources(policy->RulesFor(alice, "p2")), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(resources(policy->RulesFor(alice, "")), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(resources(policy->RulesFor(Who("alice"), "p3")), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(policy->RulesFor(Who("carol"), "p1").empty());

  std::vector<PolicyRule> root = policy->RulesFor(Who("root", {"system:masters"}), "p1");
  ASSERT_EQ(root.size(), 2u);
  EXPECT_EQ(root[0].resources, (std::vector<std::string>{"*"}));
  EXPECT_EQ(root[1].non_resource_urls, (std::vector<std::string>{"*"}));
}

TEST(Policy, NamespacesWhere) {
  PolicyRule create_ingresses{
      .verbs = {"create"}, .api_groups = {"networking.k8s.io"}, .resources = {"ingresses"}};
  PolicyRule one_ingress{.verbs = {"get", "list"},
                         .api_groups = {"networking.k8s.io"},
                         .resources = {"ingresses"},
                         .resource_names = {"web"}};
  auto policy =
      Policy::Build({ClusterRole("reader", {kReadIngresses}),
                     ClusterRole("writer", {create_ingresses}), ClusterRole("one", {one_ingress})},
                    {Rb("p2", "w2", "ClusterRole", "writer", {User("alice")}),
                     Rb("p1", "w1", "ClusterRole", "writer", {Group("devs")}),
                     Rb("p3", "r3", "ClusterRole", "reader", {User("alice")}),
                     Rb("p4", "one", "ClusterRole", "one", {User("alice")}),
                     Rb("p5", "bob", "ClusterRole", "reader", {User("bob")}),
                     Crb("everywhere", "reader", {User("carol")})});
  UserInfo alice = Who("alice", {"devs"});
  Policy::NamespaceGrant g =
      policy->NamespacesWhere(alice, "create", "networking.k8s.io", "ingresses");
  EXPECT_FALSE(g.all_namespaces);
  EXPECT_EQ(g.namespaces, (std::vector<std::string>{"p1", "p2"}));

  // p4's rule names one Ingress: it does not grant listing them.
  g = policy->NamespacesWhere(alice, "list", "networking.k8s.io", "ingresses");
  EXPECT_FALSE(g.all_namespaces);
  EXPECT_EQ(g.namespaces, (std::vector<std::string>{"p3"}));

  g = policy->NamespacesWhere(alice, "list", "", "secrets");
  EXPECT_FALSE(g.all_namespaces);
  EXPECT_TRUE(g.namespaces.empty());

  g = policy->NamespacesWhere(Who("carol"), "list", "networking.k8s.io", "ingresses");
  EXPECT_TRUE(g.all_namespaces);
  EXPECT_TRUE(g.namespaces.empty());

  g = policy->NamespacesWhere(Who("root", {"system:masters"}), "delete", "", "secrets");
  EXPECT_TRUE(g.all_namespaces);
}

TEST(Policy, ConcurrentAuthorizeSharesOnePolicy) {
  auto policy = Policy::Build({ClusterRole("reader", {kReadIngresses})},
                              {Rb("p1", "alice-read", "ClusterRole", "reader", {User("alice")})});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&policy, &wrong] {
      for (int i = 0; i < 2000; ++i) {
        if (!policy->Authorize(Who("alice"), GetIngress("p1")).allowed) ++wrong;
        if (policy->Authorize(Who("alice"), GetIngress("p2")).allowed) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace waygate::rbac
