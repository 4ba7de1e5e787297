#include "echo/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace waygate::echo {
namespace {
// Process-unique, so tests can tell connections apart across servers too.
std::atomic<uint64_t> g_next_connection_id{1};
}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const net::Address& listen, std::string name,
                                              int threads) {
  auto fd = net::ListenTcp(listen, /*reuse_port=*/false);
  if (!fd.ok()) return MakeError(fd.error().code, "echo: " + fd.error().message);
  auto bound = net::LocalAddress(*fd);
  if (!bound.ok()) {
    close(*fd);
    return bound.error();
  }
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    int err = errno;
    close(*fd);
    return MakeError(ErrorCode::kIo, std::string("echo: eventfd: ") + std::strerror(err));
  }
  std::unique_ptr<Server> s(new Server(*fd, wake, std::move(bound).value(), std::move(name)));
  for (int i = 0; i < std::max(threads, 1); ++i) {
    s->acceptors_.emplace_back([p = s.get()] { p->AcceptLoop(); });
  }
  return s;
}

Server::Server(int listen_fd, int wake_fd, net::Address address, std::string name)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), address_(address), ctx_(std::move(name)) {}

Server::~Server() {
  ctx_.Stop();  // wakes delayed replies
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
  for (std::thread& t : acceptors_) t.join();
  // No acceptor runs now, so conns_ only shrinks. Shutting a socket down wakes its thread from
  // any blocking recv/send; the thread then closes the fd itself.
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, c] : conns_) {
      if (c.fd >= 0) shutdown(c.fd, SHUT_RDWR);
      threads.push_back(std::move(c.thread));
    }
    conns_.clear();
    finished_.clear();
  }
  for (std::thread& t : threads) t.join();
  close(listen_fd_);
  close(wake_fd_);
}

void Server::AcceptLoop() {
  while (!ctx_.stopping()) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    // The timeout only bounds how long finished connection threads wait to be joined.
    int n = poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) {
      log::Error(std::string("echo: poll: ") + std::strerror(errno));
      return;
    }
    ReapFinished();
    if (ctx_.stopping()) return;
    if (!(fds[1].revents & POLLIN)) continue;
    // Blocking socket on purpose (no SOCK_NONBLOCK): the connection thread uses blocking I/O.
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        log::Warn("echo: out of file descriptors; not accepting for 100 ms");
        usleep(100 * 1000);
      }
      continue;  // EAGAIN: another acceptor took it
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    uint64_t id = g_next_connection_id.fetch_add(1);
    std::lock_guard lock(mu_);
    // Created under mu_, so the thread cannot retire itself before it is in conns_.
    Conn& c = conns_[id];
    c.fd = fd;
    c.thread = std::thread([this, fd, id] { ServeAndRetire(fd, id); });
  }
}

void Server::ServeAndRetire(int fd, uint64_t id) {
  ServeConnection(fd, id, ctx_);
  std::lock_guard lock(mu_);
  auto it = conns_.find(id);
  if (it != conns_.end()) {
    it->second.fd = -1;
    finished_.push_back(id);
  }
  // Closed under mu_ so the destructor never shuts down a recycled fd number.
  close(fd);
}

void Server::ReapFinished() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mu_);
    for (uint64_t id : finished_) {
      auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      done.push_back(std::move(it->second.thread));
      conns_.erase(it);
    }
    finished_.clear();
  }
  for (std::thread& t : done) t.join();
}

}  // namespace waygate::echo
