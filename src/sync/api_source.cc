#include "sync/api_source.h"

#include <chrono>

#include "base/log.h"
#include "model/decode_json.h"

namespace waygate::sync {

const std::array<ApiKind, kApiKindCount> kApiKinds = {{
    {"Ingress", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/ingresses", false},
    {"IngressClass", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/ingressclasses", false},
    {"Service", "v1", "/api/v1/services", false},
    {"Endpoints", "v1", "/api/v1/endpoints", false},
    {"EndpointSlice", "discovery.k8s.io/v1", "/apis/discovery.k8s.io/v1/endpointslices", false},
    {"Secret", "v1", "/api/v1/secrets", false},
    {"Gateway", "gateway.kubesphere.io/v1alpha1", "/apis/gateway.kubesphere.io/v1alpha1/gateways",
     true},
}};

Result<std::unique_ptr<ApiSource>> ApiSource::Start(const ApiSourceOptions& options,
                                                    SnapshotCell<route::RouteTable>* out) {
  auto cluster = kubeclient::Cluster::Create(options.client);
  if (!cluster.ok()) return cluster.error();
  auto tls = TlsSnapshots::Create(options.default_ssl_certificate);
  if (!tls.ok()) return tls.error();
  std::unique_ptr<ApiSource> src(new ApiSource(options, out));
  src->cluster_ = std::move(*cluster);
  src->tls_ = std::move(*tls);
  log::Info("sync: following the API at " + options.client.server.ToString() + " (" +
            options.client.source + ")");
  src->thread_ = std::thread([s = src.get()] { s->Loop(); });
  for (size_t i = 0; i < kApiKinds.size(); ++i) {
    kubeclient::ReflectorOptions ro;
    ro.path = kApiKinds[i].path;
    ro.api_version = kApiKinds[i].api_version;
    ro.kind = kApiKinds[i].kind;
    ro.page_size = options.page_size;
    ro.watch_timeout_seconds = options.watch_timeout_seconds;
    ro.missing_is_empty = kApiKinds[i].optional;
    ro.missing_recheck = options.missing_recheck;
    ro.backoff = options.backoff;
    src->reflectors_.push_back(kubeclient::Reflector::Start(
        src->cluster_, std::move(ro),
        [s = src.get(), i](kubeclient::Batch&& batch) { s->OnBatch(i, std::move(batch)); }));
  }
  return src;
}

ApiSource::ApiSource(ApiSourceOptions options, SnapshotCell<route::RouteTable>* out)
    : options_(std::move(options)),
      out_(out),
      compiler_(std::make_unique<route::RouteCompiler>(options_.compile)) {}

ApiSource::~ApiSource() {
  // Stop every reflector before joining any, so they all wind down at once.
  for (auto& r : reflectors_) r->Stop();
  reflectors_.clear();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ApiSyncStats ApiSource::stats() const {
  ApiSyncStats s;
  s.reloads = reloads_.load();
  s.diagnostics = diagnostics_.load();
  s.last_compile_ms = last_compile_ms_.load();
  std::lock_guard lock(stats_mu_);
  for (size_t i = 0; i < kApiKinds.size(); ++i) {
    ApiKindStats k;
    k.kind = kApiKinds[i].kind;
    k.resource_version = applied_rv_[i];
    k.objects = object_counts_[i];
    k.synced = synced_[i];
    if (i < reflectors_.size()) k.reflector = reflectors_[i]->stats();
    s.kinds.push_back(std::move(k));
  }
  return s;
}

void ApiSource::OnBatch(size_t kind, kubeclient::Batch&& batch) {
  // Decoding here spreads the work over the reflector threads and leaves the sync thread only
  // the cheap part (swap pointers, compile).
  Pending pending;
  pending.kind = kind;
  pending.list = batch.list;
  pending.resource_version = std::move(batch.resource_version);
  pending.changes.reserve(batch.deltas.size());
  for (auto& delta : batch.deltas) {
    if (delta.type == kubeclient::DeltaType::kDeleted) {
      pending.changes.push_back(Change{std::move(delta.key), nullptr});
      continue;
    }
    auto decoded = std::make_shared<Decoded>();
    std::vector<model::Diagnostic> diagnostics;
    model::DecodeObject(delta.object, model::Origin{kApiKinds[kind].path, -1, -1}, decoded->state,
                        diagnostics);
    for (const auto& d : diagnostics) log::Warn("api: " + d.ToString());
    decoded->diagnostics = diagnostics.size();
    pending.changes.push_back(Change{std::move(delta.key), std::move(decoded)});
  }
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(pending));
  }
  queue_cv_.notify_one();
}

namespace {

constexpr size_t kIngressKind = 0;
constexpr size_t kIngressClassKind = 1;
constexpr size_t kServiceKind = 2;
constexpr size_t kEndpointsKind = 3;
constexpr size_t kEndpointSliceKind = 4;
constexpr size_t kSecretKind = 5;
constexpr size_t kGatewayKind = 6;

// The decoded object, sharing ownership with its Decoded; null when it failed to decode.
template <class T>
std::shared_ptr<const T> Part(const std::shared_ptr<const ApiSource::Decoded>& decoded,
                              const std::vector<T>& (*select)(const model::ClusterState&)) {
  if (decoded == nullptr) return nullptr;
  const std::vector<T>& items = select(decoded->state);
  if (items.empty()) return nullptr;
  return std::shared_ptr<const T>(decoded, &items.front());
}

template <class T>
void Feed(route::RouteCompiler& compiler, route::RouteCompiler::Kind kind,
          const std::shared_ptr<const ApiSource::Decoded>& before,
          const std::shared_ptr<const ApiSource::Decoded>& after,
          const std::vector<T>& (*select)(const model::ClusterState&)) {
  if (auto object = Part(after, select)) {
    compiler.Upsert(std::move(object));
  } else if (auto old = Part(before, select)) {
    compiler.Remove(kind, old->meta.namespace_, old->meta.name);
  }
}

}  // namespace

void ApiSource::FeedCompiler(route::RouteCompiler& c, size_t kind,
                             const std::shared_ptr<const Decoded>& before,
                             const std::shared_ptr<const Decoded>& after) {
  using Kind = route::RouteCompiler::Kind;
  switch (kind) {
    case kIngressKind:
      return Feed<model::Ingress>(c, Kind::kIngress, before, after,
                                  [](const model::ClusterState& s) -> const auto& {
                                    return s.ingresses;
                                  });
    case kIngressClassKind:
      return Feed<model::IngressClass>(c, Kind::kIngressClass, before, after,
                                       [](const model::ClusterState& s) -> const auto& {
                                         return s.ingress_classes;
                                       });
    case kServiceKind:
      return Feed<model::Service>(c, Kind::kService, before, after,
                                  [](const model::ClusterState& s) -> const auto& {
                                    return s.services;
                                  });
    case kEndpointsKind:
      return Feed<model::Endpoints>(c, Kind::kEndpoints, before, after,
                                    [](const model::ClusterState& s) -> const auto& {
                                      return s.endpoints;
                                    });
    case kEndpointSliceKind:
      return Feed<model::EndpointSlice>(c, Kind::kEndpointSlice, before, after,
                                        [](const model::ClusterState& s) -> const auto& {
                                          return s.endpoint_slices;
                                        });
    case kGatewayKind:
      return Feed<model::Gateway>(c, Kind::kGateway, before, after,
                                  [](const model::ClusterState& s) -> const auto& {
                                    return s.gateways;
                                  });
    case kSecretKind:  // auth-secrets (the certificates go to TlsSnapshots in Apply)
      return Feed<model::Secret>(c, Kind::kSecret, before, after,
                                 [](const model::ClusterState& s) -> const auto& {
                                   return s.secrets;
                                 });
    default:
      return;
  }
}

bool ApiSource::Apply(std::deque<Pending>& pending) {
  bool changed = false;
  for (Pending& p : pending) {
    KindStore& store = stores_[p.kind];
    for (Change& c : p.changes) {
      auto it = store.objects.find(c.key);
      static const std::shared_ptr<const Decoded> kNone;
      const auto& before = it != store.objects.end() ? it->second : kNone;
      FeedCompiler(*compiler_, p.kind, before, c.object);
      for (auto& [_, g] : gateways_) FeedCompiler(*g.compiler, p.kind, before, c.object);
      if (p.kind == kGatewayKind) gateways_dirty_ = true;
      if (p.kind == kSecretKind) ApplySecret(before, c.object);
      changed = true;  // the compiler tells whether anything served changed
      if (it != store.objects.end()) store.diagnostics -= it->second->diagnostics;
      if (c.object == nullptr) {
        if (it != store.objects.end()) store.objects.erase(it);
      } else {
        store.diagnostics += c.object->diagnostics;
        if (it != store.objects.end()) {
          it->second = std::move(c.object);
        } else {
          store.objects.emplace(std::move(c.key), std::move(c.object));
        }
      }
    }
    if (p.list) store.synced = true;
    // A list of a resource that is not served has no resourceVersion; keep the last one.
    if (!p.resource_version.empty() || p.list) store.resource_version = p.resource_version;
    std::lock_guard lock(stats_mu_);
    applied_rv_[p.kind] = store.resource_version;
    object_counts_[p.kind] = store.objects.size();
    synced_[p.kind] = store.synced;
  }
  pending.clear();
  return changed;
}

void ApiSource::Loop() {
  using Clock = std::chrono::steady_clock;
  std::deque<Pending> work;
  bool dirty = false;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      auto has_work = [this] { return stopping_ || !queue_.empty(); };
      // Idle wake-ups: retired tables to free (every second), and certificates whose validity
      // window opens or closes and ticket keys to rotate (checked every 30 s).
      queue_cv_.wait_for(lock, retired_.empty() ? std::chrono::seconds(30) : std::chrono::seconds(1),
                         has_work);
      if (stopping_) return;
      work.swap(queue_);
    }
    // Destroying a retired table takes milliseconds at 10k routes: do it when idle (and after
    // each publish), never between a change arriving and its compile.
    if (work.empty()) {
      SweepRetired();
      tls_->MaybeRotate(std::chrono::steady_clock::now());
      if (ready()) {
        UpdateMainTls();
        if (options_.on_gateways && gateways_published_) CompileGateways(false);
      }
      continue;
    }
    dirty |= Apply(work);
    // Debounce: keep taking batches while they come within the quiet period, but publish at
    // least every max_delay_ms under a steady stream.
    auto first = Clock::now();
    for (;;) {
      auto deadline = std::min(Clock::now() + std::chrono::milliseconds(options_.debounce_ms),
                               first + std::chrono::milliseconds(options_.max_delay_ms));
      std::unique_lock lock(queue_mu_);
      if (!queue_cv_.wait_until(lock, deadline, [this] { return stopping_ || !queue_.empty(); })) {
        break;
      }
      if (stopping_) return;
      work.swap(queue_);
      lock.unlock();
      dirty |= Apply(work);
      if (Clock::now() >= first + std::chrono::milliseconds(options_.max_delay_ms)) break;
    }
    bool all_synced = true;
    for (const KindStore& s : stores_) all_synced = all_synced && s.synced;
    // Nothing is published before every kind has been listed: a table compiled without the
    // Services or Secrets would serve 503s and wrong certificates for a moment.
    if (!all_synced) continue;
    if (dirty || !ready()) {
      Compile();
      UpdateMainTls();
      if (options_.on_gateways) {
        // Only a Gateway change can add or drop a gateway's compiler.
        bool gateway_changed = gateways_dirty_ || !gateways_published_;
        if (gateway_changed) ReconcileGatewayCompilers();
        CompileGateways(gateway_changed);
        gateways_dirty_ = false;
      }
      dirty = false;
    }
  }
}

