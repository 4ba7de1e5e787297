// CertificateStore: Secrets + spec.tls bindings -> SniIndex snapshots, with real certificates and
// real handshakes through the store's front context.
#include "tls/certificate_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tls_fixture.h"

namespace waygate::tls {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::hours;
using testing::Conn;

std::string CommonName(const ServerContext& ctx) {
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(ctx.certificate().leaf()), NID_commonName, cn,
                            sizeof(cn));
  return cn;
}

model::Secret MakeSecret(const std::string& ns, const std::string& name, std::string crt,
                         std::string key, const std::string& type = kTlsSecretType) {
  model::Secret s;
  s.meta.namespace_ = ns;
  s.meta.name = name;
  s.type = type;
  s.data["tls.crt"] = std::move(crt);
  s.data["tls.key"] = std::move(key);
  return s;
}

CertificateRequest Req(std::string host, std::string ingress, std::string secret,
                       std::string ns = "ns") {
  return {std::move(host), std::move(ns), std::move(ingress), std::move(secret)};
}

class CertificateStoreTest : public ::testing::Test {
 protected:
  testing::Ca ca_ = testing::MakeCa();
  std::shared_ptr<TicketKeys> keys_ = TicketKeys::Create().value();
  std::unique_ptr<CertificateStore> store_ = CertificateStore::Create(TlsPolicy{}, keys_).value();
  Clock::time_point now_ = Clock::now();

  // A Secret whose leaf has subject CN `cn` and SAN `dns`, valid for `days` from 5 minutes ago.
  model::Secret Tls(const std::string& ns, const std::string& name,
                    const std::vector<std::string>& dns, const std::string& cn, int days = 90) {
    auto key = testing::EcKey();
    auto leaf = testing::Leaf(ca_, key.get(), dns, cn, days);
    return MakeSecret(ns, name, testing::Pem(leaf.get()) + testing::Pem(ca_.cert.get()),
                      testing::Pem(key.get()));
  }

  SniSnapshot Build(const std::vector<CertificateRequest>& requests) {
    return BuildAt(requests, now_);
  }
  SniSnapshot BuildAt(const std::vector<CertificateRequest>& requests, Clock::time_point at) {
    auto snap = store_->Build(requests, at);
    EXPECT_TRUE(snap.ok()) << snap.error().message;
    return std::move(*snap);
  }
};

TEST_F(CertificateStoreTest, ExactWildcardAndDefaultSelection) {
  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "shop"));
  store_->UpsertSecret(Tls("ns", "wild", {"*.example.com"}, "wild"));
  SniSnapshot snap =
      Build({Req("shop.example.com", "a", "shop"), Req("*.example.com", "b", "wild")});
  EXPECT_TRUE(snap.problems.empty());
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), "shop");
  EXPECT_EQ(CommonName(snap.index->Lookup("SHOP.example.com.")), "shop");
  EXPECT_EQ(CommonName(snap.index->Lookup("blog.example.com")), "wild");
  EXPECT_EQ(CommonName(snap.index->Lookup("a.blog.example.com")), kDefaultCertificateCommonName);
  EXPECT_EQ(CommonName(snap.index->Lookup("")), kDefaultCertificateCommonName);
  // The snapshot asks to be rebuilt before its earliest certificate expires.
  EXPECT_LE(snap.rebuild_by, now_ + hours(24 * 91));
  EXPECT_GT(snap.rebuild_by, now_ + hours(24 * 89));
}

TEST_F(CertificateStoreTest, EntryWithoutSecretNameServesDefaultSilently) {
  SniSnapshot snap = Build({Req("plain.example.com", "a", "")});
  EXPECT_TRUE(snap.problems.empty());
  EXPECT_EQ(CommonName(snap.index->Lookup("plain.example.com")), kDefaultCertificateCommonName);
}

TEST_F(CertificateStoreTest, MissingSecretServesDefaultAndReports) {
  SniSnapshot snap = Build({Req("shop.example.com", "web", "missing")});
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), kDefaultCertificateCommonName);
  ASSERT_EQ(snap.problems.size(), 1u);
  const CertificateProblem& p = snap.problems[0];
  EXPECT_EQ(p.ingress_namespace, "ns");
  EXPECT_EQ(p.ingress_name, "web");
  EXPECT_EQ(p.secret, "ns/missing");
  EXPECT_EQ(p.host, "shop.example.com");
  EXPECT_EQ(p.reason, "SecretNotFound");
  EXPECT_EQ(p.message, "Secret ns/missing not found; serving the default certificate");
}

