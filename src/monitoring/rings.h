// Rings: the time series behind the console's monitoring charts. Each sample takes the
// cumulative counters of every gateway and Ingress, turns them into deltas, and adds them to
// three resolutions of kPoints points each: 10 min at 1 step, 1 h at 6 steps, 1 day at 144
// steps (with the default 10 s step: 10 s, 1 min, 24 min). A point closes when its steps are
// done: its counts are sums over them, its quantiles come from the summed histogram buckets.
//
// No clock, no lock, no thread: the caller passes the time and serialises calls (monitor.h
// does both), so tests drive it step by step.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::monitoring {

// The request-duration buckets (seconds) the gateways record: ingress-nginx's
// request_duration_seconds, the same as proxy::kDurationBounds.
inline constexpr int kBuckets = 12;
inline constexpr double kBounds[kBuckets] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};

// One gateway's or Ingress's figures as the source reports them: counters since the source
// started (they only grow; a smaller value means the source restarted), and a gauge.
struct Counters {
  uint64_t requests = 0;
  uint64_t status4xx = 0;
  uint64_t status5xx = 0;
  // Requests per duration bucket (not cumulative); requests minus their sum were slower than
  // the last bound.
  uint64_t buckets[kBuckets] = {};
  int64_t active_connections = 0;  // open now (gateways; 0 for an Ingress)
};

struct Totals {
  std::map<std::string, Counters> gateways;   // "namespace/name"
  std::map<std::string, Counters> ingresses;  // "namespace/name"
};

enum class Range { k10m, k1h, k1d };
inline constexpr int kRanges = 3;
std::optional<Range> ParseRange(std::string_view text);  // "10m", "1h", "1d"
const char* ToString(Range range);

// Prometheus' histogram_quantile over one histogram: the bucket holding the q-th request,
// linearly interpolated inside it (from 0 for the first bucket); above the last finite bound,
// that bound. `count` includes the requests above the last bound. nullopt: no requests.
std::optional<double> Quantile(double q, const uint64_t (&buckets)[kBuckets], uint64_t count);

struct Point {
  int64_t time_ms = 0;  // Unix time (ms) the point closed
  uint64_t requests = 0;
  uint64_t status4xx = 0;
  uint64_t status5xx = 0;
  // Requests answered neither 4xx nor 5xx / requests (KubeSphere's success rate); none without
  // requests, as the quantiles (seconds).
  std::optional<double> success_rate;
  std::optional<double> p50, p95, p99;
  int64_t active_connections = 0;  // at the point's last sample
};

struct Series {
  Range range = Range::k10m;
  double step_seconds = 0;
  std::vector<Point> points;  // oldest first; every series of a range shares the times
};

class Rings {
 public:
  static constexpr size_t kPoints = 60;
  static constexpr uint64_t kStepsPerPoint[kRanges] = {1, 6, 144};

  explicit Rings(std::chrono::milliseconds step);

  // One sample at `now_ms` (Unix ms). Counters that went backwards count from zero again.
  void Sample(int64_t now_ms, const Totals& totals);

  // A name never seen has all-zero points (no requests happened there while we sampled).
  Series Gateway(const std::string& name, Range range) const;
  Series Ingress(const std::string& key, Range range) const;
  double step_seconds(Range range) const;

 private:
  // What a point accumulates until it closes.
  struct Open {
    uint64_t requests = 0, status4xx = 0, status5xx = 0;
    uint64_t buckets[kBuckets] = {};
    int64_t active_connections = 0;
  };
  // A closed point, without its time (the range's timeline holds the times).
  struct Slot {
    uint64_t requests = 0, status4xx = 0, status5xx = 0;
    double p50 = -1, p95 = -1, p99 = -1;  // -1: none
    int64_t active_connections = 0;
  };
  struct Key {
    Counters last;
    std::array<Open, kRanges> open;
    std::array<std::array<Slot, kPoints>, kRanges> slots;  // aligned with timeline_ indexes
  };
  struct Timeline {
    std::array<int64_t, kPoints> times{};
    size_t next = 0;   // where the next closed point goes
    size_t count = 0;  // points closed so far, up to kPoints
  };

  static void Feed(Key& key, const Counters* now);
  Series Read(const std::map<std::string, Key>& keys, const std::string& name,
              Range range) const;

  std::chrono::milliseconds step_;
  uint64_t samples_ = 0;
  std::array<Timeline, kRanges> timeline_;
  std::map<std::string, Key> gateways_;
  std::map<std::string, Key> ingresses_;
};

}  // namespace waygate::monitoring
