// JSON Pointer (RFC 6901): parse "/a/b~1c/0" into unescaped reference tokens.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::patch {

struct JsonPointer {
  std::vector<std::string> tokens;  // unescaped; empty = the whole document

  bool IsRoot() const { return tokens.empty(); }
  // True if `this` names a proper ancestor of `other` (RFC 6902 4.4: no move into a child).
  bool IsProperPrefixOf(const JsonPointer& other) const;
};

// "" is the whole document; anything else must start with '/'. "~0" -> "~", "~1" -> "/", any
// other '~' sequence is an error (RFC 6901 section 3).
Result<JsonPointer> ParseJsonPointer(std::string_view text);

// An RFC 6901 array index: "0" or a digit string without a leading zero. "-" is not an index
// (callers handle it). Returns false for anything else, including negative numbers.
bool ParseArrayIndex(std::string_view token, size_t* index);

}  // namespace waygate::patch
