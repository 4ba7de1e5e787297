// GatewayStatusController on the real SQLite store: Gateways, Nodes and Ingresses written as the
// API server and the gateway nodes write them; statuses, Events and the access snapshot read
// back as kubectl and the DNS server would see them.
#include "controller/gateway_status.h"

#include <gtest/gtest.h>

#include <ctime>

#include "controller/gateway_plan.h"
#include "controller/node_health.h"
#include "fixture.h"

namespace waygate::controller::testing {
namespace {

constexpr const char* kNs = "kubesphere-controls-system";

std::string Rfc3339(WallClock::time_point t) {
  std::time_t secs = WallClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const api::ResourceInfo& Gateways() {
  return *api::FindResource("gateway.kubesphere.io", "v1alpha1", "gateways");
}
const api::ResourceInfo& Ingresses() { return Info("networking.k8s.io", "ingresses"); }
const api::ResourceInfo& Nodes() { return Info("", "nodes"); }

json GatewayJson(const std::string& project, const std::string& type, int http, int https,
                 const std::string& lb_ip = "") {
  json service = {{"type", type},
                  {"ports",
                   {{{"name", "http"}, {"port", 80}, {"nodePort", http}},
                    {{"name", "https"}, {"port", 443}, {"nodePort", https}}}}};
  if (!lb_ip.empty()) service["loadBalancerIP"] = lb_ip;
  return {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
          {"kind", "Gateway"},
          {"metadata", {{"name", "kubesphere-router-" + project}, {"namespace", kNs}}},
          {"spec", {{"service", service}}}};
}

class GatewayStatusTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    CreateNamespace(kNs);
    CreateNamespace("other");
  }

  void TearDown() override {
    controller_.reset();
    StoreFixture::TearDown();
  }

  void StartController() {
    GatewayStatusOptions o = options_;
    o.on_change = [this](std::shared_ptr<const AccessSnapshot> s) {
      std::lock_guard<std::mutex> lock(seen_mu_);
      seen_.push_back(std::move(s));
    };
    auto started = GatewayStatusController::Start(store_.get(), std::move(o));
    ASSERT_TRUE(started.ok()) << started.error().ToString();
    controller_ = std::move(*started);
  }

  // Registers a node the way a gateway node does: create, then write status through /status.
  void CreateNode(const std::string& name, const std::string& internal_ip,
                  WallClock::time_point heartbeat, const std::string& external_ip = "") {
    Create(Nodes(), {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}});
    json addresses = {{{"type", "InternalIP"}, {"address", internal_ip}}};
    if (!external_ip.empty())
      addresses.push_back({{"type", "ExternalIP"}, {"address", external_ip}});
    WriteStatus(Nodes(), "", name,
                {{"addresses", addresses},
                 {"conditions",
                  {{{"type", "Ready"},
                    {"status", "True"},
                    {"reason", "GatewayReady"},
                    {"lastHeartbeatTime", Rfc3339(heartbeat)},
                    {"lastTransitionTime", Rfc3339(heartbeat)}}}}});
  }

  void WriteStatus(const api::ResourceInfo& info, const std::string& ns, const std::string& name,
                   json status) {
    auto got = registry_->Get(info, ns, name);
    ASSERT_TRUE(got.ok());
    json object = *got;
    object["status"] = std::move(status);
    api::PrepareForUpdate(info, *got, object, true, api::WriteContext{"node", api::NowRfc3339()});
    auto rev = api::ParseResourceVersion((*got)["metadata"]["resourceVersion"].get<std::string>());
    auto updated = registry_->Update(info, object, rev.value_or(0));
    ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  }

  json Get(const api::ResourceInfo& info, const std::string& ns, const std::string& name) {
    auto got = registry_->Get(info, ns, name);
    return got.ok() ? *got : json();
  }

  json GatewayLb(const std::string& project) {
    json g = Get(Gateways(), kNs, "kubesphere-router-" + project);
    return g.contains("status") ? g["status"].value("loadBalancer", json()) : json();
  }

  json IngressLb(const std::string& ns, const std::string& name) {
    json i = Get(Ingresses(), ns, name);
    return i.contains("status") ? i["status"].value("loadBalancer", json()) : json();
  }

  static json Ips(std::initializer_list<const char*> ips) {
    json ingress = json::array();
    for (const char* ip : ips) ingress.push_back({{"ip", ip}});
    return {{"ingress", ingress}};
  }

