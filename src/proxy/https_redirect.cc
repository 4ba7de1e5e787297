// ssl-redirect / force-ssl-redirect and HSTS, as ingress-nginx does them: a plain-HTTP request
// for a host that has TLS (or whose Ingress forces it) gets http-redirect-code (308) to the
// same host and request-uri over https (its trailing '/' dropped unless the Ingress sets
// preserve-trailing-slash); HTTPS responses of such hosts carry HSTS.
#include <string>

#include "proxy/redirects.h"
#include "proxy/session.h"

namespace waygate::proxy {

namespace {
constexpr std::string_view kAcmeChallenge = "/.well-known/acme-challenge/";

void AppendNumber(std::string& out, uint64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

bool EqualsAsciiCaseless(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] | 0x20) : a[i];
    if (x != b[i]) return false;
  }
  return true;
}
}  // namespace

bool Session::WantsHttpsRedirect(const http::RequestHead& head, std::string_view path) const {
  const route::RouteSettings& settings = route_->settings;
  if (!settings.force_ssl_redirect && !(settings.ssl_redirect && settings.host_has_tls)) {
    return false;
  }
  // HTTP-01 challenges are answered over plain HTTP by definition (RFC 8555 §8.3).
  if (path.starts_with(kAcmeChallenge)) return false;
  // Behind a trusted TLS-terminating balancer (use-forwarded-headers), the client already
  // speaks https: redirecting would loop.
  std::string_view proto;
  if (table_->gateway_settings().use_forwarded_headers &&
      head.Find("x-forwarded-proto", &proto) && EqualsAsciiCaseless(proto, "https")) {
    return false;
  }
  return true;
}

void Session::SendHttpsRedirect(const http::RequestHead& head, std::string_view host) {
  std::string location = "Location: https://";
  location.append(host);
  // The https listener that pairs with the one that accepted us: 443 is implied; a node port
  // is spelled out so the link works.
  if (https_port_ != 0 && https_port_ != 443) {
    location.push_back(':');
    AppendNumber(location, https_port_);
  }
  // ingress-nginx drops a trailing '/' of the request URI unless preserve-trailing-slash.
  const bool preserve =
      route_->policy != nullptr && route_->policy->redirect.preserve_trailing_slash;
  AppendRequestUri(head.path, head.query, head.has_query, !preserve, location);
  location.append("\r\n");
  const bool has_body = head.body != http::BodyKind::kNone;
  SendError(table_->gateway_settings().http_redirect_code, close_after_ || has_body, location);
}

void Session::AppendHsts(std::string& out) const {
  const route::GatewaySettings& gs = table_->gateway_settings();
  out.append("Strict-Transport-Security: max-age=");
  AppendNumber(out, gs.hsts_max_age);
  if (gs.hsts_include_subdomains) out.append("; includeSubDomains");
  if (gs.hsts_preload) out.append("; preload");
  out.append("\r\n");
}

}  // namespace waygate::proxy
