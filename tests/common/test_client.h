// A deliberately independent, minimal HTTP/1.1 client for tests over real sockets: it does not
// use the project's parser, so a parser bug cannot hide a server bug (or the reverse).
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.h"

namespace waygate::testing {

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Blocking socket with a receive timeout so a server bug fails the test instead of hanging it.
inline int Connect(const net::Address& addr, int timeout_ms = 5000) {
  int fd = socket(addr.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, addr.sa(), addr.len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct Reply {
  int status = 0;
  std::string status_line;
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined ", "
  std::string body;
  bool chunked = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(Lower(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

// Reads more bytes into `buf`; false on EOF, error or timeout.
inline bool ReadMore(int fd, std::string& buf) {
  char tmp[65536];
  ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
  if (n <= 0) return false;
  buf.append(tmp, static_cast<size_t>(n));
  return true;
}

// Reads one response; bytes after it stay in `buf` (pipelining). 1xx responses are returned
// like any other. `head_request`: the response has no body whatever its headers say.
inline std::optional<Reply> ReadReply(int fd, std::string& buf, bool head_request = false) {
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(fd, buf)) return std::nullopt;
  }
  Reply r;
  std::string_view head(buf.data(), end);
  size_t line_end = head.find("\r\n");
  r.status_line = std::string(head.substr(0, line_end));
  if (r.status_line.size() < 12 || r.status_line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  r.status = std::stoi(r.status_line.substr(9, 3));
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    std::string_view line = head.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name = Lower(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      auto [it, inserted] = r.headers.emplace(name, std::string(value));
      if (!inserted) it->second.append(", ").append(value);
    }
    pos = next + 2;
  }
  buf.erase(0, end + 4);
  bool no_body = head_request || r.status / 100 == 1 || r.status == 204 || r.status == 304;
  if (no_body) return r;
  if (Lower(r.header("transfer-encoding")) == "chunked") {
    r.chunked = true;
    for (;;) {
      size_t crlf;
      while ((crlf = buf.find("\r\n")) == std::string::npos) {
        if (!ReadMore(fd, buf)) return std::nullopt;
      }
      size_t size = std::stoul(buf.substr(0, crlf), nullptr, 16);
      buf.erase(0, crlf + 2);
      if (size == 0) {
        while ((crlf = buf.find("\r\n")) == std::string::npos) {
          if (!ReadMore(fd, buf)) return std::nullopt;
        }
        buf.erase(0, crlf + 2);  // no trailers expected: the empty line ends the body
        return r;
      }
      while (buf.size() < size + 2) {
        if (!ReadMore(fd, buf)) return std::nullopt;
      }
      r.body.append(buf, 0, size);
      buf.erase(0, size + 2);
    }
  }
  if (!r.header("content-length").empty()) {
    size_t len = std::stoul(r.header("content-length"));
    while (buf.size() < len) {
      if (!ReadMore(fd, buf)) return std::nullopt;
    }
    r.body = buf.substr(0, len);
    buf.erase(0, len);
    return r;
  }
  while (ReadMore(fd, buf)) {
  }
  r.body = std::move(buf);
  buf.clear();
  return r;
}

// True when the server closes the connection (recv returns 0) within the socket's timeout.
inline bool PeerClosed(int fd) {
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

// One request on a fresh connection.
inline std::optional<Reply> Fetch(const net::Address& addr, std::string_view request,
                                  bool head_request = false) {
  int fd = Connect(addr);
  if (fd < 0) return std::nullopt;
  std::string buf;
  std::optional<Reply> r;
  if (SendAll(fd, request)) r = ReadReply(fd, buf, head_request);
  close(fd);
  return r;
}

}  // namespace waygate::testing
