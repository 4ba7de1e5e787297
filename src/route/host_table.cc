#include "route/host_table.h"

#include <algorithm>

namespace waygate::route::internal {
namespace {

int TypeOrder(model::PathType type) {
  switch (type) {
    case model::PathType::kExact:
      return 0;
    case model::PathType::kPrefix:
      return 1;
    case model::PathType::kImplementationSpecific:
      return 2;
  }
  return 3;
}

}  // namespace

PathRule MakePathRule(std::string_view path, model::PathType type, const Route* route) {
  PathRule rule;
  rule.type = type;
  rule.route = route;
  if (type == model::PathType::kPrefix) {
    // Kubernetes: a trailing '/' of a Prefix path is ignored ("/foo/" == "/foo").
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    rule.match = std::string(path);
    rule.rank_length = std::max<size_t>(rule.match.size(), 1);
  } else {
    if (path.empty()) path = "/";
    rule.match = std::string(path);
    rule.rank_length = rule.match.size();
  }
  return rule;
}

void HostEntry::SortPaths() {
  std::stable_sort(paths.begin(), paths.end(), [](const PathRule& a, const PathRule& b) {
    if (a.rank_length != b.rank_length) return a.rank_length > b.rank_length;
    return TypeOrder(a.type) < TypeOrder(b.type);
  });
}

void HostTable::SortAll() {
  for (auto& [host, entry] : exact) entry.SortPaths();
  for (auto& [host, entry] : wildcard) entry.SortPaths();
  any_host.SortPaths();
}

}  // namespace waygate::route::internal
