#include "pki/pki.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <filesystem>

#include "pki/cert.h"
#include "pki/file_io.h"
#include "pki/temp_dir.h"

namespace waygate::pki {
namespace {

using testing::Mode;
using testing::Slurp;
using testing::Snapshot;
using testing::Spit;
using testing::TempDir;

X509Ptr Cert(const std::string& pem) {
  auto c = CertFromPem(pem, "test");
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(*c) : X509Ptr();
}

// Independent of VerifiesAgainst: the check a TLS client does, spelled out with a store.
bool ChainsTo(X509* leaf, X509* ca) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

bool HasIp(X509* cert, const char* ip) { return X509_check_ip_asc(cert, ip, 0) == 1; }
bool HasHost(X509* cert, const char* host) {
  return X509_check_host(cert, host, 0, X509_CHECK_FLAG_NO_WILDCARDS, nullptr) == 1;
}

// Days from now until the certificate's notAfter.
int DaysLeft(X509* cert) {
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert));
  return days;
}

std::string P256(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1) return "?";
  return std::string(EVP_PKEY_get0_type_name(key)) + "/" + name;
}

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(tmp_.path().empty()); }
  const std::string& dir() const { return tmp_.path(); }
  PkiPaths paths() const { return PkiPaths::For(dir()); }

  DataDirPki Ensure(const PkiOptions& options = {}) {
    auto r = EnsurePki(dir(), options);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? std::move(*r) : DataDirPki{};
  }

  // Replaces the serving pair with one issued by the data directory's own CA.
  void ForgeServing(const SanSet& sans, std::chrono::seconds validity) {
    auto ca = CertFromPem(Slurp(paths().ca_cert), "ca");
    auto ca_key = KeyFromPem(Slurp(paths().ca_key), "ca key");
    auto key = GenerateKey();
    ASSERT_TRUE(ca.ok() && ca_key.ok() && key.ok());
    auto cert = IssueServingCert(ca->get(), ca_key->get(), key->get(), sans, validity);
    ASSERT_TRUE(cert.ok()) << cert.error().ToString();
    ASSERT_TRUE(WriteFileAtomic(paths().serving_key, *KeyToPem(key->get()), 0600).ok());
    ASSERT_TRUE(WriteFileAtomic(paths().serving_cert, *CertToPem(cert->get()), 0644).ok());
  }

 private:
  TempDir tmp_;
};

TEST_F(PkiTest, FirstStartCreatesEverythingWithPrivateModes) {
  DataDirPki pki = Ensure();
  EXPECT_TRUE(pki.created_ca);
  EXPECT_TRUE(pki.created_token);
  EXPECT_EQ(pki.serving_cert_issued_because, "first start");

  EXPECT_EQ(Mode(paths().pki_dir), 0700);
  EXPECT_EQ(Mode(paths().ca_key), 0600);
  EXPECT_EQ(Mode(paths().serving_key), 0600);
  EXPECT_EQ(Mode(paths().admin_token), 0600);
  EXPECT_EQ(Mode(paths().ca_cert), 0644);
  EXPECT_EQ(Mode(paths().serving_cert), 0644);

  EXPECT_EQ(pki.ca_cert_pem, Slurp(paths().ca_cert));
  EXPECT_EQ(pki.serving_cert_pem, Slurp(paths().serving_cert));
  EXPECT_EQ(pki.serving_key_pem, Slurp(paths().serving_key));
  EXPECT_EQ(pki.admin_token + "\n", Slurp(paths().admin_token));
  EXPECT_EQ(pki.admin_token.size(), 43u);  // 32 bytes, base64url, unpadded
  EXPECT_EQ(pki.admin_token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);

  // Only the five files, no temporary leftovers.
  EXPECT_EQ(Snapshot(dir()).size(), 5u);
}

