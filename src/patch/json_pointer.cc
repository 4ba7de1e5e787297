#include "patch/json_pointer.h"

#include <limits>

namespace waygate::patch {

bool JsonPointer::IsProperPrefixOf(const JsonPointer& other) const {
  if (tokens.size() >= other.tokens.size()) return false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] != other.tokens[i]) return false;
  }
  return true;
}

Result<JsonPointer> ParseJsonPointer(std::string_view text) {
  JsonPointer pointer;
  if (text.empty()) return pointer;
  if (text.front() != '/') {
    return MakeError(ErrorCode::kInvalid,
                     "JSON pointer must be empty or start with '/': \"" + std::string(text) + "\"");
  }
  std::string token;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      pointer.tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token.push_back(text[i + 1] == '0' ? '~' : '/');
      ++i;
      continue;
    }
    return MakeError(ErrorCode::kInvalid,
                     "JSON pointer has an invalid escape ('~' must be followed by 0 or 1): \"" +
                         std::string(text) + "\"");
  }
  return pointer;
}

bool ParseArrayIndex(std::string_view token, size_t* index) {
  if (token.empty() || (token.size() > 1 && token.front() == '0')) return false;
  size_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    const size_t digit = static_cast<size_t>(c - '0');
    if (value > (std::numeric_limits<size_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *index = value;
  return true;
}

}  // namespace waygate::patch
