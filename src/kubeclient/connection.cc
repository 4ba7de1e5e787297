#include "kubeclient/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kubeclient/tls_context.h"

namespace waygate::kubeclient {
namespace {

bool IsIpLiteral(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

Error IoError(std::string message) { return MakeError(ErrorCode::kIo, std::move(message)); }

}  // namespace

Canceler::Canceler() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Canceler::~Canceler() {
  if (fd_ >= 0) ::close(fd_);
}

void Canceler::Cancel() {
  canceled_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t ignored = ::write(fd_, &one, sizeof one);
  (void)ignored;
}

Result<std::unique_ptr<Connection>> Connection::Open(const ServerUrl& url,
                                                     const ConnectOptions& options,
                                                     const Canceler* cancel) {
  auto deadline = Clock::now() + options.connect_timeout;
  if (cancel->canceled()) return IoError("canceled");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(url.port);
  // Blocking and not cancelable, but bounded by the resolver's own timeouts; API servers are
  // usually dialled by IP (in-cluster: KUBERNETES_SERVICE_HOST).
  int gai = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
  if (gai != 0) return IoError("resolve " + url.host + ": " + gai_strerror(gai));
  std::string last_error = "no address";
  std::unique_ptr<Connection> conn;
  for (addrinfo* ai = found; ai != nullptr && !conn; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    std::unique_ptr<Connection> candidate(new Connection(fd, cancel));
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = strerror(errno);
        continue;
      }
      Status waited = candidate->Wait(POLLOUT, deadline);
      if (!waited.ok()) {
        last_error = waited.error().message;
        if (cancel->canceled()) break;
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last_error = strerror(err);
        continue;
      }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn = std::move(candidate);
  }
  freeaddrinfo(found);
  if (!conn) return IoError("connect " + url.HostHeader() + ": " + last_error);
  if (url.tls) {
    if (options.ssl_ctx == nullptr)
      return MakeError(ErrorCode::kInternal, "https without TLS context");
    conn->ssl_ = SSL_new(options.ssl_ctx);
    conn->in_ = BIO_new(BIO_s_mem());
    conn->out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(conn->ssl_, conn->in_, conn->out_);
    std::string name = options.tls_server_name.empty() ? url.host : options.tls_server_name;
    bool ip = IsIpLiteral(name);
    // SNI carries host names only (RFC 6066 section 3); the certificate check covers both.
    if (!ip) SSL_set_tlsext_host_name(conn->ssl_, name.c_str());
    if (SSL_CTX_get_verify_mode(options.ssl_ctx) != SSL_VERIFY_NONE) {
      X509_VERIFY_PARAM* param = SSL_get0_param(conn->ssl_);
      int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                   : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      if (set != 1) return IoError("TLS: cannot check the server name " + name);
    }
    Status hs = conn->Handshake(url, deadline);
    if (!hs.ok()) return hs.error();
  }
  return conn;
}

Connection::~Connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

Status Connection::Wait(short events, Clock::time_point deadline) {
  for (;;) {
    if (cancel_->canceled()) return IoError("canceled");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return IoError("timed out");
    pollfd fds[2] = {{fd_, events, 0}, {cancel_->fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count() + 1, 60'000)));
    if (n < 0 && errno != EINTR) return IoError(std::string("poll: ") + strerror(errno));
    if (n <= 0) continue;
    if (fds[1].revents != 0) return IoError("canceled");
    if (fds[0].revents != 0) return OkStatus();  // errors surface in the next I/O call
  }
}

Status Connection::SendRaw(const char* data, size_t len, Clock::time_point deadline) {
  while (len > 0) {
    ssize_t n = ::send(fd_, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Status w = Wait(POLLOUT, deadline);
      if (!w.ok()) return w;
      continue;
    }
    return IoError(std::string("send: ") + strerror(errno));
  }
  return OkStatus();
}

Status Connection::FlushTls(Clock::time_point deadline) {
  char buf[16384];
  while (BIO_ctrl_pending(out_) > 0) {
    int n = BIO_read(out_, buf, sizeof buf);
    if (n <= 0) break;
    Status s = SendRaw(buf, static_cast<size_t>(n), deadline);
    if (!s.ok()) return s;
  }
  return OkStatus();
}

Status Connection::FillTls(Clock::time_point deadline) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      BIO_write(in_, buf, static_cast<int>(n));
      return OkStatus();
    }
    if (n == 0) {
      eof_ = true;
      return OkStatus();
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return IoError(std::string("recv: ") + strerror(errno));
    }
    Status w = Wait(POLLIN, deadline);
    if (!w.ok()) return w;
  }
}

Status Connection::Handshake(const ServerUrl& url, Clock::time_point deadline) {
  ERR_clear_error();
  for (;;) {
    int r = SSL_connect(ssl_);
    Status flushed = FlushTls(deadline);
    if (r == 1) return flushed;
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ && flushed.ok() && !eof_) {
      Status filled = FillTls(deadline);
      if (!filled.ok())
        return IoError("TLS handshake with " + url.ToString() + ": " + filled.error().message);
      continue;
    }
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      ERR_clear_error();
      return IoError("TLS handshake with " + url.ToString() +
                     ": server certificate rejected: " + X509_verify_cert_error_string(verify));
    }
    std::string why = eof_            ? "connection closed by the server"
                      : !flushed.ok() ? flushed.error().message
                                      : TakeOpenSslErrors("handshake failed");
    ERR_clear_error();
    return IoError("TLS handshake with " + url.ToString() + ": " + why);
  }
}

Status Connection::WriteAll(std::string_view data, Clock::time_point deadline) {
  if (ssl_ == nullptr) return SendRaw(data.data(), data.size(), deadline);
  ERR_clear_error();
  while (!data.empty()) {
    size_t written = 0;
    // Memory BIOs grow as needed, so a write never wants to wait for the socket.
    if (SSL_write_ex(ssl_, data.data(), data.size(), &written) != 1) {
      return IoError("TLS write: " + TakeOpenSslErrors());
    }
    data.remove_prefix(written);
  }
  return FlushTls(deadline);
}

bool Connection::ClosedWhileIdle() const {
  if (eof_ || (ssl_ != nullptr && (SSL_pending(ssl_) > 0 || BIO_ctrl_pending(in_) > 0))) {
    return true;
  }
  pollfd p{fd_, static_cast<short>(POLLIN | POLLRDHUP), 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n != 0;
}

Result<size_t> Connection::Read(char* buf, size_t len, Clock::time_point deadline) {
  if (ssl_ == nullptr) {
    for (;;) {
      ssize_t n = ::recv(fd_, buf, len, 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return IoError(std::string("recv: ") + strerror(errno));
      }
      Status w = Wait(POLLIN, deadline);
      if (!w.ok()) return w.error();
    }
  }
  ERR_clear_error();
  for (;;) {
    size_t n = 0;
    int r = SSL_read_ex(ssl_, buf, len, &n);
    // Reading may produce records to send (TLS 1.3 key updates).
    Status flushed = FlushTls(deadline);
    if (!flushed.ok()) return flushed.error();
    if (r == 1) return n;
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_ZERO_RETURN) return size_t{0};
    if (err != SSL_ERROR_WANT_READ) {
      ERR_clear_error();
      // A peer that closes without close_notify ends the stream too; HTTP framing tells a
      // complete message from a truncated one.
      if (eof_) return size_t{0};
      return IoError("TLS read: " + TakeOpenSslErrors());
    }
    if (eof_) return size_t{0};
    Status filled = FillTls(deadline);
    if (!filled.ok()) return filled.error();
  }
}

}  // namespace waygate::kubeclient
