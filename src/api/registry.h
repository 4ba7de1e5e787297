// Objects as JSON in the Store: keys, resourceVersions, filtered and paged lists. No HTTP and
// no admission here: callers hand in objects that are ready to store.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/resources.h"
#include "base/result.h"
#include "selector/field_selector.h"
#include "selector/label_selector.h"
#include "store/store.h"

namespace waygate::api {

struct ListOptions {
  selector::LabelSelector labels = selector::LabelSelector::Everything();
  std::optional<selector::FieldSelector> fields;
  int64_t limit = 0;           // 0: everything
  std::string continue_token;  // from a previous page
};

struct ListResult {
  std::vector<nlohmann::json> items;
  int64_t revision = 0;
  std::string continue_token;                  // empty on the last page
  std::optional<int64_t> remaining_item_count;  // set when paging and selectors are empty
};

// Does the object pass the list's selectors?
bool MatchesSelectors(const ListOptions& options, const nlohmann::json& object);

// The fields a kind can be selected on (metadata.name, metadata.namespace, plus kind-specific
// ones such as Secret's type).
const std::set<std::string>& SelectableFields(const ResourceInfo& info);

class Registry {
 public:
  explicit Registry(store::Store* store) : store_(store) {}
  store::Store* store() const { return store_; }
  // Called after each write that landed (create, update, delete), on the writing thread,
  // before the write is answered: the API rebuilds what it derives from some kinds (RBAC).
  void SetAfterWrite(std::function<void(const ResourceInfo&)> hook) {
    after_write_ = std::move(hook);
  }

  // The object with metadata.resourceVersion set from the store's mod revision. kNotFound.
  Result<nlohmann::json> Get(const ResourceInfo& info, std::string_view namespace_,
                             std::string_view name);
  // `namespace_` empty: every namespace. kInvalid for a bad continue token, kGone when the
  // token's revision was compacted.
  Result<ListResult> List(const ResourceInfo& info, std::string_view namespace_,
                          const ListOptions& options);
  // kConflict when the name is taken.
  Result<nlohmann::json> Create(const ResourceInfo& info, nlohmann::json object);
  // Compare-and-swap on the revision the caller read (kConflict if it moved on).
  Result<nlohmann::json> Update(const ResourceInfo& info, nlohmann::json object,
                                int64_t expected_revision);
  // Returns the object as it was when deleted.
  Result<nlohmann::json> Delete(const ResourceInfo& info, std::string_view namespace_,
                                std::string_view name, int64_t expected_revision);

  // Storage form <-> API form.
  static nlohmann::json FromStored(const store::KeyValue& kv, int64_t revision_override = 0);
  static std::string ToStored(nlohmann::json object);

 private:
  store::Store* store_;
  std::function<void(const ResourceInfo&)> after_write_;
};

// resourceVersion text <-> revision; nullopt for anything but a positive decimal.
std::optional<int64_t> ParseResourceVersion(std::string_view text);

}  // namespace waygate::api