  // Waits until `read()` equals `want`; on timeout the last value is reported by the caller.
  bool WaitForValue(const std::function<json()>& read, const json& want, json* last) {
    return WaitFor([&] {
      *last = read();
      return *last == want;
    });
  }

  std::vector<json> GatewayEvents(const std::string& project) {
    return EventsAbout(kNs, "kubesphere-router-" + project);
  }

  GatewayStatusOptions options_;
  std::unique_ptr<GatewayStatusController> controller_;
  std::mutex seen_mu_;
  std::vector<std::shared_ptr<const AccessSnapshot>> seen_;
};

#define EXPECT_EVENTUALLY_EQ(read, want)                                               \
  do {                                                                                 \
    json last_;                                                                        \
    EXPECT_TRUE(WaitForValue([&] { return (read); }, (want), &last_)) << last_.dump(); \
  } while (0)

TEST_F(GatewayStatusTest, NodePortGatewayAndItsProjectsIngressesGetTheNodeAddresses) {
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  CreateNode("node-b", "10.0.0.2", WallClock::now() + std::chrono::hours(1), "203.0.113.2");
  Create(Gateways(), GatewayJson("demo", "NodePort", 31921, 32107));
  Create(Ingresses(), IngressTo("demo", "web", "web", {{"number", 80}}));
  Create(Ingresses(), IngressTo("other", "elsewhere", "web", {{"number", 80}}));
  StartController();

  // ExternalIP wins over InternalIP for node-b (ingress-nginx's rule).
  EXPECT_EVENTUALLY_EQ(GatewayLb("demo"), Ips({"10.0.0.1", "203.0.113.2"}));
  json status = Get(Gateways(), kNs, "kubesphere-router-demo")["status"];
  EXPECT_EQ(status["service"]["ports"],
            json::parse(R"([{"name":"http","port":80,"nodePort":31921,"protocol":"TCP"},
                            {"name":"https","port":443,"nodePort":32107,"protocol":"TCP"}])"));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), Ips({"10.0.0.1", "203.0.113.2"}));
  // No gateway serves project "other": its Ingress publishes nothing (and is not written).
  EXPECT_TRUE(IngressLb("other", "elsewhere").is_null());

  // An Ingress created later in the project gets the addresses too.
  Create(Ingresses(), IngressTo("demo", "late", "web", {{"number", 80}}));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "late"), Ips({"10.0.0.1", "203.0.113.2"}));
}

TEST_F(GatewayStatusTest, TheClusterGatewayServesEveryProject) {
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  Create(Ingresses(), IngressTo("demo", "web", "web", {{"number", 80}}));
  Create(Ingresses(), IngressTo("other", "api", "api", {{"number", 80}}));
  StartController();
  Create(Gateways(), GatewayJson("kubesphere-system", "NodePort", 30080, 30443));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), Ips({"10.0.0.1"}));
  EXPECT_EVENTUALLY_EQ(IngressLb("other", "api"), Ips({"10.0.0.1"}));

  // Deleting the gateway takes the addresses back out of every Ingress.
  auto deleted = registry_->Delete(Gateways(), kNs, "kubesphere-router-kubesphere-system", 0);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), json::object());
  EXPECT_EVENTUALLY_EQ(IngressLb("other", "api"), json::object());
}

TEST_F(GatewayStatusTest, ANodeThatStopsHeartbeatingIsMarkedAndItsAddressesLeave) {
  // Long enough that node-b (heartbeat truncated to the second) is surely Ready at start.
  options_.node_grace = std::chrono::milliseconds(3000);
  // node-a stands for a node that keeps posting (its heartbeat stays ahead of the clock).
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  CreateNode("node-b", "10.0.0.2", WallClock::now());
  Create(Gateways(), GatewayJson("demo", "NodePort", 31921, 32107));
  Create(Ingresses(), IngressTo("demo", "web", "web", {{"number", 80}}));
  StartController();
  EXPECT_EVENTUALLY_EQ(GatewayLb("demo"), Ips({"10.0.0.1", "10.0.0.2"}));

  // No write happens to node-b; the controller's timer alone notices the silence.
  EXPECT_EVENTUALLY_EQ(GatewayLb("demo"), Ips({"10.0.0.1"}));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), Ips({"10.0.0.1"}));
  json ready = Get(Nodes(), "", "node-b")["status"]["conditions"][0];
  EXPECT_EQ(ready["type"], "Ready");
  EXPECT_EQ(ready["status"], "Unknown");
  EXPECT_EQ(ready["reason"], "NodeStatusUnknown");
  EXPECT_EQ(ready["message"], "Gateway node stopped posting node status.");
  EXPECT_EQ(Get(Nodes(), "", "node-a")["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ(controller_->node_marks(), 1u);

  // It heartbeats again: back in.
  WriteStatus(Nodes(), "", "node-b",
              {{"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0.2"}}}},
               {"conditions",
                {{{"type", "Ready"},
                  {"status", "True"},
                  {"lastHeartbeatTime", Rfc3339(WallClock::now() + std::chrono::hours(1))}}}}});
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), Ips({"10.0.0.1", "10.0.0.2"}));
}

