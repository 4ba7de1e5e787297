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
  void AddWorkerCounters(const WorkerCounters& delta);
  void SetGauge(const std::string& name, double value);  // e.g. config state
  void AddCounter(const std::string& name, uint64_t n);
  void SetCounter(const std::string& name, uint64_t value);  // for counters kept elsewhere
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<RequestLabels, uint64_t> requests_;
  WorkerCounters totals_;
  std::map<std::string, double> gauges_;
  std::map<std::string, uint64_t> counters_;
};

// One worker's request counts keyed by (route, status, method) until the next flush. The
// routes belong to `table_`, which this object keeps alive until it has flushed them.
class RequestCounter {
 public:
  explicit RequestCounter(Registry* registry) : registry_(registry) {}
  void Record(const std::shared_ptr<const route::RouteTable>& table, const route::Route* route,
              uint16_t status, MethodLabel method);
  void Flush();

 private:
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
  Registry* registry_;
  std::shared_ptr<const route::RouteTable> table_;
  std::unordered_map<Key, uint64_t, KeyHash> counts_;
};

}  // namespace waygate::proxy
