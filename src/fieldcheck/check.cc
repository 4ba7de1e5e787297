// The request-level checks: which pass reports what, in which order, for bodies and patches.
#include "fieldcheck/fieldcheck.h"
#include "fieldcheck/scan.h"
#include "fieldcheck/schema_tree.h"

namespace waygate::fieldcheck {
namespace {

using internal::Problem;

void AppendProblems(std::vector<std::string>& out, const std::vector<Problem>& problems,
                    std::string_view prefix = {}) {
  for (const Problem& p : problems) {
    std::string text =
        p.kind == Problem::Kind::kUnknown ? UnknownField(p.path) : DuplicateField(p.path);
    out.push_back(std::string(prefix) + text);
  }
}

void AppendUnknown(std::vector<std::string>& out, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) out.push_back(UnknownField(path));
}

}  // namespace

std::vector<std::string> DuplicateFields(std::string_view json_text) {
  std::vector<std::string> paths;
  for (Problem& p : internal::ScanStrict(json_text, nullptr)) paths.push_back(std::move(p.path));
  return paths;
}

std::vector<std::string> CheckBody(std::string_view group, std::string_view kind,
                                   std::string_view json_text, nlohmann::json& object) {
  std::vector<std::string> problems;
  const internal::KindSchema* schema = internal::FindKind(group, kind);
  if (schema == nullptr) return problems;
  if (json_text.empty()) {
    AppendUnknown(problems, PruneUnknownFields(group, kind, object));
  } else if (schema->builtin) {
    // The Go struct decoder meets unknown and repeated keys together, in document order.
    AppendProblems(problems, internal::ScanStrict(json_text, schema->root));
    PruneUnknownFields(group, kind, object);
  } else {
    // Unstructured decoding (all duplicates), then ObjectMeta, then structural pruning.
    AppendProblems(problems, internal::ScanStrict(json_text, nullptr));
    AppendUnknown(problems, PruneUnknownFields(group, kind, object));
  }
  return problems;
}

std::vector<std::string> CheckPatch(std::string_view group, std::string_view kind, PatchType type,
                                    std::string_view patch_text, nlohmann::json& patched) {
  std::vector<std::string> problems;
  if (!HasSchema(group, kind)) return problems;
  if (type == PatchType::kJsonPatch) {
    // The handler decodes the operations strictly into []{op, path, from, value}.
    AppendProblems(problems, internal::ScanStrict(patch_text, internal::JsonPatchOps()),
                   "json patch ");
  } else {
    // Merge and strategic merge patches are decoded strictly into map[string]interface{}.
    AppendProblems(problems, internal::ScanStrict(patch_text, nullptr));
  }
  AppendUnknown(problems, PruneUnknownFields(group, kind, patched));
  return problems;
}

}  // namespace waygate::fieldcheck
