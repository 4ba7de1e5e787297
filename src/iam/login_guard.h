// Brakes on password guessing for POST /oauth/token: failures are counted per user name and
// per client address in sliding windows; past the limit, further attempts are refused with 429
// and Retry-After before the password is even hashed (so guessing also costs no CPU). A success
// clears the user's count. Bounded memory (oldest entries evicted).
//
// Thread-safe (one mutex; logins are rare next to requests).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace waygate::iam {

class LoginGuard {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    size_t failures_per_user = 5;      // within `window`
    size_t failures_per_address = 20;  // within `window`
    std::chrono::seconds window{600};
    size_t max_entries = 100000;
  };
  LoginGuard();
  explicit LoginGuard(Options options);

  // Zero when an attempt may proceed; otherwise how long to wait (Retry-After).
  std::chrono::seconds Check(std::string_view user, std::string_view address);
  void RecordFailure(std::string_view user, std::string_view address);
  void RecordSuccess(std::string_view user);

  void SetClockForTesting(std::function<Clock::time_point()> now);

 private:
  Options options_;
  std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Clock::time_point>> by_user_;
  std::unordered_map<std::string, std::vector<Clock::time_point>> by_address_;
};

}  // namespace waygate::iam
