// Redirect locations: nginx variables in permanent-redirect / temporal-redirect URLs, and the
// request URI with ingress-nginx's trailing-slash rule.
#include "proxy/redirects.h"

namespace waygate::proxy {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

void ExpandRedirectUrl(std::string_view url, const RedirectVars& vars, std::string& out) {
  size_t i = 0;
  while (i < url.size()) {
    size_t dollar = url.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(url.substr(i));
      return;
    }
    out.append(url.substr(i, dollar - i));
    std::string_view name;
    size_t next;
    if (dollar + 1 < url.size() && url[dollar + 1] == '{') {
      size_t close = url.find('}', dollar + 2);
      if (close == std::string_view::npos) {
        out.append(url.substr(dollar));
        return;
      }
      name = url.substr(dollar + 2, close - dollar - 2);
      next = close + 1;
    } else {
      next = dollar + 1;
      while (next < url.size() && IsNameChar(url[next])) ++next;
      name = url.substr(dollar + 1, next - dollar - 1);
    }
    if (name == "request_uri") {
      AppendRequestUri(vars.path, vars.query, vars.has_query, false, out);
    } else if (name == "uri") {
      out.append(vars.uri);
    } else if (name == "args" || name == "query_string") {
      out.append(vars.query);
    } else if (name == "host") {
      out.append(vars.host);
    } else if (name == "scheme") {
      out.append(vars.scheme);
    } else {
      out.append(url.substr(dollar, next - dollar));
    }
    i = next;
  }
}

void AppendRequestUri(std::string_view path, std::string_view query, bool has_query,
                      bool strip_trailing_slash, std::string& out) {
  // The last byte of path[?query] is dropped when it is '/' ("/p?" ends in '?': kept).
  if (strip_trailing_slash) {
    if (has_query) {
      if (!query.empty() && query.back() == '/') query.remove_suffix(1);
    } else if (!path.empty() && path.back() == '/') {
      path.remove_suffix(1);
    }
  }
  out.append(path);
  if (has_query) {
    out.push_back('?');
    out.append(query);
  }
}

}  // namespace waygate::proxy
