// rate_limiter.cc: nginx limit_req (burst, nodelay) and limit_conn semantics, shared state,
// bounded memory.
#include "proxy/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace waygate::proxy {
namespace {

ClientAddress Client(uint8_t last) {
  ClientAddress a;
  a.bytes[10] = a.bytes[11] = 0xff;
  a.bytes[12] = 127;
  a.bytes[15] = last;
  return a;
}

annotations::RateLimitPolicy Limits(uint32_t rps, uint32_t rpm, uint32_t conns, uint32_t mult) {
  annotations::RateLimitPolicy p;
  p.rps = rps;
  p.rpm = rpm;
  p.connections = conns;
  p.burst_multiplier = mult;
  return p;
}

int AdmitMany(RateLimiter& rl, uint64_t id, const ClientAddress& c,
              const annotations::RateLimitPolicy& p, int64_t now, int n) {
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    RateLimiter::Lease lease;
    if (rl.Admit(id, c, p, now, &lease)) ++ok;
  }
  return ok;
}

TEST(RateLimiter, RpsAdmitsOnePlusBurstThenLeaksAtTheRate) {
  RateLimiter rl;
  auto p = Limits(1, 0, 0, 5);  // burst = 5
  // nginx: a new client starts with no excess, so 1 + burst pass at once (nodelay).
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 1000, 20), 6);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 1999, 1), 0);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 2000, 5), 1);  // one request's worth leaked
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 4000, 5), 2);
  // Refused requests were not counted: after 5 s the whole burst is back.
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 9000, 20), 5);
}

TEST(RateLimiter, HigherRateAndMultiplier) {
  RateLimiter rl;
  auto p = Limits(10, 0, 0, 3);  // burst 30
  EXPECT_EQ(AdmitMany(rl, 7, Client(1), p, 0, 100), 31);
  EXPECT_EQ(AdmitMany(rl, 7, Client(1), p, 500, 100), 5);  // 10 r/s for half a second
}

TEST(RateLimiter, Rpm) {
  RateLimiter rl;
  auto p = Limits(0, 2, 0, 1);  // 2 r/m, burst 2
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 0, 10), 3);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 29'000, 10), 0);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 31'000, 10), 1);
}

TEST(RateLimiter, RequestRefusedByOneBucketCountsInNeither) {
  RateLimiter rl;
  auto p = Limits(100, 1, 0, 1);  // rpm 1 (burst 1) bites long before rps 100 (burst 100)
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 0, 50), 2);
  // 48 refusals did not fill the rps bucket: once rpm leaked one request, it passes. (1 r/m is
  // 16 milli-requests a second in nginx's integer arithmetic: one request takes 62.5 s.)
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 62'499, 1), 0);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 62'500, 1), 1);
}

TEST(RateLimiter, ClientsAndPoliciesAreIndependent) {
  RateLimiter rl;
  auto p = Limits(1, 0, 0, 1);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 0, 5), 2);
  EXPECT_EQ(AdmitMany(rl, 1, Client(2), p, 0, 5), 2);
  EXPECT_EQ(AdmitMany(rl, 2, Client(1), p, 0, 5), 2);
  EXPECT_EQ(rl.size(), 3u);
}

TEST(RateLimiter, ConnectionsAreHeldUntilReleased) {
  RateLimiter rl;
  auto p = Limits(0, 0, 8, 5);
  std::vector<RateLimiter::Lease> held(20);
  int ok = 0;
  for (auto& lease : held) {
    if (rl.Admit(1, Client(1), p, 0, &lease)) ++ok;
  }
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(std::count_if(held.begin(), held.end(), [](auto& l) { return l.held(); }), 8);
  RateLimiter::Lease extra;
  EXPECT_FALSE(rl.Admit(1, Client(1), p, 0, &extra));
  EXPECT_TRUE(rl.Admit(1, Client(2), p, 0, &extra));  // another client has its own count
  extra.Release();
  held[0].Release();
  EXPECT_TRUE(rl.Admit(1, Client(1), p, 0, &extra));
  EXPECT_FALSE(rl.Admit(1, Client(1), p, 0, &held[0]));
  {
    RateLimiter::Lease moved = std::move(held[1]);  // a moved lease releases once
    EXPECT_FALSE(held[1].held());
  }
  EXPECT_TRUE(rl.Admit(1, Client(1), p, 0, &held[1]));
  held.clear();  // destroying leases gives the slots back
  extra.Release();
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 0, 3), 3);
}

