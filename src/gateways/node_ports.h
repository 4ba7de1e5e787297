// Node port allocation for gateways, the way kube-apiserver allocates a NodePort Service's
// ports: requested ports are honoured when free and in range, the allocation is stored in the
// object's spec (so it survives restarts), an update that leaves nodePort out keeps the port it
// had, and everything else gets the lowest free port of the range.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "gateways/ranges.h"
#include "model/objects.h"

namespace waygate::gateways {

struct NodePorts {
  int32_t http = 0;  // 0: none
  int32_t https = 0;
  friend bool operator==(const NodePorts&, const NodePorts&) = default;
};

// Another gateway and the node ports it holds.
struct Holder {
  std::string name;  // "kubesphere-controls-system/kubesphere-router-x"
  NodePorts ports;
};

// The node ports stored in a gateway's spec.service.ports (0 where none is set).
NodePorts SpecNodePorts(const model::Gateway& gateway);
// {namespace/name, SpecNodePorts}: what the server passes as `others` for every stored gateway.
Holder HolderOf(const model::Gateway& gateway);

// The http and https node ports `incoming` gets. `previous` is the stored object on update
// (nullptr on create); `others` every other gateway (an entry named like `incoming` is
// ignored). Errors, on spec.service.ports[i].nodePort:
//   422 "Invalid value: N: provided port is already allocated to Gateway <ns/name>"
//   422 "Invalid value: N: provided port is not in the valid range. The range of valid ports
//        is 30000-32767" (a port kept unchanged from `previous` is not re-checked, as in kube)
//   500 (kInternal) "failed to allocate a nodePort: range is full" when nothing is left.
Result<NodePorts> AllocateNodePorts(const model::Gateway& incoming, const model::Gateway* previous,
                                    const std::vector<Holder>& others, const PortRange& range);

// The Gateway object (JSON) with the allocation written into spec.service.ports: the http and
// https entries get their nodePort (entries are added when missing; their other keys and any
// other entries are kept), as kube-apiserver stores a Service's allocated nodePort in its spec.
nlohmann::json WithNodePorts(nlohmann::json gateway, const NodePorts& ports);

}  // namespace waygate::gateways
