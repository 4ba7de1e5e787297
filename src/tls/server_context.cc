#include "tls/server_context.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <cstring>
#include <string>

#include "pki/alpn.h"
#include "tls/sni_callback.h"

namespace waygate::tls {
namespace {

// All our contexts share one session id context, so that a session stays valid when the SNI
// callback moves a connection from the front context to a certificate's context.
constexpr unsigned char kSessionIdContext[] = "waygate";

Error SslError(const std::string& what) {
  return MakeError(ErrorCode::kInternal, "TLS context: " + what + ": " + pki::TakeOpenSslErrors());
}

// ex_data slots live as long as the SSL_CTX: an SSL keeps its SSL_CTX referenced after the
// ServerContext (or a whole SniIndex) that built it is gone.
void FreeKeys(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::shared_ptr<TicketKeys>*>(ptr);
}
int KeysIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeKeys);
  return index;
}

// OpenSSL 3 ticket callback. Returns 1 (ok), 2 (ok, but re-issue under the current key),
// 0 (unknown key: full handshake), -1 (error).
int TicketKeyCallback(SSL* ssl, unsigned char key_name[16], unsigned char* iv,
                      EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  // OpenSSL calls the session context's (the front's) callback; every context we build carries
  // the same keys, so the current SSL_CTX is as good as any.
  auto* keys_ptr = static_cast<std::shared_ptr<TicketKeys>*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), KeysIndex()));
  if (keys_ptr == nullptr) return -1;
  TicketKeys::Set set = (*keys_ptr)->Read();
  const TicketKeys::Key* key = nullptr;
  int found = 1;
  if (enc == 1) {
    key = &set.keys[0];
    if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) return -1;
    std::memcpy(key_name, key->name.data(), key->name.size());
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) != 1) {
      return -1;
    }
  } else {
    for (size_t i = 0; i < set.count; ++i) {
      if (std::memcmp(key_name, set.keys[i].name.data(), 16) == 0) {
        key = &set.keys[i];
        found = i == 0 ? 1 : 2;
        break;
      }
    }
    if (key == nullptr) return 0;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) != 1) {
      return -1;
    }
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(key->hmac.data()),
                                        key->hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
  return found;
}

Status ApplyPolicy(SSL_CTX* c, const TlsPolicy& policy, std::shared_ptr<TicketKeys> keys) {
  if (!keys) return MakeError(ErrorCode::kInternal, "TLS context: no ticket keys");
  if (SSL_CTX_set_min_proto_version(c, policy.protocols.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(c, policy.protocols.max_version) != 1) {
    return SslError("set protocol versions");
  }
  if (SSL_CTX_set_cipher_list(c, policy.tls12_ciphers.text().c_str()) != 1) {
    return SslError("set cipher list");
  }
  if (SSL_CTX_set1_groups_list(c, TlsPolicy::kGroups) != 1) return SslError("set groups");
  SSL_CTX_set_dh_auto(c, 1);  // RFC 7919 groups for the DHE-RSA entries of the list
  // Mozilla intermediate: the client picks (it knows whether it has AES hardware).
  SSL_CTX_clear_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
    return SslError("set session id context");
  }
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  // One TLS 1.3 ticket per handshake instead of OpenSSL's two: a client resumes one connection
  // at a time, and each ticket costs a session encoding and an encryption on the handshake.
  SSL_CTX_set_num_tickets(c, 1);
  SSL_CTX_sess_set_cache_size(c, policy.session_cache_size);
  SSL_CTX_set_timeout(c, static_cast<long>(policy.session_timeout.count()));

  auto* held = new std::shared_ptr<TicketKeys>(std::move(keys));
  if (KeysIndex() < 0 || SSL_CTX_set_ex_data(c, KeysIndex(), held) != 1) {
    delete held;
    return SslError("store ticket keys");
  }
  if (SSL_CTX_set_tlsext_ticket_key_evp_cb(c, TicketKeyCallback) != 1) {
    return SslError("set ticket key callback");
  }

  // Server preference: h2 whenever the client offers it.
  if (policy.offer_h2) return pki::SetAlpn(c, {"h2", "http/1.1"});
  return pki::SetAlpn(c, {"http/1.1"});
}

}  // namespace

Result<ServerContextPtr> ServerContext::Create(CertificatePtr certificate, const TlsPolicy& policy,
                                               std::shared_ptr<TicketKeys> ticket_keys) {
  if (!certificate) return MakeError(ErrorCode::kInternal, "TLS context: no certificate");
  pki::SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return SslError("SSL_CTX_new");
  Status s = ApplyPolicy(ctx.get(), policy, std::move(ticket_keys));
  if (!s.ok()) return s.error();
  const std::string& source = certificate->source();
  if (SSL_CTX_use_certificate(ctx.get(), certificate->leaf()) != 1) {
    return SslError("use certificate of " + source);
  }
  for (const auto& extra : certificate->chain()) {
    if (SSL_CTX_add1_chain_cert(ctx.get(), extra.get()) != 1) {
      return SslError("add chain certificate of " + source);
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), certificate->key()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return SslError("use key of " + source);
  }
  // Any certificate's context can be what a listener calls SSL_new() on (the data plane uses
  // its default certificate's): then SNI moves the connection only when another certificate
  // is chosen. Set now, before any worker can see the context.
  InstallSniCallback(ctx.get());
  std::shared_ptr<ServerContext> out(new ServerContext());
  out->certificate_ = std::move(certificate);
  out->ctx_ = std::move(ctx);
  return ServerContextPtr(std::move(out));
}

Result<pki::SslCtxPtr> CreateFrontContext(const TlsPolicy& policy,
                                          std::shared_ptr<TicketKeys> ticket_keys) {
  pki::SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return SslError("SSL_CTX_new");
  Status s = ApplyPolicy(ctx.get(), policy, std::move(ticket_keys));
  if (!s.ok()) return s.error();
  return ctx;
}

}  // namespace waygate::tls
