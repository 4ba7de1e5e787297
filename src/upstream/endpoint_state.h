// EndpointState: what one worker knows about one backend address: in-flight requests, passive
// health (consecutive failures, ejection) and its idle keep-alive connections. It outlives
// snapshots (keyed by address) so a config change keeps warm connections and health.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace waygate::upstream {

class Connection;

struct EndpointState {
  std::string address;
  uint32_t in_flight = 0;
  uint32_t consecutive_failures = 0;
  uint32_t ejections = 0;         // how many times ejected in a row (backoff grows)
  int64_t ejected_until_ms = 0;   // 0 or in the past: eligible
  std::vector<Connection*> idle;  // most recently used last
  uint64_t generation_seen = 0;   // last snapshot generation that referenced this address
};

// Outlier ejection policy (passive health checking). Like Envoy's consecutive-5xx detector but
// counting only transport failures (connect refused/timeout, reset before a response).
struct EjectionPolicy {
  uint32_t consecutive_failures = 3;
  int64_t base_ejection_ms = 10'000;
  int64_t max_ejection_ms = 300'000;
};

inline bool IsEjected(const EndpointState& e, int64_t now_ms) {
  return e.ejected_until_ms > now_ms;
}

// Records a failure; returns true when this failure ejected the endpoint.
bool RecordFailure(EndpointState& e, const EjectionPolicy& policy, int64_t now_ms);
// A success closes the failure streak and resets the backoff once the endpoint is healthy.
void RecordSuccess(EndpointState& e);

// Per-worker registry of endpoint states by address.
class EndpointRegistry {
 public:
  EndpointState* Get(const std::string& address);
  // Drops states no snapshot references any more and that have no connections in use.
  template <class CloseIdle>
  void Collect(uint64_t current_generation, CloseIdle&& close_idle) {
    for (auto it = by_address_.begin(); it != by_address_.end();) {
      EndpointState& e = *it->second;
      if (e.generation_seen != current_generation && e.in_flight == 0) {
        // close_idle() removes the connection from e.idle: iterate over a copy.
        std::vector<Connection*> idle;
        idle.swap(e.idle);
        for (Connection* c : idle) close_idle(c);
        it = by_address_.erase(it);
      } else {
        ++it;
      }
    }
  }
  template <class F>
  void ForEach(F&& f) {
    for (auto& [_, e] : by_address_) f(*e);
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<EndpointState>> by_address_;
};

}  // namespace waygate::upstream
