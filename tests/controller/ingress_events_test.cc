// The controller end to end on the real SQLite store: objects written as the API server writes
// them, Events read back as `kubectl describe ingress` would find them.
#include "controller/ingress_events.h"

#include <gtest/gtest.h>

#include "common/forwarding_store.h"
#include "fixture.h"

namespace waygate::controller::testing {
namespace {

class IngressEventsTest : public StoreFixture {
 protected:
  void TearDown() override {
    controller_.reset();  // before the store it watches
    StoreFixture::TearDown();
  }

  void StartController(std::chrono::milliseconds settle = std::chrono::milliseconds(30)) {
    IngressEventsOptions options;
    options.settle = settle;
    auto started = IngressEventsController::Start(store_.get(), options);
    ASSERT_TRUE(started.ok()) << started.error().ToString();
    controller_ = std::move(*started);
  }

  // The Events about `name` once there are `n` of them (or whatever is there at the deadline).
  std::vector<json> WaitForEvents(const std::string& ns, const std::string& name, size_t n) {
    std::vector<json> events;
    WaitFor([&] {
      events = EventsAbout(ns, name);
      return events.size() >= n;
    });
    return events;
  }

  // Waits until the controller has finished `n` more checks than `since`.
  bool WaitForChecks(uint64_t since, uint64_t n = 1) {
    return WaitFor([&] { return controller_->checks() >= since + n; });
  }

  static const json* WithReason(const std::vector<json>& events, const std::string& reason) {
    for (const json& e : events) {
      if (e.value("reason", "") == reason) return &e;
    }
    return nullptr;
  }

  std::unique_ptr<IngressEventsController> controller_;
};

TEST_F(IngressEventsTest, MissingServiceGetsAWarningEventInTheIngresssNamespace) {
  StartController();
  json ingress = Create(Info("networking.k8s.io", "ingresses"),
                        IngressTo("demo", "web", "web", {{"number", 80}}));
  auto events = WaitForEvents("demo", "web", 1);
  ASSERT_EQ(events.size(), 1u);
  const json& e = events[0];
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "ServiceNotFound");
  EXPECT_EQ(e["message"], "service \"demo/web\" not found");
  EXPECT_EQ(e["metadata"]["namespace"], "demo");
  EXPECT_EQ(e["involvedObject"]["kind"], "Ingress");
  EXPECT_EQ(e["involvedObject"]["namespace"], "demo");
  EXPECT_EQ(e["involvedObject"]["name"], "web");
  EXPECT_EQ(e["involvedObject"]["uid"], ingress["metadata"]["uid"]);
  EXPECT_EQ(e["involvedObject"]["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(e["involvedObject"]["resourceVersion"], ingress["metadata"]["resourceVersion"]);
  EXPECT_EQ(e["source"]["component"], "waygate");
  EXPECT_EQ(e["reportingComponent"], "waygate");
  EXPECT_EQ(e["count"], 1);
  EXPECT_TRUE(EventsAbout("default", "web").empty());

  // kubectl describe finds it with exactly this field selector.
  auto selector = selector::FieldSelector::Parse(
      "involvedObject.name=web,involvedObject.namespace=demo,involvedObject.kind=Ingress,"
      "involvedObject.uid=" +
          ingress["metadata"]["uid"].get<std::string>(),
      api::SelectableFields(Info("", "events")));
  ASSERT_TRUE(selector.ok()) << selector.error().ToString();
  api::ListOptions options;
  options.fields = *selector;
  auto listed = registry_->List(Info("", "events"), "demo", options);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->items.size(), 1u);
}

TEST_F(IngressEventsTest, PortMissingThenAddedGivesOnePortEventAndNothingAfterTheFix) {
  StartController();
  Create(Info("", "services"), ServiceWith("demo", "web", {{{"name", "admin"}, {"port", 9000}}}));
  Create(Info("networking.k8s.io", "ingresses"), IngressTo("demo", "web", "web", {{"number", 80}}));
  auto events = WaitForEvents("demo", "web", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["reason"], "ServicePortNotFound");
  EXPECT_EQ(events[0]["message"], "service \"demo/web\" has no port 80");

  uint64_t before = controller_->checks();
  Modify(Info("", "services"), "demo", "web", [](json& svc) {
    svc["spec"]["ports"].push_back({{"name", "http"}, {"port", 80}});
  });
  ASSERT_TRUE(WaitForChecks(before)) << "the Service change did not re-check the Ingress";
  events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);  // the old Event stays, no new one
  EXPECT_EQ(events[0]["count"], 1);
  EXPECT_EQ(controller_->events_created(), 1u);
  EXPECT_EQ(controller_->events_aggregated(), 0u);
}

TEST_F(IngressEventsTest, PortByNameIsCheckedAgainstServicePortNames) {
  StartController();
  Create(Info("", "services"), ServiceWith("demo", "web", {{{"name", "http"}, {"port", 80}}}));
  Create(Info("networking.k8s.io", "ingresses"),
         IngressTo("demo", "web", "web", {{"name", "https"}}));
  auto events = WaitForEvents("demo", "web", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["message"], "service \"demo/web\" has no port named \"https\"");
}

TEST_F(IngressEventsTest, MissingAndInvalidTlsSecrets) {
  StartController();
  Create(Info("", "services"), ServiceWith("demo", "web", {{{"port", 80}}}));
  Create(Info("networking.k8s.io", "ingresses"),
         IngressTo("demo", "web", "web", {{"number", 80}}, "web-tls"));
  auto events = WaitForEvents("demo", "web", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["reason"], "SecretNotFound");
  EXPECT_EQ(events[0]["message"], "secret \"demo/web-tls\" not found");

  json opaque = TlsSecret("demo", "web-tls");
  opaque["type"] = "Opaque";
  Create(Info("", "secrets"), opaque);
  events = WaitForEvents("demo", "web", 2);
  ASSERT_EQ(events.size(), 2u);
  const json* invalid = WithReason(events, "SecretInvalid");
  ASSERT_NE(invalid, nullptr);
  EXPECT_EQ((*invalid)["message"],
            "secret \"demo/web-tls\" is of type \"Opaque\", not \"kubernetes.io/tls\"");
}

TEST_F(IngressEventsTest, ARepeatedProblemGrowsTheCountOfOneEvent) {
  StartController();
  Create(Info("networking.k8s.io", "ingresses"), IngressTo("demo", "web", "web", {{"number", 80}}));
  ASSERT_EQ(WaitForEvents("demo", "web", 1).size(), 1u);

  // A spec edit that still names the missing Service: checked again, same problem.
  Modify(Info("networking.k8s.io", "ingresses"), "demo", "web",
         [](json& ing) { ing["spec"]["rules"][0]["host"] = "other.example.com"; });
  std::vector<json> events;
  ASSERT_TRUE(WaitFor([&] {
    events = EventsAbout("demo", "web");
    return events.size() == 1 && events[0]["count"] == 2;
  })) << (events.empty() ? "no events" : events[0].dump());

  // A status-only write (what the status controller does) is not a reason to repeat.
  uint64_t before = controller_->checks();
  Modify(Info("networking.k8s.io", "ingresses"), "demo", "web", [](json& ing) {
    ing["metadata"]["labels"] = {{"touched", "yes"}};
  });
  // A second Ingress's check afterwards proves the label edit was processed (one watch, in
  // order; the dirty queue is first in, first out).
  Create(Info("networking.k8s.io", "ingresses"),
         IngressTo("demo", "marker", "nothing", {{"number", 80}}));
  ASSERT_EQ(WaitForEvents("demo", "marker", 1).size(), 1u);
  EXPECT_EQ(controller_->checks(), before + 1);
  events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 2);
}

