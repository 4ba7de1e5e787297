// A small blocking HTTP/1.1 client for one API server: any method, an optional request body,
// one connection kept alive between requests, Content-Length, chunked and read-until-close
// response bodies, a deadline on every wait, and Cancel() from another thread. Response heads
// are parsed by the http module's strict parser.
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
  std::string method = "GET";
  std::string target;  // path and query, e.g. "/api/v1/services?limit=500" (before base_path)
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent with Content-Length (and `content_type` when set). POST, PUT and PATCH always carry a
  // Content-Length, 0 for an empty body, so that a server never waits for a body.
  std::string body;
  std::string content_type;
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

// RFC 9110 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE. POST and PATCH are not.
bool IsIdempotent(std::string_view method);

class HttpClient {
 public:
  HttpClient(ServerUrl server, ConnectOptions connect);
  ~HttpClient();

  // `sink` (optional) takes the body of a 2xx response; other statuses are collected whole
  // into HttpResponse::body (capped at 1 MiB: an error Status, not data). Transport errors are
  // kIo and name the request ("POST /api/v1/nodes: connection closed before a response").
  //
  // Stale kept-alive connections: one the server closed while idle is noticed before it is
  // used (nothing was sent, so any method is safe) and replaced. When a reused connection still
  // fails before any response byte (the server closed it just as the request went out), the
  // request is sent once more on a fresh connection only if its method is idempotent; a POST
  // or PATCH may have been applied, so that failure goes to the caller.
  Result<HttpResponse> Send(const HttpRequest& request, const BodySink* sink = nullptr);

  // Ends any request in flight and every later one with an error; for shutdown.
  void Cancel() { cancel_.Cancel(); }
  bool canceled() const { return cancel_.canceled(); }
  const ServerUrl& server() const { return server_; }
  // Connections opened so far (tests use it to prove keep-alive).
  uint64_t connections_opened() const { return opened_; }

 private:
  // `retryable`: the failure came from a reused connection before any response byte.
  Result<HttpResponse> Attempt(const HttpRequest& request, const BodySink* sink, bool* retryable);

  ServerUrl server_;
  ConnectOptions connect_;
  Canceler cancel_;
  std::unique_ptr<Connection> conn_;
  uint64_t opened_ = 0;
};

}  // namespace waygate::kubeclient
