// Host claims between projects (tenancy): a host that an Ingress in one project (namespace)
// already routes may not be taken by an Ingress in another project, or one tenant could steal
// another's traffic. The refusal names the owner project only, never the owner's objects: a
// tenant learns that the host is taken and by whom, not what the other project contains.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "base/result.h"

namespace waygate::api {

// `ingress` is the Ingress being created or updated (metadata.namespace set); `stored_ingresses`
// are the stored Ingresses of every namespace (its own stored version may be among them: same
// namespace never conflicts). One kInvalid error per rule whose non-empty host another
// namespace's Ingress also routes, field `spec.rules[i].host`, message
// `Invalid value: "<host>": host is already claimed by project "<ns>"` (with several owners,
// the least namespace name, so the answer does not depend on store order). Hosts compare
// ASCII case-insensitively and otherwise exactly: `*.a.com` only equals `*.a.com`, it does not
// claim `b.a.com`. For apistatus::Invalid(group, kind, name, errors) -> 422.
std::vector<Error> CheckHostClaims(const nlohmann::json& ingress,
                                   std::span<const nlohmann::json> stored_ingresses);

}  // namespace waygate::api
