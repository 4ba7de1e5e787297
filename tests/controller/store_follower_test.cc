// StoreFollower against the real SQLite store: the first list, watch order, a real kGone
// (the store's watcher overtaken by compaction) and the relist's synthesized deletes, and the
// retry of a watch that could not be reopened.
#include "controller/store_follower.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "common/forwarding_store.h"
#include "fixture.h"

namespace waygate::controller::testing {
namespace {

using Origin = StoreFollower::Origin;

// Delegates to the real store. While the gate is shut, the store's watcher threads block in
// their next on_event, so writes made meanwhile pile up in history where a compaction can
// overtake them, exactly as with a slow consumer. The next WatchPrefix calls can be failed.
class GatedStore : public waygate::testing::ForwardingStore {
 public:
  explicit GatedStore(store::Store* inner) : ForwardingStore(inner) {}

  void Shut() {
    std::lock_guard<std::mutex> lock(mu_);
    shut_ = true;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shut_ = false;
    }
    cv_.notify_all();
  }
  // Watcher threads waiting at the gate.
  int blocked() {
    std::lock_guard<std::mutex> lock(mu_);
    return blocked_;
  }
  void FailNextWatches(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_watches_ = n;
  }
  int watch_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return watch_calls_;
  }


  Result<std::unique_ptr<store::Watch>> WatchPrefix(std::string_view prefix, int64_t after,
                                                    store::WatchCallbacks callbacks) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++watch_calls_;
      if (fail_watches_ > 0) {
        --fail_watches_;
        return MakeError(ErrorCode::kIo, "watch refused by the test");
      }
    }
    store::WatchCallbacks wrapped;
    wrapped.on_event = [this, on_event = callbacks.on_event](const store::Event& e) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        ++blocked_;
        cv_.wait(lock, [&] { return !shut_; });
        --blocked_;
      }
      on_event(e);
    };
    wrapped.on_close = callbacks.on_close;
    return inner_->WatchPrefix(prefix, after, std::move(wrapped));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool shut_ = false;
  int blocked_ = 0;
  int fail_watches_ = 0;
  int watch_calls_ = 0;
};

struct Seen {
  size_t source;
  store::EventType type;
  std::string name;
  int64_t revision;
  Origin origin;
};

class StoreFollowerTest : public StoreFixture {
 protected:
  static constexpr const char* kA = "/test/a/";
  static constexpr const char* kB = "/test/b/";

  void Follow(store::Store* store, std::chrono::milliseconds retry = std::chrono::seconds(1)) {
    StoreFollower::Handlers handlers;
    handlers.apply = [this](const StoreFollower::Change& c) {
      EXPECT_EQ(c.key, std::string(c.source == 0 ? kA : kB) + c.name);
      seen_.push_back({c.source, c.type, c.name, c.revision, c.origin});
      if (c.type == store::EventType::kPut) {
        model_[c.source][c.name] = c.value;
      } else {
        model_[c.source].erase(c.name);
      }
    };
    handlers.known_names = [this](size_t source) {
      std::vector<std::string> names;
      for (const auto& [name, value] : model_[source]) names.push_back(name);
      return names;
    };
    follower_ = std::make_unique<StoreFollower>(store, std::vector<std::string>{kA, kB}, retry,
                                                "store follower test", std::move(handlers));
    Status booted = follower_->Bootstrap();
    ASSERT_TRUE(booted.ok()) << booted.error().ToString();
  }

  // Drives the follower on this thread, as a controller's loop does, until `done` holds.
  bool PumpUntil(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      if (!follower_->Wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(20))) {
        return false;
      }
      follower_->Dispatch();
    }
    return true;
  }

  int64_t Put(const std::string& key, const std::string& value) {
    auto got = store_->Get(key);
    EXPECT_TRUE(got.ok());
    auto written =
        got.ok() && !got->kvs.empty() ? store_->Update(key, value, 0) : store_->Create(key, value);
    EXPECT_TRUE(written.ok()) << written.error().ToString();
    return written.ok() ? written->mod_revision : 0;
  }
  int64_t Remove(const std::string& key) {
    auto deleted = store_->Delete(key, 0);
    EXPECT_TRUE(deleted.ok()) << deleted.error().ToString();
    return deleted.ok() ? deleted->kv.mod_revision : 0;
  }

  // What the store holds under `prefix`, as name -> value.
  std::map<std::string, std::string> Stored(const std::string& prefix) {
    std::map<std::string, std::string> out;
    auto range = store_->Range(prefix, "", 0, 0);
    EXPECT_TRUE(range.ok());
    if (range.ok()) {
      for (const auto& kv : range->kvs) out[kv.key.substr(prefix.size())] = kv.value;
    }
    return out;
  }

  void TearDown() override {
    follower_.reset();
    StoreFixture::TearDown();
  }

  std::unique_ptr<StoreFollower> follower_;
  std::vector<Seen> seen_;
  std::map<std::string, std::string> model_[2];
};

