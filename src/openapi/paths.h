// REST paths and operations of one resource, as kube-apiserver publishes them: the collection
// (list, create, deletecollection), the item (read, replace, patch, delete), /status, the
// all-namespaces list and the watch paths. Every write operation carries dryRun, fieldManager
// and fieldValidation: kubectl reads fieldValidation on PATCH to decide that the server
// validates fields itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "openapi/resources.h"
#include "openapi/schema_set.h"

namespace waygate::openapi {

// Adds the resource's path items to `paths` (keyed by path, e.g.
// "/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}").
// `kind_schema` and `list_schema` are the full schema names of the kind and of its list.
void AddResourcePaths(Dialect dialect, const Resource& resource, std::string_view kind_schema,
                      std::string_view list_schema, nlohmann::json& paths);

}  // namespace waygate::openapi
