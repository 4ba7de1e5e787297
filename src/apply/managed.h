// Internal: decoded managedFields entries and the steps TrackUpdate and ServerSideApply share.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "apply/fieldpath.h"
#include "apply/managed_fields.h"
#include "apply/schema.h"
#include "base/result.h"

namespace waygate::apply::internal {

struct Entry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string subresource;
  std::string time;  // empty when the entry has none
  FieldSet set;
  // The fieldsV1 the entry was decoded from, written back unchanged while the set is the same.
  std::optional<nlohmann::json> fields_v1;
  std::optional<FieldSet> decoded_set;
};

// Keyed by BuildManagerIdentifier: the JSON of {manager, operation, apiVersion (not for Apply),
// subresource}, which is also the order conflicts are reported in.
using Managed = std::map<std::string, Entry>;

std::string Identifier(const Entry& entry);
Entry MakeEntry(const Manager& manager, std::string operation);

// metadata.managedFields of `object` (absent: empty). Errors as DecodeManagedFields words them.
Result<Managed> Decode(const nlohmann::json& object);
// Writes managedFields sorted as kube does (operation, time, manager, apiVersion, subresource),
// or removes the key when there is no entry.
void Encode(const Managed& managed, nlohmann::json& object);
void RemoveManagedFields(nlohmann::json& object);

// The Go zero value of the kind laid under `object` (missing objects added), so that comparing
// our JSON sees what kube compares: typed objects whose structs always exist.
nlohmann::json WithSkeleton(const nlohmann::json& object, const nlohmann::json& skeleton);
// Undoes WithSkeleton on a result and drops the nulls merging and pruning leave behind, keeping
// whatever `original` had at the same place.
void Tidy(nlohmann::json& object, const nlohmann::json& skeleton, const nlohmann::json* original);

// What a request may not own: apiVersion, kind, metadata's server fields (stripMetaManager).
const FieldSet& StripSet();

// The Update step shared by writes and by an apply to an object without managedFields: the
// fields that differ between `live` (nullptr: create) and `updated` move to `who`.
Status Update(const Type& type, const FieldSet& reset, const nlohmann::json& skeleton,
              const nlohmann::json* live, const nlohmann::json& updated, Managed& managed,
              const Entry& who);

// capManagersManager: at most 10 Update entries; the oldest are merged per apiVersion into
// "ancient-changes".
void CapManagers(Managed& managed);

// IgnoreManagedFieldsTimestampsTransformer: when only managedFields timestamps differ from
// `live`, put the live timestamps back.
void KeepTimestampsOnNoop(const nlohmann::json& live, nlohmann::json& updated);

// Seconds since the epoch of an RFC 3339 time; nullopt if it is not one.
std::optional<int64_t> UnixSeconds(const std::string& time);

}  // namespace waygate::apply::internal
