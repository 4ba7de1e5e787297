#include "controller/node_health.h"

#include <ctime>

namespace waygate::controller {
namespace {

using nlohmann::json;

std::string Str(const json& object, const char* field) {
  if (!object.is_object()) return {};
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* ReadyCondition(const json& node) {
  auto status = node.find("status");
  if (status == node.end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const json& c : *conditions) {
    if (Str(c, "type") == "Ready") return &c;
  }
  return nullptr;
}

bool Digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int Num(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

std::optional<WallClock::time_point> ParseRfc3339(std::string_view t) {
  // 2026-11-27T15:04:05[.frac](Z|+hh:mm|-hh:mm)
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  for (auto [pos, len] : {std::pair{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}}) {
    if (!Digits(t.substr(pos, len))) return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = Num(t.substr(0, 4)) - 1900;
  tm.tm_mon = Num(t.substr(5, 2)) - 1;
  tm.tm_mday = Num(t.substr(8, 2));
  tm.tm_hour = Num(t.substr(11, 2));
  tm.tm_min = Num(t.substr(14, 2));
  tm.tm_sec = Num(t.substr(17, 2));
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  std::chrono::nanoseconds fraction{0};
  if (i < t.size() && t[i] == '.') {
    size_t start = ++i;
    int64_t scale = 100000000;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      fraction += std::chrono::nanoseconds((t[i] - '0') * scale);
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  std::chrono::seconds offset{0};
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':' &&
             Digits(t.substr(i + 1, 2)) && Digits(t.substr(i + 4, 2))) {
    offset =
        std::chrono::hours(Num(t.substr(i + 1, 2))) + std::chrono::minutes(Num(t.substr(i + 4, 2)));
    if (t[i] == '-') offset = -offset;
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  time_t seconds = timegm(&tm);
  return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(
      std::chrono::seconds(seconds) - offset + fraction));
}

NodeHealth ParseNodeHealth(const json& node) {
  NodeHealth health;
  if (!node.is_object()) return health;
  if (auto meta = node.find("metadata"); meta != node.end()) health.info.name = Str(*meta, "name");
  auto status = node.find("status");
  if (status != node.end() && status->is_object()) {
    auto addresses = status->find("addresses");
    if (addresses != status->end() && addresses->is_array()) {
      for (const json& a : *addresses) {
        std::string type = Str(a, "type");
        std::string address = Str(a, "address");
        if (address.empty()) continue;
        if (type == "InternalIP") health.info.internal_ips.push_back(address);
        if (type == "ExternalIP") health.info.external_ips.push_back(address);
      }
    }
  }
  const json* ready = ReadyCondition(node);
  std::string beat;
  if (ready != nullptr) {
    health.ready_status = Str(*ready, "status");
    beat = Str(*ready, "lastHeartbeatTime");
  }
  if (beat.empty()) {
    if (auto meta = node.find("metadata"); meta != node.end()) {
      beat = Str(*meta, "creationTimestamp");
    }
  }
  health.heartbeat = ParseRfc3339(beat);
  return health;
}

bool IsReady(const NodeHealth& node, WallClock::time_point now, std::chrono::milliseconds grace) {
  return node.ready_status == "True" && node.heartbeat && now - *node.heartbeat <= grace;
}

std::optional<WallClock::time_point> StaleAt(const NodeHealth& node,
                                             std::chrono::milliseconds grace) {
  if (node.ready_status != "True" || !node.heartbeat) return std::nullopt;
  return *node.heartbeat + grace;
}

bool NeedsUnknownMark(const NodeHealth& node, WallClock::time_point now,
                      std::chrono::milliseconds grace) {
  if (node.ready_status != "True" && !node.ready_status.empty()) return false;
  // No usable time at all: nothing says the node ever lived, so nothing to take back.
  return node.heartbeat && now - *node.heartbeat > grace;
}

json WithReadyUnknown(json node, const std::string& now_text) {
  json& status = node["status"];
  if (!status.is_object()) status = json::object();
  json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  json* ready = nullptr;
  for (json& c : conditions) {
    if (Str(c, "type") == "Ready") ready = &c;
  }
  if (ready == nullptr) ready = &conditions.emplace_back(json{{"type", "Ready"}});
  (*ready)["status"] = "Unknown";
  (*ready)["reason"] = kReasonNodeStatusUnknown;
  (*ready)["message"] = kMessageNodeStatusUnknown;
  (*ready)["lastTransitionTime"] = now_text;
  return node;
}

}  // namespace waygate::controller
