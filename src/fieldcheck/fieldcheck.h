// fieldcheck: unknown and duplicate fields of request bodies, as kube-apiserver's
// `?fieldValidation=` reports them, and pruning of unknown fields before an object is stored.
//
// kube-apiserver decodes a built-in kind into its Go struct: fields the struct lacks are dropped,
// and the strict decoder reports them (and repeated keys) as `unknown field "spec.foo"` /
// `duplicate field "spec.paused"`. A custom resource (the Gateway) is pruned against the CRD's
// structural schema instead. What the handler does with the list depends on the directive:
// Strict fails the request, Warn (the default) returns one `Warning` header per problem,
// Ignore drops silently. Either way the unknown fields are not stored.
//
// Problems are the texts kube emits, in kube's order:
// - built-in kind, JSON body: document order, unknown and duplicate interleaved; a key both
//   unknown and repeated is reported once, as unknown; at most 100.
// - built-in kind, YAML body (already converted to JSON, so no text): unknown fields in sorted
//   key order (kube converts YAML to JSON through a Go map, whose keys marshal sorted).
// - custom resource: every duplicate key of the body first (unstructured decoding sees all of
//   them), then unknown metadata fields, then the pruned paths sorted as strings.
// - patches: problems of the patch text first (duplicate keys; for a JSON patch, unknown and
//   duplicate keys of its operations, prefixed "json patch "), then the unknown fields of the
//   patched object in sorted key order.
//
// How the API handler words the failure for Strict:
// - create/update: 400 BadRequest `Ingress in version "v1" cannot be handled as a Ingress:
//   <StrictDecodingMessage>` (apistatus::CannotBeHandled).
// - JSON, merge and strategic merge patch: 422 Invalid with no kind or name and one cause on
//   field "patch": `Invalid value: "<patched object JSON>": <StrictDecodingMessage>`.
// - a `fieldValidation` value other than "", Ignore, Warn, Strict: 422 Invalid
//   `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "x":
//   supported values: "", "Ignore", "Strict", "Warn"` (UpdateOptions / PatchOptions likewise).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace waygate::fieldcheck {

enum class Directive { kIgnore, kWarn, kStrict };

// The `fieldValidation` query parameter: "" (absent) means Warn, as kube-apiserver defaults it;
// otherwise exactly "Ignore", "Warn" or "Strict". Anything else: nullopt.
std::optional<Directive> ParseDirective(std::string_view value);

// Whether the kind has a schema (group "" = core). Kinds without one are left alone.
bool HasSchema(std::string_view group, std::string_view kind);

// Removes every field of `object` that the kind's schema does not declare, in place, and returns
// their paths ("spec.foo", "spec.rules[0].http.paths[0].bogus", "metadata.labelz"): sorted key
// order for built-in kinds, the CRD order above for custom resources. Label and annotation keys,
// map keys in general, IntOrString and Quantity values and x-kubernetes-preserve-unknown-fields
// subtrees (the Gateway's status) are never pruned. Unknown kind: nothing removed.
std::vector<std::string> PruneUnknownFields(std::string_view group, std::string_view kind,
                                            nlohmann::json& object);

// Paths of keys repeated within one JSON object anywhere in `json_text`, in document order, each
// once (nlohmann::json keeps the last value silently). Scans text the caller has already parsed;
// on malformed text it returns what it found before the fault.
std::vector<std::string> DuplicateFields(std::string_view json_text);

// `unknown field "spec.foo"` and `duplicate field "spec.foo"`, the path quoted as Go's %q.
std::string UnknownField(std::string_view path);
std::string DuplicateField(std::string_view path);

// A create or update body: prunes `object` and returns its problems in kube's order.
// `json_text` is the raw body when it was JSON; pass "" for YAML or protobuf bodies (YAML
// duplicates are already rejected by model::ParseYamlStream; protobuf has no field names).
std::vector<std::string> CheckBody(std::string_view group, std::string_view kind,
                                   std::string_view json_text, nlohmann::json& object);

enum class PatchType { kJsonPatch, kMergePatch, kStrategicMergePatch };

// A patch: problems of `patch_text`, then the unknown fields of `patched` (the object after the
// patch was applied), which are pruned. Server-side apply reports only YAML duplicates, which
// the YAML parser already rejects, so it has no entry here.
std::vector<std::string> CheckPatch(std::string_view group, std::string_view kind, PatchType type,
                                    std::string_view patch_text, nlohmann::json& patched);

// `strict decoding error: unknown field "spec.foo", duplicate field "spec.bar"`.
std::string StrictDecodingMessage(const std::vector<std::string>& problems);

// One `Warning` header value: `299 - "unknown field \"spec.foo\""`. Empty when kube would drop
// the warning (empty text, invalid UTF-8 or control characters).
std::string WarningHeader(std::string_view text);

// The `Warning` header values of one response, as kube-apiserver's warning recorder writes them:
// repeated texts once; once the texts exceed 4096 runes in total every warning (earlier ones
// too) is cut to 256 runes, and warnings added after the total is reached again are dropped.
// Not thread-safe: one per request.
class WarningRecorder {
 public:
  explicit WarningRecorder(size_t max_total_runes = 4096, size_t max_item_runes = 256)
      : max_total_(max_total_runes), max_item_(max_item_runes) {}

  void Add(std::string_view text);
  const std::vector<std::string>& headers() const { return headers_; }

 private:
  size_t max_total_;
  size_t max_item_;
  std::unordered_set<std::string> seen_;
  std::vector<std::string> texts_;  // in order, untruncated, for replay when truncation starts
  std::vector<std::string> headers_;
  size_t written_ = 0;
  bool truncating_ = false;
};

// The headers for Warn: each problem through a fresh WarningRecorder.
std::vector<std::string> WarningHeaders(const std::vector<std::string>& problems);

}  // namespace waygate::fieldcheck
