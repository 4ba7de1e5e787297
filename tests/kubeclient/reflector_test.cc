// The reflector's protocol behaviour against FakeApi (a scripted kube-apiserver stand-in on
// 127.0.0.1 port 0; see fake_api.h): list then watch from the list's resourceVersion, resume
// from the last seen resourceVersion after a drop (bookmarks advance it), relist on 410 and
// deliver the difference as one batch, back off on errors, treat a missing optional resource as
// empty, and stop promptly.
#include "kubeclient/reflector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kubeclient/backoff.h"
#include "kubeclient/fake_api.h"

namespace waygate::kubeclient {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPath = "/apis/networking.k8s.io/v1/ingresses";

Json Ingress(const std::string& ns, const std::string& name, const std::string& host = "a.test") {
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"rules", {{{"host", host}}}}}}};
}

// Collects batches; tests wait for a condition on them with a generous deadline (a loaded CI
// box is slow, never wrong).
class Batches {
 public:
  Reflector::Handler Handler() {
    return [this](Batch&& b) {
      std::lock_guard lock(mu_);
      batches_.push_back(std::move(b));
      cv_.notify_all();
    };
  }
  bool WaitFor(const std::function<bool(const std::vector<Batch>&)>& pred,
               std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(batches_); });
  }
  bool WaitForCount(size_t n) {
    return WaitFor([n](const auto& b) { return b.size() >= n; });
  }
  std::vector<Batch> Get() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch> batches_;
};

// Waits (bounded) until `pred` holds; sockets and threads need a moment, never a fixed sleep.
bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class ReflectorTest : public ::testing::Test {
 protected:
  // `fast_backoff`: short, exact waits so retries happen quickly and measurably.
  std::unique_ptr<Reflector> Start(ReflectorOptions options = {}, bool fast_backoff = true) {
    Config config;
    config.server = *ParseServerUrl(api_.url(), "t");
    auto cluster = Cluster::Create(config);
    EXPECT_TRUE(cluster.ok());
    if (options.path.empty()) options.path = kPath;
    options.api_version = "networking.k8s.io/v1";
    options.kind = "Ingress";
    if (fast_backoff) {
      if (options.backoff.initial == BackoffPolicy{}.initial) options.backoff.initial = 20ms;
      options.backoff.max = std::max<std::chrono::milliseconds>(options.backoff.initial, 200ms);
      options.backoff.jitter = 0;
    }
    return Reflector::Start(*cluster, std::move(options), batches_.Handler());
  }
  std::vector<testing::FakeRequest> Watches() { return api_.Requests(kPath, true); }
  std::vector<testing::FakeRequest> Lists() { return api_.Requests(kPath, false); }

  testing::FakeApi api_;
  Batches batches_;
};

TEST_F(ReflectorTest, ListsThenWatchesFromTheListResourceVersion) {
  api_.Put(kPath, Ingress("demo", "a"));
  api_.Put(kPath, Ingress("demo", "b"));
  std::string list_rv = api_.resource_version();
  auto r = Start();
  ASSERT_TRUE(batches_.WaitForCount(1));
  Batch first = batches_.Get()[0];
  EXPECT_TRUE(first.list);
  EXPECT_EQ(first.resource_version, list_rv);
  ASSERT_EQ(first.deltas.size(), 2u);
  EXPECT_EQ(first.deltas[0].type, DeltaType::kAdded);
  EXPECT_EQ(first.deltas[0].key, "demo/a");
  // List items come without type meta; the reflector restores it for decoding.
  EXPECT_EQ(first.deltas[0].object["kind"], "Ingress");
  EXPECT_EQ(first.deltas[0].object["apiVersion"], "networking.k8s.io/v1");

  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
  auto watch = Watches().at(0);
  EXPECT_EQ(watch.Param("resourceVersion"), list_rv);
  EXPECT_EQ(watch.Param("allowWatchBookmarks"), "true");
  EXPECT_EQ(watch.Param("timeoutSeconds"), "300");
  EXPECT_EQ(Lists().at(0).Param("limit"), "500");

  std::string rv = api_.Put(kPath, Ingress("demo", "c"));
  api_.Put(kPath, Ingress("demo", "a", "changed.test"));
  api_.Delete(kPath, "demo/b");
  ASSERT_TRUE(batches_.WaitFor([](const auto& b) {
    size_t n = 0;
    for (size_t i = 1; i < b.size(); ++i) n += b[i].deltas.size();
    return n >= 3;
  }));
  std::vector<std::string> seen;
  for (const auto& b : batches_.Get()) {
    if (b.list) continue;
    EXPECT_FALSE(b.resource_version.empty());
    for (const auto& d : b.deltas) seen.push_back(std::string(ToString(d.type)) + " " + d.key);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"added demo/c", "modified demo/a", "deleted demo/b"}));
  EXPECT_EQ(r->stats().resource_version, api_.resource_version());
  EXPECT_TRUE(r->stats().synced);
  EXPECT_EQ(r->stats().lists, 1u);
}

