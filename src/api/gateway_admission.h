// GatewayAdmission: the admission of Gateway writes that needs the other stored Gateways
// (issue 4 item 1-2): KubeSphere's placement rules, the project gateway's forced scope, and the
// node ports allocated into spec.service.ports (as kube-apiserver allocates a Service's
// nodePort), unique across gateways and stable across edits and restarts because they are
// stored in the object. The logic is gateways/; this file reads the store and serialises.
// It also checks spec.controller.config with the parser the gateways apply it with.
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
#include "model/objects.h"

namespace waygate::api {

struct GatewayVerdict {
  // Held until the caller's write lands: allocation reads the other gateways, then writes, and
  // two concurrent creates must not take the same port.
  std::unique_lock<std::mutex> hold;
  std::vector<Error> invalid;     // -> 422 Invalid
  std::optional<Error> failure;   // -> its own status (500 when the port range is full)
  std::vector<std::string> warnings;
};

// spec.controller.config, every entry run through route::ApplyGatewaySetting (what the route
// compiler applies it with) on a scratch GatewaySettings:
// - a value the parser refuses is an Invalid error at spec.controller.config[<key>] with the
//   parser's reason (the gateways would otherwise log it and serve the key's default);
// - an unknown key is accepted with a warning: ingress-nginx ignores unknown ConfigMap keys and
//   the compiler logs and ignores them, so refusing them would break manifests written for
//   ingress-nginx;
// - on update (`previous` = the stored config), a value equal to the stored one passes with a
//   warning, as CRD validation ratcheting lets unchanged values through: a Gateway stored
//   before this check stays editable (scale, disable) without fixing an unrelated key first.
// A parser failure that is not about the value (kInternal) is `failure`.
struct GatewayConfigCheck {
  std::vector<Error> invalid;
  std::vector<std::string> warnings;
  std::optional<Error> failure;
};
GatewayConfigCheck CheckGatewayConfig(const model::StringMap& config,
                                      const model::StringMap* previous);

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