TEST_F(GatewayStatusTest, LoadBalancerAddressesFromThePoolPendingAndFreed) {
  auto pool = gateways::ParseAddressPool({"127.0.0.100-127.0.0.101"});
  ASSERT_TRUE(pool.ok());
  options_.lb_pool = *pool;
  options_.lb_ports = {8080, 8443};
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  Create(Ingresses(), IngressTo("demo", "web", "web", {{"number", 80}}));
  StartController();

  Create(Gateways(), GatewayJson("demo", "LoadBalancer", 31921, 32107));
  EXPECT_EVENTUALLY_EQ(GatewayLb("demo"), Ips({"127.0.0.100"}));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), Ips({"127.0.0.100"}));
  json ports = Get(Gateways(), kNs, "kubesphere-router-demo")["status"]["service"]["ports"];
  EXPECT_EQ(ports[0]["port"], 8080);
  EXPECT_EQ(ports[0]["nodePort"], 31921);

  // A requested address is honoured.
  Create(Gateways(), GatewayJson("other", "LoadBalancer", 31000, 31001, "127.0.0.101"));
  EXPECT_EVENTUALLY_EQ(GatewayLb("other"), Ips({"127.0.0.101"}));

  // The pool is exhausted: Pending, no address, exactly one Warning Event.
  Create(Gateways(), GatewayJson("third", "LoadBalancer", 31002, 31003));
  std::vector<json> events;
  ASSERT_TRUE(WaitFor([&] { return (events = GatewayEvents("third")).size() == 1; }));
  EXPECT_EQ(events[0]["type"], "Warning");
  EXPECT_EQ(events[0]["reason"], "AddressPoolExhausted");
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Gateway");
  EXPECT_EQ(events[0]["involvedObject"]["apiVersion"], "gateway.kubesphere.io/v1alpha1");
  EXPECT_EVENTUALLY_EQ(GatewayLb("third"), json::object());
  // Unrelated changes (a node, an Ingress, another gateway's label) bring passes, not Events.
  uint64_t passes = controller_->passes();
  CreateNode("node-b", "10.0.0.2", WallClock::now() + std::chrono::hours(1));
  ASSERT_TRUE(WaitFor([&] { return controller_->passes() > passes; }));
  passes = controller_->passes();
  Modify(Gateways(), kNs, "kubesphere-router-demo", [](json& g) {
    g["metadata"]["labels"] = {{"touched", "yes"}};
  });
  ASSERT_TRUE(WaitFor([&] { return controller_->passes() > passes; }));
  events = GatewayEvents("third");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 1);
  EXPECT_EQ(controller_->events_recorded(), 1u);

  // "other" goes away: its address is free, and "third" gets it.
  ASSERT_TRUE(registry_->Delete(Gateways(), kNs, "kubesphere-router-other", 0).ok());
  EXPECT_EVENTUALLY_EQ(GatewayLb("third"), Ips({"127.0.0.101"}));
  EXPECT_EQ(GatewayEvents("third").size(), 1u);
  EXPECT_EQ(GatewayLb("demo"), Ips({"127.0.0.100"}));
}

