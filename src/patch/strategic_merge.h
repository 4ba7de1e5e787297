// Strategic merge patch, as k8s.io/apimachinery/pkg/util/strategicpatch applies it on the server
// (StrategicMergeMapPatch: MergeParallelList and IgnoreUnmatchedNulls both on).
//
// Understood: `$patch: replace|delete` on a map, `$patch: delete|replace` elements in a list,
// `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`, null deletes a
// field, lists with patchStrategy merge merged by patchMergeKey (or as a set of scalars), every
// other list replaced whole. No directive ever survives into the result.
//
// Errors, mapped by kube-apiserver's interpretStrategicMergePatchError (see rejection.h):
//   kInvalid  - the patch is malformed: not an object, a bad directive, a bad $retainKeys,
//               $setElementOrder or $deleteFromPrimitiveList list, a list element without the
//               merge key (kube: 400; for some of these kube answers 500 with a Go error, which
//               is a kube wart we do not copy)
//   kConflict - lists of lists (kube: 422)
//   kInternal - the original is not an object (a caller bug)
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "patch/patch_schema.h"

namespace waygate::patch {

Result<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& original,
                                                const nlohmann::json& patch,
                                                const PatchSchema& schema);

}  // namespace waygate::patch
