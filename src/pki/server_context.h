// The TLS server context the API server listens with, built from the data directory's serving
// certificate. Immutable once built: every connection's SSL object shares it read-only.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "pki/ossl.h"
#include "pki/pki.h"

namespace waygate::pki {

struct ServerContextOptions {
  // ALPN protocols in the server's order of preference; a client offering none of them is served
  // without ALPN (HTTP/1.1), as Go's net/http does. Empty disables ALPN.
  std::vector<std::string> alpn = {"h2", "http/1.1"};
};

// TLS 1.2 and 1.3 only, Mozilla's "intermediate" cipher list for TLS 1.2 (ECDHE with AEAD
// ciphers; TLS 1.3 suites are OpenSSL's defaults), the certificate chain and key from `pki`
// (an error if the key does not belong to the certificate).
Result<SslCtxPtr> MakeServerContext(const DataDirPki& pki,
                                    const ServerContextOptions& options = {});

}  // namespace waygate::pki
