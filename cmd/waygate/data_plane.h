// DataPlane: a gateway node's serving half, shared by `waygate gateway` and `waygate serve`:
// one worker per core with its own SO_REUSEPORT listener, the admin endpoints, metrics. The
// configuration comes in through a SnapshotCell that a source (manifests or the API) fills.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "admin/server.h"
#include "base/result.h"
#include "base/snapshot.h"
#include "net/address.h"
#include "proxy/access_log.h"
#include "proxy/metrics.h"
#include "proxy/worker.h"
#include "route/route_table.h"

namespace waygate::cmd {

struct DataPlaneOptions {
  net::Address http;
  std::optional<net::Address> https;  // TLS, with the certificates `main_tls` holds
  net::Address admin;
  int workers = 1;
  // Gateways' own listeners and tables (gateway_listeners.h); null: the main listener only.
  const SnapshotCell<proxy::GatewaySet>* gateways = nullptr;
  const SnapshotCell<proxy::TlsSnapshot>* main_tls = nullptr;  // required with `https`
  const proxy::AccessLogSink* access_log = nullptr;
  std::function<bool()> ready;                       // /readyz
  std::function<void(proxy::Registry&)> add_metrics;  // config gauges, called per scrape
  // The gateway ("ns/name") the main listeners serve, in per-gateway metrics; empty: the
  // cluster gateway, as route::CompileOptions has it.
  std::string main_gateway;
};

class DataPlane {
 public:
  static Result<std::unique_ptr<DataPlane>> Start(const DataPlaneOptions& options,
                                                  const SnapshotCell<route::RouteTable>* routes);
  ~DataPlane();  // stops the admin server and the workers, joins them

  const net::Address& http_address() const { return http_address_; }
  const std::optional<net::Address>& https_address() const { return https_address_; }
  const net::Address& admin_address() const { return admin_->address(); }
  void WakeWorkers();  // thread-safe: see proxy::Worker::Wake
  // What the workers flush into (thread-safe; monitoring samples it).
  const proxy::Registry& registry() const { return registry_; }

 private:
  DataPlane() = default;
  proxy::Registry registry_;
  std::vector<std::unique_ptr<proxy::Worker>> workers_;
  std::vector<std::thread> threads_;
  std::unique_ptr<admin::Server> admin_;
  net::Address http_address_;
  std::optional<net::Address> https_address_;
};

// Binds one SO_REUSEPORT socket per worker on the same address. With port 0 the first bind
// picks the port and the others join it, so tests can ask for "any free port". An address
// another process already listens on (with SO_REUSEPORT too, which the kernel would allow) is
// refused with kConflict: the kernel would split the connections between the two processes.
Result<std::vector<int>> BindReusePort(net::Address addr, int count);

// --access-log PATH|- and --access-log-format combined|json; null when the log is off.
class Flags;
Result<std::unique_ptr<proxy::AccessLogSink>> OpenAccessLog(const Flags& flags);

}  // namespace waygate::cmd
