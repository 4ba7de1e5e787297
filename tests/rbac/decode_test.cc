// RoleFromJson / BindingFromJson: good objects decode field for field; bad ones give kube's
// validation error (pkg/apis/rbac/validation) with its field path.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

using Json = nlohmann::json;

TEST(RoleFromJson, DecodesARole) {
  Json object = Json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
    "metadata": {"name": "editor", "namespace": "p1"},
    "rules": [
      {"verbs": ["get", "list"], "apiGroups": ["networking.k8s.io"],
       "resources": ["ingresses"], "resourceNames": ["web"]},
      {"verbs": ["*"], "apiGroups": [""], "resources": ["services", "services/status"]}
    ]})");
  Result<Role> role = RoleFromJson(object);
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_EQ(role->namespace_, "p1");
  EXPECT_EQ(role->name, "editor");
  ASSERT_EQ(role->rules.size(), 2u);
  EXPECT_EQ(role->rules[0].verbs, (std::vector<std::string>{"get", "list"}));
  EXPECT_EQ(role->rules[0].api_groups, (std::vector<std::string>{"networking.k8s.io"}));
  EXPECT_EQ(role->rules[0].resources, (std::vector<std::string>{"ingresses"}));
  EXPECT_EQ(role->rules[0].resource_names, (std::vector<std::string>{"web"}));
  EXPECT_TRUE(role->rules[0].non_resource_urls.empty());
  EXPECT_EQ(role->rules[1].resources, (std::vector<std::string>{"services", "services/status"}));
}

TEST(RoleFromJson, ClusterRoleHasNoNamespaceAndMayNameUrls) {
  Json object = Json::parse(R"({
    "kind": "ClusterRole", "metadata": {"name": "probe", "namespace": "ignored"},
    "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/readyz/*"]}]})");
  Result<Role> role = RoleFromJson(object);
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_EQ(role->namespace_, "");
  EXPECT_EQ(role->name, "probe");
  ASSERT_EQ(role->rules.size(), 1u);
  EXPECT_EQ(role->rules[0].non_resource_urls, (std::vector<std::string>{"/healthz", "/readyz/*"}));
}

TEST(RoleFromJson, NoRulesIsAnEmptyRole) {
  Result<Role> role = RoleFromJson(Json::parse(R"({"kind": "ClusterRole",
                                                   "metadata": {"name": "empty"}})"));
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_TRUE(role->rules.empty());
}

TEST(BindingFromJson, DecodesARoleBinding) {
  Json object = Json::parse(R"({
    "kind": "RoleBinding", "metadata": {"name": "alice-operator", "namespace": "p1"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": "kubesphere-project-operator"},
    "subjects": [
      {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
      {"kind": "Group", "name": "devs"},
      {"kind": "ServiceAccount", "name": "robot"},
      {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}
    ]})");
  Result<Binding> b = BindingFromJson(object);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(b->namespace_, "p1");
  EXPECT_EQ(b->name, "alice-operator");
  EXPECT_EQ(b->role_ref.kind, "ClusterRole");
  EXPECT_EQ(b->role_ref.name, "kubesphere-project-operator");
  ASSERT_EQ(b->subjects.size(), 4u);
  EXPECT_EQ(b->subjects[0].kind, "User");
  EXPECT_EQ(b->subjects[0].name, "alice");
  EXPECT_EQ(b->subjects[1].kind, "Group");
  EXPECT_EQ(b->subjects[2].kind, "ServiceAccount");
  EXPECT_EQ(b->subjects[2].namespace_, "");  // defaulted at evaluation, as kube does
  EXPECT_EQ(b->subjects[3].namespace_, "tools");
}

TEST(BindingFromJson, DecodesAClusterRoleBindingWithDefaultedApiGroup) {
  Json object = Json::parse(R"({
    "kind": "ClusterRoleBinding", "metadata": {"name": "root"},
    "roleRef": {"kind": "ClusterRole", "name": "platform-admin"},
    "subjects": [{"kind": "User", "name": "admin"}]})");
  Result<Binding> b = BindingFromJson(object);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(b->namespace_, "");
  EXPECT_EQ(b->role_ref.name, "platform-admin");
  ASSERT_EQ(b->subjects.size(), 1u);
}

