// Policy: the typed form of an Ingress's nginx.ingress.kubernetes.io/* annotations (issue 6).
//
// Every value is parsed and validated into these fields by the group parsers (parse.h); nothing
// here is ever text for a configuration language. The route compiler keeps one immutable Policy
// per Ingress (shared by its Routes through a shared_ptr, null when the Ingress has none of
// these annotations, so a route without annotations pays one pointer test on the request path).
//
// The keys the route module already parses into route::RouteSettings (load-balance,
// upstream-hash-by, proxy-body-size, proxy-*-timeout, proxy-next-upstream-tries, ssl-redirect,
// force-ssl-redirect, backend-protocol) are not repeated here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "annotations/cidr.h"

namespace re2 {
class RE2;
}

namespace waygate::auth {
class Htpasswd;  // src/auth: verified credentials of an auth-secret
}

namespace waygate::annotations {

// ---- paths and rewrites ----
struct PathPolicy {
  // use-regex, or implied by rewrite-target (as ingress-nginx): every path of the host is a
  // case-insensitive RE2 anchored at the start. The route compiler applies it host-wide.
  bool use_regex = false;
  // rewrite-target: the upstream path replaces the whole matched path; $1..$9 are the path
  // regex's capture groups; the query string is kept. Validated: starts with '/' or is a
  // $n reference, every $n is 1..9, no other '$'.
  std::optional<std::string> rewrite_target;
  std::string app_root;            // app-root: "/" answers 302 to it; "" = off. Starts with '/'.
  std::string x_forwarded_prefix;  // x-forwarded-prefix: sent as X-Forwarded-Prefix; "" = off
  std::string upstream_vhost;      // upstream-vhost: Host sent upstream; "" = the client's
  std::vector<std::string> server_alias;  // server-alias: more hosts served by these rules
};

// ---- redirects (besides ssl-redirect / force-ssl-redirect in RouteSettings) ----
struct RedirectPolicy {
  // temporal-redirect wins over permanent-redirect when both are set (ingress-nginx order).
  // The URL is absolute http(s); it may use $request_uri, $uri, $args, $host, $scheme, which
  // the data plane expands (nothing else with '$' is accepted).
  std::string url;        // "" = no redirect
  uint16_t code = 0;      // permanent-redirect-code (default 301) / temporal-redirect-code (302)
  bool from_to_www = false;             // from-to-www-redirect
  bool preserve_trailing_slash = false;  // preserve-trailing-slash (for ssl redirects)
};

// ---- upstream behaviour (besides the RouteSettings keys) ----
struct UpstreamPolicy {
  // proxy-next-upstream: when a request may go to the next endpoint. Default "error timeout".
  enum Condition : uint16_t {
    kError = 1 << 0,
    kTimeout = 1 << 1,
    kInvalidHeader = 1 << 2,
    kHttp500 = 1 << 3,
    kHttp502 = 1 << 4,
    kHttp503 = 1 << 5,
    kHttp504 = 1 << 6,
    kHttp403 = 1 << 7,
    kHttp404 = 1 << 8,
    kHttp429 = 1 << 9,
    kNonIdempotent = 1 << 10,
  };
  uint16_t next_upstream = kError | kTimeout;  // "off" = 0
  uint32_t next_upstream_timeout_ms = 0;        // proxy-next-upstream-timeout; 0 = no limit
  bool service_upstream = false;                // service-upstream: Service ClusterIP, not Pods
  bool proxy_buffering = false;                 // proxy-buffering: "on"/"off" (default off)
  bool http10 = false;                          // proxy-http-version: "1.0" (default "1.1")
};

// ---- sticky sessions ----
struct AffinityPolicy {
  enum class SameSite : uint8_t { kUnset, kNone, kLax, kStrict };
  bool cookie = false;  // affinity: cookie (the only type)
  bool persistent = false;  // affinity-mode: "balanced" (default) or "persistent"
  std::string name = "INGRESSCOOKIE";  // session-cookie-name (a valid cookie token)
  std::string path;                    // session-cookie-path; "" = the route's path
  std::string domain;                  // session-cookie-domain
  uint32_t max_age_s = 0;              // session-cookie-max-age; 0 = a session cookie
  uint32_t expires_s = 0;              // session-cookie-expires (seconds from now)
  SameSite samesite = SameSite::kUnset;  // session-cookie-samesite
  bool conditional_samesite_none = false;  // session-cookie-conditional-samesite-none
  bool secure = false;                     // session-cookie-secure
  bool change_on_failure = false;          // session-cookie-change-on-failure
};

// ---- access control ----
struct AccessPolicy {
  CidrSet allow;  // whitelist-source-range / allowlist-source-range; empty = everyone
  CidrSet deny;   // denylist-source-range, checked first; a match gets 403
};

struct AuthPolicy {
  enum class Type : uint8_t { kNone, kBasic };
  enum class SecretType : uint8_t { kAuthFile, kAuthMap };  // auth-secret-type
  Type type = Type::kNone;
  std::string secret_namespace;  // always the Ingress's own namespace (others are refused)
  std::string secret_name;
  SecretType secret_type = SecretType::kAuthFile;
  std::string realm = "Authentication Required";  // auth-realm (no '"' or control characters)
  // Filled by the route compiler from the Secret; null when the Secret is missing or unusable:
  // the route then answers 503 (fail closed), never lets a request through.
  std::shared_ptr<const auth::Htpasswd> credentials;
};

struct RateLimitPolicy {
  uint32_t rps = 0;          // limit-rps, per client address; 0 = off
  uint32_t rpm = 0;          // limit-rpm
  uint32_t connections = 0;  // limit-connections: concurrent requests per client address
  uint32_t burst_multiplier = 5;  // limit-burst-multiplier
  CidrSet whitelist;              // limit-whitelist (limit-allowlist): exempt addresses
  uint16_t status = 503;          // the gateway's limit-req-status-code
  bool any() const { return rps != 0 || rpm != 0 || connections != 0; }
};

// ---- CORS ----
struct CorsPolicy {
  bool enabled = false;  // enable-cors
  // cors-allow-origin: "*" (default) or a list of origins "https://a.com, https://*.b.com"
  // (scheme://host[:port]; "*." covers one label).
  bool any_origin = true;
  std::vector<std::string> origins;
  std::string allow_methods = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
  std::string allow_headers =
      "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,"
      "Range,Authorization";
  std::string expose_headers;  // "" = none
  bool allow_credentials = true;
  int32_t max_age_s = 1728000;
};

// ---- canary ----
struct CanaryPolicy {
  bool enabled = false;        // canary: "true"
  std::string by_header;       // canary-by-header (lower-case header name); "" = off
  std::string by_header_value;  // canary-by-header-value
  std::shared_ptr<const re2::RE2> by_header_pattern;  // canary-by-header-pattern (RE2)
  std::string by_cookie;       // canary-by-cookie; "" = off
  uint32_t weight = 0;         // canary-weight
  uint32_t weight_total = 100;  // canary-weight-total
};

// ---- errors and defaults ----
struct ErrorPolicy {
  std::string default_backend;        // default-backend: a Service of the same namespace
  std::vector<uint16_t> custom_http_errors;  // custom-http-errors, sorted, 400..599
  bool access_log = true;             // enable-access-log
};

struct Policy {
  PathPolicy paths;
  RedirectPolicy redirect;
  UpstreamPolicy upstream;
  AffinityPolicy affinity;
  AccessPolicy access;
  AuthPolicy auth;
  RateLimitPolicy limits;
  CorsPolicy cors;
  CanaryPolicy canary;
  ErrorPolicy errors;
};

}  // namespace waygate::annotations
