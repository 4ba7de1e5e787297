#include "sync/tls_snapshots.h"

#include <openssl/ssl.h>

#include "base/log.h"
#include "tls/policy.h"

namespace waygate::sync {

namespace {

std::string KeyOf(const std::string& namespace_, const std::string& name) {
  return namespace_ + "/" + name;
}

// The gateway's validated config text -> a policy. The route module validated both values
// already; a failure here would be a bug, and keeps the default policy rather than none.
tls::TlsPolicy PolicyOf(const route::GatewaySettings& settings) {
  tls::TlsPolicy policy;
  if (auto protocols = tls::ParseSslProtocols(settings.ssl_protocols); protocols.ok()) {
    policy.protocols = *protocols;
  }
  if (!settings.ssl_ciphers.empty()) {
    if (auto ciphers = tls::CipherList::Parse(settings.ssl_ciphers); ciphers.ok()) {
      policy.tls12_ciphers = *ciphers;
    }
  }
  return policy;
}

}  // namespace

Result<std::unique_ptr<TlsSnapshots>> TlsSnapshots::Create(
    std::optional<std::pair<std::string, std::string>> default_secret) {
  auto keys = tls::TicketKeys::Create();
  if (!keys.ok()) return keys.error();
  std::unique_ptr<TlsSnapshots> s(new TlsSnapshots());
  s->keys_ = std::move(*keys);
  s->default_secret_ = std::move(default_secret);
  return s;
}

void TlsSnapshots::UpsertSecret(const model::Secret& secret) {
  std::string key = KeyOf(secret.meta.namespace_, secret.meta.name);
  // Only kubernetes.io/tls Secrets are kept whole; of others the type is enough to report an
  // Ingress naming one (the stores keep just that).
  model::Secret kept;
  kept.meta.namespace_ = secret.meta.namespace_;
  kept.meta.name = secret.meta.name;
  kept.type = secret.type;
  if (secret.type == tls::kTlsSecretType) kept.data = secret.data;
  for (auto& [_, table] : tables_) table.store->UpsertSecret(kept);
  secrets_[key] = std::move(kept);
}

void TlsSnapshots::RemoveSecret(const std::string& namespace_, const std::string& name) {
  if (secrets_.erase(KeyOf(namespace_, name)) == 0) return;
  for (auto& [_, table] : tables_) table.store->RemoveSecret(namespace_, name);
}

void TlsSnapshots::ReplaceSecrets(const std::vector<const model::Secret*>& secrets) {
  std::map<std::string, bool> present;
  for (const model::Secret* secret : secrets) {
    present[KeyOf(secret->meta.namespace_, secret->meta.name)] = true;
    UpsertSecret(*secret);
  }
  std::vector<std::pair<std::string, std::string>> gone;
  for (const auto& [key, secret] : secrets_) {
    if (!present.count(key)) gone.emplace_back(secret.meta.namespace_, secret.meta.name);
  }
  for (const auto& [ns, name] : gone) RemoveSecret(ns, name);
}

std::shared_ptr<const TlsOutput> TlsSnapshots::Update(const std::string& key,
                                                      const route::RouteTable& table,
                                                      Clock::time_point now) {
  tls::TlsPolicy policy = PolicyOf(table.gateway_settings());
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    auto store = tls::CertificateStore::Create(policy, keys_, now);
    if (!store.ok()) {
      log::Error("tls: " + (key.empty() ? std::string("main listeners") : key) +
                 ": cannot create the TLS context: " + store.error().message);
      return nullptr;
    }
    (*store)->SetDefaultSecret(default_secret_);
    for (const auto& [_, secret] : secrets_) (*store)->UpsertSecret(secret);
    it = tables_.emplace(key, PerTable{}).first;
    it->second.store = std::move(*store);
  } else if (!(it->second.store->policy().protocols == policy.protocols &&
               it->second.store->policy().tls12_ciphers == policy.tls12_ciphers)) {
    if (Status s = it->second.store->SetPolicy(policy); !s.ok()) {
      log::Warn("tls: " + key + ": policy not applied: " + s.error().message);
    }
  }
  PerTable& per = it->second;
  const auto& bindings = table.tls_bindings();
  uint64_t generation = per.store->generation();
  if (per.last != nullptr && per.bindings == bindings && per.generation == generation &&
      now < per.rebuild_by) {
    return nullptr;
  }
  std::vector<tls::CertificateRequest> requests;
  if (bindings != nullptr) {
    requests.reserve(bindings->size());
    for (const route::TlsBinding& b : *bindings) {
      requests.push_back({b.host, b.ingress_namespace, b.ingress_name, b.secret_name});
    }
  }
  auto built = per.store->Build(requests, now);
  if (!built.ok()) {
    log::Error("tls: " + key + ": " + built.error().message);
    return nullptr;
  }
  auto output = std::make_shared<TlsOutput>();
  output->sni = std::move(built->index);
  // Connections start on the default certificate's context (same policy, session cache and
  // ticket keys as the store's front): a handshake without SNI, or for a host without a
  // certificate of its own, then never switches contexts. Its session cache is per default
  // certificate, so a new default starts an empty one; tickets, shared, still resume.
  SSL_CTX* start = output->sni->default_context().ssl_ctx();
  SSL_CTX_up_ref(start);
  output->front = std::shared_ptr<SSL_CTX>(start, SSL_CTX_free);
  output->problems = std::move(built->problems);
  for (const tls::CertificateProblem& p : output->problems) {
    log::Warn("tls: " + (p.ingress_name.empty() ? std::string("default certificate")
                                                : "Ingress " + p.ingress_namespace + "/" +
                                                      p.ingress_name) +
              ": " + p.reason + ": " + p.message);
  }
  per.bindings = bindings;
  per.generation = per.store->generation();  // Build may have bumped it
  per.rebuild_by = built->rebuild_by;
  per.last = output;
  return output;
}

std::shared_ptr<const TlsOutput> TlsSnapshots::Current(const std::string& key) const {
  auto it = tables_.find(key);
  return it == tables_.end() ? nullptr : it->second.last;
}

void TlsSnapshots::Forget(const std::string& key) { tables_.erase(key); }

void TlsSnapshots::MaybeRotate(std::chrono::steady_clock::time_point now) {
  if (now - rotated_at_ < kRotatePeriod) return;
  rotated_at_ = now;
  if (Status s = keys_->Rotate(); !s.ok()) log::Warn("tls: ticket keys: " + s.error().message);
}

}  // namespace waygate::sync
