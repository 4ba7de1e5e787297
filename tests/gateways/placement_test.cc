#include "gateways/placement.h"

#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::gateways {
namespace {

using testing::MakeGateway;

// The only error's field and whether its message holds `part`.
void ExpectOnly(const model::ErrorList& errs, const std::string& field, const std::string& part) {
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs.errors()[0].field, field);
  EXPECT_NE(errs.errors()[0].message.find(part), std::string::npos) << errs.errors()[0].message;
}

TEST(Placement, ProjectAndClusterNames) {
  EXPECT_EQ(ProjectOf("kubesphere-router-demo"), "demo");
  EXPECT_EQ(ProjectOf("kubesphere-router-kubesphere-system"), "kubesphere-system");
  EXPECT_EQ(ProjectOf("kubesphere-router-"), "");
  EXPECT_EQ(ProjectOf("router-demo"), "");
  EXPECT_TRUE(IsClusterGateway(MakeGateway("kubesphere-router-kubesphere-system")));
  EXPECT_FALSE(IsClusterGateway(
      MakeGateway("kubesphere-router-kubesphere-system", "NodePort", 0, 0, "elsewhere")));
  EXPECT_EQ(ServedNamespace(MakeGateway("kubesphere-router-demo")), "demo");
  EXPECT_EQ(ServedNamespace(MakeGateway("kubesphere-router-kubesphere-system")), std::nullopt);
}

TEST(Placement, AcceptsProjectAndClusterGateways) {
  EXPECT_TRUE(
      CheckPlacement(MakeGateway("kubesphere-router-demo"), Operation::kCreate, false).empty());
  EXPECT_TRUE(
      CheckPlacement(MakeGateway("kubesphere-router-kubesphere-system"), Operation::kCreate, false)
          .empty());
  model::Gateway scoped = MakeGateway("kubesphere-router-demo");
  scoped.controller.scope = {true, "demo"};  // its own project: fine
  EXPECT_TRUE(CheckPlacement(scoped, Operation::kUpdate, false).empty());
}

TEST(Placement, NamespaceMustBeKubesphereControlsSystem) {
  ExpectOnly(CheckPlacement(MakeGateway("kubesphere-router-demo", "NodePort", 0, 0, "demo"),
                            Operation::kCreate, false),
             "metadata.namespace",
             "Invalid value: \"demo\": gateways live in namespace "
             "kubesphere-controls-system");
}

TEST(Placement, NameMustBeRouterPrefixPlusProjectLabel) {
  ExpectOnly(CheckPlacement(MakeGateway("my-gateway"), Operation::kCreate, false), "metadata.name",
             "must be kubesphere-router-<project>");
  ExpectOnly(CheckPlacement(MakeGateway("kubesphere-router-"), Operation::kCreate, false),
             "metadata.name", "must be kubesphere-router-<project>");
  ExpectOnly(CheckPlacement(MakeGateway("kubesphere-router-Demo"), Operation::kCreate, false),
             "metadata.name",
             "the project \"Demo\" is not a valid namespace name: a lowercase RFC 1123 label");
  ExpectOnly(CheckPlacement(MakeGateway("kubesphere-router-a.b"), Operation::kCreate, false),
             "metadata.name", "the project \"a.b\" is not a valid namespace name");
  ExpectOnly(CheckPlacement(MakeGateway("kubesphere-router-" + std::string(64, 'a')),
                            Operation::kCreate, false),
             "metadata.name", "must be no more than 63 characters");
}

TEST(Placement, ProjectGatewayRefusedWhileClusterGatewayExists) {
  model::ErrorList errs =
      CheckPlacement(MakeGateway("kubesphere-router-demo"), Operation::kCreate, true);
  ExpectOnly(errs, "metadata.name",
             "Forbidden: cannot create a project gateway while the cluster gateway "
             "kubesphere-controls-system/kubesphere-router-kubesphere-system exists: the cluster "
             "gateway already serves every project, so two gateways would claim the same hosts");
  // Editing a project gateway that predates the cluster gateway stays possible, as in KubeSphere.
  EXPECT_TRUE(
      CheckPlacement(MakeGateway("kubesphere-router-demo"), Operation::kUpdate, true).empty());
}

