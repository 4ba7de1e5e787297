// JSON Patch (RFC 6902): add, remove, replace, move, copy, test over an nlohmann::json document.
//
// All or nothing: the operations run on a copy, and the copy is returned only if every one of
// them succeeded. Error codes follow kube-apiserver's patch handler (see rejection.h):
//   kInvalid  - the patch is not an array of objects (kube: 400 BadRequest, "error decoding patch")
//   kConflict - an operation could not be applied: unknown op, missing member, missing path,
//               index out of range, failed `test` (kube: 422 Invalid). The message is in the words
//               of evanphx/json-patch (the library kube uses), e.g.
//               "testing value /metadata/labels/a failed: test failed".
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace waygate::patch {

// kube-apiserver refuses larger JSON patches with 413 (maxJSONPatchOperations); the API layer
// checks it before calling ApplyJsonPatch, since it is a request-size rule, not a patch rule.
inline constexpr size_t kMaxJsonPatchOperations = 10000;

Result<nlohmann::json> ApplyJsonPatch(const nlohmann::json& document, const nlohmann::json& patch);

}  // namespace waygate::patch
