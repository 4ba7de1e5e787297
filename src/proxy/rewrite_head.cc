// The upstream request head of a route with a policy: BuildUpstreamHead's head, then
//
//   proxy-http-version 1.0  HTTP/1.0 request line and `Connection: close` (set before building)
//   rewrite-target          the request line's path is route::RewritePath's (query kept; when
//                           the target has a query of its own, the client's follows after '&',
//                           as nginx's rewrite appends the previous arguments)
//   upstream-vhost          the Host line's value (X-Forwarded-Host stays the client's)
//   x-forwarded-prefix      `X-Forwarded-Prefix: <value>`, replacing any the client sent
//
// Routes without a policy never come here: BuildUpstreamHead alone builds theirs.
#include "proxy/head_edit.h"
#include "proxy/session.h"
#include "route/rewrite.h"

namespace waygate::proxy {

void Session::BuildPolicyUpstreamHead(const http::RequestHead& head, std::string_view path) {
  const annotations::PathPolicy& paths = route_->policy->paths;
  if (route_->policy->upstream.http10) upstream_http10_ = true;
  std::string_view upstream_path = path;
  if (paths.rewrite_target && route::RewritePath(*route_, path, rewrite_path_)) {
    upstream_path = rewrite_path_;
  }
  BuildUpstreamHead(head, upstream_path);
  std::string& out = up_head_;
  if (head.has_query && upstream_path.find('?') != std::string_view::npos) {
    out[head.method.size() + 1 + upstream_path.size()] = '&';
  }
  if (!paths.upstream_vhost.empty()) {
    // BuildUpstreamHead writes our Host line first; the client's Host is never copied.
    size_t at = out.find("\r\nHost: ");
    if (at != std::string::npos) {
      at += 8;
      out.replace(at, out.find("\r\n", at) - at, paths.upstream_vhost);
    }
  }
  if (!paths.x_forwarded_prefix.empty()) {
    EraseHeaderLines(out, 0, [](std::string_view name) {
      return http::EqualsIgnoreCase(name, "x-forwarded-prefix");
    });
    // Before the blank line that ends the head.
    out.resize(out.size() - 2);
    out.append("X-Forwarded-Prefix: ");
    out.append(paths.x_forwarded_prefix);
    out.append("\r\n\r\n");
  }
}

}  // namespace waygate::proxy