TEST_F(PkiTest, CaIsAnEcdsaP256TenYearCa) {
  DataDirPki pki = Ensure();
  X509Ptr ca = Cert(pki.ca_cert_pem);
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(P256(ca.get()), "EC/prime256v1");
  EXPECT_EQ(X509_get_key_usage(ca.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN),
            static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  EXPECT_EQ(X509_check_issued(ca.get(), ca.get()), X509_V_OK);  // self-signed
  EXPECT_NEAR(DaysLeft(ca.get()), 3650, 1);
}

TEST_F(PkiTest, ServingCertChainsToCaWithSansAndServerAuth) {
  DataDirPki pki = Ensure();
  X509Ptr ca = Cert(pki.ca_cert_pem);
  X509Ptr leaf = Cert(pki.serving_cert_pem);
  ASSERT_TRUE(ca && leaf);
  EXPECT_TRUE(ChainsTo(leaf.get(), ca.get()));
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_EQ(P256(leaf.get()), "EC/prime256v1");
  EXPECT_TRUE(X509_get_extension_flags(leaf.get()) & EXFLAG_XKUSAGE);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  for (const char* host :
       {"localhost", "waygate", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}) {
    EXPECT_TRUE(HasHost(leaf.get(), host)) << host;
  }
  EXPECT_TRUE(HasIp(leaf.get(), "127.0.0.1"));
  EXPECT_TRUE(HasIp(leaf.get(), "::1"));
  EXPECT_FALSE(HasHost(leaf.get(), "example.com"));
  EXPECT_FALSE(HasIp(leaf.get(), "10.0.0.1"));
  EXPECT_NEAR(DaysLeft(leaf.get()), 365, 1);
  // The key file holds the certificate's private key.
  auto key = KeyFromPem(pki.serving_key_pem, "key");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(X509_check_private_key(leaf.get(), key->get()), 1);
}

TEST_F(PkiTest, OptionHostsBecomeSans) {
  PkiOptions options;
  options.hosts = {"10.1.2.3", "[fd00::5]", "API.Example.com.", "0.0.0.0", "::"};
  DataDirPki pki = Ensure(options);
  X509Ptr leaf = Cert(pki.serving_cert_pem);
  ASSERT_TRUE(leaf);
  EXPECT_TRUE(HasIp(leaf.get(), "10.1.2.3"));
  EXPECT_TRUE(HasIp(leaf.get(), "fd00::5"));
  EXPECT_TRUE(HasHost(leaf.get(), "api.example.com"));
  EXPECT_FALSE(HasIp(leaf.get(), "0.0.0.0"));
  EXPECT_FALSE(HasIp(leaf.get(), "::"));
}

TEST_F(PkiTest, InvalidHostIsRejectedBeforeAnythingIsWritten) {
  PkiOptions options;
  options.hosts = {"10.0.0.1", "not a host!"};
  auto r = EnsurePki(dir(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(r.error().field, "hosts[1]");
  EXPECT_NE(r.error().message.find("not a host!"), std::string::npos);
  EXPECT_TRUE(Snapshot(dir()).empty());
  EXPECT_FALSE(std::filesystem::exists(paths().pki_dir));
}

TEST_F(PkiTest, SecondStartReusesTheExactBytes) {
  PkiOptions options;
  options.hosts = {"192.168.1.10"};
  DataDirPki first = Ensure(options);
  auto before = Snapshot(dir());
  DataDirPki second = Ensure(options);
  EXPECT_EQ(Snapshot(dir()), before);
  EXPECT_FALSE(second.created_ca);
  EXPECT_FALSE(second.created_token);
  EXPECT_EQ(second.serving_cert_issued_because, "");
  EXPECT_EQ(second.ca_cert_pem, first.ca_cert_pem);
  EXPECT_EQ(second.serving_cert_pem, first.serving_cert_pem);
  EXPECT_EQ(second.serving_key_pem, first.serving_key_pem);
  EXPECT_EQ(second.admin_token, first.admin_token);
}

TEST_F(PkiTest, NewNodeIpReissuesFromTheSameCa) {
  DataDirPki first = Ensure();
  std::string ca_key = Slurp(paths().ca_key);

  PkiOptions options;
  options.hosts = {"10.9.9.9"};
  DataDirPki second = Ensure(options);
  EXPECT_NE(second.serving_cert_issued_because.find("IP:10.9.9.9"), std::string::npos)
      << second.serving_cert_issued_because;
  EXPECT_FALSE(second.created_ca);
  EXPECT_EQ(second.ca_cert_pem, first.ca_cert_pem);
  EXPECT_EQ(Slurp(paths().ca_key), ca_key);
  EXPECT_NE(second.serving_cert_pem, first.serving_cert_pem);
  EXPECT_NE(second.serving_key_pem, first.serving_key_pem);
  EXPECT_EQ(Slurp(paths().serving_cert), second.serving_cert_pem);
  EXPECT_EQ(Mode(paths().serving_key), 0600);

  X509Ptr ca = Cert(first.ca_cert_pem);
  X509Ptr leaf = Cert(second.serving_cert_pem);
  ASSERT_TRUE(ca && leaf);
  EXPECT_TRUE(ChainsTo(leaf.get(), ca.get()));
  EXPECT_TRUE(HasIp(leaf.get(), "10.9.9.9"));
  EXPECT_TRUE(HasHost(leaf.get(), "kubernetes.default.svc"));

  // Asked again with the same node IP: nothing to do.
  DataDirPki third = Ensure(options);
  EXPECT_EQ(third.serving_cert_issued_because, "");
  EXPECT_EQ(third.serving_cert_pem, second.serving_cert_pem);
}

TEST_F(PkiTest, NearExpiryServingCertIsReissued) {
  DataDirPki first = Ensure();
  auto sans = RequiredSans({});
  ASSERT_TRUE(sans.ok());
  ForgeServing(*sans, std::chrono::hours(24 * 10));
  std::string forged = Slurp(paths().serving_cert);
  X509Ptr short_lived = Cert(forged);
  ASSERT_TRUE(short_lived);
  ASSERT_LE(DaysLeft(short_lived.get()), 10);

  DataDirPki second = Ensure();
  EXPECT_NE(second.serving_cert_issued_because.find("expires within 30 days"), std::string::npos)
      << second.serving_cert_issued_because;
  EXPECT_NE(second.serving_cert_pem, forged);
  EXPECT_EQ(second.ca_cert_pem, first.ca_cert_pem);
  X509Ptr ca = Cert(first.ca_cert_pem);
  X509Ptr leaf = Cert(second.serving_cert_pem);
  ASSERT_TRUE(ca && leaf);
  EXPECT_GE(DaysLeft(leaf.get()), 364);
  EXPECT_TRUE(ChainsTo(leaf.get(), ca.get()));
}

TEST_F(PkiTest, ServingCertWellWithinValidityIsKept) {
  Ensure();
  auto sans = RequiredSans({});
  ASSERT_TRUE(sans.ok());
  ForgeServing(*sans, std::chrono::hours(24 * 40));  // outside the 30-day window
  std::string forged = Slurp(paths().serving_cert);
  DataDirPki pki = Ensure();
  EXPECT_EQ(pki.serving_cert_issued_because, "");
  EXPECT_EQ(pki.serving_cert_pem, forged);
}

TEST_F(PkiTest, KeyNotMatchingCertIsReissued) {
  // What a crash between writing the new key and the new certificate leaves behind.
  Ensure();
  auto other = GenerateKey();
  ASSERT_TRUE(other.ok());
  Spit(paths().serving_key, *KeyToPem(other->get()));
  DataDirPki pki = Ensure();
  EXPECT_NE(pki.serving_cert_issued_because.find("does not match"), std::string::npos);
  X509Ptr leaf = Cert(pki.serving_cert_pem);
  auto key = KeyFromPem(Slurp(paths().serving_key), "key");
  ASSERT_TRUE(leaf && key.ok());
  EXPECT_EQ(X509_check_private_key(leaf.get(), key->get()), 1);
}

TEST_F(PkiTest, ServingCertFromAnotherCaIsReissued) {
  Ensure();
  TempDir other_dir;
  auto other = EnsurePki(other_dir.path(), {});
  ASSERT_TRUE(other.ok());
  Spit(paths().serving_cert, other->serving_cert_pem);
  Spit(paths().serving_key, other->serving_key_pem);
  DataDirPki pki = Ensure();
  EXPECT_NE(pki.serving_cert_issued_because.find("does not verify against the CA"),
            std::string::npos)
      << pki.serving_cert_issued_because;
  X509Ptr ca = Cert(pki.ca_cert_pem);
  X509Ptr leaf = Cert(pki.serving_cert_pem);
  ASSERT_TRUE(ca && leaf);
  EXPECT_TRUE(ChainsTo(leaf.get(), ca.get()));
}

TEST_F(PkiTest, MissingServingCertIsReissued) {
  Ensure();
  std::filesystem::remove(paths().serving_cert);
  DataDirPki pki = Ensure();
  EXPECT_NE(pki.serving_cert_issued_because.find("apiserver.crt is missing"), std::string::npos);
  EXPECT_EQ(Slurp(paths().serving_cert), pki.serving_cert_pem);
}

TEST_F(PkiTest, CorruptServingKeyIsAnErrorAndNothingIsOverwritten) {
  Ensure();
  Spit(paths().serving_key, "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n");
  auto before = Snapshot(dir());
  PkiOptions options;
  options.hosts = {"10.2.2.2"};  // would otherwise force a re-issue
  auto r = EnsurePki(dir(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(paths().serving_key), std::string::npos) << r.error().message;
  EXPECT_EQ(Snapshot(dir()), before);
}

TEST_F(PkiTest, CorruptCaKeyIsAnErrorAndNothingIsOverwritten) {
  Ensure();
  Spit(paths().ca_key, "garbage");
  auto before = Snapshot(dir());
  auto r = EnsurePki(dir(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(paths().ca_key), std::string::npos) << r.error().message;
  EXPECT_EQ(Snapshot(dir()), before);
}

TEST_F(PkiTest, CorruptCaCertIsAnError) {
  Ensure();
  Spit(paths().ca_cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  auto before = Snapshot(dir());
  auto r = EnsurePki(dir(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(paths().ca_cert), std::string::npos) << r.error().message;
  EXPECT_EQ(Snapshot(dir()), before);
}

TEST_F(PkiTest, MissingCaKeyIsNeverRegenerated) {
  Ensure();
  std::filesystem::remove(paths().ca_key);
  auto before = Snapshot(dir());
  auto r = EnsurePki(dir(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find(paths().ca_key), std::string::npos) << r.error().message;
  EXPECT_EQ(Snapshot(dir()), before);
}

TEST_F(PkiTest, CaKeyFromAnotherCaIsAnError) {
  Ensure();
  auto other = GenerateKey();
  ASSERT_TRUE(other.ok());
  Spit(paths().ca_key, *KeyToPem(other->get()));
  auto before = Snapshot(dir());
  auto r = EnsurePki(dir(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not belong"), std::string::npos) << r.error().message;
  EXPECT_EQ(Snapshot(dir()), before);
}

TEST_F(PkiTest, OperatorTokenIsKeptAndValidated) {
  ASSERT_TRUE(WriteFileAtomic(dir() + "/admin-token", "my-own-token\n", 0600).ok());
  DataDirPki pki = Ensure();
  EXPECT_FALSE(pki.created_token);
  EXPECT_EQ(pki.admin_token, "my-own-token");

  Spit(paths().admin_token, "two words\n");
  auto r = EnsurePki(dir(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(paths().admin_token), std::string::npos);
  EXPECT_EQ(Slurp(paths().admin_token), "two words\n");
}

TEST_F(PkiTest, StaleStagingFromACrashedFirstStartIsRemoved) {
  std::filesystem::create_directory(dir() + "/.pki.tmp.abc123");
  Spit(dir() + "/.pki.tmp.abc123/ca.key", "half");
  Ensure();
  EXPECT_FALSE(std::filesystem::exists(dir() + "/.pki.tmp.abc123"));
  EXPECT_TRUE(std::filesystem::exists(paths().ca_key));
}

TEST_F(PkiTest, CreatesMissingDataDirectory) {
  std::string nested = dir() + "/a/b";
  auto r = EnsurePki(nested, {});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Mode(nested), 0700);
  EXPECT_EQ(Slurp(nested + "/pki/ca.crt"), r->ca_cert_pem);
}

TEST_F(PkiTest, LoadPkiReadsWithoutWriting) {
  auto missing = LoadPki(dir());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Snapshot(dir()).empty());

  DataDirPki created = Ensure();
  auto before = Snapshot(dir());
  auto loaded = LoadPki(dir());
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->ca_cert_pem, created.ca_cert_pem);
  EXPECT_EQ(loaded->serving_cert_pem, created.serving_cert_pem);
  EXPECT_EQ(loaded->serving_key_pem, created.serving_key_pem);
  EXPECT_EQ(loaded->admin_token, created.admin_token);
  EXPECT_EQ(Snapshot(dir()), before);
}

}  // namespace
}  // namespace waygate::pki
