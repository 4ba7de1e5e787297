// The order of steps in MergeMap and the list-ordering rules follow strategicpatch/patch.go
// (mergeMap, mergeSlice, normalizeElementOrder, mergeSortedSlice) so that results, including the
// order of merged list elements, match what kube-apiserver stores. Deliberate differences, each
// in kube's favour of cleaner output: a value taken from the patch verbatim (new field, type
// change, `$patch: replace`) is stripped of nulls and of every directive, and
// `$deleteFromPrimitiveList` deletes even from a list whose strategy is replace (kube would
// store the deletion list itself there).
#include "patch/strategic_merge.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace waygate::patch {
namespace {

using nlohmann::json;

constexpr std::string_view kDirectiveMarker = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList";
constexpr std::string_view kSetElementOrder = "$setElementOrder";

Error BadPatch(std::string message) { return MakeError(ErrorCode::kInvalid, std::move(message)); }

Error NoMergeKey(const json& element, const std::string& merge_key) {
  return BadPatch("map: " + element.dump() + " does not contain declared merge key: " + merge_key);
}

bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix &&
         key[prefix.size()] == '/';
}

// "$setElementOrder/ports" -> "ports" (kube's extractKey: the part after the first '/').
std::string_view FieldOf(std::string_view key, std::string_view prefix) {
  return key.substr(prefix.size() + 1);
}

bool IsDirectiveKey(std::string_view key) {
  return key == kRetainKeys || HasPrefix(key, kDeleteFromPrimitiveList) ||
         HasPrefix(key, kSetElementOrder);
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Strips nulls and directives from a value taken from the patch as is. Returns false when the
// value itself must be dropped (a list element or map carrying `$patch` other than replace).
bool Clean(json& value, bool in_list = false) {
  if (value.is_object()) {
    auto marker = value.find(kDirectiveMarker);
    if (marker != value.end()) {
      if (in_list || *marker != "replace") return false;
      value.erase(marker);
    }
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null() || IsDirectiveKey(it.key()) || !Clean(*it)) {
        it = value.erase(it);
      } else {
        ++it;
      }
    }
  } else if (value.is_array()) {
    json kept = json::array();
    for (json& element : value) {
      if (Clean(element, true)) kept.push_back(std::move(element));
    }
    value = std::move(kept);
  }
  return true;
}

bool Contains(const json& list, const json& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

json DeleteFromList(const json& current, const json& to_delete) {
  json kept = json::array();
  for (const json& value : current) {
    if (!Contains(to_delete, value)) kept.push_back(value);
  }
  return kept;
}

enum class ElementKind { kNone, kObject, kScalar };

// All elements of both lists must be of one type (kube's sliceElementType); lists of lists are
// refused outright.
Result<ElementKind> KindOfElements(const json& a, const json& b) {
  ElementKind kind = ElementKind::kNone;
  json::value_t seen = json::value_t::discarded;
  for (const json* list : {&a, &b}) {
    for (const json& element : *list) {
      if (element.is_array()) {
        return MakeError(ErrorCode::kConflict, "lists of lists are not supported");
      }
      // All numbers are one type here; Go would also tell int64 from float64.
      json::value_t type = element.is_number() ? json::value_t::number_float : element.type();
      if (seen != json::value_t::discarded && seen != type) {
        return BadPatch("list element types are not identical: " + a.dump() + " " + b.dump());
      }
      seen = type;
      kind = element.is_object() ? ElementKind::kObject : ElementKind::kScalar;
    }
  }
  return kind;
}

// The identity of a list element for ordering: its merge key value, or itself for scalars.
class ListKeys {
 public:
  explicit ListKeys(std::string merge_key) : merge_key_(std::move(merge_key)) {}

  Result<json> Of(const json& element) const {
    if (merge_key_.empty()) return element;
    if (!element.is_object()) return BadPatch("expected a map, but received " + element.dump());
    auto it = element.find(merge_key_);
    if (it == element.end()) return NoMergeKey(element, merge_key_);
    return *it;
  }

  Result<std::vector<json>> OfAll(const json& list) const {
    std::vector<json> keys;
    for (const json& element : list) {
      auto key = Of(element);
      if (!key.ok()) return key.error();
      keys.push_back(std::move(key.value()));
    }
    return keys;
  }

 private:
  std::string merge_key_;
};

long IndexIn(const std::vector<json>& order, const json& key) {
  auto it = std::find(order.begin(), order.end(), key);
  return it == order.end() ? -1 : static_cast<long>(it - order.begin());
}

// kube's normalizeElementOrder: patch items in the patch's order, server-only items in the live
// object's order, then the two interleaved by their positions in the live object; an item the
// live object does not know goes before the server-only items still waiting.
Result<json> NormalizeOrder(std::vector<json> patch_items, std::vector<json> server_only,
                            const std::vector<json>& patch_order,
                            const std::vector<json>& server_order, const ListKeys& keys) {
  auto sort_by = [&keys](std::vector<json>& items, const std::vector<json>& order) -> Status {
    std::vector<std::pair<long, json>> ranked;
    for (json& item : items) {
      auto key = keys.Of(item);
      if (!key.ok()) return key.error();
      long index = IndexIn(order, *key);
      ranked.emplace_back(index < 0 ? static_cast<long>(order.size()) : index, std::move(item));
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& l, const auto& r) { return l.first < r.first; });
    items.clear();
    for (auto& entry : ranked) items.push_back(std::move(entry.second));
    return OkStatus();
  };
  if (Status s = sort_by(patch_items, patch_order); !s.ok()) return s.error();
  if (Status s = sort_by(server_only, server_order); !s.ok()) return s.error();

  json merged = json::array();
  size_t i = 0, j = 0;
  while (i < server_only.size() || j < patch_items.size()) {
    bool take_server = j >= patch_items.size();
    if (!take_server && i < server_only.size()) {
      long left = IndexIn(server_order, keys.Of(server_only[i]).value());
      long right = IndexIn(server_order, keys.Of(patch_items[j]).value());
      take_server = left >= 0 && right >= 0 && left < right;
    }
    merged.push_back(std::move(take_server ? server_only[i++] : patch_items[j++]));
  }
  return merged;
}

