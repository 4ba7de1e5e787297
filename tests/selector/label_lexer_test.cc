// The token tables of apimachinery's TestLexer / TestLexerSequence / TestParserLookahead.
#include "selector/label_lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waygate::selector {
namespace {

struct SingleCase {
  std::string input;
  Token token;
};

class LexerSingleTest : public ::testing::TestWithParam<SingleCase> {};

TEST_P(LexerSingleTest, FirstTokenAndLiteral) {
  const SingleCase& c = GetParam();
  Lexer lexer(c.input);
  ScannedItem item = lexer.Lex();
  EXPECT_EQ(item.tok, c.token) << "input '" << c.input << "'";
  EXPECT_EQ(item.literal, c.input);
}

INSTANTIATE_TEST_SUITE_P(
    Apimachinery, LexerSingleTest,
    ::testing::Values(SingleCase{"", Token::kEndOfString}, SingleCase{",", Token::kComma},
                      SingleCase{"notin", Token::kNotIn}, SingleCase{"in", Token::kIn},
                      SingleCase{"=", Token::kEquals}, SingleCase{"==", Token::kDoubleEquals},
                      SingleCase{">", Token::kGreaterThan}, SingleCase{"<", Token::kLessThan},
                      SingleCase{"!", Token::kDoesNotExist}, SingleCase{"!=", Token::kNotEquals},
                      SingleCase{"(", Token::kOpenPar}, SingleCase{")", Token::kClosedPar},
                      SingleCase{"~", Token::kIdentifier}, SingleCase{"||", Token::kIdentifier},
                      SingleCase{"IN", Token::kIdentifier},
                      SingleCase{"a.b/c-d_e", Token::kIdentifier}));

struct SequenceCase {
  std::string input;
  std::vector<Token> tokens;  // ending with kEndOfString
};

class LexerSequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(LexerSequenceTest, Tokens) {
  const SequenceCase& c = GetParam();
  Lexer lexer(c.input);
  std::vector<Token> got;
  while (true) {
    got.push_back(lexer.Lex().tok);
    if (got.back() == Token::kEndOfString || got.size() > 64) break;
  }
  EXPECT_EQ(got, c.tokens) << "input '" << c.input << "'";
}

using T = Token;
INSTANTIATE_TEST_SUITE_P(
    Apimachinery, LexerSequenceTest,
    ::testing::Values(
        SequenceCase{
            "key in ( value )",
            {T::kIdentifier, T::kIn, T::kOpenPar, T::kIdentifier, T::kClosedPar, T::kEndOfString}},
        SequenceCase{"key notin ( value )",
                     {T::kIdentifier, T::kNotIn, T::kOpenPar, T::kIdentifier, T::kClosedPar,
                      T::kEndOfString}},
        SequenceCase{"key in ( value1, value2 )",
                     {T::kIdentifier, T::kIn, T::kOpenPar, T::kIdentifier, T::kComma,
                      T::kIdentifier, T::kClosedPar, T::kEndOfString}},
        SequenceCase{"key", {T::kIdentifier, T::kEndOfString}},
        SequenceCase{"!key", {T::kDoesNotExist, T::kIdentifier, T::kEndOfString}},
        SequenceCase{"()", {T::kOpenPar, T::kClosedPar, T::kEndOfString}},
        SequenceCase{"", {T::kEndOfString}},
        SequenceCase{"x in (),y",
                     {T::kIdentifier, T::kIn, T::kOpenPar, T::kClosedPar, T::kComma, T::kIdentifier,
                      T::kEndOfString}},
        SequenceCase{"== != (), = notin",
                     {T::kDoubleEquals, T::kNotEquals, T::kOpenPar, T::kClosedPar, T::kComma,
                      T::kEquals, T::kNotIn, T::kEndOfString}},
        SequenceCase{"key>2", {T::kIdentifier, T::kGreaterThan, T::kIdentifier, T::kEndOfString}},
        SequenceCase{"key<1", {T::kIdentifier, T::kLessThan, T::kIdentifier, T::kEndOfString}},
        // Longest symbol run that is still a token: "!!" is "!" then "!", "===" is "==" "=".
        SequenceCase{
            "e!!ss",
            {T::kIdentifier, T::kDoesNotExist, T::kDoesNotExist, T::kIdentifier, T::kEndOfString}},
        SequenceCase{
            "a===b",
            {T::kIdentifier, T::kDoubleEquals, T::kEquals, T::kIdentifier, T::kEndOfString}},
        SequenceCase{"a<=b",
                     {T::kIdentifier, T::kLessThan, T::kEquals, T::kIdentifier, T::kEndOfString}},
        // Whitespace is space, tab, CR and LF only.
        SequenceCase{"\r\n\t x \t", {T::kIdentifier, T::kEndOfString}},
        SequenceCase{"a\vb", {T::kIdentifier, T::kEndOfString}},
        // A NUL byte reads like the end of the input: it ends the identifier, then vanishes.
        SequenceCase{std::string("x\0y", 3), {T::kIdentifier, T::kIdentifier, T::kEndOfString}},
        SequenceCase{std::string("\0x", 2), {T::kEndOfString}}));

TEST(LexerTest, EndOfStringRepeats) {
  Lexer lexer("a");
  EXPECT_EQ(lexer.Lex().literal, "a");
  EXPECT_EQ(lexer.Lex().tok, Token::kEndOfString);
  EXPECT_EQ(lexer.Lex().tok, Token::kEndOfString);
}

}  // namespace
}  // namespace waygate::selector
