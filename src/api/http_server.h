// A small HTTPS/1.1 server for the control plane: one thread per connection, blocking OpenSSL
// I/O, requests parsed by http/h1.h. The API's clients are few and long-lived (kubectl, the
// console, gateway nodes' watches), so simplicity beats an event loop here; the data plane
// (src/proxy) is where per-request cost matters.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "net/address.h"

namespace waygate::api {

struct HttpRequest {
  std::string method;
  std::string path;   // percent-encoded, as received
  std::string query;  // after '?', raw
  // Header names lower-cased; repeated headers joined with ", " (RFC 9110 5.3).
  std::map<std::string, std::string, std::less<>> headers;
  std::string body;
  std::string remote;  // "127.0.0.1:51234"

  std::string_view Header(std::string_view lower_name) const;
};

// Writes one response: either whole (Send) or streamed (StartStream + WriteChunk... + end when
// the handler returns). Methods return false once the client is gone.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual bool Send(int status, std::string_view content_type, std::string_view body,
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) = 0;
  virtual bool StartStream(int status, std::string_view content_type) = 0;
  virtual bool WriteChunk(std::string_view data) = 0;
  // Waits up to `timeout_ms` for the client to close or send something; true when the client
  // has gone (a streaming handler should then stop).
  virtual bool ClientGone(int timeout_ms) = 0;
  virtual bool sent() const = 0;
};

using HttpHandler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct HttpServerOptions {
  net::Address listen;
  SSL_CTX* tls = nullptr;  // nullptr: plain HTTP (tests only)
  size_t max_body_bytes = 3 * 1024 * 1024;
  // Bodies beyond max_body_bytes are answered by this (413) without reading them.
  std::function<std::string()> too_large_body;
  int idle_timeout_ms = 90'000;
};

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                   HttpHandler handler);
  ~HttpServer();  // stops accepting, closes every connection, joins every thread
  net::Address address() const { return address_; }

 private:
  HttpServer(HttpServerOptions options, HttpHandler handler, int fd, net::Address address);
  void AcceptLoop();
  void Serve(int fd, std::string remote);

  HttpServerOptions options_;
  HttpHandler handler_;
  int listen_fd_;
  net::Address address_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<int, std::thread> connections_;  // fd -> its thread
  std::vector<std::thread> finished_;       // joined by the accept loop
  std::thread accept_thread_;
};

}  // namespace waygate::api