TEST_F(IngressEventsTest, AServiceChangeRechecksOnlyTheIngressesNamingIt) {
  StartController();
  CreateNamespace("other");
  constexpr int kIngresses = 20;
  for (int i = 0; i < kIngresses; ++i) {
    Create(Info("networking.k8s.io", "ingresses"),
           IngressTo("demo", "ing-" + std::to_string(i), "web", {{"number", 80}}));
  }
  ASSERT_TRUE(WaitFor([&] { return controller_->events_created() == kIngresses; }));
  uint64_t before = controller_->checks();
  // Same name in another namespace, and an unrelated Service here: neither concerns them.
  Create(Info("", "services"), ServiceWith("other", "web", {{{"port", 80}}}));
  Create(Info("", "services"), ServiceWith("demo", "unrelated", {{{"port", 80}}}));
  // The marker's Service is watched after both; once its problem is recorded, anything the
  // two writes above had marked would have been checked already.
  Create(Info("networking.k8s.io", "ingresses"),
         IngressTo("demo", "marker", "marker", {{"number", 80}}));
  ASSERT_EQ(WaitForEvents("demo", "marker", 1).size(), 1u);
  uint64_t after_marker = controller_->checks();
  Create(Info("", "services"), ServiceWith("demo", "marker", {{{"port", 81}}}));
  auto events = WaitForEvents("demo", "marker", 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(after_marker, before + 1);
  EXPECT_EQ(controller_->checks(), before + 2);
}

TEST_F(IngressEventsTest, AnIngressAppliedJustBeforeItsServiceGetsNoWarning) {
  // The settle delay is what absorbs `kubectl apply -f` of an Ingress listed before its
  // Service; 2 s leaves room for a slow fsync on a busy machine.
  StartController(std::chrono::seconds(2));
  constexpr int kIngresses = 10;
  for (int i = 0; i < kIngresses; ++i) {
    Create(Info("networking.k8s.io", "ingresses"),
           IngressTo("demo", "ing-" + std::to_string(i), "web", {{"number", 80}}));
  }
  Create(Info("", "services"), ServiceWith("demo", "web", {{{"port", 80}}}));
  ASSERT_TRUE(WaitForChecks(0, kIngresses));
  EXPECT_EQ(controller_->checks(), static_cast<uint64_t>(kIngresses));  // each checked once
  EXPECT_EQ(controller_->events_created(), 0u);
  auto all = registry_->List(Info("", "events"), "demo", api::ListOptions{});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->items.empty());
}

