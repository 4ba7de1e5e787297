#include "api/http_server.h"

#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <algorithm>

#include "base/http_reason.h"
#include "base/log.h"
#include "http/h1.h"

namespace waygate::api {
namespace {

// Byte transport over a socket, with or without TLS.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Conn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  // > 0 bytes, 0 on orderly close, -1 on error.
  long Read(char* buf, size_t n) {
    if (ssl_ == nullptr) {
      for (;;) {
        ssize_t r = ::recv(fd_, buf, n, 0);
        if (r < 0 && errno == EINTR) continue;
        return r;
      }
    }
    size_t got = 0;
    int rc = SSL_read_ex(ssl_, buf, n, &got);
    if (rc == 1) return static_cast<long>(got);
    int err = SSL_get_error(ssl_, rc);
    ERR_clear_error();
    return err == SSL_ERROR_ZERO_RETURN ? 0 : -1;
  }
  bool Write(std::string_view data) {
    while (!data.empty()) {
      if (ssl_ == nullptr) {
        ssize_t w = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        data.remove_prefix(static_cast<size_t>(w));
      } else {
        size_t written = 0;
        if (SSL_write_ex(ssl_, data.data(), data.size(), &written) != 1) {
          ERR_clear_error();
          return false;
        }
        data.remove_prefix(written);
      }
    }
    return true;
  }
  // Bytes already decrypted and waiting (TLS reads whole records).
  bool HasBuffered() const { return ssl_ != nullptr && SSL_pending(ssl_) > 0; }
  int fd() const { return fd_; }

 private:
  int fd_;
  SSL* ssl_;
};

std::string HttpDate() {
  char buf[64];
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Writer : public ResponseWriter {
 public:
  Writer(Conn& conn, bool head_only, bool keep_alive)
      : conn_(conn), head_only_(head_only), keep_alive_(keep_alive) {}

  bool Send(int status, std::string_view content_type, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>& headers = {}) override {
    sent_ = true;
    std::string out = StatusLine(status, content_type, headers);
    // 204 and 304 have no content; a Content-Length on a 304 would have to be the 200's
    // (RFC 9110 8.6), so none is sent.
    bool no_content = status == 204 || status == 304;
    if (!no_content) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";
    if (!head_only_ && !no_content) out.append(body);
    ok_ = conn_.Write(out);
    return ok_;
  }

  bool StartStream(int status, std::string_view content_type) override {
    sent_ = true;
    streaming_ = true;
    std::string out = StatusLine(status, content_type, {});
    out += "Transfer-Encoding: chunked\r\n\r\n";
    ok_ = conn_.Write(out);
    return ok_;
  }

  bool WriteChunk(std::string_view data) override {
    if (!ok_ || data.empty()) return ok_;
    char size[32];
    snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out = size;
    out.append(data);
    out += "\r\n";
    ok_ = conn_.Write(out);
    return ok_;
  }

  bool ClientGone(int timeout_ms) override {
    if (!ok_) return true;
    pollfd p{conn_.fd(), POLLIN | POLLRDHUP, 0};
    int rc = ::poll(&p, 1, timeout_ms);
    if (rc <= 0) return false;
    // A watching client sends nothing; readable means it closed (or misbehaves: either way we
    // stop streaming).
    return (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  bool sent() const override { return sent_; }
  bool Finish() {
    if (streaming_ && ok_) ok_ = conn_.Write("0\r\n\r\n");
    return ok_;
  }
  bool keep_alive() const { return keep_alive_ && ok_; }

 private:
  std::string StatusLine(int status, std::string_view content_type,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string out =
        "HTTP/1.1 " + std::to_string(status) + " " + HttpReasonPhrase(status) + "\r\n";
    bool cache_control = false;
    for (const auto& h : headers) cache_control = cache_control || h.first == "Cache-Control";
    if (!cache_control) out += "Cache-Control: no-cache, private\r\n";
    if (!content_type.empty()) {
      out += "Content-Type: ";
      out.append(content_type);
      out += "\r\n";
    }
    out += "Date: " + HttpDate() + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    if (!keep_alive_) out += "Connection: close\r\n";
    return out;
  }

  Conn& conn_;
  bool head_only_;
  bool keep_alive_;
  bool sent_ = false;
  bool streaming_ = false;
  bool ok_ = true;
};

// Decodes a chunked body already known to be complete and valid (ChunkedScanner said so).
std::string Dechunk(std::string_view raw) {
  std::string out;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t line_end = raw.find("\r\n", pos);
    if (line_end == std::string_view::npos) break;
    size_t size = strtoull(std::string(raw.substr(pos, line_end - pos)).c_str(), nullptr, 16);
    pos = line_end + 2;
    if (size == 0) break;
    out.append(raw.substr(pos, size));
    pos += size + 2;
  }
  return out;
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      HttpHandler handler) {
  auto fd = net::ListenTcp(options.listen, /*reuse_port=*/false, 1024);
  if (!fd.ok()) return fd.error();
  auto bound = net::LocalAddress(*fd);
  if (!bound.ok()) {
    ::close(*fd);
    return bound.error();
  }
  std::unique_ptr<HttpServer> server(
      new HttpServer(std::move(options), std::move(handler), *fd, *bound));
  server->accept_thread_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, int fd,
                       net::Address address)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      listen_fd_(fd),
      address_(address) {}

HttpServer::~HttpServer() {
  stopping_.store(true);
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  std::map<int, std::thread> remaining;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [fd, thread] : connections_) ::shutdown(fd, SHUT_RDWR);
    remaining.swap(connections_);
  }
  for (auto& [fd, thread] : remaining) {
    if (thread.joinable()) thread.join();
  }
  for (auto& t : finished_) {
    if (t.joinable()) t.join();
  }
}

void HttpServer::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, 200);
    {
      // Join threads of connections that ended, so they do not pile up.
      std::vector<std::thread> done;
      {
        std::lock_guard<std::mutex> lock(mu_);
        done.swap(finished_);
      }
      for (auto& t : done) t.join();
    }
    if (rc <= 0) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    net::Address remote;
    remote.storage = peer;
    remote.len = len;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_.load()) {
      ::close(fd);
      break;
    }
    connections_[fd] = std::thread([this, fd, r = remote.ToString()] {
      Serve(fd, r);
      // The entry leaves the map before the descriptor is closed, both under the lock: once
      // closed, accept4 may hand out the same number again, and the accept loop must then find
      // the slot empty (assigning over a joinable std::thread is std::terminate), and the
      // destructor must never shut down a number that now belongs to someone else.
      std::lock_guard<std::mutex> l(mu_);
      auto it = connections_.find(fd);
      if (it != connections_.end()) {
        finished_.push_back(std::move(it->second));
        connections_.erase(it);
      }
      ::close(fd);
    });
  }
}

