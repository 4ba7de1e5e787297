// The pure parts of canary, sticky sessions, next-upstream and custom error pages (issue 6):
// decisions and formatting without I/O, so they are unit-tested on their own. The Session side
// (canary.cc, affinity.cc, error_pages.cc) calls them on the request path of a route with a
// policy or a canary; a route with neither never reaches them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "annotations/policy.h"
#include "http/h1.h"

namespace waygate::proxy {

// ---- canary (canary.cc) ----

// ingress-nginx's route_to_alternative_balancer, in its order:
//   1. canary-by-header, when the request has that header: with canary-by-header-value, equal
//      -> canary (anything else falls through); else with canary-by-header-pattern, an
//      unanchored RE2 match -> canary (as ngx.re.match; no match falls through); else "always"
//      -> canary, "never" -> main, anything else falls through.
//   2. canary-by-cookie, when the request has that cookie: "always" -> canary, "never" -> main.
//   3. canary-weight: canary when `random % weight_total < weight`.
// `header` / `cookie`: null when the request has no such header / cookie.
bool DecideCanary(const annotations::CanaryPolicy& policy, const std::string_view* header,
                  const std::string_view* cookie, uint64_t random);

// The value of cookie `name` in the request's Cookie header(s) (RFC 6265 5.4 "name=value" pairs
// separated by "; "). `ignore_case`: compare names ASCII case-insensitively (nginx's
// $cookie_NAME, which canary-by-cookie reads). First match wins.
bool FindCookie(const http::RequestHead& head, std::string_view name, bool ignore_case,
                std::string_view* value);

// ---- sticky sessions (affinity.cc) ----

// The stable identity of an endpoint in a sticky cookie: a 64-bit hash of the Backend's key and
// the endpoint address. The same on every worker and every gateway node (no seed, no process
// state); salted with the backend key as ingress-nginx salts with the backend name, so a
// cookie also tells which backend (main or canary) it belongs to, and reveals no address.
uint64_t AffinityHash(std::string_view backend_key, std::string_view address);

// Cookie value: 16 lower-case hex digits of the hash; affinity-mode balanced appends
// ".<endpoints when issued>" (`issued_endpoints` 0: persistent, no suffix).
std::string FormatAffinityValue(uint64_t hash, uint32_t issued_endpoints);
// Inverse of FormatAffinityValue; false for anything else (a forged or foreign cookie).
bool ParseAffinityValue(std::string_view value, uint64_t* hash, uint32_t* issued_endpoints);

// affinity-mode balanced: after the backend grew from `issued` to `current` endpoints, the
// session moves to a new endpoint with probability (current - issued) / current, decided by
// its hash alone (the same answer on every node), which is the share of sessions a consistent
// hash hands to the new endpoints — what ingress-nginx's sticky_balanced (chash on a random
// key) does on scale-up. Never moves when the backend did not grow.
bool BalancedSessionMoves(uint64_t hash, uint32_t issued, uint32_t current);

// SameSite=None is omitted for clients known to mishandle it (session-cookie-conditional-
// samesite-none): Chrome/Chromium 51-66, iOS 12 and macOS 10.14 Safari/WebViews, UC Browser
// before 12.13.2 (the list ingress-nginx's util/same_site.lua keeps).
bool SameSiteNoneCompatible(std::string_view user_agent);

// nginx's cookie_time: "Thu, 18-Nov-10 11:27:35 GMT" (two-digit year up to 2037).
std::string CookieTime(int64_t unix_seconds);

struct AffinityCookieContext {
  std::string_view route_path;   // session-cookie-path's default (the location's path)
  bool https = false;            // the client connection is TLS: Secure even when not asked
  bool samesite_none_ok = true;  // SameSiteNoneCompatible(User-Agent) when it matters
  int64_t unix_now_s = 0;        // for Expires
};

// One "Set-Cookie: ...\r\n" line in lua-resty-cookie's attribute order, as ingress-nginx sends
// it: name=value; Expires=..; Max-Age=..; Domain=..; Path=..; Secure; HttpOnly; SameSite=..
void AppendAffinitySetCookie(std::string& out, const annotations::AffinityPolicy& policy,
                             std::string_view value, const AffinityCookieContext& context);

// ---- next-upstream and custom error pages (error_pages.cc) ----

// Whether proxy-next-upstream `conditions` ask for another endpoint after a response with
// `status` (http_500/502/503/504/403/404/429).
bool NextUpstreamOnStatus(uint16_t conditions, uint16_t status);

// custom-http-errors lists `status` (the list is sorted).
bool IsCustomHttpError(const annotations::ErrorPolicy& errors, uint16_t status);

struct ErrorPageRequest {
  bool head = false;              // HEAD stays HEAD; every other method becomes GET
  bool http10 = false;            // an HTTP/1.0 client: ask in HTTP/1.0 (no chunked answer)
  std::string_view host;          // the client's Host (nginx $best_http_host)
  uint16_t code = 0;              // X-Code
  std::string_view accept;        // X-Format ($http_accept)
  std::string_view original_uri;  // X-Original-URI ($request_uri)
  std::string_view namespace_;    // X-Namespace
  std::string_view ingress_name;  // X-Ingress-Name
  std::string_view service_name;  // X-Service-Name
  std::string_view service_port;  // X-Service-Port
  std::string_view request_id;    // X-Request-ID
  std::string_view client_ip;     // X-Forwarded-For / X-Real-IP
};

// The request ingress-nginx's @custom_<upstream>_<code> location sends to the default backend:
// the path rewritten to "/", no body, its X-* headers. Replaces `out`.
void BuildErrorPageHead(const ErrorPageRequest& request, std::string& out);

}  // namespace waygate::proxy
