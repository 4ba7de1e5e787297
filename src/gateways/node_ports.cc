#include "gateways/node_ports.h"

#include <map>

#include "model/field_path.h"

namespace waygate::gateways {
namespace {

using model::FieldPath;

constexpr const char* kNames[2] = {"http", "https"};

int32_t& Slot(NodePorts& ports, int i) { return i == 0 ? ports.http : ports.https; }
int32_t Slot(const NodePorts& ports, int i) { return i == 0 ? ports.http : ports.https; }

// Index of the spec.service.ports entry called `name`, or -1.
int IndexOf(const model::Gateway& gateway, std::string_view name) {
  const auto& ports = gateway.service.ports;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Error PortError(int index, int32_t port, const std::string& detail) {
  FieldPath spec("spec");
  FieldPath service = spec.Child("service");
  FieldPath list = service.Child("ports");
  FieldPath entry = list.Index(static_cast<size_t>(index));
  model::ErrorList errs;
  errs.InvalidInt(entry.Child("nodePort"), port, detail);
  return errs.Take().front();
}

}  // namespace

NodePorts SpecNodePorts(const model::Gateway& gateway) {
  NodePorts out;
  for (const model::GatewayPort& p : gateway.service.ports) {
    if (p.name == "http" && out.http == 0) out.http = p.node_port;
    if (p.name == "https" && out.https == 0) out.https = p.node_port;
  }
  return out;
}

Holder HolderOf(const model::Gateway& gateway) {
  return Holder{gateway.meta.namespace_ + "/" + gateway.meta.name, SpecNodePorts(gateway)};
}

Result<NodePorts> AllocateNodePorts(const model::Gateway& incoming, const model::Gateway* previous,
                                    const std::vector<Holder>& others, const PortRange& range) {
  const std::string self = incoming.meta.namespace_ + "/" + incoming.meta.name;
  std::map<int32_t, const std::string*> taken;  // port -> holder
  for (const Holder& h : others) {
    if (h.name == self) continue;
    for (int i = 0; i < 2; ++i) {
      if (Slot(h.ports, i) != 0) taken.emplace(Slot(h.ports, i), &h.name);
    }
  }
  const NodePorts before = previous != nullptr ? SpecNodePorts(*previous) : NodePorts{};

  NodePorts out;
  // Requested ports first, so that a port kept from `previous` never takes one asked for.
  for (int i = 0; i < 2; ++i) {
    const int index = IndexOf(incoming, kNames[i]);
    if (index < 0) continue;
    const int32_t want = incoming.service.ports[static_cast<size_t>(index)].node_port;
    if (want == 0) continue;
    if (auto it = taken.find(want); it != taken.end()) {
      return PortError(index, want, "provided port is already allocated to Gateway " + *it->second);
    }
    if (want != Slot(before, i) && !range.Contains(want)) {
      return PortError(index, want,
                       "provided port is not in the valid range. The range of valid ports is " +
                           range.ToString());
    }
    Slot(out, i) = want;
  }
  for (int i = 0; i < 2; ++i) {
    if (Slot(out, i) != 0) continue;
    const int32_t other = Slot(out, 1 - i);
    const int32_t kept = Slot(before, i);
    if (kept != 0 && kept != other && taken.find(kept) == taken.end()) {
      Slot(out, i) = kept;
      continue;
    }
    // Lowest free port: deterministic, so tests and restarts see the same numbers.
    for (int32_t port = range.first; port <= range.last; ++port) {
      if (port != other && taken.find(port) == taken.end()) {
        Slot(out, i) = port;
        break;
      }
    }
    if (Slot(out, i) == 0) {
      return MakeError(ErrorCode::kInternal, "failed to allocate a nodePort: range is full");
    }
  }
  return out;
}

nlohmann::json WithNodePorts(nlohmann::json gateway, const NodePorts& ports) {
  if (!gateway.is_object()) return gateway;
  nlohmann::json& spec = gateway["spec"];
  if (!spec.is_object()) spec = nlohmann::json::object();
  nlohmann::json& service = spec["service"];
  if (!service.is_object()) service = nlohmann::json::object();
  nlohmann::json& list = service["ports"];
  if (!list.is_array()) list = nlohmann::json::array();
  for (int i = 0; i < 2; ++i) {
    const int32_t port = Slot(ports, i);
    if (port == 0) continue;
    bool found = false;
    for (nlohmann::json& entry : list) {
      auto name = entry.is_object() ? entry.find("name") : entry.end();
      if (name != entry.end() && name->is_string() && *name == kNames[i]) {
        entry["nodePort"] = port;
        found = true;
        break;
      }
    }
    if (!found) list.push_back({{"name", kNames[i]}, {"nodePort", port}});
  }
  return gateway;
}

}  // namespace waygate::gateways
