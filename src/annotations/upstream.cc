// Upstream behaviour: proxy-next-upstream(-timeout), service-upstream, proxy-buffering,
// proxy-http-version. (The other proxy-* keys are route settings.)
#include <array>
#include <utility>

#include "annotations/parsers.h"

namespace waygate::annotations::internal {
namespace {

constexpr std::array<std::pair<std::string_view, uint16_t>, 11> kConditions = {{
    {"error", UpstreamPolicy::kError},
    {"timeout", UpstreamPolicy::kTimeout},
    {"invalid_header", UpstreamPolicy::kInvalidHeader},
    {"http_500", UpstreamPolicy::kHttp500},
    {"http_502", UpstreamPolicy::kHttp502},
    {"http_503", UpstreamPolicy::kHttp503},
    {"http_504", UpstreamPolicy::kHttp504},
    {"http_403", UpstreamPolicy::kHttp403},
    {"http_404", UpstreamPolicy::kHttp404},
    {"http_429", UpstreamPolicy::kHttp429},
    {"non_idempotent", UpstreamPolicy::kNonIdempotent},
}};

}  // namespace

// nginx's proxy_next_upstream syntax: space-separated conditions (case-insensitive, as nginx
// compares them), or "off" alone.
Status ParseProxyNextUpstream(std::string_view value, Draft& draft) {
  uint16_t mask = 0;
  bool off = false;
  size_t count = 0;
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = value.size();
    std::string token = Lower(value.substr(start, end - start));
    start = end + 1;
    if (token.empty()) continue;
    ++count;
    if (token == "off") {
      off = true;
      continue;
    }
    bool known = false;
    for (const auto& [name, bit] : kConditions) {
      if (token == name) {
        mask = static_cast<uint16_t>(mask | bit);
        known = true;
      }
    }
    if (!known) {
      return Invalid("unknown proxy-next-upstream condition " + Quoted(token) +
                     ": want error, timeout, invalid_header, http_500, http_502, http_503, "
                     "http_504, http_403, http_404, http_429, non_idempotent or off");
    }
  }
  if (off && count != 1) return Invalid("proxy-next-upstream \"off\" must be the only value");
  draft.policy.upstream.next_upstream = off ? 0 : mask;
  return OkStatus();
}

Status ParseProxyNextUpstreamTimeout(std::string_view value, Draft& draft) {
  auto parsed = ParseDurationMs(value);
  if (!parsed) return parsed.error();
  draft.policy.upstream.next_upstream_timeout_ms = *parsed;
  return OkStatus();
}

Status ParseServiceUpstream(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.upstream.service_upstream = *parsed;
  return OkStatus();
}

Status ParseProxyBuffering(std::string_view value, Draft& draft) {
  if (value != "on" && value != "off") {
    return Invalid("invalid proxy-buffering " + Quoted(value) + ": want on or off");
  }
  draft.policy.upstream.proxy_buffering = value == "on";
  return OkStatus();
}

Status ParseProxyHttpVersion(std::string_view value, Draft& draft) {
  if (value != "1.0" && value != "1.1") {
    return Invalid("invalid proxy-http-version " + Quoted(value) + ": want 1.0 or 1.1");
  }
  draft.policy.upstream.http10 = value == "1.0";
  return OkStatus();
}

}  // namespace waygate::annotations::internal
