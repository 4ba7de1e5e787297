#include "api/gateway_admission.h"

#include <algorithm>

#include "gateways/node_ports.h"
#include "gateways/placement.h"
#include "model/decode_json.h"
#include "model/field_path.h"
#include "model/objects.h"
#include "route/gateway_config_keys.h"
#include "route/settings.h"

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

// Levenshtein distance, for the "did you mean" of an unknown key (typos are the usual cause).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The supported key closest to `key` (at most 2 edits away), or "".
std::string_view ClosestKey(std::string_view key) {
  std::string_view best;
  size_t best_distance = 3;
  for (const route::GatewayConfigKey& known : route::GatewayConfigKeys()) {
    size_t d = EditDistance(key, known.key);
    if (d < best_distance) {
      best = known.key;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace

GatewayConfigCheck CheckGatewayConfig(const model::StringMap& config,
                                      const model::StringMap* previous) {
  GatewayConfigCheck check;
  model::ErrorList errs;
  model::FieldPath spec("spec");
  model::FieldPath controller = spec.Child("controller");
  model::FieldPath config_path = controller.Child("config");
  for (const auto& [key, value] : config) {
    route::GatewaySettings scratch;
    Status applied = route::ApplyGatewaySetting(key, value, scratch);
    if (applied) continue;
    const Error& error = applied.error();
    model::FieldPath at = config_path.Key(key);
    if (error.code == ErrorCode::kUnsupported) {
      std::string warning = at.String() + ": unknown key, ignored by the gateways";
      if (std::string_view near = ClosestKey(key); !near.empty()) {
        warning += " (did you mean \"" + std::string(near) + "\"?)";
      }
      check.warnings.push_back(std::move(warning));
      continue;
    }
    if (error.code == ErrorCode::kInternal) {
      check.failure = error;
      return check;
    }
    if (previous != nullptr) {
      auto stored = previous->find(key);
      if (stored != previous->end() && stored->second == value) {
        check.warnings.push_back(at.String() + ": unchanged invalid value kept (the gateways " +
                                 "use the default): " + error.message);
        continue;
      }
    }
    errs.Invalid(at, value, error.message);
  }
  check.invalid = errs.Take();
  return check;
}

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
  GatewayConfigCheck config = CheckGatewayConfig(
      incoming->controller.config, previous ? &previous->controller.config : nullptr);
  if (config.failure) {
    verdict.failure = std::move(config.failure);
    return verdict;
  }

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
  // Both kinds of errors in one answer, as kube reports every invalid field at once.
  verdict.invalid = std::move(config.invalid);
  for (const Error& e : placement.errors()) verdict.invalid.push_back(e);
  if (!verdict.invalid.empty()) return verdict;
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
  for (std::string& w : config.warnings) verdict.warnings.push_back(std::move(w));
  return verdict;
}

}  // namespace waygate::api
