// The answers a route's annotations give without any upstream, in ingress-nginx's order (its
// server block, then the location's rewrite phase: all before access checks, rate limits and
// ssl-redirect):
//
//   from-to-www-redirect  the generated www./bare host: http-redirect-code to the other host
//   app-root              exactly "/": 302 to $scheme://$http_host<app-root>
//   enable-cors           OPTIONS from an allowed origin: 204 with the CORS headers
//   permanent-redirect /  the code and the URL with its variables expanded
//   temporal-redirect
//
// Then one refusal of our own: proxy-http-version 1.0 cannot carry a chunked request body (we
// stream bodies, nginx would buffer them to count them), so such a request gets 411.
//
// CORS on the response: an allowed request ("*", or an Origin matching cors-allow-origin) gets
// the same Access-Control-* set on its response, whatever the upstream sent under those names
// (more_set_headers replaces). The preflight 204 carries no `Content-Length: 0`: RFC 9110 8.6
// forbids it on 204, and nginx drops it on the wire too.
#include <cstdio>

#include "proxy/cors.h"
#include "proxy/head_edit.h"
#include "proxy/redirects.h"
#include "proxy/session.h"

namespace waygate::proxy {

namespace {

void AppendPort(uint16_t port, std::string& out) {
  out.push_back(':');
  char buf[8];
  int n = snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(port));
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

bool Session::AnswerFromPolicy(const http::RequestHead& head, std::string_view host,
                               std::string_view path, size_t head_len) {
  const annotations::Policy& policy = *route_->policy;
  const bool close = close_after_ || head.body != http::BodyKind::kNone;
  const std::string_view scheme = secure_ ? "https" : "http";

  if (!route_->www_redirect_host.empty()) {
    // ingress-nginx's redirect server: the request's scheme (X-Forwarded-Proto behind a trusted
    // balancer), the other host, the request URI without its trailing '/'.
    std::string_view redirect_scheme = scheme;
    std::string_view proto;
    if (table_->gateway_settings().use_forwarded_headers &&
        head.Find("x-forwarded-proto", &proto)) {
      if (http::EqualsIgnoreCase(proto, "https")) redirect_scheme = "https";
      if (http::EqualsIgnoreCase(proto, "http")) redirect_scheme = "http";
    }
    std::string location = "Location: ";
    location.append(redirect_scheme);
    location.append("://");
    location.append(route_->www_redirect_host);
    // The port the client reached us on, unless the scheme implies it (node ports).
    if (listen_port_ != 0 && listen_port_ != (secure_ ? 443 : 80)) {
      AppendPort(listen_port_, location);
    }
    AppendRequestUri(head.path, head.query, head.has_query, true, location);
    location.append("\r\n");
    in_.Consume(head_len);
    SendError(table_->gateway_settings().http_redirect_code, close, location);
    return true;
  }

  if (!policy.paths.app_root.empty() && path == "/") {
    // `return 302 $scheme://$http_host<app-root>`: the Host header as the client sent it.
    std::string location = "Location: ";
    location.append(scheme);
    location.append("://");
    location.append(head.host.empty() ? host : head.host);
    location.append(policy.paths.app_root);
    location.append("\r\n");
    in_.Consume(head_len);
    SendError(302, close, location);
    return true;
  }

  if (policy.cors.enabled) {
    std::string_view origin;
    const bool has_origin = head.Find("origin", &origin);
    std::string_view allow = CorsAllowOrigin(policy.cors, has_origin, origin);
    if (!allow.empty()) {
      // ingress-nginx answers every OPTIONS of an allowed origin itself (it does not look for
      // Access-Control-Request-Method); a disallowed one goes upstream like any request.
      if (head.method == "OPTIONS") {
        std::string headers;
        AppendCorsHeaders(policy.cors, allow, headers);
        headers.append("Content-Type: text/plain charset=UTF-8\r\n");
        in_.Consume(head_len);
        SendNoContent(headers, close);
        return true;
      }
      cors_ = &policy.cors;
      cors_origin_.assign(allow);
    }
  }

  if (!policy.redirect.url.empty()) {
    const RedirectVars vars{head.path, head.query, head.has_query, path, host, scheme};
    std::string headers = "Location: ";
    ExpandRedirectUrl(policy.redirect.url, vars, headers);
    headers.append("\r\n");
    if (cors_ != nullptr) AppendCorsHeaders(*cors_, cors_origin_, headers);
    in_.Consume(head_len);
    SendError(policy.redirect.code, close, headers);
    return true;
  }

  if (policy.upstream.http10 && head.body == http::BodyKind::kChunked) {
    in_.Consume(head_len);
    SendError(411, true);
    return true;
  }
  return false;
}

void Session::AppendCorsResponse(std::string& out, const http::ResponseHead& rh) {
  const annotations::CorsPolicy& cors = *cors_;
  for (uint16_t i = 0; i < rh.header_count; ++i) {
    if (!IsCorsHeaderWeSet(cors, rh.headers[i].name)) continue;
    // The upstream set some of ours: drop its copies from the head being written. That head
    // starts after any interim response already queued (a "100 Continue" of ours).
    size_t start = out.rfind("\r\n\r\n");
    start = start == std::string::npos ? 0 : start + 4;
    EraseHeaderLines(out, start,
                     [&cors](std::string_view name) { return IsCorsHeaderWeSet(cors, name); });
    break;
  }
  AppendCorsHeaders(cors, cors_origin_, out);
}

void Session::SendNoContent(std::string_view extra_headers, bool close) {
  ReleaseUpstream(false);
  status_ = 204;
  close = close || close_after_;
  std::string& out = dout_;
  out.append("HTTP/1.1 204 No Content\r\nServer: waygate\r\n");
  out.append(w_->date_header_, w_->date_header_len_);
  out.append(extra_headers);
  out.append(close ? "Connection: close\r\n\r\n"
                   : (client_http10_ ? "Connection: keep-alive\r\n\r\n" : "\r\n"));
  body_bytes_sent_ = 0;
  RecordCompletion(204);
  close_after_ = close;
  ResetExchange();
  phase_ = close ? Phase::kDraining : Phase::kIdle;
  if (!close) {
    SetDeadline(serving_->table ? serving_->table->gateway_settings().keep_alive_timeout_ms
                                : 75000);
  }
}

}  // namespace waygate::proxy
