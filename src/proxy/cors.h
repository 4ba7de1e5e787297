// CORS as ingress-nginx's enable-cors renders it (its nginx template's CORS block), as pure
// functions over a CorsPolicy: which Origin is allowed, and the header lines sent for it.
// Unit-tested in tests/proxy/paths_cors_test.cc; Session uses them in policy_answers.cc.
#pragma once

#include <string>
#include <string_view>

#include "annotations/policy.h"

namespace waygate::proxy {

// The Access-Control-Allow-Origin value for a request, or "" (no CORS headers at all): "*" for
// cors-allow-origin "*" (whether or not the request has an Origin), else the request's Origin
// as sent when a listed origin matches it.
std::string_view CorsAllowOrigin(const annotations::CorsPolicy& cors, bool has_origin,
                                 std::string_view origin);

// One cors-allow-origin entry against an Origin, ASCII case-insensitive: equal, or with the
// entry's first '*' standing for one DNS label ([A-Za-z0-9-]+), as ingress-nginx's origin regex.
bool CorsOriginMatches(std::string_view pattern, std::string_view origin);

// The header lines ingress-nginx sets on every response of an allowed request (the preflight
// adds its Content-Type itself): Allow-Origin, Allow-Credentials (when true), Allow-Methods,
// Allow-Headers, Expose-Headers (when set), Max-Age, and Vary: Origin when the origin is echoed.
void AppendCorsHeaders(const annotations::CorsPolicy& cors, std::string_view allow_origin,
                       std::string& out);

// Whether AppendCorsHeaders writes a header of this name for `cors` (the upstream's copy is then
// dropped: more_set_headers replaces, it never adds a second value).
bool IsCorsHeaderWeSet(const annotations::CorsPolicy& cors, std::string_view name);

}  // namespace waygate::proxy
