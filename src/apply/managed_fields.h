// metadata.managedFields as kube-apiserver maintains it on every write that is not an apply
// (k8s.io/apiserver .../managedfields: FieldManager.Update and the managers it chains).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace waygate::apply {

// Who writes, and when. Entries are identified by name + operation (+ api_version for Update)
// + subresource.
struct Manager {
  std::string name;         // the field manager; empty is recorded as "unknown"
  std::string api_version;  // the request's group/version: "networking.k8s.io/v1", "v1"
  std::string time;         // now, RFC 3339 in UTC: "2026-11-27T15:04:05Z"
  std::string subresource;  // "" for the main resource, "status" for /status
};

// The manager of a request: ?fieldManager= when given, else the User-Agent up to its first "/"
// ("kubectl-client-side-apply/v1.32.0 (linux/amd64) ..." -> "kubectl-client-side-apply"),
// without unprintable characters, cut at 128 bytes.
std::string ManagerFromRequest(std::string_view field_manager, std::string_view user_agent);

// A create (live == nullptr), update or non-apply patch: recomputes updated's managedFields.
// Fields set, changed or removed relative to `live` go to `manager` (operation Update) and are
// taken from the other managers. managedFields sent in `updated` are honoured as kube does: a
// non-empty valid list replaces the live one (except on a subresource), [] or [{}] resets
// (and an update of an object without managedFields stays untracked), anything else keeps the
// live list. If nothing but timestamps would change, the live timestamps are kept (so the
// caller can see a no-op). `updated` must already be defaulted, as kube decodes with defaults.
// Server-set fields (uid, resourceVersion, ...) are never owned; this function does not set them.
void TrackUpdate(std::string_view group, std::string_view kind, const nlohmann::json* live,
                 nlohmann::json& updated, const Manager& manager);

}  // namespace waygate::apply
