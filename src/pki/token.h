// Bearer tokens: generation, and the comparison the API's authenticator must use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::pki {

// 32 bytes from RAND_bytes, base64url without padding (43 characters).
Result<std::string> GenerateToken();

// Compares SHA-256 digests with CRYPTO_memcmp, so the time taken reveals neither the position of
// the first differing byte nor the expected token's length.
bool TokensEqual(std::string_view presented, std::string_view expected);

// The credentials of an `Authorization: Bearer <token>` header value (scheme case-insensitive,
// as RFC 9110 section 11.1 says); nullopt for another scheme or an empty token.
std::optional<std::string_view> ParseBearer(std::string_view authorization);

}  // namespace waygate::pki
