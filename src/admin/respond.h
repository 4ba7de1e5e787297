// The admin endpoints as a pure function: a parsed request head in, response bytes out.
// Kept apart from the socket loop so the routing table is testable without sockets.
#pragma once

#include <functional>
#include <string>

#include "http/h1.h"

namespace waygate::admin {

struct Handlers {
  // Called on the admin thread; both must be safe to call from a thread other than the one
  // that owns the state they read. An empty function counts as "not ready" / empty metrics.
  std::function<bool()> ready;
  std::function<std::string()> metrics;
};

struct Response {
  std::string bytes;   // status line, headers and (unless HEAD) body
  bool close = false;  // the connection must be closed once `bytes` are written
};

// Answers /healthz, /readyz, /metrics; 404 for other paths, 405 for methods other than GET/HEAD.
// `force_close` adds "Connection: close" (used when the request carried a body we do not read).
Response Respond(const http::RequestHead& head, const Handlers& handlers, bool force_close);

// The reply to a request the parser rejected (status from ParseResult::error_status).
Response RespondParseError(uint16_t status);

}  // namespace waygate::admin
