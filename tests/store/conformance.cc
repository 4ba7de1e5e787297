#include "conformance.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace waygate::store::testing {
namespace {

using namespace std::chrono_literals;

#define ASSERT_OK(expr)                                             \
  do {                                                              \
    auto _r = (expr);                                               \
    ASSERT_TRUE(_r.ok()) << #expr << ": " << _r.error().ToString(); \
  } while (0)

// Unwraps a Result or fails the test (returns from it).
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                               \
  auto lhs##_result = (expr);                                                         \
  ASSERT_TRUE(lhs##_result.ok()) << #expr << ": " << lhs##_result.error().ToString(); \
  auto lhs = std::move(*lhs##_result)

template <class T>
ErrorCode CodeOf(const Result<T>& r) {
  return r.ok() ? static_cast<ErrorCode>(-1) : r.error().code;
}

// "PUT /k=v @rev c=create v=version prev=old@rev" / "DEL /k @rev prev=old@rev": events
// compare as readable strings so a mismatch shows the whole sequence.
std::string Describe(const Event& e) {
  std::string s;
  if (e.type == EventType::kPut) {
    s = "PUT " + e.kv.key + "=" + e.kv.value + " @" + std::to_string(e.kv.mod_revision) +
        " c=" + std::to_string(e.kv.create_revision) + " v=" + std::to_string(e.kv.version);
  } else {
    s = "DEL " + e.kv.key + " @" + std::to_string(e.kv.mod_revision);
  }
  if (e.prev_kv) s += " prev=" + e.prev_kv->value + "@" + std::to_string(e.prev_kv->mod_revision);
  return s;
}

std::string Put(const KeyValue& kv, const std::optional<KeyValue>& prev = std::nullopt) {
  return Describe(Event{EventType::kPut, kv, prev});
}

std::string Del(const Event& e) { return Describe(e); }

class Recorder {
 public:
  WatchCallbacks Callbacks(std::chrono::milliseconds delay_per_event = 0ms) {
    return {[this, delay_per_event](const Event& e) {
              if (delay_per_event.count() > 0) std::this_thread::sleep_for(delay_per_event);
              std::lock_guard lock(mu_);
              events_.push_back(Describe(e));
              revisions_.push_back(e.kv.mod_revision);
              cv_.notify_all();
            },
            [this](const Error& e) {
              std::lock_guard lock(mu_);
              closed_ = e;
              cv_.notify_all();
            }};
  }
  bool WaitForEvents(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  bool WaitForClose(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return closed_.has_value(); });
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<int64_t> Revisions() {
    std::lock_guard lock(mu_);
    return revisions_;
  }
  std::optional<Error> Closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::vector<int64_t> revisions_;
  std::optional<Error> closed_;
};

std::vector<std::string> Keys(const RangeResult& r) {
  std::vector<std::string> keys;
  for (const auto& kv : r.kvs) keys.push_back(kv.key);
  return keys;
}

}  // namespace

void StoreConformanceTest::SetUp() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "waygate-store-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
  store_ = Open();
  ASSERT_NE(store_, nullptr);
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<Store> StoreConformanceTest::Open() {
  auto store = GetParam().open(dir_);
  EXPECT_TRUE(store.ok()) << store.error().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

// --- key/value and revisions -------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateGetUpdateDeleteTrackRevisionsAndVersions) {
  int64_t r0 = store_->CurrentRevision();
  EXPECT_GE(r0, 1);

  ASSERT_OK_AND_ASSIGN(created, store_->Create("/a", "v1"));
  EXPECT_EQ(created.mod_revision, r0 + 1);
  EXPECT_EQ(created.create_revision, r0 + 1);
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(store_->CurrentRevision(), r0 + 1);

  ASSERT_OK_AND_ASSIGN(got, store_->Get("/a"));
  ASSERT_EQ(got.kvs.size(), 1u);
  EXPECT_EQ(got.kvs[0].value, "v1");
  EXPECT_EQ(got.kvs[0].mod_revision, r0 + 1);
  EXPECT_EQ(got.revision, r0 + 1);

  ASSERT_OK_AND_ASSIGN(updated, store_->Update("/a", "v2", created.mod_revision));
  EXPECT_EQ(updated.value, "v2");
  EXPECT_EQ(updated.mod_revision, r0 + 2);
  EXPECT_EQ(updated.create_revision, r0 + 1);
  EXPECT_EQ(updated.version, 2);

  ASSERT_OK_AND_ASSIGN(deleted, store_->Delete("/a", updated.mod_revision));
  EXPECT_EQ(deleted.type, EventType::kDelete);
  EXPECT_EQ(deleted.kv.key, "/a");
  EXPECT_EQ(deleted.kv.mod_revision, r0 + 3);
  ASSERT_TRUE(deleted.prev_kv.has_value());
  EXPECT_EQ(deleted.prev_kv->value, "v2");
  EXPECT_EQ(deleted.prev_kv->version, 2);

  ASSERT_OK_AND_ASSIGN(gone, store_->Get("/a"));
  EXPECT_TRUE(gone.kvs.empty());
  EXPECT_EQ(gone.revision, r0 + 3);

  // A new life of the key: create_revision and version start over.
  ASSERT_OK_AND_ASSIGN(again, store_->Create("/a", "v3"));
  EXPECT_EQ(again.create_revision, r0 + 4);
  EXPECT_EQ(again.version, 1);
}

TEST_P(StoreConformanceTest, ValuesAreOpaqueBytes) {
  std::string value("{\"a\":1}\0\xff\n", 10);
  ASSERT_OK(store_->Create("/bin", value));
  ASSERT_OK(store_->Create("/empty", ""));
  ASSERT_OK_AND_ASSIGN(bin, store_->Get("/bin"));
  ASSERT_EQ(bin.kvs.size(), 1u);
  EXPECT_EQ(bin.kvs[0].value, value);
  ASSERT_OK_AND_ASSIGN(empty, store_->Get("/empty"));
  ASSERT_EQ(empty.kvs.size(), 1u);
  EXPECT_EQ(empty.kvs[0].value, "");
}

TEST_P(StoreConformanceTest, CompareAndSwapConflictsLeaveNoTrace) {
  ASSERT_OK_AND_ASSIGN(a, store_->Create("/a", "v1"));
  ASSERT_OK(store_->Update("/a", "v2", a.mod_revision));
  int64_t rev = store_->CurrentRevision();

  EXPECT_EQ(CodeOf(store_->Create("/a", "x")), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(store_->Update("/a", "stale", a.mod_revision)), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(store_->Delete("/a", a.mod_revision)), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(store_->Update("/missing", "x", 0)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store_->Delete("/missing", 0)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store_->Create("", "x")), ErrorCode::kInvalid);

  EXPECT_EQ(store_->CurrentRevision(), rev) << "failed writes must not advance the revision";
  ASSERT_OK_AND_ASSIGN(got, store_->Get("/a"));
  ASSERT_EQ(got.kvs.size(), 1u);
  EXPECT_EQ(got.kvs[0].value, "v2");
  EXPECT_EQ(got.kvs[0].version, 2);
}

TEST_P(StoreConformanceTest, ZeroExpectedRevisionMeansUnconditional) {
  ASSERT_OK(store_->Create("/a", "v1"));
  ASSERT_OK_AND_ASSIGN(updated, store_->Update("/a", "v2", 0));
  EXPECT_EQ(updated.version, 2);
  ASSERT_OK(store_->Delete("/a", 0));
  ASSERT_OK_AND_ASSIGN(got, store_->Get("/a"));
  EXPECT_TRUE(got.kvs.empty());
}

// --- range ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, RangeIsSortedAndIsolatedByPrefix) {
  for (const char* key : {"/r/b", "/r/a", "/rx/a", "/q/a", "/r/c", "/r"}) {
    ASSERT_OK(store_->Create(key, key));
  }
  ASSERT_OK_AND_ASSIGN(r, store_->Range("/r/", "", 0, 0));
  EXPECT_EQ(Keys(r), (std::vector<std::string>{"/r/a", "/r/b", "/r/c"}));
  EXPECT_EQ(r.count, 3);
  EXPECT_FALSE(r.more);
  EXPECT_EQ(r.revision, store_->CurrentRevision());
  EXPECT_EQ(r.kvs[1].value, "/r/b");

  ASSERT_OK_AND_ASSIGN(all, store_->Range("", "", 0, 0));
  EXPECT_EQ(Keys(all), (std::vector<std::string>{"/q/a", "/r", "/r/a", "/r/b", "/r/c", "/rx/a"}));

  ASSERT_OK_AND_ASSIGN(none, store_->Range("/zz/", "", 0, 0));
  EXPECT_TRUE(none.kvs.empty());
  EXPECT_EQ(none.count, 0);
}

TEST_P(StoreConformanceTest, RangePagesAFixedRevisionWhileWritesContinue) {
  std::map<std::string, std::string> original;
  for (int i = 0; i < 50; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "/p/%03d", i);
    ASSERT_OK(store_->Create(key, "v" + std::to_string(i)));
    original[key] = "v" + std::to_string(i);
  }
  ASSERT_OK(store_->Create("/pz", "outside"));

