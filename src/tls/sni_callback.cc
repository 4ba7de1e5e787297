#include "tls/sni_callback.h"

namespace waygate::tls {
namespace {

int IndexSlot() {
  static const int slot = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return slot;
}

int OnServerName(SSL* ssl, int* alert, void*) {
  const auto* index = static_cast<const SniIndex*>(SSL_get_ex_data(ssl, IndexSlot()));
  if (index == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const ServerContext& chosen = index->Lookup(name != nullptr ? name : "");
  // Already there (the connection started on the default certificate's context): switching
  // would only copy the certificate state onto itself.
  if (chosen.ssl_ctx() == SSL_get_SSL_CTX(ssl)) return SSL_TLSEXT_ERR_OK;
  if (SSL_set_SSL_CTX(ssl, chosen.ssl_ctx()) == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void InstallSniCallback(SSL_CTX* front) {
  // OpenSSL >= 1.1.1 calls this for every ClientHello, with or without SNI.
  SSL_CTX_set_tlsext_servername_callback(front, OnServerName);
}

bool AttachSniIndex(SSL* ssl, const SniIndex* index) {
  return IndexSlot() >= 0 && SSL_set_ex_data(ssl, IndexSlot(), const_cast<SniIndex*>(index)) == 1;
}

}  // namespace waygate::tls
