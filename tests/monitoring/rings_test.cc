#include "monitoring/rings.h"

#include <gtest/gtest.h>

#include <cmath>

namespace waygate::monitoring {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kStart = 1'700'000'000'000;  // Unix ms
constexpr int64_t kStep = 10'000;

// Cumulative counters after `requests` requests of which `c4`/`c5` failed, every one of them in
// duration bucket `bucket` (kBuckets: slower than the last bound).
Counters Make(uint64_t requests, uint64_t c4 = 0, uint64_t c5 = 0, int bucket = 0,
              int64_t active = 0) {
  Counters c;
  c.requests = requests;
  c.status4xx = c4;
  c.status5xx = c5;
  if (bucket < kBuckets) c.buckets[bucket] = requests;
  c.active_connections = active;
  return c;
}

Totals Gateway(const Counters& c, const std::string& name = "kubesphere-controls-system/gw") {
  Totals t;
  t.gateways[name] = c;
  return t;
}

TEST(Quantile, NoRequestsHaveNone) {
  uint64_t b[kBuckets] = {};
  EXPECT_FALSE(Quantile(0.5, b, 0).has_value());
}

TEST(Quantile, InterpolatesInsideTheBucketAsHistogramQuantile) {
  // 100 requests in (0.1, 0.25]: the median is half-way through that bucket.
  uint64_t b[kBuckets] = {};
  b[5] = 100;
  EXPECT_NEAR(*Quantile(0.5, b, 100), 0.175, 1e-12);
  EXPECT_NEAR(*Quantile(0.99, b, 100), 0.1 + 0.15 * 0.99, 1e-12);
  // The first bucket starts at 0.
  uint64_t first[kBuckets] = {};
  first[0] = 10;
  EXPECT_NEAR(*Quantile(0.5, first, 10), 0.0025, 1e-12);
}

TEST(Quantile, SpansBucketsByRank) {
  // 90 fast ones (<= 5 ms), 10 in (0.5, 1]: P50 among the fast, P95 half-way through (0.5, 1].
  uint64_t b[kBuckets] = {};
  b[0] = 90;
  b[7] = 10;
  EXPECT_NEAR(*Quantile(0.5, b, 100), 0.005 * 50 / 90, 1e-12);
  EXPECT_NEAR(*Quantile(0.95, b, 100), 0.75, 1e-12);
  EXPECT_NEAR(*Quantile(0.99, b, 100), 0.5 + 0.5 * 9 / 10, 1e-12);
  // Empty buckets between do not stop the search.
  EXPECT_NEAR(*Quantile(0.9, b, 100), 0.005, 1e-12);
}

TEST(Quantile, AboveTheLastBoundIsTheLastBound) {
  uint64_t b[kBuckets] = {};
  b[0] = 1;
  EXPECT_DOUBLE_EQ(*Quantile(0.99, b, 100), 30);  // 99 requests took longer than 30 s
}

TEST(Range, ParsesTheThreeRanges) {
  EXPECT_EQ(ParseRange("10m"), Range::k10m);
  EXPECT_EQ(ParseRange("1h"), Range::k1h);
  EXPECT_EQ(ParseRange("1d"), Range::k1d);
  EXPECT_FALSE(ParseRange("5m").has_value());
  EXPECT_FALSE(ParseRange("").has_value());
  EXPECT_STREQ(ToString(Range::k1h), "1h");
}

TEST(Rings, EmptyBeforeTheFirstSampleAndForUnknownNames) {
  Rings rings{milliseconds(kStep)};
  Series s = rings.Gateway("nope", Range::k10m);
  EXPECT_TRUE(s.points.empty());
  EXPECT_EQ(s.step_seconds, 10);
  EXPECT_EQ(rings.Gateway("nope", Range::k1h).step_seconds, 60);
  EXPECT_EQ(rings.Gateway("nope", Range::k1d).step_seconds, 24 * 60);

  rings.Sample(kStart, Totals{});
  s = rings.Ingress("shop/front", Range::k10m);
  ASSERT_EQ(s.points.size(), 1u);  // a name never seen: zeros on the shared timeline
  EXPECT_EQ(s.points[0].time_ms, kStart);
  EXPECT_EQ(s.points[0].requests, 0u);
  EXPECT_FALSE(s.points[0].success_rate.has_value());
  EXPECT_FALSE(s.points[0].p50.has_value());
  EXPECT_TRUE(rings.Ingress("shop/front", Range::k1h).points.empty());  // no minute closed yet
}

TEST(Rings, PointsHoldDeltasBetweenSamples) {
  Rings rings{milliseconds(kStep)};
  rings.Sample(kStart, Gateway(Make(0)));
  rings.Sample(kStart + kStep, Gateway(Make(10, 2, 1, 5, 7)));
  rings.Sample(kStart + 2 * kStep, Gateway(Make(10, 2, 1, 5, 3)));
  rings.Sample(kStart + 3 * kStep, Gateway(Make(14, 2, 3, 5, 4)));
  Series s = rings.Gateway("kubesphere-controls-system/gw", Range::k10m);
  ASSERT_EQ(s.points.size(), 4u);
  EXPECT_EQ(s.points[1].time_ms, kStart + kStep);
  EXPECT_EQ(s.points[1].requests, 10u);
  EXPECT_EQ(s.points[1].status4xx, 2u);
  EXPECT_EQ(s.points[1].status5xx, 1u);
  EXPECT_NEAR(*s.points[1].success_rate, 0.7, 1e-12);
  EXPECT_NEAR(*s.points[1].p50, 0.175, 1e-12);
  EXPECT_EQ(s.points[1].active_connections, 7);
  // Nothing happened: no rate, no quantiles, the gauge as sampled.
  EXPECT_EQ(s.points[2].requests, 0u);
  EXPECT_FALSE(s.points[2].success_rate.has_value());
  EXPECT_FALSE(s.points[2].p99.has_value());
  EXPECT_EQ(s.points[2].active_connections, 3);
  EXPECT_EQ(s.points[3].requests, 4u);
  EXPECT_EQ(s.points[3].status5xx, 2u);
  EXPECT_NEAR(*s.points[3].success_rate, 0.5, 1e-12);
}

TEST(Rings, CounterResetCountsFromZero) {
  Rings rings{milliseconds(kStep)};
  rings.Sample(kStart, Gateway(Make(100, 0, 0, 2)));
  rings.Sample(kStart + kStep, Gateway(Make(5, 0, 1, 2)));  // the source restarted
  Series s = rings.Gateway("kubesphere-controls-system/gw", Range::k10m);
  ASSERT_EQ(s.points.size(), 2u);
  EXPECT_EQ(s.points[1].requests, 5u);
  EXPECT_EQ(s.points[1].status5xx, 1u);
  EXPECT_NEAR(*s.points[1].p50, 0.01 + 0.015 * 0.5, 1e-12);
}

TEST(Rings, ANameAppearingLaterHasZerosBeforeAndANameGoneHasZerosAfter) {
  Rings rings{milliseconds(kStep)};
  Totals t;
  rings.Sample(kStart, t);
  t.ingresses["shop/front"] = Make(3);
  rings.Sample(kStart + kStep, t);
  t.ingresses.clear();
  rings.Sample(kStart + 2 * kStep, t);
  Series s = rings.Ingress("shop/front", Range::k10m);
  ASSERT_EQ(s.points.size(), 3u);
  EXPECT_EQ(s.points[0].requests, 0u);
  EXPECT_EQ(s.points[1].requests, 3u);
  EXPECT_EQ(s.points[2].requests, 0u);
  EXPECT_TRUE(rings.Gateway("shop/front", Range::k10m).points[1].requests == 0)
      << "gateways and ingresses are separate name spaces";
}

TEST(Rings, CoarserRangesSumTheirStepsAndMergeHistograms) {
  Rings rings{milliseconds(kStep)};
  // Six steps: 10 requests each, alternately fast (bucket 0) and slow (bucket 7).
  Counters total;
  for (int i = 1; i <= 6; ++i) {
    total.requests += 10;
    total.buckets[i % 2 == 0 ? 7 : 0] += 10;
    if (i == 6) total.status5xx += 6;
    total.active_connections = i;
    rings.Sample(kStart + i * kStep, Gateway(total));
  }
  Series hour = rings.Gateway("kubesphere-controls-system/gw", Range::k1h);
  ASSERT_EQ(hour.points.size(), 1u);
  EXPECT_EQ(hour.step_seconds, 60);
  EXPECT_EQ(hour.points[0].time_ms, kStart + 6 * kStep);
  EXPECT_EQ(hour.points[0].requests, 60u);
  EXPECT_EQ(hour.points[0].status5xx, 6u);
  EXPECT_NEAR(*hour.points[0].success_rate, 0.9, 1e-12);
  // 30 fast, 30 slow: P50 is the last fast one, P95 inside (0.5, 1].
  EXPECT_NEAR(*hour.points[0].p50, 0.005, 1e-12);
  EXPECT_NEAR(*hour.points[0].p95, 0.5 + 0.5 * (57.0 - 30) / 30, 1e-12);
  EXPECT_EQ(hour.points[0].active_connections, 6);
  EXPECT_EQ(rings.Gateway("kubesphere-controls-system/gw", Range::k10m).points.size(), 6u);
  EXPECT_TRUE(rings.Gateway("kubesphere-controls-system/gw", Range::k1d).points.empty());
}

TEST(Rings, EachRangeKeepsSixtyPointsTheNewestLast) {
  Rings rings{milliseconds(kStep)};
  Counters total;
  const int steps = 144 * 2 + 5;  // two day-points, then some
  for (int i = 1; i <= steps; ++i) {
    total.requests += static_cast<uint64_t>(i);
    total.buckets[0] += static_cast<uint64_t>(i);
    rings.Sample(kStart + i * kStep, Gateway(total));
  }
  Series ten = rings.Gateway("kubesphere-controls-system/gw", Range::k10m);
  ASSERT_EQ(ten.points.size(), Rings::kPoints);
  EXPECT_EQ(ten.points.back().time_ms, kStart + steps * kStep);
  EXPECT_EQ(ten.points.back().requests, static_cast<uint64_t>(steps));
  EXPECT_EQ(ten.points.front().requests, static_cast<uint64_t>(steps - 59));
  for (size_t i = 1; i < ten.points.size(); ++i) {
    EXPECT_EQ(ten.points[i].time_ms - ten.points[i - 1].time_ms, kStep);
  }
  Series hour = rings.Gateway("kubesphere-controls-system/gw", Range::k1h);
  ASSERT_EQ(hour.points.size(), static_cast<size_t>(steps / 6));  // 48 minutes so far
  // The last closed minute: steps 283..288.
  EXPECT_EQ(hour.points.back().requests, 283u + 284 + 285 + 286 + 287 + 288);
  Series day = rings.Gateway("kubesphere-controls-system/gw", Range::k1d);
  ASSERT_EQ(day.points.size(), 2u);
  EXPECT_EQ(day.step_seconds, 1440);
  EXPECT_EQ(day.points[0].requests, 144u * 145 / 2);
  EXPECT_EQ(day.points[1].time_ms, kStart + 288 * kStep);
}

TEST(Rings, ShorterStepsScaleEveryRange) {
  Rings rings{milliseconds(200)};
  EXPECT_DOUBLE_EQ(rings.step_seconds(Range::k10m), 0.2);
  EXPECT_DOUBLE_EQ(rings.step_seconds(Range::k1h), 1.2);
  EXPECT_DOUBLE_EQ(rings.step_seconds(Range::k1d), 28.8);
}

}  // namespace
}  // namespace waygate::monitoring
