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
  std::unique_ptr<ApiSource> src(new ApiSource(options, out));
  src->cluster_ = std::move(*cluster);
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
    : options_(std::move(options)), out_(out) {}

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
constexpr size_t kServiceKind = 2;
constexpr size_t kEndpointsKind = 3;
constexpr size_t kEndpointSliceKind = 4;
constexpr size_t kSecretKind = 5;

}  // namespace

void ApiSource::AdjustRefs(const Decoded* object, int delta) {
  if (object == nullptr) return;
  auto bump = [delta](std::unordered_map<std::string, int>& refs, const std::string& key) {
    int& count = refs[key];
    count += delta;
    if (count <= 0) refs.erase(key);
  };
  for (const model::Ingress& ing : object->state.ingresses) {
    const std::string prefix = ing.meta.namespace_ + "/";
    if (ing.default_backend && ing.default_backend->service) {
      bump(service_refs_, prefix + ing.default_backend->service->name);
    }
    for (const model::IngressRule& rule : ing.rules) {
      for (const model::HTTPIngressPath& path : rule.paths) {
        if (path.backend.service) bump(service_refs_, prefix + path.backend.service->name);
      }
    }
    for (const model::IngressTLS& tls : ing.tls) {
      if (!tls.secret_name.empty()) bump(secret_refs_, prefix + tls.secret_name);
    }
  }
}

bool ApiSource::Relevant(size_t kind, const std::string& key, const Decoded* before,
                         const Decoded* after) const {
  switch (kind) {
    case kServiceKind:
    case kEndpointsKind:
      return service_refs_.count(key) != 0;
    case kSecretKind:
      return secret_refs_.count(key) != 0;
    case kEndpointSliceKind: {
      // A slice names its Service in a label; an undecodable slice counts as relevant.
      for (const Decoded* d : {before, after}) {
        if (d == nullptr) continue;
        if (d->state.endpoint_slices.empty()) return true;
        const model::EndpointSlice& slice = d->state.endpoint_slices.front();
        auto it = slice.meta.labels.find("kubernetes.io/service-name");
        if (it == slice.meta.labels.end()) continue;
        if (service_refs_.count(slice.meta.namespace_ + "/" + it->second) != 0) return true;
      }
      return false;
    }
    default:
      return true;  // Ingress, IngressClass, Gateway: always part of the table
  }
}

bool ApiSource::Apply(std::deque<Pending>& pending) {
  bool changed = false;
  for (Pending& p : pending) {
    KindStore& store = stores_[p.kind];
    for (Change& c : p.changes) {
      auto it = store.objects.find(c.key);
      const Decoded* before = it != store.objects.end() ? it->second.get() : nullptr;
      if (p.kind == kIngressKind) {
        AdjustRefs(before, -1);
        AdjustRefs(c.object.get(), +1);
        changed = true;
      } else if (Relevant(p.kind, c.key, before, c.object.get())) {
        changed = true;
      }
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
      if (retired_.empty()) {
        queue_cv_.wait(lock, has_work);
      } else {
        queue_cv_.wait_for(lock, std::chrono::seconds(1), has_work);
      }
      if (stopping_) return;
      work.swap(queue_);
    }
    // Destroying a retired table takes milliseconds at 10k routes: do it when idle (and after
    // each publish), never between a change arriving and its compile.
    if (work.empty()) {
      SweepRetired();
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
      dirty = false;
    }
  }
}

void ApiSource::SweepRetired() {
  std::erase_if(retired_, [](const auto& t) { return t.use_count() == 1; });
}

void ApiSource::Compile() {
  auto t0 = std::chrono::steady_clock::now();
  model::ClusterView view;
  uint64_t diag_count = 0;
  for (const KindStore& store : stores_) {
    diag_count += store.diagnostics;
    for (const auto& [_, object] : store.objects) view.Add(object->state);
  }
  std::vector<model::Diagnostic> diagnostics;
  auto table = route::RouteTable::Compile(view, options_.compile, diagnostics);
  for (const auto& d : diagnostics) log::Warn("routes: " + d.ToString());
  diag_count += diagnostics.size();
  if (auto previous = out_->Load()) retired_.push_back(std::move(previous));
  size_t routes = table->route_count();
  size_t backends = table->backends().size();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // Counted before publishing, so whoever sees the new table also sees it counted.
  reloads_.fetch_add(1);
  diagnostics_.store(diag_count);
  last_compile_ms_.store(ms);
  out_->Publish(std::move(table));
  ready_.store(true, std::memory_order_release);
  SweepRetired();
  log::Info("config applied: " + std::to_string(view.ingresses.size()) + " ingresses, " +
            std::to_string(routes) + " routes, " + std::to_string(backends) + " backends, " +
            std::to_string(diag_count) + " problems, Ingress resourceVersion " +
            stores_[0].resource_version + ", in " + std::to_string(static_cast<int>(ms)) + " ms");
}

}  // namespace waygate::sync
