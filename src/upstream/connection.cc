#include "upstream/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace waygate::upstream {

void Connection::OnIo(uint32_t events) {
  if (closed) return;
  if (events & EPOLLIN) readable = true;
  if (events & EPOLLOUT) writable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    peer_closed = true;
    readable = true;
  }
  if (owner) {
    owner->OnUpstreamIo(this, events);
  } else {
    pool_->OnIdleEvent(this);
  }
}

Pool::~Pool() {
  for (auto& c : live_) {
    if (!c->closed) ::close(c->fd);
  }
}

Connection* Pool::TakeIdle(EndpointState* endpoint, UpstreamProtocol protocol) {
  for (size_t i = endpoint->idle.size(); i-- > 0;) {
    Connection* c = endpoint->idle[i];
    if (c->peer_closed || c->closed) {
      endpoint->idle.erase(endpoint->idle.begin() + static_cast<std::ptrdiff_t>(i));
      Close(c);
      continue;
    }
    if (c->protocol != protocol) continue;  // another route's protocol to the same endpoint
    endpoint->idle.erase(endpoint->idle.begin() + static_cast<std::ptrdiff_t>(i));
    ++stats_.reused;
    return c;
  }
  return nullptr;
}

Result<Connection*> Pool::Connect(EndpointState* endpoint, const sockaddr* addr, socklen_t len,
                                  ConnectionOwner* owner) {
  int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeError(ErrorCode::kIo, std::string("socket: ") + strerror(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = ::connect(fd, addr, len);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    return MakeError(ErrorCode::kIo, std::string("connect: ") + strerror(err));
  }
  auto conn = std::make_unique<Connection>();
  conn->fd = fd;
  conn->endpoint = endpoint;
  conn->owner = owner;
  conn->pool_ = this;
  Status s = loop_->Add(fd, conn.get());
  if (!s.ok()) {
    ::close(fd);
    return s.error();
  }
  ++stats_.opened;
  Connection* raw = conn.get();
  raw->live_index_ = live_.size();
  live_.push_back(std::move(conn));
  return raw;
}

void Pool::Release(Connection* c, int64_t now_ms) {
  c->owner = nullptr;
  ++c->requests;
  auto& idle = c->endpoint->idle;
  if (c->peer_closed || c->requests >= limits_.max_requests ||
      idle.size() >= limits_.max_idle_per_endpoint || limits_.max_idle_per_endpoint == 0) {
    Close(c);
    return;
  }
  c->idle_since_ms = now_ms;
  idle.push_back(c);
}

void Pool::Close(Connection* c) {
  if (c->closed) return;
  c->closed = true;
  c->owner = nullptr;
  ::close(c->fd);
  auto& idle = c->endpoint->idle;
  idle.erase(std::remove(idle.begin(), idle.end(), c), idle.end());
  size_t i = c->live_index_;
  graveyard_.push_back(std::move(live_[i]));
  if (i + 1 != live_.size()) {
    live_[i] = std::move(live_.back());
    live_[i]->live_index_ = i;
  }
  live_.pop_back();
}

void Pool::CollectGarbage() { graveyard_.clear(); }

void Pool::OnIdleEvent(Connection* c) {
  // An idle upstream connection has nothing to say: readable means EOF, an error, or bytes we
  // never asked for. Either way it cannot carry the next request safely.
  Close(c);
}

void Pool::ExpireIdle(int64_t now_ms) {
  std::vector<Connection*> expired;
  for (auto& c : live_) {
    if (!c->owner && !c->closed && c->idle_since_ms &&
        now_ms - c->idle_since_ms >= limits_.idle_timeout_ms) {
      expired.push_back(c.get());
    }
  }
  for (Connection* c : expired) Close(c);
}

}  // namespace waygate::upstream
