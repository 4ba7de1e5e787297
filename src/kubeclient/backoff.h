// Exponential backoff with jitter for retrying a failing API server: initial, initial*factor,
// ... capped at max, each stretched by up to `jitter` of itself so that many gateway nodes
// restarted together do not hammer the server in lockstep.
#pragma once

#include <chrono>
#include <cstdint>

namespace waygate::kubeclient {

struct BackoffPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{30000};
  double factor = 2.0;
  double jitter = 0.2;  // 0: exact durations (tests)
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, uint64_t seed = 0);
  // The wait before the next attempt; each call grows the following one.
  std::chrono::milliseconds Next();
  // After a success: the next failure waits `initial` again.
  void Reset() { current_ms_ = 0; }

 private:
  BackoffPolicy policy_;
  double current_ms_ = 0;  // 0: no failure since the last reset
  uint64_t state_;         // xorshift state for the jitter
};

}  // namespace waygate::kubeclient
