// CORS: enable-cors and the cors-* keys. Lists are rebuilt from validated items (", "
// separated), so what the data plane sends is never the annotation's raw text.
#include <algorithm>

#include "annotations/parsers.h"

namespace waygate::annotations::internal {
namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Items separated by commas and/or blanks (ingress-nginx accepts "GET,POST" and "GET, POST").
std::vector<std::string_view> Items(std::string_view value) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find_first_of(", \t", start);
    if (end == std::string_view::npos) end = value.size();
    if (end > start) items.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

// `allowed(c)` for every character of every item; items joined with ", ".
template <class Allowed>
Result<std::string> RebuildList(std::string_view value, std::string_view key, Allowed allowed,
                                std::string_view want) {
  std::string out;
  std::vector<std::string_view> items = Items(value);
  if (items.empty()) return Invalid("invalid " + std::string(key) + " " + Quoted(value));
  for (std::string_view item : items) {
    for (char c : item) {
      if (!allowed(c)) {
        return Invalid("invalid " + std::string(key) + " item " + Quoted(item) + ": " +
                       std::string(want));
      }
    }
    if (!out.empty()) out.append(", ");
    out.append(item);
  }
  return out;
}

// scheme://host[:port], the host optionally starting with "*." (one label); or "null".
bool ValidOrigin(std::string_view origin) {
  if (origin == "null") return true;
  size_t sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  std::string_view scheme = origin.substr(0, sep);
  if (!IsLetter(scheme.front())) return false;
  for (char c : scheme) {
    if (!IsLetter(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  std::string_view rest = origin.substr(sep + 3);
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (!IsDigit(c)) return false;
    }
    rest = rest.substr(0, colon);
  }
  return IsDnsName(rest, /*allow_wildcard=*/true);
}

}  // namespace

Status ParseEnableCors(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.cors.enabled = *parsed;
  return OkStatus();
}

// "*" anywhere in the list means any origin (ingress-nginx); otherwise every item must be an
// origin (ingress-nginx drops bad items with a log line; Waygate refuses them).
Status ParseCorsAllowOrigin(std::string_view value, Draft& draft) {
  std::vector<std::string> origins;
  bool any = false;
  for (std::string_view item : SplitList(value, ',')) {
    if (item.empty()) continue;
    if (item == "*") {
      any = true;
      continue;
    }
    std::string origin = Lower(item);
    if (!ValidOrigin(origin)) {
      return Invalid("invalid CORS origin " + Quoted(item) +
                     ": want scheme://host[:port] (host may start with \"*.\"), null or *");
    }
    if (std::find(origins.begin(), origins.end(), origin) == origins.end()) {
      origins.push_back(std::move(origin));
    }
  }
  if (!any && origins.empty()) return Invalid("cors-allow-origin lists no origin");
  draft.policy.cors.any_origin = any;
  draft.policy.cors.origins = any ? std::vector<std::string>{} : std::move(origins);
  return OkStatus();
}

Status ParseCorsAllowMethods(std::string_view value, Draft& draft) {
  auto list = RebuildList(value, "cors-allow-methods", IsLetter, "methods are letters only");
  if (!list) return list.error();
  draft.policy.cors.allow_methods = std::move(*list);
  return OkStatus();
}

Status ParseCorsAllowHeaders(std::string_view value, Draft& draft) {
  auto header_char = [](char c) { return IsLetter(c) || IsDigit(c) || c == '-' || c == '_'; };
  auto list = RebuildList(value, "cors-allow-headers", header_char,
                          "header names are letters, digits, '-' and '_'");
  if (!list) return list.error();
  draft.policy.cors.allow_headers = std::move(*list);
  return OkStatus();
}

Status ParseCorsExposeHeaders(std::string_view value, Draft& draft) {
  auto header_char = [](char c) {
    return IsLetter(c) || IsDigit(c) || c == '-' || c == '_' || c == '*';
  };
  auto list = RebuildList(value, "cors-expose-headers", header_char,
                          "header names are letters, digits, '-', '_' or *");
  if (!list) return list.error();
  draft.policy.cors.expose_headers = std::move(*list);
  return OkStatus();
}

Status ParseCorsAllowCredentials(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.cors.allow_credentials = *parsed;
  return OkStatus();
}

Status ParseCorsMaxAge(std::string_view value, Draft& draft) {
  auto parsed = ParseInt32(value);
  if (!parsed) return parsed.error();
  draft.policy.cors.max_age_s = *parsed;
  return OkStatus();
}

}  // namespace waygate::annotations::internal
