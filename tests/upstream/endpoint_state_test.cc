#include "upstream/endpoint_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace waygate::upstream {
namespace {

// Collect() never dereferences the connections it hands to close_idle, so distinct fake
// pointers are enough to see which ones it passes.
Connection* FakeConnection(uintptr_t n) { return reinterpret_cast<Connection*>(n * 64); }

TEST(RecordFailure, EjectsOnTheThirdConsecutiveFailure) {
  EndpointState e;
  EjectionPolicy policy;  // 3 failures, 10 s base, 300 s max
  EXPECT_FALSE(RecordFailure(e, policy, 1000));
  EXPECT_FALSE(IsEjected(e, 1000));
  EXPECT_FALSE(RecordFailure(e, policy, 1000));
  EXPECT_FALSE(IsEjected(e, 1000));
  EXPECT_TRUE(RecordFailure(e, policy, 1000));
  EXPECT_TRUE(IsEjected(e, 1000));
  EXPECT_EQ(e.ejected_until_ms, 1000 + 10'000);
  EXPECT_EQ(e.ejections, 1u);
  // The streak restarts, so the next ejection needs three more failures.
  EXPECT_EQ(e.consecutive_failures, 0u);
  EXPECT_FALSE(RecordFailure(e, policy, 2000));
}

TEST(RecordFailure, HonoursTheConfiguredThreshold) {
  EndpointState e;
  EjectionPolicy policy;
  policy.consecutive_failures = 1;
  EXPECT_TRUE(RecordFailure(e, policy, 5));
  EXPECT_TRUE(IsEjected(e, 5));
}

TEST(IsEjected, DeadlineIsExclusive) {
  EndpointState e;
  EXPECT_FALSE(IsEjected(e, 0));  // never ejected
  e.ejected_until_ms = 5000;
  EXPECT_TRUE(IsEjected(e, 0));
  EXPECT_TRUE(IsEjected(e, 4999));
  EXPECT_FALSE(IsEjected(e, 5000));
  EXPECT_FALSE(IsEjected(e, 5001));
}

TEST(RecordFailure, BackoffDoublesPerEjectionUpToTheMax) {
  EndpointState e;
  EjectionPolicy policy;  // 10 s base, 300 s max
  const std::vector<int64_t> expected = {10'000,  20'000,  40'000,  80'000,
                                         160'000, 300'000, 300'000, 300'000};
  int64_t now = 1'000'000;
  for (size_t i = 0; i < expected.size(); ++i) {
    bool ejected = false;
    for (uint32_t f = 0; f < policy.consecutive_failures; ++f) {
      ejected = RecordFailure(e, policy, now);
    }
    ASSERT_TRUE(ejected) << "ejection " << i;
    EXPECT_EQ(e.ejected_until_ms - now, expected[i]) << "ejection " << i;
    now = e.ejected_until_ms;  // the endpoint fails again right after it is readmitted
  }
}

TEST(RecordSuccess, BreaksTheFailureStreak) {
  EndpointState e;
  EjectionPolicy policy;
  EXPECT_FALSE(RecordFailure(e, policy, 0));
  EXPECT_FALSE(RecordFailure(e, policy, 0));
  RecordSuccess(e);
  EXPECT_EQ(e.consecutive_failures, 0u);
  EXPECT_FALSE(RecordFailure(e, policy, 0));
  EXPECT_FALSE(RecordFailure(e, policy, 0));
  EXPECT_FALSE(IsEjected(e, 0));
}

TEST(RecordSuccess, ResetsTheBackoff) {
  EndpointState e;
  EjectionPolicy policy;
  for (int i = 0; i < 6; ++i) RecordFailure(e, policy, 0);  // two ejections: next would be 40 s
  EXPECT_EQ(e.ejections, 2u);
  RecordSuccess(e);
  EXPECT_EQ(e.ejections, 0u);
  for (int i = 0; i < 3; ++i) RecordFailure(e, policy, 100'000);
  EXPECT_EQ(e.ejected_until_ms, 100'000 + policy.base_ejection_ms);
}

TEST(EndpointRegistry, GetReturnsOneStatePerAddress) {
  EndpointRegistry registry;
  EndpointState* a = registry.Get("10.0.0.1:80");
  EndpointState* b = registry.Get("10.0.0.2:80");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(registry.Get("10.0.0.1:80"), a);
  EXPECT_EQ(a->address, "10.0.0.1:80");
  EXPECT_EQ(b->address, "10.0.0.2:80");
}

TEST(EndpointRegistry, CollectDropsUnreferencedIdleStatesAndKeepsBusyOnes) {
  EndpointRegistry registry;
  EndpointState* gone = registry.Get("10.0.0.1:80");
  gone->generation_seen = 1;
  gone->idle = {FakeConnection(1), FakeConnection(2), FakeConnection(3)};
  EndpointState* current = registry.Get("10.0.0.2:80");
  current->generation_seen = 2;
  current->idle = {FakeConnection(4)};
  current->consecutive_failures = 2;  // marker: a fresh state would have 0
  EndpointState* busy = registry.Get("10.0.0.3:80");
  busy->generation_seen = 1;
  busy->in_flight = 1;
  busy->idle = {FakeConnection(5)};
  busy->consecutive_failures = 1;

  std::vector<Connection*> closed;
  registry.Collect(2, [&](Connection* c) { closed.push_back(c); });

  std::sort(closed.begin(), closed.end());
  EXPECT_EQ(closed,
            (std::vector<Connection*>{FakeConnection(1), FakeConnection(2), FakeConnection(3)}));
  std::vector<std::string> left;
  registry.ForEach([&](EndpointState& e) { left.push_back(e.address); });
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"10.0.0.2:80", "10.0.0.3:80"}));
  // The survivors keep their health and their idle connections.
  EXPECT_EQ(registry.Get("10.0.0.2:80")->consecutive_failures, 2u);
  EXPECT_EQ(registry.Get("10.0.0.2:80")->idle.size(), 1u);
  EXPECT_EQ(registry.Get("10.0.0.3:80")->consecutive_failures, 1u);
  EXPECT_EQ(registry.Get("10.0.0.3:80")->idle.size(), 1u);
  // A dropped address comes back as a fresh state.
  EndpointState* again = registry.Get("10.0.0.1:80");
  EXPECT_TRUE(again->idle.empty());
  EXPECT_EQ(again->generation_seen, 0u);
}

TEST(EndpointRegistry, CollectKeepsAnUnreferencedStateUntilItsLastRequestEnds) {
  EndpointRegistry registry;
  EndpointState* e = registry.Get("10.0.0.1:80");
  e->generation_seen = 1;
  e->in_flight = 1;
  e->consecutive_failures = 2;
  int calls = 0;
  registry.Collect(2, [&](Connection*) { ++calls; });
  EXPECT_EQ(registry.Get("10.0.0.1:80")->consecutive_failures, 2u);
  registry.Get("10.0.0.1:80")->in_flight = 0;
  registry.Collect(2, [&](Connection*) { ++calls; });
  EXPECT_EQ(registry.Get("10.0.0.1:80")->consecutive_failures, 0u);  // dropped, then recreated
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace waygate::upstream
