// The OAuth endpoints, reachable without a bearer token (they are how a client gets one):
//
// POST /oauth/token (application/x-www-form-urlencoded), as KubeSphere's ks-apiserver:
//   grant_type=password&username=U&password=P  (RFC 6749 4.3)
//     200 {"access_token": "wg_...", "token_type": "Bearer", "expires_in": 7200}
//     Checks, in order: the login guard (429 + Retry-After before any hashing), the password
//     against the stored User's bcrypt hash (an unknown user costs a bcrypt verify against a
//     dummy hash too, so the time taken does not tell which names exist), then the User's state
//     (a disabled user's right password is refused, and only then is "not active" said).
//   grant_type=urn:ietf:params:oauth:grant-type:token-exchange  (RFC 8693, impersonation as
//     Keycloak spells it): subject_token = a system:masters credential (the admin token),
//     subject_token_type = urn:ietf:params:oauth:token-type:access_token, requested_subject = a
//     User that exists and is Active, optional expires_in (seconds, Waygate's extension) ->
//     a token for that user. `waygate kubeconfig --user` uses it while serve holds the store.
//   Errors are RFC 6749 5.2 JSON {"error", "error_description"}: 400 invalid_request /
//   invalid_grant / unsupported_grant_type (KubeSphere answers a wrong password with 400
//   invalid_grant too), 429 invalid_grant when the guard holds the user or address back, 503
//   temporarily_unavailable when the store fails, 405 for another method.
// POST /oauth/revoke (RFC 7009): token=T -> 200, whether or not T was valid.
//
// Every answer carries Cache-Control: no-store (RFC 6749 5.1). Threads: connection threads,
// concurrently (TokenStore and LoginGuard lock themselves).
#pragma once

#include <chrono>
#include <string>

#include "api/authn.h"
#include "api/http_server.h"
#include "iam/login_guard.h"
#include "iam/tokens.h"
#include "store/store.h"

namespace waygate::api {

inline constexpr std::string_view kTokenExchangeGrant =
    "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view kAccessTokenType =
    "urn:ietf:params:oauth:token-type:access_token";

struct OAuthOptions {
  std::chrono::seconds access_token_ttl{0};  // zero: TokenStore's default (2 hours)
  iam::LoginGuard::Options guard;
};

class OAuthServer {
 public:
  OAuthServer(store::Store* store, iam::TokenStore* tokens, Authenticator* authn,
              OAuthOptions options);

  // True for the paths this server answers (/oauth and below).
  static bool Owns(std::string_view path);
  void Handle(const HttpRequest& request, ResponseWriter& writer);

  iam::LoginGuard& guard() { return guard_; }  // tests: an injected clock

 private:
  store::Store* store_;
  iam::TokenStore* tokens_;
  Authenticator* authn_;
  OAuthOptions options_;
  iam::LoginGuard guard_;
};

}  // namespace waygate::api
