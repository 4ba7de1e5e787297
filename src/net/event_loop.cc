#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace waygate::net {

class EventLoop::Waker : public IoHandler {
 public:
  explicit Waker(EventLoop* loop) : loop_(loop) {}
  void OnIo(uint32_t) override {
    uint64_t v;
    while (::read(loop_->wakefd_, &v, sizeof v) > 0) {
    }
    loop_->DrainPosted();
  }

 private:
  EventLoop* loop_;
};

int64_t EventLoop::MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return MakeError(ErrorCode::kIo, std::string("epoll_create1: ") + strerror(errno));
  int wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakefd < 0) {
    ::close(epfd);
    return MakeError(ErrorCode::kIo, std::string("eventfd: ") + strerror(errno));
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(epfd, wakefd));
  Status s = loop->AddReadOnly(wakefd, loop->waker_.get());
  if (!s.ok()) return s.error();
  return loop;
}

EventLoop::EventLoop(int epfd, int wakefd)
    : epfd_(epfd), wakefd_(wakefd), now_ms_(MonotonicMs()), waker_(new Waker(this)) {}

EventLoop::~EventLoop() {
  ::close(wakefd_);
  ::close(epfd_);
}

Status EventLoop::Add(int fd, IoHandler* handler) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = handler;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return MakeError(ErrorCode::kIo, std::string("epoll_ctl add: ") + strerror(errno));
  }
  return OkStatus();
}

Status EventLoop::AddReadOnly(int fd, IoHandler* handler) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = handler;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return MakeError(ErrorCode::kIo, std::string("epoll_ctl add: ") + strerror(errno));
  }
  return OkStatus();
}

void EventLoop::Remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::Run(int tick_ms, const std::function<void(int64_t)>& tick,
                    const std::function<void()>& after_batch,
                    const std::function<void()>& before_batch) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  now_ms_ = MonotonicMs();
  int64_t next_tick = now_ms_ + tick_ms;
  while (!stopping_) {
    int timeout = static_cast<int>(next_tick - now_ms_);
    if (timeout < 0) timeout = 0;
    int n = epoll_wait(epfd_, events, kMaxEvents, timeout);
    now_ms_ = MonotonicMs();
    if (n < 0 && errno != EINTR) break;
    if (before_batch) before_batch();
    for (int i = 0; i < n; ++i) {
      static_cast<IoHandler*>(events[i].data.ptr)->OnIo(events[i].events);
    }
    if (after_batch) after_batch();
    if (now_ms_ >= next_tick) {
      if (tick) tick(now_ms_);
      next_tick = now_ms_ + tick_ms;
    }
  }
}

void EventLoop::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(task));
  }
  uint64_t one = 1;
  ssize_t ignored = ::write(wakefd_, &one, sizeof one);
  (void)ignored;
}

void EventLoop::Stop() {
  Post([this] { stopping_ = true; });
}

void EventLoop::DrainPosted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    tasks.swap(posted_);
  }
  for (auto& t : tasks) t();
}

}  // namespace waygate::net
