#include "route/rewrite.h"

#include <re2/re2.h>

#include <algorithm>

namespace waygate::route {

bool RewritePath(const Route& route, std::string_view path, std::string& out) {
  if (route.policy == nullptr) return false;
  const std::optional<std::string>& target = route.policy->paths.rewrite_target;
  if (!target) return false;
  // ingress-nginx renders no rewrite at all when the target is the path itself.
  if (*target == route.path) return false;
  // nginx's `rewrite` only applies when its regex matches: a route of the host without a regex
  // of its own (a defaultBackend) keeps its path.
  if (route.path_regex == nullptr) return false;
  const re2::RE2& regex = *route.path_regex;
  constexpr int kMaxGroups = 9;
  re2::StringPiece groups[kMaxGroups + 1];
  const int count = std::min(kMaxGroups, regex.NumberOfCapturingGroups()) + 1;
  if (!regex.Match(re2::StringPiece(path.data(), path.size()), 0, path.size(), re2::RE2::UNANCHORED,
                   groups, count)) {
    return false;
  }
  out.clear();
  const std::string& text = *target;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '$' && i + 1 < text.size() && text[i + 1] >= '1' && text[i + 1] <= '9') {
      const int group = text[i + 1] - '0';
      if (group < count) out.append(groups[group].data(), groups[group].size());
      ++i;  // an unmatched or absent group is empty, as in nginx
      continue;
    }
    out.push_back(c);
  }
  // "$2" alone with an empty group would leave no request target at all.
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  return true;
}

}  // namespace waygate::route