  ASSERT_OK_AND_ASSIGN(page, store_->Range("/p/", "", 10, 0));
  int64_t snapshot = page.revision;
  EXPECT_EQ(page.count, 50);
  EXPECT_TRUE(page.more);
  std::map<std::string, std::string> seen;
  int pages = 0;
  while (true) {
    ++pages;
    for (const auto& kv : page.kvs) seen[kv.key] = kv.value;
    // Writes between pages: change, delete and add keys on both sides of the cursor.
    std::string last = page.kvs.back().key;
    ASSERT_OK(store_->Update("/p/000", "changed" + std::to_string(pages), 0));
    ASSERT_OK(store_->Delete(original.rbegin()->first, 0));
    original.erase(std::prev(original.end()));
    ASSERT_OK(store_->Create("/p/" + std::to_string(pages) + "new", "new"));
    if (!page.more) break;
    auto next = store_->Range("/p/", last, 10, snapshot);
    ASSERT_TRUE(next.ok()) << next.error().ToString();
    EXPECT_EQ(next->revision, snapshot);
    EXPECT_EQ(next->count, 50 - 10 * pages) << "count is what remains after start_after";
    page = std::move(*next);
  }
  EXPECT_EQ(pages, 5);
  ASSERT_EQ(seen.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "/p/%03d", i);
    EXPECT_EQ(seen[key], "v" + std::to_string(i)) << key;
  }
}

