#include "tls/policy.h"

#include <gtest/gtest.h>

#include <thread>

#include "tls/ticket_keys.h"

namespace waygate::tls {
namespace {

TEST(SslProtocolsTest, Parses) {
  EXPECT_EQ(*ParseSslProtocols("TLSv1.2 TLSv1.3"), (TlsProtocols{TLS1_2_VERSION, TLS1_3_VERSION}));
  EXPECT_EQ(*ParseSslProtocols("  TLSv1.3 "), (TlsProtocols{TLS1_3_VERSION, TLS1_3_VERSION}));
  EXPECT_EQ(*ParseSslProtocols("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"),
            (TlsProtocols{TLS1_VERSION, TLS1_3_VERSION}));
  EXPECT_EQ(*ParseSslProtocols("TLSv1.2\tTLSv1.2"), (TlsProtocols{TLS1_2_VERSION, TLS1_2_VERSION}));
}

TEST(SslProtocolsTest, Refuses) {
  EXPECT_EQ(ParseSslProtocols("SSLv3 TLSv1.2").error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(ParseSslProtocols("TLSv1 TLSv1.3").error().code, ErrorCode::kInvalid);
  EXPECT_EQ(ParseSslProtocols("").error().code, ErrorCode::kInvalid);
  EXPECT_EQ(ParseSslProtocols("tlsv1.2").error().code, ErrorCode::kInvalid);
  auto r = ParseSslProtocols("TLSv1.2;TLSv1.3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "ssl-protocols");
}

TEST(CipherListTest, AcceptsOpenSslStrings) {
  auto c = CipherList::Parse("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->text(), "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_TRUE(CipherList::Parse("HIGH:!aNULL:!MD5").ok());
  EXPECT_TRUE(CipherList::Parse("@SECLEVEL=0:ECDHE-RSA-AES128-SHA").ok());
  EXPECT_TRUE(CipherList::Parse(CipherList::MozillaIntermediate().text()).ok());
}

TEST(CipherListTest, Refuses) {
  EXPECT_FALSE(CipherList::Parse("").ok());
  EXPECT_FALSE(CipherList::Parse("NO-SUCH-CIPHER").ok());
  EXPECT_FALSE(CipherList::Parse("HIGH;rm -rf").ok());    // ';' is not in the alphabet
  EXPECT_FALSE(CipherList::Parse("HIGH\n:MEDIUM").ok());  // nor a newline
  EXPECT_FALSE(CipherList::Parse(std::string(3000, 'A')).ok());
  EXPECT_EQ(CipherList::Parse("bogus").error().field, "ssl-ciphers");
}

TEST(TicketKeysTest, RotationKeepsPreviousKeys) {
  auto keys = TicketKeys::Create().value();
  auto first = keys->current_name();
  EXPECT_EQ(keys->Read().count, 1u);
  ASSERT_TRUE(keys->Rotate().ok());
  auto set = keys->Read();
  EXPECT_EQ(set.count, 2u);
  EXPECT_NE(set.keys[0].name, first);
  EXPECT_EQ(set.keys[1].name, first);
  ASSERT_TRUE(keys->Rotate().ok());
  ASSERT_TRUE(keys->Rotate().ok());
  set = keys->Read();
  EXPECT_EQ(set.count, TicketKeys::kSlots);
  for (const auto& k : set.keys) EXPECT_NE(k.name, first);  // fell out after kSlots rotations
}

// Readers racing a writer never see a torn key: each pushed key is filled with one byte value.
TEST(TicketKeysTest, ReadersSeeWholeKeys) {
  auto keys = TicketKeys::Create().value();
  auto push = [&](int i) {
    TicketKeys::Key k;
    k.name.fill(static_cast<uint8_t>(i));
    k.aes.fill(static_cast<uint8_t>(i));
    k.hmac.fill(static_cast<uint8_t>(i));
    keys->Push(k);
  };
  for (size_t i = 0; i < TicketKeys::kSlots; ++i) push(static_cast<int>(i));  // no random key left
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop.load()) {
      auto set = keys->Read();
      for (size_t i = 0; i < set.count; ++i) {
        const auto& k = set.keys[i];
        for (uint8_t b : k.aes) torn += b != k.aes[0];
        for (uint8_t b : k.hmac) torn += b != k.aes[0];
      }
    }
  });
  for (int i = 0; i < 20000; ++i) push(i);
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace waygate::tls