TEST_F(IngressEventsTest, ProblemsPresentAtStartAreReportedAndARestartAggregates) {
  Create(Info("networking.k8s.io", "ingresses"), IngressTo("demo", "web", "web", {{"number", 80}}));
  StartController();
  ASSERT_EQ(WaitForEvents("demo", "web", 1).size(), 1u);
  controller_.reset();

  StartController();
  std::vector<json> events;
  ASSERT_TRUE(WaitFor([&] {
    events = EventsAbout("demo", "web");
    return !events.empty() && events[0]["count"] == 2;
  }));
  EXPECT_EQ(events.size(), 1u);
}

TEST_F(IngressEventsTest, DeletingTheServiceReportsAgainIntoTheSameEvent) {
  StartController();
  Create(Info("networking.k8s.io", "ingresses"), IngressTo("demo", "web", "web", {{"number", 80}}));
  ASSERT_EQ(WaitForEvents("demo", "web", 1).size(), 1u);
  uint64_t before = controller_->checks();
  Create(Info("", "services"), ServiceWith("demo", "web", {{{"port", 80}}}));
  ASSERT_TRUE(WaitForChecks(before));
  ASSERT_TRUE(registry_->Delete(Info("", "services"), "demo", "web", 0).ok());
  std::vector<json> events;
  ASSERT_TRUE(WaitFor([&] {
    events = EventsAbout("demo", "web");
    return events.size() == 1 && events[0]["count"] == 2;
  }));
}

// Delegates to the real store, but a test can end the watches on one prefix the way a store
// ends a watch that fell behind compaction: events stop, then on_close(kGone).
class CuttableStore : public waygate::testing::ForwardingStore {
 public:
  explicit CuttableStore(store::Store* inner) : ForwardingStore(inner) {}

  void Cut(std::string_view prefix) {
    std::vector<std::function<void(const Error&)>> closes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& w : watches_) {
        if (w->prefix == prefix && !w->cut) {
          w->cut = true;
          closes.push_back(w->on_close);
        }
      }
    }
    for (auto& close : closes) close(MakeError(ErrorCode::kGone, "compacted"));
  }
  int watches_opened(std::string_view prefix) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (auto& w : watches_) n += w->prefix == prefix;
    return n;
  }


  Result<std::unique_ptr<store::Watch>> WatchPrefix(std::string_view prefix, int64_t after,
                                                    store::WatchCallbacks callbacks) override {
    auto state = std::make_shared<State>();
    state->prefix = std::string(prefix);
    state->on_close = callbacks.on_close;
    store::WatchCallbacks wrapped;
    wrapped.on_event = [this, state, on_event = callbacks.on_event](const store::Event& e) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (state->cut) return;
      }
      on_event(e);
    };
    wrapped.on_close = callbacks.on_close;
    auto watch = inner_->WatchPrefix(prefix, after, std::move(wrapped));
    if (watch.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      watches_.push_back(state);
    }
    return watch;
  }

 private:
  struct State {
    std::string prefix;
    bool cut = false;
    std::function<void(const Error&)> on_close;
  };
  std::mutex mu_;
  std::vector<std::shared_ptr<State>> watches_;
};

TEST_F(IngressEventsTest, AWatchEndedByCompactionRelistsAndCatchesUp) {
  CuttableStore cuttable(store_.get());
  IngressEventsOptions options;
  options.settle = std::chrono::milliseconds(30);
  auto started = IngressEventsController::Start(&cuttable, options);
  ASSERT_TRUE(started.ok());
  controller_ = std::move(*started);
  const std::string services = api::KeyPrefix(Info("", "services"), "");
  Create(Info("networking.k8s.io", "ingresses"), IngressTo("demo", "web", "web", {{"number", 80}}));
  ASSERT_EQ(WaitForEvents("demo", "web", 1).size(), 1u);

  // Missed by the watch (it is cut first): only a relist can learn of this Service.
  cuttable.Cut(services);
  Create(Info("", "services"), ServiceWith("demo", "web", {{{"port", 81}}}));
  auto events = WaitForEvents("demo", "web", 2);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_NE(WithReason(events, "ServicePortNotFound"), nullptr);
  EXPECT_EQ(cuttable.watches_opened(services), 2);

  // And the new watch follows on from the relist.
  Modify(Info("", "services"), "demo", "web",
         [](json& svc) { svc["spec"]["ports"][0]["port"] = 82; });
  ASSERT_TRUE(WaitFor([&] {
    for (const json& e : EventsAbout("demo", "web")) {
      if (e["message"] == "service \"demo/web\" has no port 80" && e["count"] == 2) return true;
    }
    return false;
  }));
  controller_.reset();  // before `cuttable` goes out of scope
}

TEST_F(IngressEventsTest, StartRejectsANullStore) {
  auto started = IngressEventsController::Start(nullptr);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace waygate::controller::testing