TEST_F(ReflectorTest, DroppedWatchResumesFromTheLastSeenResourceVersionWithoutRelisting) {
  auto r = Start();
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
  std::string rv = api_.Put(kPath, Ingress("demo", "a"));
  ASSERT_TRUE(batches_.WaitForCount(2));
  api_.DropWatches();
  ASSERT_TRUE(Eventually([&] { return Watches().size() == 2 && api_.open_watches() == 1; }));
  EXPECT_EQ(Watches()[1].Param("resourceVersion"), rv);
  EXPECT_EQ(Lists().size(), 1u) << "a drop is not a reason to relist";
  // Events after the reconnect still arrive, exactly once.
  api_.Put(kPath, Ingress("demo", "b"));
  ASSERT_TRUE(batches_.WaitForCount(3));
  auto all = batches_.Get();
  EXPECT_EQ(all[2].deltas.at(0).key, "demo/b");
  EXPECT_EQ(r->stats().relists, 0u);
  EXPECT_GE(r->stats().errors, 1u);
}

TEST_F(ReflectorTest, BookmarkAdvancesTheResumePoint) {
  auto r = Start();
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
  // Other resources move the global resourceVersion; this watch only learns of it by bookmark.
  api_.Put("/api/v1/services", {{"metadata", {{"namespace", "x"}, {"name", "s"}}}});
  std::string rv = api_.resource_version();
  api_.Bookmark(kPath);
  ASSERT_TRUE(batches_.WaitForCount(2));
  Batch bookmark = batches_.Get()[1];
  EXPECT_FALSE(bookmark.list);
  EXPECT_TRUE(bookmark.deltas.empty());
  EXPECT_EQ(bookmark.resource_version, rv);
  api_.DropWatches();
  ASSERT_TRUE(Eventually([&] { return Watches().size() == 2; }));
  EXPECT_EQ(Watches()[1].Param("resourceVersion"), rv);
}

TEST_F(ReflectorTest, ServerEndingTheWatchIsFollowedByAnImmediateRewatch) {
  ReflectorOptions options;
  options.watch_timeout_seconds = 1;
  options.backoff.initial = 5000ms;  // would show if the re-watch waited for a backoff
  auto r = Start(options);
  ASSERT_TRUE(Eventually([&] { return Watches().size() >= 3; }, 10s));
  EXPECT_EQ(Lists().size(), 1u);
  EXPECT_EQ(r->stats().errors, 0u);
}

TEST(ReflectorEdgeTest, WatchesEndedAtOnceDoNotBecomeABusyLoop) {
  // A proxy that cuts every watch short: each ends cleanly, at once, with no event.
  testing::FakeHttpServer server([](const testing::FakeRequest& r, testing::FakeConn& c) {
    if (r.Param("watch") == "true") {
      c.StartChunked();
      c.EndChunked();
    } else {
      c.SendJson(200, {{"kind", "IngressList"},
                       {"metadata", {{"resourceVersion", "5"}}},
                       {"items", Json::array()}});
    }
  });
  Config config;
  config.server = *ParseServerUrl(server.url(), "t");
  ReflectorOptions options;
  options.path = kPath;
  options.backoff = BackoffPolicy{20ms, 200ms, 2.0, 0};
  Batches batches;
  auto r = Reflector::Start(*Cluster::Create(config), options, batches.Handler());
  ASSERT_TRUE(Eventually([&] { return server.requests().size() >= 3; }));
  std::this_thread::sleep_for(300ms);
  r.reset();
  size_t watches = server.requests().size() - 1;
  EXPECT_LT(watches, 15u) << "re-watches are spaced by the backoff";
  for (const auto& req : server.requests()) {
    if (req.Param("watch") == "true") {
      EXPECT_EQ(req.Param("resourceVersion"), "5");
    }
  }
}

TEST_F(ReflectorTest, ErrorEvent410RelistsAndDeliversOnlyTheDifferenceInOneBatch) {
  api_.Put(kPath, Ingress("demo", "keep"));
  api_.Put(kPath, Ingress("demo", "change"));
  api_.Put(kPath, Ingress("demo", "remove"));
  auto r = Start();
  ASSERT_TRUE(batches_.WaitForCount(1));
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
  // Changes the watch never reports, then the watch expires.
  api_.PutSilently(kPath, Ingress("demo", "change", "new.test"));
  api_.DeleteSilently(kPath, "demo/remove");
  api_.PutSilently(kPath, Ingress("demo", "new"));
  api_.Compact();
  api_.ExpireWatches();
  ASSERT_TRUE(batches_.WaitForCount(2));
  Batch relist = batches_.Get()[1];
  EXPECT_TRUE(relist.list);
  EXPECT_EQ(relist.resource_version, api_.resource_version());
  std::vector<std::string> seen;
  for (const auto& d : relist.deltas) seen.push_back(std::string(ToString(d.type)) + " " + d.key);
  EXPECT_EQ(seen, (std::vector<std::string>{"modified demo/change", "added demo/new",
                                            "deleted demo/remove"}));
  EXPECT_EQ(relist.deltas[0].object["spec"]["rules"][0]["host"], "new.test");
  EXPECT_EQ(relist.deltas[2].object["metadata"]["namespace"], "demo");
  EXPECT_EQ(relist.deltas[2].object["kind"], "Ingress");
  EXPECT_EQ(Lists().size(), 2u);
  EXPECT_EQ(r->stats().relists, 1u);
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1 && Watches().size() == 2; }));
  EXPECT_EQ(Watches()[1].Param("resourceVersion"), relist.resource_version);
}