TEST(Placement, ClusterGatewayWhileProjectGatewaysExistIsAllowedWithAWarning) {
  model::Gateway cluster = MakeGateway("kubesphere-router-kubesphere-system");
  EXPECT_TRUE(CheckPlacement(cluster, Operation::kCreate, false).empty());
  std::vector<std::string> warnings = PlacementWarnings(
      cluster, Operation::kCreate, {"kubesphere-router-a", "kubesphere-router-b"});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("kubesphere-router-a, kubesphere-router-b"), std::string::npos);
  EXPECT_NE(warnings[0].find("the cluster gateway now serves their projects"), std::string::npos);
  EXPECT_TRUE(PlacementWarnings(cluster, Operation::kCreate, {}).empty());
  EXPECT_TRUE(PlacementWarnings(cluster, Operation::kUpdate, {"kubesphere-router-a"}).empty());
  EXPECT_TRUE(PlacementWarnings(MakeGateway("kubesphere-router-c"), Operation::kCreate,
                                {"kubesphere-router-a"})
                  .empty());
}

TEST(Placement, ScopeOfAProjectGatewayIsItsProject) {
  model::Gateway other = MakeGateway("kubesphere-router-demo");
  other.controller.scope = {true, "prod"};
  ExpectOnly(CheckPlacement(other, Operation::kCreate, false), "spec.controller.scope.namespace",
             "Invalid value: \"prod\": a project gateway serves exactly its own project \"demo\"");
  model::Gateway cluster = MakeGateway("kubesphere-router-kubesphere-system");
  cluster.controller.scope = {true, "demo"};
  ExpectOnly(CheckPlacement(cluster, Operation::kCreate, false), "spec.controller.scope.namespace",
             "Forbidden: the cluster gateway serves every project");
  cluster.controller.scope = {true, ""};
  EXPECT_TRUE(CheckPlacement(cluster, Operation::kCreate, false).empty());
}

TEST(Placement, WithForcedScopeWritesTheProject) {
  nlohmann::json body = {
      {"metadata", {{"name", "kubesphere-router-demo"}}},
      {"spec", {{"controller", {{"replicas", 2}}}, {"service", {{"type", "NodePort"}}}}}};
  nlohmann::json out = WithForcedScope(body);
  EXPECT_EQ(out["spec"]["controller"]["scope"],
            (nlohmann::json{{"enabled", true}, {"namespace", "demo"}}));
  EXPECT_EQ(out["spec"]["controller"]["replicas"], 2);  // the rest is kept
  EXPECT_EQ(out["spec"]["service"]["type"], "NodePort");

  nlohmann::json bare = WithForcedScope({{"metadata", {{"name", "kubesphere-router-x"}}}});
  EXPECT_EQ(bare["spec"]["controller"]["scope"]["namespace"], "x");

  nlohmann::json cluster = {{"metadata", {{"name", "kubesphere-router-kubesphere-system"}}}};
  EXPECT_EQ(WithForcedScope(cluster), cluster);
  nlohmann::json odd = {{"metadata", {{"name", "kubesphere-router-x"}}}, {"spec", "nope"}};
  EXPECT_EQ(WithForcedScope(odd), odd);  // validation reports the bad spec, nothing throws
  EXPECT_EQ(WithForcedScope(nlohmann::json::array()), nlohmann::json::array());
}

TEST(Placement, GatewayForNamespacePrefersTheClusterGateway) {
  std::vector<model::Gateway> gateways = {
      MakeGateway("kubesphere-router-demo"), MakeGateway("kubesphere-router-prod"),
      MakeGateway("kubesphere-router-stray", "NodePort", 0, 0, "stray")};
  EXPECT_EQ(GatewayForNamespace("demo", gateways), &gateways[0]);
  EXPECT_EQ(GatewayForNamespace("prod", gateways), &gateways[1]);
  EXPECT_EQ(GatewayForNamespace("other", gateways), nullptr);
  EXPECT_EQ(GatewayForNamespace("stray", gateways), nullptr);  // not in the gateway namespace

  gateways.push_back(MakeGateway("kubesphere-router-kubesphere-system"));
  EXPECT_EQ(GatewayForNamespace("demo", gateways), &gateways[3]);
  EXPECT_EQ(GatewayForNamespace("other", gateways), &gateways[3]);

  model::ClusterState state;
  state.gateways = {MakeGateway("kubesphere-router-demo")};
  model::ClusterView view(state);
  EXPECT_EQ(GatewayForNamespace("demo", view.gateways), &state.gateways[0]);
}

}  // namespace
}  // namespace waygate::gateways
