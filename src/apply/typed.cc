#include "apply/typed.h"

#include <map>
#include <optional>
#include <set>
#include <vector>

namespace waygate::apply {
namespace {

using nlohmann::json;

enum class Node { kLeaf, kObject, kList };

bool IsEmpty(const json* v) { return v == nullptr || v->is_null() || v->empty(); }

// How a position is walked for these values: as one leaf (scalars, atomic values, null, or a
// value whose JSON type does not fit the schema), as an object, or as a granular list.
Node Classify(const Type& type, const json* a, const json* b) {
  const Shape shape = type.shape();
  if (shape == Shape::kAtomic) return Node::kLeaf;
  bool objects = true, arrays = true, any = false;
  for (const json* v : {a, b}) {
    if (v == nullptr || v->is_null()) continue;
    any = true;
    objects = objects && v->is_object();
    arrays = arrays && v->is_array();
  }
  if (!any) return Node::kLeaf;
  if (objects && shape != Shape::kSet && shape != Shape::kMapList) return Node::kObject;
  if (arrays && (shape == Shape::kSet || shape == Shape::kMapList)) return Node::kList;
  return Node::kLeaf;
}

// listItemToPathElement: the key fields (with schema defaults) of a map-list item, the value of
// a set item.
Result<PathElement> ItemElement(const Type& list, const json& item) {
  if (list.shape() == Shape::kSet) {
    if (item.is_object() || item.is_array()) {
      return MakeError(ErrorCode::kInvalid,
                       "associative list without keys has an element that's a map type");
    }
    return PathElement::Value(item);
  }
  if (item.is_null()) {
    return MakeError(ErrorCode::kInvalid, "associative list with keys may not have a null element");
  }
  if (!item.is_object()) {
    return MakeError(ErrorCode::kInvalid,
                     "associative list with keys may not have non-map elements");
  }
  PathElement::KeyFields fields;
  for (const std::string& name : list.keys()) {
    auto it = item.find(name);
    if (it != item.end()) {
      fields.emplace_back(name, *it);
    } else if (const json* def = list.KeyDefault(name)) {
      fields.emplace_back(name, *def);
    } else {
      return MakeError(ErrorCode::kInvalid,
                       "associative list with keys has an element that omits "
                       "key field \"" +
                           name + "\" (and doesn't have default value)");
    }
  }
  return PathElement::Key(std::move(fields));
}

// The items of a granular list in order, with their elements; items whose element cannot be
// built are skipped (Validate reports them). `first` maps an element to its first item.
struct IndexedList {
  std::vector<std::pair<PathElement, const json*>> items;
  std::map<PathElement, const json*> first;
  std::set<PathElement> duplicated;
};

IndexedList Index(const Type& list, const json* value) {
  IndexedList out;
  if (value == nullptr || !value->is_array()) return out;
  for (const json& item : *value) {
    Result<PathElement> pe = ItemElement(list, item);
    if (!pe.ok()) continue;
    if (!out.first.emplace(*pe, &item).second) out.duplicated.insert(*pe);
    out.items.emplace_back(std::move(*pe), &item);
  }
  return out;
}

const json* Get(const json* obj, const std::string& key) {
  if (obj == nullptr || !obj->is_object()) return nullptr;
  auto it = obj->find(key);
  return it == obj->end() ? nullptr : &*it;
}

// Keys of both objects, each once, sorted.
std::set<std::string> Keys(const json* a, const json* b) {
  std::set<std::string> keys;
  for (const json* v : {a, b}) {
    if (v == nullptr || !v->is_object()) continue;
    for (auto it = v->begin(); it != v->end(); ++it) keys.insert(it.key());
  }
  return keys;
}

void CompareNode(const json* l, const json* r, const Type& type, Path& path, Comparison& out) {
  const Node node = Classify(type, l, r);
  if (node == Node::kLeaf || (IsEmpty(l) && IsEmpty(r))) {
    if (l == nullptr) {
      out.added.Insert(path);
    } else if (r == nullptr) {
      out.removed.Insert(path);
    } else if (*l != *r) {
      out.modified.Insert(path);
    }
    return;
  }
  if (node == Node::kObject) {
    for (const std::string& key : Keys(l, r)) {
      path.push_back(PathElement::Field(key));
      CompareNode(Get(l, key), Get(r, key), type.Field(key), path, out);
      path.pop_back();
    }
  } else {
    const Type item = type.Item();
    IndexedList left = Index(type, l), right = Index(type, r);
    std::set<PathElement> seen;
    for (const auto& [pe, value] : right.items) {
      if (!seen.insert(pe).second) continue;
      auto it = left.first.find(pe);
      path.push_back(pe);
      CompareNode(it == left.first.end() ? nullptr : it->second, value, item, path, out);
      path.pop_back();
    }
    for (const auto& [pe, value] : left.items) {
      if (right.first.count(pe) != 0 || !seen.insert(pe).second) continue;
      path.push_back(pe);
      CompareNode(value, nullptr, item, path, out);
      path.pop_back();
    }
  }
  if (l == nullptr) {
    out.added.Insert(path);
  } else if (r == nullptr) {
    out.removed.Insert(path);
  }
}

void ToSetNode(const json& value, const Type& type, Path& path, FieldSet& out) {
  const Node node = Classify(type, &value, nullptr);
  if (node == Node::kLeaf) {
    out.Insert(path);
    return;
  }
  if (node == Node::kObject) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      path.push_back(PathElement::Field(it.key()));
      ToSetNode(*it, type.Field(it.key()), path, out);
      if (it->is_null() || (it->is_object() && it->empty()) || !type.Declares(it.key())) {
        out.Insert(path);
      }
      path.pop_back();
    }
    return;
  }
  const Type item = type.Item();
  IndexedList list = Index(type, &value);
  for (const auto& [pe, child] : list.items) {
    path.push_back(pe);
    // A duplicated item is owned as a whole: its fields cannot be told apart.
    if (list.duplicated.count(pe) == 0) ToSetNode(*child, item, path, out);
    out.Insert(path);
    path.pop_back();
  }
}

