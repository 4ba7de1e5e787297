// The access table for holders of API objects (the API server, API clients): Ingresses and
// Gateways as JSON in, rows out. The gateway serving a namespace is read from the stored Gateway
// alone (node ports in its spec, addresses in its status, AccessFromGateway), so every view
// built on this (`kubectl get ingress -o wide`, the ingresses/access subresource,
// `waygate routes`) says the same thing at the same moment.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "gateways/access_table.h"
#include "gateways/status.h"
#include "model/objects.h"

namespace waygate::gateways {

// The Gateways among API objects (a GatewayList's items); objects that do not decode as a valid
// Gateway are left out, as they could not serve anything.
std::vector<model::Gateway> DecodeGateways(const std::vector<nlohmann::json>& items);

// How clients reach the gateway serving namespace `ns` (GatewayForNamespace, then
// AccessFromGateway with the addresses of its status); a default GatewayAccess (empty
// `gateway`) when none serves it.
GatewayAccess AccessForNamespace(std::string_view ns, const std::vector<model::Gateway>& gateways);

// AccessTable of an Ingress given as an API object. kInvalid (with the decoder's message) when
// it does not decode as a valid Ingress.
Result<std::vector<AccessRow>> AccessTableOf(const nlohmann::json& ingress,
                                             const GatewayAccess& access);

}  // namespace waygate::gateways