TEST_F(StoreFollowerTest, ListsFirstThenFollowsEachPrefixInRevisionOrderExactlyOnce) {
  Put(std::string(kA) + "one", "1");
  Put(std::string(kB) + "two", "2");
  Put("/test/c/elsewhere", "x");  // under neither prefix
  Follow(store_.get());
  ASSERT_EQ(seen_.size(), 2u);
  for (const Seen& s : seen_) EXPECT_EQ(s.origin, Origin::kList);
  seen_.clear();

  // Interleaved writes on both prefixes, updates and deletes included.
  std::vector<int64_t> revisions[2];
  for (int i = 0; i < 40; ++i) {
    const char* prefix = i % 3 == 0 ? kB : kA;
    std::string key = std::string(prefix) + "k" + std::to_string(i % 7);
    int64_t rev = (i % 5 == 4 && store_->Get(key)->kvs.size() == 1) ? Remove(key)
                                                                    : Put(key, std::to_string(i));
    revisions[prefix == kA ? 0 : 1].push_back(rev);
  }
  ASSERT_TRUE(PumpUntil([&] { return seen_.size() == revisions[0].size() + revisions[1].size(); }));

  std::vector<int64_t> got[2];
  for (const Seen& s : seen_) {
    EXPECT_EQ(s.origin, Origin::kWatch);
    got[s.source].push_back(s.revision);
  }
  EXPECT_EQ(got[0], revisions[0]);  // every write once, in the order it committed
  EXPECT_EQ(got[1], revisions[1]);
  EXPECT_EQ(model_[0], Stored(kA));
  EXPECT_EQ(model_[1], Stored(kB));
}

TEST_F(StoreFollowerTest, ARelistAfterCompactionSynthesizesTheDeleteOfAVanishedKey) {
  GatedStore gated(store_.get());
  Put(std::string(kA) + "keep", "k");
  Put(std::string(kA) + "gone", "g");
  Follow(&gated);
  ASSERT_EQ(model_[0].size(), 2u);
  seen_.clear();
  const int watches_before = gated.watch_calls();

  // The watcher on kA reads this write and then sits at the gate, like a slow consumer.
  gated.Shut();
  const int64_t seen_rev = Put(std::string(kA) + "new", "n");
  ASSERT_TRUE(WaitFor([&] { return gated.blocked() == 1; }));
  // Meanwhile: a delete and a create, and a compaction past both. No watch can deliver them.
  const int64_t delete_rev = Remove(std::string(kA) + "gone");
  Put(std::string(kA) + "late", "l");
  ASSERT_TRUE(store_->Compact(store_->CurrentRevision()).ok());
  gated.Open();

  // The watcher delivers what it had read, then the store ends it with kGone; the follower
  // relists and reopens.
  ASSERT_TRUE(PumpUntil([&] { return gated.watch_calls() == watches_before + 1; }));
  EXPECT_EQ(model_[0], Stored(kA));
  bool put_seen = false;
  bool delete_synthesized = false;
  for (const Seen& s : seen_) {
    if (s.name == "new" && s.origin == Origin::kWatch && s.revision == seen_rev) put_seen = true;
    if (s.name == "gone") {
      EXPECT_EQ(s.type, store::EventType::kDelete);
      EXPECT_EQ(s.origin, Origin::kRelist);
      EXPECT_GE(s.revision, delete_rev);  // the relist's revision: the real one is compacted
      delete_synthesized = true;
    }
  }
  EXPECT_TRUE(put_seen);
  EXPECT_TRUE(delete_synthesized);
  EXPECT_EQ(model_[0].count("late"), 1u);

  // The reopened watch follows on from the relist.
  seen_.clear();
  const int64_t after = Put(std::string(kA) + "after", "a");
  ASSERT_TRUE(PumpUntil([&] { return !seen_.empty(); }));
  EXPECT_EQ(seen_[0].name, "after");
  EXPECT_EQ(seen_[0].revision, after);
  EXPECT_EQ(seen_[0].origin, Origin::kWatch);
  follower_.reset();  // before `gated` goes out of scope
}

TEST_F(StoreFollowerTest, AWatchThatCannotBeReopenedIsRetriedAfterTheRetryDelay) {
  GatedStore gated(store_.get());
  const auto retry = std::chrono::milliseconds(150);
  Follow(&gated, retry);
  const int watches_before = gated.watch_calls();

  // Force a kGone as above, and refuse the first reopen.
  gated.Shut();
  Put(std::string(kA) + "x", "1");
  ASSERT_TRUE(WaitFor([&] { return gated.blocked() == 1; }));
  Put(std::string(kA) + "y", "2");
  Put(std::string(kA) + "z", "3");
  ASSERT_TRUE(store_->Compact(store_->CurrentRevision()).ok());
  gated.FailNextWatches(1);
  gated.Open();
  ASSERT_TRUE(PumpUntil([&] { return gated.watch_calls() == watches_before + 1; }));
  const auto refused_at = std::chrono::steady_clock::now();

  // Nothing arrives to wake the loop; the follower's own retry deadline does (a far deadline
  // passed to Wait must not delay it).
  ASSERT_TRUE(follower_->Wait(std::chrono::steady_clock::now() + std::chrono::seconds(30)));
  follower_->Dispatch();
  EXPECT_GE(std::chrono::steady_clock::now() - refused_at, retry - std::chrono::milliseconds(5));
  EXPECT_EQ(gated.watch_calls(), watches_before + 2);

  // The reopened watch (after a relist that already saw x, y, z) delivers new writes.
  const int64_t rev = Put(std::string(kA) + "w", "4");
  ASSERT_TRUE(PumpUntil([&] { return model_[0].count("w") == 1; }));
  EXPECT_EQ(seen_.back().revision, rev);
  EXPECT_EQ(model_[0], Stored(kA));
  follower_.reset();
}

TEST_F(StoreFollowerTest, StopEndsWaitingAtOnce) {
  Follow(store_.get());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    follower_->Stop();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(follower_->Wait(start + std::chrono::seconds(30)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  stopper.join();
}

}  // namespace
}  // namespace waygate::controller::testing
