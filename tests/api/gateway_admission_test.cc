// Gateway admission: spec.controller.config checked with the gateways' own parser
// (route::ApplyGatewaySetting), on its own and through GatewayAdmission::Admit over a real store.
#include "api/gateway_admission.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "route/gateway_config_keys.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::api {
namespace {

using nlohmann::json;

TEST(GatewayConfigCheckTest, BadValueIsInvalidAtTheMapKeyWithTheParsersReason) {
  GatewayConfigCheck check = CheckGatewayConfig(
      {{"proxy-read-timeout", "banana"}, {"proxy-body-size", "8m"}, {"hsts", "maybe"}}, nullptr);
  ASSERT_FALSE(check.failure);
  ASSERT_EQ(check.invalid.size(), 2u);  // every bad key, in key order
  EXPECT_EQ(check.invalid[0].code, ErrorCode::kInvalid);
  EXPECT_EQ(check.invalid[0].field, "spec.controller.config[hsts]");
  EXPECT_EQ(check.invalid[1].field, "spec.controller.config[proxy-read-timeout]");
  EXPECT_TRUE(check.invalid[1].message.starts_with("Invalid value: \"banana\": invalid duration"))
      << check.invalid[1].message;
  EXPECT_TRUE(check.warnings.empty());
}

TEST(GatewayConfigCheckTest, EveryListedKeyAcceptsItsExample) {
  model::StringMap config;
  for (const route::GatewayConfigKey& key : route::GatewayConfigKeys()) {
    config[std::string(key.key)] = std::string(key.example);
  }
  GatewayConfigCheck check = CheckGatewayConfig(config, nullptr);
  EXPECT_TRUE(check.invalid.empty()) << check.invalid.front().ToString();
  EXPECT_TRUE(check.warnings.empty()) << check.warnings.front();
}

TEST(GatewayConfigCheckTest, UnknownKeyPassesWithAWarningAndASuggestion) {
  GatewayConfigCheck check =
      CheckGatewayConfig({{"proxy-read-timeuot", "30"}, {"worker-processes", "banana"}}, nullptr);
  EXPECT_TRUE(check.invalid.empty());
  ASSERT_EQ(check.warnings.size(), 2u);
  EXPECT_EQ(check.warnings[0],
            "spec.controller.config[proxy-read-timeuot]: unknown key, ignored by the gateways "
            "(did you mean \"proxy-read-timeout\"?)");
  EXPECT_EQ(check.warnings[1],
            "spec.controller.config[worker-processes]: unknown key, ignored by the gateways");
}

TEST(GatewayConfigCheckTest, UpdateKeepsAnUnchangedBadValueButRefusesAChangedOne) {
  model::StringMap stored{{"keep-alive", "forever"}, {"proxy-send-timeout", "10"}};
  GatewayConfigCheck same = CheckGatewayConfig(stored, &stored);
  EXPECT_TRUE(same.invalid.empty());
  ASSERT_EQ(same.warnings.size(), 1u);
  EXPECT_TRUE(same.warnings[0].starts_with("spec.controller.config[keep-alive]: unchanged invalid"))
      << same.warnings[0];

  model::StringMap changed{{"keep-alive", "forever!"}, {"proxy-send-timeout", "10"}};
  GatewayConfigCheck refused = CheckGatewayConfig(changed, &stored);
  ASSERT_EQ(refused.invalid.size(), 1u);
  EXPECT_EQ(refused.invalid[0].field, "spec.controller.config[keep-alive]");
  // A key that was valid and turns bad is refused too.
  model::StringMap worse{{"keep-alive", "forever"}, {"proxy-send-timeout", "soon"}};
  GatewayConfigCheck refused2 = CheckGatewayConfig(worse, &stored);
  ASSERT_EQ(refused2.invalid.size(), 1u);
  EXPECT_EQ(refused2.invalid[0].field, "spec.controller.config[proxy-send-timeout]");
}

class GatewayAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/gateway-admission-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    registry_ = std::make_unique<Registry>(store_.get());
    gateways_ = FindResource("gateway.kubesphere.io", "v1alpha1", "gateways");
    ASSERT_NE(gateways_, nullptr);
    admission_ = std::make_unique<GatewayAdmission>(registry_.get(),
                                                    gateways::PortRange{31000, 31009});
  }
  void TearDown() override {
    admission_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static json Gateway(json config) {
    json spec = {{"service", {{"type", "NodePort"}}}, {"deployment", {{"replicas", 1}}}};
    if (!config.is_null()) spec["controller"] = {{"config", std::move(config)}};
    return json{{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
                {"kind", "Gateway"},
                {"metadata",
                 {{"name", "kubesphere-router-demo"},
                  {"namespace", "kubesphere-controls-system"}}},
                {"spec", std::move(spec)}};
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<GatewayAdmission> admission_;
  const ResourceInfo* gateways_ = nullptr;
};

TEST_F(GatewayAdmissionTest, CreateWithBadConfigIsInvalidAndAllocatesNothing) {
  json object = Gateway({{"proxy-read-timeout", "banana"}});
  GatewayVerdict verdict = admission_->Admit(*gateways_, object, nullptr, false);
  ASSERT_EQ(verdict.invalid.size(), 1u);
  EXPECT_EQ(verdict.invalid[0].field, "spec.controller.config[proxy-read-timeout]");
  EXPECT_FALSE(verdict.failure);
  EXPECT_FALSE(object["spec"]["service"].contains("ports"));  // no node port taken
}

TEST_F(GatewayAdmissionTest, ConfigAndPlacementErrorsComeTogether) {
  json object = Gateway({{"proxy-body-size", "huge"}});
  object["metadata"]["name"] = "not-a-router";
  GatewayVerdict verdict = admission_->Admit(*gateways_, object, nullptr, false);
  std::vector<std::string> fields;
  for (const Error& e : verdict.invalid) fields.push_back(e.field);
  ASSERT_GE(fields.size(), 2u);
  EXPECT_EQ(fields[0], "spec.controller.config[proxy-body-size]");
  EXPECT_NE(std::find(fields.begin(), fields.end(), "metadata.name"), fields.end());
}

TEST_F(GatewayAdmissionTest, GoodAndUnknownKeysPassWithWarningsAndPorts) {
  json object = Gateway({{"proxy-read-timeout", "120"}, {"hsts-preload", "true"},
                         {"enable-brotli", "true"}});
  GatewayVerdict verdict = admission_->Admit(*gateways_, object, nullptr, false);
  EXPECT_TRUE(verdict.invalid.empty()) << verdict.invalid.front().ToString();
  EXPECT_FALSE(verdict.failure);
  ASSERT_EQ(verdict.warnings.size(), 1u);
  EXPECT_EQ(verdict.warnings[0],
            "spec.controller.config[enable-brotli]: unknown key, ignored by the gateways");
  EXPECT_EQ(object["spec"]["service"]["ports"].size(), 2u);
  EXPECT_EQ(object["spec"]["controller"]["config"]["proxy-read-timeout"], "120");
}

TEST_F(GatewayAdmissionTest, UpdateRatchetsOnlyUnchangedValues) {
  json old = Gateway({{"proxy-read-timeout", "banana"}});
  json next = old;
  next["spec"]["deployment"]["replicas"] = 2;
  GatewayVerdict kept = admission_->Admit(*gateways_, next, &old, false);
  EXPECT_TRUE(kept.invalid.empty()) << kept.invalid.front().ToString();
  ASSERT_EQ(kept.warnings.size(), 1u);
  next["spec"]["controller"]["config"]["proxy-read-timeout"] = "apple";
  kept.hold.unlock();
  GatewayVerdict refused = admission_->Admit(*gateways_, next, &old, false);
  ASSERT_EQ(refused.invalid.size(), 1u);
  EXPECT_EQ(refused.invalid[0].field, "spec.controller.config[proxy-read-timeout]");
}

TEST_F(GatewayAdmissionTest, StatusWritesAreNotChecked) {
  json object = Gateway({{"proxy-read-timeout", "banana"}});
  GatewayVerdict verdict = admission_->Admit(*gateways_, object, &object, true);
  EXPECT_TRUE(verdict.invalid.empty());
  EXPECT_TRUE(verdict.warnings.empty());
}

}  // namespace
}  // namespace waygate::api
