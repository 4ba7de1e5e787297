// RuleAllows: kube's RuleAllows (plugin/pkg/auth/authorizer/rbac) over the rbac/v1 evaluation
// helpers. It runs for every rule a request meets, so nothing here allocates: the combined
// "resource/subresource" kube builds is compared piecewise instead.
#include <string>
#include <string_view>
#include <vector>

#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

bool VerbMatches(const PolicyRule& rule, std::string_view verb) {
  for (const std::string& v : rule.verbs) {
    if (v == "*" || v == verb) return true;
  }
  return false;
}

bool ApiGroupMatches(const PolicyRule& rule, std::string_view group) {
  for (const std::string& g : rule.api_groups) {
    if (g == "*" || g == group) return true;
  }
  return false;
}

// `rule` == resource + "/" + subresource (or just resource when there is no subresource).
bool EqualsCombined(std::string_view rule, std::string_view resource,
                    std::string_view subresource) {
  if (subresource.empty()) return rule == resource;
  return rule.size() == resource.size() + 1 + subresource.size() && rule.starts_with(resource) &&
         rule[resource.size()] == '/' && rule.ends_with(subresource);
}

// "*" matches everything, "*/sub" any resource's `sub`. "res/*" is not a pattern in kube: it
// only matches the literal subresource "*".
bool ResourceMatches(const PolicyRule& rule, std::string_view resource,
                     std::string_view subresource) {
  for (const std::string& r : rule.resources) {
    std::string_view rv = r;
    if (rv == "*") return true;
    if (EqualsCombined(rv, resource, subresource)) return true;
    if (subresource.empty()) continue;
    if (rv.size() == subresource.size() + 2 && rv.starts_with("*/") && rv.ends_with(subresource)) {
      return true;
    }
  }
  return false;
}

// An empty list allows every name, including none; a non-empty one needs the request to name
// one of them, so list, watch, create and deletecollection (which carry no name) never match.
bool ResourceNameMatches(const PolicyRule& rule, std::string_view name) {
  if (rule.resource_names.empty()) return true;
  for (const std::string& n : rule.resource_names) {
    if (n == name) return true;
  }
  return false;
}

// Exact, "*", or a prefix ending in "*" (every trailing '*' is dropped, as strings.TrimRight).
bool NonResourceUrlMatches(const PolicyRule& rule, std::string_view path) {
  for (const std::string& u : rule.non_resource_urls) {
    std::string_view uv = u;
    if (uv == "*" || uv == path) return true;
    if (uv.ends_with('*')) {
      size_t end = uv.find_last_not_of('*');
      std::string_view prefix = end == std::string_view::npos ? "" : uv.substr(0, end + 1);
      if (path.starts_with(prefix)) return true;
    }
  }
  return false;
}

}  // namespace

bool RuleAllows(const Attributes& request, const PolicyRule& rule) {
  if (request.resource_request) {
    return VerbMatches(rule, request.verb) && ApiGroupMatches(rule, request.api_group) &&
           ResourceMatches(rule, request.resource, request.subresource) &&
           ResourceNameMatches(rule, request.name);
  }
  return VerbMatches(rule, request.verb) && NonResourceUrlMatches(rule, request.path);
}

}  // namespace waygate::rbac
