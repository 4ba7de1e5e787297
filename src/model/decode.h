// Decoding manifests into typed objects, with validation that names the failing field path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/objects.h"

namespace waygate::model {

// One problem found while loading: the file, which object, which field, and what is wrong.
struct Diagnostic {
  Origin origin;
  std::string object;  // "Ingress demo/web", or "" when the document could not be read at all
  Error error;
  std::string ToString() const;  // "dir/a.yaml[2]: Ingress demo/web: spec.rules[0].host: ..."
};

// Parses one manifest file's text (YAML, possibly multi-document, or JSON; `kind: List` and
// `v1/List` items expanded) and appends every decoded, validated object of a kind we know to
// `state`. Objects of other kinds are skipped silently; invalid objects are skipped and
// reported in `diagnostics`. `file` is only used for Origin.
void DecodeManifest(std::string_view text, const std::string& file, ClusterState& state,
                    std::vector<Diagnostic>& diagnostics);

// Loads every *.yaml, *.yml and *.json file directly inside `dir` (sorted by name, so results
// do not depend on directory order). A file that cannot be read is a diagnostic too.
ClusterState LoadManifestDir(const std::string& dir, std::vector<Diagnostic>& diagnostics);

}  // namespace waygate::model
