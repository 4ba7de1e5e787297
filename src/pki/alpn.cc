#include "pki/alpn.h"

#include <openssl/err.h>

#include <memory>

namespace waygate::pki {
namespace {

// The ALPN wire list lives as long as the SSL_CTX: it is freed by the ex_data free callback.
void FreeAlpn(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(ptr);
}

int AlpnIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeAlpn);
  return index;
}

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* wire = static_cast<const std::string*>(arg);
  unsigned char* selected = nullptr;
  // Server preference first: the first of our protocols the client also offers.
  if (SSL_select_next_proto(&selected, outlen, reinterpret_cast<const unsigned char*>(wire->data()),
                            static_cast<unsigned int>(wire->size()), in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Status SetAlpn(SSL_CTX* ctx, const std::vector<std::string>& protocols) {
  if (protocols.empty()) return OkStatus();
  auto wire = std::make_unique<std::string>();
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) {
      return MakeError(ErrorCode::kInvalid, "ALPN protocol \"" + p + "\" must be 1-255 bytes",
                       "alpn");
    }
    wire->push_back(static_cast<char>(p.size()));
    *wire += p;
  }
  if (AlpnIndex() < 0 || SSL_CTX_set_ex_data(ctx, AlpnIndex(), wire.get()) != 1) {
    return MakeError(ErrorCode::kInternal, "store ALPN list: " + TakeOpenSslErrors());
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, wire.release());
  return OkStatus();
}

}  // namespace waygate::pki
