// Pruning a decoded object against its kind's schema. nlohmann::json keeps object keys sorted
// bytewise, which is the order kube meets them when it decodes a Go map's JSON (YAML bodies,
// patched objects), so the walk reports in kube's order without sorting.
#include <algorithm>

#include "fieldcheck/fieldcheck.h"
#include "fieldcheck/path.h"
#include "fieldcheck/schema_tree.h"

namespace waygate::fieldcheck {
namespace {

using internal::Node;
using internal::Segment;
using nlohmann::json;

class Pruner {
 public:
  explicit Pruner(std::vector<std::string>& out) : out_(out) {}

  void Walk(const Node& node, json& value) {
    switch (node.type) {
      case Node::Type::kStruct:
        if (value.is_object()) Struct(node, value);
        return;
      case Node::Type::kMap:
        if (!value.is_object() || !node.elem->Walked()) return;
        for (auto it = value.begin(); it != value.end(); ++it) {
          stack_.push_back(internal::Key(it.key()));
          Walk(*node.elem, it.value());
          stack_.pop_back();
        }
        return;
      case Node::Type::kArray:
        if (!value.is_array() || !node.elem->Walked()) return;
        for (size_t i = 0; i < value.size(); ++i) {
          stack_.push_back(internal::Index(i));
          Walk(*node.elem, value[i]);
          stack_.pop_back();
        }
        return;
      case Node::Type::kAny:
      case Node::Type::kUntyped:
        return;
    }
  }

 private:
  void Struct(const Node& node, json& value) {
    for (auto it = value.begin(); it != value.end();) {
      const std::string& key = it.key();
      const internal::Field* field = node.Find(key);
      if (field == nullptr) {
        if (node.preserve) {
          ++it;
          continue;
        }
        out_.push_back(internal::PathOf(stack_, key));
        it = value.erase(it);
        continue;
      }
      if (field->node->Walked()) {
        stack_.push_back(internal::Key(key));
        Walk(*field->node, it.value());
        stack_.pop_back();
      }
      ++it;
    }
  }

  std::vector<std::string>& out_;
  std::vector<Segment> stack_;
};

// kube's CRD handler reports unknown metadata first (it decodes ObjectMeta on its own), then
// what structural pruning removed, sorted as strings.
void CustomResourceOrder(std::vector<std::string>& paths) {
  auto rest = std::stable_partition(paths.begin(), paths.end(), [](const std::string& p) {
    return p.compare(0, 9, "metadata.") == 0 || p.compare(0, 9, "metadata[") == 0;
  });
  std::sort(rest, paths.end());
}

}  // namespace

bool HasSchema(std::string_view group, std::string_view kind) {
  return internal::FindKind(group, kind) != nullptr;
}

std::vector<std::string> PruneUnknownFields(std::string_view group, std::string_view kind,
                                            nlohmann::json& object) {
  std::vector<std::string> paths;
  const internal::KindSchema* schema = internal::FindKind(group, kind);
  if (schema == nullptr) return paths;
  Pruner(paths).Walk(*schema->root, object);
  if (!schema->builtin) CustomResourceOrder(paths);
  return paths;
}

}  // namespace waygate::fieldcheck