TEST_P(StoreConformanceTest, RangeAtPastRevisionSeesThatState) {
  ASSERT_OK_AND_ASSIGN(a1, store_->Create("/s/a", "a1"));
  ASSERT_OK(store_->Create("/s/b", "b1"));
  int64_t past = store_->CurrentRevision();
  ASSERT_OK(store_->Update("/s/a", "a2", 0));
  ASSERT_OK(store_->Delete("/s/b", 0));
  ASSERT_OK(store_->Create("/s/c", "c1"));

  ASSERT_OK_AND_ASSIGN(then, store_->Range("/s/", "", 0, past));
  EXPECT_EQ(then.revision, past);
  ASSERT_EQ(Keys(then), (std::vector<std::string>{"/s/a", "/s/b"}));
  EXPECT_EQ(then.kvs[0].value, "a1");
  EXPECT_EQ(then.kvs[0].mod_revision, a1.mod_revision);
  EXPECT_EQ(then.kvs[0].version, 1);
  EXPECT_EQ(then.kvs[1].value, "b1");

  ASSERT_OK_AND_ASSIGN(now, store_->Range("/s/", "", 0, 0));
  ASSERT_EQ(Keys(now), (std::vector<std::string>{"/s/a", "/s/c"}));
  EXPECT_EQ(now.kvs[0].value, "a2");
  EXPECT_EQ(now.kvs[0].version, 2);

  EXPECT_EQ(CodeOf(store_->Range("/s/", "", 0, store_->CurrentRevision() + 5)),
            ErrorCode::kInvalid);
}

