// Helpers shared by the printer tests: a fixed "now" and timestamps relative to it, so every
// AGE cell is exact.
#pragma once

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "printers/table.h"

namespace waygate::printers::testing {

using nlohmann::json;
using std::chrono::system_clock;

// 2024-05-01T12:00:00Z
inline system_clock::time_point Now() { return system_clock::from_time_t(1714564800); }

// RFC 3339 (seconds, "Z", as the server stamps creationTimestamp) of Now() - `ago`.
inline std::string Ago(std::chrono::seconds ago) {
  const std::time_t t = system_clock::to_time_t(Now() - ago);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

inline json Table(std::string_view group, std::string_view kind, const json& object,
                  IncludeObject include = IncludeObject::kNone) {
  return BuildTable(group, kind, {&object}, include, json::object(), Now());
}

// The cells of the single row `object` prints as.
inline json Cells(std::string_view group, std::string_view kind, const json& object) {
  return Table(group, kind, object)["rows"][0]["cells"];
}

// "name:type:format:priority" for every column, the shape kubectl reads.
inline std::vector<std::string> ColumnShapes(const json& table) {
  std::vector<std::string> out;
  for (const json& c : table["columnDefinitions"]) {
    out.push_back(c["name"].get<std::string>() + ":" + c["type"].get<std::string>() + ":" +
                  c["format"].get<std::string>() + ":" + std::to_string(c["priority"].get<int>()));
  }
  return out;
}

}  // namespace waygate::printers::testing
