// A small blocking HTTP/1.1 client for one API server: GET only (all a reflector needs), one
// connection kept alive between requests, Content-Length, chunked and read-until-close bodies,
// a deadline on every wait, and Cancel() from another thread. Response heads are parsed by the
// http module's strict parser.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "kubeclient/connection.h"

namespace waygate::kubeclient {

struct HttpRequest {
  std::string target;  // path and query, e.g. "/api/v1/services?limit=500" (before base_path)
  std::vector<std::pair<std::string, std::string>> headers;
  // Connect, send and receive the head (and, without a body sink, the whole body) within this.
  std::chrono::milliseconds timeout{30000};
  // With a body sink: the longest silence tolerated between two reads of the body.
  std::chrono::milliseconds idle_timeout{30000};
  size_t max_body = size_t{1} << 30;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;  // the whole body, unless it went to a sink
};

// Receives decoded body bytes of a 2xx response as they arrive; returns false to stop reading
// (the connection is then closed, since the rest of the body was not read).
using BodySink = std::function<bool(std::string_view)>;

class HttpClient {
 public:
  HttpClient(ServerUrl server, ConnectOptions connect);
  ~HttpClient();

  // `sink` (optional) takes the body of a 2xx response; other statuses are collected whole
  // into HttpResponse::body (capped at 1 MiB: an error Status, not data).
  Result<HttpResponse> Get(const HttpRequest& request, const BodySink* sink = nullptr);

  // Ends any request in flight and every later one with an error; for shutdown.
  void Cancel() { cancel_.Cancel(); }
  bool canceled() const { return cancel_.canceled(); }
  const ServerUrl& server() const { return server_; }
  // Connections opened so far (tests use it to prove keep-alive).
  uint64_t connections_opened() const { return opened_; }

 private:
  // `fresh`: whether a failure may be a stale kept-alive connection worth one retry.
  Result<HttpResponse> Attempt(const HttpRequest& request, const BodySink* sink, bool* retryable);

  ServerUrl server_;
  ConnectOptions connect_;
  Canceler cancel_;
  std::unique_ptr<Connection> conn_;
  uint64_t opened_ = 0;
};

}  // namespace waygate::kubeclient