json MergeNode(const json* l, const json* r, const Type& type);

json MergeList(const json* l, const json* r, const Type& type) {
  const Type item = type.Item();
  IndexedList left = Index(type, l), right = Index(type, r);
  std::vector<const PathElement*> shared;
  for (const auto& [pe, value] : right.items) {
    if (left.first.count(pe) != 0) shared.push_back(&pe);
  }
  size_t next_shared = 0;
  auto next = [&]() -> const PathElement* {
    return next_shared < shared.size() ? shared[next_shared] : nullptr;
  };
  auto left_child = [&](const PathElement& pe) -> const json* {
    if (left.duplicated.count(pe) != 0) return nullptr;  // a duplicated live item is replaced
    auto it = left.first.find(pe);
    return it == left.first.end() ? nullptr : it->second;
  };
  json out = json::array();
  std::set<PathElement> merged;
  size_t li = 0, ri = 0;
  const size_t ln = left.items.size(), rn = right.items.size();
  // Keep the live order, and put new items where the configuration has them relative to the
  // items both share (SMD's mergingWalker.visitListItems).
  while (li < ln || ri < rn) {
    if (li < ln && ri < rn) {
      const PathElement& pe = left.items[li].first;
      if (pe == right.items[ri].first) {
        merged.insert(pe);
        out.push_back(MergeNode(left_child(pe), right.items[ri].second, item));
        ++li;
        ++ri;
        if (next() != nullptr) ++next_shared;
        continue;
      }
      if (right.first.count(pe) != 0 && next() != nullptr && !(*next() == pe)) {
        ++li;
        continue;
      }
    }
    if (li < ln) {
      const auto& [pe, value] = left.items[li];
      if (right.first.count(pe) == 0) {
        out.push_back(*value);
        ++li;
        continue;
      }
      if (merged.count(pe) != 0) {
        ++li;
        continue;
      }
    }
    if (ri < rn) {
      const auto& [pe, value] = right.items[ri];
      merged.insert(pe);
      out.push_back(MergeNode(left_child(pe), value, item));
      ++ri;
      if (next() != nullptr && *next() == pe) ++next_shared;
    }
  }
  return out;
}

json MergeNode(const json* l, const json* r, const Type& type) {
  if (r == nullptr) return *l;
  if (l == nullptr) return *r;
  const Node node = Classify(type, l, r);
  if (node == Node::kLeaf || (IsEmpty(l) && IsEmpty(r))) return *r;
  if (node == Node::kList) return MergeList(l, r, type);
  json out = json::object();
  for (const std::string& key : Keys(l, r)) {
    out[key] = MergeNode(Get(l, key), Get(r, key), type.Field(key));
  }
  return out;
}

