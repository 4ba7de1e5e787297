#include "pki/cert.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>

// Returns the error of a failed Status from the enclosing function.
#define WAYGATE_TRY(expr)            \
  do {                               \
    Status s_ = (expr);              \
    if (!s_.ok()) return s_.error(); \
  } while (0)

namespace waygate::pki {
namespace {

// Certificates start a little in the past so a client whose clock lags ours still accepts them.
constexpr long kBackdateSeconds = 5 * 60;

Error SslError(const std::string& what) {
  return MakeError(ErrorCode::kInternal, what + ": " + TakeOpenSslErrors());
}

std::string FormatIp(const std::string& bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  int family = bytes.size() == 4 ? AF_INET : AF_INET6;
  if (inet_ntop(family, bytes.data(), buf, sizeof(buf)) == nullptr) return "<bad IP>";
  return buf;
}

bool ValidDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

Status SetValidity(X509* cert, std::chrono::seconds validity) {
  time_t now = time(nullptr);
  long total = static_cast<long>(validity.count());
  if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, -kBackdateSeconds, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), static_cast<int>(total / 86400), total % 86400,
                       &now) == nullptr) {
    return SslError("set certificate validity");
  }
  return OkStatus();
}

// 127 random bits: unique without a serial counter on disk, and positive as RFC 5280 requires.
Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return SslError("RAND_bytes");
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;  // never zero, never shorter than the others
  BIGNUM* bn = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  if (!ok) return SslError("set serial number");
  return OkStatus();
}

Status SetCommonName(X509_NAME* name, const std::string& cn) {
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1) {
    return SslError("set common name");
  }
  return OkStatus();
}

Status AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return SslError(std::string("build extension ") + OBJ_nid2sn(nid));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return SslError(std::string("add extension ") + OBJ_nid2sn(nid));
  return OkStatus();
}

// Built as GENERAL_NAMEs rather than a config string, so a name can never inject syntax.
Status AddSans(X509* cert, const SanSet& sans) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  if (names == nullptr) return SslError("allocate SAN list");
  auto add = [&](int type, const std::string& value) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_STRING* str = type == GEN_DNS ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
    if (gn == nullptr || str == nullptr ||
        ASN1_STRING_set(str, value.data(), static_cast<int>(value.size())) != 1) {
      GENERAL_NAME_free(gn);
      ASN1_STRING_free(str);
      return false;
    }
    GENERAL_NAME_set0_value(gn, type, str);
    if (sk_GENERAL_NAME_push(names, gn) <= 0) {
      GENERAL_NAME_free(gn);
      return false;
    }
    return true;
  };
  bool ok = true;
  for (const auto& d : sans.dns) ok = ok && add(GEN_DNS, d);
  for (const auto& ip : sans.ips) ok = ok && add(GEN_IPADD, ip);
  ok = ok && X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1;
  GENERAL_NAMES_free(names);
  if (!ok) return SslError("add subject alternative names");
  return OkStatus();
}

Status Sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return SslError("sign certificate");
  return OkStatus();
}

}  // namespace

std::string SanSet::Describe() const {
  std::string out;
  for (const auto& d : dns) out += (out.empty() ? "" : ", ") + ("DNS:" + d);
  for (const auto& ip : ips) out += (out.empty() ? "" : ", ") + ("IP:" + FormatIp(ip));
  return out;
}

std::string SanSet::Missing(const SanSet& need) const {
  SanSet missing;
  for (const auto& d : need.dns) {
    if (!dns.count(d)) missing.dns.insert(d);
  }
  for (const auto& ip : need.ips) {
    if (!ips.count(ip)) missing.ips.insert(ip);
  }
  return missing.Describe();
}