struct BadCase {
  std::string what;
  std::string object;
  std::string field;
  std::string message;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.what; }

class BadRoleTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadRoleTest, NamesTheField) {
  const BadCase& c = GetParam();
  Result<Role> role = RoleFromJson(Json::parse(c.object));
  ASSERT_FALSE(role.ok()) << c.what;
  EXPECT_EQ(role.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(role.error().field, c.field);
  EXPECT_EQ(role.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Kube, BadRoleTest,
    ::testing::Values(
        BadCase{"not an object", R"([])", "", "Invalid type: expected object, got array"},
        BadCase{"wrong kind", R"({"kind": "Pod", "metadata": {"name": "x"}})", "kind",
                R"(Unsupported value: "Pod": supported values: "Role", "ClusterRole")"},
        BadCase{"no name", R"({"kind": "ClusterRole", "metadata": {}})", "metadata.name",
                "Required value: name or generateName is required"},
        BadCase{"slash in name", R"({"kind": "ClusterRole", "metadata": {"name": "a/b"}})",
                "metadata.name", R"(Invalid value: "a/b": may not contain '/')"},
        BadCase{"dot name", R"({"kind": "ClusterRole", "metadata": {"name": ".."}})",
                "metadata.name", R"(Invalid value: "..": may not be '..')"},
        BadCase{"role without namespace", R"({"kind": "Role", "metadata": {"name": "r"}})",
                "metadata.namespace", "Required value"},
        BadCase{"rules not a list",
                R"({"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": {}})", "rules",
                "Invalid type: expected array, got object"},
        BadCase{"rule not an object",
                R"({"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": ["get"]})",
                "rules[0]", "Invalid type: expected object, got string"},
        BadCase{"no verbs", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": [], "apiGroups": [""], "resources": ["pods"]}]})",
                "rules[0].verbs", "Required value: verbs must contain at least one value"},
        BadCase{"verbs not a list", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": "get", "apiGroups": [""], "resources": ["pods"]}]})",
                "rules[0].verbs", "Invalid type: expected array, got string"},
        BadCase{"verb not a string", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": ["get", 7], "apiGroups": [""], "resources": ["pods"]}]})",
                "rules[0].verbs[1]", "Invalid type: expected string, got integer"},
        BadCase{"no api groups", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
                             {"verbs": ["get"], "resources": ["pods"]}]})",
                "rules[1].apiGroups",
                "Required value: resource rules must supply at least one api group"},
        BadCase{"no resources", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": ["get"], "apiGroups": [""]}]})",
                "rules[0].resources",
                "Required value: resource rules must supply at least one resource"},
        BadCase{"names over two resources", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["a", "b"],
                              "resourceNames": ["n"]}]})",
                "rules[0].resourceNames",
                "Required value: resource names cannot apply to multiple resources"},
        BadCase{"urls in a namespaced role",
                R"({"kind": "Role", "metadata": {"name": "r", "namespace": "p1"},
                   "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]})",
                "rules[0].nonResourceURLs",
                R"(Invalid value: []string{"/healthz"}: namespaced rules cannot apply to )"
                "non-resource URLs"},
        BadCase{"urls mixed with resources", R"({"kind": "ClusterRole", "metadata": {"name": "r"},
                   "rules": [{"verbs": ["get"], "resources": ["pods"],
                              "nonResourceURLs": ["/a", "/b"]}]})",
                "rules[0].nonResourceURLs",
                R"(Invalid value: []string{"/a", "/b"}: rules cannot apply to both regular )"
                "resources and non-resource URLs"}));

class BadBindingTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadBindingTest, NamesTheField) {
  const BadCase& c = GetParam();
  Result<Binding> b = BindingFromJson(Json::parse(c.object));
  ASSERT_FALSE(b.ok()) << c.what;
  EXPECT_EQ(b.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(b.error().field, c.field);
  EXPECT_EQ(b.error().message, c.message);
}

// Valid binding heads, for the cases below to append subjects to.
const std::string kRbHead = R"({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "p1"},
                               "roleRef": {"kind": "ClusterRole", "name": "view"}, )";
const std::string kCrbHead = R"({"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
                                "roleRef": {"kind": "ClusterRole", "name": "view"}, )";

