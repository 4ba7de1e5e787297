#include "proxy/rate_limiter.h"

#include <algorithm>
#include <cstring>

namespace waygate::proxy {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// One limit_req bucket, as nginx's ngx_http_limit_req_lookup computes it: the excess (in
// milli-requests) after admitting this request, or -1 when it would pass the burst. A new
// entry starts at 0, so a fresh client gets 1 + burst requests at once.
int64_t Charge(int64_t excess, int64_t last_ms, int64_t rate_milli, int64_t burst_milli,
               int64_t now_ms, bool fresh) {
  if (fresh) return 0;
  int64_t ms = now_ms - last_ms;
  if (ms < -60000) {
    ms = 1;  // a clock jump: nginx's own guard
  } else if (ms < 0) {
    ms = 0;  // another worker's clock is a little ahead
  }
  int64_t e = excess - rate_milli * ms / 1000 + 1000;
  if (e < 0) e = 0;
  return e > burst_milli ? -1 : e;
}

// When a bucket holding `excess` at `now_ms` is empty again.
int64_t DrainedAt(int64_t excess, int64_t rate_milli, int64_t now_ms) {
  if (excess <= 0 || rate_milli <= 0) return now_ms;
  return now_ms + (excess * 1000 + rate_milli - 1) / rate_milli;
}

}  // namespace

bool RateLimiter::Key::operator==(const Key& o) const {
  return policy == o.policy && std::memcmp(client.bytes, o.client.bytes, 16) == 0;
}

size_t RateLimiter::KeyHash::operator()(const Key& k) const {
  uint64_t a, b;
  std::memcpy(&a, k.client.bytes, 8);
  std::memcpy(&b, k.client.bytes + 8, 8);
  return static_cast<size_t>(Mix(k.policy ^ Mix(a ^ Mix(b))));
}

RateLimiter::Lease& RateLimiter::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    Release();
    shard_ = o.shard_;
    entry_ = o.entry_;
    o.shard_ = nullptr;
  }
  return *this;
}

void RateLimiter::Lease::ReleaseSlow() {
  {
    std::lock_guard<std::mutex> lock(shard_->mu);
    if (entry_->active > 0) --entry_->active;
  }
  shard_ = nullptr;
  entry_ = nullptr;
}

RateLimiter::RateLimiter(const Options& options)
    : options_(options), shards_(new Shard[std::max<size_t>(options.shards, 1)]) {
  options_.shards = std::max<size_t>(options_.shards, 1);
  options_.entries_per_shard = std::max<size_t>(options_.entries_per_shard, 1);
}

RateLimiter& RateLimiter::Node() {
  static RateLimiter* node = new RateLimiter();
  return *node;
}

uint64_t RateLimiter::PolicyIdentity(std::string_view ingress_namespace,
                                     std::string_view ingress_name,
                                     const annotations::RateLimitPolicy& limits) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over "ns/name", then the values
  auto add = [&h](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<uint8_t>(c);
      h *= 0x100000001b3ull;
    }
  };
  add(ingress_namespace);
  add("/");
  add(ingress_name);
  h = Mix(h ^ limits.rps);
  h = Mix(h ^ (uint64_t{limits.rpm} << 1));
  h = Mix(h ^ (uint64_t{limits.connections} << 2));
  h = Mix(h ^ (uint64_t{limits.burst_multiplier} << 3));
  return h;
}

void RateLimiter::Sweep(Shard& shard, int64_t now_ms) {
  for (auto it = shard.entries.begin(); it != shard.entries.end();) {
    if (it->second.active == 0 && it->second.drained_ms <= now_ms) {
      it = shard.entries.erase(it);
    } else {
      ++it;
    }
  }
  shard.next_sweep_ms = now_ms + options_.sweep_interval_ms;
}

bool RateLimiter::MakeRoom(Shard& shard, int64_t now_ms) {
  Sweep(shard, now_ms);
  if (shard.entries.size() < options_.entries_per_shard) return true;
  // Every entry is still draining or in use: forget the bucket closest to empty (that client
  // gets a fresh burst, the lenient side); connections in progress are never forgotten.
  auto victim = shard.entries.end();
  for (auto it = shard.entries.begin(); it != shard.entries.end(); ++it) {
    if (it->second.active == 0 &&
        (victim == shard.entries.end() || it->second.drained_ms < victim->second.drained_ms)) {
      victim = it;
    }
  }
  if (victim == shard.entries.end()) return false;
  shard.entries.erase(victim);
  return true;
}

bool RateLimiter::Admit(uint64_t policy, const ClientAddress& client,
                        const annotations::RateLimitPolicy& limits, int64_t now_ms, Lease* lease) {
  lease->Release();  // before taking any shard lock: it may be this shard's
  Key key{policy, client};
  const size_t hash = KeyHash()(key);
  Shard& shard = shards_[(hash >> 40) % options_.shards];  // bits the map's buckets use least
  std::lock_guard<std::mutex> lock(shard.mu);

  auto it = shard.entries.find(key);
  bool fresh = false;
  if (it == shard.entries.end()) {
    if (shard.entries.size() >= options_.entries_per_shard) {
      if (!MakeRoom(shard, now_ms)) return false;
    } else if (now_ms >= shard.next_sweep_ms) {
      Sweep(shard, now_ms);
    }
    it = shard.entries.emplace(key, Entry{}).first;
    fresh = true;
  }
  Entry& e = it->second;

  // limit_req for rps, then for rpm; a request is accounted in neither unless both pass.
  const int64_t mult = std::max<int64_t>(limits.burst_multiplier, 1);
  const int64_t rps_rate = int64_t{limits.rps} * 1000;
  const int64_t rpm_rate = int64_t{limits.rpm} * 1000 / 60;
  int64_t rps_excess = 0, rpm_excess = 0;
  if (limits.rps != 0) {
    rps_excess = Charge(e.rps_excess, e.rps_last_ms, rps_rate, int64_t{limits.rps} * mult * 1000,
                        now_ms, fresh);
    if (rps_excess < 0) return false;
  }
  if (limits.rpm != 0) {
    rpm_excess = Charge(e.rpm_excess, e.rpm_last_ms, rpm_rate, int64_t{limits.rpm} * mult * 1000,
                        now_ms, fresh);
    if (rpm_excess < 0) return false;
  }
  int64_t drained = now_ms;
  if (limits.rps != 0) {
    e.rps_excess = rps_excess;
    e.rps_last_ms = now_ms;
    drained = std::max(drained, DrainedAt(rps_excess, rps_rate, now_ms));
  }
  if (limits.rpm != 0) {
    e.rpm_excess = rpm_excess;
    e.rpm_last_ms = now_ms;
    drained = std::max(drained, DrainedAt(rpm_excess, rpm_rate, now_ms));
  }
  e.drained_ms = drained;

  // limit_conn runs after limit_req in nginx: a request it refuses still counted above.
  if (limits.connections != 0) {
    if (e.active >= limits.connections) return false;
    ++e.active;
    lease->shard_ = &shard;
    lease->entry_ = &e;
  }
  return true;
}

size_t RateLimiter::size() const {
  size_t n = 0;
  for (size_t i = 0; i < options_.shards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    n += shards_[i].entries.size();
  }
  return n;
}

}  // namespace waygate::proxy
