// What server-side apply needs to know of a kind's OpenAPI schema: which objects are structs
// (named fields) and which are maps, which lists are atomic, sets or maps keyed by some fields
// (x-kubernetes-list-type / -list-map-keys / -map-type), transcribed from k8s.io/api markers for
// the kinds Waygate serves. Anything not listed follows the Go types' default: objects are
// structs, lists are atomic. Kinds without a schema fall back to SMD's deduced type (maps
// granular, lists atomic), as kube-apiserver does for schemaless custom resources.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "apply/fieldpath.h"

namespace waygate::apply {

enum class Shape : uint8_t {
  kDefault,  // nothing listed: a struct if the value is an object, atomic if it is a list
  kMap,      // object with arbitrary keys (labels); each key is owned on its own
  kAtomic,   // owned and replaced as a whole (x-kubernetes-list-type/map-type: atomic)
  kSet,      // list of scalars owned value by value (x-kubernetes-list-type: set)
  kMapList,  // list of objects owned item by item, identified by key fields (list-type: map)
  kDeduced,  // no schema: objects are maps of deduced values, lists are atomic
};

struct KindSchema;

// A position in a kind's schema, reached by walking field names and list items.
class Type {
 public:
  static Type Root(std::string_view group, std::string_view kind);

  Shape shape() const;
  Type Field(std::string_view name) const;  // a struct field or a map value
  Type Item() const;                        // an element of a list
  // True when `name` is a declared field of this struct, false for a key of a map (a map key is
  // a member of field sets on its own, a struct field only when it is a leaf).
  bool Declares(std::string_view name) const;
  const std::vector<std::string>& keys() const;                   // kMapList key fields
  const nlohmann::json* KeyDefault(std::string_view name) const;  // schema default of a key field

 private:
  Type(const KindSchema* kind, std::string path, bool deduced)
      : kind_(kind), path_(std::move(path)), deduced_(deduced) {}
  bool OpenRootElement(std::string_view name) const;

  const KindSchema* kind_;
  std::string path_;  // "spec.ports[].port", "metadata.labels.*"
  bool deduced_;
};

// The "empty object" kube-apiserver compares a create against (the Go zero value of the kind, as
// unstructured): only its objects matter, since they decide which parents count as added.
const nlohmann::json& Skeleton(std::string_view group, std::string_view kind);

// Fields the registry strategy resets, which no manager may own through this endpoint
// (GetResetFields): `status` on the main resource of kinds with a status subresource, `spec` on
// the status subresource.
FieldSet ResetFields(std::string_view group, std::string_view kind, std::string_view subresource);

}  // namespace waygate::apply
