// Decoding of one already-parsed object (JSON, or YAML converted by yaml_json.h). Separate from
// decode.h so that only callers holding nlohmann::json values (the API server, tests) pull in
// its header.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "model/decode.h"
#include "model/objects.h"

namespace waygate::model {

// Appends the object (or every item of a `kind: List` / `*List`) to `state` when it is of a kind
// Waygate reads and valid; reports it in `diagnostics` otherwise. Other kinds are skipped.
// Items of a typed list (IngressList) may omit apiVersion and kind: the list's are used.
void DecodeObject(const nlohmann::json& value, const Origin& origin, ClusterState& state,
                  std::vector<Diagnostic>& diagnostics);

}  // namespace waygate::model
