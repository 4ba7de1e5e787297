// What a running `waygate serve` records in its data directory for other commands: the URL its
// API answers at (so `waygate kubeconfig --data-dir DIR` needs no other flag).
#pragma once

#include <string>

#include "base/result.h"

namespace waygate::cmd {

struct ServeState {
  std::string server_url;  // "https://127.0.0.1:6443"
};

Status WriteServeState(const std::string& data_dir, const ServeState& state);
Result<ServeState> ReadServeState(const std::string& data_dir);

}  // namespace waygate::cmd