TEST_F(CertificateStoreTest, MalformedPem) {
  store_->UpsertSecret(MakeSecret("ns", "bad",
                                  "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
                                  testing::Pem(testing::EcKey().get())));
  SniSnapshot snap = Build({Req("shop.example.com", "web", "bad")});
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), kDefaultCertificateCommonName);
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].reason, "InvalidCertificate");
  EXPECT_EQ(snap.problems[0].message.rfind("Secret ns/bad data[tls.crt]: ", 0), 0u)
      << snap.problems[0].message;
}

TEST_F(CertificateStoreTest, KeyMismatch) {
  model::Secret s = Tls("ns", "mixed", {"shop.example.com"}, "shop");
  s.data["tls.key"] = testing::Pem(testing::EcKey().get());
  store_->UpsertSecret(s);
  SniSnapshot snap = Build({Req("shop.example.com", "web", "mixed")});
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), kDefaultCertificateCommonName);
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].reason, "KeyMismatch");
  EXPECT_EQ(
      snap.problems[0].message.rfind("Secret ns/mixed data[tls.key]: tls.key does not match", 0),
      0u)
      << snap.problems[0].message;
  EXPECT_NE(snap.problems[0].message.find("; serving the default certificate"), std::string::npos);
}

TEST_F(CertificateStoreTest, MissingKeyAndUnsupportedKey) {
  model::Secret nokey = Tls("ns", "nokey", {"a.example.com"}, "a");
  nokey.data.erase("tls.key");
  store_->UpsertSecret(nokey);
  auto ed = testing::Ed25519Key();
  auto leaf = testing::Leaf(ca_, ed.get(), {"b.example.com"}, "b");
  store_->UpsertSecret(MakeSecret("ns", "ed", testing::Pem(leaf.get()), testing::Pem(ed.get())));
  SniSnapshot snap =
      Build({Req("a.example.com", "web", "nokey"), Req("b.example.com", "web", "ed")});
  ASSERT_EQ(snap.problems.size(), 2u);
  EXPECT_EQ(snap.problems[0].secret, "ns/ed");
  EXPECT_EQ(snap.problems[0].reason, "UnsupportedKey");
  EXPECT_EQ(snap.problems[1].secret, "ns/nokey");
  EXPECT_EQ(snap.problems[1].reason, "SecretDataMissing");
  EXPECT_NE(snap.problems[1].message.find("data[tls.key]"), std::string::npos);
}

TEST_F(CertificateStoreTest, ExpiredSinceCachedIsDroppedAtNextBuild) {
  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "shop", /*days=*/30));
  SniSnapshot fresh = Build({Req("shop.example.com", "web", "shop")});
  EXPECT_EQ(CommonName(fresh.index->Lookup("shop.example.com")), "shop");

  SniSnapshot later = BuildAt({Req("shop.example.com", "web", "shop")}, now_ + hours(24 * 31));
  EXPECT_EQ(CommonName(later.index->Lookup("shop.example.com")), kDefaultCertificateCommonName);
  ASSERT_EQ(later.problems.size(), 1u);
  EXPECT_EQ(later.problems[0].reason, "CertificateExpired");
  EXPECT_EQ(
      later.problems[0].message.rfind("Secret ns/shop data[tls.crt]: certificate expired at ", 0),
      0u)
      << later.problems[0].message;
  // The snapshot built before still serves what it had.
  EXPECT_EQ(CommonName(fresh.index->Lookup("shop.example.com")), "shop");
}

TEST_F(CertificateStoreTest, NotYetValidIsServedOnceValid) {
  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "shop"));
  // First seen at a time before its notBefore: reported, but not remembered as broken.
  SniSnapshot early = BuildAt({Req("shop.example.com", "web", "shop")}, now_ - hours(1));
  ASSERT_EQ(early.problems.size(), 1u);
  EXPECT_EQ(early.problems[0].reason, "CertificateNotYetValid");
  EXPECT_LT(early.rebuild_by, now_);  // its notBefore: 5 minutes before now_
  SniSnapshot later = Build({Req("shop.example.com", "web", "shop")});
  EXPECT_TRUE(later.problems.empty());
  EXPECT_EQ(CommonName(later.index->Lookup("shop.example.com")), "shop");
}

