// Registry over the real SQLite store: keys, resourceVersions, selectors, paging.
#include "api/registry.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace waygate::api {
namespace {

using nlohmann::json;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/registry-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    registry_ = std::make_unique<Registry>(store_.get());
    ingresses_ = FindResource("networking.k8s.io", "v1", "ingresses");
    ASSERT_NE(ingresses_, nullptr);
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  json Ingress(const std::string& ns, const std::string& name, json labels = json::object()) {
    return json{{"apiVersion", "networking.k8s.io/v1"},
                {"kind", "Ingress"},
                {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}}};
  }
  std::vector<std::string> Names(const ListResult& list) {
    std::vector<std::string> out;
    for (const json& item : list.items) out.push_back(item["metadata"]["name"]);
    return out;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Registry> registry_;
  const ResourceInfo* ingresses_ = nullptr;
};

TEST_F(RegistryTest, KeysSeparateNamespacesAndResources) {
  EXPECT_EQ(ObjectKey(*ingresses_, "demo", "web"),
            "/registry/networking.k8s.io/ingresses/demo/web");
  const ResourceInfo* ns = FindResource("", "v1", "namespaces");
  EXPECT_EQ(ObjectKey(*ns, "ignored", "demo"), "/registry/core/namespaces/demo");
  EXPECT_EQ(KeyPrefix(*ingresses_, ""), "/registry/networking.k8s.io/ingresses/");
}

TEST_F(RegistryTest, CreateUpdateDeleteWithResourceVersions) {
  auto created = registry_->Create(*ingresses_, Ingress("demo", "web"));
  ASSERT_TRUE(created.ok());
  std::string rv = (*created)["metadata"]["resourceVersion"];
  auto got = registry_->Get(*ingresses_, "demo", "web");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(registry_->Create(*ingresses_, Ingress("demo", "web")).error().code,
            ErrorCode::kConflict);
  json changed = *got;
  changed["metadata"]["labels"]["x"] = "y";
  auto updated = registry_->Update(*ingresses_, changed, *ParseResourceVersion(rv));
  ASSERT_TRUE(updated.ok());
  EXPECT_GT(*ParseResourceVersion((*updated)["metadata"]["resourceVersion"].get<std::string>()),
            *ParseResourceVersion(rv));
  // A write based on the old revision loses the compare-and-swap.
  EXPECT_EQ(registry_->Update(*ingresses_, changed, *ParseResourceVersion(rv)).error().code,
            ErrorCode::kConflict);
  auto deleted = registry_->Delete(*ingresses_, "demo", "web", 0);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ((*deleted)["metadata"]["labels"]["x"], "y");
  EXPECT_EQ(registry_->Get(*ingresses_, "demo", "web").error().code, ErrorCode::kNotFound);
}

TEST_F(RegistryTest, ListsByNamespaceWithSelectorsAndPaging) {
  for (int i = 0; i < 10; ++i) {
    json labels = {{"parity", i % 2 == 0 ? "even" : "odd"}};
    ASSERT_TRUE(registry_->Create(*ingresses_, Ingress("a", "r" + std::to_string(i), labels)).ok());
  }
  ASSERT_TRUE(registry_->Create(*ingresses_, Ingress("b", "other")).ok());
  ListOptions all;
  EXPECT_EQ(registry_->List(*ingresses_, "a", all)->items.size(), 10u);
  EXPECT_EQ(registry_->List(*ingresses_, "", all)->items.size(), 11u);

  ListOptions even;
  even.labels = *selector::LabelSelector::Parse("parity=even");
  EXPECT_EQ(Names(*registry_->List(*ingresses_, "a", even)),
            (std::vector<std::string>{"r0", "r2", "r4", "r6", "r8"}));

  // Pages of 3 of the even ones: every item once, across pages of one snapshot.
  even.limit = 3;
  auto page1 = registry_->List(*ingresses_, "a", even);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(Names(*page1), (std::vector<std::string>{"r0", "r2", "r4"}));
  ASSERT_FALSE(page1->continue_token.empty());
  EXPECT_FALSE(page1->remaining_item_count.has_value());  // unknown with a selector
  // A write between pages does not show up in the second page (same revision).
  ASSERT_TRUE(registry_->Create(*ingresses_, Ingress("a", "r5b", {{"parity", "even"}})).ok());
  even.continue_token = page1->continue_token;
  auto page2 = registry_->List(*ingresses_, "a", even);
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(Names(*page2), (std::vector<std::string>{"r6", "r8"}));
  EXPECT_TRUE(page2->continue_token.empty());
  EXPECT_EQ(page2->revision, page1->revision);

  ListOptions paged;
  paged.limit = 4;
  auto first = registry_->List(*ingresses_, "a", paged);
  ASSERT_TRUE(first->remaining_item_count.has_value());
  EXPECT_EQ(*first->remaining_item_count, 7);  // 11 in namespace a now, 4 returned

  ListOptions bad;
  bad.continue_token = "not-a-token";
  EXPECT_EQ(registry_->List(*ingresses_, "a", bad).error().code, ErrorCode::kInvalid);
}

TEST_F(RegistryTest, FieldSelectorsOnKindFields) {
  const ResourceInfo* secrets = FindResource("", "v1", "secrets");
  json tls = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"type", "kubernetes.io/tls"},
              {"metadata", {{"name", "cert"}, {"namespace", "a"}}}};
  json opaque = tls;
  opaque["type"] = "Opaque";
  opaque["metadata"]["name"] = "plain";
  ASSERT_TRUE(registry_->Create(*secrets, tls).ok());
  ASSERT_TRUE(registry_->Create(*secrets, opaque).ok());
  ListOptions by_type;
  by_type.fields = *selector::FieldSelector::Parse("type=kubernetes.io/tls",
                                                   SelectableFields(*secrets));
  EXPECT_EQ(Names(*registry_->List(*secrets, "a", by_type)), std::vector<std::string>{"cert"});
  EXPECT_FALSE(selector::FieldSelector::Parse("spec.bogus=x", SelectableFields(*secrets)).ok());
}

}  // namespace
}  // namespace waygate::api
