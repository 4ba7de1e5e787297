#include "admin/respond.h"

#include <string_view>

#include "base/http_reason.h"

namespace waygate::admin {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
// The Prometheus text exposition format version scrapers negotiate for.
constexpr std::string_view kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";

struct Reply {
  uint16_t status = 200;
  std::string_view content_type = kTextPlain;
  std::string body;
  bool allow_header = false;
};

Response Serialize(const Reply& r, bool head_only, bool close, bool http10_keep_alive) {
  Response out;
  out.close = close;
  std::string& b = out.bytes;
  b.reserve(160 + (head_only ? 0 : r.body.size()));
  b.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ");
  b.append(HttpReasonPhrase(r.status));
  b.append("\r\nContent-Type: ").append(r.content_type);
  b.append("\r\nContent-Length: ").append(std::to_string(r.body.size()));
  b.append("\r\nCache-Control: no-store");
  if (r.allow_header) b.append("\r\nAllow: GET, HEAD");
  if (close) {
    b.append("\r\nConnection: close");
  } else if (http10_keep_alive) {
    b.append("\r\nConnection: keep-alive");
  }
  b.append("\r\n\r\n");
  if (!head_only) b.append(r.body);
  return out;
}

}  // namespace

Response Respond(const http::RequestHead& head, const Handlers& handlers, bool force_close) {
  Reply r;
  bool is_head = head.method == "HEAD";
  if (head.method != "GET" && !is_head) {
    r.status = 405;
    r.body = "method not allowed";
    r.allow_header = true;
  } else if (head.path == "/healthz") {
    r.body = "ok";
  } else if (head.path == "/readyz") {
    if (handlers.ready && handlers.ready()) {
      r.body = "ready";
    } else {
      r.status = 503;
      r.body = "not ready";
    }
  } else if (head.path == "/metrics") {
    r.content_type = kPrometheusText;
    if (handlers.metrics) r.body = handlers.metrics();
  } else {
    r.status = 404;
    r.body = "not found";
  }
  bool close = force_close || !head.keep_alive;
  return Serialize(r, is_head, close, head.version_minor == 0 && !close);
}

Response RespondParseError(uint16_t status) {
  Reply r;
  r.status = status == 0 ? 400 : status;
  r.body = HttpReasonPhrase(r.status);
  return Serialize(r, false, true, false);
}

}  // namespace waygate::admin
