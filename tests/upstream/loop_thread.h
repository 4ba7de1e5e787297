// LoopThread: a real net::EventLoop running on its own thread, so tests can drive objects that
// belong to a loop thread (Pool, Connection) by running each step on that thread with Call().
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <utility>

#include "net/event_loop.h"

namespace waygate::testing {

class LoopThread {
 public:
  LoopThread() {
    auto loop = net::EventLoop::Create();
    EXPECT_TRUE(loop.ok());
    if (!loop.ok()) return;
    loop_ = std::move(loop).value();
    thread_ = std::thread([this] { loop_->Run(10, nullptr, nullptr); });
  }
  ~LoopThread() {
    if (!loop_) return;
    loop_->Stop();
    thread_.join();
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  net::EventLoop* loop() { return loop_.get(); }

  // Runs `f` on the loop thread and returns its result.
  template <class F>
  auto Call(F&& f) -> decltype(f()) {
    using R = decltype(f());
    std::packaged_task<R()> task(std::forward<F>(f));
    auto result = task.get_future();
    loop_->Post([&task] { task(); });
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      // The loop is wedged; nothing sensible can follow.
      ADD_FAILURE() << "event loop did not run a posted task within 10 s";
      std::abort();
    }
    return result.get();
  }

  // Polls `pred` on the loop thread until it holds or `timeout_ms` passes.
  bool WaitUntil(const std::function<bool()>& pred, int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Call([&] { return pred(); })) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return Call([&] { return pred(); });
  }

 private:
  std::unique_ptr<net::EventLoop> loop_;
  std::thread thread_;
};

}  // namespace waygate::testing