TEST_F(CertificateStoreTest, WrongTypeIsReportedOnlyWhenReferenced) {
  model::Secret opaque = Tls("ns", "opaque", {"shop.example.com"}, "shop");
  opaque.type = "Opaque";
  uint64_t gen = store_->generation();
  store_->UpsertSecret(opaque);
  EXPECT_EQ(store_->generation(), gen);  // serves nothing: no index needs rebuilding
  EXPECT_TRUE(Build({}).problems.empty());
  SniSnapshot snap = Build({Req("shop.example.com", "web", "opaque")});
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), kDefaultCertificateCommonName);
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].reason, "SecretWrongType");
  EXPECT_NE(snap.problems[0].message.find("\"Opaque\""), std::string::npos);

  // Turned into a TLS Secret: served, and callers learn that they must rebuild.
  opaque.type = kTlsSecretType;
  store_->UpsertSecret(opaque);
  EXPECT_GT(store_->generation(), gen);
  snap = Build({Req("shop.example.com", "web", "opaque")});
  EXPECT_TRUE(snap.problems.empty());
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), "shop");
}

TEST_F(CertificateStoreTest, UnchangedUpsertKeepsTheContext) {
  model::Secret s = Tls("ns", "shop", {"shop.example.com"}, "shop");
  store_->UpsertSecret(s);
  SniSnapshot first = Build({Req("shop.example.com", "web", "shop")});
  uint64_t gen = store_->generation();

  s.meta.resource_version = "42";  // a resync, or an unrelated key changed
  s.data["ca.crt"] = testing::Pem(ca_.cert.get());
  store_->UpsertSecret(s);
  EXPECT_EQ(store_->generation(), gen);
  SniSnapshot second =
      Build({Req("shop.example.com", "web", "shop"), Req("x.example.com", "b", "")});
  EXPECT_EQ(&second.index->Lookup("shop.example.com"), &first.index->Lookup("shop.example.com"));
  EXPECT_EQ(&second.index->Lookup(""), &first.index->Lookup(""));
}

TEST_F(CertificateStoreTest, RotationGivesNewHandshakesTheNewCertificate) {
  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "v1"));
  SniSnapshot old_snap = Build({Req("shop.example.com", "web", "shop")});
  uint64_t gen = store_->generation();

  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "v2"));
  EXPECT_GT(store_->generation(), gen);
  SniSnapshot new_snap = Build({Req("shop.example.com", "web", "shop")});
  EXPECT_NE(&new_snap.index->Lookup("shop.example.com"),
            &old_snap.index->Lookup("shop.example.com"));

  auto front = store_->front();
  auto client = testing::ClientContext(ca_.cert.get());
  Conn before(client.get(), front.get(), old_snap.index.get(), "shop.example.com");
  ASSERT_TRUE(before.Handshake()) << before.server_error();
  EXPECT_EQ(before.PeerCommonName(), "v1");
  Conn after(client.get(), front.get(), new_snap.index.get(), "shop.example.com");
  ASSERT_TRUE(after.Handshake()) << after.server_error();
  EXPECT_EQ(after.PeerCommonName(), "v2");
  old_snap = {};  // the old index and its context go; the connection keeps its SSL_CTX
  EXPECT_TRUE(before.Exchange());
}

TEST_F(CertificateStoreTest, SecretsAreKeyedByNamespaceAndName) {
  store_->UpsertSecret(Tls("one", "tls", {"a.example.com"}, "one"));
  store_->UpsertSecret(Tls("two", "tls", {"b.example.com"}, "two"));
  SniSnapshot snap =
      Build({Req("a.example.com", "web", "tls", "one"), Req("b.example.com", "web", "tls", "two")});
  EXPECT_TRUE(snap.problems.empty());
  EXPECT_EQ(CommonName(snap.index->Lookup("a.example.com")), "one");
  EXPECT_EQ(CommonName(snap.index->Lookup("b.example.com")), "two");

  uint64_t gen = store_->generation();
  store_->RemoveSecret("one", "tls");
  EXPECT_GT(store_->generation(), gen);
  gen = store_->generation();
  store_->RemoveSecret("one", "tls");
  EXPECT_EQ(store_->generation(), gen);
  snap =
      Build({Req("a.example.com", "web", "tls", "one"), Req("b.example.com", "web", "tls", "two")});
  EXPECT_EQ(CommonName(snap.index->Lookup("a.example.com")), kDefaultCertificateCommonName);
  EXPECT_EQ(CommonName(snap.index->Lookup("b.example.com")), "two");
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].secret, "one/tls");
  EXPECT_EQ(snap.problems[0].reason, "SecretNotFound");
}