TEST_F(GatewayStatusTest, AddressesAreStableAcrossRestartsAndNothingIsRewritten) {
  auto pool = gateways::ParseAddressPool({"127.0.0.100-127.0.0.110"});
  ASSERT_TRUE(pool.ok());
  options_.lb_pool = *pool;
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  Create(Ingresses(), IngressTo("demo", "web", "web", {{"number", 80}}));
  Create(Gateways(), GatewayJson("demo", "LoadBalancer", 31921, 32107));
  StartController();
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "web"), Ips({"127.0.0.100"}));
  controller_.reset();

  // Another gateway appears while the controller is down; "demo" sorts after "alpha" and would
  // lose .100 to it if the controller did not keep what the status says.
  Create(Gateways(), GatewayJson("alpha", "LoadBalancer", 31000, 31001));
  std::string gw_rv = Get(Gateways(), kNs, "kubesphere-router-demo")["metadata"]["resourceVersion"];
  std::string ing_rv = Get(Ingresses(), "demo", "web")["metadata"]["resourceVersion"];
  StartController();
  EXPECT_EVENTUALLY_EQ(GatewayLb("alpha"), Ips({"127.0.0.101"}));
  EXPECT_EQ(GatewayLb("demo"), Ips({"127.0.0.100"}));

  // Unrelated writes: a pass runs, but neither the gateway nor the Ingress is written again.
  uint64_t passes = controller_->passes();
  CreateNode("node-b", "10.0.0.2", WallClock::now() + std::chrono::hours(1));
  Create(Ingresses(), IngressTo("other", "unserved", "web", {{"number", 80}}));
  ASSERT_TRUE(WaitFor([&] { return controller_->passes() > passes; }));
  // The marker: an Ingress created after those writes gets its status, so they were seen.
  Create(Ingresses(), IngressTo("demo", "marker", "web", {{"number", 80}}));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "marker"), Ips({"127.0.0.100"}));
  EXPECT_EQ(Get(Gateways(), kNs, "kubesphere-router-demo")["metadata"]["resourceVersion"], gw_rv);
  EXPECT_EQ(Get(Ingresses(), "demo", "web")["metadata"]["resourceVersion"], ing_rv);
  EXPECT_TRUE(IngressLb("other", "unserved").is_null());
  EXPECT_EQ(controller_->ingress_writes(), 1u);  // the marker only
}

TEST_F(GatewayStatusTest, AccessSnapshotListsGatewaysAndServedHosts) {
  options_.settle = std::chrono::milliseconds(20);
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  Create(Gateways(), GatewayJson("demo", "NodePort", 31921, 32107));
  Create(Ingresses(), IngressTo("demo", "web", "web", {{"number", 80}}));
  Create(Ingresses(), IngressTo("other", "api", "api", {{"number", 80}}));
  StartController();

  // Start publishes the first snapshot before returning.
  std::shared_ptr<const AccessSnapshot> snap = controller_->access();
  ASSERT_EQ(snap->gateways.size(), 1u);
  EXPECT_EQ(snap->gateways[0].gateway, "kubesphere-controls-system/kubesphere-router-demo");
  EXPECT_EQ(snap->gateways[0].type, "NodePort");
  EXPECT_EQ(snap->gateways[0].node_ports.http, 31921);
  EXPECT_EQ(snap->gateways[0].node_addresses, std::vector<std::string>{"10.0.0.1"});
  ASSERT_EQ(snap->hosts.size(), 1u);  // api.example.com: project "other" has no gateway
  EXPECT_EQ(snap->hosts[0].host, "web.example.com");
  EXPECT_EQ(snap->hosts[0].addresses, std::vector<std::string>{"10.0.0.1"});
  ASSERT_NE(snap->ForNamespace("demo"), nullptr);
  EXPECT_EQ(snap->ForNamespace("other"), nullptr);
  EXPECT_EQ(snap->FindHost("api.example.com"), nullptr);

  // The cluster gateway arrives: every host is served, and on_change hears about it.
  Create(Gateways(), GatewayJson("kubesphere-system", "NodePort", 30080, 30443));
  ASSERT_TRUE(WaitFor([&] { return controller_->access()->hosts.size() == 2; }));
  snap = controller_->access();
  const HostAccess* api = snap->FindHost("api.example.com");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->addresses, std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(snap->ForNamespace("demo")->gateway,
            "kubesphere-controls-system/kubesphere-router-kubesphere-system");
  {
    std::lock_guard<std::mutex> lock(seen_mu_);
    ASSERT_FALSE(seen_.empty());
    EXPECT_EQ(seen_.back(), snap);
  }
}