INSTANTIATE_TEST_SUITE_P(
    Kube, BadBindingTest,
    ::testing::Values(
        BadCase{"wrong kind", R"({"kind": "Role", "metadata": {"name": "b", "namespace": "p"}})",
                "kind",
                R"(Unsupported value: "Role": supported values: "RoleBinding", )"
                R"("ClusterRoleBinding")"},
        BadCase{"rolebinding without namespace",
                R"({"kind": "RoleBinding", "metadata": {"name": "b"},
                    "roleRef": {"kind": "Role", "name": "r"}})",
                "metadata.namespace", "Required value"},
        BadCase{"no roleRef",
                R"({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "p1"}})",
                "roleRef.kind",
                R"(Unsupported value: "": supported values: "Role", "ClusterRole")"},
        BadCase{"roleRef not an object",
                R"({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "p1"},
                    "roleRef": "view"})",
                "roleRef", "Invalid type: expected object, got string"},
        BadCase{"roleRef kind", R"({"kind": "RoleBinding",
                    "metadata": {"name": "b", "namespace": "p1"},
                    "roleRef": {"kind": "Pod", "name": "r"}})",
                "roleRef.kind",
                R"(Unsupported value: "Pod": supported values: "Role", "ClusterRole")"},
        BadCase{"clusterrolebinding to a role", R"({"kind": "ClusterRoleBinding",
                    "metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"}})",
                "roleRef.kind", R"(Unsupported value: "Role": supported values: "ClusterRole")"},
        BadCase{"roleRef apiGroup", R"({"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
                    "roleRef": {"apiGroup": "x.io", "kind": "ClusterRole", "name": "r"}})",
                "roleRef.apiGroup",
                R"(Unsupported value: "x.io": supported values: "rbac.authorization.k8s.io")"},
        BadCase{"roleRef name missing", R"({"kind": "ClusterRoleBinding",
                    "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole"}})",
                "roleRef.name", "Required value"},
        BadCase{"roleRef name with a slash", R"({"kind": "ClusterRoleBinding",
                    "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "a/b"}})",
                "roleRef.name", R"(Invalid value: "a/b": may not contain '/')"},
        BadCase{"subjects not a list", kRbHead + R"("subjects": {}})", "subjects",
                "Invalid type: expected array, got object"},
        BadCase{"subject kind", kRbHead + R"("subjects": [{"kind": "User", "name": "a"},
                                                       {"kind": "Robot", "name": "r2"}]})",
                "subjects[1].kind",
                R"(Unsupported value: "Robot": supported values: "ServiceAccount", "User", )"
                R"("Group")"},
        BadCase{"subject without a name", kRbHead + R"("subjects": [{"kind": "User"}]})",
                "subjects[0].name", "Required value"},
        BadCase{"subject name not a string", kRbHead + R"("subjects": [{"kind": "User",
                                                                     "name": 3}]})",
                "subjects[0].name", "Invalid type: expected string, got integer"},
        BadCase{"user apiGroup", kRbHead + R"("subjects": [{"kind": "User", "name": "a",
                                                         "apiGroup": "v1"}]})",
                "subjects[0].apiGroup",
                R"(Unsupported value: "v1": supported values: "rbac.authorization.k8s.io")"},
        BadCase{"service account apiGroup",
                kRbHead + R"("subjects": [{"kind": "ServiceAccount", "name": "a",
                                         "apiGroup": "rbac.authorization.k8s.io"}]})",
                "subjects[0].apiGroup",
                R"(Unsupported value: "rbac.authorization.k8s.io": supported values: "")"},
        BadCase{"service account name",
                kRbHead + R"("subjects": [{"kind": "ServiceAccount", "name": "Bad_Name"}]})",
                "subjects[0].name",
                R"(Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of )"
                R"(lower case alphanumeric characters, '-' or '.', and must start and end with )"
                R"(an alphanumeric character (e.g. 'example.com', regex used for validation is )"
                R"('[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'))"},
        BadCase{"cluster service account without namespace",
                kCrbHead + R"("subjects": [{"kind": "ServiceAccount", "name": "robot"}]})",
                "subjects[0].namespace", "Required value"}));

}  // namespace
}  // namespace waygate::rbac
