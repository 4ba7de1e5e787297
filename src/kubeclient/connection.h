// One TCP (optionally TLS) connection to an API server, with every wait bounded by a deadline
// and interruptible from another thread through a Canceler. Non-blocking sockets and poll(2)
// throughout, so a connect, a TLS handshake or a watch that never sends anything can all be
// stopped at once on shutdown. TLS runs over memory BIOs: all socket I/O is ours (send with
// MSG_NOSIGNAL), so a peer reset never raises SIGPIPE whatever the process does with it.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "kubeclient/config.h"

namespace waygate::kubeclient {

using Clock = std::chrono::steady_clock;

// Sticky cancellation: once Cancel() is called every wait that polls fd() ends at once.
class Canceler {
 public:
  Canceler();
  ~Canceler();
  Canceler(const Canceler&) = delete;
  Canceler& operator=(const Canceler&) = delete;
  void Cancel();  // any thread
  bool canceled() const { return canceled_.load(std::memory_order_acquire); }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::atomic<bool> canceled_{false};
};

struct ConnectOptions {
  SSL_CTX* ssl_ctx = nullptr;                        // required for https URLs, unused for http
  std::string tls_server_name;                       // empty: the URL's host
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect + TLS handshake
};

class Connection {
 public:
  // Errors say what failed and against which server ("connect 10.0.0.1:6443: Connection
  // refused", "TLS handshake with https://...: certificate verify failed: ...").
  static Result<std::unique_ptr<Connection>> Open(const ServerUrl& url,
                                                  const ConnectOptions& options,
                                                  const Canceler* cancel);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status WriteAll(std::string_view data, Clock::time_point deadline);
  // Up to `len` bytes; 0 on end of stream (a TLS close_notify, or the peer closing the socket).
  Result<size_t> Read(char* buf, size_t len, Clock::time_point deadline);
  // Without waiting: whether the peer closed the connection or sent anything since the last
  // read. Between HTTP/1.1 exchanges a server has nothing to say, so either way the connection
  // must not carry another request.
  bool ClosedWhileIdle() const;

 private:
  Connection(int fd, const Canceler* cancel) : fd_(fd), cancel_(cancel) {}
  Status Wait(short events, Clock::time_point deadline);
  Status SendRaw(const char* data, size_t len, Clock::time_point deadline);
  Status FlushTls(Clock::time_point deadline);  // TLS records produced -> socket
  Status FillTls(Clock::time_point deadline);   // socket -> TLS engine (sets eof_)
  Status Handshake(const ServerUrl& url, Clock::time_point deadline);

  int fd_;
  const Canceler* cancel_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
  bool eof_ = false;
};

}  // namespace waygate::kubeclient
