// The label-selector lexer of k8s.io/apimachinery/pkg/labels, token for token: the API must
// accept and reject exactly the strings kube-apiserver does, so the quirks are kept (a NUL byte
// ends an identifier, "in"/"notin" are keywords only where an operator may stand).
#pragma once

#include <string>
#include <string_view>

namespace waygate::selector {

enum class Token {
  kError,
  kEndOfString,
  kClosedPar,
  kComma,
  kDoesNotExist,  // "!"
  kDoubleEquals,
  kEquals,
  kGreaterThan,
  kIdentifier,
  kIn,
  kLessThan,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

struct ScannedItem {
  Token tok = Token::kError;
  std::string literal;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  // The next token; kEndOfString (literal "") at the end, and again on every later call.
  ScannedItem Lex();

 private:
  char Read();
  void Unread() { --pos_; }
  ScannedItem ScanIdOrKeyword();
  ScannedItem ScanSpecialSymbol();

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace waygate::selector
