// A bearer token for a User, for `waygate kubeconfig --user NAME`.
//
// The embedded store has exactly one writer (serve holds an exclusive flock on DIR/store.db.lock;
// its revision counter and watches live in that process, so SQLite's WAL sharing would not be
// enough), so:
//   - no serve running: the store is opened here and the token issued through iam::TokenStore;
//   - serve running (the store is locked): the running API issues it, through POST /oauth/token
//     with the token-exchange grant and the data dir's admin token as the subject (whoever can
//     read DIR holds that token already, so this grants nothing new).
// Either way the User must exist and be Active.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"

namespace waygate::cmd {

struct UserTokenRequest {
  std::string data_dir;
  std::string user;
  std::chrono::seconds ttl{0};
  // For the running-serve path.
  std::string server_url;
  std::string ca_pem;
  std::string admin_token;
};

Result<std::string> IssueUserToken(const UserTokenRequest& request);

}  // namespace waygate::cmd
