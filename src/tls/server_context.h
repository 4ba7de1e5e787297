// SSL_CTX objects for the data plane, built on the control thread and then used read-only by
// every worker (OpenSSL locks what it shares internally: the session cache, reference counts).
//
// One ServerContext per Certificate: the chain, the key, the policy, ALPN, ticket keys. One
// front context per policy: what the listener calls SSL_new() on; it has no certificate, and its
// SNI callback (sni_callback.h) switches each connection to the ServerContext the SniIndex picks.
// The session cache and the ticket-key callback that OpenSSL consults are the front's. Every
// certificate's context has the SNI callback too, so one can serve as the front itself (the data
// plane starts connections on its default certificate's context: no switch when SNI picks it).
#pragma once

#include <memory>

#include "base/result.h"
#include "pki/ossl.h"
#include "tls/certificate.h"
#include "tls/policy.h"
#include "tls/ticket_keys.h"

namespace waygate::tls {

class ServerContext;
using ServerContextPtr = std::shared_ptr<const ServerContext>;

class ServerContext {
 public:
  static Result<ServerContextPtr> Create(CertificatePtr certificate, const TlsPolicy& policy,
                                         std::shared_ptr<TicketKeys> ticket_keys);

  SSL_CTX* ssl_ctx() const { return ctx_.get(); }
  const Certificate& certificate() const { return *certificate_; }
  const CertificatePtr& certificate_ptr() const { return certificate_; }

 private:
  ServerContext() = default;
  CertificatePtr certificate_;
  pki::SslCtxPtr ctx_;
};

// The policy, session cache and ticket keys without a certificate; install the SNI callback on
// it (InstallSniCallback) before the first SSL_new().
Result<pki::SslCtxPtr> CreateFrontContext(const TlsPolicy& policy,
                                          std::shared_ptr<TicketKeys> ticket_keys);

}  // namespace waygate::tls
