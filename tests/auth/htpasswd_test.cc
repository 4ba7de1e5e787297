// htpasswd.cc: loading auth files and auth maps, and Basic credential checks for every scheme.
// The hashes were generated once with /usr/bin/python3's crypt (libxcrypt: bcrypt, $5$, $6$),
// `openssl passwd -apr1 -salt ...` (apr1) and base64(SHA-1) for {SHA}.
#include "auth/htpasswd.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace waygate::auth {
namespace {

constexpr char kBcrypt2b[] =
    "$2b$05$abcdefghijklmnopqrstuuLK7U1u6pVRmL7L1BBM2aS35PSZnDXlK";  // s3cret
constexpr char kBcrypt2y[] =
    "$2y$05$0123456789abcdefghijkezUgIbSggCpWorCPjVZj7Y5z/jqErOkG";  // hunter2
constexpr char kBcrypt2a[] =
    "$2a$04$ZZZZZZZZZZZZZZZZZZZZZe97V73H1AbZIu/WWl12/78U1BUNdI8Ke";  // pass
constexpr char kSha256Crypt[] =
    "$5$saltsalt$WzUmQii01nfTV1TYCOkBeBwTyxmKMzcJfuoexqMmrA6";  // sha256pw
constexpr char kSha512Crypt[] =
    "$6$saltsalt$4tunjKVuZncbXa0keYjfESkXJUqiWNDNjPLUgx2nQ6AlupqEiGSROLeZQ9GydXZv/"
    "JBhOV2OIAPlVA8lJ8vA91";                                            // sha512pw
constexpr char kApr1[] = "$apr1$Xy7KqL2z$pJD4EeiCckbSWBpkqzAEB0";       // apr1pw
constexpr char kApr1ShortSalt[] = "$apr1$a$PtYHGrsyI6z76RdcHKy5q1";     // apr1pw
constexpr char kApr1Empty[] = "$apr1$abcdefgh$L.PT565ESX4Tp2bqNs7Ie.";  // "" (empty password)
constexpr char kApr1Long[] = "$apr1$12345678$5kkU6VHotY5N8Z0XnLhsA1";
constexpr char kApr1LongPassword[] = "a:very:long:password with spaces and more than sixteen chars";
constexpr char kSha1[] = "{SHA}qs67vlse11GdWHE+bbh7CYDxCOs=";       // shapw
constexpr char kMd5Crypt[] = "$1$abcdefgh$O3RcxDaJZDBrlS0uVgUNi/";  // md5pw (openssl passwd -1)

std::string Base64(std::string_view in) {
  static const char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kTable[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kTable[(v >> 18) & 63], kTable[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kTable[(v >> 18) & 63], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], '='};
  }
  return out;
}

std::string Basic(std::string_view user, std::string_view password) {
  return "Basic " + Base64(std::string(user) + ":" + std::string(password));
}

std::shared_ptr<const Htpasswd> MustLoad(std::string_view file) {
  auto loaded = Htpasswd::FromAuthFile(file);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  return loaded.ok() ? *loaded : nullptr;
}

std::string AllSchemesFile() {
  return std::string("# users of every scheme\n") + "b2b:" + kBcrypt2b + "\n" + "b2y:" + kBcrypt2y +
         "\r\n" + "b2a:" + kBcrypt2a + "\n\n" + "s256:" + kSha256Crypt + "\n" +
         "s512:" + kSha512Crypt + "\n" + "apr:" + kApr1 + "\n" + "aprshort:" + kApr1ShortSalt +
         "\n" + "aprempty:" + kApr1Empty + "\n" + "aprlong:" + kApr1Long + "\n" + "sha:" + kSha1 +
         "\n" + "md5:" + kMd5Crypt;
}

TEST(Htpasswd, EverySchemeAcceptsItsPasswordAndRejectsOthers) {
  auto h = MustLoad(AllSchemesFile());
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->user_count(), 11u);
  struct Case {
    const char* user;
    const char* password;
  } cases[] = {{"b2b", "s3cret"},      {"b2y", "hunter2"},   {"b2a", "pass"},
               {"s256", "sha256pw"},   {"s512", "sha512pw"}, {"apr", "apr1pw"},
               {"aprshort", "apr1pw"}, {"aprempty", ""},     {"aprlong", kApr1LongPassword},
               {"sha", "shapw"},       {"md5", "md5pw"}};
  for (const Case& c : cases) {
    EXPECT_TRUE(h->Verify(Basic(c.user, c.password))) << c.user;
    EXPECT_FALSE(h->Verify(Basic(c.user, std::string(c.password) + "x"))) << c.user;
    EXPECT_FALSE(h->Verify(Basic(c.user, "wrong"))) << c.user;
  }
  // A right password under another user's name is not enough.
  EXPECT_FALSE(h->Verify(Basic("b2y", "s3cret")));
  EXPECT_FALSE(h->Verify(Basic("nobody", "s3cret")));
}

TEST(Htpasswd, PasswordMayContainColons) {
  auto h = MustLoad(std::string("aprlong:") + kApr1Long + "\n");
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(h->Verify(Basic("aprlong", kApr1LongPassword)));
  EXPECT_FALSE(h->Verify(Basic("aprlong", "a")));
}

