// Reading a request's URL the way kube-apiserver's RequestInfoFactory does: which API, group,
// version, namespace, resource, name and subresource it addresses, and which verb that makes.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace waygate::api {

struct RequestInfo {
  bool is_resource = false;  // false: /version, /healthz, /api, /apis, /openapi/...
  std::string path;          // decoded path (non-resource requests route on it)
  std::string group;         // "" for core
  std::string version;
  std::string namespace_;
  std::string resource;
  std::string name;
  std::string subresource;
  // get list watch create update patch delete deletecollection (Kubernetes verbs)
  std::string verb;
  std::map<std::string, std::string, std::less<>> query;  // first value of each parameter

  std::string_view Param(std::string_view key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string_view() : std::string_view(it->second);
  }
  bool Has(std::string_view key) const { return query.count(key) != 0; }
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in query strings). Invalid
// escapes are kept literally, as Go's lenient path handling does for display.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// strconv.ParseBool: 1 t T true TRUE True (query parameters such as watch=True).
bool ParseBoolParam(std::string_view value);

RequestInfo ParseRequestInfo(std::string_view method, std::string_view raw_path,
                             std::string_view raw_query);

}  // namespace waygate::api
