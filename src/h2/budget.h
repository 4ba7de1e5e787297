// Token bucket for the per-connection abuse budgets (resets, cheap control frames).
// Time comes from the caller (milliseconds, monotonic), so tests drive it.
#pragma once

#include <cstdint>

namespace waygate::h2 {

class TokenBucket {
 public:
  TokenBucket(uint32_t burst, uint32_t rate_per_sec)
      : burst_(burst), rate_(rate_per_sec), milli_tokens_(uint64_t{burst} * 1000) {}

  // Takes one token at `now_ms`; false when none is left (the budget is exhausted).
  bool Take(int64_t now_ms) {
    if (last_ms_ >= 0 && now_ms > last_ms_) {
      const uint64_t refill = static_cast<uint64_t>(now_ms - last_ms_) * rate_;
      const uint64_t cap = uint64_t{burst_} * 1000;
      milli_tokens_ = (cap - milli_tokens_ < refill) ? cap : milli_tokens_ + refill;
    }
    if (now_ms > last_ms_) last_ms_ = now_ms;
    if (milli_tokens_ < 1000) return false;
    milli_tokens_ -= 1000;
    return true;
  }

 private:
  uint32_t burst_;
  uint32_t rate_;
  uint64_t milli_tokens_;  // thousandths of a token, so any rate refills without rounding loss
  int64_t last_ms_ = -1;
};

}  // namespace waygate::h2