json RemoveNode(const json& value, const FieldSet& set, const Type& type) {
  const Node node = Classify(type, &value, nullptr);
  if (node == Node::kLeaf) {
    // SMD keeps scalars and yields nothing for an atomic map or list walked into.
    return value.is_object() || value.is_array() ? json(nullptr) : value;
  }
  if (value.empty()) return nullptr;
  if (node == Node::kObject) {
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      const PathElement pe = PathElement::Field(it.key());
      if (set.IsMember(pe)) continue;
      const FieldSet* below = set.Child(pe);
      out[it.key()] = below != nullptr ? RemoveNode(*it, *below, type.Field(it.key())) : *it;
    }
    return out.empty() ? json(nullptr) : out;
  }
  const Type item = type.Item();
  json out = json::array();
  for (const json& child : value) {
    Result<PathElement> pe = ItemElement(type, child);
    if (!pe.ok()) {
      out.push_back(child);
      continue;
    }
    if (set.IsMember(*pe)) continue;
    const FieldSet* below = set.Child(*pe);
    out.push_back(below != nullptr ? RemoveNode(child, *below, item) : child);
  }
  return out.empty() ? json(nullptr) : out;
}

FieldSet EnsureNode(const FieldSet& set, const Type& type) {
  FieldSet out;
  for (const PathElement& pe : set.members()) out.InsertMember(pe);
  for (const auto& [pe, child] : set.children()) {
    const bool field = pe.kind == PathElement::Kind::kField;
    if (field && type.shape() == Shape::kDefault && type.Declares(pe.field)) out.InsertMember(pe);
    FieldSet ensured = EnsureNode(child, field ? type.Field(pe.field) : type.Item());
    if (!ensured.Empty()) out.ChildForInsert(pe) = std::move(ensured);
  }
  return out;
}

void ValidateNode(const json& value, const Type& type, bool allow_duplicates, Path& path,
                  std::vector<std::string>& errors) {
  const Node node = Classify(type, &value, nullptr);
  if (node == Node::kObject) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      path.push_back(PathElement::Field(it.key()));
      ValidateNode(*it, type.Field(it.key()), allow_duplicates, path, errors);
      path.pop_back();
    }
  } else if (node == Node::kList) {
    const Type item = type.Item();
    std::set<PathElement> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      Result<PathElement> pe = ItemElement(type, value[i]);
      if (!pe.ok()) {
        errors.push_back(ToString(path) + ": element " + std::to_string(i) + ": " +
                         pe.error().message);
        continue;
      }
      if (!seen.insert(*pe).second && !allow_duplicates) {
        errors.push_back(ToString(path) + ": duplicate entries for key " + pe->ToString());
        continue;
      }
      path.push_back(*pe);
      ValidateNode(value[i], item, allow_duplicates, path, errors);
      path.pop_back();
    }
  }
}

}  // namespace

void Comparison::Exclude(const FieldSet& fields) {
  added = added.RecursiveDifference(fields);
  modified = modified.RecursiveDifference(fields);
  removed = removed.RecursiveDifference(fields);
}

Comparison Compare(const json* lhs, const json& rhs, const Type& type) {
  Comparison out;
  Path path;
  CompareNode(lhs, &rhs, type, path, out);
  return out;
}

FieldSet ToFieldSet(const json& value, const Type& type) {
  FieldSet out;
  Path path;
  ToSetNode(value, type, path, out);
  return out;
}

json Merge(const json& lhs, const json& rhs, const Type& type) {
  return MergeNode(&lhs, &rhs, type);
}

json RemoveItems(const json& value, const FieldSet& set, const Type& type) {
  return RemoveNode(value, set, type);
}

FieldSet EnsureNamedFieldsAreMembers(const FieldSet& set, const Type& type) {
  return EnsureNode(set, type);
}

Status Validate(const json& value, const Type& type, bool allow_duplicates) {
  std::vector<std::string> errors;
  Path path;
  ValidateNode(value, type, allow_duplicates, path, errors);
  if (errors.empty()) return OkStatus();
  if (errors.size() == 1) return MakeError(ErrorCode::kInvalid, errors[0]);
  std::string message = "errors:";
  for (const std::string& e : errors) message += "\n  " + e;
  return MakeError(ErrorCode::kInvalid, message);
}

}  // namespace waygate::apply
