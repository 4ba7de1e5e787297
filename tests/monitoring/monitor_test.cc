#include "monitoring/monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace waygate::monitoring {
namespace {

using std::chrono::milliseconds;

TEST(Monitor, EmptyUntilAttached) {
  Monitor monitor(MonitorOptions{.step = milliseconds(10000)});
  EXPECT_TRUE(monitor.GatewaySeries("kubesphere-controls-system/gw", Range::k10m).points.empty());
  EXPECT_TRUE(monitor.GatewayLog("kubesphere-controls-system/gw", 0, "").empty());
  monitor.SampleNow(1000);  // no source: a point of zeros
  auto s = monitor.IngressSeries("shop", "front", Range::k10m);
  ASSERT_EQ(s.points.size(), 1u);
  EXPECT_EQ(s.points[0].requests, 0u);
}

TEST(Monitor, SamplesItsSourceOnItsOwnThreadAndDetachStopsIt) {
  std::atomic<uint64_t> calls{0};
  Monitor monitor(MonitorOptions{.step = milliseconds(20)});
  monitor.Attach(
      [&calls] {
        uint64_t n = ++calls;
        Totals t;
        t.ingresses["shop/front"].requests = n * 2;
        t.ingresses["shop/front"].buckets[0] = n * 2;
        return t;
      },
      [](const std::string& gateway, size_t tail, std::string_view keyword) {
        return std::vector<std::string>{gateway + " " + std::to_string(tail) + " " +
                                        std::string(keyword)};
      });
  for (int i = 0; i < 200 && calls.load() < 4; ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_GE(calls.load(), 4u);
  EXPECT_EQ(monitor.GatewayLog("ns/gw", 5, "GET"), std::vector<std::string>{"ns/gw 5 GET"});
  monitor.Detach();
  const uint64_t after = calls.load();
  auto s = monitor.IngressSeries("shop", "front", Range::k10m);
  ASSERT_GE(s.points.size(), 4u);
  EXPECT_EQ(s.points[0].requests, 2u);  // counters start at zero with the source
  EXPECT_EQ(s.points[1].requests, 2u);
  EXPECT_NEAR(*s.points[1].p50, 0.0025, 1e-12);
  EXPECT_GT(s.points[1].time_ms, s.points[0].time_ms - 1);
  std::this_thread::sleep_for(milliseconds(60));
  EXPECT_EQ(calls.load(), after);                          // no more samples
  EXPECT_TRUE(monitor.GatewayLog("ns/gw", 5, "").empty());  // the source is gone
}

}  // namespace
}  // namespace waygate::monitoring
