// ApiSource end to end against FakeApi, a scripted kube-apiserver stand-in on 127.0.0.1 port 0
// (tests/kubeclient/fake_api.h; the lead's end-to-end tests run the same source against the
// real `waygate serve`). Pins: nothing is published before every kind is listed; watch events
// reach the route table; a burst becomes one snapshot; a relist is applied whole; a missing
// Gateway CRD is no obstacle; invalid objects are skipped and counted; shutdown is prompt.
#include "sync/api_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "kubeclient/fake_api.h"

namespace waygate::sync {
namespace {

using Json = nlohmann::json;
using kubeclient::testing::FakeApi;
using namespace std::chrono_literals;

constexpr const char* kIngresses = "/apis/networking.k8s.io/v1/ingresses";
constexpr const char* kServices = "/api/v1/services";
constexpr const char* kEndpoints = "/api/v1/endpoints";
constexpr const char* kSecrets = "/api/v1/secrets";
constexpr const char* kGateways = "/apis/gateway.kubesphere.io/v1alpha1/gateways";

Json Ingress(const std::string& name, const std::string& host, const std::string& service = "web") {
  Json path = {{"path", "/"},
               {"pathType", "Prefix"},
               {"backend", {{"service", {{"name", service}, {"port", {{"number", 80}}}}}}}};
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"namespace", "demo"}, {"name", name}}},
          {"spec", {{"rules", {{{"host", host}, {"http", {{"paths", {path}}}}}}}}}};
}

Json Service(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"namespace", "demo"}, {"name", name}}},
          {"spec", {{"ports", {{{"port", 80}, {"targetPort", 8080}}}}}}};
}

Json Endpoints(const std::string& name, const std::string& ip) {
  return {{"apiVersion", "v1"},
          {"kind", "Endpoints"},
          {"metadata", {{"namespace", "demo"}, {"name", name}}},
          {"subsets", {{{"addresses", {{{"ip", ip}}}}, {"ports", {{{"port", 8080}}}}}}}};
}

bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class ApiSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.SetMissing(kGateways, true);  // a plain cluster: no KubeSphere Gateway CRD
    api_.Put(kServices, Service("web"));
    api_.Put(kEndpoints, Endpoints("web", "10.0.0.7"));
    api_.Put(kIngresses, Ingress("web", "web.test"));
  }

  std::unique_ptr<ApiSource> Start(int debounce_ms = 5, int max_delay_ms = 50,
                                   std::function<void(ApiSourceOptions&)> tweak = nullptr) {
    ApiSourceOptions options;
    options.client.server = *kubeclient::ParseServerUrl(api_.url(), "test");
    options.client.source = "test";
    options.debounce_ms = debounce_ms;
    options.max_delay_ms = max_delay_ms;
    options.backoff.initial = 20ms;
    options.backoff.max = 100ms;
    options.missing_recheck = 100ms;
    if (tweak) tweak(options);
    auto source = ApiSource::Start(options, &cell_);
    EXPECT_TRUE(source.ok()) << source.error().message;
    return source.ok() ? std::move(*source) : nullptr;
  }

  // The upstream address the route for host/path resolves to; "" when no route, "-" when the
  // route has no backend or no endpoints.
  std::string Resolve(const std::string& host, const std::string& path = "/") {
    auto table = cell_.Load();
    if (!table) return "";
    const route::Route* r = table->Lookup(host, path);
    if (r == nullptr) return "";
    const route::Backend* backend = table->BackendOf(*r);
    if (backend == nullptr || backend->endpoints.empty()) return "-";
    return backend->endpoints[0].address;
  }

  FakeApi api_;
  SnapshotCell<route::RouteTable> cell_;
};

TEST_F(ApiSourceTest, PublishesOnlyOnceEveryKindIsListed) {
  api_.Fail(kSecrets, 1000000, 500);
  auto source = Start();
  ASSERT_TRUE(Eventually([&] {
    auto s = source->stats();
    int synced = 0;
    for (const auto& k : s.kinds) synced += k.synced;
    return synced == 6;
  }));
  EXPECT_FALSE(source->stats().kinds[5].synced) << "Secrets";
  EXPECT_FALSE(source->ready());
  EXPECT_EQ(cell_.Load(), nullptr);
  EXPECT_EQ(source->stats().reloads, 0u);

  api_.Fail(kSecrets, 0);
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  EXPECT_EQ(Resolve("web.test"), "10.0.0.7:8080");
  EXPECT_EQ(source->stats().reloads, 1u);
  EXPECT_TRUE(source->stats().kinds[6].synced) << "a missing Gateway CRD counts as listed";
}

