#include "upstream/balancer.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>

namespace waygate::upstream {
namespace {

bool Contains(const std::vector<uint32_t>& v, uint32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

uint32_t Balancer::Hash(std::string_view key) {
  // FNV-1a then a murmur3 finaliser: cheap, well spread, stable across runs and workers.
  uint32_t h = 2166136261u;
  for (unsigned char c : key) {
    h ^= c;
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

uint64_t Balancer::NextRandom() {
  // xorshift64*: per-worker, no locks, good enough for load balancing.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 2685821657736338717ull;
}

void Balancer::Rebuild(const route::RouteTable& table, uint64_t generation,
                       EndpointRegistry& registry) {
  // A Backend unchanged since the last table sits in the same slot as the same object: its
  // state (round-robin position, endpoint states) moves over as is, so an incremental snapshot
  // costs a pointer comparison per backend. Otherwise round-robin positions carry over by key.
  // The previous table is alive until Rebuild returns (see balancer.h), so its Backend pointers
  // cannot have been reused by the new table's.
  std::unordered_map<std::string_view, uint64_t> previous_rr;  // built on first need
  bool indexed = false;
  auto rr_of = [&](const std::string& key) -> uint64_t {
    if (!indexed) {
      for (const auto& old : states_) {
        if (old.backend) previous_rr.emplace(old.backend->key, old.rr_next);
      }
      indexed = true;
    }
    auto it = previous_rr.find(key);
    return it != previous_rr.end() ? it->second : 0;
  };
  const auto& backends = table.backends();
  std::vector<BackendState> next(backends.size());
  for (size_t i = 0; i < backends.size(); ++i) {
    const route::Backend* b = backends[i].get();
    if (b == nullptr) continue;
    BackendState& s = next[i];
    if (i < states_.size() && states_[i].backend == b) {
      s = std::move(states_[i]);
      for (EndpointState* st : s.endpoints) st->generation_seen = generation;
      continue;
    }
    s.backend = b;
    s.endpoints.reserve(b->endpoints.size());
    for (const auto& ep : b->endpoints) {
      EndpointState* st = registry.Get(ep.address);
      st->generation_seen = generation;
      s.endpoints.push_back(st);
    }
    // Keep the round-robin position of the same backend so a reload does not reset spreading.
    s.rr_next = rr_of(b->key);
  }
  states_ = std::move(next);
}

int Balancer::Pick(BackendState& s, const route::RouteSettings& settings, std::string_view hash_key,
                   int64_t now_ms, const std::vector<uint32_t>& tried) {
  if (s.endpoints.empty()) return -1;
  switch (settings.load_balance) {
    case route::LoadBalance::kConsistentHash:
      return PickHash(s, hash_key, now_ms, tried);
    case route::LoadBalance::kLeastRequest:
      return PickLeastRequest(s, now_ms, tried);
    case route::LoadBalance::kRoundRobin:
      break;
  }
  int i = PickRoundRobin(s, now_ms, tried, false);
  return i >= 0 ? i : PickRoundRobin(s, now_ms, tried, true);
}

int Balancer::PickRoundRobin(BackendState& s, int64_t now_ms, const std::vector<uint32_t>& tried,
                             bool allow_ejected) {
  const size_t n = s.endpoints.size();
  for (size_t k = 0; k < n; ++k) {
    uint32_t i = static_cast<uint32_t>(s.rr_next++ % n);
    if (!allow_ejected && IsEjected(*s.endpoints[i], now_ms)) continue;
    if (Contains(tried, i) && tried.size() < n) continue;
    return static_cast<int>(i);
  }
  return -1;
}

int Balancer::PickLeastRequest(BackendState& s, int64_t now_ms,
                               const std::vector<uint32_t>& tried) {
  const uint32_t n = static_cast<uint32_t>(s.endpoints.size());
  if (n == 1) return 0;
  auto eligible = [&](uint32_t i) {
    return !IsEjected(*s.endpoints[i], now_ms) && (!Contains(tried, i) || tried.size() >= n);
  };
  // Two random candidates; fall back to a scan when both are ineligible.
  uint32_t a = static_cast<uint32_t>(NextRandom() % n);
  uint32_t b = static_cast<uint32_t>(NextRandom() % (n - 1));
  if (b >= a) ++b;
  bool ea = eligible(a), eb = eligible(b);
  if (ea && eb) return s.endpoints[a]->in_flight <= s.endpoints[b]->in_flight ? a : b;
  if (ea) return a;
  if (eb) return b;
  int best = -1;
  for (uint32_t i = 0; i < n; ++i) {
    if (!eligible(i)) continue;
    if (best < 0 || s.endpoints[i]->in_flight < s.endpoints[best]->in_flight) best = i;
  }
  return best >= 0 ? best : PickRoundRobin(s, now_ms, tried, true);
}

int Balancer::PickHash(BackendState& s, std::string_view key, int64_t now_ms,
                       const std::vector<uint32_t>& tried) {
  const uint32_t n = static_cast<uint32_t>(s.endpoints.size());
  if (s.ring.empty()) {
    constexpr int kPointsPerEndpoint = 160;
    s.ring.reserve(n * kPointsPerEndpoint);
    for (uint32_t i = 0; i < n; ++i) {
      const std::string& addr = s.backend->endpoints[i].address;
      for (int p = 0; p < kPointsPerEndpoint; ++p) {
        s.ring.emplace_back(Hash(addr + "#" + std::to_string(p)), i);
      }
    }
    std::sort(s.ring.begin(), s.ring.end());
  }
  uint32_t h = Hash(key);
  const auto start = std::lower_bound(s.ring.begin(), s.ring.end(), std::make_pair(h, uint32_t{0}));
  // Walk the ring from the key's point: the first healthy, untried endpoint owns the key. When
  // every endpoint is ejected, walk again ignoring health so keys keep their affinity.
  for (bool allow_ejected : {false, true}) {
    auto it = start;
    for (size_t k = 0; k < s.ring.size(); ++k, ++it) {
      if (it == s.ring.end()) it = s.ring.begin();
      uint32_t i = it->second;
      if (!allow_ejected && IsEjected(*s.endpoints[i], now_ms)) continue;
      if (Contains(tried, i) && tried.size() < n) continue;
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace waygate::upstream
