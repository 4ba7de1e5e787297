#include "upstream/endpoint_state.h"

#include <algorithm>

namespace waygate::upstream {

bool RecordFailure(EndpointState& e, const EjectionPolicy& policy, int64_t now_ms) {
  ++e.consecutive_failures;
  if (e.consecutive_failures < policy.consecutive_failures) return false;
  // Backoff doubles with every ejection in a row, so a dead endpoint costs fewer probes.
  int64_t duration = policy.base_ejection_ms << std::min<uint32_t>(e.ejections, 5);
  e.ejected_until_ms = now_ms + std::min(duration, policy.max_ejection_ms);
  ++e.ejections;
  e.consecutive_failures = 0;
  return true;
}

void RecordSuccess(EndpointState& e) {
  e.consecutive_failures = 0;
  e.ejections = 0;
}

EndpointState* EndpointRegistry::Get(const std::string& address) {
  auto& slot = by_address_[address];
  if (!slot) {
    slot = std::make_unique<EndpointState>();
    slot->address = address;
  }
  return slot.get();
}

}  // namespace waygate::upstream
