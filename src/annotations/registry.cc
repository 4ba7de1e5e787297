// The key table (key -> parser, default, description), the refused and route-owned keys, and
// the two entry points that walk an Ingress's annotations with them.
#include <algorithm>
#include <array>

#include "annotations/parse.h"
#include "annotations/parsers.h"

namespace waygate::annotations {
namespace {

using internal::Draft;
using internal::FieldOf;
using internal::KeyParser;

struct KeyEntry {
  std::string_view key;
  KeyParser parse;
  std::string_view default_value;
  std::string_view description;
};

constexpr KeyEntry kKeys[] = {
    // paths and rewrites
    {"use-regex", internal::ParseUseRegex, "false",
     "paths of the host are case-insensitive RE2 regular expressions anchored at the start"},
    {"rewrite-target", internal::ParseRewriteTarget, "",
     "upstream path replacing the matched path; $1..$9 are the path's capture groups (implies "
     "use-regex)"},
    {"app-root", internal::ParseAppRoot, "", "requests for / are redirected (302) to this path"},
    {"x-forwarded-prefix", internal::ParseXForwardedPrefix, "",
     "value of the X-Forwarded-Prefix header sent upstream"},
    {"upstream-vhost", internal::ParseUpstreamVhost, "",
     "Host header sent upstream instead of the client's"},
    {"server-alias", internal::ParseServerAlias, "",
     "comma-separated extra host names (or *.wildcards) served by the same rules"},
    // redirects
    {"permanent-redirect", internal::ParsePermanentRedirect, "",
     "answer every request with a redirect to this absolute http(s) URL"},
    {"permanent-redirect-code", internal::ParsePermanentRedirectCode, "301",
     "status code of permanent-redirect (300 to 308)"},
    {"temporal-redirect", internal::ParseTemporalRedirect, "",
     "like permanent-redirect with a temporary code; wins when both are set"},
    {"temporal-redirect-code", internal::ParseTemporalRedirectCode, "302",
     "status code of temporal-redirect (300 to 308)"},
    {"from-to-www-redirect", internal::ParseFromToWwwRedirect, "false",
     "redirect www.<host> to <host> or <host> to www.<host>, whichever the rule does not name"},
    {"preserve-trailing-slash", internal::ParsePreserveTrailingSlash, "false",
     "keep a trailing slash in the URL of https redirects"},
    // upstream behaviour
    {"proxy-next-upstream", internal::ParseProxyNextUpstream, "error timeout",
     "when a request is retried on the next endpoint (nginx proxy_next_upstream conditions, or "
     "off)"},
    {"proxy-next-upstream-timeout", internal::ParseProxyNextUpstreamTimeout, "0",
     "time limit for retrying on next endpoints (seconds or nginx units; 0 = none)"},
    {"service-upstream", internal::ParseServiceUpstream, "false",
     "send to the Service's ClusterIP instead of its endpoints"},
    {"proxy-buffering", internal::ParseProxyBuffering, "off",
     "buffer upstream responses (on or off)"},
    {"proxy-http-version", internal::ParseProxyHttpVersion, "1.1",
     "HTTP version spoken to the upstream (1.0 or 1.1)"},
    // sticky sessions
    {"affinity", internal::ParseAffinity, "", "session affinity type; the only type is cookie"},
    {"affinity-mode", internal::ParseAffinityMode, "balanced",
     "balanced (sessions may move when endpoints are added) or persistent"},
    {"session-cookie-name", internal::ParseSessionCookieName, "INGRESSCOOKIE",
     "name of the affinity cookie"},
    {"session-cookie-path", internal::ParseSessionCookiePath, "",
     "Path of the affinity cookie (default: the rule's path)"},
    {"session-cookie-max-age", internal::ParseSessionCookieMaxAge, "",
     "Max-Age of the affinity cookie in seconds (unset: a session cookie)"},
    {"session-cookie-expires", internal::ParseSessionCookieExpires, "",
     "Expires of the affinity cookie, seconds from now (legacy form of max-age)"},
    {"session-cookie-domain", internal::ParseSessionCookieDomain, "",
     "Domain of the affinity cookie"},
    {"session-cookie-samesite", internal::ParseSessionCookieSameSite, "",
     "SameSite of the affinity cookie: None, Lax or Strict"},
    {"session-cookie-conditional-samesite-none",
     internal::ParseSessionCookieConditionalSameSiteNone, "false",
     "omit SameSite=None for user agents known to mishandle it"},
    {"session-cookie-secure", internal::ParseSessionCookieSecure, "false",
     "always set the Secure flag on the affinity cookie"},
    {"session-cookie-change-on-failure", internal::ParseSessionCookieChangeOnFailure, "false",
     "pick a new endpoint (and cookie) when the sticky one fails"},
    // access control
    {"allowlist-source-range", internal::ParseAllowlistSourceRange, "",
     "comma-separated CIDRs allowed to reach the Ingress (others get 403)"},
    {"whitelist-source-range", internal::ParseWhitelistSourceRange, "",
     "older name of allowlist-source-range (used only when that one is absent or empty)"},
    {"denylist-source-range", internal::ParseDenylistSourceRange, "",
     "comma-separated CIDRs refused with 403, checked before the allowlist"},
    {"auth-type", internal::ParseAuthType, "", "authentication type; basic (digest is refused)"},
    {"auth-secret", internal::ParseAuthSecret, "",
     "Secret holding the htpasswd data: name or <own namespace>/name"},
    {"auth-secret-type", internal::ParseAuthSecretType, "auth-file",
     "auth-file (htpasswd in key auth) or auth-map (one key per user)"},
    {"auth-realm", internal::ParseAuthRealm, "Authentication Required",
     "realm of the WWW-Authenticate challenge"},
    {"limit-rps", internal::ParseLimitRps, "0",
     "requests per second per client address (0 = no limit)"},
    {"limit-rpm", internal::ParseLimitRpm, "0",
     "requests per minute per client address (0 = no limit)"},
    {"limit-connections", internal::ParseLimitConnections, "0",
     "concurrent requests per client address (0 = no limit)"},
    {"limit-burst-multiplier", internal::ParseLimitBurstMultiplier, "5",
     "burst allowed above limit-rps/limit-rpm, as a multiple of the rate"},
    {"limit-allowlist", internal::ParseLimitAllowlist, "",
     "comma-separated CIDRs exempt from the limits"},
    {"limit-whitelist", internal::ParseLimitWhitelist, "",
     "older name of limit-allowlist (used only when that one is absent or empty)"},
    // CORS
    {"enable-cors", internal::ParseEnableCors, "false",
     "answer CORS preflights and add CORS headers"},
    {"cors-allow-origin", internal::ParseCorsAllowOrigin, "*",
     "allowed origins: * or a list of scheme://host[:port] (host may start with *.)"},
    {"cors-allow-methods", internal::ParseCorsAllowMethods,
     "GET, PUT, POST, DELETE, PATCH, OPTIONS", "Access-Control-Allow-Methods"},
    {"cors-allow-headers", internal::ParseCorsAllowHeaders,
     "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,"
     "Range,Authorization",
     "Access-Control-Allow-Headers"},
    {"cors-expose-headers", internal::ParseCorsExposeHeaders, "", "Access-Control-Expose-Headers"},
    {"cors-allow-credentials", internal::ParseCorsAllowCredentials, "true",
     "Access-Control-Allow-Credentials"},
    {"cors-max-age", internal::ParseCorsMaxAge, "1728000", "Access-Control-Max-Age in seconds"},
    // canary
    {"canary", internal::ParseCanary, "false",
     "this Ingress is the canary of the Ingress with the same host and path"},
    {"canary-by-header", internal::ParseCanaryByHeader, "",
     "request header choosing the canary (always / never)"},
    {"canary-by-header-value", internal::ParseCanaryByHeaderValue, "",
     "header value choosing the canary instead of always"},
    {"canary-by-header-pattern", internal::ParseCanaryByHeaderPattern, "",
     "RE2 pattern of header values choosing the canary (ignored when -value is set)"},
    {"canary-by-cookie", internal::ParseCanaryByCookie, "",
     "cookie choosing the canary (always / never)"},
    {"canary-weight", internal::ParseCanaryWeight, "0",
     "share of the remaining requests sent to the canary, out of canary-weight-total"},
    {"canary-weight-total", internal::ParseCanaryWeightTotal, "100", "total of canary-weight"},
    // errors and defaults
    {"default-backend", internal::ParseDefaultBackend, "",
     "Service of the same namespace answering when the backend has no endpoint, and for "
     "custom-http-errors"},
    {"custom-http-errors", internal::ParseCustomHttpErrors, "",
     "comma-separated status codes (400 to 599) answered by the default-backend"},
    {"enable-access-log", internal::ParseEnableAccessLog, "true",
     "write access log lines for this Ingress"},
};

// Parsed by route::ParseRouteAnnotations (src/route/settings.cc): supported, not parsed here.
constexpr KeyInfo kRouteKeys[] = {
    {"backend-protocol", "HTTP",
     "protocol spoken to the Service: HTTP, AUTO_HTTP or GRPC (HTTPS, GRPCS, FCGI refused)"},
    {"load-balance", "round_robin",
     "round_robin, or ewma / least_conn (both: least in-flight requests of two random endpoints)"},
    {"upstream-hash-by", "",
     "consistent hashing on $remote_addr, $request_uri or one $http_<name> (overrides "
     "load-balance)"},
    {"proxy-body-size", "1m", "largest request body (0 = unlimited; sizes like 8m)"},
    {"proxy-connect-timeout", "5", "upstream connect timeout (seconds or nginx units)"},
    {"proxy-read-timeout", "60", "upstream read timeout (seconds or nginx units)"},
    {"proxy-send-timeout", "60", "upstream send timeout (seconds or nginx units)"},
    {"proxy-next-upstream-tries", "3", "most endpoints one request is tried on (0 = all)"},
    {"ssl-redirect", "true", "redirect http to https when the host has TLS"},
    {"force-ssl-redirect", "false", "redirect http to https even without TLS for the host (308)"},
};

// Configuration text, refused whatever their value (every *-snippet key is, too).
constexpr std::string_view kRefusedKeys[] = {
    "configuration-snippet", "server-snippet",      "auth-snippet",
    "stream-snippet",        "modsecurity-snippet",
};

// One annotation value is at most this long; real values are far shorter.
constexpr size_t kMaxValue = 64 * 1024;

const KeyEntry* FindKey(std::string_view key) {
  for (const KeyEntry& entry : kKeys) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

bool IsRouteKey(std::string_view key) {
  for (const KeyInfo& info : kRouteKeys) {
    if (info.key == key) return true;
  }
  return false;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Surrounding blanks and line breaks go (a YAML block scalar ends with "\n"); a line break or
// control character inside is refused outright: no value is ever multi-line text.
Result<std::string_view> CleanValue(std::string_view value) {
  if (value.size() > kMaxValue) {
    return internal::Invalid("value is too long (" + std::to_string(value.size()) +
                             " bytes; at most 65536)");
  }
  while (!value.empty() && IsSpace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsSpace(value.back())) value.remove_suffix(1);
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return internal::Invalid(
          c == '\n' || c == '\r'
              ? "value contains a line break (annotation values are never configuration text)"
              : "value contains a control character");
    }
  }
  return value;
}

// Walks the nginx.ingress.kubernetes.io/ keys once; every problem goes to `errors`.
void Run(const model::StringMap& annotations, Draft& draft, Parsed& parsed,
         std::vector<Error>& errors) {
  // std::map is ordered: the prefixed keys are one contiguous range.
  for (auto it = annotations.lower_bound(std::string(kPrefix)); it != annotations.end(); ++it) {
    std::string_view full = it->first;
    if (full.substr(0, kPrefix.size()) != kPrefix) break;
    std::string_view key = full.substr(kPrefix.size());
    if (IsRefusedKey(key)) {
      errors.push_back(MakeError(ErrorCode::kInvalid,
                                 "snippet annotations are refused: " + std::string(key) +
                                     " would be configuration text, which Waygate never uses",
                                 FieldOf(key)));
      continue;
    }
    if (IsRouteKey(key)) continue;
    const KeyEntry* entry = FindKey(key);
    if (entry == nullptr) {
      parsed.unsupported.push_back(
          MakeError(ErrorCode::kUnsupported,
                    "annotation " + std::string(full) + " is not supported", FieldOf(key)));
      continue;
    }
    parsed.any = true;
    auto value = CleanValue(it->second);
    Status status =
        value ? (value->empty() ? OkStatus() : entry->parse(*value, draft)) : Status(value.error());
    if (!status) {
      Error error = status.error();
      error.code = ErrorCode::kInvalid;
      error.field = FieldOf(key);
      errors.push_back(std::move(error));
    }
  }
  internal::FinishPaths(draft, errors);
  internal::FinishRedirect(draft, errors);
  internal::FinishAccess(draft, errors);
  internal::FinishCanary(draft, errors);
}

}  // namespace

Result<Parsed> ParseAnnotations(const model::StringMap& annotations,
                                std::string_view ingress_namespace) {
  Draft draft(ingress_namespace);
  Parsed parsed;
  std::vector<Error> errors;
  Run(annotations, draft, parsed, errors);
  if (!errors.empty()) return std::move(errors.front());
  parsed.policy = std::move(draft.policy);
  return parsed;
}

std::vector<Error> ValidateAnnotations(const model::StringMap& annotations,
                                       std::string_view ingress_namespace) {
  Draft draft(ingress_namespace);
  Parsed parsed;
  std::vector<Error> errors;
  Run(annotations, draft, parsed, errors);
  return errors;
}

const std::vector<KeyInfo>& SupportedKeys() {
  static const std::vector<KeyInfo> keys = [] {
    std::vector<KeyInfo> all;
    for (const KeyEntry& entry : kKeys) {
      all.push_back(KeyInfo{entry.key, entry.default_value, entry.description});
    }
    for (const KeyInfo& info : kRouteKeys) all.push_back(info);
    return all;
  }();
  return keys;
}

bool IsRefusedKey(std::string_view key_without_prefix) {
  constexpr std::string_view kSnippet = "-snippet";
  if (std::find(std::begin(kRefusedKeys), std::end(kRefusedKeys), key_without_prefix) !=
      std::end(kRefusedKeys)) {
    return true;
  }
  return key_without_prefix.size() >= kSnippet.size() &&
         key_without_prefix.substr(key_without_prefix.size() - kSnippet.size()) == kSnippet;
}

}  // namespace waygate::annotations
