// Shared helpers for model tests: decode a manifest string and look at what came out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/decode.h"

namespace waygate::model::testing {

struct Decoded {
  ClusterState state;
  std::vector<Diagnostic> diags;

  // "field: message" of every diagnostic, for readable failure output.
  std::string Dump() const {
    std::string out;
    for (const Diagnostic& d : diags) out += d.ToString() + "\n";
    return out;
  }
  std::vector<std::string> Fields() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags) out.push_back(d.error.field);
    return out;
  }
  bool HasError(std::string_view field, std::string_view message_part) const {
    for (const Diagnostic& d : diags) {
      if (d.error.field == field && d.error.message.find(message_part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

inline Decoded Decode(std::string_view text, const std::string& file = "test.yaml") {
  Decoded d;
  DecodeManifest(text, file, d.state, d.diags);
  return d;
}

}  // namespace waygate::model::testing
