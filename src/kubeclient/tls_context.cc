#include "kubeclient/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

namespace waygate::kubeclient {
namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in a PEM bundle, in order; stops quietly at the end of the data.
std::vector<X509Ptr> ReadCerts(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = MemBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the read that ended the loop left "no start line" behind
  return out;
}

Error Fail(const std::string& field, const std::string& message) {
  return MakeError(ErrorCode::kInvalid, (field.empty() ? "" : field + ": ") + message);
}

}  // namespace

std::string TakeOpenSslErrors(const char* fallback) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? fallback : out;
}

Result<SslCtxPtr> MakeClientContext(const Config& config) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return MakeError(ErrorCode::kInternal, "SSL_CTX_new: " + TakeOpenSslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);

  if (config.insecure_skip_tls_verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (config.ca_pem.empty()) {
      SSL_CTX_set_default_verify_paths(ctx.get());
    } else {
      auto certs = ReadCerts(config.ca_pem);
      if (certs.empty()) return Fail(config.ca_field, "no PEM certificate found");
      X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
      for (auto& cert : certs) {
        if (X509_STORE_add_cert(store, cert.get()) != 1) {
          return Fail(config.ca_field, "cannot use certificate: " + TakeOpenSslErrors());
        }
      }
    }
  }

  if (!config.client_cert_pem.empty()) {
    auto certs = ReadCerts(config.client_cert_pem);
    if (certs.empty()) return Fail(config.client_cert_field, "no PEM certificate found");
    if (SSL_CTX_use_certificate(ctx.get(), certs[0].get()) != 1) {
      return Fail(config.client_cert_field, TakeOpenSslErrors());
    }
    for (size_t i = 1; i < certs.size(); ++i) {
      if (SSL_CTX_add1_chain_cert(ctx.get(), certs[i].get()) != 1) {
        return Fail(config.client_cert_field, TakeOpenSslErrors());
      }
    }
    BioPtr bio = MemBio(config.client_key_pem);
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
      return Fail(config.client_key_field,
                  "no usable PEM private key found (" + TakeOpenSslErrors() + ")");
    }
    if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      ERR_clear_error();
      return Fail(config.client_key_field, "does not belong to the client certificate");
    }
  }
  return ctx;
}

}  // namespace waygate::kubeclient
