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

struct ssl_ctx_st;
namespace waygate::tls {
class SniIndex;
}

namespace waygate::proxy {

// What an https listener needs to accept TLS: the front SSL_CTX (policy, session cache, ticket
// keys; SNI callback installed) and the SNI index of its gateway's certificates. Immutable; a
// rotation publishes a new one and connections keep what they started with.
struct TlsSnapshot {
  std::shared_ptr<ssl_ctx_st> front;
  std::shared_ptr<const tls::SniIndex> sni;
};

// One address a gateway listens on: one SO_REUSEPORT socket per worker, so each worker accepts
// on its own socket. The sockets close when the last holder (a published set, a worker still
// registered on it) lets go, so a worker never polls a closed descriptor.
class BoundListener {
 public:
  // `https_port`: for an http listener, the port ssl-redirect sends clients to (0: 443).
  BoundListener(std::string gateway, std::string name, net::Address address,
                std::vector<int> fds, uint16_t https_port = 0);
  ~BoundListener();
  BoundListener(const BoundListener&) = delete;
  BoundListener& operator=(const BoundListener&) = delete;

  const std::string& gateway() const { return gateway_; }  // "ns/name"
  const std::string& name() const { return name_; }        // "http"
  const net::Address& address() const { return address_; }
  bool tls() const { return name_ == "https"; }
  uint16_t https_port() const { return https_port_; }
  int fd(size_t worker) const { return worker < fds_.size() ? fds_[worker] : -1; }

 private:
  std::string gateway_;
  std::string name_;
  net::Address address_;
  std::vector<int> fds_;
  uint16_t https_port_ = 0;
};

struct GatewayTable {
  std::string gateway;  // "ns/name"
  std::shared_ptr<const route::RouteTable> table;
  std::shared_ptr<const TlsSnapshot> tls;  // null: the gateway's https listeners refuse
};

struct GatewaySet {
  std::vector<GatewayTable> gateways;  // sorted by gateway
  std::vector<std::shared_ptr<const BoundListener>> listeners;
};

}  // namespace waygate::proxy
