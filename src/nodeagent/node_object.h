// What a gateway node says about itself in its Node object, as pure JSON edits (no I/O, no
// clock): the agent fetches the live Node, applies these, and writes it back, so labels,
// conditions and nodeInfo fields owned by others survive every write.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace waygate::nodeagent {

// The Ready condition a serving gateway node reports.
inline constexpr const char* kReadyReason = "GatewayReady";
inline constexpr const char* kReadyMessage = "waygate gateway node is serving";

struct NodeFacts {
  std::string name;
  std::vector<std::string> internal_ips;
  std::vector<std::string> external_ips;
  std::map<std::string, std::string> labels;
  // status.nodeInfo; empty fields are left as the Node has them.
  std::string version;  // kubeletVersion: `kubectl get nodes` shows it in VERSION
  std::string kernel_version;
  std::string os_image;
  std::string architecture;  // GOARCH spelling: amd64, arm64
};

// status.addresses: every InternalIP, every ExternalIP, then the Hostname (the node name).
nlohmann::json Addresses(const NodeFacts& facts);

// A Node to create: metadata (name, labels), empty spec, and the status ApplyStatus writes.
nlohmann::json NewNode(const NodeFacts& facts, const std::string& now);

// Adds our labels to metadata.labels, keeping every other label; true when anything changed.
bool MergeLabels(const NodeFacts& facts, nlohmann::json& node);

// The heartbeat: status.addresses replaced by ours (this node owns them), nodeInfo fields set,
// the Ready condition set True with lastHeartbeatTime `now`; its lastTransitionTime stays when it
// already was True and becomes `now` otherwise. Other conditions are kept as they are.
void ApplyStatus(const NodeFacts& facts, const std::string& now, nlohmann::json& node);

}  // namespace waygate::nodeagent