TEST(Htpasswd, HeaderForms) {
  auto h = MustLoad(std::string("sha:") + kSha1);
  ASSERT_NE(h, nullptr);
  const std::string token = Base64("sha:shapw");
  EXPECT_TRUE(h->Verify("Basic " + token));
  EXPECT_TRUE(h->Verify("basic " + token));  // the scheme is case-insensitive (RFC 7617)
  EXPECT_TRUE(h->Verify("BASIC   " + token));
  std::string unpadded = token;
  while (unpadded.back() == '=') unpadded.pop_back();
  EXPECT_TRUE(h->Verify("Basic " + unpadded));
  EXPECT_FALSE(h->Verify(""));
  EXPECT_FALSE(h->Verify("Basic"));
  EXPECT_FALSE(h->Verify("Basic "));
  EXPECT_FALSE(h->Verify("Bearer " + token));
  EXPECT_FALSE(h->Verify("Basic" + token));
  EXPECT_FALSE(h->Verify("Basic " + token + "!"));    // not base64
  EXPECT_FALSE(h->Verify("Basic " + Base64("sha")));  // no colon
  EXPECT_FALSE(h->Verify("Basic " + Base64(":shapw")));
}

TEST(Htpasswd, NulInPasswordIsNeverTruncated) {
  auto h = MustLoad(std::string("b2y:") + kBcrypt2y);
  ASSERT_NE(h, nullptr);
  EXPECT_FALSE(h->Verify(Basic("b2y", std::string("hunter2\0tail", 12))));
  EXPECT_TRUE(h->Verify(Basic("b2y", "hunter2")));
}

TEST(Htpasswd, FirstLineOfADuplicateUserWins) {
  auto h = MustLoad(std::string("u:") + kSha1 + "\nu:" + kApr1 + "\n");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->user_count(), 1u);
  EXPECT_TRUE(h->Verify(Basic("u", "shapw")));
  EXPECT_FALSE(h->Verify(Basic("u", "apr1pw")));
}

TEST(Htpasswd, RefusesPlainTextAndMalformedLinesNamingTheLine) {
  struct Case {
    std::string file;
    const char* line;
  } cases[] = {
      {"alice:plaintext\n", "line 1"},
      {std::string("# c\nbob:") + kSha1 + "\nno-colon-here\n", "line 3"},
      {":" + std::string(kSha1), "line 1"},
      {"x:{SHA}notbase64!!", "line 1"},
      {"x:{SHA}" + std::string("YWJj"), "line 1"},  // 3 bytes, not 20
      {"x:$2y$05$short", "line 1"},                 // truncated bcrypt
      {"x:$2y$99$0123456789abcdefghijkezUgIbSggCpWorCPjVZj7Y5z/jqErOkG", "line 1"},  // cost
      {"x:$5$saltsalt$tooshort", "line 1"},
      {"x:$apr1$toolongsalt$pJD4EeiCckbSWBpkqzAEB0", "line 1"},
      {"x:$apr1$Xy7KqL2z$", "line 1"},
      {"x:XXq2wKiyI43A2", "line 1"},  // DES crypt: refused (weak, and looks like plain text)
      {"x:$3$whatever", "line 1"},
  };
  for (const Case& c : cases) {
    auto loaded = Htpasswd::FromAuthFile(c.file);
    ASSERT_FALSE(loaded.ok()) << c.file;
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalid);
    EXPECT_NE(loaded.error().message.find(c.line), std::string::npos) << loaded.error().message;
    // The message never echoes a hash (Secret material) back into events and logs.
    EXPECT_EQ(loaded.error().message.find("pJD4"), std::string::npos);
  }
}

TEST(Htpasswd, EmptyFileLoadsWithNoUsers) {
  auto h = MustLoad("# nobody yet\n\n");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->user_count(), 0u);
  EXPECT_FALSE(h->Verify(Basic("anyone", "")));
}

TEST(Htpasswd, AuthMap) {
  auto loaded = Htpasswd::FromAuthMap({{"alice", kBcrypt2b}, {"bob", std::string(kApr1) + "\n"}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->user_count(), 2u);
  EXPECT_TRUE((*loaded)->Verify(Basic("alice", "s3cret")));
  EXPECT_TRUE((*loaded)->Verify(Basic("bob", "apr1pw")));
  EXPECT_FALSE((*loaded)->Verify(Basic("alice", "apr1pw")));

  auto plain = Htpasswd::FromAuthMap({{"alice", kBcrypt2b}, {"carol", "secret"}});
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.error().message.find("carol"), std::string::npos);
  EXPECT_FALSE(Htpasswd::FromAuthMap({{"a:b", kSha1}}).ok());
  EXPECT_FALSE(Htpasswd::FromAuthMap({{"", kSha1}}).ok());
}

// A repeated header is answered from the cache: far faster than the bcrypt it skipped.
TEST(Htpasswd, SuccessfulChecksAreCached) {
  // Cost 12: ~0.2 s per bcrypt check, so the difference cannot be noise.
  auto loaded =
      Htpasswd::FromAuthFile("slow:$2b$12$abcdefghijklmnopqrstuunYdhHrPrQsWwVD7FJZar2U048CuDd2m\n");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  auto h = *loaded;
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  ASSERT_TRUE(h->Verify(Basic("slow", "pw")));
  auto first = Clock::now() - t0;
  t0 = Clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(h->Verify(Basic("slow", "pw")));
  auto ten_more = Clock::now() - t0;
  EXPECT_LT(ten_more, first) << "10 cached checks took longer than one bcrypt";
  // Failures are never cached as successes.
  EXPECT_FALSE(h->Verify(Basic("slow", "wrong")));
}

TEST(Htpasswd, ConcurrentVerify) {
  auto h = MustLoad(AllSchemesFile());
  ASSERT_NE(h, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!h->Verify(Basic("apr", "apr1pw"))) ++failures;
        if (!h->Verify(Basic("sha", "shapw"))) ++failures;
        if (h->Verify(Basic("s256", "nope" + std::to_string(t * 100 + i)))) ++failures;
        if (!h->Verify(Basic("b2a", "pass"))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace waygate::auth
