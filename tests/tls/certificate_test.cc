#include "tls/certificate.h"

#include <gtest/gtest.h>

#include "test_certs.h"
#include "tls/default_certificate.h"

namespace waygate::tls {
namespace {

using namespace std::chrono_literals;
using testing::Ca;
using testing::MakeCa;
using Clock = std::chrono::system_clock;

class CertificateTest : public ::testing::Test {
 protected:
  Ca ca_ = MakeCa();
  Clock::time_point now_ = Clock::now();

  Result<CertificatePtr> Load(const std::string& crt, const std::string& key) {
    return Certificate::FromSecretData(crt, key, now_, "shop/web-tls");
  }
  void ExpectError(const Result<CertificatePtr>& r, ErrorCode code, const std::string& field,
                   const std::string& words) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().field, field);
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("shop/web-tls"), std::string::npos);
  }
};

TEST_F(CertificateTest, EcdsaLeafWithChain) {
  auto key = testing::EcKey();
  auto s = testing::Secret(ca_, key.get(), {"Shop.Example.com", "*.api.example.com"});
  auto c = Load(s.crt, s.key);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->key_type(), KeyType::kEcdsa);
  ASSERT_EQ((*c)->chain().size(), 1u);
  EXPECT_EQ(X509_cmp((*c)->chain()[0].get(), ca_.cert.get()), 0);
  EXPECT_EQ((*c)->dns_names(), (std::vector<std::string>{"*.api.example.com", "shop.example.com"}));
  EXPECT_LT((*c)->not_before(), now_);
  EXPECT_GT((*c)->not_after(), now_ + 80 * 24h);
  EXPECT_TRUE((*c)->Covers("SHOP.example.com."));
  EXPECT_TRUE((*c)->Covers("v1.api.example.com"));
  EXPECT_FALSE((*c)->Covers("a.v1.api.example.com"));
  EXPECT_FALSE((*c)->Covers("api.example.com"));
}

TEST_F(CertificateTest, RsaKeyAndP384) {
  auto rsa = testing::RsaKey(2048);
  auto s = testing::Secret(ca_, rsa.get(), {"rsa.example.com"});
  auto c = Load(s.crt, s.key);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->key_type(), KeyType::kRsa);
  auto p384 = testing::EcKey("P-384");
  s = testing::Secret(ca_, p384.get(), {"ec.example.com"});
  EXPECT_TRUE(Load(s.crt, s.key).ok());
}

TEST_F(CertificateTest, MissingParts) {
  auto key = testing::EcKey();
  auto s = testing::Secret(ca_, key.get(), {"a.example.com"});
  ExpectError(Load("", s.key), ErrorCode::kNotFound, "data[tls.crt]", "tls.crt is missing");
  ExpectError(Load(" \n", s.key), ErrorCode::kNotFound, "data[tls.crt]", "tls.crt is missing");
  ExpectError(Load(s.crt, ""), ErrorCode::kNotFound, "data[tls.key]", "tls.key is missing");
}

TEST_F(CertificateTest, MalformedPem) {
  auto key = testing::EcKey();
  auto s = testing::Secret(ca_, key.get(), {"a.example.com"});
  ExpectError(Load("hello", s.key), ErrorCode::kInvalid, "data[tls.crt]", "not PEM");
  std::string damaged = s.crt;
  damaged[damaged.find('\n') + 10] = '#';  // inside the base64 of the leaf
  ExpectError(Load(damaged, s.key), ErrorCode::kInvalid, "data[tls.crt]", "not valid PEM");
  std::string truncated = s.crt.substr(0, s.crt.size() / 4);  // no END line
  EXPECT_FALSE(Load(truncated, s.key).ok());
  ExpectError(Load(s.crt, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
              ErrorCode::kInvalid, "data[tls.key]", "not a PEM private key");
}

TEST_F(CertificateTest, KeyInsteadOfCertificateIsAnEmptyChain) {
  auto key = testing::EcKey();
  auto s = testing::Secret(ca_, key.get(), {"a.example.com"});
  ExpectError(Load(s.key, s.key), ErrorCode::kInvalid, "data[tls.crt]", "empty chain");
}

TEST_F(CertificateTest, KeyMustMatchLeaf) {
  auto key = testing::EcKey();
  auto other = testing::EcKey();
  auto s = testing::Secret(ca_, key.get(), {"a.example.com"});
  ExpectError(Load(s.crt, testing::Pem(other.get())), ErrorCode::kInvalid, "data[tls.key]",
              "does not match");
  // Chain in the wrong order: the CA first.
  std::string reversed = testing::Pem(ca_.cert.get()) + s.crt;
  ExpectError(Load(reversed, s.key), ErrorCode::kInvalid, "data[tls.key]", "does not match");
}

TEST_F(CertificateTest, Validity) {
  auto key = testing::EcKey();
  auto s = testing::Secret(ca_, key.get(), {"a.example.com"});
  now_ = Clock::now() + 91 * 24h;
  ExpectError(Load(s.crt, s.key), ErrorCode::kInvalid, "data[tls.crt]", "expired at");
  now_ = Clock::now() - 1h;
  ExpectError(Load(s.crt, s.key), ErrorCode::kInvalid, "data[tls.crt]", "not valid before");
}

// Long-lived self-signed certificates often say 9999-12-31, beyond system_clock's range.
TEST_F(CertificateTest, FarFutureNotAfterIsClamped) {
  auto key = testing::EcKey();
  auto leaf = testing::Leaf(ca_, key.get(), {"old.example.com"});
  ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(leaf.get()), "99991231235959Z"), 1);
  ASSERT_GT(X509_sign(leaf.get(), ca_.key.get(), EVP_sha256()), 0);
  auto c = Load(testing::Pem(leaf.get()), testing::Pem(key.get()));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->not_after(), Clock::time_point::max());
}