void ApiSource::ReconcileGatewayCompilers() {
  const KindStore& store = stores_[kGatewayKind];
  std::map<std::string, std::shared_ptr<const model::Gateway>> present;
  for (const auto& [_, decoded] : store.objects) {
    auto g = Part<model::Gateway>(decoded, [](const model::ClusterState& s) -> const auto& {
      return s.gateways;
    });
    if (g != nullptr) present.emplace(g->meta.namespace_ + "/" + g->meta.name, std::move(g));
  }
  for (auto it = gateways_.begin(); it != gateways_.end();) {
    if (present.count(it->first) == 0) {
      if (it->second.table) retired_.push_back(std::move(it->second.table));
      tls_->Forget(it->first);
      it = gateways_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [key, object] : present) {
    PerGateway& g = gateways_[key];
    g.object = std::move(object);
    if (g.compiler != nullptr) continue;
    route::CompileOptions compile = options_.compile;
    compile.gateway = key;
    g.compiler = std::make_unique<route::RouteCompiler>(compile);
    for (size_t kind = 0; kind < kApiKindCount; ++kind) {
      for (const auto& [_, decoded] : stores_[kind].objects) {
        FeedCompiler(*g.compiler, kind, nullptr, decoded);
      }
    }
  }
}

void ApiSource::CompileGateways(bool force_publish) {
  bool changed = force_publish;
  for (auto& [key, g] : gateways_) {
    // Each gateway's diagnostics repeat the main table's (same objects): the main compile
    // reports them once.
    std::vector<model::Diagnostic> ignored;
    auto table = g.compiler->Compile(ignored);
    if (table != nullptr) {
      if (g.table) retired_.push_back(std::move(g.table));
      g.table = std::move(table);
      changed = true;
    }
    // A Secret change leaves the table as it is but may change the certificates.
    if (g.table && tls_->Update(key, *g.table, std::chrono::system_clock::now()) != nullptr) {
      changed = true;
    }
  }
  if (!changed) return;
  auto set = std::make_shared<GatewayTables>();
  for (const auto& [key, g] : gateways_) {
    set->gateways.push_back({key, g.object, g.table, tls_->Current(key)});
  }
  gateways_published_ = true;
  options_.on_gateways(std::move(set));
}

void ApiSource::ApplySecret(const std::shared_ptr<const Decoded>& before,
                            const std::shared_ptr<const Decoded>& after) {
  auto select = [](const model::ClusterState& s) -> const auto& { return s.secrets; };
  if (auto secret = Part<model::Secret>(after, select)) {
    tls_->UpsertSecret(*secret);
  } else if (auto old = Part<model::Secret>(before, select)) {
    tls_->RemoveSecret(old->meta.namespace_, old->meta.name);
  }
}

void ApiSource::UpdateMainTls() {
  if (!options_.on_main_tls) return;
  auto table = out_->Load();
  if (table == nullptr) return;
  if (auto output = tls_->Update("", *table, std::chrono::system_clock::now())) {
    options_.on_main_tls(std::move(output));
  }
}

void ApiSource::SweepRetired() {
  std::erase_if(retired_, [](const auto& t) { return t.use_count() == 1; });
}

void ApiSource::Compile() {
  auto t0 = std::chrono::steady_clock::now();
  uint64_t diag_count = 0;
  for (const KindStore& store : stores_) diag_count += store.diagnostics;
  std::vector<model::Diagnostic> diagnostics;  // of the parts rebuilt now
  auto table = compiler_->Compile(diagnostics);
  for (const auto& d : diagnostics) log::Warn("routes: " + d.ToString());
  diag_count += compiler_->diagnostic_count();
  diagnostics_.store(diag_count);
  if (table == nullptr) return;  // nothing served changed: nothing to publish
  if (auto previous = out_->Load()) retired_.push_back(std::move(previous));
  size_t routes = table->route_count();
  size_t backends = table->backend_count();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // Counted before publishing, so whoever sees the new table also sees it counted.
  reloads_.fetch_add(1);
  last_compile_ms_.store(ms);
  out_->Publish(std::move(table));
  ready_.store(true, std::memory_order_release);
  SweepRetired();
  log::Info("config applied: " + std::to_string(compiler_->ingress_count()) + " ingresses, " +
            std::to_string(routes) + " routes, " + std::to_string(backends) + " backends, " +
            std::to_string(diag_count) + " problems, Ingress resourceVersion " +
            stores_[0].resource_version + ", in " + std::to_string(ms) + " ms");
}

}  // namespace waygate::sync
