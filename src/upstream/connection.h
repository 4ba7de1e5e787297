// Connection: one TCP connection to an upstream endpoint, owned by the worker's Pool. While a
// request uses it, `owner` receives its I/O events; while idle in the pool any event means the
// upstream closed it (or sent garbage), so the pool closes it.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"
#include "net/event_loop.h"
#include "upstream/endpoint_state.h"

namespace waygate::upstream {

class Connection;

class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  virtual void OnUpstreamIo(Connection* c, uint32_t events) = 0;
};

class Pool;

// Per-connection protocol state kept with a pooled connection (the HTTP/2 client session of a
// GRPC backend), owned by the connection and destroyed with it.
class ConnectionCodec {
 public:
  virtual ~ConnectionCodec() = default;
};

// What a connection speaks; idle connections are only reused for the same protocol.
enum class UpstreamProtocol : uint8_t { kHttp1, kH2c };

class Connection final : public net::IoHandler {
 public:
  void OnIo(uint32_t events) override;

  int fd = -1;
  EndpointState* endpoint = nullptr;
  ConnectionOwner* owner = nullptr;  // null while idle in the pool
  bool connected = false;            // false while the non-blocking connect is in progress
  bool readable = false;             // edge-triggered readiness, cleared on EAGAIN
  bool writable = false;
  bool peer_closed = false;  // RDHUP/HUP seen
  bool closed = false;
  uint32_t requests = 0;  // requests served on this connection so far
  UpstreamProtocol protocol = UpstreamProtocol::kHttp1;
  std::unique_ptr<ConnectionCodec> codec;
  int64_t idle_since_ms = 0;

 private:
  friend class Pool;
  Pool* pool_ = nullptr;
  size_t live_index_ = 0;  // position in Pool::live_, for O(1) removal
};

struct PoolLimits {
  uint32_t max_idle_per_endpoint = 320;  // upstream-keepalive-connections
  int64_t idle_timeout_ms = 60'000;      // upstream-keepalive-timeout
  uint32_t max_requests = 10'000;        // upstream-keepalive-requests
};

struct PoolStats {
  uint64_t opened = 0;  // connections opened (connect attempts that got a socket)
  uint64_t reused = 0;  // requests sent on a pooled connection
};

// Per-worker pool of upstream connections. Never shared between threads.
class Pool {
 public:
  explicit Pool(net::EventLoop* loop) : loop_(loop) {}
  ~Pool();

  void set_limits(const PoolLimits& limits) { limits_ = limits; }
  const PoolStats& stats() const { return stats_; }

  // Most recently used idle connection to `endpoint` speaking `protocol`, or nullptr.
  Connection* TakeIdle(EndpointState* endpoint,
                       UpstreamProtocol protocol = UpstreamProtocol::kHttp1);
  // Starts a non-blocking connect. The owner gets OUT (or ERR) when it completes.
  Result<Connection*> Connect(EndpointState* endpoint, const sockaddr* addr, socklen_t len,
                              ConnectionOwner* owner);
  // Returns a healthy connection after a complete exchange; closes it if over limits.
  void Release(Connection* c, int64_t now_ms);
  // Closes now; memory is freed by CollectGarbage() after the current event batch, so
  // events already fetched for this connection find it marked closed.
  void Close(Connection* c);
  void CollectGarbage();
  // Closes idle connections past the idle timeout.
  void ExpireIdle(int64_t now_ms);

 private:
  friend class Connection;
  void OnIdleEvent(Connection* c);

  net::EventLoop* loop_;
  PoolLimits limits_;
  PoolStats stats_;
  std::vector<std::unique_ptr<Connection>> live_;  // unordered; Connection::live_index_
  std::vector<std::unique_ptr<Connection>> graveyard_;
};

}  // namespace waygate::upstream