Status AddHost(SanSet& sans, std::string_view host) {
  std::string h(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned char buf[16];
  if (inet_pton(AF_INET, h.c_str(), buf) == 1) {
    if (std::all_of(buf, buf + 4, [](unsigned char b) { return b == 0; })) return OkStatus();
    sans.ips.insert(std::string(reinterpret_cast<char*>(buf), 4));
    return OkStatus();
  }
  if (inet_pton(AF_INET6, h.c_str(), buf) == 1) {
    if (std::all_of(buf, buf + 16, [](unsigned char b) { return b == 0; })) return OkStatus();
    sans.ips.insert(std::string(reinterpret_cast<char*>(buf), 16));
    return OkStatus();
  }
  std::transform(h.begin(), h.end(), h.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (!ValidDnsName(h)) {
    return MakeError(ErrorCode::kInvalid,
                     "\"" + std::string(host) + "\" is neither an IP address nor a DNS name",
                     "hosts");
  }
  sans.dns.insert(std::move(h));
  return OkStatus();
}

Result<SanSet> RequiredSans(const std::vector<std::string>& extra) {
  SanSet sans;
  // The names in-cluster clients and kubectl's defaults dial, as kube-apiserver's certificate has.
  for (const char* h : {"localhost", "waygate", "kubernetes", "kubernetes.default",
                        "kubernetes.default.svc", "127.0.0.1", "::1"}) {
    WAYGATE_TRY(AddHost(sans, h));
  }
  for (size_t i = 0; i < extra.size(); ++i) {
    Status s = AddHost(sans, extra[i]);
    if (!s.ok()) {
      Error e = s.error();
      e.field = "hosts[" + std::to_string(i) + "]";
      return e;
    }
  }
  return sans;
}

Result<EvpPkeyPtr> GenerateKey() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return SslError("generate ECDSA P-256 key");
  return key;
}

Result<X509Ptr> IssueCa(EVP_PKEY* key, std::chrono::seconds validity) {
  X509Ptr cert(X509_new());
  if (!cert) return SslError("allocate certificate");
  X509* x = cert.get();
  if (X509_set_version(x, X509_VERSION_3) != 1) return SslError("set version");
  WAYGATE_TRY(SetRandomSerial(x));
  WAYGATE_TRY(SetValidity(x, validity));
  // A distinct subject per CA, so a client holding an old CA fails with a clear name mismatch.
  WAYGATE_TRY(SetCommonName(X509_get_subject_name(x),
                            "waygate-ca@" + std::to_string(static_cast<long long>(time(nullptr)))));
  if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1) return SslError("set issuer");
  if (X509_set_pubkey(x, key) != 1) return SslError("set public key");
  WAYGATE_TRY(AddExt(x, x, NID_basic_constraints, "critical,CA:TRUE"));
  WAYGATE_TRY(AddExt(x, x, NID_key_usage, "critical,keyCertSign,cRLSign"));
  WAYGATE_TRY(AddExt(x, x, NID_subject_key_identifier, "hash"));
  WAYGATE_TRY(Sign(x, key));
  return cert;
}

Result<X509Ptr> IssueServingCert(X509* ca, EVP_PKEY* ca_key, EVP_PKEY* key, const SanSet& sans,
                                 std::chrono::seconds validity) {
  X509Ptr cert(X509_new());
  if (!cert) return SslError("allocate certificate");
  X509* x = cert.get();
  if (X509_set_version(x, X509_VERSION_3) != 1) return SslError("set version");
  WAYGATE_TRY(SetRandomSerial(x));
  WAYGATE_TRY(SetValidity(x, validity));
  WAYGATE_TRY(SetCommonName(X509_get_subject_name(x), "waygate-apiserver"));
  if (X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1) return SslError("set issuer");
  if (X509_set_pubkey(x, key) != 1) return SslError("set public key");
  WAYGATE_TRY(AddExt(x, ca, NID_basic_constraints, "critical,CA:FALSE"));
  // ECDSA keys sign the handshake; keyEncipherment only applies to RSA key transport.
  WAYGATE_TRY(AddExt(x, ca, NID_key_usage, "critical,digitalSignature"));
  WAYGATE_TRY(AddExt(x, ca, NID_ext_key_usage, "serverAuth"));
  WAYGATE_TRY(AddExt(x, ca, NID_subject_key_identifier, "hash"));
  WAYGATE_TRY(AddExt(x, ca, NID_authority_key_identifier, "keyid:always"));
  WAYGATE_TRY(AddSans(x, sans));
  WAYGATE_TRY(Sign(x, ca_key));
  return cert;
}

Result<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return SslError("encode certificate");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return SslError("encode private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<X509Ptr> CertFromPem(std::string_view pem, const std::string& source) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    return MakeError(ErrorCode::kInvalid, source + ": not a PEM certificate (" +
                                              TakeOpenSslErrors("no certificate found") + ")");
  }
  return cert;
}

Result<EvpPkeyPtr> KeyFromPem(std::string_view pem, const std::string& source) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // An empty passphrase callback result makes an encrypted key fail instead of prompting on a tty.
  auto no_password = [](char*, int, int, void*) -> int { return 0; };
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr) : nullptr);
  if (!key) {
    return MakeError(ErrorCode::kInvalid, source + ": not a PEM private key (" +
                                              TakeOpenSslErrors("no key found") + ")");
  }
  return key;
}

SanSet ReadSans(X509* cert) {
  SanSet out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      const auto* s = gn->d.dNSName;
      std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out.dns.insert(std::move(name));
    } else if (gn->type == GEN_IPADD) {
      const auto* s = gn->d.iPAddress;
      out.ips.insert(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s))));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

bool VerifiesAgainst(X509* cert, X509* ca, std::string* why) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool ok = false;
  if (store != nullptr && ctx != nullptr && X509_STORE_add_cert(store, ca) == 1 &&
      X509_STORE_CTX_init(ctx, store, cert, nullptr) == 1 &&
      X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) == 1) {
    ok = X509_verify_cert(ctx) == 1;
    if (!ok && why != nullptr) {
      *why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
  } else if (why != nullptr) {
    *why = TakeOpenSslErrors();
  }
  ERR_clear_error();
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

bool ExpiresWithin(X509* cert, std::chrono::seconds window) {
  time_t limit = time(nullptr) + static_cast<time_t>(window.count());
  // 0 means the time could not be compared: treat an unreadable date as expiring.
  return X509_cmp_time(X509_get0_notAfter(cert), &limit) <= 0;
}

}  // namespace waygate::pki

#undef WAYGATE_TRY
