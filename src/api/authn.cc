#include "api/authn.h"

#include <utility>

#include "iam/users.h"
#include "pki/token.h"

namespace waygate::api {
namespace {

using Outcome = Authentication::Outcome;

Authentication Rejected() { return Authentication{Outcome::kRejected, {}}; }

// RFC 9110 field values may hold HTAB but no other control character; the HTTP parser should
// have refused them already, this keeps the authenticator safe on its own.
bool HasControlCharacters(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string UserKey(std::string_view name) {
  std::string key = "/registry/";
  key += iam::kUserGroup;
  key += "/users/";
  key += name;
  return key;
}

Result<nlohmann::json> ReadUser(store::Store* store, std::string_view name) {
  auto got = store->Get(UserKey(name));
  if (!got.ok()) return got.error();
  if (got->kvs.empty()) return MakeError(ErrorCode::kNotFound, "no such user");
  nlohmann::json user = nlohmann::json::parse(got->kvs.front().value, nullptr, false);
  if (!user.is_object()) return MakeError(ErrorCode::kNotFound, "unreadable user object");
  return user;
}

Authenticator::Authenticator(store::Store* store, iam::TokenStore* tokens, std::string admin_token)
    : store_(store), tokens_(tokens), admin_token_(std::move(admin_token)) {}

Authentication Authenticator::Authenticate(std::optional<std::string_view> authorization) {
  if (!authorization) return Authentication{Outcome::kAnonymous, {}};
  if (authorization->empty() || authorization->size() > kMaxAuthorizationBytes ||
      HasControlCharacters(*authorization)) {
    return Rejected();
  }
  auto token = pki::ParseBearer(*authorization);
  if (!token) return Rejected();
  return AuthenticateToken(*token);
}

Authentication Authenticator::AuthenticateToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxAuthorizationBytes) return Rejected();
  if (!admin_token_.empty() && pki::TokensEqual(token, admin_token_)) {
    return Authentication{
        Outcome::kAuthenticated,
        rbac::UserInfo{"admin", {std::string(kGroupMasters), std::string(kGroupAuthenticated)}}};
  }
  if (tokens_ == nullptr || !token.starts_with("wg_")) return Rejected();
  auto name = tokens_->Lookup(token);
  if (!name.ok()) {
    return name.error().code == ErrorCode::kNotFound ? Rejected()
                                                     : Authentication{Outcome::kUnavailable, {}};
  }
  // A token outlives neither its user nor the user's Active state: deleting or disabling a User
  // shuts its tokens out at once, even before they are revoked.
  auto user = ReadUser(store_, *name);
  if (!user.ok()) {
    return user.error().code == ErrorCode::kNotFound ? Rejected()
                                                     : Authentication{Outcome::kUnavailable, {}};
  }
  if (!iam::IsActive(*user)) return Rejected();
  return Authentication{Outcome::kAuthenticated,
                        rbac::UserInfo{*name, {std::string(kGroupAuthenticated)}}};
}

}  // namespace waygate::api