TEST_F(ApiSourceTest, FollowsWatchEvents) {
  auto source = Start();
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  EXPECT_EQ(Resolve("web.test"), "10.0.0.7:8080");

  api_.Put(kIngresses, Ingress("shop", "shop.test"));
  ASSERT_TRUE(Eventually([&] { return Resolve("shop.test") == "10.0.0.7:8080"; }));
  std::string rv = api_.Put(kEndpoints, Endpoints("web", "10.0.0.8"));
  ASSERT_TRUE(Eventually([&] { return Resolve("web.test") == "10.0.0.8:8080"; }));
  EXPECT_EQ(source->stats().kinds[3].resource_version, rv) << "Endpoints";
  api_.Delete(kIngresses, "demo/shop");
  ASSERT_TRUE(Eventually([&] { return Resolve("shop.test").empty(); }));
  api_.Delete(kServices, "demo/web");
  ASSERT_TRUE(Eventually([&] { return Resolve("web.test") == "-"; }));

  auto stats = source->stats();
  EXPECT_EQ(stats.kinds[0].kind, "Ingress");
  EXPECT_EQ(stats.kinds[0].objects, 1u);
  EXPECT_EQ(stats.kinds[2].objects, 0u);
  EXPECT_EQ(stats.kinds[0].reflector.lists, 1u);
  EXPECT_GE(stats.reloads, 5u);
}

TEST_F(ApiSourceTest, BurstBecomesOneSnapshot) {
  auto source = Start(/*debounce_ms=*/300, /*max_delay_ms=*/5000);
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  uint64_t before = source->stats().reloads;
  for (int i = 0; i < 20; ++i) {
    api_.Put(kIngresses, Ingress("burst" + std::to_string(i), "b" + std::to_string(i) + ".test"));
  }
  ASSERT_TRUE(Eventually([&] { return Resolve("b19.test") == "10.0.0.7:8080"; }));
  EXPECT_EQ(Resolve("b0.test"), "10.0.0.7:8080");
  EXPECT_EQ(source->stats().reloads, before + 1);
}

TEST_F(ApiSourceTest, ChangesNoIngressNamesDoNotRecompile) {
  auto source = Start();
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  uint64_t before = source->stats().reloads;
  // A Service and Endpoints no Ingress routes to: stored, no new snapshot.
  api_.Put(kServices, Service("unrouted"));
  std::string rv = api_.Put(kEndpoints, Endpoints("unrouted", "10.0.0.9"));
  ASSERT_TRUE(Eventually([&] { return source->stats().kinds[3].resource_version == rv; }));
  EXPECT_EQ(source->stats().reloads, before);
  // An Ingress that names it now is compiled with the Service and Endpoints stored above.
  api_.Put(kIngresses, Ingress("late", "late.test", "unrouted"));
  ASSERT_TRUE(Eventually([&] { return Resolve("late.test") == "10.0.0.9:8080"; }));
  EXPECT_EQ(source->stats().reloads, before + 1);
  // From then on its endpoint changes are compiled.
  api_.Put(kEndpoints, Endpoints("unrouted", "10.0.0.10"));
  ASSERT_TRUE(Eventually([&] { return Resolve("late.test") == "10.0.0.10:8080"; }));
  // Deleting the last Ingress that names it makes it irrelevant again.
  api_.Delete(kIngresses, "demo/late");
  ASSERT_TRUE(Eventually([&] { return Resolve("late.test").empty(); }));
  uint64_t after_delete = source->stats().reloads;
  rv = api_.Put(kEndpoints, Endpoints("unrouted", "10.0.0.11"));
  ASSERT_TRUE(Eventually([&] { return source->stats().kinds[3].resource_version == rv; }));
  EXPECT_EQ(source->stats().reloads, after_delete);
}

TEST_F(ApiSourceTest, RelistAfter410IsAppliedWhole) {
  api_.Put(kIngresses, Ingress("old", "old.test"));
  auto source = Start(/*debounce_ms=*/0, /*max_delay_ms=*/0);
  ASSERT_TRUE(Eventually([&] { return source->ready() && Resolve("old.test") != ""; }));
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 6; }));
  uint64_t before = source->stats().reloads;
  // Three changes the watches never report; then every watch expires and every kind relists.
  api_.PutSilently(kIngresses, Ingress("web", "web2.test"));
  api_.DeleteSilently(kIngresses, "demo/old");
  api_.PutSilently(kIngresses, Ingress("new", "new.test"));
  api_.Compact();
  api_.ExpireWatches();
  ASSERT_TRUE(Eventually([&] { return Resolve("new.test") != ""; }));
  EXPECT_EQ(Resolve("web2.test"), "10.0.0.7:8080");
  EXPECT_EQ(Resolve("web.test"), "");
  EXPECT_EQ(Resolve("old.test"), "");
  // One snapshot for the Ingress relist (the other kinds relisted without a change): the three
  // changes were never published one at a time.
  ASSERT_TRUE(Eventually([&] {
    auto s = source->stats();
    uint64_t relists = 0;
    for (const auto& k : s.kinds) relists += k.reflector.relists;
    return relists == 6;
  }));
  EXPECT_EQ(source->stats().reloads, before + 1);
  EXPECT_EQ(source->stats().kinds[0].resource_version, api_.resource_version());
}

