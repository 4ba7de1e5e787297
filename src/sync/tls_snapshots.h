// TlsSnapshots: the certificate side of every table a gateway node serves. For each table (the
// main one, each Gateway's) it keeps a tls::CertificateStore with that gateway's policy
// (ssl-protocols / ssl-ciphers), feeds it the kubernetes.io/tls Secrets, and builds a new
// TlsOutput (front SSL_CTX + SNI index) whenever the table's spec.tls bindings, a Secret they
// name, the policy or a certificate's validity window changed. Unchanged: the same output.
//
// Session ticket keys are shared by every table and worker, so a ticket issued by any listener
// resumes on any other; MaybeRotate() turns them over.
//
// Threads: the sync thread of a source (ApiSource, ManifestSource); outputs are immutable.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "model/objects.h"
#include "route/route_table.h"
#include "tls/certificate_store.h"
#include "tls/ticket_keys.h"

namespace waygate::sync {

struct TlsOutput {
  std::shared_ptr<SSL_CTX> front;
  std::shared_ptr<const tls::SniIndex> sni;
  std::vector<tls::CertificateProblem> problems;
};

class TlsSnapshots {
 public:
  using Clock = std::chrono::system_clock;
  // `default_secret`: --default-ssl-certificate NS/NAME.
  static Result<std::unique_ptr<TlsSnapshots>> Create(
      std::optional<std::pair<std::string, std::string>> default_secret);

  void UpsertSecret(const model::Secret& secret);
  void RemoveSecret(const std::string& namespace_, const std::string& name);
  // Manifests: the whole set at once (absent ones are removed).
  void ReplaceSecrets(const std::vector<const model::Secret*>& secrets);

  // The output for the table served under `key` ("" for the main listeners), or null when the
  // last one returned for that key still holds. Problems are logged once per new output.
  std::shared_ptr<const TlsOutput> Update(const std::string& key, const route::RouteTable& table,
                                          Clock::time_point now);
  std::shared_ptr<const TlsOutput> Current(const std::string& key) const;
  void Forget(const std::string& key);

  // Rotates the ticket keys every `period` (the 3 slots keep a ticket valid for 2 periods).
  void MaybeRotate(std::chrono::steady_clock::time_point now);
  static constexpr std::chrono::hours kRotatePeriod{12};

 private:
  struct PerTable {
    std::unique_ptr<tls::CertificateStore> store;
    // The table's tls_bindings() last built from (held: a pointer alone could be reused).
    std::shared_ptr<const std::vector<route::TlsBinding>> bindings;
    uint64_t generation = 0;         // the store's generation last built at
    Clock::time_point rebuild_by = Clock::time_point::max();
    std::shared_ptr<const TlsOutput> last;
  };
  TlsSnapshots() = default;

  std::shared_ptr<tls::TicketKeys> keys_;
  std::optional<std::pair<std::string, std::string>> default_secret_;
  std::map<std::string, model::Secret> secrets_;  // "ns/name" -> kubernetes.io/tls Secrets
  std::map<std::string, PerTable> tables_;
  std::chrono::steady_clock::time_point rotated_at_ = std::chrono::steady_clock::now();
};

}  // namespace waygate::sync
