#include "admin/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <string>
#include <vector>

#include "base/log.h"

namespace waygate::admin {
namespace {

using Clock = std::chrono::steady_clock;

// Admin requests are tiny; anything larger than a maximal head is a misbehaving client.
constexpr size_t kMaxBuffered = 64 * 1024;

struct Client {
  int fd = -1;
  std::string in;
  std::string out;
  size_t out_sent = 0;
  bool close_after_write = false;
  Clock::time_point deadline;
};

// Parses and answers every complete request in `c.in` (pipelining), appending to `c.out`.
void ProcessInput(Client& c, const Handlers& handlers) {
  http::Limits limits;
  auto head = std::make_unique<http::RequestHead>();
  while (!c.close_after_write && !c.in.empty()) {
    *head = http::RequestHead{};
    http::ParseResult r = http::ParseRequestHead(c.in, limits, head.get());
    if (r.status == http::ParseStatus::kNeedMore) {
      if (c.in.size() > kMaxBuffered) {
        c.out.append(RespondParseError(431).bytes);
        c.close_after_write = true;
      }
      return;
    }
    if (r.status == http::ParseStatus::kError) {
      c.out.append(RespondParseError(r.error_status).bytes);
      c.close_after_write = true;
      return;
    }
    // Admin endpoints take no body; rather than read and discard one, answer and close.
    bool has_body = head->body != http::BodyKind::kNone;
    Response resp = Respond(*head, handlers, has_body);
    c.out.append(resp.bytes);
    c.close_after_write = resp.close;
    c.in.erase(0, r.consumed);
  }
}

// Returns false when the connection is finished (closed by peer, error, or done writing).
bool Flush(Client& c) {
  while (c.out_sent < c.out.size()) {
    ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  c.out.clear();
  c.out_sent = 0;
  return !c.close_after_write;
}

enum class ReadState { kOpen, kPeerClosed, kFailed };

ReadState ReadAvailable(Client& c) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      if (c.in.size() > kMaxBuffered) return ReadState::kOpen;  // ProcessInput answers 431
      continue;
    }
    if (n == 0) return ReadState::kPeerClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadState::kOpen;
    return ReadState::kFailed;
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const net::Address& listen, Handlers handlers,
                                              Options options) {
  auto fd = net::ListenTcp(listen, /*reuse_port=*/false, /*backlog=*/128);
  if (!fd.ok()) return MakeError(fd.error().code, "admin: " + fd.error().message);
  auto bound = net::LocalAddress(*fd);
  if (!bound.ok()) {
    close(*fd);
    return bound.error();
  }
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    int err = errno;
    close(*fd);
    return MakeError(ErrorCode::kIo, std::string("admin: eventfd: ") + std::strerror(err));
  }
  std::unique_ptr<Server> s(
      new Server(*fd, wake, std::move(bound).value(), std::move(handlers), options));
  s->thread_ = std::thread([p = s.get()] { p->Run(); });
  return s;
}

Server::Server(int listen_fd, int wake_fd, net::Address address, Handlers handlers, Options options)
    : listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      address_(address),
      handlers_(std::move(handlers)),
      options_(options) {}

Server::~Server() {
  stop_.store(true);
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void Server::Run() {
  std::list<Client> clients;
  std::vector<pollfd> fds;
  std::vector<Client*> polled;
  while (!stop_.load()) {
    fds.clear();
    polled.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    Clock::time_point now = Clock::now();
    Clock::duration wait = options_.idle_timeout;
    for (Client& c : clients) {
      short events = c.out.empty() ? POLLIN : POLLOUT;
      fds.push_back({c.fd, events, 0});
      polled.push_back(&c);
      wait = std::min(wait, std::max(Clock::duration::zero(), c.deadline - now));
    }
    // +1 ms so we wake after the deadline passed, not just before it.
    int timeout_ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1;
    int n = poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) {
      log::Error(std::string("admin: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_.load()) break;
    now = Clock::now();

    if (fds[1].revents & POLLIN) {
      for (;;) {
        int cfd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) break;  // EAGAIN, or a transient error (EMFILE...): poll again later
        if (clients.size() >= options_.max_clients) {
          close(cfd);
          continue;
        }
        Client& c = clients.emplace_back();
        c.fd = cfd;
        c.deadline = now + options_.idle_timeout;
      }
    }

    for (size_t i = 0; i < polled.size(); ++i) {
      Client& c = *polled[i];
      short re = fds[i + 2].revents;
      bool alive = true;
      if ((re & (POLLIN | POLLHUP | POLLERR)) && c.out.empty()) {
        ReadState st = ReadAvailable(c);
        if (st == ReadState::kFailed) {
          alive = false;
        } else {
          ProcessInput(c, handlers_);
          // A half-closed peer still gets answers to the requests it sent, then we close.
          if (st == ReadState::kPeerClosed) c.close_after_write = true;
          c.deadline = now + options_.idle_timeout;
        }
      }
      if (alive && !c.out.empty()) {
        size_t before = c.out_sent;
        alive = Flush(c);
        if (c.out_sent != before || c.out.empty()) c.deadline = now + options_.idle_timeout;
      } else if (alive && c.close_after_write) {
        alive = false;
      }
      if (alive && now >= c.deadline) alive = false;
      if (!alive) c.fd = (close(c.fd), -1);
    }
    clients.remove_if([](const Client& c) { return c.fd < 0; });
  }
  for (Client& c : clients) close(c.fd);
}

}  // namespace waygate::admin
