// Real handshakes between an OpenSSL client and the front context + SNI callback.
#include <gtest/gtest.h>

#include "base/snapshot.h"
#include "tls_fixture.h"

namespace waygate::tls {
namespace {

using testing::Conn;

class HandshakeTest : public testing::TlsFixture {
 protected:
  ServerContextPtr default_ = DefaultContext();
  ServerContextPtr shop_ = Context({"shop.example.com"});
  ServerContextPtr wild_ = Context({"*.example.com"}, /*rsa=*/true);
  std::shared_ptr<const SniIndex> index_ =
      SniIndex::Build({{"shop.example.com", "ns", "a", shop_}, {"*.example.com", "ns", "b", wild_}},
                      default_)
          .value();
  pki::SslCtxPtr front_ = Front();
  pki::SslCtxPtr client_ = testing::ClientContext(ca_.cert.get());
};

TEST_F(HandshakeTest, SniPicksTheCertificate) {
  Conn exact(client_.get(), front_.get(), index_.get(), "Shop.Example.com");
  ASSERT_TRUE(exact.Handshake()) << exact.server_error();
  EXPECT_EQ(exact.PeerDnsNames(), std::set<std::string>{"shop.example.com"});
  EXPECT_EQ(SSL_get_verify_result(exact.client()), X509_V_OK);  // chain sent, CA trusted
  EXPECT_EQ(SSL_version(exact.client()), TLS1_3_VERSION);

  Conn wildcard(client_.get(), front_.get(), index_.get(), "blog.example.com");
  ASSERT_TRUE(wildcard.Handshake()) << wildcard.server_error();
  EXPECT_EQ(wildcard.PeerDnsNames(), std::set<std::string>{"*.example.com"});

  Conn deep(client_.get(), front_.get(), index_.get(), "a.blog.example.com");
  ASSERT_TRUE(deep.Handshake()) << deep.server_error();
  EXPECT_EQ(deep.PeerCommonName(), kDefaultCertificateCommonName);

  Conn no_sni(client_.get(), front_.get(), index_.get(), nullptr);
  ASSERT_TRUE(no_sni.Handshake()) << no_sni.server_error();
  EXPECT_EQ(no_sni.PeerCommonName(), kDefaultCertificateCommonName);
}

TEST_F(HandshakeTest, NoIndexAttachedFailsTheHandshake) {
  Conn c(client_.get(), front_.get(), nullptr, "shop.example.com");
  EXPECT_FALSE(c.Handshake());
}

TEST_F(HandshakeTest, Tls11ClientIsRefused) {
  SSL_CTX_set_min_proto_version(client_.get(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(client_.get(), TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(client_.get(), "DEFAULT:@SECLEVEL=0");
  Conn c(client_.get(), front_.get(), index_.get(), "shop.example.com");
  EXPECT_FALSE(c.Handshake());
  EXPECT_NE(c.server_error().find("unsupported protocol"), std::string::npos)
      << c.server_error() << " / " << c.client_error();
}

TEST_F(HandshakeTest, WeakCipherIsRefused) {
  SSL_CTX_set_max_proto_version(client_.get(), TLS1_2_VERSION);
  ASSERT_EQ(SSL_CTX_set_cipher_list(client_.get(), "AES128-SHA"), 1);
  Conn c(client_.get(), front_.get(), index_.get(), "shop.example.com");
  EXPECT_FALSE(c.Handshake());
  EXPECT_NE(c.server_error().find("no shared cipher"), std::string::npos)
      << c.server_error() << " / " << c.client_error();
}

TEST_F(HandshakeTest, Tls12WithIntermediateCipherWorks) {
  SSL_CTX_set_max_proto_version(client_.get(), TLS1_2_VERSION);
  Conn c(client_.get(), front_.get(), index_.get(), "blog.example.com");  // RSA certificate
  ASSERT_TRUE(c.Handshake()) << c.server_error();
  EXPECT_EQ(SSL_version(c.client()), TLS1_2_VERSION);
  EXPECT_STREQ(SSL_get_cipher_name(c.client()), "ECDHE-RSA-AES256-GCM-SHA384");
}

TEST_F(HandshakeTest, AlpnPrefersH2) {
  static const unsigned char kOffer[] = "\x08http/1.1\x02h2";
  SSL_CTX_set_alpn_protos(client_.get(), kOffer, sizeof(kOffer) - 1);
  Conn c(client_.get(), front_.get(), index_.get(), "shop.example.com");
  ASSERT_TRUE(c.Handshake()) << c.server_error();
  EXPECT_EQ(c.Alpn(), "h2");

  policy_.offer_h2 = false;
  auto shop11 = Context({"shop.example.com"});
  auto index11 = SniIndex::Build({{"shop.example.com", "ns", "a", shop11}}, default_).value();
  auto front11 = Front();
  Conn c11(client_.get(), front11.get(), index11.get(), "shop.example.com");
  ASSERT_TRUE(c11.Handshake()) << c11.server_error();
  EXPECT_EQ(c11.Alpn(), "http/1.1");
}

// Two workers' front contexts (separate session caches) share the ticket keys.
TEST_F(HandshakeTest, TicketFromOneWorkerResumesOnAnother) {
  pki::SslCtxPtr other_worker = Front();
  Conn first(client_.get(), front_.get(), index_.get(), "shop.example.com");
  ASSERT_TRUE(first.Handshake()) << first.server_error();
  ASSERT_TRUE(first.Exchange());
  testing::SessionPtr session = first.Session();
  ASSERT_TRUE(session && SSL_SESSION_is_resumable(session.get()));
  EXPECT_FALSE(SSL_session_reused(first.client()));

  Conn second(client_.get(), other_worker.get(), index_.get(), "shop.example.com", session.get());
  ASSERT_TRUE(second.Handshake()) << second.server_error();
  EXPECT_TRUE(SSL_session_reused(second.client()));
  EXPECT_TRUE(SSL_session_reused(second.server()));
}

std::array<uint8_t, 16> TicketKeyName(SSL_SESSION* s) {
  const unsigned char* tick = nullptr;
  size_t len = 0;
  SSL_SESSION_get0_ticket(s, &tick, &len);
  std::array<uint8_t, 16> name{};
  if (len >= 16) std::copy(tick, tick + 16, name.begin());
  return name;
}

TEST_F(HandshakeTest, RotationKeepsOldTicketsAndIssuesNewOnes) {
  Conn first(client_.get(), front_.get(), index_.get(), "shop.example.com");
  ASSERT_TRUE(first.Handshake());
  ASSERT_TRUE(first.Exchange());
  testing::SessionPtr old_session = first.Session();
  auto old_name = keys_->current_name();
  EXPECT_EQ(TicketKeyName(old_session.get()), old_name);

  ASSERT_TRUE(keys_->Rotate().ok());
  auto new_name = keys_->current_name();
  ASSERT_NE(new_name, old_name);

  Conn resumed(client_.get(), front_.get(), index_.get(), "shop.example.com", old_session.get());
  ASSERT_TRUE(resumed.Handshake()) << resumed.server_error();
  EXPECT_TRUE(SSL_session_reused(resumed.client()));
  ASSERT_TRUE(resumed.Exchange());
  EXPECT_EQ(TicketKeyName(resumed.Session().get()), new_name);  // re-issued under the new key

  Conn fresh(client_.get(), front_.get(), index_.get(), "shop.example.com");
  ASSERT_TRUE(fresh.Handshake());
  ASSERT_TRUE(fresh.Exchange());
  EXPECT_EQ(TicketKeyName(fresh.Session().get()), new_name);

  // After kSlots rotations the old key is gone: the ticket is ignored, a full handshake follows.
  for (size_t i = 0; i < TicketKeys::kSlots; ++i) ASSERT_TRUE(keys_->Rotate().ok());
  Conn expired(client_.get(), front_.get(), index_.get(), "shop.example.com", old_session.get());
  ASSERT_TRUE(expired.Handshake()) << expired.server_error();
  EXPECT_FALSE(SSL_session_reused(expired.client()));
}

TEST_F(HandshakeTest, Tls12SessionCacheWithoutTickets) {
  SSL_CTX_set_max_proto_version(client_.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(client_.get(), SSL_OP_NO_TICKET);
  Conn first(client_.get(), front_.get(), index_.get(), "shop.example.com");
  ASSERT_TRUE(first.Handshake());
  testing::SessionPtr session = first.Session();
  Conn second(client_.get(), front_.get(), index_.get(), "shop.example.com", session.get());
  ASSERT_TRUE(second.Handshake()) << second.server_error();
  EXPECT_TRUE(SSL_session_reused(second.client()));
}

TEST_F(HandshakeTest, SwappingTheIndexChangesTheNextHandshake) {
  SnapshotCell<SniIndex> cell;
  cell.Publish(index_);
  auto held = cell.Load();
  Conn before(client_.get(), front_.get(), held.get(), "shop.example.com");
  ASSERT_TRUE(before.Handshake());
  EXPECT_EQ(before.PeerDnsNames(), std::set<std::string>{"shop.example.com"});

  // A rotated Secret: a new certificate for the same host.
  auto rotated = Context({"shop.example.com", "www.shop.example.com"});
  cell.Publish(SniIndex::Build({{"shop.example.com", "ns", "a", rotated}}, default_).value());
  held.reset();  // the old index may go; `before` keeps working on its SSL_CTX
  index_.reset();
  shop_.reset();

  auto now = cell.Load();
  Conn after(client_.get(), front_.get(), now.get(), "shop.example.com");
  ASSERT_TRUE(after.Handshake()) << after.server_error();
  EXPECT_EQ(after.PeerDnsNames(),
            (std::set<std::string>{"shop.example.com", "www.shop.example.com"}));
  EXPECT_TRUE(before.Exchange());  // the earlier connection is unaffected
}

}  // namespace
}  // namespace waygate::tls
