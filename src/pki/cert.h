// Certificate building blocks behind EnsurePki: keys, the CA, the serving certificate, PEM, and
// the checks that decide whether a serving certificate on disk can still be used. Exposed as a
// header so that tests can forge the awkward cases (a certificate about to expire).
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pki/ossl.h"

namespace waygate::pki {

// Subject alternative names, normalized: DNS names lowercase without a trailing dot, IPs as
// their 4 or 16 network-order bytes (so "::1" and "0:0::1" are one name).
struct SanSet {
  std::set<std::string> dns;
  std::set<std::string> ips;

  // "DNS:localhost, IP:127.0.0.1, ..." for messages.
  std::string Describe() const;
  // Names in `need` that this set lacks, described as above; empty if none.
  std::string Missing(const SanSet& need) const;
};

// Adds `host` (an IPv4/IPv6 literal, optionally in brackets, or a DNS name). Unspecified
// addresses (0.0.0.0, ::) are skipped: they are listen wildcards, not names a client dials.
Status AddHost(SanSet& sans, std::string_view host);

// The names every serving certificate carries (localhost, waygate, kubernetes.default.svc, the
// loopback IPs) plus `extra`.
Result<SanSet> RequiredSans(const std::vector<std::string>& extra);

Result<EvpPkeyPtr> GenerateKey();  // ECDSA P-256

Result<X509Ptr> IssueCa(EVP_PKEY* key, std::chrono::seconds validity);
Result<X509Ptr> IssueServingCert(X509* ca, EVP_PKEY* ca_key, EVP_PKEY* key, const SanSet& sans,
                                 std::chrono::seconds validity);

Result<std::string> CertToPem(X509* cert);
Result<std::string> KeyToPem(EVP_PKEY* key);  // unencrypted PKCS#8
// `source` names the file in error messages.
Result<X509Ptr> CertFromPem(std::string_view pem, const std::string& source);
Result<EvpPkeyPtr> KeyFromPem(std::string_view pem, const std::string& source);

SanSet ReadSans(X509* cert);
// True when `cert` chains to `ca` and may be used for TLS server auth; otherwise `why` says why.
bool VerifiesAgainst(X509* cert, X509* ca, std::string* why);
// True when notAfter is earlier than now + `window` (so an expired certificate also counts).
bool ExpiresWithin(X509* cert, std::chrono::seconds window);

}  // namespace waygate::pki
