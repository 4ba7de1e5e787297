#include "selector/label_lexer.h"

namespace waygate::selector {
namespace {

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecialSymbol(char c) {
  switch (c) {
    case '=':
    case '!':
    case '(':
    case ')':
    case ',':
    case '>':
    case '<':
      return true;
    default:
      return false;
  }
}

// Go's string2token: the literal tokens (IdentifierToken when absent).
Token LiteralToken(std::string_view s) {
  if (s == ")") return Token::kClosedPar;
  if (s == ",") return Token::kComma;
  if (s == "!") return Token::kDoesNotExist;
  if (s == "==") return Token::kDoubleEquals;
  if (s == "=") return Token::kEquals;
  if (s == ">") return Token::kGreaterThan;
  if (s == "in") return Token::kIn;
  if (s == "<") return Token::kLessThan;
  if (s == "!=") return Token::kNotEquals;
  if (s == "notin") return Token::kNotIn;
  if (s == "(") return Token::kOpenPar;
  return Token::kIdentifier;
}

}  // namespace

// Go's Lexer.read: 0 at the end without advancing, so the end reads as a NUL byte (and a NUL
// byte in the input is consumed like an end).
char Lexer::Read() {
  if (pos_ < s_.size()) return s_[pos_++];
  return 0;
}

ScannedItem Lexer::ScanIdOrKeyword() {
  std::string buffer;
  while (true) {
    char c = Read();
    if (c == 0) break;
    if (IsSpecialSymbol(c) || IsWhitespace(c)) {
      Unread();
      break;
    }
    buffer += c;
  }
  Token tok = LiteralToken(buffer);
  return {tok, std::move(buffer)};
}

// Longest run of special symbols that is still a token ("!=" over "!", "==" over "=").
ScannedItem Lexer::ScanSpecialSymbol() {
  ScannedItem last;
  bool have_last = false;
  std::string buffer;
  while (true) {
    char c = Read();
    if (c == 0) break;
    if (!IsSpecialSymbol(c)) {
      Unread();
      break;
    }
    buffer += c;
    Token tok = LiteralToken(buffer);
    if (tok != Token::kIdentifier) {
      last = {tok, buffer};
      have_last = true;
    } else if (have_last) {
      Unread();
      break;
    }
  }
  if (!have_last) return {Token::kError, "error expected: keyword found '" + buffer + "'"};
  return last;
}

ScannedItem Lexer::Lex() {
  char c = Read();
  while (IsWhitespace(c)) c = Read();
  if (c == 0) return {Token::kEndOfString, ""};
  Unread();
  if (IsSpecialSymbol(c)) return ScanSpecialSymbol();
  return ScanIdOrKeyword();
}

}  // namespace waygate::selector
