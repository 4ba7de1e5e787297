// Gateway node health from Node objects, the way kube's node lifecycle controller judges it: a
// node is Ready while its Ready condition says "True" and its lastHeartbeatTime is younger than
// the grace period (kube's --node-monitor-grace-period). Pure: the caller passes `now`.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateways/status.h"

namespace waygate::controller {

using WallClock = std::chrono::system_clock;

// What kube's node lifecycle controller writes into a Ready condition it no longer believes.
inline constexpr const char* kReasonNodeStatusUnknown = "NodeStatusUnknown";
inline constexpr const char* kMessageNodeStatusUnknown =
    "Gateway node stopped posting node status.";

// RFC 3339 ("2026-11-27T15:04:05Z", fractions and offsets accepted); nullopt when malformed.
std::optional<WallClock::time_point> ParseRfc3339(std::string_view text);

// The parts of a Node this controller reads.
struct NodeHealth {
  gateways::NodeInfo info;   // `ready` is left false: Judge() decides it
  std::string ready_status;  // the Ready condition's status: "True" | "False" | "Unknown" | ""
  // lastHeartbeatTime of the Ready condition, else metadata.creationTimestamp (a node that
  // never posted counts from its creation, as kube's "NodeStatusNeverUpdated").
  std::optional<WallClock::time_point> heartbeat;
};

NodeHealth ParseNodeHealth(const nlohmann::json& node);

// Ready now: status "True" and a heartbeat within `grace` of `now`.
bool IsReady(const NodeHealth& node, WallClock::time_point now, std::chrono::milliseconds grace);

// When a Ready node turns stale (heartbeat + grace); nullopt for a node that is not Ready.
std::optional<WallClock::time_point> StaleAt(const NodeHealth& node,
                                             std::chrono::milliseconds grace);

// Whether the controller should mark the node: its Ready condition still claims "True" (or is
// missing) but the heartbeat is older than `grace`.
bool NeedsUnknownMark(const NodeHealth& node, WallClock::time_point now,
                      std::chrono::milliseconds grace);

// The Node with its Ready condition set to Unknown / NodeStatusUnknown (lastHeartbeatTime kept,
// lastTransitionTime = `now_text`), as kube marks a node whose kubelet went silent.
nlohmann::json WithReadyUnknown(nlohmann::json node, const std::string& now_text);

}  // namespace waygate::controller
