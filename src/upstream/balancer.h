// Balancer: picks an endpoint of a backend for one request. Per worker, rebuilt (never locked)
// whenever a new route snapshot arrives.
//
//   round robin     – the default; skips ejected endpoints
//   least request   – power of two random choices on in-flight requests (load-balance: ewma,
//                     least_conn)
//   consistent hash – ring hash (ketama-style, 160 points per endpoint) of the hash key
//                     (upstream-hash-by); a removed endpoint moves only its own keys
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "route/route_table.h"
#include "upstream/endpoint_state.h"

namespace waygate::upstream {

struct BackendState {
  const route::Backend* backend = nullptr;
  std::vector<EndpointState*> endpoints;  // parallel to backend->endpoints
  uint64_t rr_next = 0;
  // Sorted (hash, endpoint index) points; built lazily on first consistent-hash pick.
  std::vector<std::pair<uint32_t, uint32_t>> ring;
};

class Balancer {
 public:
  explicit Balancer(uint64_t seed) : rng_(seed | 1) {}

  // Rebuilds per-backend state for `table`, reusing endpoint states by address. The table the
  // previous Rebuild was given must still be alive during this call (its backend keys are read).
  void Rebuild(const route::RouteTable& table, uint64_t generation, EndpointRegistry& registry);

  BackendState& state(const route::Backend& b) { return states_[b.index]; }

  // Returns the endpoint index to use, or -1 when the backend has no endpoints.
  // `tried` holds indexes already tried for this request (retries go elsewhere when possible).
  // Ejected endpoints are skipped unless all are ejected (then ejection is ignored: serving
  // something beats serving nothing).
  int Pick(BackendState& s, const route::RouteSettings& settings, std::string_view hash_key,
           int64_t now_ms, const std::vector<uint32_t>& tried);

  static uint32_t Hash(std::string_view key);

 private:
  uint64_t NextRandom();
  int PickRoundRobin(BackendState& s, int64_t now_ms, const std::vector<uint32_t>& tried,
                     bool allow_ejected);
  int PickLeastRequest(BackendState& s, int64_t now_ms, const std::vector<uint32_t>& tried);
  int PickHash(BackendState& s, std::string_view key, int64_t now_ms,
               const std::vector<uint32_t>& tried);

  std::vector<BackendState> states_;
  uint64_t rng_;
};

}  // namespace waygate::upstream
