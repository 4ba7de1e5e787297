// GatewaySet: what a gateway node serves besides its main listener (--http-listen): each
// Gateway's route table and the listening sockets bound for it (its node ports on the node's
// IPs, its EIP on the LB ports). Immutable once published; the control side publishes a new one
// through a SnapshotCell whenever a table or the listener set changes, and every worker adopts
// it on its next wake-up: new listeners join its event loop, vanished ones leave it, and every
// other listener and connection is left as it is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net/address.h"
#include "route/route_table.h"

namespace waygate::proxy {

// One address a gateway listens on: one SO_REUSEPORT socket per worker, so each worker accepts
// on its own socket. The sockets close when the last holder (a published set, a worker still
// registered on it) lets go, so a worker never polls a closed descriptor.
class BoundListener {
 public:
  BoundListener(std::string gateway, std::string name, net::Address address,
                std::vector<int> fds);
  ~BoundListener();
  BoundListener(const BoundListener&) = delete;
  BoundListener& operator=(const BoundListener&) = delete;

  const std::string& gateway() const { return gateway_; }  // "ns/name"
  const std::string& name() const { return name_; }        // "http"
  const net::Address& address() const { return address_; }
  int fd(size_t worker) const { return worker < fds_.size() ? fds_[worker] : -1; }

 private:
  std::string gateway_;
  std::string name_;
  net::Address address_;
  std::vector<int> fds_;
};

struct GatewayTable {
  std::string gateway;  // "ns/name"
  std::shared_ptr<const route::RouteTable> table;
};

struct GatewaySet {
  std::vector<GatewayTable> gateways;  // sorted by gateway
  std::vector<std::shared_ptr<const BoundListener>> listeners;
};

}  // namespace waygate::proxy
