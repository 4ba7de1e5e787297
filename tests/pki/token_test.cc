#include "pki/token.h"

#include <gtest/gtest.h>

#include <set>

#include "pki/base64.h"

namespace waygate::pki {
namespace {

TEST(TokenTest, GeneratedTokensAre32RandomBytesInBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto t = GenerateToken();
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->size(), 43u);
    EXPECT_EQ(
        t->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << *t;
    seen.insert(*t);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(TokenTest, TokensEqual) {
  EXPECT_TRUE(TokensEqual("abc", "abc"));
  EXPECT_FALSE(TokensEqual("abd", "abc"));
  EXPECT_FALSE(TokensEqual("ab", "abc"));
  EXPECT_FALSE(TokensEqual("abcd", "abc"));
  EXPECT_FALSE(TokensEqual("", "abc"));
  // No configured token must never authenticate anyone, even with an empty credential.
  EXPECT_FALSE(TokensEqual("", ""));
  EXPECT_FALSE(TokensEqual("x", ""));
  std::string with_nul("a\0b", 3);
  EXPECT_FALSE(TokensEqual(std::string("a"), with_nul));
  EXPECT_TRUE(TokensEqual(with_nul, with_nul));
}

TEST(TokenTest, ParseBearer) {
  EXPECT_EQ(ParseBearer("Bearer abc"), "abc");
  EXPECT_EQ(ParseBearer("bearer abc"), "abc");
  EXPECT_EQ(ParseBearer("BEARER   abc  "), "abc");
  EXPECT_EQ(ParseBearer("Bearer\tabc"), "abc");
  EXPECT_EQ(ParseBearer("Bearer "), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearerabc"), std::nullopt);
  EXPECT_EQ(ParseBearer("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer a b"), std::nullopt);
  EXPECT_EQ(ParseBearer(""), std::nullopt);
}

TEST(Base64Test, KnownVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace waygate::pki
