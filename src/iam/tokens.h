// API bearer tokens of users, kept in the Store so that every API server sharing it accepts
// them, a restart keeps them, and `kill -9` loses none that was handed out (Issue is
// acknowledged only after the store write).
//
// A token is 32 random bytes, base64url, prefixed "wg_" (so it is recognisable in leaks). The
// store keeps only its SHA-256: key `/registry/iam.waygate.io/tokens/<hex sha256>`, value JSON
// {"user": ..., "issued": RFC 3339, "expires": RFC 3339, "description": ...}. Expired tokens
// are refused and removed by Sweep.
//
// Thread-safe: Lookup runs on API connection threads concurrently. Lookups are cached for a few
// seconds in memory (bounded) so that each request does not read the store; Revoke through this
// object drops the cached entry at once; a revocation on another API server is seen within the
// cache lifetime (kCacheTtl).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "store/store.h"

namespace waygate::iam {

inline constexpr std::string_view kTokenPrefix = "/registry/iam.waygate.io/tokens/";
inline constexpr std::chrono::seconds kCacheTtl{5};

struct IssuedToken {
  std::string token;  // the bearer value, shown once
  std::string user;
  std::chrono::system_clock::time_point expires;
};

class TokenStore {
 public:
  using Clock = std::chrono::system_clock;
  explicit TokenStore(store::Store* store);

  // `ttl` zero: the default lifetime (2 hours, KubeSphere's access token default).
  Result<IssuedToken> Issue(std::string_view user, std::chrono::seconds ttl,
                            std::string_view description);
  // The user a presented token belongs to; kNotFound when the token is expired, revoked,
  // unknown or malformed (base/result.h has no kUnauthorized; the API answers 401 for it).
  Result<std::string> Lookup(std::string_view token);
  // Removes one token (idempotent).
  Status Revoke(std::string_view token);
  // Removes every token of `user` (password change, user deleted).
  Status RevokeUser(std::string_view user);
  // Deletes expired tokens; returns how many.
  Result<size_t> Sweep();

  // For tests: a fixed clock.
  void SetClockForTesting(std::function<Clock::time_point()> now);

 private:
  struct Cached {
    std::string user;
    Clock::time_point expires;
    std::chrono::steady_clock::time_point cached_at;
  };
  store::Store* store_;
  std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // by hex sha256
  // Bumped by every revocation: a Lookup whose store read raced one does not cache its answer.
  uint64_t revocations_ = 0;
};

}  // namespace waygate::iam
