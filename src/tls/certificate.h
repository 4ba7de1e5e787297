// A TLS serving certificate taken from a Kubernetes `kubernetes.io/tls` Secret, validated once on
// the control thread and then shared read-only (shared_ptr<const Certificate>) by every worker.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pki/ossl.h"

namespace waygate::tls {

enum class KeyType { kRsa, kEcdsa };
const char* ToString(KeyType type);

class Certificate;
using CertificatePtr = std::shared_ptr<const Certificate>;

class Certificate {
 public:
  // `tls_crt` and `tls_key` are the Secret's data values, already base64-decoded: the leaf
  // certificate first, then its intermediates, all PEM; an unencrypted RSA (>= 2048 bits) or
  // ECDSA (P-256, P-384, P-521) key. `now` decides expiry (injectable for tests). `source`
  // ("namespace/name") prefixes messages.
  //
  // Errors name the problem so that a Warning Event can tell the user what to fix; `field` is the
  // Secret data key at fault ("data[tls.crt]" or "data[tls.key]"):
  //   kNotFound     tls.crt or tls.key is missing or empty
  //   kInvalid      malformed PEM, no certificate in tls.crt, key does not match, expired,
  //                 not yet valid
  //   kUnsupported  a key type or size we do not serve with (DSA, Ed25519, RSA < 2048, ...)
  static Result<CertificatePtr> FromSecretData(std::string_view tls_crt, std::string_view tls_key,
                                               std::chrono::system_clock::time_point now,
                                               const std::string& source);

  // Adopts an already built pair (the generated default certificate); same checks as above.
  static Result<CertificatePtr> FromParts(pki::X509Ptr leaf, std::vector<pki::X509Ptr> chain,
                                          pki::EvpPkeyPtr key,
                                          std::chrono::system_clock::time_point now,
                                          const std::string& source);

  // OpenSSL objects are reference counted; callers may up-ref them but must not modify them.
  X509* leaf() const { return leaf_.get(); }
  const std::vector<pki::X509Ptr>& chain() const { return chain_; }  // intermediates, in order
  EVP_PKEY* key() const { return key_.get(); }

  // Lowercase, without a trailing dot; SAN dNSNames, or the subject CN when the certificate has
  // no DNS SAN (as ingress-nginx falls back). May hold wildcards ("*.example.com").
  const std::vector<std::string>& dns_names() const { return dns_names_; }
  std::chrono::system_clock::time_point not_before() const { return not_before_; }
  std::chrono::system_clock::time_point not_after() const { return not_after_; }
  KeyType key_type() const { return key_type_; }
  const std::string& source() const { return source_; }

  // True if one of dns_names() matches `host` (RFC 6125: a wildcard stands for exactly one
  // whole left-most label). Used to warn about a Secret that does not cover its Ingress host.
  bool Covers(std::string_view host) const;

 private:
  Certificate() = default;

  pki::X509Ptr leaf_;
  std::vector<pki::X509Ptr> chain_;
  pki::EvpPkeyPtr key_;
  std::vector<std::string> dns_names_;
  std::chrono::system_clock::time_point not_before_;
  std::chrono::system_clock::time_point not_after_;
  KeyType key_type_ = KeyType::kEcdsa;
  std::string source_;
};

// Host-name helpers shared with the SNI index. A normalized name is lowercase ASCII without a
// trailing dot; NormalizeHost returns false for an empty or over-long (> 253) name.
bool NormalizeHost(std::string_view host, std::string* out);
// `pattern` normalized; "*.example.com" matches "a.example.com", never "a.b.example.com" nor
// "example.com"; "f*.example.com" (a partial-label wildcard) matches nothing but itself.
bool HostMatches(std::string_view pattern, std::string_view host);

// A validity bound as the error messages write it: RFC 3339, UTC ("2030-01-01T00:00:00Z").
std::string FormatCertificateTime(std::chrono::system_clock::time_point t);

}  // namespace waygate::tls
