// Admission: what the server does to an object between decoding and storing it: server-set
// metadata (uid, creationTimestamp, generation, kubesphere.io/creator), defaults, the status /
// spec split of the status subresource, and validation with Kubernetes' field paths and words.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/resources.h"
#include "base/result.h"
#include "iam/tokens.h"

namespace waygate::api {

struct WriteContext {
  std::string user;  // the authenticated user ("admin")
  std::string now;   // RFC 3339, seconds: "2026-11-27T15:04:05Z"
};

// The KubeSphere annotations the server owns or bounds.
inline constexpr const char* kCreatorAnnotation = "kubesphere.io/creator";
inline constexpr const char* kAliasAnnotation = "kubesphere.io/alias-name";
inline constexpr const char* kDescriptionAnnotation = "kubesphere.io/description";

std::string NowRfc3339();
// metadata.generateName + 5 random characters from kube's alphabet.
std::string GenerateName(std::string_view base);

// A new object: server fields set, client-supplied ones that only the server may set dropped,
// status cleared where kube clears it, defaults applied.
void PrepareForCreate(const ResourceInfo& info, nlohmann::json& object, const WriteContext& ctx);

// An update of `old` to `object`. On the main resource, status comes from `old` (when the kind
// has a status subresource); on /status, everything but status comes from `old`. uid,
// creationTimestamp, creator and deletion fields always come from `old`; generation grows when
// anything outside metadata and status changed.
void PrepareForUpdate(const ResourceInfo& info, const nlohmann::json& old, nlohmann::json& object,
                      bool status_subresource, const WriteContext& ctx);

// Every validation error of the object (and, for updates, of the transition from `old`).
// RBAC kinds: rbac::RoleFromJson / BindingFromJson's error (kube's field paths), and a
// binding's roleRef never changes.
std::vector<Error> Validate(const ResourceInfo& info, const nlohmann::json& object,
                            const nlohmann::json* old);

// The admission that rewrites an object on every write path (create, update, patch,
// server-side apply): a User's clear spec.password becomes a bcrypt hash (iam::AdmitUser; `old`
// is the stored object, whose hash is kept when the password is absent or unchanged). On
// updates it runs before PrepareForUpdate, so an unchanged password re-sent by `kubectl apply`
// leaves the object equal to the stored one (no generation bump, no write). Errors name fields
// (422); no other kind is touched.
std::vector<Error> AdmitBeforeStore(const ResourceInfo& info, nlohmann::json& object,
                                    const nlohmann::json* old);

// What a client may see of a stored object: a User loses spec.password and the password copy
// in kubectl's last-applied annotation (iam::RedactUser). Every object the API answers with
// (get, list, watch events, write responses, Table rows) goes through it.
void RedactForClient(const ResourceInfo& info, nlohmann::json& object);
// Whether RedactForClient ever changes objects of `info` (callers skip copies otherwise).
bool HasRedactedFields(const ResourceInfo& info);

// After a write of `old` to `now` (null: deleted) landed in the store: a User whose password
// hash changed, or who is gone, keeps no API token (a token issued for the old password, or
// for an earlier user of the name, must not outlive it). A failed revocation is logged; the
// write stands.
void AfterWrite(iam::TokenStore& tokens, const ResourceInfo& info, const nlohmann::json& old,
                const nlohmann::json& now);

}  // namespace waygate::api