TEST_F(GatewayStatusTest, AGatewayChangeRewritesOnlyTheIngressesOfTheNamespacesItServes) {
  CreateNode("node-a", "10.0.0.1", WallClock::now() + std::chrono::hours(1));
  constexpr int kServed = 150;
  constexpr int kOthers = 50;
  for (int i = 0; i < kServed; ++i) {
    Create(Ingresses(), IngressTo("demo", "ing-" + std::to_string(i), "web", {{"number", 80}}));
  }
  for (int i = 0; i < kOthers; ++i) {
    Create(Ingresses(), IngressTo("other", "ing-" + std::to_string(i), "web", {{"number", 80}}));
  }
  StartController();
  Create(Gateways(), GatewayJson("demo", "NodePort", 31921, 32107));
  ASSERT_TRUE(WaitFor([&] { return controller_->ingress_writes() == kServed; }));

  // A second node: every served Ingress gets the new address list, once.
  CreateNode("node-b", "10.0.0.2", WallClock::now() + std::chrono::hours(1));
  ASSERT_TRUE(WaitFor([&] { return controller_->ingress_writes() == 2 * kServed; }));
  for (int i = 0; i < kServed; i += 37) {
    EXPECT_EQ(IngressLb("demo", "ing-" + std::to_string(i)), Ips({"10.0.0.1", "10.0.0.2"}));
  }
  EXPECT_TRUE(IngressLb("other", "ing-0").is_null());
  // A marker proves the writes are done, not just slow: nothing else is written afterwards.
  Create(Ingresses(), IngressTo("demo", "marker", "web", {{"number", 80}}));
  EXPECT_EVENTUALLY_EQ(IngressLb("demo", "marker"), Ips({"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(controller_->ingress_writes(), 2u * kServed + 1);
  // Hosts ing-0..49 are named in both projects; only the served project's addresses count.
  EXPECT_TRUE(WaitFor([&] { return controller_->access()->hosts.size() == kServed + 1u; }));
  const HostAccess* shared = controller_->access()->FindHost("ing-0.example.com");
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->addresses, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
}

// ---- pure parts ----

TEST(NodeHealthTest, ParsesRfc3339) {
  auto t = ParseRfc3339("2026-01-02T03:04:05Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(WallClock::to_time_t(*t), 1767323045);
  auto frac = ParseRfc3339("2026-01-02T03:04:05.5+01:00");
  ASSERT_TRUE(frac.has_value());
  EXPECT_EQ(*frac - *t, std::chrono::milliseconds(500) - std::chrono::hours(1));
  EXPECT_FALSE(ParseRfc3339("2026-01-02 03:04:05Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-01-02T03:04:05").has_value());
  EXPECT_FALSE(ParseRfc3339("").has_value());
}

TEST(NodeHealthTest, ReadyOnlyWhileTrueAndFresh) {
  WallClock::time_point now = WallClock::now();
  auto node = [&](const char* status, WallClock::time_point beat) {
    return ParseNodeHealth(
        {{"metadata", {{"name", "n"}}},
         {"status",
          {{"conditions",
            {{{"type", "Ready"}, {"status", status}, {"lastHeartbeatTime", Rfc3339(beat)}}}}}}});
  };
  std::chrono::milliseconds grace(40000);
  EXPECT_TRUE(IsReady(node("True", now), now, grace));
  EXPECT_FALSE(IsReady(node("True", now - std::chrono::seconds(41)), now, grace));
  EXPECT_TRUE(NeedsUnknownMark(node("True", now - std::chrono::seconds(41)), now, grace));
  EXPECT_FALSE(IsReady(node("False", now), now, grace));
  // A node that says it is not ready is not overwritten; one already Unknown is left alone.
  EXPECT_FALSE(NeedsUnknownMark(node("False", now - std::chrono::hours(1)), now, grace));
  EXPECT_FALSE(NeedsUnknownMark(node("Unknown", now - std::chrono::hours(1)), now, grace));
}

TEST(GatewayPlanTest, TheFirstHolderKeepsADoublyClaimedAddress) {
  auto pool = gateways::ParseAddressPool({"10.1.0.1-10.1.0.3"});
  ASSERT_TRUE(pool.ok());
  auto lb = [](const std::string& name) {
    model::Gateway g;
    g.meta.namespace_ = kNs;
    g.meta.name = name;
    g.service.type = "LoadBalancer";
    return g;
  };
  model::Gateway a = lb("kubesphere-router-a"), b = lb("kubesphere-router-b");
  PlanInput input;
  input.gateways = {&a, &b};
  input.held = {{KeyOf(a), "10.1.0.2"}, {KeyOf(b), "10.1.0.2"}};
  input.pool = &*pool;
  std::vector<PlannedGateway> plan = PlanGateways(input);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].access.lb_address, "10.1.0.2");
  EXPECT_EQ(plan[1].access.lb_address, "10.1.0.1");
  EXPECT_EQ(plan[1].status["loadBalancer"], json::parse(R"({"ingress":[{"ip":"10.1.0.1"}]})"));
}

}  // namespace
}  // namespace waygate::controller::testing