TEST_F(ApiSourceTest, ServedGatewayCollectionIsFollowedToo) {
  api_.SetMissing(kGateways, false);
  auto source = Start();
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  ASSERT_TRUE(Eventually([&] { return api_.Requests(kGateways, true).size() == 1; }));
  api_.Put(kGateways, {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
                       {"kind", "Gateway"},
                       {"metadata",
                        {{"namespace", "kubesphere-controls-system"},
                         {"name", "kubesphere-router-kubesphere-system"}}},
                       {"spec", {{"service", {{"type", "NodePort"}}}}}});
  ASSERT_TRUE(Eventually([&] { return source->stats().kinds[6].objects == 1; }));
}

// The seed's order (a Route and its Service exist before the project's gateway): the gateway's
// compiler, created when the Gateway appears, is fed every object held, so the very first set
// that names the gateway already serves the route; later changes reach it too.
TEST_F(ApiSourceTest, GatewayCreatedAfterItsRoutesServesThemInItsFirstTable) {
  api_.SetMissing(kGateways, false);
  std::mutex mu;
  std::vector<std::shared_ptr<const GatewayTables>> sets;
  auto source = Start(5, 50, [&](ApiSourceOptions& options) {
    options.on_gateways = [&](std::shared_ptr<const GatewayTables> set) {
      std::lock_guard lock(mu);
      sets.push_back(std::move(set));
    };
  });
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  const std::string key = "kubesphere-controls-system/kubesphere-router-demo";
  // The address `host` resolves to in each set that names the gateway, in publish order.
  auto resolved = [&](const std::string& host) {
    std::vector<std::string> out;
    std::lock_guard lock(mu);
    for (const auto& set : sets) {
      for (const auto& entry : set->gateways) {
        if (entry.gateway != key) continue;
        const route::Route* r = entry.table ? entry.table->Lookup(host, "/") : nullptr;
        const route::Backend* b = r ? entry.table->BackendOf(*r) : nullptr;
        out.push_back(b && !b->endpoints.empty() ? b->endpoints[0].address : "");
      }
    }
    return out;
  };
  api_.Put(kGateways, {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
                       {"kind", "Gateway"},
                       {"metadata",
                        {{"namespace", "kubesphere-controls-system"},
                         {"name", "kubesphere-router-demo"}}},
                       {"spec",
                        {{"service", {{"type", "NodePort"}}},
                         {"controller", {{"config", {{"proxy-read-timeout", "120"}}}}}}}});
  ASSERT_TRUE(Eventually([&] { return !resolved("web.test").empty(); }));
  EXPECT_EQ(resolved("web.test").front(), "10.0.0.7:8080");
  {
    std::lock_guard lock(mu);
    ASSERT_FALSE(sets.empty());
    for (const auto& entry : sets.back()->gateways) {
      if (entry.gateway == key) {
        EXPECT_EQ(entry.table->scope_namespace(), "demo");
      }
    }
  }
  // What changes after the gateway appeared reaches its table too.
  api_.Put(kEndpoints, Endpoints("web", "10.0.0.9"));
  ASSERT_TRUE(Eventually([&] { return resolved("web.test").back() == "10.0.0.9:8080"; }));
}

TEST_F(ApiSourceTest, InvalidObjectsAreSkippedAndCounted) {
  api_.Put(kIngresses, Ingress("bad", "UPPER.test"));
  auto source = Start();
  ASSERT_TRUE(Eventually([&] { return source->ready(); }));
  EXPECT_EQ(Resolve("web.test"), "10.0.0.7:8080");
  EXPECT_EQ(Resolve("upper.test"), "");
  EXPECT_GE(source->stats().diagnostics, 1u);
  // Fixing it makes the problem go away.
  api_.Put(kIngresses, Ingress("bad", "fixed.test"));
  ASSERT_TRUE(Eventually([&] { return Resolve("fixed.test") != ""; }));
  EXPECT_EQ(source->stats().diagnostics, 0u);
}

TEST_F(ApiSourceTest, UnreachableServerIsRetriedNotFatal) {
  ApiSourceOptions options;
  options.client.server = *kubeclient::ParseServerUrl("http://127.0.0.1:1", "test");
  options.backoff.initial = 10ms;
  auto source = ApiSource::Start(options, &cell_);
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(Eventually([&] { return (*source)->stats().kinds[0].reflector.errors >= 2; }));
  EXPECT_FALSE((*source)->ready());
}

TEST_F(ApiSourceTest, BadCaIsAnErrorAtStart) {
  ApiSourceOptions options;
  options.client.server = *kubeclient::ParseServerUrl("https://127.0.0.1:1", "test");
  options.client.ca_pem = "not a certificate";
  options.client.ca_field = "kubeconfig k: clusters[0].cluster.certificate-authority-data";
  auto source = ApiSource::Start(options, &cell_);
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.error().message.find("certificate-authority-data"), std::string::npos);
}

TEST_F(ApiSourceTest, StopsPromptly) {
  auto source = Start();
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 6; }));
  auto t0 = std::chrono::steady_clock::now();
  source.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(Eventually([&] { return api_.open_watches() == 0; }));
}

}  // namespace
}  // namespace waygate::sync
