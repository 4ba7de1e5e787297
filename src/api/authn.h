// Who is calling: the API's authentication step, run before routing on every request except
// /oauth/* (which is how a client gets credentials in the first place).
//
//   Authorization: Bearer <the admin token>  -> admin, groups system:masters + system:authenticated
//   Authorization: Bearer wg_...             -> the token's user (iam::TokenStore), whose User
//                                               object must exist and be Active; groups
//                                               system:authenticated
//   no Authorization header                  -> anonymous (only public paths are served)
//   anything else                            -> rejected (401 Status "Unauthorized")
//
// A malformed header (another scheme, empty, over 4 KiB, control characters, two headers) is
// rejected like an unknown token: the answer never says which check failed.
//
// Threads: Authenticate runs on connection threads concurrently; the TokenStore locks itself and
// the store serialises its own access.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "iam/tokens.h"
#include "rbac/rbac.h"
#include "store/store.h"

namespace waygate::api {

inline constexpr size_t kMaxAuthorizationBytes = 4096;
inline constexpr std::string_view kGroupMasters = "system:masters";
inline constexpr std::string_view kGroupAuthenticated = "system:authenticated";

// The storage key of the User `name` (registry.cc's layout for iam.kubesphere.io/v1alpha2
// users, cluster-scoped): /registry/iam.kubesphere.io/users/<name>.
std::string UserKey(std::string_view name);

// The stored User `name`: kNotFound when there is none (or it is not a JSON object); store
// failures pass through.
Result<nlohmann::json> ReadUser(store::Store* store, std::string_view name);

struct Authentication {
  enum class Outcome {
    kAnonymous,      // no credentials at all
    kAuthenticated,  // `user` is set
    kRejected,       // credentials presented and refused: 401
    kUnavailable,    // the store failed while checking them: 503
  };
  Outcome outcome = Outcome::kAnonymous;
  rbac::UserInfo user;
};

class Authenticator {
 public:
  // `admin_token` empty: no static admin credential.
  Authenticator(store::Store* store, iam::TokenStore* tokens, std::string admin_token);

  // `authorization`: the Authorization header's value, nullopt when the request has none.
  Authentication Authenticate(std::optional<std::string_view> authorization);
  // A bare bearer value (the subject_token of a token exchange).
  Authentication AuthenticateToken(std::string_view token);

 private:
  store::Store* store_;
  iam::TokenStore* tokens_;
  std::string admin_token_;
};

}  // namespace waygate::api
