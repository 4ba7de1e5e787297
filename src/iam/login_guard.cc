#include "iam/login_guard.h"

#include <algorithm>
#include <utility>

namespace waygate::iam {
namespace {

using Clock = LoginGuard::Clock;
using Failures = std::unordered_map<std::string, std::vector<Clock::time_point>>;

// Drops the failures that have left the window (a failure at t counts while now < t + window).
void Prune(std::vector<Clock::time_point>& times, Clock::time_point now,
           std::chrono::seconds window) {
  auto live = std::find_if(times.begin(), times.end(),
                           [&](Clock::time_point t) { return now < t + window; });
  times.erase(times.begin(), live);
}

// Zero while fewer than `limit` failures are in the window; else the time until the oldest one
// leaves it, rounded up to whole seconds (Retry-After has no fractions). A limit of 0 disables
// the check.
std::chrono::seconds Wait(Failures& map, std::string_view key, size_t limit, Clock::time_point now,
                          std::chrono::seconds window) {
  if (limit == 0) return std::chrono::seconds(0);
  auto it = map.find(std::string(key));
  if (it == map.end()) return std::chrono::seconds(0);
  Prune(it->second, now, window);
  if (it->second.empty()) {
    map.erase(it);
    return std::chrono::seconds(0);
  }
  if (it->second.size() < limit) return std::chrono::seconds(0);
  auto wait = std::chrono::ceil<std::chrono::seconds>(it->second.front() + window - now);
  return std::max(wait, std::chrono::seconds(1));
}

// Makes room for one more key: first by dropping keys whose failures all left the window, then,
// if the table is still full of live keys (a spray of names or addresses), by dropping the tenth
// whose last failure is oldest. Batching keeps the cost per failure amortised O(1).
void MakeRoom(Failures& map, size_t max_entries, Clock::time_point now,
              std::chrono::seconds window) {
  if (map.size() < max_entries) return;
  for (auto it = map.begin(); it != map.end();) {
    Prune(it->second, now, window);
    it = it->second.empty() ? map.erase(it) : std::next(it);
  }
  if (map.size() < max_entries) return;
  std::vector<std::pair<Clock::time_point, const std::string*>> by_age;
  by_age.reserve(map.size());
  for (const auto& [key, times] : map) by_age.emplace_back(times.back(), &key);
  size_t drop = std::max<size_t>(1, max_entries / 10);
  drop = std::min(drop, by_age.size());
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_age.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> victims;
  victims.reserve(drop);
  for (size_t i = 0; i < drop; ++i) victims.push_back(*by_age[i].second);
  for (const auto& key : victims) map.erase(key);
}

void Record(Failures& map, std::string_view key, size_t limit, size_t max_entries,
            Clock::time_point now, std::chrono::seconds window) {
  auto it = map.find(std::string(key));
  if (it == map.end()) {
    if (max_entries == 0) return;
    MakeRoom(map, max_entries, now, window);
    it = map.emplace(std::string(key), std::vector<Clock::time_point>{}).first;
  }
  auto& times = it->second;
  Prune(times, now, window);
  times.push_back(now);
  // Only the newest `limit` failures decide anything: the attempt is allowed again once the
  // oldest of them leaves the window. Keeping no more bounds each entry.
  if (limit > 0 && times.size() > limit) {
    times.erase(times.begin(), times.end() - static_cast<std::ptrdiff_t>(limit));
  }
}

}  // namespace

LoginGuard::LoginGuard() : LoginGuard(Options{}) {}

LoginGuard::LoginGuard(Options options) : options_(options), now_([] { return Clock::now(); }) {}

void LoginGuard::SetClockForTesting(std::function<Clock::time_point()> now) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = std::move(now);
}

std::chrono::seconds LoginGuard::Check(std::string_view user, std::string_view address) {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = now_();
  return std::max(Wait(by_user_, user, options_.failures_per_user, now, options_.window),
                  Wait(by_address_, address, options_.failures_per_address, now, options_.window));
}

void LoginGuard::RecordFailure(std::string_view user, std::string_view address) {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = now_();
  if (options_.failures_per_user > 0) {
    Record(by_user_, user, options_.failures_per_user, options_.max_entries, now, options_.window);
  }
  if (options_.failures_per_address > 0) {
    Record(by_address_, address, options_.failures_per_address, options_.max_entries, now,
           options_.window);
  }
}

void LoginGuard::RecordSuccess(std::string_view user) {
  std::lock_guard<std::mutex> lock(mu_);
  by_user_.erase(std::string(user));
}

}  // namespace waygate::iam