// --- watch ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, WatchFromNowDeliversExactEvents) {
  ASSERT_OK(store_->Create("/w/before", "old"));
  Recorder rec;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/w/", 0, rec.Callbacks()));

  ASSERT_OK_AND_ASSIGN(a1, store_->Create("/w/a", "1"));
  ASSERT_OK_AND_ASSIGN(a2, store_->Update("/w/a", "2", a1.mod_revision));
  ASSERT_OK_AND_ASSIGN(del, store_->Delete("/w/a", 0));
  ASSERT_OK_AND_ASSIGN(b, store_->Create("/w/b", "1"));

  ASSERT_TRUE(rec.WaitForEvents(4));
  EXPECT_EQ(rec.Events(), (std::vector<std::string>{Put(a1), Put(a2, a1), Del(del), Put(b)}));
  EXPECT_EQ(Del(del), "DEL /w/a @" + std::to_string(del.kv.mod_revision) + " prev=2@" +
                          std::to_string(a2.mod_revision));
  EXPECT_FALSE(rec.Closed().has_value());
}

TEST_P(StoreConformanceTest, WatchFromPastRevisionReplaysThenFollows) {
  ASSERT_OK_AND_ASSIGN(a1, store_->Create("/w/a", "1"));
  int64_t after = a1.mod_revision;
  ASSERT_OK_AND_ASSIGN(a2, store_->Update("/w/a", "2", 0));
  ASSERT_OK(store_->Create("/other/x", "x"));
  ASSERT_OK_AND_ASSIGN(b1, store_->Create("/w/b", "1"));

  Recorder rec;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/w/", after, rec.Callbacks()));
  ASSERT_OK_AND_ASSIGN(del, store_->Delete("/w/a", 0));
  ASSERT_OK_AND_ASSIGN(b2, store_->Update("/w/b", "2", b1.mod_revision));

  ASSERT_TRUE(rec.WaitForEvents(4));
  EXPECT_EQ(rec.Events(), (std::vector<std::string>{Put(a2, a1), Put(b1), Del(del), Put(b2, b1)}));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(rec.Events().size(), 4u) << "no duplicates after the replay";
}

TEST_P(StoreConformanceTest, WatchResumedFromLastSeenRevisionHasNoGapsOrDuplicates) {
  constexpr int kWrites = 60;
  std::vector<std::string> expected;  // written by the writer thread, read after join
  std::vector<std::string> got;
  int64_t last_seen = store_->CurrentRevision();
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      auto kv = store_->Create("/g/" + std::to_string(i), "v");
      if (kv.ok()) expected.push_back(Put(*kv));
    }
  });
  // Watch in short sessions, each resumed from the last revision the previous one saw, while
  // the writer keeps going.
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (got.size() < static_cast<size_t>(kWrites) && std::chrono::steady_clock::now() < deadline) {
    Recorder rec;
    auto watch = store_->WatchPrefix("/g/", last_seen, rec.Callbacks());
    ASSERT_TRUE(watch.ok()) << watch.error().ToString();
    rec.WaitForEvents(got.size() % 7 + 1, 200ms);
    watch->reset();  // nothing is delivered after this returns
    auto events = rec.Events();
    auto revisions = rec.Revisions();
    got.insert(got.end(), events.begin(), events.end());
    if (!revisions.empty()) last_seen = revisions.back();
  }
  writer.join();
  EXPECT_EQ(expected.size(), static_cast<size_t>(kWrites));
  EXPECT_EQ(got, expected);
}

