#include "kubeclient/backoff.h"

#include <algorithm>

namespace waygate::kubeclient {

Backoff::Backoff(BackoffPolicy policy, uint64_t seed)
    : policy_(policy),
      state_(seed != 0 ? seed
                       : static_cast<uint64_t>(
                             std::chrono::steady_clock::now().time_since_epoch().count()) |
                             1) {}

std::chrono::milliseconds Backoff::Next() {
  const double max = static_cast<double>(policy_.max.count());
  current_ms_ = current_ms_ == 0 ? static_cast<double>(policy_.initial.count())
                                 : std::min(current_ms_ * policy_.factor, max);
  double wait = current_ms_;
  if (policy_.jitter > 0) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    double unit = static_cast<double>(state_ >> 11) / static_cast<double>(uint64_t{1} << 53);
    wait += wait * policy_.jitter * unit;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(wait));
}

}  // namespace waygate::kubeclient
