// Paths and rewrites: use-regex, rewrite-target, app-root, x-forwarded-prefix, upstream-vhost,
// server-alias.
#include <algorithm>

#include "annotations/parsers.h"

namespace waygate::annotations::internal {

Status ParseUseRegex(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.paths.use_regex = *parsed;
  return OkStatus();
}

// The target replaces the whole path; "$n" (one digit, 1..9) is a capture group of the path
// regex. '?' is refused: the request's query string is always kept as it is.
Status ParseRewriteTarget(std::string_view value, Draft& draft) {
  if (value.front() != '/' && value.front() != '$') {
    return Invalid("invalid rewrite target " + Quoted(value) +
                   ": must start with '/' or a capture group reference like $1");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '$') {
      if (i + 1 >= value.size() || value[i + 1] < '1' || value[i + 1] > '9') {
        return Invalid("invalid rewrite target " + Quoted(value) +
                       ": '$' must be followed by a capture group number 1 to 9");
      }
      ++i;
      continue;
    }
    if (c == '?' || c == '#') {
      return Invalid("invalid rewrite target " + Quoted(value) +
                     ": a query or fragment is not allowed (the request's query is kept)");
    }
  }
  std::string without_refs;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '$') {
      ++i;
      continue;
    }
    without_refs.push_back(value[i]);
  }
  if (auto problem = UrlTextProblem(without_refs)) {
    return Invalid("invalid rewrite target " + Quoted(value) + ": " + *problem);
  }
  draft.policy.paths.rewrite_target = std::string(value);
  return OkStatus();
}

Status ParseAppRoot(std::string_view value, Draft& draft) {
  if (value.front() != '/' || (value.size() > 1 && value[1] == '/')) {
    return Invalid("invalid app-root " + Quoted(value) +
                   ": must be a path starting with '/' (not a URL)");
  }
  if (auto problem = UrlTextProblem(value)) {
    return Invalid("invalid app-root " + Quoted(value) + ": " + *problem);
  }
  draft.policy.paths.app_root = std::string(value);
  return OkStatus();
}

Status ParseXForwardedPrefix(std::string_view value, Draft& draft) {
  if (auto problem = UrlTextProblem(value)) {
    return Invalid("invalid x-forwarded-prefix " + Quoted(value) + ": " + *problem);
  }
  draft.policy.paths.x_forwarded_prefix = std::string(value);
  return OkStatus();
}

Status ParseUpstreamVhost(std::string_view value, Draft& draft) {
  if (!IsHostPort(value)) {
    return Invalid("invalid upstream-vhost " + Quoted(value) +
                   ": want a host name or address with an optional :port (no variables)");
  }
  draft.policy.paths.upstream_vhost = std::string(value);
  return OkStatus();
}

// Comma-separated host names, "*.example.com" wildcards allowed; empty items are skipped (as
// ingress-nginx does); nginx regex names ("~^www\d+") are refused.
Status ParseServerAlias(std::string_view value, Draft& draft) {
  std::vector<std::string> aliases;
  for (std::string_view item : SplitList(value, ',')) {
    if (item.empty()) continue;
    std::string host = Lower(item);
    if (!IsDnsName(host, /*allow_wildcard=*/true)) {
      return Invalid("invalid server-alias " + Quoted(item) +
                     ": want a DNS name or a *.wildcard (no regular expressions)");
    }
    if (std::find(aliases.begin(), aliases.end(), host) == aliases.end()) {
      aliases.push_back(std::move(host));
    }
  }
  draft.policy.paths.server_alias = std::move(aliases);
  return OkStatus();
}

// rewrite-target implies regex paths (ingress-nginx).
void FinishPaths(Draft& draft, std::vector<Error>& /*errors*/) {
  if (draft.policy.paths.rewrite_target) draft.policy.paths.use_regex = true;
}

}  // namespace waygate::annotations::internal