TEST_F(ReflectorTest, Http410OnRewatchRelists) {
  auto r = Start();
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
  api_.PutSilently(kPath, Ingress("demo", "missed"));
  api_.Compact(/*as_http=*/true);
  api_.DropWatches();  // the re-watch from the old resourceVersion gets HTTP 410
  ASSERT_TRUE(batches_.WaitForCount(2));
  Batch relist = batches_.Get()[1];
  EXPECT_TRUE(relist.list);
  ASSERT_EQ(relist.deltas.size(), 1u);
  EXPECT_EQ(relist.deltas[0].key, "demo/missed");
  EXPECT_EQ(r->stats().relists, 1u);
}

TEST_F(ReflectorTest, ListErrorsBackOffExponentially) {
  api_.Fail(kPath, 3, 500);
  auto t0 = std::chrono::steady_clock::now();
  auto r = Start();
  ASSERT_TRUE(batches_.WaitForCount(1));
  auto took = std::chrono::steady_clock::now() - t0;
  // Waits of 20 + 40 + 80 ms (no jitter) separate the four attempts.
  EXPECT_GE(took, 140ms);
  EXPECT_EQ(Lists().size(), 4u);
  EXPECT_EQ(r->stats().errors, 3u);
  EXPECT_NE(r->stats().last_error.find("500"), std::string::npos);
}

TEST_F(ReflectorTest, MissingOptionalResourceIsAnEmptyListRecheckedLater) {
  api_.SetMissing(kPath, true);
  ReflectorOptions options;
  options.missing_is_empty = true;
  options.missing_recheck = 50ms;
  auto r = Start(options);
  ASSERT_TRUE(batches_.WaitForCount(1));
  Batch empty = batches_.Get()[0];
  EXPECT_TRUE(empty.list);
  EXPECT_TRUE(empty.deltas.empty());
  EXPECT_TRUE(r->stats().synced);
  EXPECT_EQ(r->stats().errors, 0u) << "a missing CRD is not an error";
  EXPECT_TRUE(Watches().empty());
  // The CRD gets installed: the next check lists and watches it.
  api_.Put(kPath, Ingress("demo", "late"));
  api_.SetMissing(kPath, false);
  ASSERT_TRUE(batches_.WaitFor([](const auto& b) {
    for (const auto& x : b) {
      if (!x.deltas.empty() && x.deltas[0].key == "demo/late") return true;
    }
    return false;
  }));
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
}

TEST_F(ReflectorTest, WithoutMissingIsEmptyA404IsRetried) {
  api_.SetMissing(kPath, true);
  auto r = Start();
  ASSERT_TRUE(Eventually([&] { return Lists().size() >= 3; }));
  EXPECT_FALSE(r->stats().synced);
  EXPECT_TRUE(batches_.Get().empty());
}

TEST_F(ReflectorTest, StopsPromptlyDuringAWatchAndDuringABackoff) {
  auto watching = Start();
  ASSERT_TRUE(Eventually([&] { return api_.open_watches() == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  watching.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);

  api_.Fail(kPath, 1000, 500);
  ReflectorOptions options;
  options.backoff.initial = 10s;
  auto backing_off = Start(options, /*fast_backoff=*/false);
  ASSERT_TRUE(Eventually([&] { return backing_off->stats().errors >= 1; }));
  t0 = std::chrono::steady_clock::now();
  backing_off.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(BackoffTest, DoublesUpToTheCapAndResets) {
  Backoff b(BackoffPolicy{100ms, 1000ms, 2.0, 0});
  std::vector<int64_t> got;
  for (int i = 0; i < 6; ++i) got.push_back(b.Next().count());
  EXPECT_EQ(got, (std::vector<int64_t>{100, 200, 400, 800, 1000, 1000}));
  b.Reset();
  EXPECT_EQ(b.Next().count(), 100);
}

TEST(BackoffTest, JitterOnlyStretchesWithinItsFraction) {
  Backoff b(BackoffPolicy{100ms, 100ms, 2.0, 0.5}, 42);
  bool varied = false;
  int64_t first = -1;
  for (int i = 0; i < 100; ++i) {
    int64_t ms = b.Next().count();
    EXPECT_GE(ms, 100);
    EXPECT_LE(ms, 150);
    if (first < 0) first = ms;
    varied = varied || ms != first;
  }
  EXPECT_TRUE(varied);
}

}  // namespace
}  // namespace waygate::kubeclient
