// JSON Merge Patch (RFC 7386): null deletes a member, objects merge recursively, anything else
// (arrays included) replaces the target.
#pragma once

#include <nlohmann/json.hpp>

namespace waygate::patch {

// Cannot fail: RFC 7386 defines a result for every (target, patch) pair, including a non-object
// patch, which replaces the whole target. kube-apiserver answers 400 "Invalid JSON Patch" for a
// `null` merge patch and fails decoding for a non-object result; the API layer checks that the
// result is still an object of the request's kind.
nlohmann::json ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

}  // namespace waygate::patch