TEST_F(CertificateStoreTest, DefaultSecretValid) {
  store_->UpsertSecret(Tls("ingress", "default-tls", {"fallback.example.com"}, "custom default"));
  uint64_t gen = store_->generation();
  store_->SetDefaultSecret(std::make_pair("ingress", "default-tls"));
  EXPECT_GT(store_->generation(), gen);
  SniSnapshot snap = Build({Req("shop.example.com", "web", "missing")});
  EXPECT_EQ(CommonName(snap.index->Lookup("")), "custom default");
  // A broken Secret's host gets the configured default too.
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), "custom default");
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].secret, "ns/missing");

  store_->SetDefaultSecret(std::nullopt);
  EXPECT_EQ(CommonName(Build({}).index->Lookup("")), kDefaultCertificateCommonName);
}

TEST_F(CertificateStoreTest, DefaultSecretInvalidFallsBackToGenerated) {
  model::Secret s = Tls("ingress", "default-tls", {"fallback.example.com"}, "custom default");
  s.data["tls.key"] = testing::Pem(testing::EcKey().get());
  store_->UpsertSecret(s);
  store_->SetDefaultSecret(std::make_pair("ingress", "default-tls"));
  for (int i = 0; i < 2; ++i) {  // reported at every Build
    SniSnapshot snap = Build({});
    EXPECT_EQ(CommonName(snap.index->Lookup("")), kDefaultCertificateCommonName);
    ASSERT_EQ(snap.problems.size(), 1u);
    const CertificateProblem& p = snap.problems[0];
    EXPECT_EQ(p.ingress_namespace, "");
    EXPECT_EQ(p.ingress_name, "");
    EXPECT_EQ(p.host, "");
    EXPECT_EQ(p.secret, "ingress/default-tls");
    EXPECT_EQ(p.reason, "KeyMismatch");
    EXPECT_NE(p.message.find("; serving the generated default certificate"), std::string::npos);
  }
}

TEST_F(CertificateStoreTest, DefaultSecretMissing) {
  store_->SetDefaultSecret(std::make_pair("ingress", "nope"));
  SniSnapshot snap = Build({});
  EXPECT_EQ(CommonName(snap.index->Lookup("")), kDefaultCertificateCommonName);
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].reason, "SecretNotFound");
  EXPECT_EQ(snap.problems[0].secret, "ingress/nope");
  // Once it appears it becomes the default without another SetDefaultSecret.
  store_->UpsertSecret(Tls("ingress", "nope", {"fallback.example.com"}, "late default"));
  snap = Build({});
  EXPECT_TRUE(snap.problems.empty());
  EXPECT_EQ(CommonName(snap.index->Lookup("")), "late default");
}

TEST_F(CertificateStoreTest, HostConflictAndInvalidHost) {
  store_->UpsertSecret(Tls("ns", "s1", {"shop.example.com"}, "first"));
  store_->UpsertSecret(Tls("ns", "s2", {"shop.example.com"}, "second"));
  SniSnapshot snap = Build({Req("shop.example.com", "b", "s2"), Req("shop.example.com", "a", "s1"),
                            Req("f*.example.com", "a", "s1")});
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), "first");  // ns/a wins
  ASSERT_EQ(snap.problems.size(), 2u);
  EXPECT_EQ(snap.problems[0].ingress_name, "a");
  EXPECT_EQ(snap.problems[0].reason, "InvalidHost");
  EXPECT_EQ(snap.problems[0].host, "f*.example.com");
  EXPECT_EQ(snap.problems[1].ingress_name, "b");
  EXPECT_EQ(snap.problems[1].secret, "ns/s2");
  EXPECT_EQ(snap.problems[1].reason, "HostConflict");
  EXPECT_NE(snap.problems[1].message.find("ns/a"), std::string::npos) << snap.problems[1].message;
}

TEST_F(CertificateStoreTest, HostNotCoveredIsServedWithAWarning) {
  store_->UpsertSecret(Tls("ns", "other", {"other.example.com"}, "other"));
  SniSnapshot snap = Build({Req("shop.example.com", "web", "other")});
  EXPECT_EQ(CommonName(snap.index->Lookup("shop.example.com")), "other");
  ASSERT_EQ(snap.problems.size(), 1u);
  EXPECT_EQ(snap.problems[0].reason, "HostNotCovered");
  EXPECT_EQ(snap.problems[0].host, "shop.example.com");
}

