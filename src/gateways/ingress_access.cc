#include "gateways/ingress_access.h"

#include <optional>

#include "gateways/placement.h"
#include "model/decode_json.h"

namespace waygate::gateways {
namespace {

// Decodes one API object into `state`; the first diagnostic's error when it was refused.
std::optional<Error> Decode(const nlohmann::json& object, model::ClusterState& state) {
  std::vector<model::Diagnostic> diagnostics;
  model::DecodeObject(object, model::Origin{"api", -1, -1}, state, diagnostics);
  if (!diagnostics.empty()) return diagnostics.front().error;
  return std::nullopt;
}

}  // namespace

std::vector<model::Gateway> DecodeGateways(const std::vector<nlohmann::json>& items) {
  model::ClusterState state;
  for (const nlohmann::json& item : items) (void)Decode(item, state);
  return std::move(state.gateways);
}

GatewayAccess AccessForNamespace(std::string_view ns, const std::vector<model::Gateway>& gateways) {
  const model::Gateway* serving = GatewayForNamespace(ns, gateways);
  return serving != nullptr ? AccessFromGateway(*serving) : GatewayAccess{};
}

Result<std::vector<AccessRow>> AccessTableOf(const nlohmann::json& ingress,
                                             const GatewayAccess& access) {
  model::ClusterState state;
  if (std::optional<Error> refused = Decode(ingress, state)) return *refused;
  if (state.ingresses.empty()) return MakeError(ErrorCode::kInvalid, "not an Ingress");
  return AccessTable(state.ingresses.front(), access);
}

}  // namespace waygate::gateways
