// The bearer token sent with every request. A token file (in-cluster service-account tokens are
// projected and rotate, typically hourly) is re-read periodically and after a 401, so a
// long-running gateway never keeps presenting an expired token.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "kubeclient/config.h"

namespace waygate::kubeclient {

class Credentials {
 public:
  // client-go re-reads token files every minute; so do we.
  explicit Credentials(const Config& config,
                       std::chrono::milliseconds refresh = std::chrono::seconds(60));

  // The current token ("" when the config has none). Thread-safe.
  std::string Token();
  // The server rejected the token: read the file again on the next call.
  void Invalidate();

 private:
  std::mutex mu_;
  std::string token_;  // last good value (the inline token until the file is read)
  std::string file_;
  std::chrono::milliseconds refresh_;
  std::chrono::steady_clock::time_point next_read_{};
};

}  // namespace waygate::kubeclient
