#include "nodeagent/node_object.h"

namespace waygate::nodeagent {

using nlohmann::json;

namespace {

// A string field, or "" when it is absent or not a string (a Node written by someone else may
// hold anything; json::value would throw on a type mismatch).
std::string StringAt(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

json Addresses(const NodeFacts& facts) {
  json out = json::array();
  for (const std::string& ip : facts.internal_ips) {
    out.push_back({{"type", "InternalIP"}, {"address", ip}});
  }
  for (const std::string& ip : facts.external_ips) {
    out.push_back({{"type", "ExternalIP"}, {"address", ip}});
  }
  out.push_back({{"type", "Hostname"}, {"address", facts.name}});
  return out;
}

json NewNode(const NodeFacts& facts, const std::string& now) {
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", facts.name}}},
               {"spec", json::object()}};
  MergeLabels(facts, node);
  ApplyStatus(facts, now, node);
  return node;
}

bool MergeLabels(const NodeFacts& facts, json& node) {
  if (!node["metadata"].is_object()) node["metadata"] = json::object();
  json& labels = node["metadata"]["labels"];
  if (!labels.is_object()) labels = json::object();
  bool changed = false;
  for (const auto& [key, value] : facts.labels) {
    auto it = labels.find(key);
    if (it != labels.end() && it->is_string() && it->get<std::string>() == value) continue;
    labels[key] = value;
    changed = true;
  }
  return changed;
}

void ApplyStatus(const NodeFacts& facts, const std::string& now, json& node) {
  json& status = node["status"];
  if (!status.is_object()) status = json::object();
  status["addresses"] = Addresses(facts);

  json& info = status["nodeInfo"];
  if (!info.is_object()) info = json::object();
  info["operatingSystem"] = "linux";
  auto set_info = [&info](const char* key, const std::string& value) {
    if (!value.empty()) info[key] = value;
  };
  set_info("kubeletVersion", facts.version);
  set_info("kernelVersion", facts.kernel_version);
  set_info("osImage", facts.os_image);
  set_info("architecture", facts.architecture);

  json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  json* ready = nullptr;
  for (json& condition : conditions) {
    if (StringAt(condition, "type") == "Ready") ready = &condition;
  }
  if (ready == nullptr) {
    conditions.push_back({{"type", "Ready"}});
    ready = &conditions.back();
  }
  bool was_ready =
      StringAt(*ready, "status") == "True" && !StringAt(*ready, "lastTransitionTime").empty();
  if (!was_ready) (*ready)["lastTransitionTime"] = now;
  (*ready)["status"] = "True";
  (*ready)["reason"] = kReadyReason;
  (*ready)["message"] = kReadyMessage;
  (*ready)["lastHeartbeatTime"] = now;
}

}  // namespace waygate::nodeagent
