// Server-side apply (PATCH with application/apply-patch+yaml), as kube-apiserver's FieldManager
// does it: merge the applied configuration into the live object, make the manager the owner of
// exactly the fields of its configuration, drop the fields it applied before and no longer does
// (unless someone else owns them), and refuse to change fields other managers own (409) unless
// forced.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "apistatus/api_status.h"
#include "apply/managed_fields.h"

namespace waygate::apply {

struct ApplyResult {
  nlohmann::json object;  // to validate and store, with metadata.managedFields
  bool created = false;   // live was nullptr: the apply creates the object
};

// `applied` is the decoded body; the caller has checked its apiVersion, kind, name and
// namespace against the request. `live` is the stored object, nullptr when there is none. Server
// fields of `live` are kept (the caller sets them on a create). The result still has to go
// through the registry strategy (defaults, status reset on the main resource, validation); if
// it equals `live` the write is a no-op (timestamps are kept in that case).
// Errors: 409 Conflict with FieldManagerConflict causes; 400 when the configuration carries
// metadata.managedFields; 500 when a list item lacks its key fields or keys repeat.
// For manager "kubectl" it also does what kube does for client-side-apply upgrades: conflicts
// on fields whose live value still equals kubectl.kubernetes.io/last-applied-configuration are
// taken over, and an existing last-applied annotation is rewritten to the applied configuration.
std::variant<ApplyResult, apistatus::ApiStatus> ServerSideApply(std::string_view group,
                                                                std::string_view kind,
                                                                const nlohmann::json* live,
                                                                const nlohmann::json& applied,
                                                                const Manager& manager, bool force);

}  // namespace waygate::apply