TEST(RateLimiter, RateIsAccountedBeforeConnections) {
  RateLimiter rl;
  auto p = Limits(1, 0, 1, 2);  // burst 2: three requests pass the rate at once
  RateLimiter::Lease a, b;
  EXPECT_TRUE(rl.Admit(1, Client(1), p, 0, &a));
  EXPECT_FALSE(rl.Admit(1, Client(1), p, 0, &b));  // refused by limit_conn, counted by limit_req
  a.Release();
  EXPECT_TRUE(rl.Admit(1, Client(1), p, 0, &b));
  b.Release();
  EXPECT_FALSE(rl.Admit(1, Client(1), p, 0, &b));  // the rate is spent: 1 + burst 2
}

TEST(RateLimiter, PolicyIdentity) {
  auto p = Limits(5, 0, 2, 5);
  uint64_t id = RateLimiter::PolicyIdentity("ns", "web", p);
  EXPECT_EQ(id, RateLimiter::PolicyIdentity("ns", "web", p));  // a recompile keeps the state
  EXPECT_NE(id, RateLimiter::PolicyIdentity("ns", "web2", p));
  EXPECT_NE(id, RateLimiter::PolicyIdentity("ns2", "web", p));
  EXPECT_NE(RateLimiter::PolicyIdentity("a", "bc", p), RateLimiter::PolicyIdentity("ab", "c", p));
  auto q = p;
  q.rps = 6;
  EXPECT_NE(id, RateLimiter::PolicyIdentity("ns", "web", q));
  q = p;
  q.burst_multiplier = 1;
  EXPECT_NE(id, RateLimiter::PolicyIdentity("ns", "web", q));
  q = p;
  q.status = 429;  // not part of the buckets' shape
  EXPECT_EQ(id, RateLimiter::PolicyIdentity("ns", "web", q));
}

TEST(RateLimiter, MemoryIsBounded) {
  RateLimiter::Options o;
  o.shards = 1;
  o.entries_per_shard = 4;
  RateLimiter rl(o);
  auto rate = Limits(1, 0, 0, 5);
  for (uint8_t c = 0; c < 100; ++c) {
    EXPECT_EQ(AdmitMany(rl, 1, Client(c), rate, 0, 1), 1);  // draining entries are evicted
    EXPECT_LE(rl.size(), 4u);
  }
  // Entries holding connections are never evicted; when all of them do, new clients wait.
  auto conns = Limits(0, 0, 1, 5);
  std::vector<RateLimiter::Lease> held(4);
  for (uint8_t c = 0; c < 4; ++c) EXPECT_TRUE(rl.Admit(2, Client(c), conns, 0, &held[c]));
  RateLimiter::Lease l;
  EXPECT_FALSE(rl.Admit(2, Client(9), conns, 0, &l));
  EXPECT_EQ(rl.size(), 4u);
  held[2].Release();
  EXPECT_TRUE(rl.Admit(2, Client(9), conns, 1, &l));  // the idle entry is swept
}

TEST(RateLimiter, IdleEntriesAreSwept) {
  RateLimiter::Options o;
  o.shards = 1;
  o.sweep_interval_ms = 1000;
  RateLimiter rl(o);
  auto p = Limits(1, 0, 0, 5);
  for (uint8_t c = 0; c < 50; ++c) AdmitMany(rl, 1, Client(c), p, 0, 3);  // 2 s to drain each
  EXPECT_EQ(rl.size(), 50u);
  AdmitMany(rl, 1, Client(200), p, 1500, 1);  // sweep: nothing drained yet
  EXPECT_EQ(rl.size(), 51u);
  AdmitMany(rl, 1, Client(201), p, 3000, 1);  // the first 50 drained at 2000, 200 at 1500
  EXPECT_EQ(rl.size(), 1u);
}

TEST(RateLimiter, ToleratesSlightlyOlderClocksOfOtherWorkers) {
  RateLimiter rl;
  auto p = Limits(1, 0, 0, 1);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 10'000, 2), 2);
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 9'990, 2), 0);  // no negative leak credit
}

TEST(RateLimiter, ConcurrentWorkersNeverExceedTheConnectionLimit) {
  RateLimiter rl;
  auto p = Limits(0, 0, 8, 5);
  std::atomic<int> holding{0}, peak{0}, admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        RateLimiter::Lease lease;
        if (!rl.Admit(1, Client(1), p, 0, &lease)) continue;
        ++admitted;
        int now = ++holding;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        --holding;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 8);
  EXPECT_EQ(admitted.load(), 80000);                   // 4 threads can never hold more than 8
  EXPECT_EQ(AdmitMany(rl, 1, Client(1), p, 0, 8), 8);  // every slot came back
}

}  // namespace
}  // namespace waygate::proxy
