// GatewayListeners: turns each Gateway set the API source publishes into the GatewaySet the
// workers serve. For every Gateway it computes where this node listens (gateways::ListenPlan:
// node ports on the node IPs, the EIP on the LB ports), keeps the sockets of addresses still
// wanted (so their connections and accept queues are never touched), binds the new ones (one
// SO_REUSEPORT socket per worker) and lets go of the rest. The workers adopt the result on their
// next wake-up (proxy/gateway_set.h).
//
// Runs on the API source's sync thread (Update); the mutex only guards against a second caller.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/snapshot.h"
#include "gateways/listen_plan.h"
#include "proxy/gateway_set.h"
#include "sync/api_source.h"

namespace waygate::cmd {

class Flags;
// --lb-http-port (80) and --lb-https-port (443): where an EIP listens.
Result<gateways::LbPorts> LbPortsFromFlags(const Flags& flags);

class GatewayListeners {
 public:
  GatewayListeners(int workers, gateways::NodeListenOptions node);

  const SnapshotCell<proxy::GatewaySet>* cell() const { return &cell_; }
  void Update(std::shared_ptr<const sync::GatewayTables> tables);
  // Called after each publish (the data plane wakes its workers, so a new listener accepts at
  // once instead of at the workers' next tick). Set with WakeOnPublish below.
  void SetOnPublish(std::function<void()> on_publish);

 private:
  std::mutex mu_;
  const int workers_;
  const gateways::NodeListenOptions node_;
  // By "gateway|name|ip:port": a gateway that moves a port gets a new socket, one that keeps
  // it keeps the socket.
  std::map<std::string, std::shared_ptr<const proxy::BoundListener>> bound_;
  std::map<std::string, std::string> failed_;  // key -> last error, logged once per change
  SnapshotCell<proxy::GatewaySet> cell_;
  std::function<void()> on_publish_;
};

// While it lives, every publish wakes `plane`'s workers. Declare it after the data plane so it
// is destroyed first: the API source may still publish while the plane is being torn down.
class DataPlane;
class WakeOnPublish {
 public:
  WakeOnPublish(GatewayListeners* listeners, DataPlane* plane);
  ~WakeOnPublish();
  WakeOnPublish(const WakeOnPublish&) = delete;
  WakeOnPublish& operator=(const WakeOnPublish&) = delete;

 private:
  GatewayListeners* listeners_;
};

}  // namespace waygate::cmd
