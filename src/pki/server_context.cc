#include "pki/server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pki/alpn.h"
#include "pki/cert.h"

namespace waygate::pki {
namespace {

// Mozilla server-side TLS "intermediate" configuration, TLS 1.2 part. The DHE-RSA entries of the
// published list are left out: the serving key is ECDSA, so they could never be chosen.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr char kGroups[] = "X25519:P-256:P-384";

Error SslError(const std::string& what) {
  return MakeError(ErrorCode::kInternal, what + ": " + TakeOpenSslErrors());
}

Status LoadChain(SSL_CTX* ctx, const DataDirPki& pki) {
  const std::string& source = pki.paths.serving_cert;
  auto leaf = CertFromPem(pki.serving_cert_pem, source);
  if (!leaf) return leaf.error();
  if (SSL_CTX_use_certificate(ctx, leaf->get()) != 1) return SslError("use " + source);
  BioPtr bio(
      BIO_new_mem_buf(pki.serving_cert_pem.data(), static_cast<int>(pki.serving_cert_pem.size())));
  if (!bio) return SslError("read " + source);
  X509Ptr skip(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));  // the leaf again
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      return SslError("add chain certificate from " + source);
    }
  }
  ERR_clear_error();  // the read that ended the loop left "no start line" on the queue
  auto key = KeyFromPem(pki.serving_key_pem, pki.paths.serving_key);
  if (!key) return key.error();
  if (X509_check_private_key(leaf->get(), key->get()) != 1) {
    TakeOpenSslErrors();
    return MakeError(ErrorCode::kInvalid,
                     pki.paths.serving_key + ": key does not belong to " + source);
  }
  if (SSL_CTX_use_PrivateKey(ctx, key->get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return SslError("use " + pki.paths.serving_key);
  }
  return OkStatus();
}

}  // namespace

Result<SslCtxPtr> MakeServerContext(const DataDirPki& pki, const ServerContextOptions& options) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return SslError("SSL_CTX_new");
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1) {
    return SslError("set minimum TLS version");
  }
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) return SslError("set TLS 1.2 ciphers");
  if (SSL_CTX_set1_groups_list(c, kGroups) != 1) return SslError("set key exchange groups");
  // Mozilla intermediate leaves the cipher choice to the client (it knows whether it has AES
  // hardware). Renegotiation is only an attack surface for an API server.
  SSL_CTX_clear_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  Status s = LoadChain(c, pki);
  if (!s.ok()) return s.error();
  s = SetAlpn(c, options.alpn);
  if (!s.ok()) return s.error();
  return ctx;
}

}  // namespace waygate::pki
