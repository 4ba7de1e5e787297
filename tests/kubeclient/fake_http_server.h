// A scripted HTTP/1.1 server for client tests, on 127.0.0.1 port 0: each request goes to a
// handler that writes whatever bytes the test wants (whole responses, chunks split at odd
// places, abrupt closes). Optional TLS with a given SSL_CTX. Until the real API server exists,
// this is how kubeclient's protocol behaviour is pinned deterministically.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace waygate::kubeclient::testing {

struct FakeRequest {
  std::string method;
  std::string target;                          // as sent
  std::string path;                            // before '?'
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // by Content-Length (no chunked requests)

  std::string Param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  bool Has(const std::string& name) const { return query.count(name) != 0; }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// One accepted connection, handed to the handler.
class FakeConn {
 public:
  FakeConn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  bool Send(const std::string& data) {
    if (closed_) return false;
    if (ssl_ != nullptr) return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0;
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool SendResponse(int status, const std::string& body,
                    const std::string& content_type = "application/json") {
    return Send("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + content_type +
                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  bool SendJson(int status, const nlohmann::json& body) {
    return SendResponse(status, body.dump());
  }
  bool SendStatus(int code, const std::string& reason, const std::string& message) {
    return SendJson(code, {{"kind", "Status"},
                           {"apiVersion", "v1"},
                           {"status", "Failure"},
                           {"code", code},
                           {"reason", reason},
                           {"message", message}});
  }
  bool StartChunked(int status = 200) {
    return Send("HTTP/1.1 " + std::to_string(status) +
                " OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  }
  bool SendChunk(const std::string& data) {
    char size[32];
    snprintf(size, sizeof size, "%zx\r\n", data.size());
    return Send(size + data + "\r\n");
  }
  bool EndChunked() { return Send("0\r\n\r\n"); }
  // Closes without finishing the response: a dropped connection as the client sees it.
  void Abort() {
    closed_ = true;
    ::shutdown(fd_, SHUT_RDWR);
  }
  // The client went away (a long-poll handler checks this between events).
  bool PeerClosed() const {
    if (closed_) return true;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
  // The handler asks that the connection be closed after its response.
  void CloseAfter() { close_after_ = true; }
  bool close_after() const { return close_after_ || closed_; }

 private:
  int fd_;
  SSL* ssl_;
  bool closed_ = false;
  bool close_after_ = false;
};

class FakeHttpServer {
 public:
  using Handler = std::function<void(const FakeRequest&, FakeConn&)>;

  explicit FakeHttpServer(Handler handler, SSL_CTX* tls = nullptr)
      : handler_(std::move(handler)), tls_(tls) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~FakeHttpServer() { Stop(); }

  void Stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    accept_thread_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : conn_threads_) t.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<FakeRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() const { return connections_.load(); }
  // Closes every open connection at once (the server restarting, a network blip).
  void DropAll() {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  void AcceptLoop() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopped_) return;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      ++connections_;
      // Responses go out in several small writes; without this, Nagle and delayed ACKs add
      // 40 ms to every exchange and would hide a client that loops too fast.
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mu_);
      if (stopped_) {
        ::close(fd);
        return;
      }
      open_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    SSL* ssl = nullptr;
    if (tls_ != nullptr) {
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        Forget(fd);
        return;
      }
    }
    std::string buf;
    // Appends what the client sends next; false once it closed.
    auto fill = [&] {
      char tmp[8192];
      int n = ssl != nullptr ? SSL_read(ssl, tmp, sizeof tmp)
                             : static_cast<int>(::recv(fd, tmp, sizeof tmp, 0));
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    };
    for (;;) {
      size_t end = 0;
      bool open = true;
      while (open && (end = buf.find("\r\n\r\n")) == std::string::npos) open = fill();
      FakeRequest req;
      if (open) {
        req = Parse(buf.substr(0, end));
        buf.erase(0, end + 4);
        size_t length = std::stoul("0" + req.Header("content-length"));
        while (open && buf.size() < length) open = fill();
        req.body = buf.substr(0, length);
        buf.erase(0, length);
      }
      if (!open) {
        if (ssl != nullptr) SSL_free(ssl);
        Forget(fd);
        return;
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      FakeConn conn(fd, ssl);
      handler_(req, conn);
      if (conn.close_after() || stopped_) break;
    }
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    Forget(fd);
  }

  void Forget(int fd) {
    std::lock_guard lock(mu_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    ::close(fd);
  }

  static FakeRequest Parse(const std::string& head) {
    FakeRequest req;
    size_t line_end = head.find("\r\n");
    std::string line = head.substr(0, line_end);
    size_t sp1 = line.find(' ');
    size_t sp2 = line.find(' ', sp1 + 1);
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) {
      std::string rest = req.target.substr(q + 1);
      size_t start = 0;
      while (start <= rest.size()) {
        size_t amp = rest.find('&', start);
        std::string kv = rest.substr(start, amp - start);
        size_t eq = kv.find('=');
        if (!kv.empty()) {
          req.query[PercentDecode(kv.substr(0, eq))] =
              eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1));
        }
        if (amp == std::string::npos) break;
        start = amp + 1;
      }
    }
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string h = head.substr(pos, e - pos);
      size_t colon = h.find(':');
      if (colon != std::string::npos) {
        std::string name = h.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        size_t v = h.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : h.substr(v);
      }
      pos = e + 2;
    }
    return req;
  }

  Handler handler_;
  SSL_CTX* tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<FakeRequest> requests_;
  std::vector<std::thread> conn_threads_;
  std::thread accept_thread_;
};

}  // namespace waygate::kubeclient::testing
