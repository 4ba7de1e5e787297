// The resources Waygate's API serves (the table of /work/helpers/resources.md), as OpenAPI sees
// them: which paths exist and which schema each kind has.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace waygate::openapi {

struct Resource {
  std::string_view group;  // "" for the core group
  std::string_view version;
  std::string_view plural;
  std::string_view kind;
  std::string_view schema;  // short schema name in schemas/*.schema, e.g. "networking.v1.Ingress"
  bool namespaced;
  bool status;   // has a /status subresource
  bool builtin;  // a Kubernetes built-in kind: accepts strategic merge patch (a CRD does not)
};

std::span<const Resource> Resources();

// "api/v1" or "apis/<group>/<version>": the key of the v3 index, and the REST path prefix.
std::string GroupVersionPath(const Resource& r);

}  // namespace waygate::openapi
