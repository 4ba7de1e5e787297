// Field paths and field sets as sigs.k8s.io/structured-merge-diff (fieldpath) defines them, and
// their FieldsV1 wire form (the `f:`/`k:`/`v:`/`i:`/`.` trie stored in metadata.managedFields).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace waygate::apply {

// A total order on JSON values (numbers, strings, bools, lists, maps, null, in that rank); equal
// numbers compare equal whatever their JSON representation (80 == 80.0), as SMD's value.Compare.
int CompareJson(const nlohmann::json& a, const nlohmann::json& b);

// One step of a path: a field name, the key fields of an associative-list item, the value of a
// set item, or a list index.
struct PathElement {
  enum class Kind : uint8_t { kField, kKey, kValue, kIndex };
  using KeyFields = std::vector<std::pair<std::string, nlohmann::json>>;  // sorted by name

  Kind kind = Kind::kField;
  std::string field;
  KeyFields key;
  nlohmann::json value;
  int64_t index = 0;

  static PathElement Field(std::string name);
  static PathElement Key(KeyFields fields);  // sorts the fields by name
  static PathElement Value(nlohmann::json value);
  static PathElement Index(int64_t index);

  // As in conflict messages: ".name", "[port=80,protocol=\"TCP\"]", "[=\"x\"]", "[0]".
  std::string ToString() const;
  // As a FieldsV1 key: "f:name", "k:{\"port\":80,\"protocol\":\"TCP\"}", "v:\"x\"", "i:0".
  std::string ToFieldsV1Key() const;
  static Result<PathElement> FromFieldsV1Key(std::string_view text);
};

int Compare(const PathElement& a, const PathElement& b);
inline bool operator<(const PathElement& a, const PathElement& b) { return Compare(a, b) < 0; }
inline bool operator==(const PathElement& a, const PathElement& b) { return Compare(a, b) == 0; }

using Path = std::vector<PathElement>;
std::string ToString(const Path& path);  // ".spec.ports[port=80,protocol=\"TCP\"].targetPort"

// A set of paths, stored as a trie: `members` are paths that end here, `children` continue.
// A path can be both a member and a prefix of other members (FieldsV1 writes that as ".").
class FieldSet {
 public:
  void Insert(const Path& path);
  bool Has(const Path& path) const;
  bool Empty() const;  // no member anywhere below

  bool IsMember(const PathElement& pe) const;
  const FieldSet* Child(const PathElement& pe) const;  // fieldpath.Set.WithPrefix, or nullptr

  FieldSet Union(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;
  // Removes the paths of `other` that are members here; prefixes of them stay.
  FieldSet Difference(const FieldSet& other) const;
  // Removes the paths of `other` and everything below them.
  FieldSet RecursiveDifference(const FieldSet& other) const;

  // Every member path, members of a node before its children, each level in path order.
  void Iterate(const std::function<void(const Path&)>& fn) const;

  nlohmann::json ToFieldsV1() const;
  static Result<FieldSet> FromFieldsV1(const nlohmann::json& fields);

  bool operator==(const FieldSet& other) const;

  const std::vector<PathElement>& members() const { return members_; }
  const std::vector<std::pair<PathElement, FieldSet>>& children() const { return children_; }
  void InsertMember(const PathElement& pe);
  FieldSet& ChildForInsert(const PathElement& pe);

 private:
  void IterateFrom(Path& prefix, const std::function<void(const Path&)>& fn) const;
  void RemoveEmptyChildren();

  std::vector<PathElement> members_;                        // sorted
  std::vector<std::pair<PathElement, FieldSet>> children_;  // sorted by element
};

}  // namespace waygate::apply
