// Password hashes of API users (iam User objects): bcrypt through libxcrypt's crypt_gensalt_rn /
// crypt_rn, the scheme KubeSphere uses for its users. Never stores, logs or returns the clear
// text; hashing costs ~50 ms at the default cost, on purpose.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::auth {

inline constexpr int kDefaultBcryptCost = 10;

// "$2b$<cost>$<22 salt><31 hash>" from 16 bytes of OpenSSL RAND_bytes salt. kInvalid for an
// empty password, one longer than 72 bytes (bcrypt would silently truncate it) or one with a
// NUL byte; kInternal when libcrypt fails.
Result<std::string> HashPassword(std::string_view password, int cost = kDefaultBcryptCost);

// True when `password` matches `hash` ($2a$/$2b$/$2y$ bcrypt); false for any other scheme or a
// malformed hash. Constant-time comparison of the computed hash.
bool VerifyPassword(std::string_view password, std::string_view hash);

// True when `text` already is a bcrypt hash (a User written back with its stored hash keeps it
// instead of hashing the hash).
bool IsBcryptHash(std::string_view text);

}  // namespace waygate::auth
