#include "tls/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "pki/cert.h"

namespace waygate::tls {
namespace {

using Clock = std::chrono::system_clock;

constexpr char kCrtField[] = "data[tls.crt]";
constexpr char kKeyField[] = "data[tls.key]";
constexpr int kMinRsaBits = 2048;

bool Blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

Error Fail(ErrorCode code, const std::string& source, std::string message, const char* field) {
  return MakeError(code, "TLS Secret " + source + ": " + std::move(message), field);
}

// Reads every CERTIFICATE block: the leaf first, then the chain. Other PEM blocks are skipped by
// OpenSSL; a damaged block or base64 error is an error rather than a shorter chain.
Result<std::vector<pki::X509Ptr>> ReadCertificates(std::string_view pem,
                                                   const std::string& source) {
  ERR_clear_error();
  pki::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Fail(ErrorCode::kInternal, source, pki::TakeOpenSslErrors(), kCrtField);
  std::vector<pki::X509Ptr> certs;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(x);
  unsigned long err = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  if (err != 0 && !clean_end) {
    return Fail(ErrorCode::kInvalid, source,
                "tls.crt is not valid PEM (" + pki::TakeOpenSslErrors() + ")", kCrtField);
  }
  ERR_clear_error();
  if (certs.empty()) {
    bool has_pem = pem.find("-----BEGIN ") != std::string_view::npos;
    return Fail(ErrorCode::kInvalid, source,
                has_pem ? "tls.crt holds no CERTIFICATE block (empty chain)"
                        : "tls.crt is not PEM (expected -----BEGIN CERTIFICATE-----)",
                kCrtField);
  }
  return certs;
}

Result<KeyType> CheckKeyType(EVP_PKEY* key, const std::string& source) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      int bits = EVP_PKEY_get_bits(key);
      if (bits < kMinRsaBits) {
        return Fail(ErrorCode::kUnsupported, source,
                    "RSA key of " + std::to_string(bits) + " bits is too weak (need at least " +
                        std::to_string(kMinRsaBits) + ")",
                    kKeyField);
      }
      return KeyType::kRsa;
    }
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) {
        ERR_clear_error();
        return Fail(ErrorCode::kUnsupported, source, "ECDSA key on an unnamed curve", kKeyField);
      }
      std::string_view g(group, len);
      if (g != "prime256v1" && g != "secp384r1" && g != "secp521r1") {
        return Fail(ErrorCode::kUnsupported, source,
                    "ECDSA key on curve " + std::string(g) + " (use P-256, P-384 or P-521)",
                    kKeyField);
      }
      return KeyType::kEcdsa;
    }
    default: {
      const char* name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
      return Fail(
          ErrorCode::kUnsupported, source,
          std::string("unsupported key type ") + (name ? name : "unknown") + " (use RSA or ECDSA)",
          kKeyField);
    }
  }
}

bool ToTimePoint(const ASN1_TIME* t, Clock::time_point* out) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  // system_clock counts nanoseconds (about +-292 years around 1970) while certificates may say
  // 9999-12-31: clamp instead of overflowing.
  const time_t secs = timegm(&tm);
  constexpr auto kMax =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::max().time_since_epoch())
          .count() -
      1;
  if (secs >= kMax) {
    *out = Clock::time_point::max();
  } else if (secs <= -kMax) {
    *out = Clock::time_point::min();
  } else {
    *out = Clock::from_time_t(secs);
  }
  return true;
}


std::vector<std::string> DnsNames(X509* cert) {
  std::vector<std::string> names;
  for (const auto& d : pki::ReadSans(cert).dns) {
    std::string n;
    if (NormalizeHost(d, &n)) names.push_back(std::move(n));
  }
  if (!names.empty()) return names;
  X509_NAME* subject = X509_get_subject_name(cert);
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return names;
  const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  std::string_view raw(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                       static_cast<size_t>(ASN1_STRING_length(cn)));
  std::string n;
  // A CN such as "Waygate Default Certificate" is a label, not a host name.
  if (raw.find_first_of(" \t/:@") == std::string_view::npos && NormalizeHost(raw, &n)) {
    names.push_back(std::move(n));
  }
  return names;
}

}  // namespace

const char* ToString(KeyType type) { return type == KeyType::kRsa ? "RSA" : "ECDSA"; }