TEST_F(CertificateStoreTest, ProblemsAreDeduplicatedAndSorted) {
  std::vector<CertificateRequest> requests = {
      Req("z.example.com", "web", "missing"), Req("b.example.com", "web", "missing"),
      Req("c.example.com", "api", "gone"),    Req("a.example.com", "web", "missing"),
      Req("d.example.com", "api", ""),
  };
  SniSnapshot snap = Build(requests);
  ASSERT_EQ(snap.problems.size(), 2u);  // one per (Ingress, Secret)
  EXPECT_EQ(snap.problems[0].ingress_name, "api");
  EXPECT_EQ(snap.problems[0].host, "c.example.com");
  EXPECT_EQ(snap.problems[1].ingress_name, "web");
  EXPECT_EQ(snap.problems[1].host, "a.example.com");  // the first host in byte order

  std::reverse(requests.begin(), requests.end());
  EXPECT_EQ(Build(requests).problems, snap.problems);
}

TEST_F(CertificateStoreTest, PolicyChangeRebuildsFrontAndContexts) {
  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "shop"));
  SniSnapshot before = Build({Req("shop.example.com", "web", "shop")});
  std::shared_ptr<SSL_CTX> old_front = store_->front();
  uint64_t gen = store_->generation();

  ASSERT_TRUE(store_->SetPolicy(TlsPolicy{}).ok());  // identical: nothing happens
  EXPECT_EQ(store_->front(), old_front);
  EXPECT_EQ(store_->generation(), gen);

  TlsPolicy bad;
  bad.protocols.min_version = 0x7777;  // no such version: refused, nothing changes
  EXPECT_FALSE(store_->SetPolicy(bad).ok());
  EXPECT_EQ(store_->front(), old_front);
  EXPECT_EQ(store_->generation(), gen);

  TlsPolicy tls13;
  tls13.protocols.min_version = TLS1_3_VERSION;
  ASSERT_TRUE(store_->SetPolicy(tls13).ok());
  EXPECT_GT(store_->generation(), gen);
  std::shared_ptr<SSL_CTX> new_front = store_->front();
  ASSERT_NE(new_front, old_front);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(new_front.get()), TLS1_3_VERSION);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(old_front.get()), TLS1_2_VERSION);

  SniSnapshot after = Build({Req("shop.example.com", "web", "shop")});
  const ServerContext& rebuilt = after.index->Lookup("shop.example.com");
  EXPECT_NE(&rebuilt, &before.index->Lookup("shop.example.com"));
  EXPECT_EQ(SSL_CTX_get_min_proto_version(rebuilt.ssl_ctx()), TLS1_3_VERSION);
  EXPECT_EQ(CommonName(rebuilt), "shop");

  // A TLS 1.2 client: refused by the new front, still served by the old one.
  auto client = testing::ClientContext(ca_.cert.get());
  SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
  Conn refused(client.get(), new_front.get(), after.index.get(), "shop.example.com");
  EXPECT_FALSE(refused.Handshake());
  Conn old(client.get(), old_front.get(), before.index.get(), "shop.example.com");
  ASSERT_TRUE(old.Handshake()) << old.server_error();
  EXPECT_EQ(SSL_version(old.client()), TLS1_2_VERSION);
}

TEST_F(CertificateStoreTest, HandshakePicksTheCertificateBySni) {
  store_->UpsertSecret(Tls("ns", "shop", {"shop.example.com"}, "shop"));
  store_->UpsertSecret(Tls("ns", "wild", {"*.example.com"}, "wild"));
  SniSnapshot snap = Build({Req("shop.example.com", "a", "shop"), Req("*.example.com", "b", "wild"),
                            Req("broken.example.com", "c", "missing")});
  auto front = store_->front();
  auto client = testing::ClientContext(ca_.cert.get());
  struct Case {
    const char* sni;
    const char* cn;
  };
  for (const Case& c : {Case{"shop.example.com", "shop"}, Case{"blog.example.com", "wild"},
                        Case{"broken.example.com", kDefaultCertificateCommonName},
                        Case{nullptr, kDefaultCertificateCommonName}}) {
    Conn conn(client.get(), front.get(), snap.index.get(), c.sni);
    ASSERT_TRUE(conn.Handshake()) << (c.sni ? c.sni : "(no sni)") << ": " << conn.server_error();
    EXPECT_EQ(conn.PeerCommonName(), c.cn) << (c.sni ? c.sni : "(no sni)");
    if (std::string(c.cn) != kDefaultCertificateCommonName) {
      EXPECT_EQ(SSL_get_verify_result(conn.client()), X509_V_OK);  // chain sent, CA trusted
    }
    EXPECT_TRUE(conn.Exchange());
  }
}

}  // namespace
}  // namespace waygate::tls
