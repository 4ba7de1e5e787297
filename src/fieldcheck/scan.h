// A strict-decoding pass over raw JSON text, in document order, as Go's decoder meets keys
// (sigs.k8s.io/json UnmarshalStrict): the only place duplicates are still visible, since
// nlohmann::json keeps the last of repeated keys silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/schema_tree.h"

namespace waygate::fieldcheck::internal {

struct Problem {
  enum class Kind { kUnknown, kDuplicate };
  Kind kind;
  std::string path;
};

// Decodes `text` against `root` without building anything:
// - struct: an undeclared key is unknown (its value is skipped unchecked, as Go skips it); a
//   declared key seen twice in one object is a duplicate.
// - map, and any object under a kUntyped node (or everywhere when root is nullptr, i.e.
//   decoding into map[string]interface{}): a key seen twice is a duplicate.
// - kAny values are skipped unchecked (custom unmarshalers such as RawExtension).
// Each problem once, at most 100 (the decoder's cap). Iterative, with the decoder's depth limit
// of 10000; stops quietly at malformed text or beyond that depth.
std::vector<Problem> ScanStrict(std::string_view text, const Node* root);

}  // namespace waygate::fieldcheck::internal