TEST_P(StoreConformanceTest, WatchSeesOnlyItsPrefix) {
  Recorder in, all;
  ASSERT_OK_AND_ASSIGN(w1, store_->WatchPrefix("/ns/a/", 0, in.Callbacks()));
  ASSERT_OK_AND_ASSIGN(w2, store_->WatchPrefix("", 0, all.Callbacks()));
  ASSERT_OK(store_->Create("/ns/ab/x", "no"));
  ASSERT_OK(store_->Create("/ns/a", "no"));
  ASSERT_OK_AND_ASSIGN(yes, store_->Create("/ns/a/x", "yes"));
  ASSERT_OK(store_->Create("/ns/b/x", "no"));
  ASSERT_TRUE(all.WaitForEvents(4));
  int64_t head = store_->CurrentRevision();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (w1->DeliveredRevision() < head && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(w1->DeliveredRevision(), head);
  EXPECT_EQ(in.Events(), std::vector<std::string>{Put(yes)});
  EXPECT_EQ(all.Events().size(), 4u);
}

TEST_P(StoreConformanceTest, DeliveredRevisionCoversEventsOutsideThePrefix) {
  Recorder rec;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/quiet/", 0, rec.Callbacks()));
  ASSERT_OK(store_->Create("/busy/1", "x"));
  ASSERT_OK_AND_ASSIGN(last, store_->Create("/busy/2", "x"));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (watch->DeliveredRevision() < last.mod_revision &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(watch->DeliveredRevision(), last.mod_revision);
  EXPECT_TRUE(rec.Events().empty());
}

TEST_P(StoreConformanceTest, ManyWatchersEachGetEveryEventInOrder) {
  constexpr int kWatchers = 16;
  constexpr int kWrites = 100;
  std::vector<std::unique_ptr<Recorder>> recs;
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < kWatchers; ++i) {
    recs.push_back(std::make_unique<Recorder>());
    auto w = store_->WatchPrefix("/m/", 0, recs.back()->Callbacks());
    ASSERT_TRUE(w.ok());
    watches.push_back(std::move(*w));
  }
  std::vector<std::string> expected;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_OK_AND_ASSIGN(kv, store_->Create("/m/" + std::to_string(i), "v"));
    expected.push_back(Put(kv));
  }
  for (auto& rec : recs) {
    ASSERT_TRUE(rec->WaitForEvents(kWrites));
    EXPECT_EQ(rec->Events(), expected);
  }
  watches.clear();
}

TEST_P(StoreConformanceTest, SlowWatcherFallsBehindWithoutLosingEvents) {
  Recorder slow;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/slow/", 0, slow.Callbacks(2ms)));
  std::vector<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK_AND_ASSIGN(kv, store_->Create("/slow/" + std::to_string(i), "v"));
    expected.push_back(Put(kv));
  }
  ASSERT_TRUE(slow.WaitForEvents(300, 20s));
  EXPECT_EQ(slow.Events(), expected);
  EXPECT_FALSE(slow.Closed().has_value());
}

TEST_P(StoreConformanceTest, WatchCanBeDestroyedFromItsOwnCallback) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_ptr<Watch> watch;
  int calls = 0;
  bool ready = false;
  auto w = store_->WatchPrefix("/self/", 0,
                               {[&](const Event&) {
                                  std::unique_lock lock(mu);
                                  cv.wait(lock, [&] { return ready; });
                                  ++calls;
                                  watch.reset();
                                  cv.notify_all();
                                },
                                nullptr});
  ASSERT_TRUE(w.ok());
  {
    std::lock_guard lock(mu);
    watch = std::move(*w);
    ready = true;
  }
  ASSERT_OK(store_->Create("/self/1", "v"));
  ASSERT_OK(store_->Create("/self/2", "v"));
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return watch == nullptr; }));
  lock.unlock();
  std::this_thread::sleep_for(100ms);
  lock.lock();
  EXPECT_EQ(calls, 1);
}