void HttpServer::Serve(int fd, std::string remote) {
  timeval tv{options_.idle_timeout_ms / 1000, (options_.idle_timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL* ssl = nullptr;
  if (options_.tls != nullptr) {
    ssl = SSL_new(options_.tls);
    if (ssl == nullptr) return;
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      log::Debug("api: TLS handshake from " + remote + " failed");
      ERR_clear_error();
      SSL_free(ssl);
      return;
    }
  }
  Conn conn(fd, ssl);
  std::string buf;
  char chunk[16384];
  http::Limits limits;
  limits.max_head_bytes = 64 * 1024;
  for (;;) {
    http::RequestHead head;
    http::ParseResult parsed;
    for (;;) {
      parsed = http::ParseRequestHead(buf, limits, &head);
      if (parsed.status != http::ParseStatus::kNeedMore) break;
      long n = conn.Read(chunk, sizeof chunk);
      if (n <= 0) return;
      buf.append(chunk, static_cast<size_t>(n));
    }
    if (parsed.status == http::ParseStatus::kError) {
      Writer w(conn, false, false);
      w.Send(parsed.error_status, "text/plain; charset=utf-8",
             std::string(parsed.error_reason) + "\n");
      return;
    }
    HttpRequest req;
    req.method = std::string(head.method);
    req.path = std::string(head.path);
    req.query = std::string(head.query);
    req.remote = remote;
    for (uint16_t i = 0; i < head.header_count; ++i) {
      std::string name = Lower(head.headers[i].name);
      auto [it, inserted] = req.headers.emplace(name, std::string(head.headers[i].value));
      if (!inserted) {
        it->second += ", ";
        it->second += head.headers[i].value;
      }
    }
    bool keep_alive = head.keep_alive;
    bool head_only = req.method == "HEAD";
    size_t head_size = parsed.consumed;
    // The views in `head` point into `buf`: everything needed was copied above.
    buf.erase(0, head_size);

    auto too_large = [&] {
      Writer w(conn, head_only, false);
      w.Send(413, "application/json",
             options_.too_large_body ? options_.too_large_body() : std::string());
      // Read (and drop) what the client is still sending, up to a bound, so that closing
      // does not reset the connection before the client has read the 413.
      size_t drained = buf.size();
      size_t limit = std::min<uint64_t>(head.body == http::BodyKind::kContentLength
                                            ? head.content_length
                                            : options_.max_body_bytes * 2,
                                        options_.max_body_bytes * 4);
      while (drained < limit) {
        long n = conn.Read(chunk, sizeof chunk);
        if (n <= 0) break;
        drained += static_cast<size_t>(n);
      }
    };
    if (head.body == http::BodyKind::kContentLength) {
      if (head.content_length > options_.max_body_bytes) return too_large();
      if (head.expect_continue) conn.Write("HTTP/1.1 100 Continue\r\n\r\n");
      while (buf.size() < head.content_length) {
        long n = conn.Read(chunk, sizeof chunk);
        if (n <= 0) return;
        buf.append(chunk, static_cast<size_t>(n));
      }
      req.body = buf.substr(0, head.content_length);
      buf.erase(0, head.content_length);
    } else if (head.body == http::BodyKind::kChunked) {
      if (head.expect_continue) conn.Write("HTTP/1.1 100 Continue\r\n\r\n");
      http::ChunkedScanner scanner(options_.max_body_bytes);
      size_t scanned = 0;
      for (;;) {
        auto step = scanner.Feed(std::string_view(buf).substr(scanned));
        scanned += step.consumed;
        if (step.error) {
          if (scanner.payload_bytes() > options_.max_body_bytes) return too_large();
          Writer w(conn, head_only, false);
          w.Send(400, "text/plain; charset=utf-8", std::string(step.error_reason) + "\n");
          return;
        }
        if (step.done) break;
        if (scanner.payload_bytes() > options_.max_body_bytes) return too_large();
        long n = conn.Read(chunk, sizeof chunk);
        if (n <= 0) return;
        buf.append(chunk, static_cast<size_t>(n));
      }
      req.body = Dechunk(std::string_view(buf).substr(0, scanned));
      if (req.body.size() > options_.max_body_bytes) return too_large();
      buf.erase(0, scanned);
    }

    Writer writer(conn, head_only, keep_alive && !stopping_.load());
    handler_(req, writer);
    if (!writer.sent()) writer.Send(500, "text/plain", "no response\n");
    if (!writer.Finish() || !writer.keep_alive()) return;
  }
}

}  // namespace waygate::api
