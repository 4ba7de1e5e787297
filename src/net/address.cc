#include "net/address.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace waygate::net {
namespace {

Error Invalid(std::string_view text, std::string_view why) {
  return MakeError(ErrorCode::kInvalid,
                   "invalid address \"" + std::string(text) + "\": " + std::string(why));
}

Error SysError(const char* op, const Address& addr, int err) {
  return MakeError(ErrorCode::kIo,
                   std::string(op) + " " + addr.ToString() + ": " + std::strerror(err));
}

// Strict decimal: digits only, no sign, no spaces, at most 5 digits, <= 65535.
bool ParsePort(std::string_view s, uint16_t* port) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

Result<Address> FromSockName(int fd, bool peer) {
  Address a;
  a.len = sizeof(a.storage);
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&a.storage), &a.len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&a.storage), &a.len);
  if (rc != 0) {
    return MakeError(ErrorCode::kIo, std::string(peer ? "getpeername" : "getsockname") + " fd " +
                                         std::to_string(fd) + ": " + std::strerror(errno));
  }
  return a;
}

}  // namespace

std::string Address::ToString() const {
  char ip[INET6_ADDRSTRLEN] = {};
  if (len == 0) return "<unset>";
  if (storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    return std::string(ip) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (storage.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "<family " + std::to_string(storage.ss_family) + ">";
}

uint16_t Address::port() const {
  if (len == 0) return 0;
  if (storage.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  }
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return 0;
}

bool Address::is_v6() const { return len != 0 && storage.ss_family == AF_INET6; }

Result<Address> ParseAddress(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty; expected HOST:PORT such as 127.0.0.1:8080");
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid(text, "missing ']' after IPv6 address");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Invalid(text, "expected \":PORT\" after \"]\"");
    }
    port_text = rest.substr(1);
    bracketed = true;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Invalid(text, "missing \":PORT\" (for example 127.0.0.1:8080 or :8080)");
    }
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return Invalid(text, "IPv6 addresses must be written in brackets, e.g. [::1]:8080");
    }
    port_text = text.substr(colon + 1);
  }

  uint16_t port = 0;
  if (!ParsePort(port_text, &port)) {
    return Invalid(text, "port \"" + std::string(port_text) + "\" is not a number in 0..65535");
  }

  Address a;
  if (bracketed) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    std::string h(host);
    if (h.empty() || inet_pton(AF_INET6, h.c_str(), &in6->sin6_addr) != 1) {
      return Invalid(text, "\"" + h + "\" is not an IPv6 address");
    }
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
    return a;
  }

  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  std::string h = host.empty() ? "0.0.0.0" : host == "localhost" ? "127.0.0.1" : std::string(host);
  // inet_pton(AF_INET) accepts only the four-part dotted decimal form, which is what we want
  // ("1" or "0x7f.1" are not addresses anyone means on a command line).
  if (inet_pton(AF_INET, h.c_str(), &in->sin_addr) != 1) {
    return Invalid(text, "\"" + h +
                             "\" is not an IPv4 address (host names other than localhost are "
                             "not resolved)");
  }
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  a.len = sizeof(sockaddr_in);
  return a;
}

Result<int> ListenTcp(const Address& addr, bool reuse_port, int backlog) {
  if (addr.len == 0) return MakeError(ErrorCode::kInvalid, "listen: address not set");
  int fd = socket(addr.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return SysError("listen: socket", addr, errno);
  auto fail = [&](const char* op) -> Result<int> {
    int err = errno;
    close(fd);
    return SysError(op, addr, err);
  };
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return fail("listen: SO_REUSEADDR");
  }
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return fail("listen: SO_REUSEPORT");
  }
  if (addr.is_v6() && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
    return fail("listen: IPV6_V6ONLY");
  }
  if (bind(fd, addr.sa(), addr.len) != 0) return fail("bind");
  if (listen(fd, backlog) != 0) return fail("listen");
  return fd;
}

Result<Address> LocalAddress(int fd) { return FromSockName(fd, false); }
Result<Address> PeerAddress(int fd) { return FromSockName(fd, true); }

}  // namespace waygate::net
