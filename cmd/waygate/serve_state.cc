#include "serve_state.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace waygate::cmd {

Status WriteServeState(const std::string& data_dir, const ServeState& state) {
  std::string path = data_dir + "/server-url";
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << state.server_url << "\n";
    if (!out.good()) return MakeError(ErrorCode::kIo, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "cannot rename " + tmp + ": " + strerror(errno));
  }
  return OkStatus();
}

Result<ServeState> ReadServeState(const std::string& data_dir) {
  std::string path = data_dir + "/server-url";
  std::ifstream in(path);
  if (!in.good()) {
    return MakeError(ErrorCode::kNotFound,
                     path + " is missing: start `waygate serve --data-dir " + data_dir +
                         "` once first (or pass --server URL)");
  }
  ServeState state;
  std::getline(in, state.server_url);
  if (state.server_url.empty()) return MakeError(ErrorCode::kInvalid, path + " is empty");
  return state;
}

}  // namespace waygate::cmd
