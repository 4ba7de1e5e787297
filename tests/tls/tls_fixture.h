// Server contexts for named certificates, and an in-process TLS client over a socketpair, so
// handshakes run for real (OpenSSL on both ends) without a listener or threads.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "test_certs.h"
#include "tls/default_certificate.h"
#include "tls/server_context.h"
#include "tls/sni_callback.h"
#include "tls/sni_index.h"

namespace waygate::tls::testing {

class TlsFixture : public ::testing::Test {
 protected:
  Ca ca_ = MakeCa();
  std::shared_ptr<TicketKeys> keys_ = TicketKeys::Create().value();
  TlsPolicy policy_;

  // A context whose certificate names `dns` (ECDSA unless `rsa`).
  ServerContextPtr Context(const std::vector<std::string>& dns, bool rsa = false) {
    auto key = rsa ? RsaKey(2048) : EcKey();
    SecretData s = Secret(ca_, key.get(), dns);
    auto cert = Certificate::FromSecretData(s.crt, s.key, std::chrono::system_clock::now(),
                                            "test/" + (dns.empty() ? "none" : dns[0]));
    EXPECT_TRUE(cert.ok()) << cert.error().message;
    auto ctx = ServerContext::Create(*cert, policy_, keys_);
    EXPECT_TRUE(ctx.ok()) << ctx.error().message;
    return *ctx;
  }
  ServerContextPtr DefaultContext() {
    auto cert = GenerateDefaultCertificate(std::chrono::system_clock::now());
    EXPECT_TRUE(cert.ok());
    return ServerContext::Create(*cert, policy_, keys_).value();
  }
  pki::SslCtxPtr Front() {
    auto front = CreateFrontContext(policy_, keys_);
    EXPECT_TRUE(front.ok()) << front.error().message;
    InstallSniCallback(front->get());
    return std::move(*front);
  }
};

// A client trusting the test CA.
inline pki::SslCtxPtr ClientContext(X509* ca) {
  pki::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT);
  return ctx;
}

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;
struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

// One connection: client and server SSL over a non-blocking socketpair, pumped in turn.
class Conn {
 public:
  Conn(SSL_CTX* client_ctx, SSL_CTX* front, const SniIndex* index, const char* sni,
       SSL_SESSION* resume = nullptr) {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    client_.reset(SSL_new(client_ctx));
    server_.reset(SSL_new(front));
    SSL_set_fd(client_.get(), fds_[0]);
    SSL_set_fd(server_.get(), fds_[1]);
    SSL_set_connect_state(client_.get());
    SSL_set_accept_state(server_.get());
    if (sni != nullptr) SSL_set_tlsext_host_name(client_.get(), sni);
    if (resume != nullptr) SSL_set_session(client_.get(), resume);
    EXPECT_TRUE(AttachSniIndex(server_.get(), index));
  }
  ~Conn() {
    client_.reset();
    server_.reset();
    close(fds_[0]);
    close(fds_[1]);
  }

  // True once both ends finished; false as soon as either fails (server_error says why).
  bool Handshake() {
    for (int i = 0; i < 200; ++i) {
      int c = SSL_do_handshake(client_.get());
      if (c <= 0 && !Retry(client_.get(), c)) {
        client_error_ = pki::TakeOpenSslErrors("client failed");
        // Let the server read the alert or the hello it choked on.
        SSL_do_handshake(server_.get());
        server_error_ = pki::TakeOpenSslErrors("");
        return false;
      }
      int s = SSL_do_handshake(server_.get());
      if (s <= 0 && !Retry(server_.get(), s)) {
        server_error_ = pki::TakeOpenSslErrors("server failed");
        return false;
      }
      if (c == 1 && s == 1) return true;
    }
    return false;
  }

  // Server sends a few bytes, the client reads them; this also delivers TLS 1.3 tickets.
  bool Exchange() {
    if (SSL_write(server_.get(), "ping", 4) != 4) return false;
    char buf[16];
    for (int i = 0; i < 50; ++i) {
      int n = SSL_read(client_.get(), buf, sizeof(buf));
      if (n > 0) return std::string(buf, static_cast<size_t>(n)) == "ping";
      if (!Retry(client_.get(), n)) return false;
    }
    return false;
  }

  std::set<std::string> PeerDnsNames() const {
    pki::X509Ptr peer(SSL_get1_peer_certificate(client_.get()));
    if (!peer) return {};
    return pki::ReadSans(peer.get()).dns;
  }
  std::string PeerCommonName() const {
    pki::X509Ptr peer(SSL_get1_peer_certificate(client_.get()));
    char cn[128] = {};
    if (peer) X509_NAME_get_text_by_NID(X509_get_subject_name(peer.get()), NID_commonName, cn, 128);
    return cn;
  }
  std::string Alpn() const {
    const unsigned char* p = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(client_.get(), &p, &len);
    return std::string(reinterpret_cast<const char*>(p), len);
  }
  SessionPtr Session() const { return SessionPtr(SSL_get1_session(client_.get())); }
  SSL* client() const { return client_.get(); }
  SSL* server() const { return server_.get(); }
  const std::string& server_error() const { return server_error_; }
  const std::string& client_error() const { return client_error_; }

 private:
  static bool Retry(SSL* ssl, int rc) {
    int e = SSL_get_error(ssl, rc);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
  }

  int fds_[2] = {-1, -1};
  SslPtr client_;
  SslPtr server_;
  std::string server_error_;
  std::string client_error_;
};

}  // namespace waygate::tls::testing
