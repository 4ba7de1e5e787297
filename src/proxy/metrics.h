// Metrics: per-worker counters (plain integers, no atomics on the request path) flushed once a
// second into one process-wide Registry that /metrics renders in Prometheus text format.
// Names follow ingress-nginx where it has one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "proxy/recent_log.h"
#include "route/route_table.h"

namespace waygate::proxy {

// Bounded method label set, so a client cannot blow up label cardinality.
enum class MethodLabel : uint8_t { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };
MethodLabel ClassifyMethod(std::string_view method);
const char* ToString(MethodLabel m);

struct WorkerCounters {
  uint64_t upstream_requests = 0;            // requests sent upstream
  uint64_t upstream_connections_opened = 0;  // new upstream connections
  uint64_t upstream_connect_failures = 0;
  uint64_t upstream_retries = 0;
  uint64_t upstream_ejections = 0;
  uint64_t downstream_connections_accepted = 0;
  uint64_t bad_requests = 0;  // rejected by the HTTP parser
  uint64_t tls_handshakes = 0;          // completed
  uint64_t tls_handshakes_resumed = 0;  // of which resumed (ticket or session cache)
  uint64_t tls_handshake_failures = 0;  // failed, timed out, or no certificate state yet
  // Latency histogram buckets (seconds) of ingress-nginx's request_duration_seconds.
  static constexpr int kBuckets = 12;
  uint64_t duration_buckets[kBuckets] = {};
  double duration_sum = 0;
  uint64_t duration_count = 0;
};

inline constexpr double kDurationBounds[WorkerCounters::kBuckets] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// The bucket of kDurationBounds a duration falls in; kBuckets: above the last bound (+Inf).
inline int DurationBucket(double seconds) {
  int b = 0;
  while (b < WorkerCounters::kBuckets && seconds > kDurationBounds[b]) ++b;
  return b;
}

// Requests of one route, ingress or gateway: by status class and by duration. Per bucket, not
// cumulative; count minus the finite buckets is the +Inf bucket.
struct RequestStats {
  uint64_t by_class[6] = {};  // status / 100; [0]: a status outside 100-599
  uint64_t buckets[WorkerCounters::kBuckets] = {};
  double sum = 0;
  uint64_t count = 0;

  void Record(uint16_t status, int bucket, double seconds) {
    ++by_class[status >= 100 && status < 600 ? status / 100 : 0];
    if (bucket < WorkerCounters::kBuckets) ++buckets[bucket];
    sum += seconds;
    ++count;
  }
  void Add(const RequestStats& o);
  bool empty() const { return count == 0; }
};

// One gateway's figures as the Registry holds them (monitoring reads these).
struct GatewayStats {
  RequestStats requests;
  int64_t active_connections = 0;  // downstream connections open now
};

// Process-wide aggregate. Flush() and Render() take a mutex; only workers' periodic flushes
// and scrapes call them, never a request.
class Registry {
 public:
  struct RequestLabels {
    std::string ingress, namespace_, service, host, path, method;
    uint16_t status;
    bool operator<(const RequestLabels& o) const {
      return std::tie(ingress, namespace_, service, host, path, method, status) <
             std::tie(o.ingress, o.namespace_, o.service, o.host, o.path, o.method, o.status);
    }
  };

  void AddRequests(const RequestLabels& labels, uint64_t n);
  // The same, with the requests' durations: they also feed the per-ingress histogram (labels
  // ingress and namespace; a request no Ingress routed has none).
  void AddRequests(const RequestLabels& labels, const RequestStats& stats);
  // A worker's figures for one gateway ("ns/name") since its last flush; `connections`: opened
  // minus closed.
  void AddGatewayStats(const std::string& gateway, const RequestStats& stats,
                       int64_t connections);
  void AddWorkerCounters(const WorkerCounters& delta);
  void SetGauge(const std::string& name, double value);  // e.g. config state
  void AddCounter(const std::string& name, uint64_t n);
  void SetCounter(const std::string& name, uint64_t value);  // for counters kept elsewhere
  std::string Render() const;

  // Cumulative per-gateway ("ns/name") and per-Ingress ("namespace/name") figures, for the
  // monitoring ring's samples.
  struct Totals {
    std::map<std::string, GatewayStats> gateways;
    std::map<std::string, RequestStats> ingresses;
  };
  Totals MonitoringTotals() const;

  // The recent access-log lines of each gateway (workers add to it on their flush).
  RecentLog& recent_log() { return recent_log_; }
  const RecentLog& recent_log() const { return recent_log_; }

 private:
  mutable std::mutex mu_;
  std::map<RequestLabels, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, RequestStats> ingresses_;  // (namespace, name)
  std::map<std::string, GatewayStats> gateways_;
  RecentLog recent_log_;
  WorkerCounters totals_;
  std::map<std::string, double> gauges_;
  std::map<std::string, uint64_t> counters_;
};

// One worker's request counts keyed by (route, status, method) until the next flush, with
// their durations (the per-ingress histogram), and its per-gateway figures. The routes belong to
// `table_`, which this object keeps alive until it has flushed them. Plain integers: the worker
// thread alone touches them; Flush hands them to the Registry.
class RequestCounter {
 public:
  explicit RequestCounter(Registry* registry) : registry_(registry) {}
  // `bucket` (DurationBucket) and `seconds`: the request's duration (default: an instant one).
  void Record(const std::shared_ptr<const route::RouteTable>& table, const route::Route* route,
              uint16_t status, MethodLabel method, int bucket = 0, double seconds = 0);
  // Gateways by a small id, so the request path indexes an array rather than hashing a name.
  // Intern runs when a worker adopts a gateway (not per request); ids are never reused.
  uint32_t Intern(const std::string& gateway);
  const std::vector<std::string>& gateway_names() const { return gateway_names_; }
  void RecordGateway(uint32_t gateway, uint16_t status, int bucket, double seconds) {
    gateways_[gateway].stats.Record(status, bucket, seconds);
  }
  void ConnectionOpened(uint32_t gateway) { ++gateways_[gateway].connections; }
  void ConnectionClosed(uint32_t gateway) { --gateways_[gateway].connections; }
  void Flush();

 private:
  void FlushRoutes();
  struct Key {
    const route::Route* route;
    uint16_t status;
    MethodLabel method;
    bool operator==(const Key& o) const {
      return route == o.route && status == o.status && method == o.method;
    }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<const void*>()(k.route) ^ (size_t{k.status} << 8) ^ size_t(k.method);
    }
  };
  struct GatewayTally {
    RequestStats stats;
    int64_t connections = 0;  // opened minus closed since the last flush
  };
  Registry* registry_;
  std::shared_ptr<const route::RouteTable> table_;
  std::unordered_map<Key, RequestStats, KeyHash> counts_;
  std::vector<std::string> gateway_names_;  // by id
  std::vector<GatewayTally> gateways_;      // by id
};

}  // namespace waygate::proxy
