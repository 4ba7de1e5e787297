// Certificates forged for the tls tests: a CA from src/pki, leaves with chosen names, keys,
// validity, and PEM as a Secret would hold it.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <string>
#include <vector>

#include "pki/cert.h"
#include "pki/ossl.h"

namespace waygate::tls::testing {

inline pki::EvpPkeyPtr EcKey(const char* curve = "P-256") {
  return pki::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}
inline pki::EvpPkeyPtr RsaKey(size_t bits) {
  return pki::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
}
inline pki::EvpPkeyPtr Ed25519Key() {
  return pki::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

inline std::string Pem(X509* cert) { return pki::CertToPem(cert).value(); }
inline std::string Pem(EVP_PKEY* key) { return pki::KeyToPem(key).value(); }

struct Ca {
  pki::EvpPkeyPtr key;
  pki::X509Ptr cert;
};
inline Ca MakeCa() {
  Ca ca;
  ca.key = EcKey();
  ca.cert = pki::IssueCa(ca.key.get(), std::chrono::hours(24 * 365)).value();
  return ca;
}

// A leaf signed by `ca` for `dns` names (no SAN extension when `dns` is empty), subject CN `cn`.
// Validity: pki's (5 minutes ago to +days).
inline pki::X509Ptr Leaf(const Ca& ca, EVP_PKEY* key, const std::vector<std::string>& dns,
                         const std::string& cn = "leaf", int days = 90) {
  pki::X509Ptr cert(X509_new());
  X509* x = cert.get();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1000 + static_cast<long>(dns.size()));
  time_t now = time(nullptr);
  X509_time_adj_ex(X509_getm_notBefore(x), 0, -300, &now);
  X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &now);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(ca.cert.get()));
  X509_set_pubkey(x, key);
  if (!dns.empty()) {
    std::string value;
    for (const auto& d : dns) value += (value.empty() ? "DNS:" : ",DNS:") + d;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca.cert.get(), x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, NID_subject_alt_name, value.c_str());
    EXPECT_NE(ext, nullptr);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(x, ca.key.get(), EVP_sha256()), 0);
  return cert;
}

struct SecretData {
  std::string crt;  // leaf + CA as chain
  std::string key;
};
inline SecretData Secret(const Ca& ca, EVP_PKEY* key, const std::vector<std::string>& dns) {
  pki::X509Ptr leaf = Leaf(ca, key, dns);
  return {Pem(leaf.get()) + Pem(ca.cert.get()), Pem(key)};
}

}  // namespace waygate::tls::testing
