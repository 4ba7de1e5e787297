// GatewayStatusController: the server side of issue 4 items 3-5. It follows Gateways, Nodes and
// Ingresses in the store and keeps three things true:
//  * a Node whose heartbeat is older than `node_grace` is marked Ready=Unknown (as kube's node
//    lifecycle controller does) and its addresses stop being published;
//  * each Gateway's status holds its node ports and addresses: the Ready nodes' addresses for
//    NodePort, an EIP from the pool for LoadBalancer (or none, with one Warning Event, while
//    Pending);
//  * each Ingress's status.loadBalancer holds the addresses of the gateway serving its
//    namespace, or nothing.
// It also publishes an immutable AccessSnapshot (gateway access + route host -> addresses) for
// the DNS server and `waygate routes`.
//
// Writes go through the status subresource rules (api::PrepareForUpdate) and happen only when
// the stored status differs, so its own writes come back as no-ops. A gateway change touches
// only the namespaces whose addresses changed; their Ingresses are re-written a round at a time
// between watch events. Runs on its own thread; the store must outlive the controller.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/registry.h"
#include "base/result.h"
#include "controller/event_recorder.h"
#include "controller/gateway_plan.h"
#include "controller/node_health.h"
#include "controller/store_follower.h"
#include "gateways/ranges.h"
#include "gateways/status.h"
#include "model/objects.h"
#include "store/store.h"

namespace waygate::controller {

// A route host and the addresses that reach it (its gateway's published addresses; the union
// when Ingresses of several namespaces, served by different gateways, name the same host).
struct HostAccess {
  std::string host;                    // as written in spec.rules[].host ("*.foo.com" included)
  std::vector<std::string> addresses;  // empty while the gateway has none (Pending, no node)
};

// What clients need to reach routes, at one moment. Immutable once published.
struct AccessSnapshot {
  // Every gateway (sorted by "ns/name"), with its access as written into its status.
  std::vector<model::Gateway> gateway_objects;
  std::vector<gateways::GatewayAccess> gateways;  // same order as gateway_objects
  // Every host of an Ingress some gateway serves, sorted by host, each once.
  std::vector<HostAccess> hosts;

  // The access of the gateway serving namespace `ns` (gateways::GatewayForNamespace), or
  // nullptr when none does.
  const gateways::GatewayAccess* ForNamespace(std::string_view ns) const;
  const gateways::GatewayAccess* FindGateway(std::string_view key) const;  // "ns/name"
  const HostAccess* FindHost(std::string_view host) const;                 // exact, lower case
};

struct GatewayStatusOptions {
  gateways::AddressPool lb_pool;  // empty: LoadBalancer gateways stay Pending
  gateways::LbPorts lb_ports;
  // How long a node may stay silent before it counts as NotReady (kube's
  // --node-monitor-grace-period).
  std::chrono::milliseconds node_grace{40000};
  // Changes gather this long before the access snapshot is rebuilt and published, so a burst of
  // 10k Ingress writes rebuilds it a few times rather than 10k times.
  std::chrono::milliseconds settle{200};
  // Delay before reopening a watch, or re-trying a write, that failed.
  std::chrono::milliseconds retry{1000};
  // source.component and reportingComponent of the Events.
  std::string component = "waygate";
  // Called on the controller thread with each newly published snapshot (keep it short).
  std::function<void(std::shared_ptr<const AccessSnapshot>)> on_change;
};

class GatewayStatusController {
 public:
  // Reads everything once and publishes the first snapshot before returning; writes start on
  // the controller's thread.
  static Result<std::unique_ptr<GatewayStatusController>> Start(store::Store* store,
                                                                GatewayStatusOptions options);
  // Stops the watches and joins the thread.
  ~GatewayStatusController();

  GatewayStatusController(const GatewayStatusController&) = delete;
  GatewayStatusController& operator=(const GatewayStatusController&) = delete;

  // The latest snapshot; never null. Safe from any thread.
  std::shared_ptr<const AccessSnapshot> access() const;

