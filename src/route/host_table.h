// HostTable: the lookup structure behind RouteTable (private to route/). Knows hosts, paths and
// Routes, nothing about Kubernetes objects. Built once on the control thread, then read-only.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/objects.h"
#include "route/route_table.h"

namespace waygate::route::internal {

// One path of one host, in the form that makes matching a single comparison.
struct PathRule {
  // Exact: the path. Prefix: the path without trailing '/' ("/" becomes ""), so that matching
  // is "starts with `match`, then end or '/'". ImplementationSpecific: the path ("" -> "/").
  std::string match;
  model::PathType type = model::PathType::kPrefix;
  size_t rank_length = 0;  // longer first; Prefix "/" counts as 1
  const Route* route = nullptr;

  bool Matches(std::string_view path) const {
    switch (type) {
      case model::PathType::kExact:
        return path == match;
      case model::PathType::kPrefix:
        return path.size() >= match.size() && path.substr(0, match.size()) == match &&
               (path.size() == match.size() || path[match.size()] == '/');
      case model::PathType::kImplementationSpecific:
        return path.substr(0, match.size()) == match;
    }
    return false;
  }
};

// Builds the PathRule for an Ingress path (already validated: starts with '/').
PathRule MakePathRule(std::string_view path, model::PathType type, const Route* route);

// Every path of one host (merged across Ingresses), best first.
struct HostEntry {
  std::vector<PathRule> paths;           // sorted by SortPaths(): the first match is the best match
  const Route* default_route = nullptr;  // defaultBackend of an Ingress that named this host

  const Route* Match(std::string_view path) const {
    for (const PathRule& rule : paths) {
      if (rule.Matches(path)) return rule.route;
    }
    return nullptr;
  }
  // Longest rank_length first; on equal length Exact, then Prefix, then ImplementationSpecific;
  // otherwise the order rules were added in (Ingresses by namespace/name).
  void SortPaths();
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

using HostMap = std::unordered_map<std::string, HostEntry, StringHash, std::equal_to<>>;

struct HostTable {
  std::deque<Route> routes;          // owns every Route; a deque keeps their addresses stable
  HostMap exact;                     // "foo.example.com"
  HostMap wildcard;                  // "*.example.com" stored under "example.com"
  HostEntry any_host;                // rules without host
  const Route* catch_all = nullptr;  // first served Ingress's defaultBackend

  // Exact host, else wildcard (one label), else host-less rules. Inside the chosen host: its
  // paths, then its default_route, then catch_all. No fall-through between hosts.
  const Route* Lookup(std::string_view host, std::string_view path) const {
    const HostEntry* entry = &any_host;
    if (auto it = exact.find(host); it != exact.end()) {
      entry = &it->second;
    } else if (!wildcard.empty()) {
      size_t dot = host.find('.');
      if (dot != std::string_view::npos && dot > 0) {
        if (auto w = wildcard.find(host.substr(dot + 1)); w != wildcard.end()) entry = &w->second;
      }
    }
    if (const Route* route = entry->Match(path)) return route;
    return entry->default_route != nullptr ? entry->default_route : catch_all;
  }

  void SortAll();
};

}  // namespace waygate::route::internal
