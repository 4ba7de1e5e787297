// iam.kubesphere.io/v1alpha2 User objects (cluster-scoped), as KubeSphere defines them:
// spec.email, spec.password (accepted on write, stored as a bcrypt hash, never returned),
// spec.displayName, spec.lang, spec.description, status.state (Active / Disabled),
// status.lastLoginTime. Annotation `iam.kubesphere.io/password-encrypted: "true"` marks a
// stored hash, as KubeSphere does.
//
// Pure JSON transforms used by the API server's admission and response paths.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace waygate::iam {

inline constexpr std::string_view kUserGroup = "iam.kubesphere.io";
inline constexpr std::string_view kUserVersion = "v1alpha2";
inline constexpr std::string_view kPasswordEncrypted = "iam.kubesphere.io/password-encrypted";
inline constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// Admission of a User create or update (`old`: the stored object, or nullptr). Hashes a clear
// spec.password (keeps a stored hash when the password is absent or unchanged), sets the
// encrypted annotation, removes the password from the last-applied-configuration annotation
// (kubectl client-side apply copies the whole object there), defaults status.state to Active.
// Validation errors name fields: "spec.email" (must look like an address), "spec.password"
// (at least 8 characters, not longer than 72 bytes), "metadata.name" (DNS-1123 subdomain).
// Returns the list of errors (empty: admitted). `password_changed` is set when a new password
// was hashed (the caller revokes the user's tokens).
std::vector<Error> AdmitUser(nlohmann::json& object, const nlohmann::json* old,
                             bool* password_changed);

// What any reader sees: spec.password removed (and the last-applied annotation's copy, should
// an old object still hold one). Applied to every User in get/list/watch/apply responses.
void RedactUser(nlohmann::json& object);

// The stored hash, empty when none (a user that cannot log in with a password).
std::string StoredPasswordHash(const nlohmann::json& object);
bool IsActive(const nlohmann::json& object);

// A new User object for `name` with a password hash (the bootstrap admin).
nlohmann::json NewUser(std::string_view name, std::string_view email,
                       std::string_view password_hash);

}  // namespace waygate::iam