  // Counters for tests and metrics.
  uint64_t gateway_writes() const { return gateway_writes_.load(); }
  uint64_t ingress_writes() const { return ingress_writes_.load(); }
  uint64_t node_marks() const { return node_marks_.load(); }
  uint64_t events_recorded() const { return events_.load(); }
  uint64_t passes() const { return passes_.load(); }  // gateway passes completed

 private:
  enum Kind { kGateway = 0, kNode = 1, kIngress = 2, kKinds = 3 };
  using Clock = std::chrono::steady_clock;

  struct GatewayRecord {
    model::Gateway object;
    nlohmann::json status;  // as stored
  };

  struct IngressRecord {
    std::string namespace_;
    std::vector<std::string> hosts;
    nlohmann::json load_balancer;  // status.loadBalancer as stored (null when absent)
  };

  // The last Warning recorded for a pending gateway; a new one only when this changes.
  struct Warned {
    std::string uid;
    int64_t generation = 0;
    std::string reason;
    std::string message;
    bool operator==(const Warned&) const = default;
  };

  GatewayStatusController(store::Store* store, GatewayStatusOptions options);

  Status Bootstrap();
  void Run();

  void Apply(const StoreFollower::Change& change);
  std::vector<std::string> KnownNames(size_t kind) const;
  void ApplyGateway(const std::string& name, const std::string* value);
  void ApplyNode(const std::string& name, const std::string* value);
  void ApplyIngress(const std::string& name, const std::string* value);

  // Node readiness at `now`: marks silent nodes, and asks for a pass when the published node
  // addresses change.
  void CheckNodes(bool write);
  void MarkNode(const std::string& name);
  // Recomputes every gateway's access; queues the namespaces whose Ingress status changes.
  void Plan();
  void WriteGateways();
  void WriteIngresses(size_t max_writes);
  void SchedulePublish();
  void MaybePublish(bool now);

  const nlohmann::json& DesiredFor(const std::string& ns);
  void ForgetIngressHosts(const IngressRecord& record);
  void MarkIngress(const std::string& key);
  Clock::time_point NextWakeup() const;

  api::Registry registry_;
  GatewayStatusOptions options_;
  EventRecorder recorder_;

  // Controller thread only (and Bootstrap, before the thread starts).
  std::map<std::string, GatewayRecord> gateways_;  // "ns/name", sorted: the allocation order
  std::map<std::string, NodeHealth> nodes_;
  std::vector<std::string> node_addresses_;                   // published now
  std::optional<WallClock::time_point> next_stale_;           // the next Ready node to go silent
  std::unordered_map<std::string, IngressRecord> ingresses_;  // "ns/name"
  std::unordered_map<std::string, std::set<std::string>> by_namespace_;  // ns -> ingress keys
  std::map<std::string, std::map<std::string, int>> hosts_;  // host -> ns -> Ingress count
  std::map<std::string, std::string> held_;                  // gateway key -> EIP it was given
  std::map<std::string, Warned> warned_;
  std::vector<model::Gateway> gateway_list_;                 // gateways_ in key order, as planned
  std::vector<PlannedGateway> plan_;                         // one per gateway_list_ entry
  std::unordered_map<std::string, nlohmann::json> desired_;  // ns -> Ingress status.loadBalancer
  std::deque<std::string> dirty_;                            // Ingress keys to write
  std::unordered_set<std::string> dirty_set_;
  bool plan_needed_ = true;
  bool gateways_dirty_ = false;
  std::optional<Clock::time_point> publish_at_;
  std::optional<Clock::time_point> retry_at_;  // a failed write is tried again then

  StoreFollower follower_;

  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const AccessSnapshot> snapshot_;  // guarded by snapshot_mu_

  std::atomic<uint64_t> gateway_writes_{0};
  std::atomic<uint64_t> ingress_writes_{0};
  std::atomic<uint64_t> node_marks_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> passes_{0};
  std::thread thread_;
};

}  // namespace waygate::controller
