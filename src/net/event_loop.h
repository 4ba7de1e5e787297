// EventLoop: one epoll instance driven by one thread (a worker). Edge-triggered: every socket
// is registered once for IN|OUT|RDHUP and never modified again, so the request path makes no
// epoll_ctl calls; handlers remember readiness and clear it on EAGAIN (see docs/ARCHITECTURE.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"

namespace waygate::net {

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR).
  virtual void OnIo(uint32_t events) = 0;
};

class EventLoop {
 public:
  static Result<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();

  // Registers `fd` edge-triggered for reading and writing. The handler must outlive the
  // registration; closing the fd removes it from epoll.
  Status Add(int fd, IoHandler* handler);
  Status AddReadOnly(int fd, IoHandler* handler);  // listeners, eventfd: level-triggered IN
  // Unregisters a descriptor that stays open (a listener shared with its other holders). An
  // event for it already fetched in the current batch may still be dispatched.
  void Remove(int fd);

  // Runs until Stop(). `tick` is called at most every `tick_ms` (and after each batch of
  // events when that much time has passed) with the current monotonic time in ms.
  // `before_batch` runs after every wake-up, before the events are dispatched.
  void Run(int tick_ms, const std::function<void(int64_t now_ms)>& tick,
           const std::function<void()>& after_batch,
           const std::function<void()>& before_batch = nullptr);

  // Thread-safe: posts `task` to run on the loop thread and wakes it.
  void Post(std::function<void()> task);
  // Thread-safe.
  void Stop();

  // Monotonic milliseconds, refreshed once per loop turn (cheap to read on the request path).
  int64_t now_ms() const { return now_ms_; }
  static int64_t MonotonicMs();

 private:
  EventLoop(int epfd, int wakefd);
  class Waker;
  void DrainPosted();

  int epfd_;
  int wakefd_;
  int64_t now_ms_ = 0;
  bool stopping_ = false;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::unique_ptr<Waker> waker_;
};

}  // namespace waygate::net
