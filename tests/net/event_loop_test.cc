#include "net/event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace waygate::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Polls `pred` (thread-safe) until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& pred, milliseconds timeout = milliseconds(5000)) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return pred();
}

// Runs a loop on its own thread; Stop() and join on destruction.
class RunningLoop {
 public:
  explicit RunningLoop(int tick_ms = 10, std::function<void(int64_t)> tick = nullptr,
                       std::function<void()> after_batch = nullptr)
      : tick_(std::move(tick)), after_batch_(std::move(after_batch)) {
    auto loop = EventLoop::Create();
    EXPECT_TRUE(loop.ok());
    loop_ = std::move(loop).value();
    thread_ = std::thread([this, tick_ms] {
      loop_->Run(tick_ms, tick_, after_batch_);
      returned_ = true;
    });
  }
  ~RunningLoop() {
    loop_->Stop();
    thread_.join();
  }
  EventLoop* loop() { return loop_.get(); }
  std::thread::id thread_id() const { return thread_.get_id(); }
  bool returned() const { return returned_; }
  // Runs `f` on the loop thread and waits for it (bounded).
  void Sync(std::function<void()> f = [] {}) {
    auto done = std::make_shared<std::promise<void>>();
    auto ready = done->get_future();
    loop_->Post([f = std::move(f), done] {
      f();
      done->set_value();
    });
    ASSERT_EQ(ready.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  }

 private:
  std::function<void(int64_t)> tick_;
  std::function<void()> after_batch_;
  std::unique_ptr<EventLoop> loop_;
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

struct CountingHandler : IoHandler {
  void OnIo(uint32_t events) override {
    std::lock_guard<std::mutex> lock(mu);
    masks.push_back(events);
  }
  int Count(uint32_t bit) {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (uint32_t m : masks) n += (m & bit) != 0;
    return n;
  }
  std::mutex mu;
  std::vector<uint32_t> masks;
};

class SocketPair {
 public:
  SocketPair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0);
  }
  ~SocketPair() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
  int fd[2] = {-1, -1};
};

TEST(EventLoop, CreateAndDestroyWithoutRunning) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  EXPECT_GT((*loop)->now_ms(), 0);
  EXPECT_LE((*loop)->now_ms(), EventLoop::MonotonicMs());
}

TEST(EventLoop, PostFromAnotherThreadRunsOnTheLoopThread) {
  RunningLoop running;
  std::promise<std::thread::id> ran_on;
  running.loop()->Post([&] { ran_on.set_value(std::this_thread::get_id()); });
  auto f = ran_on.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const std::thread::id id = f.get();
  EXPECT_EQ(id, running.thread_id());
  EXPECT_NE(id, std::this_thread::get_id());
}

TEST(EventLoop, PostsFromManyThreadsAllRunInOrderPerThread) {
  RunningLoop running;
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::vector<int>> seen(kThreads);  // touched only on the loop thread
  std::atomic<int> total{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        running.loop()->Post([&, t, i] {
          seen[t].push_back(i);
          ++total;
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  ASSERT_TRUE(Eventually([&] { return total.load() == kThreads * kPerThread; }));
  running.Sync();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), size_t{kPerThread});
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(seen[t][i], i);
  }
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  EventLoop* l = loop->get();
  std::atomic<bool> returned{false};
  // A long tick: Run must return because of Stop(), not because of a timeout.
  std::thread t([&] {
    l->Run(60'000, nullptr, nullptr);
    returned = true;
  });
  std::promise<void> running;
  l->Post([&] { running.set_value(); });
  ASSERT_EQ(running.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(returned.load());
  l->Stop();
  EXPECT_TRUE(Eventually([&] { return returned.load(); }));
  if (!returned.load()) l->Stop();
  t.join();
}

TEST(EventLoop, StopBeforeRunMakesRunReturn) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  (*loop)->Stop();
  std::atomic<bool> returned{false};
  std::thread t([&] {
    (*loop)->Run(60'000, nullptr, nullptr);
    returned = true;
  });
  EXPECT_TRUE(Eventually([&] { return returned.load(); }));
  t.join();
}

TEST(EventLoop, TickRunsPeriodicallyWithMonotonicTime) {
  std::mutex mu;
  std::vector<int64_t> ticks;
  {
    RunningLoop running(20, [&](int64_t now) {
      std::lock_guard<std::mutex> lock(mu);
      ticks.push_back(now);
    });
    ASSERT_TRUE(Eventually([&] {
      std::lock_guard<std::mutex> lock(mu);
      return ticks.size() >= 3;
    }));
  }
  std::lock_guard<std::mutex> lock(mu);
  for (size_t i = 1; i < ticks.size(); ++i) {
    // At most one tick per interval, measured on the loop's own clock.
    EXPECT_GE(ticks[i] - ticks[i - 1], 20) << i;
  }
  EXPECT_LE(ticks.back(), EventLoop::MonotonicMs());
}

TEST(EventLoop, AfterBatchRunsAfterEvents) {
  std::atomic<int> batches{0};
  RunningLoop running(60'000, nullptr, [&] { ++batches; });
  const int before = batches.load();
  running.Sync();
  EXPECT_TRUE(Eventually([&] { return batches.load() > before; }));
}

TEST(EventLoop, EdgeTriggeredAddReportsEachNewEdgeOnce) {
  // Declared before the loop so they outlive it, whatever happens.
  SocketPair pair;
  CountingHandler h;
  RunningLoop running;
  running.Sync([&] { ASSERT_TRUE(running.loop()->Add(pair.fd[0], &h).ok()); });
  // Registration reports the socket writable once.
  ASSERT_TRUE(Eventually([&] { return h.Count(EPOLLOUT) >= 1; }));
  EXPECT_EQ(h.Count(EPOLLIN), 0);

  ASSERT_EQ(::write(pair.fd[1], "x", 1), 1);
  ASSERT_TRUE(Eventually([&] { return h.Count(EPOLLIN) == 1; }));
  // Unread data does not fire again while the loop keeps turning (level-triggered would).
  for (int i = 0; i < 20; ++i) running.Sync();
  EXPECT_EQ(h.Count(EPOLLIN), 1);

  // New data is a new edge.
  ASSERT_EQ(::write(pair.fd[1], "y", 1), 1);
  ASSERT_TRUE(Eventually([&] { return h.Count(EPOLLIN) == 2; }));

  // The peer going away is reported as RDHUP.
  ::close(pair.fd[1]);
  pair.fd[1] = -1;
  ASSERT_TRUE(Eventually([&] { return h.Count(EPOLLRDHUP) >= 1; }));
}

TEST(EventLoop, AddReadOnlyIsLevelTriggered) {
  SocketPair pair;
  CountingHandler h;
  RunningLoop running;
  running.Sync([&] { ASSERT_TRUE(running.loop()->AddReadOnly(pair.fd[0], &h).ok()); });
  ASSERT_EQ(::write(pair.fd[1], "x", 1), 1);
  // Never read: every loop turn reports it again.
  ASSERT_TRUE(Eventually([&] { return h.Count(EPOLLIN) >= 3; }));
  EXPECT_EQ(h.Count(EPOLLOUT), 0);
  // Stop the spin: closing the descriptor removes it from epoll.
  running.Sync([&] {
    ::close(pair.fd[0]);
    pair.fd[0] = -1;
  });
}

TEST(EventLoop, AddFailsForABadDescriptor) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  CountingHandler h;
  EXPECT_FALSE((*loop)->Add(-1, &h).ok());
  EXPECT_FALSE((*loop)->AddReadOnly(-1, &h).ok());
}

}  // namespace
}  // namespace waygate::net