TEST_F(CertificateTest, UnsupportedKeys) {
  auto weak = testing::RsaKey(1024);
  auto s = testing::Secret(ca_, weak.get(), {"a.example.com"});
  ExpectError(Load(s.crt, s.key), ErrorCode::kUnsupported, "data[tls.key]", "1024 bits");
  auto ed = testing::Ed25519Key();
  s = testing::Secret(ca_, ed.get(), {"a.example.com"});
  ExpectError(Load(s.crt, s.key), ErrorCode::kUnsupported, "data[tls.key]", "unsupported key type");
  auto k1 = testing::EcKey("secp256k1");
  s = testing::Secret(ca_, k1.get(), {"a.example.com"});
  ExpectError(Load(s.crt, s.key), ErrorCode::kUnsupported, "data[tls.key]", "secp256k1");
}

TEST_F(CertificateTest, CommonNameOnlyWithoutDnsSan) {
  auto key = testing::EcKey();
  auto leaf = testing::Leaf(ca_, key.get(), {}, "Legacy.Example.com");
  auto c = Load(testing::Pem(leaf.get()), testing::Pem(key.get()));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->dns_names(), std::vector<std::string>{"legacy.example.com"});
  EXPECT_TRUE((*c)->chain().empty());
  auto with_san = testing::Leaf(ca_, key.get(), {"new.example.com"}, "legacy.example.com");
  c = Load(testing::Pem(with_san.get()), testing::Pem(key.get()));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->dns_names(), std::vector<std::string>{"new.example.com"});
}

TEST_F(CertificateTest, HostMatching) {
  EXPECT_TRUE(HostMatches("*.example.com", "a.example.com"));
  EXPECT_FALSE(HostMatches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(HostMatches("*.example.com", "example.com"));
  EXPECT_FALSE(HostMatches("*.example.com", ".example.com"));
  EXPECT_FALSE(HostMatches("f*.example.com", "foo.example.com"));
  std::string n;
  EXPECT_TRUE(NormalizeHost("A.Example.COM.", &n));
  EXPECT_EQ(n, "a.example.com");
  EXPECT_FALSE(NormalizeHost(".", &n));
  EXPECT_FALSE(NormalizeHost(std::string(254, 'a'), &n));
}

TEST(DefaultCertificateTest, SelfSignedP256ForAYear) {
  auto now = Clock::now();
  auto c = GenerateDefaultCertificate(now);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->key_type(), KeyType::kEcdsa);
  EXPECT_TRUE((*c)->dns_names().empty());  // its CN is a label, not a host
  X509* leaf = (*c)->leaf();
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_issuer_name(leaf)), 0);
  EXPECT_EQ(X509_verify(leaf, (*c)->key()), 1);  // signed by its own key
  EXPECT_GE((*c)->not_after() - now, 364 * 24h);
  EXPECT_LE((*c)->not_after() - now, 366 * 24h);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name((*c)->leaf()), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, kDefaultCertificateCommonName);
  char group[32] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name((*c)->key(), group, sizeof(group), &len), 1);
  EXPECT_STREQ(group, "prime256v1");
}

}  // namespace
}  // namespace waygate::tls
