// Worker: one thread, one event loop, its own listening sockets (SO_REUSEPORT), its own
// upstream pools and counters. A downstream connection lives on the worker that accepted it for
// its whole life; the only things crossing threads are immutable route snapshots (read) and
// metric flushes (once a second).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/snapshot.h"
#include "http/h1.h"
#include "net/buffer.h"
#include "net/event_loop.h"
#include "proxy/access_log.h"
#include "proxy/gateway_set.h"
#include "proxy/metrics.h"
#include "proxy/recent_log.h"
#include "route/route_table.h"
#include "upstream/balancer.h"
#include "upstream/connection.h"

namespace waygate::proxy {

class Session;
class H2Downstream;

struct ListenerSpec {
  int fd = -1;  // bound, listening, non-blocking; owned by the worker
  std::string name = "http";  // "https": TLS with the main TLS snapshot
  uint16_t port = 0;          // for X-Forwarded-Port and redirects
  uint16_t https_port = 0;    // http listener: where ssl-redirect points (0: 443)
};

// What a session needs to know about the listener that accepted it.
struct ListenerInfo {
  uint16_t port = 0;
  uint16_t https_port = 0;
  bool tls = false;
};

// One route table as a worker serves it: the table and its balancer state. Listeners of the same
// gateway share one; a connection keeps its listener's for its whole life, so a table swap
// reaches it on its next request and a gateway that goes away leaves it with no table (503).
struct Serving {
  explicit Serving(uint64_t seed) : balancer(seed) {}
  std::shared_ptr<const route::RouteTable> table;
  std::shared_ptr<const TlsSnapshot> tls;  // for its https listeners; null: they refuse
  upstream::Balancer balancer;
  uint32_t gateway_id = 0;  // the worker's id of its gateway (RequestCounter::Intern)
};

// Immutable, shared by all workers.
struct WorkerShared {
  const SnapshotCell<route::RouteTable>* routes = nullptr;  // the main listeners' table
  const SnapshotCell<GatewaySet>* gateways = nullptr;       // null: main listeners only
  const SnapshotCell<TlsSnapshot>* main_tls = nullptr;      // the main https listeners' TLS
  Registry* registry = nullptr;
  const AccessLogSink* access_log = nullptr;  // null: access log off
  http::Limits limits;
  // The gateway ("ns/name") the main listeners serve, for per-gateway metrics and the log ring.
  std::string main_gateway = "kubesphere-controls-system/kubesphere-router-kubesphere-system";
};

class Worker {
 public:
  static Result<std::unique_ptr<Worker>> Create(int index, const WorkerShared& shared,
                                                std::vector<ListenerSpec> listeners);
  ~Worker();

  void Run();   // blocks until Stop()
  void Stop();  // thread-safe
  // Thread-safe: makes the worker look at its snapshots now rather than at its next event or
  // tick. New gateway listeners need it: no event on them can reach a loop that has not yet
  // registered them.
  void Wake();

 private:
  friend class Session;
  friend class H2Downstream;
  class Listener;
  Worker(int index, const WorkerShared& shared, std::unique_ptr<net::EventLoop> loop);

  void RefreshSnapshot();
  void AdoptGatewaySet(const GatewaySet* set, uint64_t refresh,
                       std::vector<std::shared_ptr<const route::RouteTable>>& keep_alive);
  void AdoptListeners(const GatewaySet* set);
  void Tick(int64_t now_ms);
  void FlushMetrics();
  void RemoveSession(Session* s);  // deferred delete after the event batch
  // HTTP/2 connections whose streams produced frames during this batch: written once, after it.
  void QueueH2Flush(Session* connection);
  void FlushH2Connections();
  std::vector<Session*> h2_flush_;
  // Response buffers are recycled per worker (no allocation per exchange, no cross-thread).
  std::unique_ptr<net::Buffer> TakeBuffer();
  void ReturnBuffer(std::unique_ptr<net::Buffer> buffer);
  std::vector<std::unique_ptr<net::Buffer>> free_buffers_;
  void UpdateDate();

  int index_;
  WorkerShared shared_;
  std::unique_ptr<net::EventLoop> loop_;
  std::vector<std::unique_ptr<Listener>> listeners_;  // the main ones, for the worker's life
  // Gateways' listeners by the socket set they accept on; removed ones wait in
  // retired_listeners_ until the event batch that may still name them is over.
  std::vector<std::pair<const BoundListener*, std::unique_ptr<Listener>>> gateway_listeners_;
  std::vector<std::unique_ptr<Listener>> retired_listeners_;

  // Current route snapshots and the per-worker state derived from them.
  std::shared_ptr<Serving> main_;
  std::vector<std::pair<std::string, std::shared_ptr<Serving>>> servings_;  // by gateway, sorted
  uint64_t table_generation_ = ~uint64_t{0};
  uint64_t gateways_generation_ = ~uint64_t{0};
  uint64_t tls_generation_ = ~uint64_t{0};
  uint64_t refreshes_ = 0;  // marks the endpoint states every current table references
  uint64_t balancer_seed_ = 0;
  upstream::EndpointRegistry endpoints_;
  upstream::Pool pool_;
  upstream::EjectionPolicy ejection_;

  // Sessions, for timeouts (index kept in Session::list_index_).
  std::vector<Session*> sessions_;
  std::vector<Session*> graveyard_;

  WorkerCounters counters_;
  RequestCounter requests_;
  AccessLogBuffer access_log_;
  RecentLogBuffer recent_log_;
  int64_t last_flush_ms_ = 0;
  // Bumped by every Balancer::Rebuild: BackendState pointers held by sessions are valid only
  // within one epoch.
  uint64_t balancer_epoch_ = 0;

  // Scratch space reused by every exchange on this worker (one exchange parses at a time).
  http::RequestHead request_head_;
  http::ResponseHead response_head_;
  std::string path_scratch_;
  std::string tls_scratch_;  // a head and the start of its body, encrypted as one record

  char date_header_[64];  // "Date: Tue, 01 Jan 2030 00:00:00 GMT\r\n"
  size_t date_header_len_ = 0;
  int64_t date_second_ = 0;
  int64_t unix_now_s_ = 0;
  uint64_t rng_;
};

}  // namespace waygate::proxy
