// The schemas of src/openapi compiled once into a tree that answers "is this key a field here?"
// with a binary search and no allocation: what pruning and the strict scan walk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace waygate::fieldcheck::internal {

struct Node;

struct Field {
  std::string name;
  const Node* node;
};

struct Node {
  enum class Type : unsigned char {
    kAny,      // scalars, IntOrString, Quantity, RawExtension, FieldsV1: kept whole, never walked
    kUntyped,  // decoded into interface{} (a JSON patch's value): only duplicate keys matter
    kStruct,   // named fields; anything else is unknown unless `preserve`
    kMap,      // any key; values are `elem`
    kArray,    // items are `elem`
  };
  Type type = Type::kAny;
  bool preserve = false;       // kStruct: x-kubernetes-preserve-unknown-fields keeps unknown keys
  const Node* elem = nullptr;  // kMap, kArray
  std::vector<Field> fields;   // kStruct, sorted by name (bytewise, as Go sorts map keys)

  const Field* Find(std::string_view name) const;
  // A container the walkers descend into (struct, map or array).
  bool Walked() const {
    return type == Type::kStruct || type == Type::kMap || type == Type::kArray;
  }
};

struct KindSchema {
  std::string_view group;  // "" for core
  std::string_view kind;
  // Built-in kinds decode into Go structs (problems in document order); custom resources are
  // unstructured and pruned against the CRD schema (problems ordered as the CRD handler does).
  bool builtin = true;
  const Node* root = nullptr;
};

// The compiled tree (built on first use, immutable after, thread-safe). nullptr for kinds the
// server does not serve.
const KindSchema* FindKind(std::string_view group, std::string_view kind);

// `[{"op", "path", "from", "value"}]`: the JSON patch operation list handlers decode strictly.
const Node* JsonPatchOps();

}  // namespace waygate::fieldcheck::internal
