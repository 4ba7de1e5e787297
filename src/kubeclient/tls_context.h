// The TLS client context every connection to one API server shares: trust (the config's CA
// bundle, the system store, or nothing with insecure-skip-tls-verify), the client certificate,
// TLS 1.2+ and ALPN http/1.1 (so an HTTP/2 server answers in HTTP/1.1).
#pragma once

#include <openssl/ssl.h>

#include <memory>

#include "base/result.h"
#include "kubeclient/config.h"

namespace waygate::kubeclient {

struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Errors name the config field that holds the bad PEM. Host-name checks are per connection
// (connection.cc), since they depend on the name dialled.
Result<SslCtxPtr> MakeClientContext(const Config& config);

// Drains OpenSSL's thread-local error queue into one line ("error:...; error:...").
std::string TakeOpenSslErrors(const char* fallback = "unknown OpenSSL error");

}  // namespace waygate::kubeclient