// Splits `merged` into the items whose key is in `by` and the rest, then orders them.
Result<json> Reorder(json merged, const std::vector<json>& by,
                     const std::vector<json>& server_order, const ListKeys& keys) {
  std::vector<json> in_patch, server_only;
  for (json& item : merged) {
    auto key = keys.Of(item);
    if (!key.ok()) return key.error();
    (IndexIn(by, *key) >= 0 ? in_patch : server_only).push_back(std::move(item));
  }
  return NormalizeOrder(std::move(in_patch), std::move(server_only), by, server_order, keys);
}

class Merger {
 public:
  explicit Merger(const PatchSchema& schema) : schema_(schema) {}

  Result<json> MergeMap(json original, json patch, const std::string& path) {
    if (auto marker = patch.find(kDirectiveMarker); marker != patch.end()) {
      if (*marker == "replace") {
        patch.erase(marker);
        Clean(patch);
        return patch;
      }
      if (*marker == "delete") return json::object();
      return BadPatch("unknown patch type: " + marker->dump() + " in map: " + patch.dump());
    }
    if (!original.is_object()) original = json::object();
    if (Status s = ApplyRetainKeys(original, patch); !s.ok()) return s.error();
    if (Status s = ApplyElementOrders(original, patch, path); !s.ok()) return s.error();

    for (auto& [key, value] : patch.items()) {
      std::string field = key;
      const bool delete_list = HasPrefix(key, kDeleteFromPrimitiveList);
      if (delete_list) {
        field = std::string(FieldOf(key, kDeleteFromPrimitiveList));
        if (!value.is_array()) return BadPatch("invalid patch format of primitive list");
      } else if (key.rfind(kDeleteFromPrimitiveList, 0) == 0) {
        return BadPatch("invalid patch format of primitive list");
      }
      if (value.is_null()) {
        original.erase(field);
        continue;
      }
      auto it = original.find(field);
      const bool same_container = it != original.end() && ((it->is_object() && value.is_object()) ||
                                                           (it->is_array() && value.is_array()));
      if (!same_container) {
        if (delete_list) continue;
        if (Clean(value)) {
          original[field] = std::move(value);
        } else {
          original.erase(field);
        }
        continue;
      }
      const std::string child = Child(path, field);
      Result<json> merged =
          it->is_object() ? MergeMapField(std::move(*it), std::move(value), child)
                          : MergeListField(std::move(*it), std::move(value), child, delete_list);
      if (!merged.ok()) return merged.error();
      *it = std::move(merged.value());
    }
    return original;
  }

 private:
  const FieldPatchMeta* Meta(const std::string& path) const { return schema_.Find(path); }

