// Htpasswd: the users and password hashes of an auth-secret (auth-type: basic), and the check
// of a request's "Authorization: Basic ..." against them.
//
// Hash formats, as nginx's auth_basic_user_file accepts them: bcrypt ($2y$/$2b$/$2a$), Apache
// apr1 MD5 ($apr1$), {SHA} (base64 SHA-1), and crypt(3)'s SHA-256/SHA-512 ($5$/$6$). Plain-text
// passwords are refused at load (a Secret with them is unusable: the route fails closed).
//
// Built on the sync thread; Verify runs on workers concurrently (thread-safe). bcrypt costs
// tens of milliseconds per check, so successful checks are remembered (keyed by a SHA-256 of
// the header value, bounded, per credentials object): a client repeating its credentials does
// not stall the worker each time.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::auth {

class Htpasswd {
 public:
  // auth-secret-type auth-file: the Secret's key "auth", lines "user:hash" ('#' comments and
  // blank lines skipped). kInvalid naming the line on a malformed entry or unknown hash.
  static Result<std::shared_ptr<const Htpasswd>> FromAuthFile(std::string_view content);
  // auth-secret-type auth-map: every key of the Secret is a user, its value the hash.
  static Result<std::shared_ptr<const Htpasswd>> FromAuthMap(
      const std::map<std::string, std::string>& data);

  ~Htpasswd();
  // `authorization`: the header's value. True when it is "Basic <base64 user:password>" for a
  // listed user whose hash the password matches.
  bool Verify(std::string_view authorization) const;
  size_t user_count() const;

 private:
  Htpasswd();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waygate::auth
