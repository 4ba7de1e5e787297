// The typed operations of sigs.k8s.io/structured-merge-diff (typed/*.go) on JSON values walked
// with a Type: compare, field set of a value, merge, removal of a field set, and the schema
// check that fails an apply whose list items lack their keys.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "apply/fieldpath.h"
#include "apply/schema.h"
#include "base/result.h"

namespace waygate::apply {

// What changed from lhs to rhs. Parents that appear or disappear are in the sets too (that is
// where FieldsV1's "." entries of Update managers come from); atomic values are single leaves.
struct Comparison {
  FieldSet added;
  FieldSet modified;
  FieldSet removed;

  void Exclude(const FieldSet& fields);  // ExcludeFields: recursive difference on all three
};

// lhs == nullptr compares against nothing (everything in rhs is added).
Comparison Compare(const nlohmann::json* lhs, const nlohmann::json& rhs, const Type& type);

// The fields a value sets (typed.ToFieldSet): leaves, list items, map keys, empty or null values.
FieldSet ToFieldSet(const nlohmann::json& value, const Type& type);

// The applied configuration merged into the live object (typed.Merge): rhs wins on leaves and
// atomic values, maps merge by key, sets and map lists merge by item, keeping the live order and
// inserting new items where the configuration puts them.
nlohmann::json Merge(const nlohmann::json& lhs, const nlohmann::json& rhs, const Type& type);

// The value without the members of `set` (typed.RemoveItems). A map or list left empty becomes
// null, as in SMD; the caller drops nulls at the end.
nlohmann::json RemoveItems(const nlohmann::json& value, const FieldSet& set, const Type& type);

// Adds, as members, the struct fields that have members below them (so pruning can remove a
// struct that became empty), but not map keys.
FieldSet EnsureNamedFieldsAreMembers(const FieldSet& set, const Type& type);

// The schema errors SMD reports when it types a value: list items without their key fields or
// of the wrong shape, and (unless allowed, as for live objects) duplicate keys. The message is
// SMD's ValidationErrors text (".spec.ports: element 0: associative list with keys has an
// element that omits key field \"port\" (and doesn't have default value)").
Status Validate(const nlohmann::json& value, const Type& type, bool allow_duplicates);

}  // namespace waygate::apply