  bool MergesList(const std::string& path) const {
    const FieldPatchMeta* meta = Meta(path);
    return meta != nullptr && meta->strategy != PatchStrategy::kReplace;
  }

  std::string MergeKey(const std::string& path) const {
    const FieldPatchMeta* meta = Meta(path);
    return meta == nullptr ? std::string() : meta->merge_key;
  }

  Result<json> MergeMapField(json original, json patch, const std::string& path) {
    const FieldPatchMeta* meta = Meta(path);
    if (meta != nullptr && meta->strategy == PatchStrategy::kReplace) {
      Clean(patch);
      return patch;
    }
    return MergeMap(std::move(original), std::move(patch), path);
  }

  Result<json> MergeListField(json original, json patch, const std::string& path,
                              bool delete_list) {
    if (delete_list) return DeleteFromList(original, patch);
    if (!MergesList(path)) {
      Clean(patch);
      return patch;
    }
    return MergeList(std::move(original), std::move(patch), path);
  }

  // kube's mergeSlice for a list with patchStrategy merge.
  Result<json> MergeList(json original, json patch, const std::string& path) {
    if (original.empty() && patch.empty()) return original;
    auto kind = KindOfElements(original, patch);
    if (!kind.ok()) return kind.error();
    const std::string merge_key = MergeKey(path);
    const ListKeys keys(merge_key);

    if (*kind != ElementKind::kObject) {
      // A set of scalars: the union, patch order first for new items (see NormalizeOrder).
      json merged = json::array();
      for (const json* list : {&original, &patch}) {
        for (const json& value : *list) {
          if (!Contains(merged, value)) merged.push_back(value);
        }
      }
      std::vector<json> patch_order(patch.begin(), patch.end());
      std::vector<json> server_order(original.begin(), original.end());
      return Reorder(std::move(merged), patch_order, server_order, ListKeys(""));
    }
    if (merge_key.empty()) {
      return BadPatch("cannot merge lists without merge key for " + path);
    }

    // Elements carrying `$patch` first: deletions by merge key, or replace the whole list.
    json plain = json::array();
    bool replace = false;
    for (json& element : patch) {
      auto marker = element.find(kDirectiveMarker);
      if (marker == element.end()) {
        plain.push_back(std::move(element));
        continue;
      }
      if (*marker == "delete") {
        auto key = element.find(merge_key);
        if (key == element.end()) return NoMergeKey(element, merge_key);
        json kept = json::array();
        for (json& item : original) {
          auto item_key = item.find(merge_key);
          if (item_key == item.end() || *item_key != *key) kept.push_back(std::move(item));
        }
        original = std::move(kept);
      } else if (*marker == "replace") {
        replace = true;
      } else if (*marker == "merge") {
        return BadPatch("merging lists cannot yet be specified in the patch");
      } else {
        return BadPatch("unknown patch type: " + marker->dump() + " in map: " + element.dump());
      }
    }
    if (replace) {
      Clean(plain);
      return plain;
    }

    auto server_order = keys.OfAll(original);
    if (!server_order.ok()) return server_order.error();
    auto patch_order = keys.OfAll(plain);
    if (!patch_order.ok()) return patch_order.error();
    for (size_t p = 0; p < plain.size(); ++p) {
      // Searched in the growing list, so a key repeated in the patch merges into one element.
      long index = -1;
      for (size_t k = 0; k < original.size() && index < 0; ++k) {
        auto item_key = original[k].find(merge_key);
        if (item_key != original[k].end() && *item_key == (*patch_order)[p]) {
          index = static_cast<long>(k);
        }
      }
      if (index < 0) {
        json added = std::move(plain[p]);
        Clean(added);
        original.push_back(std::move(added));
        continue;
      }
      json& target = original[static_cast<size_t>(index)];
      auto merged = MergeMap(std::move(target), std::move(plain[p]), path);
      if (!merged.ok()) return merged.error();
      target = std::move(merged.value());
    }
    return Reorder(std::move(original), *patch_order, *server_order, keys);
  }

  // `$retainKeys`: drop from the original every key the list does not name; every key the patch
  // sets must be named.
  Status ApplyRetainKeys(json& original, json& patch) {
    auto it = patch.find(kRetainKeys);
    if (it == patch.end()) return OkStatus();
    json retain = std::move(*it);
    patch.erase(it);
    if (!retain.is_array()) return BadPatch("invalid patch format of retainKeys");
    for (const auto& [key, value] : patch.items()) {
      if (value.is_null() || HasPrefix(key, kDeleteFromPrimitiveList) ||
          HasPrefix(key, kSetElementOrder)) {
        continue;
      }
      if (!Contains(retain, json(key))) return BadPatch("invalid patch format of retainKeys");
    }
    for (auto entry = original.begin(); entry != original.end();) {
      entry = Contains(retain, json(entry.key())) ? std::next(entry) : original.erase(entry);
    }
    return OkStatus();
  }

