// The control thread's cache from `kubernetes.io/tls` Secrets to ServerContexts, and the builder
// of each gateway's SniIndex from its Ingresses' spec.tls[] bindings.
//
// One ServerContext per Secret, kept as long as the Secret's tls.crt / tls.key and the policy
// stay the same, so rebuilding an index after an unrelated change costs a map lookup per host and
// every index shares the same SSL_CTXs. A rotated Secret gets a new context; indexes built before
// keep the old one alive for the connections that loaded them.
//
// A bad Secret never fails a Build: its hosts are bound to the default certificate and the
// snapshot lists a CertificateProblem for a Warning Event on the Ingress.
//
// Threads: the control thread only (no locks inside). What it hands out (the front SSL_CTX, the
// SniIndex and its ServerContexts) is immutable and read by every worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "model/objects.h"
#include "tls/certificate.h"
#include "tls/policy.h"
#include "tls/server_context.h"
#include "tls/sni_index.h"
#include "tls/ticket_keys.h"

namespace waygate::tls {

inline constexpr char kTlsSecretType[] = "kubernetes.io/tls";

// One host an Ingress secures (from spec.tls[]); the Secret is in the Ingress's namespace.
struct CertificateRequest {
  std::string host;  // "a.example.com" or "*.example.com" as written
  std::string ingress_namespace;
  std::string ingress_name;
  // Empty for a spec.tls entry without secretName: the host gets the default certificate and no
  // problem is reported (as ingress-nginx).
  std::string secret_name;
};

// One per (Ingress, Secret, reason) for Secret problems (`host` is the lexicographically first
// host affected), one per (Ingress, host, reason) for host problems. A problem with the
// --default-ssl-certificate Secret has empty ingress fields and host.
struct CertificateProblem {
  std::string ingress_namespace;
  std::string ingress_name;
  std::string secret;  // "namespace/name"; empty for a host of a spec.tls entry without one
  std::string host;
  // SecretNotFound, SecretWrongType, SecretDataMissing, InvalidCertificate, KeyMismatch,
  // UnsupportedKey, CertificateExpired, CertificateNotYetValid (the host is served with the
  // default certificate); HostConflict, InvalidHost (the binding is ignored); HostNotCovered
  // (the Secret's certificate is served although it does not name the host).
  std::string reason;
  // Names the Secret and the data key, e.g. "Secret ns/x data[tls.key]: tls.key does not match
  // the first certificate in tls.crt (...); serving the default certificate".
  std::string message;

  bool operator==(const CertificateProblem&) const = default;
};

struct SniSnapshot {
  std::shared_ptr<const SniIndex> index;
  std::vector<CertificateProblem> problems;  // sorted, whatever order the requests came in
  // The earliest time a certificate this index uses (or rejected for its dates) expires or
  // becomes valid: Build again by then even if nothing else changed.
  std::chrono::system_clock::time_point rebuild_by = std::chrono::system_clock::time_point::max();
};

class CertificateStore {
 public:
  using Clock = std::chrono::system_clock;

  // Generates the self-signed default certificate (valid from `now`) and the front context for
  // `policy`, with the SNI callback installed.
  static Result<std::unique_ptr<CertificateStore>> Create(TlsPolicy policy,
                                                          std::shared_ptr<TicketKeys> keys,
                                                          Clock::time_point now = Clock::now());

  // Secrets as the API or manifests deliver them (data already base64-decoded). Only tls.crt,
  // tls.key and the type matter: an upsert that changes none of them is a no-op and keeps the
  // cached context. Of a Secret of another type only the type is kept, to report an Ingress that
  // names it.
  void UpsertSecret(const model::Secret& secret);
  void RemoveSecret(const std::string& namespace_, const std::string& name);

  // --default-ssl-certificate NS/NAME: that Secret is the default certificate whenever it exists
  // and is valid; otherwise the generated one, and every Build reports why.
  void SetDefaultSecret(std::optional<std::pair<std::string, std::string>> ns_name);

  // ssl-protocols / ssl-ciphers changed: a new front context now, new ServerContexts at the next
  // Build. On error nothing changes. An identical policy is a no-op.
  Status SetPolicy(const TlsPolicy& policy);

  // The index for one gateway's bindings. `now` decides validity (a certificate that expired
  // since it was cached is dropped here). Errors only when no default context can be built.
  Result<SniSnapshot> Build(const std::vector<CertificateRequest>& requests, Clock::time_point now);

  // What listeners call SSL_new() on. A policy change replaces it; connections made on the old
  // one keep it alive through their SSL's reference.
  std::shared_ptr<SSL_CTX> front() const { return front_; }

  // Bumped whenever a kubernetes.io/tls Secret's tls.crt / tls.key (or its existence, or its
  // type), the default Secret, the policy or the generated default certificate changed; other
  // Secrets never bump it. Read it before building: a Build may bump it (when it had to
  // regenerate the default certificate), so that the other gateways are rebuilt too.
  uint64_t generation() const { return generation_; }

  const TlsPolicy& policy() const { return policy_; }

 private:
  struct Entry {
    std::string type;
    std::string crt;
    std::string key;
    // Filled lazily by Build, once per content: parsing does not depend on the time, Resolve
    // checks the dates against each Build's `now`.
    CertificatePtr certificate;
    std::optional<Error> error;
    ServerContextPtr context;
    uint64_t context_epoch = 0;  // policy_epoch_ the context was built under
  };
  // What one Secret gives a Build: a context, or a reason and message to report.
  struct Resolution {
    ServerContextPtr context;
    std::string reason;
    std::string message;  // without the "; serving ..." tail
    Clock::time_point changes_at = Clock::time_point::max();
  };

  CertificateStore() = default;

  Resolution Resolve(const std::string& key, Clock::time_point now);
  Result<ServerContextPtr> GeneratedDefault(Clock::time_point now, Clock::time_point* changes_at);

  TlsPolicy policy_;
  std::shared_ptr<TicketKeys> keys_;
  std::shared_ptr<SSL_CTX> front_;
  uint64_t policy_epoch_ = 1;
  uint64_t generation_ = 1;

  std::map<std::string, Entry> secrets_;  // "namespace/name"
  std::optional<std::string> default_secret_;

  CertificatePtr generated_;
  ServerContextPtr generated_context_;
  uint64_t generated_epoch_ = 0;
};

}  // namespace waygate::tls
