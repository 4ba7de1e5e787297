// The strategic-merge-patch metadata of a kind: what kube-apiserver reads from the Go struct tags
// `patchStrategy` and `patchMergeKey` of k8s.io/api types, written down as a small table.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace waygate::patch {

enum class PatchStrategy {
  kReplace,     // no tag: a list is replaced whole (maps still merge, as in Go)
  kMerge,       // patchStrategy:"merge": lists merge (by merge_key for lists of objects)
  kRetainKeys,  // patchStrategy:"merge,retainKeys": merges like kMerge when applying; the
                // `$retainKeys` directive itself is honoured wherever a patch carries it
};

struct FieldPatchMeta {
  PatchStrategy strategy = PatchStrategy::kReplace;
  std::string merge_key;  // patchMergeKey; empty for lists of scalars
};

struct PatchSchema {
  std::string group;  // "" for the core group
  std::string kind;
  // Field path with list elements transparent: "spec.ports", "metadata.ownerReferences",
  // "status.loadBalancer.ingress.ports". Fields not listed get the Go default (maps merge,
  // lists are replaced).
  std::map<std::string, FieldPatchMeta, std::less<>> fields;

  const FieldPatchMeta* Find(std::string_view path) const;
};

// The schema of a built-in kind, or nullptr when kube-apiserver does not accept strategic merge
// patch for it: custom resources (the KubeSphere Gateway) and unknown kinds. For those the API
// answers 415 UnsupportedMediaType (see kStrategicMergeUnsupportedMessage in rejection.h).
const PatchSchema* SchemaFor(std::string_view group, std::string_view kind);

}  // namespace waygate::patch
