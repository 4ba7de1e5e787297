// GatewayAdmission: the admission of Gateway writes that needs the other stored Gateways
// (issue 4 item 1-2): KubeSphere's placement rules, the project gateway's forced scope, and the
// node ports allocated into spec.service.ports (as kube-apiserver allocates a Service's
// nodePort), unique across gateways and stable across edits and restarts because they are
// stored in the object. The logic is gateways/; this file reads the store and serialises.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/registry.h"
#include "api/resources.h"
#include "base/result.h"
#include "gateways/ranges.h"

namespace waygate::api {

struct GatewayVerdict {
  // Held until the caller's write lands: allocation reads the other gateways, then writes, and
  // two concurrent creates must not take the same port.
  std::unique_lock<std::mutex> hold;
  std::vector<Error> invalid;     // -> 422 Invalid
  std::optional<Error> failure;   // -> its own status (500 when the port range is full)
  std::vector<std::string> warnings;
};

class GatewayAdmission {
 public:
  GatewayAdmission(Registry* registry, gateways::PortRange node_ports)
      : registry_(registry), node_ports_(node_ports) {}

  // After Validate accepted `object` (a create when `old` is null). Anything but a Gateway
  // spec write passes untouched with an empty verdict. May rewrite `object` (scope, ports).
  GatewayVerdict Admit(const ResourceInfo& info, nlohmann::json& object,
                       const nlohmann::json* old, bool status_subresource);

 private:
  Registry* registry_;
  gateways::PortRange node_ports_;
  std::mutex mu_;
};

}  // namespace waygate::api
