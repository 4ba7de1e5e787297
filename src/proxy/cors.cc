// enable-cors as ingress-nginx's template renders it (see cors.h). One deliberate difference:
// an echoed origin adds `Vary: Origin`, so a shared cache never hands one origin's answer to
// another.
#include "proxy/cors.h"

#include <cstdio>

#include "http/h1.h"

namespace waygate::proxy {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && http::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         http::EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

bool IsLabelChar(char c) {
  c = Lower(c);
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

constexpr std::string_view kPrefix = "access-control-";

}  // namespace

std::string_view CorsAllowOrigin(const annotations::CorsPolicy& cors, bool has_origin,
                                 std::string_view origin) {
  if (cors.any_origin) return "*";
  if (!has_origin || origin.empty()) return {};
  for (const std::string& pattern : cors.origins) {
    if (CorsOriginMatches(pattern, origin)) return origin;
  }
  return {};
}

bool CorsOriginMatches(std::string_view pattern, std::string_view origin) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return http::EqualsIgnoreCase(pattern, origin);
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  if (origin.size() < prefix.size() + suffix.size() + 1) return false;
  if (!StartsWithIgnoreCase(origin, prefix) || !EndsWithIgnoreCase(origin, suffix)) return false;
  std::string_view label =
      origin.substr(prefix.size(), origin.size() - prefix.size() - suffix.size());
  for (char c : label) {
    if (!IsLabelChar(c)) return false;
  }
  return true;
}

void AppendCorsHeaders(const annotations::CorsPolicy& cors, std::string_view allow_origin,
                       std::string& out) {
  out.append("Access-Control-Allow-Origin: ");
  out.append(allow_origin);
  out.append("\r\n");
  if (cors.allow_credentials) out.append("Access-Control-Allow-Credentials: true\r\n");
  out.append("Access-Control-Allow-Methods: ");
  out.append(cors.allow_methods);
  out.append("\r\nAccess-Control-Allow-Headers: ");
  out.append(cors.allow_headers);
  out.append("\r\n");
  if (!cors.expose_headers.empty()) {
    out.append("Access-Control-Expose-Headers: ");
    out.append(cors.expose_headers);
    out.append("\r\n");
  }
  char buf[48];
  int n = snprintf(buf, sizeof buf, "Access-Control-Max-Age: %d\r\n", cors.max_age_s);
  out.append(buf, static_cast<size_t>(n));
  if (allow_origin != "*") out.append("Vary: Origin\r\n");
}

bool IsCorsHeaderWeSet(const annotations::CorsPolicy& cors, std::string_view name) {
  if (!StartsWithIgnoreCase(name, kPrefix)) return false;
  std::string_view rest = name.substr(kPrefix.size());
  return http::EqualsIgnoreCase(rest, "allow-origin") ||
         http::EqualsIgnoreCase(rest, "allow-methods") ||
         http::EqualsIgnoreCase(rest, "allow-headers") || http::EqualsIgnoreCase(rest, "max-age") ||
         (cors.allow_credentials && http::EqualsIgnoreCase(rest, "allow-credentials")) ||
         (!cors.expose_headers.empty() && http::EqualsIgnoreCase(rest, "expose-headers"));
}

}  // namespace waygate::proxy
