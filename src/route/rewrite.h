// The upstream path of a request on a route with rewrite-target (annotations PathPolicy).
#pragma once

#include <string>
#include <string_view>

#include "route/route_table.h"

namespace waygate::route {

// `path`: the request's normalised path (what Lookup matched, no query). Writes the upstream
// path to `out` and returns true when the route rewrites: rewrite-target with $1..$9 replaced
// by the captures of route.path_regex on `path` (an unmatched group is empty). False (out
// untouched): no rewrite, send `path` as it is. Runs on workers: no allocation once `out` has
// grown to size.
bool RewritePath(const Route& route, std::string_view path, std::string& out);

}  // namespace waygate::route
