// Discovery documents: the legacy ones (/api, /apis, /api/v1, /apis/<group>/<version>) and the
// aggregated ones kubectl 1.27+ asks for first (apidiscovery.k8s.io v2beta1 / v2), built from
// the resource catalog.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace waygate::api {

nlohmann::json LegacyCoreVersions(const std::string& server_address);  // GET /api
nlohmann::json LegacyGroupList();                                     // GET /apis
// GET /api/v1 or /apis/<group>/<version>; null when no such group version.
nlohmann::json ResourceList(std::string_view group, std::string_view version);
// GET /apis/<group>: APIGroup; null when unknown.
nlohmann::json ApiGroup(std::string_view group);

// Aggregated discovery (`version` is "v2" or "v2beta1"): `core` true for /api, false for /apis.
nlohmann::json AggregatedDiscovery(bool core, std::string_view version);

// The Accept header asks for aggregated discovery: returns "v2", "v2beta1", or "".
std::string WantsAggregated(std::string_view accept);

}  // namespace waygate::api
