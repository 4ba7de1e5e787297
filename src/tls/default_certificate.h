// The certificate a gateway serves when SNI matches no Ingress (or names none), and in place of a
// Secret that is missing or broken: self-signed, generated in memory at start, never written.
#pragma once

#include <chrono>

#include "base/result.h"
#include "tls/certificate.h"

namespace waygate::tls {

inline constexpr char kDefaultCertificateCommonName[] = "Waygate Default Certificate";

// ECDSA P-256, CN "Waygate Default Certificate" (as ingress-nginx's "Kubernetes Ingress
// Controller Fake Certificate"), no SAN, valid from `now` minus 5 minutes for one year.
Result<CertificatePtr> GenerateDefaultCertificate(std::chrono::system_clock::time_point now);

}  // namespace waygate::tls
