// Pool and Connection against real sockets on 127.0.0.1 and a real event loop. Every pool call
// runs on the loop thread (LoopThread::Call), as it does in a worker.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "loop_thread.h"
#include "net/address.h"
#include "upstream/connection.h"
#include "upstream/endpoint_state.h"

namespace waygate::upstream {
namespace {

struct RecordingOwner : ConnectionOwner {
  void OnUpstreamIo(Connection*, uint32_t ev) override {
    ++calls;
    events |= ev;
  }
  int calls = 0;
  uint32_t events = 0;  // union of every mask received
};

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = std::make_unique<waygate::testing::LoopThread>();
    ASSERT_NE(loop_->loop(), nullptr);
    auto addr = net::ParseAddress("127.0.0.1:0");
    ASSERT_TRUE(addr.ok());
    auto fd = net::ListenTcp(*addr, false, 64);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    listen_fd_ = *fd;
    auto local = net::LocalAddress(listen_fd_);
    ASSERT_TRUE(local.ok());
    server_ = *local;
    pool_ = std::make_unique<Pool>(loop_->loop());
    ep_ = registry_.Get(server_.ToString());
  }

  void TearDown() override {
    // Stop the loop first: nothing may deliver events to connections while they are freed.
    loop_.reset();
    pool_.reset();
    for (int fd : accepted_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  template <class F>
  auto Call(F&& f) {
    return loop_->Call(std::forward<F>(f));
  }
  bool WaitUntil(const std::function<bool()>& pred) { return loop_->WaitUntil(pred); }

  void SetLimits(const PoolLimits& limits) {
    Call([&] {
      pool_->set_limits(limits);
      return 0;
    });
  }

  // The server side of the next pending connection (bounded polling on the non-blocking listener).
  int Accept() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        accepted_.push_back(fd);
        return fd;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ADD_FAILURE() << "no connection to accept";
    return -1;
  }

  Connection* Connect(RecordingOwner* owner, EndpointState* ep = nullptr) {
    if (ep == nullptr) ep = ep_;
    auto r = Call([&] { return pool_->Connect(ep, server_.sa(), server_.len, owner); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : nullptr;
  }

  // A connection whose connect has completed (its owner saw EPOLLOUT), plus its server side.
  Connection* Established(RecordingOwner* owner, int* server_fd = nullptr,
                          EndpointState* ep = nullptr) {
    Connection* c = Connect(owner, ep);
    if (c == nullptr) return nullptr;
    int s = Accept();
    if (server_fd) *server_fd = s;
    EXPECT_TRUE(WaitUntil([&] { return c->writable && (owner->events & EPOLLOUT) != 0; }));
    return c;
  }

  void Release(Connection* c, int64_t now_ms = 1000) {
    Call([&] {
      pool_->Release(c, now_ms);
      return 0;
    });
  }
  Connection* TakeIdle(EndpointState* ep = nullptr) {
    return Call([&] { return pool_->TakeIdle(ep ? ep : ep_); });
  }
  bool Closed(Connection* c) {
    return Call([&] { return c->closed; });
  }
  std::vector<Connection*> Idle(EndpointState* ep = nullptr) {
    return Call([&] { return (ep ? ep : ep_)->idle; });
  }
  PoolStats Stats() {
    return Call([&] { return pool_->stats(); });
  }

  std::unique_ptr<waygate::testing::LoopThread> loop_;
  int listen_fd_ = -1;
  net::Address server_;
  std::vector<int> accepted_;
  EndpointRegistry registry_;
  EndpointState* ep_ = nullptr;
  std::unique_ptr<Pool> pool_;
  // Owners outlive every connection (the loop stops before they are destroyed).
  RecordingOwner owner1_, owner2_, owner3_;
};

TEST_F(PoolTest, ConnectCompletesAndTheOwnerSeesWritable) {
  Connection* c = Connect(&owner1_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Stats().opened, 1u);
  EXPECT_EQ(c->endpoint, ep_);
  EXPECT_EQ(c->owner, &owner1_);
  ASSERT_GE(Accept(), 0);
  ASSERT_TRUE(WaitUntil([&] { return c->writable && (owner1_.events & EPOLLOUT) != 0; }));
  EXPECT_FALSE(Call([&] { return c->peer_closed || c->closed; }));
  int err = -1;
  socklen_t len = sizeof err;
  ASSERT_EQ(::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, 0);
  auto peer = net::PeerAddress(c->fd);
  ASSERT_TRUE(peer.ok());
  EXPECT_EQ(peer->ToString(), server_.ToString());
  // Non-blocking, so a worker never stalls on it.
  EXPECT_NE(::fcntl(c->fd, F_GETFL) & O_NONBLOCK, 0);
}

TEST_F(PoolTest, ReleasedConnectionsAreReusedMostRecentFirst) {
  Connection* c1 = Established(&owner1_);
  Connection* c2 = Established(&owner2_);
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(TakeIdle(), nullptr);
  Release(c1);
  Release(c2);
  EXPECT_EQ(Idle(), (std::vector<Connection*>{c1, c2}));
  EXPECT_EQ(Call([&] { return c1->owner; }), nullptr);
  EXPECT_EQ(Call([&] { return c1->requests; }), 1u);
  EXPECT_EQ(TakeIdle(), c2);
  EXPECT_EQ(TakeIdle(), c1);
  EXPECT_EQ(TakeIdle(), nullptr);
  EXPECT_FALSE(Closed(c1));
  EXPECT_FALSE(Closed(c2));
  EXPECT_EQ(Stats().reused, 2u);
  EXPECT_EQ(Stats().opened, 2u);
}

TEST_F(PoolTest, IdleListsArePerEndpoint) {
  EndpointState* other = registry_.Get("other");
  Connection* c1 = Established(&owner1_);
  Connection* c2 = Established(&owner2_, nullptr, other);
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  Release(c1);
  Release(c2);
  EXPECT_EQ(TakeIdle(other), c2);
  EXPECT_EQ(TakeIdle(other), nullptr);
  EXPECT_EQ(TakeIdle(), c1);
}

TEST_F(PoolTest, IdleConnectionClosedByThePeerIsDropped) {
  int s1 = -1, s2 = -1;
  Connection* c1 = Established(&owner1_, &s1);
  Connection* c2 = Established(&owner2_, &s2);
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  Release(c1);
  Release(c2);
  const int owner_calls = Call([&] { return owner1_.calls; });
  ::shutdown(s1, SHUT_RDWR);
  ASSERT_TRUE(WaitUntil([&] { return c1->closed; }));
  EXPECT_EQ(Call([&] { return owner1_.calls; }), owner_calls);  // idle: no owner to tell
  EXPECT_EQ(Idle(), (std::vector<Connection*>{c2}));
  EXPECT_EQ(TakeIdle(), c2);
  EXPECT_EQ(TakeIdle(), nullptr);
  EXPECT_EQ(Stats().reused, 1u);
}

TEST_F(PoolTest, IdleConnectionThatReceivesBytesIsDropped) {
  int s = -1;
  Connection* c = Established(&owner1_, &s);
  ASSERT_NE(c, nullptr);
  Release(c);
  // A response nobody asked for: the connection's framing can no longer be trusted.
  ASSERT_EQ(::write(s, "HTTP/1.1 200 OK\r\n\r\n", 19), 19);
  ASSERT_TRUE(WaitUntil([&] { return c->closed; }));
  EXPECT_EQ(TakeIdle(), nullptr);
}

TEST_F(PoolTest, PeerCloseOnABusyConnectionGoesToItsOwner) {
  int s = -1;
  Connection* c = Established(&owner1_, &s);
  ASSERT_NE(c, nullptr);
  ::close(s);
  ASSERT_TRUE(WaitUntil([&] { return (owner1_.events & (EPOLLRDHUP | EPOLLHUP)) != 0; }));
  EXPECT_TRUE(Call([&] { return c->peer_closed && c->readable && !c->closed; }));
  // Handing a half-closed connection back must not pool it.
  Release(c);
  EXPECT_TRUE(Closed(c));
  EXPECT_EQ(TakeIdle(), nullptr);
}

TEST_F(PoolTest, MaxIdlePerEndpointClosesTheSurplus) {
  PoolLimits limits;
  limits.max_idle_per_endpoint = 1;
  SetLimits(limits);
  Connection* c1 = Established(&owner1_);
  Connection* c2 = Established(&owner2_);
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  Release(c1);
  Release(c2);
  EXPECT_FALSE(Closed(c1));
  EXPECT_TRUE(Closed(c2));
  EXPECT_EQ(Idle(), (std::vector<Connection*>{c1}));
}

TEST_F(PoolTest, ZeroIdleConnectionsDisablesPooling) {
  PoolLimits limits;
  limits.max_idle_per_endpoint = 0;
  SetLimits(limits);
  Connection* c = Established(&owner1_);
  ASSERT_NE(c, nullptr);
  Release(c);
  EXPECT_TRUE(Closed(c));
  EXPECT_TRUE(Idle().empty());
}

TEST_F(PoolTest, MaxRequestsRetiresAConnection) {
  PoolLimits limits;
  limits.max_requests = 2;
  SetLimits(limits);
  Connection* c = Established(&owner1_);
  ASSERT_NE(c, nullptr);
  Release(c);  // first request done
  EXPECT_FALSE(Closed(c));
  ASSERT_EQ(TakeIdle(), c);
  Release(c);  // second request done: the limit is reached
  EXPECT_TRUE(Closed(c));
  EXPECT_EQ(TakeIdle(), nullptr);
}

TEST_F(PoolTest, ExpireIdleClosesOnlyConnectionsPastTheTimeout) {
  PoolLimits limits;
  limits.idle_timeout_ms = 1000;
  SetLimits(limits);
  Connection* c1 = Established(&owner1_);
  Connection* c2 = Established(&owner2_);
  Connection* busy = Established(&owner3_);
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  ASSERT_NE(busy, nullptr);
  Release(c1, 5000);
  Release(c2, 5500);
  auto expire = [&](int64_t now) {
    Call([&] {
      pool_->ExpireIdle(now);
      return 0;
    });
  };
  expire(5999);
  EXPECT_FALSE(Closed(c1));
  EXPECT_FALSE(Closed(c2));
  expire(6000);
  EXPECT_TRUE(Closed(c1));
  EXPECT_FALSE(Closed(c2));
  EXPECT_EQ(Idle(), (std::vector<Connection*>{c2}));
  expire(1'000'000);
  EXPECT_TRUE(Closed(c2));
  EXPECT_TRUE(Idle().empty());
  // A connection in use is never expired, however old.
  EXPECT_FALSE(Closed(busy));
}

TEST_F(PoolTest, ConnectToAClosedPortReportsAnError) {
  // A port that was just listening and is now closed: connecting to it is refused.
  auto addr = net::ParseAddress("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto fd = net::ListenTcp(*addr, false, 1);
  ASSERT_TRUE(fd.ok());
  auto dead = net::LocalAddress(*fd);
  ASSERT_TRUE(dead.ok());
  ::close(*fd);
  EndpointState* ep = registry_.Get(dead->ToString());
  auto r = Call([&] { return pool_->Connect(ep, dead->sa(), dead->len, &owner1_); });
  if (!r.ok()) {
    // Refused synchronously: also a reported error (the caller counts a connect failure).
    EXPECT_EQ(r.error().code, ErrorCode::kIo);
    return;
  }
  Connection* c = *r;
  ASSERT_TRUE(WaitUntil([&] { return (owner1_.events & (EPOLLERR | EPOLLHUP)) != 0; }));
  EXPECT_TRUE(Call([&] { return c->peer_closed; }));
  int err = 0;
  socklen_t len = sizeof err;
  ASSERT_EQ(::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, ECONNREFUSED);
}

TEST_F(PoolTest, CloseIsIdempotentAndLateEventsAreIgnored) {
  int s = -1;
  Connection* c = Established(&owner1_, &s);
  ASSERT_NE(c, nullptr);
  const int calls = Call([&] {
    pool_->Close(c);
    pool_->Close(c);
    // An event fetched in the same batch as the close must not reach the owner.
    c->OnIo(EPOLLIN);
    return owner1_.calls;
  });
  EXPECT_TRUE(Closed(c));
  ::close(s);
  std::erase(accepted_, s);
  // Still no call after the peer goes away: the fd left epoll when it was closed.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call([&] { return owner1_.calls; }), calls);
}

// EndpointRegistry::Collect with the worker's real close_idle (Pool::Close): every idle
// connection of a dropped endpoint must be closed. Pool::Close erases the connection from
// endpoint->idle, the very vector Collect is iterating.
TEST_F(PoolTest, CollectClosesEveryIdleConnectionOfADroppedEndpoint) {
  EndpointState* ep = registry_.Get("dropped");
  ep->generation_seen = 1;
  std::vector<Connection*> conns;
  RecordingOwner* owners[] = {&owner1_, &owner2_, &owner3_};
  for (RecordingOwner* owner : owners) {
    Connection* c = Established(owner, nullptr, ep);
    ASSERT_NE(c, nullptr);
    conns.push_back(c);
  }
  for (Connection* c : conns) Release(c);
  ASSERT_EQ(Idle(ep).size(), 3u);
  ep_->generation_seen = 2;
  Call([&] {
    registry_.Collect(2, [&](Connection* c) { pool_->Close(c); });
    return 0;
  });
  for (size_t i = 0; i < conns.size(); ++i) {
    EXPECT_TRUE(Closed(conns[i])) << "idle connection " << i << " of a dropped endpoint left open "
                                  << "(its endpoint pointer now dangles)";
  }
}

}  // namespace
}  // namespace waygate::upstream