// --- compaction ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CompactionMakesOldRevisionsGone) {
  ASSERT_OK_AND_ASSIGN(a1, store_->Create("/c/a", "a1"));
  ASSERT_OK(store_->Create("/c/b", "b1"));
  ASSERT_OK(store_->Delete("/c/b", 0));
  ASSERT_OK_AND_ASSIGN(a2, store_->Update("/c/a", "a2", 0));
  ASSERT_OK_AND_ASSIGN(d1, store_->Create("/c/d", "d1"));
  int64_t compact_at = a2.mod_revision;  // keeps a2 and d1 readable, drops a1 and b
  ASSERT_OK(store_->Compact(compact_at));
  EXPECT_EQ(store_->CompactedRevision(), compact_at);
  ASSERT_OK_AND_ASSIGN(e1, store_->Create("/c/e", "e1"));

  EXPECT_EQ(CodeOf(store_->Range("/c/", "", 0, a1.mod_revision)), ErrorCode::kGone);
  ASSERT_OK_AND_ASSIGN(at_compact, store_->Range("/c/", "", 0, compact_at));
  EXPECT_EQ(Keys(at_compact), std::vector<std::string>{"/c/a"});
  EXPECT_EQ(at_compact.kvs[0].value, "a2");

  Recorder gone;
  EXPECT_EQ(CodeOf(store_->WatchPrefix("/c/", a1.mod_revision, gone.Callbacks())),
            ErrorCode::kGone);
  // Events from the compaction revision on are still there.
  Recorder rec;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/c/", compact_at - 1, rec.Callbacks()));
  ASSERT_TRUE(rec.WaitForEvents(3));
  EXPECT_EQ(rec.Events(), (std::vector<std::string>{Put(a2, a1), Put(d1), Put(e1)}));

  ASSERT_OK(store_->Compact(compact_at - 1));  // older than the compaction point: no-op
  EXPECT_EQ(store_->CompactedRevision(), compact_at);
  EXPECT_EQ(CodeOf(store_->Compact(store_->CurrentRevision() + 1)), ErrorCode::kInvalid);
  ASSERT_OK(store_->Compact(store_->CurrentRevision()));
  ASSERT_OK_AND_ASSIGN(head, store_->Range("/c/", "", 0, 0));
  EXPECT_EQ(Keys(head), (std::vector<std::string>{"/c/a", "/c/d", "/c/e"}));
}

TEST_P(StoreConformanceTest, WatcherOvertakenByCompactionEndsWithGone) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<int64_t> seen;
  std::optional<Error> closed;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/o/", 0,
                                                  {[&](const Event& e) {
                                                     std::unique_lock lock(mu);
                                                     seen.push_back(e.kv.mod_revision);
                                                     cv.notify_all();
                                                     cv.wait(lock, [&] { return release; });
                                                   },
                                                   [&](const Error& e) {
                                                     std::lock_guard lock(mu);
                                                     closed = e;
                                                     cv.notify_all();
                                                   }}));
  ASSERT_OK_AND_ASSIGN(first, store_->Create("/o/0", "v"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return !seen.empty(); }));
  }
  // The watcher is stuck in its first event; history moves on and is compacted past it.
  for (int i = 1; i <= 5; ++i) ASSERT_OK(store_->Create("/o/" + std::to_string(i), "v"));
  ASSERT_OK(store_->Compact(store_->CurrentRevision()));
  {
    std::unique_lock lock(mu);
    release = true;
    cv.notify_all();
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return closed.has_value(); }));
    EXPECT_EQ(closed->code, ErrorCode::kGone) << closed->ToString();
    // Whatever it delivered before giving up is a gapless prefix of the history.
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], first.mod_revision + int64_t(i));
    EXPECT_LT(seen.size(), 6u);
  }
}

// --- durability ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, RestartPreservesDataRevisionAndHistory) {
  ASSERT_OK_AND_ASSIGN(a1, store_->Create("/d/a", "1"));
  ASSERT_OK_AND_ASSIGN(a2, store_->Update("/d/a", "2", 0));
  ASSERT_OK(store_->Create("/d/b", "1"));
  ASSERT_OK_AND_ASSIGN(del, store_->Delete("/d/b", 0));
  int64_t rev = store_->CurrentRevision();
  store_.reset();

  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->CurrentRevision(), rev);
  ASSERT_OK_AND_ASSIGN(got, store_->Range("/d/", "", 0, 0));
  ASSERT_EQ(Keys(got), std::vector<std::string>{"/d/a"});
  EXPECT_EQ(got.kvs[0].value, "2");
  EXPECT_EQ(got.kvs[0].version, 2);
  ASSERT_OK_AND_ASSIGN(next, store_->Create("/d/c", "1"));
  EXPECT_EQ(next.mod_revision, rev + 1) << "the revision continues after a restart";

  Recorder rec;
  ASSERT_OK_AND_ASSIGN(watch, store_->WatchPrefix("/d/a", a1.mod_revision, rec.Callbacks()));
  ASSERT_TRUE(rec.WaitForEvents(1));
  EXPECT_EQ(rec.Events(), std::vector<std::string>{Put(a2, a1)});
  (void)del;
}

