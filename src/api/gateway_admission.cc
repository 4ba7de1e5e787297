#include "api/gateway_admission.h"

#include "gateways/node_ports.h"
#include "gateways/placement.h"
#include "model/decode_json.h"
#include "model/objects.h"

namespace waygate::api {
namespace {

using nlohmann::json;

// The typed Gateway of a stored or incoming object (already validated, so decoding succeeds).
std::optional<model::Gateway> Typed(const json& object) {
  model::ClusterState state;
  std::vector<model::Diagnostic> diagnostics;
  model::DecodeObject(object, model::Origin{"request", -1, -1}, state, diagnostics);
  if (state.gateways.empty()) return std::nullopt;
  return std::move(state.gateways.front());
}

}  // namespace

GatewayVerdict GatewayAdmission::Admit(const ResourceInfo& info, json& object, const json* old,
                                       bool status_subresource) {
  GatewayVerdict verdict;
  if (info.kind != "Gateway" || info.group != "gateway.kubesphere.io" || status_subresource) {
    return verdict;
  }
  verdict.hold = std::unique_lock<std::mutex>(mu_);
  std::optional<model::Gateway> incoming = Typed(object);
  if (!incoming) {
    verdict.failure = MakeError(ErrorCode::kInvalid, "the Gateway could not be decoded");
    return verdict;
  }
  std::optional<model::Gateway> previous = old != nullptr ? Typed(*old) : std::nullopt;

  // Every other stored gateway: whether the cluster gateway exists, and the ports they hold.
  auto listed = registry_->List(info, "", ListOptions{});
  if (!listed.ok()) {
    verdict.failure = listed.error();
    return verdict;
  }
  bool cluster_exists = false;
  std::vector<gateways::Holder> others;
  std::vector<std::string> project_gateways;
  for (const json& item : listed->items) {
    std::optional<model::Gateway> other = Typed(item);
    if (!other) continue;
    if (other->meta.namespace_ == incoming->meta.namespace_ &&
        other->meta.name == incoming->meta.name) {
      continue;
    }
    if (gateways::IsClusterGateway(*other)) {
      cluster_exists = true;
    } else {
      project_gateways.push_back(other->meta.name);
    }
    others.push_back(gateways::HolderOf(*other));
  }

  const gateways::Operation op =
      old == nullptr ? gateways::Operation::kCreate : gateways::Operation::kUpdate;
  model::ErrorList placement = gateways::CheckPlacement(*incoming, op, cluster_exists);
  if (!placement.empty()) {
    verdict.invalid = placement.errors();
    return verdict;
  }
  Result<gateways::NodePorts> ports = gateways::AllocateNodePorts(
      *incoming, previous ? &*previous : nullptr, others, node_ports_);
  if (!ports.ok()) {
    if (ports.error().code == ErrorCode::kInvalid && !ports.error().field.empty()) {
      verdict.invalid.push_back(ports.error());
    } else {
      verdict.failure = ports.error();
    }
    return verdict;
  }
  object = gateways::WithNodePorts(gateways::WithForcedScope(std::move(object)), *ports);
  verdict.warnings = gateways::PlacementWarnings(*incoming, op, project_gateways);
  return verdict;
}

}  // namespace waygate::api
