// Field paths in the notation of kube's strict decoder and CRD pruning: keys joined by ".",
// array indices as "[i]" ("spec.rules[0].http.paths[0].bogus"). The walkers keep a stack of
// segments and render a string only when they have something to report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace waygate::fieldcheck::internal {

struct Segment {
  std::string_view key;  // the key (must outlive the segment) unless is_index
  size_t index = 0;
  bool is_index = false;
};

inline Segment Key(std::string_view key) { return Segment{key, 0, false}; }
inline Segment Index(size_t i) { return Segment{{}, i, true}; }

inline void AppendSegment(std::string& out, const Segment& s) {
  if (s.is_index) {
    out += '[';
    out += std::to_string(s.index);
    out += ']';
    return;
  }
  if (!out.empty()) out += '.';
  out += s.key;
}

// The path of `key` below the segments.
inline std::string PathOf(const std::vector<Segment>& stack, std::string_view key) {
  std::string out;
  for (const Segment& s : stack) AppendSegment(out, s);
  AppendSegment(out, Key(key));
  return out;
}

}  // namespace waygate::fieldcheck::internal