TEST_P(StoreConformanceTest, KillNineLosesNoAcknowledgedWrite) {
  store_.reset();  // the child is the only writer
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto store = GetParam().open(dir_);
    if (!store.ok()) _exit(2);
    for (int64_t i = 0;; ++i) {
      auto kv = (*store)->Create("/k/" + std::to_string(i), "value-" + std::to_string(i));
      if (!kv.ok()) _exit(3);
      int64_t ack[2] = {i, kv->mod_revision};  // acknowledged: report it
      if (write(fds[1], ack, sizeof ack) != sizeof ack) _exit(4);
    }
  }
  close(fds[1]);
  std::mt19937 rng(std::random_device{}());
  const int kill_after = std::uniform_int_distribution<int>(20, 400)(rng);
  std::vector<std::pair<int64_t, int64_t>> acked;
  int64_t ack[2];
  bool killed = false;
  while (read(fds[0], ack, sizeof ack) == sizeof ack) {
    acked.emplace_back(ack[0], ack[1]);
    if (!killed && static_cast<int>(acked.size()) >= kill_after) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child ended on its own, status " << status;
  ASSERT_GE(acked.size(), static_cast<size_t>(kill_after));

  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_GE(store_->CurrentRevision(), acked.back().second);
  for (const auto& [i, rev] : acked) {
    auto got = store_->Get("/k/" + std::to_string(i));
    ASSERT_TRUE(got.ok()) << got.error().ToString();
    ASSERT_EQ(got->kvs.size(), 1u) << "acknowledged write " << i << " lost";
    EXPECT_EQ(got->kvs[0].value, "value-" + std::to_string(i));
    EXPECT_EQ(got->kvs[0].mod_revision, rev);
  }
  // The store is writable after the crash and continues the revision.
  ASSERT_OK_AND_ASSIGN(after, store_->Create("/k/after", "x"));
  EXPECT_GT(after.mod_revision, acked.back().second);
}

// --- concurrency ---------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ConcurrentCompareAndSwapLosesNoUpdate) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  ASSERT_OK(store_->Create("/counter", "0"));
  std::atomic<int> conflicts{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        auto got = store_->Get("/counter");
        if (!got.ok() || got->kvs.size() != 1) {
          ++errors;
          return;
        }
        int value = std::stoi(got->kvs[0].value);
        auto put = store_->Update("/counter", std::to_string(value + 1), got->kvs[0].mod_revision);
        if (put.ok()) {
          ++i;
        } else if (put.error().code == ErrorCode::kConflict) {
          ++conflicts;
        } else {
          ++errors;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  ASSERT_OK_AND_ASSIGN(got, store_->Get("/counter"));
  ASSERT_EQ(got.kvs.size(), 1u);
  EXPECT_EQ(got.kvs[0].value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(got.kvs[0].version, kThreads * kIncrements + 1);
  RecordProperty("cas_conflicts", conflicts.load());
}

// A figure, not an assertion: sequential acknowledged writes per second on this machine.
// Bounded in time as well as count: fsync speed varies a hundredfold between disks.
TEST_P(StoreConformanceTest, ReportsWriteThroughput) {
  constexpr int kMaxWrites = 1000;
  std::string value(512, 'x');
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int writes = 0;
  while (writes < kMaxWrites && elapsed() < 1.0) {
    ASSERT_OK(store_->Create("/tput/" + std::to_string(writes), value));
    ++writes;
  }
  int rate = static_cast<int>(writes / elapsed());
  RecordProperty("writes_per_second", rate);
  std::printf("[ figure   ] %s: %d acknowledged writes/s (%d writes, 512-byte values)\n",
              GetParam().name.c_str(), rate, writes);
  ASSERT_OK_AND_ASSIGN(all, store_->Range("/tput/", "", 0, 0));
  EXPECT_EQ(all.count, writes);
}

}  // namespace waygate::store::testing
