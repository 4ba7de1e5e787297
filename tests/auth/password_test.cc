// password.cc: bcrypt hashing of API users' passwords. Cost 4 keeps the suite fast; the
// vectors are Openwall crypt_blowfish's published "U*U" vector and one made once with
// /usr/bin/python3's crypt (libxcrypt).
#include "auth/password.h"

#include <gtest/gtest.h>

#include <string>

namespace waygate::auth {
namespace {

using namespace std::string_literals;

constexpr int kFast = 4;

TEST(PasswordTest, HashThenVerifyRoundTrips) {
  auto hash = HashPassword("correct horse battery", kFast);
  ASSERT_TRUE(hash.ok()) << hash.error().ToString();
  EXPECT_EQ(hash->substr(0, 7), "$2b$04$");
  EXPECT_EQ(hash->size(), 60u);
  EXPECT_TRUE(IsBcryptHash(*hash));
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
}

TEST(PasswordTest, DefaultCostIsTen) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.error().ToString();
  EXPECT_EQ(hash->substr(0, 7), "$2b$10$");
}

TEST(PasswordTest, WrongPasswordIsRefused) {
  auto hash = HashPassword("correct horse battery", kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(VerifyPassword("correct horse batterx", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery ", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordTest, EachHashHasItsOwnSalt) {
  auto a = HashPassword("same password", kFast);
  auto b = HashPassword("same password", kFast);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same password", *a));
  EXPECT_TRUE(VerifyPassword("same password", *b));
}

TEST(PasswordTest, PublishedVectorsVerify) {
  EXPECT_TRUE(
      VerifyPassword("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  EXPECT_FALSE(
      VerifyPassword("U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  // $2b$ and $2y$ are the same algorithm for passwords under 255 bytes.
  EXPECT_TRUE(VerifyPassword("correct horse",
                             "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"));
  EXPECT_TRUE(VerifyPassword("correct horse",
                             "$2y$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"));
}

TEST(PasswordTest, RefusesPasswordsBcryptWouldMangle) {
  auto empty = HashPassword("", kFast);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalid);

  std::string longest(72, 'a');
  EXPECT_TRUE(HashPassword(longest, kFast).ok());
  auto too_long = HashPassword(longest + "b", kFast);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalid);

  auto nul = HashPassword("abc\0def"s, kFast);
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalid);
}

TEST(PasswordTest, NulByteNeverMatchesTheTruncatedPassword) {
  auto hash = HashPassword("abc", kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(VerifyPassword("abc\0def"s, *hash));
}

TEST(PasswordTest, BadCostIsInvalid) {
  EXPECT_FALSE(HashPassword("password", 3).ok());
  EXPECT_FALSE(HashPassword("password", 32).ok());
}

TEST(PasswordTest, OtherSchemesAndMalformedHashesNeverVerify) {
  // SHA-512 crypt of "hunter2": crypt(3) would accept it, but users are stored as bcrypt only.
  EXPECT_FALSE(VerifyPassword("hunter2",
                              "$6$saltsalt$8iYtNHxjWRl.NF6oNZ5tF.iKFlQREaXBLlSmZKP6dy9l5z3vsooWNW0/"
                              "GZ6Nej73/TFug6pIPSqbJoCT6dfnj."));
  EXPECT_FALSE(VerifyPassword("hunter2", "hunter2"));
  EXPECT_FALSE(VerifyPassword("hunter2", ""));
  const std::string good = "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
  EXPECT_FALSE(VerifyPassword("correct horse", good.substr(0, 59)));          // short
  EXPECT_FALSE(VerifyPassword("correct horse", "$2x$" + good.substr(4)));     // unknown variant
  EXPECT_FALSE(VerifyPassword("correct horse", "$2b$03$" + good.substr(7)));  // cost too low
  std::string bad_char = good;
  bad_char[20] = '!';
  EXPECT_FALSE(VerifyPassword("correct horse", bad_char));
}

TEST(PasswordTest, RecognisesBcryptHashes) {
  EXPECT_TRUE(IsBcryptHash("$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"));
  EXPECT_TRUE(IsBcryptHash("$2y$10$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"));
  EXPECT_TRUE(IsBcryptHash("$2a$31$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"));
  EXPECT_FALSE(IsBcryptHash("$2b$32$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"));
  EXPECT_FALSE(IsBcryptHash("$2b$4$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e0"));
  EXPECT_FALSE(IsBcryptHash("$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6"));
  EXPECT_FALSE(IsBcryptHash("$2b$04$abcdefghijklmnopqrstuujydOTSfIH d5oUHpsygqV5X9xJLQc6e"));
  EXPECT_FALSE(IsBcryptHash("$6$saltsalt$abcdefghijklmnopqrstuvwxyz"));
  EXPECT_FALSE(IsBcryptHash("P4ssw0rd-that-is-long-enough"));
  EXPECT_FALSE(IsBcryptHash(""));
}

}  // namespace
}  // namespace waygate::auth
