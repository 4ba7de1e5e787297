#include "pki/server_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "pki/cert.h"
#include "pki/pki.h"
#include "pki/temp_dir.h"

namespace waygate::pki {
namespace {

struct ClientSpec {
  std::string verify_host;  // a DNS name, or an IP literal
  std::vector<std::string> alpn = {"h2", "http/1.1"};
  int max_version = 0;  // 0: library default
  int min_version = 0;
};

struct Outcome {
  bool client_ok = false;
  bool server_ok = false;
  long verify_result = -1;
  std::string alpn;
  std::string version;
  std::string cipher;
  std::string echoed;              // what the server read after the handshake
  std::string reply;               // what the client read back
  unsigned long server_error = 0;  // first OpenSSL error on the server side
};

// One TLS connection over a socketpair: the server side runs on a thread with the context under
// test, the client is a plain OpenSSL client that trusts only the data directory's ca.crt.
Outcome Handshake(SSL_CTX* server_ctx, const std::string& ca_pem, const ClientSpec& spec) {
  Outcome out;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return out;
  timeval tv{5, 0};  // a bug fails the test instead of hanging it
  for (int fd : fds) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  std::thread server([&] {
    SSL* ssl = SSL_new(server_ctx);
    SSL_set_fd(ssl, fds[0]);
    out.server_ok = SSL_accept(ssl) == 1;
    if (out.server_ok) {
      char buf[16] = {};
      int n = SSL_read(ssl, buf, sizeof(buf));
      if (n > 0) out.echoed.assign(buf, static_cast<size_t>(n));
      SSL_write(ssl, "pong", 4);
      SSL_shutdown(ssl);
    } else {
      out.server_error = ERR_peek_error();
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fds[0]);
  });

  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), ca);
  X509_free(ca);
  BIO_free(bio);
  SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
  if (spec.min_version) {
    SSL_CTX_set_security_level(cctx, 0);  // so only the server can be the one refusing
    SSL_CTX_set_min_proto_version(cctx, spec.min_version);
    SSL_CTX_set_cipher_list(cctx, "ALL:@SECLEVEL=0");
  }
  if (spec.max_version) SSL_CTX_set_max_proto_version(cctx, spec.max_version);
  std::string wire;
  for (const auto& p : spec.alpn) wire += static_cast<char>(p.size()) + p;
  if (!wire.empty()) {
    SSL_CTX_set_alpn_protos(cctx, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned int>(wire.size()));
  }
  SSL* ssl = SSL_new(cctx);
  SSL_set_fd(ssl, fds[1]);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, spec.verify_host.c_str()) != 1) {
    ERR_clear_error();
    SSL_set_tlsext_host_name(ssl, spec.verify_host.c_str());
    SSL_set1_host(ssl, spec.verify_host.c_str());
  }
  out.client_ok = SSL_connect(ssl) == 1;
  out.verify_result = SSL_get_verify_result(ssl);
  if (out.client_ok) {
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &len);
    out.alpn.assign(reinterpret_cast<const char*>(proto), len);
    out.version = SSL_get_version(ssl);
    out.cipher = SSL_get_cipher_name(ssl);
    SSL_write(ssl, "ping", 4);
    char buf[16] = {};
    int n = SSL_read(ssl, buf, sizeof(buf));
    if (n > 0) out.reply.assign(buf, static_cast<size_t>(n));
  }
  ERR_clear_error();
  SSL_free(ssl);
  SSL_CTX_free(cctx);
  close(fds[1]);  // unblocks a server still waiting for data
  server.join();
  return out;
}

class ServerContextTest : public ::testing::Test {
 protected:
  // A peer that closed first turns the other side's close_notify into SIGPIPE on a socketpair.
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    auto pki = EnsurePki(tmp_.path(), {});
    ASSERT_TRUE(pki.ok()) << pki.error().ToString();
    pki_ = std::move(*pki);
    auto ctx = MakeServerContext(pki_);
    ASSERT_TRUE(ctx.ok()) << ctx.error().ToString();
    ctx_ = std::move(*ctx);
  }

  testing::TempDir tmp_;
  DataDirPki pki_;
  SslCtxPtr ctx_;
};

TEST_F(ServerContextTest, ClientTrustingCaVerifiesIpAndGetsH2) {
  Outcome o = Handshake(ctx_.get(), pki_.ca_cert_pem, {.verify_host = "127.0.0.1"});
  ASSERT_TRUE(o.client_ok);
  EXPECT_TRUE(o.server_ok);
  EXPECT_EQ(o.verify_result, X509_V_OK);
  EXPECT_EQ(o.alpn, "h2");
  EXPECT_EQ(o.version, "TLSv1.3");
  EXPECT_EQ(o.echoed, "ping");
  EXPECT_EQ(o.reply, "pong");
}

