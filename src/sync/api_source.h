// ApiSource: the configuration source of `waygate gateway --kubeconfig FILE` (and of the
// gateway node inside `waygate serve`). One kubeclient::Reflector per kind lists and watches
// the API; each changed object is decoded once (model::DecodeObject) on its reflector's thread;
// the sync thread applies whole batches into a route::RouteCompiler, and once every kind has been
// listed it compiles the next RouteTable after each debounced burst of changes (incrementally:
// only what the burst touched is rebuilt) and publishes it when anything served changed.
//
// A batch (one watch read, or a whole relist) is applied in one step and a snapshot is only
// compiled between batches, so a relist's difference is never published half-way.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/snapshot.h"
#include "kubeclient/api_client.h"
#include "kubeclient/config.h"
#include "kubeclient/reflector.h"
#include "model/decode.h"
#include "route/compiler.h"
#include "route/route_table.h"
#include "sync/tls_snapshots.h"

namespace waygate::sync {

// The kinds a gateway follows, in the order of kApiKinds.
struct ApiKind {
  const char* kind;         // "Ingress"
  const char* api_version;  // "networking.k8s.io/v1"
  const char* path;         // "/apis/networking.k8s.io/v1/ingresses"
  bool optional;            // a 404 means "none of them" (the Gateway CRD on a real cluster)
};
inline constexpr size_t kApiKindCount = 7;
extern const std::array<ApiKind, kApiKindCount> kApiKinds;

// Every Gateway object with the route table of its own scope (its project, or every namespace
// for the cluster gateway): what a node's per-gateway listeners serve.
struct GatewayTables {
  struct Entry {
    std::string gateway;  // "ns/name"
    std::shared_ptr<const model::Gateway> object;
    std::shared_ptr<const route::RouteTable> table;
    std::shared_ptr<const TlsOutput> tls;  // for its https listeners
  };
  std::vector<Entry> gateways;  // sorted by gateway
};

struct ApiSourceOptions {
  kubeclient::Config client;
  route::CompileOptions compile;  // the main table (`out`): the gateway of compile.gateway
  // When set, every Gateway also gets a table of its own (one more incremental compiler each),
  // and each set that differs from the last is handed here, on the sync thread.
  std::function<void(std::shared_ptr<const GatewayTables>)> on_gateways;
  // The main table's TLS state (its https listeners), on the sync thread, whenever it changes.
  std::function<void(std::shared_ptr<const TlsOutput>)> on_main_tls;
  // --default-ssl-certificate NS/NAME.
  std::optional<std::pair<std::string, std::string>> default_ssl_certificate;
  // Quiet period after a change before recompiling, so a burst (kubectl apply of many
  // objects) becomes one snapshot; a steady stream still publishes every `max_delay_ms`.
  int debounce_ms = 5;
  int max_delay_ms = 50;
  // Reflector tuning (tests shorten these).
  int page_size = 500;
  int watch_timeout_seconds = 300;
  kubeclient::BackoffPolicy backoff;
  std::chrono::milliseconds missing_recheck{60000};
};

struct ApiKindStats {
  std::string kind;
  std::string resource_version;  // last applied to the published configuration's inputs
  size_t objects = 0;            // decoded objects held
  bool synced = false;
  kubeclient::ReflectorStats reflector;
};

struct ApiSyncStats {
  uint64_t reloads = 0;      // snapshots published
  uint64_t diagnostics = 0;  // problems in the objects held plus the last compile
  double last_compile_ms = 0;
  std::vector<ApiKindStats> kinds;  // in kApiKinds order
};

class ApiSource {
 public:
  // Fails only on a client config that can never work (bad CA or key PEM); an unreachable
  // server is retried in the background (ready() stays false until the first publish).
  static Result<std::unique_ptr<ApiSource>> Start(const ApiSourceOptions& options,
                                                  SnapshotCell<route::RouteTable>* out);
  ~ApiSource();  // stops the reflectors and the sync thread promptly

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  ApiSyncStats stats() const;

 public:
  // One object as decoded: its typed form (empty when it failed validation or is of no kind
  // we read) and how many diagnostics it produced.
  struct Decoded {
    model::ClusterState state;
    size_t diagnostics = 0;
  };
 private:
  struct Change {
    std::string key;
    std::shared_ptr<const Decoded> object;  // null: deleted
  };
  struct Pending {
    size_t kind = 0;
    bool list = false;
    std::string resource_version;
    std::vector<Change> changes;
  };
  struct KindStore {
    std::map<std::string, std::shared_ptr<const Decoded>> objects;  // by key, sorted
    std::string resource_version;
    bool synced = false;
    uint64_t diagnostics = 0;
  };

  ApiSource(ApiSourceOptions options, SnapshotCell<route::RouteTable>* out);
  void OnBatch(size_t kind, kubeclient::Batch&& batch);  // reflector threads
  void Loop();                                           // sync thread
  bool Apply(std::deque<Pending>& pending);              // true: the table must be recompiled
  static void FeedCompiler(route::RouteCompiler& compiler, size_t kind,
                           const std::shared_ptr<const Decoded>& before,
                           const std::shared_ptr<const Decoded>& after);
  void Compile();
  // Per-gateway compilers: one per Gateway object, created (and fed every object held) when
  // the Gateway appears, dropped when it goes; each one's object brought up to date.
  void ReconcileGatewayCompilers();
  void CompileGateways(bool force_publish);
  void SweepRetired();
  void UpdateMainTls();
  void ApplySecret(const std::shared_ptr<const Decoded>& before,
                   const std::shared_ptr<const Decoded>& after);

  ApiSourceOptions options_;
  SnapshotCell<route::RouteTable>* out_;
  std::shared_ptr<kubeclient::Cluster> cluster_;

  // Reflector threads -> sync thread.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  // Sync thread only (stats() copies under stats_mu_).
  std::array<KindStore, kApiKindCount> stores_;
  std::vector<std::shared_ptr<const route::RouteTable>> retired_;
  std::unique_ptr<route::RouteCompiler> compiler_;
  std::unique_ptr<TlsSnapshots> tls_;
  struct PerGateway {
    std::shared_ptr<const model::Gateway> object;
    std::unique_ptr<route::RouteCompiler> compiler;
    std::shared_ptr<const route::RouteTable> table;  // last compiled
  };
  std::map<std::string, PerGateway> gateways_;  // by "ns/name"
  bool gateways_dirty_ = false;                 // a Gateway object changed since the last publish
  bool gateways_published_ = false;

  mutable std::mutex stats_mu_;
  std::array<std::string, kApiKindCount> applied_rv_;
  std::array<size_t, kApiKindCount> object_counts_{};
  std::array<bool, kApiKindCount> synced_{};
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> diagnostics_{0};
  std::atomic<double> last_compile_ms_{0};

  std::vector<std::unique_ptr<kubeclient::Reflector>> reflectors_;
  std::thread thread_;
};

}  // namespace waygate::sync
