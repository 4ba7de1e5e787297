// Internal to src/annotations: the shared state one Ingress's key parsers write, the value
// helpers they share (values.cc), and the per-key parser functions the registry maps keys to.
//
// A key parser sees one value (already trimmed, never empty, free of line breaks and control
// characters) and writes the Draft; it returns only a message (the registry adds the field).
// Rules that involve several keys (temporal over permanent redirect, allowlist over its
// whitelist alias, canary keys without canary: "true", ...) run once every key has been parsed
// (the Finish* functions), so the result never depends on the order keys are visited.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annotations/policy.h"
#include "annotations/values.h"
#include "base/result.h"

namespace waygate::annotations::internal {

struct Draft {
  explicit Draft(std::string_view ns) : ingress_namespace(ns) {}
  std::string_view ingress_namespace;
  Policy policy;
  // redirect.cc: both redirects are kept until FinishRedirect picks one.
  std::string permanent_url;
  uint16_t permanent_code = 301;
  std::string temporal_url;
  uint16_t temporal_code = 302;
  // access.cc: the primary key wins over its alias (ingress-nginx reads the alias only when the
  // primary is empty), whatever order they were seen in.
  std::optional<CidrSet> allowlist;        // allowlist-source-range
  std::optional<CidrSet> whitelist;        // whitelist-source-range (alias)
  std::optional<CidrSet> limit_allowlist;  // limit-allowlist
  std::optional<CidrSet> limit_whitelist;  // limit-whitelist (alias)
};

// The full field name of a key: metadata.annotations[nginx.ingress.kubernetes.io/<key>].
std::string FieldOf(std::string_view key);

// ---- value helpers (values.cc; Quoted, ParseBool and ParseUint32 are in values.h) ----
Error Invalid(std::string message);
// ParseUint32 into `out` (left alone on error).
Status SetUint32(std::string_view value, uint32_t& out);
// An optional '-' then decimal digits, fitting in int32.
Result<int32_t> ParseInt32(std::string_view text);
// Seconds ("5") or nginx time units ("500ms", "5s", "1m", "1h", "1d", "1m30s") -> milliseconds.
Result<uint32_t> ParseDurationMs(std::string_view text);
// Items of a `sep`-separated list, each with spaces and tabs trimmed (empty items kept).
std::vector<std::string_view> SplitList(std::string_view text, char sep);
std::string_view TrimBlank(std::string_view text);
std::string Lower(std::string_view text);
// RFC 9110 token characters (header names, methods).
bool IsToken(std::string_view text);
// RFC 6265 cookie-name: a token (same character set).
inline bool IsCookieName(std::string_view text) { return IsToken(text); }
// A DNS name: dot-separated labels of letters, digits, '-' (not at a label's ends), each 1..63,
// at most 253 in all. `allow_wildcard`: the first label may be exactly "*".
bool IsDnsName(std::string_view text, bool allow_wildcard);
// Kubernetes object names: DNS-1123 subdomain (Secrets) and DNS-1035 label (Services).
bool IsDns1123Subdomain(std::string_view text);
bool IsDns1035Label(std::string_view text);
// host, host:port, IPv4[:port] or [IPv6][:port]; port 1..65535.
bool IsHostPort(std::string_view text);
// Characters allowed in a URL path/query here: RFC 3986 unreserved, sub-delims except '$',
// ':', '@', '/', '?', and '%' followed by two hex digits. Checked by ValidUrlText.
bool IsUrlChar(char c);
// Every character IsUrlChar and every '%' starts a %XX escape; else a reason.
std::optional<std::string> UrlTextProblem(std::string_view text);
// "name" or "<ingress namespace>/name" -> name; another namespace is refused.
Result<std::string> SameNamespaceName(std::string_view value, std::string_view ingress_namespace,
                                      std::string_view what);

// ---- key parsers (one per key; grouped by file) ----
using KeyParser = Status (*)(std::string_view value, Draft& draft);

// paths.cc
Status ParseUseRegex(std::string_view value, Draft& draft);
Status ParseRewriteTarget(std::string_view value, Draft& draft);
Status ParseAppRoot(std::string_view value, Draft& draft);
Status ParseXForwardedPrefix(std::string_view value, Draft& draft);
Status ParseUpstreamVhost(std::string_view value, Draft& draft);
Status ParseServerAlias(std::string_view value, Draft& draft);
// redirect.cc
Status ParsePermanentRedirect(std::string_view value, Draft& draft);
Status ParsePermanentRedirectCode(std::string_view value, Draft& draft);
Status ParseTemporalRedirect(std::string_view value, Draft& draft);
Status ParseTemporalRedirectCode(std::string_view value, Draft& draft);
Status ParseFromToWwwRedirect(std::string_view value, Draft& draft);
Status ParsePreserveTrailingSlash(std::string_view value, Draft& draft);
// upstream.cc
Status ParseProxyNextUpstream(std::string_view value, Draft& draft);
Status ParseProxyNextUpstreamTimeout(std::string_view value, Draft& draft);
Status ParseServiceUpstream(std::string_view value, Draft& draft);
Status ParseProxyBuffering(std::string_view value, Draft& draft);
Status ParseProxyHttpVersion(std::string_view value, Draft& draft);
// affinity.cc
Status ParseAffinity(std::string_view value, Draft& draft);
Status ParseAffinityMode(std::string_view value, Draft& draft);
Status ParseSessionCookieName(std::string_view value, Draft& draft);
Status ParseSessionCookiePath(std::string_view value, Draft& draft);
Status ParseSessionCookieMaxAge(std::string_view value, Draft& draft);
Status ParseSessionCookieExpires(std::string_view value, Draft& draft);
Status ParseSessionCookieDomain(std::string_view value, Draft& draft);
Status ParseSessionCookieSameSite(std::string_view value, Draft& draft);
Status ParseSessionCookieConditionalSameSiteNone(std::string_view value, Draft& draft);
Status ParseSessionCookieSecure(std::string_view value, Draft& draft);
Status ParseSessionCookieChangeOnFailure(std::string_view value, Draft& draft);
// access.cc
Status ParseAllowlistSourceRange(std::string_view value, Draft& draft);
Status ParseWhitelistSourceRange(std::string_view value, Draft& draft);
Status ParseDenylistSourceRange(std::string_view value, Draft& draft);
Status ParseAuthType(std::string_view value, Draft& draft);
Status ParseAuthSecret(std::string_view value, Draft& draft);
Status ParseAuthSecretType(std::string_view value, Draft& draft);
Status ParseAuthRealm(std::string_view value, Draft& draft);
Status ParseLimitRps(std::string_view value, Draft& draft);
Status ParseLimitRpm(std::string_view value, Draft& draft);
Status ParseLimitConnections(std::string_view value, Draft& draft);
Status ParseLimitBurstMultiplier(std::string_view value, Draft& draft);
Status ParseLimitAllowlist(std::string_view value, Draft& draft);
Status ParseLimitWhitelist(std::string_view value, Draft& draft);
// cors.cc
Status ParseEnableCors(std::string_view value, Draft& draft);
Status ParseCorsAllowOrigin(std::string_view value, Draft& draft);
Status ParseCorsAllowMethods(std::string_view value, Draft& draft);
Status ParseCorsAllowHeaders(std::string_view value, Draft& draft);
Status ParseCorsExposeHeaders(std::string_view value, Draft& draft);
Status ParseCorsAllowCredentials(std::string_view value, Draft& draft);
Status ParseCorsMaxAge(std::string_view value, Draft& draft);
// canary.cc
Status ParseCanary(std::string_view value, Draft& draft);
Status ParseCanaryByHeader(std::string_view value, Draft& draft);
Status ParseCanaryByHeaderValue(std::string_view value, Draft& draft);
Status ParseCanaryByHeaderPattern(std::string_view value, Draft& draft);
Status ParseCanaryByCookie(std::string_view value, Draft& draft);
Status ParseCanaryWeight(std::string_view value, Draft& draft);
Status ParseCanaryWeightTotal(std::string_view value, Draft& draft);
// errors.cc
Status ParseDefaultBackend(std::string_view value, Draft& draft);
Status ParseCustomHttpErrors(std::string_view value, Draft& draft);
Status ParseEnableAccessLog(std::string_view value, Draft& draft);

// ---- cross-key rules, run after every key (errors carry their field) ----
void FinishPaths(Draft& draft, std::vector<Error>& errors);
void FinishRedirect(Draft& draft, std::vector<Error>& errors);
void FinishAccess(Draft& draft, std::vector<Error>& errors);
void FinishCanary(Draft& draft, std::vector<Error>& errors);

}  // namespace waygate::annotations::internal