TEST_F(ServerContextTest, ClientVerifiesLocalhostAndGetsHttp11WhenItOffersOnlyThat) {
  Outcome o =
      Handshake(ctx_.get(), pki_.ca_cert_pem, {.verify_host = "localhost", .alpn = {"http/1.1"}});
  ASSERT_TRUE(o.client_ok);
  EXPECT_EQ(o.verify_result, X509_V_OK);
  EXPECT_EQ(o.alpn, "http/1.1");
  EXPECT_EQ(o.echoed, "ping");
}

TEST_F(ServerContextTest, ClientWithoutCommonAlpnStillConnects) {
  Outcome o =
      Handshake(ctx_.get(), pki_.ca_cert_pem, {.verify_host = "localhost", .alpn = {"spdy/3"}});
  ASSERT_TRUE(o.client_ok);
  EXPECT_EQ(o.alpn, "");
}

TEST_F(ServerContextTest, Tls12UsesAnIntermediateAeadCipher) {
  Outcome o = Handshake(ctx_.get(), pki_.ca_cert_pem,
                        {.verify_host = "::1", .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(o.client_ok);
  EXPECT_EQ(o.version, "TLSv1.2");
  EXPECT_TRUE(o.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256" ||
              o.cipher == "ECDHE-ECDSA-AES256-GCM-SHA384" ||
              o.cipher == "ECDHE-ECDSA-CHACHA20-POLY1305")
      << o.cipher;
}

TEST_F(ServerContextTest, ServerRefusesTls11) {
  Outcome o = Handshake(
      ctx_.get(), pki_.ca_cert_pem,
      {.verify_host = "localhost", .max_version = TLS1_1_VERSION, .min_version = TLS1_VERSION});
  EXPECT_FALSE(o.client_ok);
  EXPECT_FALSE(o.server_ok);
  EXPECT_EQ(ERR_GET_REASON(o.server_error), SSL_R_UNSUPPORTED_PROTOCOL) << o.server_error;
}

TEST_F(ServerContextTest, WrongHostnameFailsVerification) {
  Outcome o = Handshake(ctx_.get(), pki_.ca_cert_pem, {.verify_host = "example.com"});
  EXPECT_FALSE(o.client_ok);
  EXPECT_EQ(o.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(ServerContextTest, ClientTrustingAnotherCaFails) {
  testing::TempDir other_dir;
  auto other = EnsurePki(other_dir.path(), {});
  ASSERT_TRUE(other.ok());
  Outcome o = Handshake(ctx_.get(), other->ca_cert_pem, {.verify_host = "127.0.0.1"});
  EXPECT_FALSE(o.client_ok);
  EXPECT_NE(o.verify_result, X509_V_OK);
}

TEST_F(ServerContextTest, KeyNotMatchingCertificateIsRejected) {
  auto other = GenerateKey();
  ASSERT_TRUE(other.ok());
  DataDirPki bad = pki_;
  bad.serving_key_pem = *KeyToPem(other->get());
  auto ctx = MakeServerContext(bad);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("does not belong"), std::string::npos) << ctx.error().message;
  EXPECT_NE(ctx.error().message.find(pki_.paths.serving_key), std::string::npos);
}

TEST_F(ServerContextTest, ChainCertificatesAfterTheLeafAreSent) {
  DataDirPki chained = pki_;
  chained.serving_cert_pem += pki_.ca_cert_pem;
  auto ctx = MakeServerContext(chained);
  ASSERT_TRUE(ctx.ok()) << ctx.error().ToString();
  STACK_OF(X509)* chain = nullptr;
  ASSERT_EQ(SSL_CTX_get0_chain_certs(ctx->get(), &chain), 1);
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(sk_X509_num(chain), 1);
  Outcome o = Handshake(ctx->get(), pki_.ca_cert_pem, {.verify_host = "127.0.0.1"});
  EXPECT_TRUE(o.client_ok);
}

TEST_F(ServerContextTest, InvalidAlpnListIsRejected) {
  auto ctx = MakeServerContext(pki_, {.alpn = {"h2", ""}});
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().code, ErrorCode::kInvalid);
}

TEST_F(ServerContextTest, AlpnCanBeDisabledOrReordered) {
  auto none = MakeServerContext(pki_, {.alpn = {}});
  ASSERT_TRUE(none.ok());
  Outcome o = Handshake(none->get(), pki_.ca_cert_pem, {.verify_host = "localhost"});
  ASSERT_TRUE(o.client_ok);
  EXPECT_EQ(o.alpn, "");

  auto h1_first = MakeServerContext(pki_, {.alpn = {"http/1.1", "h2"}});
  ASSERT_TRUE(h1_first.ok());
  o = Handshake(h1_first->get(), pki_.ca_cert_pem, {.verify_host = "localhost"});
  ASSERT_TRUE(o.client_ok);
  EXPECT_EQ(o.alpn, "http/1.1");
}

}  // namespace
}  // namespace waygate::pki