Result<CertificatePtr> Certificate::FromSecretData(std::string_view tls_crt,
                                                   std::string_view tls_key, Clock::time_point now,
                                                   const std::string& source) {
  if (Blank(tls_crt)) {
    return Fail(ErrorCode::kNotFound, source, "tls.crt is missing or empty", kCrtField);
  }
  if (Blank(tls_key)) {
    return Fail(ErrorCode::kNotFound, source, "tls.key is missing or empty", kKeyField);
  }
  if (tls_crt.size() > static_cast<size_t>(INT32_MAX) ||
      tls_key.size() > static_cast<size_t>(INT32_MAX)) {
    return Fail(ErrorCode::kInvalid, source, "Secret data too large", kCrtField);
  }
  auto certs = ReadCertificates(tls_crt, source);
  if (!certs) return certs.error();
  auto key = pki::KeyFromPem(tls_key, "tls.key");
  if (!key) {
    return Fail(ErrorCode::kInvalid, source,
                key.error().message + "; an encrypted key is not supported", kKeyField);
  }
  pki::X509Ptr leaf = std::move(certs->front());
  std::vector<pki::X509Ptr> chain;
  for (size_t i = 1; i < certs->size(); ++i) chain.push_back(std::move((*certs)[i]));
  return FromParts(std::move(leaf), std::move(chain), std::move(*key), now, source);
}

Result<CertificatePtr> Certificate::FromParts(pki::X509Ptr leaf, std::vector<pki::X509Ptr> chain,
                                              pki::EvpPkeyPtr key, Clock::time_point now,
                                              const std::string& source) {
  if (!leaf) return Fail(ErrorCode::kNotFound, source, "no certificate", kCrtField);
  if (!key) return Fail(ErrorCode::kNotFound, source, "no private key", kKeyField);
  auto type = CheckKeyType(key.get(), source);
  if (!type) return type.error();
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return Fail(ErrorCode::kInvalid, source,
                "tls.key does not match the first certificate in tls.crt (the leaf must come "
                "first, followed by its intermediates)",
                kKeyField);
  }
  std::shared_ptr<Certificate> c(new Certificate());
  if (!ToTimePoint(X509_get0_notBefore(leaf.get()), &c->not_before_) ||
      !ToTimePoint(X509_get0_notAfter(leaf.get()), &c->not_after_)) {
    ERR_clear_error();
    return Fail(ErrorCode::kInvalid, source, "certificate validity dates are unreadable",
                kCrtField);
  }
  if (now < c->not_before_) {
    return Fail(ErrorCode::kInvalid, source,
                "certificate is not valid before " + FormatCertificateTime(c->not_before_), kCrtField);
  }
  if (now > c->not_after_) {
    return Fail(ErrorCode::kInvalid, source, "certificate expired at " + FormatCertificateTime(c->not_after_),
                kCrtField);
  }
  // pki::ReadSans treats an undecodable extension as absent; a client would reject it.
  int crit = -1;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, &crit, nullptr));
  GENERAL_NAMES_free(sans);
  ERR_clear_error();
  if (sans == nullptr && crit != -1) {
    return Fail(ErrorCode::kInvalid, source, "the subjectAltName extension is malformed",
                kCrtField);
  }
  c->dns_names_ = DnsNames(leaf.get());
  ERR_clear_error();
  c->leaf_ = std::move(leaf);
  c->chain_ = std::move(chain);
  c->key_ = std::move(key);
  c->key_type_ = *type;
  c->source_ = source;
  return CertificatePtr(std::move(c));
}

bool Certificate::Covers(std::string_view host) const {
  std::string h;
  if (!NormalizeHost(host, &h)) return false;
  return std::any_of(dns_names_.begin(), dns_names_.end(),
                     [&](const std::string& p) { return HostMatches(p, h); });
}

bool NormalizeHost(std::string_view host, std::string* out) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  out->assign(host);
  for (char& c : *out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

bool HostMatches(std::string_view pattern, std::string_view host) {
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    size_t dot = host.find('.');
    return dot != std::string_view::npos && dot > 0 && host.substr(dot + 1) == pattern.substr(2);
  }
  return pattern == host;
}

std::string FormatCertificateTime(std::chrono::system_clock::time_point t) {
  time_t tt = std::chrono::system_clock::to_time_t(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace waygate::tls