  // `$setElementOrder/<field>`: merge the field's list now and put it in the given order
  // (kube's mergePatchIntoOriginal); the field is then removed from the patch.
  Status ApplyElementOrders(json& original, json& patch, const std::string& path) {
    std::vector<std::string> directives;
    for (const auto& item : patch.items()) {
      if (HasPrefix(item.key(), kSetElementOrder)) {
        directives.push_back(item.key());
      } else if (item.key().rfind(kSetElementOrder, 0) == 0) {
        return BadPatch("invalid patch format of setElementOrder list");
      }
    }
    for (const std::string& directive : directives) {
      json order = std::move(patch[directive]);
      patch.erase(directive);
      if (!order.is_array()) return BadPatch("invalid patch format of setElementOrder list");
      const std::string field(FieldOf(directive, kSetElementOrder));
      const std::string child = Child(path, field);

      auto original_it = original.find(field);
      auto patch_it = patch.find(field);
      const bool in_original = original_it != original.end() && !original_it->is_null();
      const bool in_patch = patch_it != patch.end() && !patch_it->is_null();
      if ((in_original && !original_it->is_array()) || (in_patch && !patch_it->is_array())) {
        return BadPatch("invalid patch format of setElementOrder list");
      }
      if (!in_original && !in_patch) continue;
      json original_list = in_original ? *original_it : json::array();
      json patch_list = in_patch ? std::move(*patch_it) : json::array();
      if (in_patch) patch.erase(field);

      const ListKeys keys(MergeKey(child));
      if (Status s = CheckOrderCoversPatch(patch_list, order, keys); !s.ok()) return s;
      json merged = original_list;
      if (in_patch) {
        auto result = MergeListField(std::move(original_list), std::move(patch_list), child,
                                     /*delete_list=*/false);
        if (!result.ok()) return result.error();
        merged = std::move(result.value());
        original_list = in_original ? *original_it : json::array();
      }
      auto order_keys = keys.OfAll(order);
      if (!order_keys.ok()) return order_keys.error();
      auto server_keys = keys.OfAll(original_list);
      if (!server_keys.ok()) return server_keys.error();
      auto ordered = Reorder(std::move(merged), *order_keys, *server_keys, keys);
      if (!ordered.ok()) return ordered.error();
      original[field] = std::move(ordered.value());
    }
    return OkStatus();
  }

  // kube's validatePatchWithSetOrderList: the patch's items (deletions aside) must appear in the
  // order list, in the same relative order.
  static Status CheckOrderCoversPatch(const json& patch_list, const json& order,
                                      const ListKeys& keys) {
    size_t p = 0, o = 0;
    std::vector<const json*> items;
    for (const json& element : patch_list) {
      if (element.is_object() && element.contains(kDirectiveMarker)) continue;
      items.push_back(&element);
    }
    while (p < items.size() && o < order.size()) {
      auto left = keys.Of(*items[p]);
      if (!left.ok()) return left.error();
      auto right = keys.Of(order[o]);
      if (!right.ok()) return right.error();
      if (*left == *right) ++p;
      ++o;
    }
    if (p < items.size()) {
      return BadPatch("The order in patch list:\n" + patch_list.dump() +
                      "\n doesn't match $setElementOrder list:\n" + order.dump() + "\n");
    }
    return OkStatus();
  }

  const PatchSchema& schema_;
};

}  // namespace

Result<json> ApplyStrategicMergePatch(const json& original, const json& patch,
                                      const PatchSchema& schema) {
  if (!patch.is_object()) return BadPatch("invalid JSON document");
  if (!original.is_object()) {
    return MakeError(ErrorCode::kInternal, "strategic merge patch needs an object to patch");
  }
  try {
    return Merger(schema).MergeMap(original, patch, "");
  } catch (const json::exception& e) {
    // Every access above is checked first; this only guards the rule that nothing throws out.
    return MakeError(ErrorCode::kInternal, std::string("strategic merge patch: ") + e.what());
  }
}

}  // namespace waygate::patch
