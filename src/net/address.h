// Socket addresses as the command line spells them, and the listening-socket setup every
// listener (data plane, admin, echo) shares.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::net {

struct Address {
  sockaddr_storage storage{};
  socklen_t len = 0;  // 0: not set

  std::string ToString() const;  // "127.0.0.1:8080", "[::1]:8080"
  uint16_t port() const;         // host byte order; 0 when not set
  bool is_v6() const;

  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (= 0.0.0.0:8080), "localhost:80" (= 127.0.0.1:80).
// Literal IPs only: a gateway must not block its start-up on DNS. The port is required (0..65535).
Result<Address> ParseAddress(std::string_view text);

// A nonblocking, close-on-exec listening TCP socket with SO_REUSEADDR (and SO_REUSEPORT when
// asked, so several workers can each own a listener on one port). IPv6 listeners are
// IPV6_V6ONLY so "[::]:80" and "0.0.0.0:80" can both be bound. Returns the fd; caller owns it.
Result<int> ListenTcp(const Address& addr, bool reuse_port, int backlog = 4096);

Result<Address> LocalAddress(int fd);  // getsockname
Result<Address> PeerAddress(int fd);   // getpeername

}  // namespace waygate::net
