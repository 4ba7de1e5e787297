// Locations of the redirects the gateway answers itself (issue 6): permanent-redirect and
// temporal-redirect URLs with their nginx variables, and request URIs under ingress-nginx's
// trailing-slash rule. Pure functions: unit-tested in tests/proxy/paths_cors_test.cc.
#pragma once

#include <string>
#include <string_view>

namespace waygate::proxy {

// What the variables of a redirect URL expand to, all from the request being answered.
struct RedirectVars {
  std::string_view path;   // as received: $request_uri is path[?query]
  std::string_view query;  // $args (without the '?')
  bool has_query = false;
  std::string_view uri;     // $uri: the normalised path
  std::string_view host;    // $host: lower-case, without port
  std::string_view scheme;  // $scheme: "http" or "https"
};

// Appends `url` with $request_uri, $uri, $args (also $query_string), $host and $scheme (or their
// ${name} forms) expanded. Anything else with '$' is copied unchanged: the annotation parser
// refuses such URLs, so this never guesses.
void ExpandRedirectUrl(std::string_view url, const RedirectVars& vars, std::string& out);

// Appends path[?query]. `strip_trailing_slash`: a final '/' of the whole is dropped ("/" becomes
// ""), as ingress-nginx's ssl-redirect (unless preserve-trailing-slash) and www redirects do.
void AppendRequestUri(std::string_view path, std::string_view query, bool has_query,
                      bool strip_trailing_slash, std::string& out);

}  // namespace waygate::proxy
