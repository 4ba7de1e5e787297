// Server: the authoritative DNS server on one address, UDP and TCP on the same port, driven by
// one thread with poll(2). Answers come from the current Zone; SetZone swaps it without
// stopping or locking the query path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "base/result.h"
#include "base/snapshot.h"
#include "dns/zone.h"
#include "net/address.h"

namespace waygate::dns {

struct ServerOptions {
  size_t max_tcp_connections = 64;  // more are accepted and closed at once
  // A TCP connection that completes no query (and makes no write progress) for this long is
  // closed: idle keep-alives, half-open peers and byte-at-a-time senders alike (RFC 7766 6.2.3).
  int tcp_idle_timeout_ms = 10000;
  size_t max_udp_payload = 1232;  // the most an EDNS requester may ask for over UDP
  size_t udp_batch = 64;          // datagrams per loop turn before TCP gets a look in
};

class Server {
 public:
  struct Stats {
    uint64_t udp_queries = 0;  // datagrams received
    uint64_t tcp_queries = 0;  // length-prefixed messages received
    uint64_t dropped = 0;      // messages that got no answer (no header, or a response)
    uint64_t tcp_refused = 0;  // connections closed at once: over max_tcp_connections
    uint64_t tcp_timeouts = 0;
  };

  // Binds `listen` ("127.0.0.1:0", "[::1]:5353", ":53") for UDP and TCP; with port 0 both get
  // the same ephemeral port. Starts the thread.
  static Result<std::unique_ptr<Server>> Start(const net::Address& listen,
                                               std::shared_ptr<const Zone> zone,
                                               ServerOptions options = {});
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Thread-safe. The next query read after this returns is answered from `zone`.
  void SetZone(std::shared_ptr<const Zone> zone);
  // Closes the sockets and joins the thread. Idempotent; thread-safe against SetZone.
  void Stop();

  const net::Address& address() const { return address_; }  // with the bound port
  uint16_t port() const { return address_.port(); }
  Stats stats() const;

 private:
  class Loop;
  Server() = default;

  struct Counters {
    std::atomic<uint64_t> udp_queries{0};
    std::atomic<uint64_t> tcp_queries{0};
    std::atomic<uint64_t> dropped{0};
    std::atomic<uint64_t> tcp_refused{0};
    std::atomic<uint64_t> tcp_timeouts{0};
  };

  net::Address address_;
  SnapshotCell<Zone> zone_;
  Counters counters_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

}  // namespace waygate::dns
