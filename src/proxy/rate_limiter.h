// RateLimiter: limit-rps, limit-rpm and limit-connections per client address, shared by every
// worker of the process (one gateway node), with nginx's semantics as ingress-nginx configures
// them: `limit_req zone=... burst=<rate * limit-burst-multiplier> nodelay` (a leaky bucket
// counted in milli-requests; a request over the burst is refused, never delayed) and
// `limit_conn ... N` (concurrent requests, released when the exchange ends however it ends).
//
// State: a table of entries keyed by (policy identity, client address), split into shards of
// a short mutex each, so workers contend only when they touch the same shard. The policy
// identity is a hash of the Ingress's namespace/name and its limit values, not a pointer into a
// route table: a recompile that keeps the values keeps every bucket and every connection count
// (as nginx keeps a zone across reloads), and a change of values starts afresh.
//
// Memory is bounded: each shard holds at most `entries_per_shard` entries (~100 bytes each;
// the node-wide default 64 x 1024 is ~6.5 MB). Idle entries (no request in progress, buckets
// drained) are swept when a shard fills up or every few seconds; a full shard evicts the idle-
// most bucket, and when every entry holds a connection a new client is refused (nginx does the
// same when its zone is full).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "annotations/policy.h"

namespace waygate::proxy {

// A client address as 16 bytes: IPv6, or IPv4 mapped (::ffff:a.b.c.d).
struct ClientAddress {
  uint8_t bytes[16] = {};
};

class RateLimiter {
 public:
  struct Options {
    size_t shards = 64;
    size_t entries_per_shard = 1024;
    int64_t sweep_interval_ms = 10'000;
  };

 private:
  struct Key {
    uint64_t policy = 0;
    ClientAddress client;
    bool operator==(const Key& o) const;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    int64_t rps_excess = 0;  // milli-requests above the rate, as nginx's limit_req keeps it
    int64_t rps_last_ms = 0;
    int64_t rpm_excess = 0;
    int64_t rpm_last_ms = 0;
    int64_t drained_ms = 0;  // from then on both buckets are empty
    uint32_t active = 0;     // requests in progress (limit-connections)
  };
  struct alignas(64) Shard {
    std::mutex mu;
    std::unordered_map<Key, Entry, KeyHash> entries;
    int64_t next_sweep_ms = 0;
  };

 public:
  // A limit-connections slot held by one exchange; gives it back when released or destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&& o) noexcept : shard_(o.shard_), entry_(o.entry_) { o.shard_ = nullptr; }
    Lease& operator=(Lease&& o) noexcept;
    ~Lease() { Release(); }
    void Release() {
      if (shard_ != nullptr) ReleaseSlow();
    }
    bool held() const { return shard_ != nullptr; }

   private:
    friend class RateLimiter;
    void ReleaseSlow();
    Shard* shard_ = nullptr;
    Entry* entry_ = nullptr;  // unordered_map nodes do not move; an entry in use is never evicted
  };

  RateLimiter() : RateLimiter(Options{}) {}
  explicit RateLimiter(const Options& options);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // The gateway node's limiter, shared by all workers. Never destroyed (workers may still
  // release leases while the process exits).
  static RateLimiter& Node();

  // Identity of a policy's limiter state: its Ingress and the values that shape the buckets.
  static uint64_t PolicyIdentity(std::string_view ingress_namespace, std::string_view ingress_name,
                                 const annotations::RateLimitPolicy& limits);

  // Accounts one request of `client` under `limits` (the caller has already exempted
  // limit-whitelist addresses). True: admitted; with limit-connections, `lease` then holds the
  // slot until the exchange ends. False: refused (answer limits.status). `now_ms`: a monotonic
  // clock; workers' clocks may differ by a little, which is tolerated as nginx tolerates it.
  bool Admit(uint64_t policy, const ClientAddress& client,
             const annotations::RateLimitPolicy& limits, int64_t now_ms, Lease* lease);

  size_t size() const;  // entries, for tests and metrics

 private:
  void Sweep(Shard& shard, int64_t now_ms);
  bool MakeRoom(Shard& shard, int64_t now_ms);

  Options options_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace waygate::proxy
