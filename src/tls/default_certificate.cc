#include "tls/default_certificate.h"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "pki/cert.h"

namespace waygate::tls {
namespace {

Error SslError(const std::string& what) {
  return MakeError(ErrorCode::kInternal,
                   "default certificate: " + what + ": " + pki::TakeOpenSslErrors());
}

bool AddExt(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}

}  // namespace

Result<CertificatePtr> GenerateDefaultCertificate(std::chrono::system_clock::time_point now) {
  auto key = pki::GenerateKey();
  if (!key) return key.error();
  pki::X509Ptr cert(X509_new());
  if (!cert) return SslError("allocate");
  X509* x = cert.get();
  time_t t = std::chrono::system_clock::to_time_t(now);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return SslError("serial");
  serial[0] = static_cast<unsigned char>((serial[0] & 0x7f) | 0x01);
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr;
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(x);
  const auto* cn = reinterpret_cast<const unsigned char*>(kDefaultCertificateCommonName);
  if (!serial_ok || X509_set_version(x, X509_VERSION_3) != 1 ||
      X509_time_adj_ex(X509_getm_notBefore(x), 0, -5 * 60, &t) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, &t) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("Waygate"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key->get()) != 1 ||
      !AddExt(x, NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExt(x, NID_key_usage, "critical,digitalSignature") ||
      !AddExt(x, NID_ext_key_usage, "serverAuth") || X509_sign(x, key->get(), EVP_sha256()) <= 0) {
    return SslError("build");
  }
  return Certificate::FromParts(std::move(cert), {}, std::move(*key), now, "default certificate");
}

}  // namespace waygate::tls
