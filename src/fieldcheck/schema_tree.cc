#include "fieldcheck/schema_tree.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>

#include "openapi/resources.h"
#include "openapi/schema_data.h"
#include "openapi/schema_source.h"

namespace waygate::fieldcheck::internal {
namespace {

using openapi::FindOption;
using openapi::SchemaDef;

bool IsScalar(std::string_view type) {
  for (std::string_view s : {"string", "boolean", "int32", "int64", "integer", "number", "byte"}) {
    if (type == s) return true;
  }
  return false;
}

class Tree {
 public:
  static const Tree& Get() {
    static const Tree tree;
    return tree;
  }

  const KindSchema* Find(std::string_view group, std::string_view kind) const {
    for (const KindSchema& k : kinds_) {
      if (k.kind == kind && k.group == group) return &k;
    }
    return nullptr;
  }
  const Node* ops() const { return ops_; }

 private:
  Tree() {
    for (const openapi::SchemaFile& file : openapi::SchemaFiles()) {
      auto parsed = openapi::ParseSchemaSource(file.name, file.text);
      // The openapi tests parse the same compiled-in sources; failing here is a build bug.
      if (!parsed.ok()) Die(parsed.error().ToString());
      for (SchemaDef& def : *parsed) {
        std::string name = def.name;
        defs_.emplace(std::move(name), std::move(def));
      }
    }
    any_.type = Node::Type::kAny;
    untyped_.type = Node::Type::kUntyped;
    for (const openapi::Resource& r : openapi::Resources()) {
      kinds_.push_back(KindSchema{r.group, r.kind, r.builtin,
                                  DefNode(openapi::ExpandName(r.schema), /*preserve=*/false)});
    }
    Node& op = nodes_.emplace_back();
    op.type = Node::Type::kStruct;
    op.fields = {{"from", &any_}, {"op", &any_}, {"path", &any_}, {"value", &untyped_}};
    Node& ops = nodes_.emplace_back();
    ops.type = Node::Type::kArray;
    ops.elem = &op;
    ops_ = &ops;
    defs_.clear();
    memo_.clear();
  }

  [[noreturn]] static void Die(const std::string& why) {
    std::fprintf(stderr, "fieldcheck: compiled-in OpenAPI schemas are broken: %s\n", why.c_str());
    std::abort();
  }

  // A field's type: "[]T", "{}T", a scalar, "object" (free-form) or a schema name.
  const Node* TypeNode(std::string_view type, bool preserve) {
    if (type.substr(0, 2) == "[]" || type.substr(0, 2) == "{}") {
      Node& n = nodes_.emplace_back();
      n.type = type[0] == '[' ? Node::Type::kArray : Node::Type::kMap;
      n.elem = TypeNode(type.substr(2), false);
      return &n;
    }
    if (IsScalar(type) || type == "object") return &any_;
    return DefNode(openapi::ExpandName(type), preserve);
  }

  const Node* DefNode(const std::string& name, bool preserve) {
    std::string key = preserve ? name + " preserve" : name;
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    auto def_it = defs_.find(name);
    if (def_it == defs_.end()) Die("no schema " + name);
    const SchemaDef& def = def_it->second;
    if (FindOption(def.options, "type") != nullptr ||
        FindOption(def.options, "object") != nullptr) {
      memo_[key] = &any_;
      return &any_;
    }
    Node& n = nodes_.emplace_back();
    memo_[key] = &n;  // before the fields: a schema may refer to itself
    n.type = Node::Type::kStruct;
    n.preserve = preserve || FindOption(def.options, "preserve") != nullptr;
    std::vector<Field> fields;
    for (const openapi::FieldDef& f : def.fields) {
      fields.push_back({f.name, TypeNode(f.type, FindOption(f.options, "preserve") != nullptr)});
    }
    if (FindOption(def.options, "kind") != nullptr) {
      // Every kind carries TypeMeta and ObjectMeta; the sources list only the rest.
      auto add = [&](const char* field, const Node* node) {
        for (const Field& f : fields) {
          if (f.name == field) return;
        }
        fields.push_back({field, node});
      };
      add("apiVersion", &any_);
      add("kind", &any_);
      add("metadata", DefNode("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", false));
    }
    std::sort(fields.begin(), fields.end(),
              [](const Field& a, const Field& b) { return a.name < b.name; });
    n.fields = std::move(fields);
    return &n;
  }

  std::map<std::string, SchemaDef> defs_;    // only while building
  std::map<std::string, const Node*> memo_;  // only while building
  std::deque<Node> nodes_;                   // stable addresses
  Node any_;
  Node untyped_;
  std::vector<KindSchema> kinds_;
  const Node* ops_ = nullptr;
};

}  // namespace

const Field* Node::Find(std::string_view name) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), name,
                             [](const Field& f, std::string_view n) { return f.name < n; });
  return it != fields.end() && it->name == name ? &*it : nullptr;
}

const KindSchema* FindKind(std::string_view group, std::string_view kind) {
  return Tree::Get().Find(group, kind);
}

const Node* JsonPatchOps() { return Tree::Get().ops(); }

}  // namespace waygate::fieldcheck::internal
