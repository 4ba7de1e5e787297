#include "monitoring/rings.h"

namespace waygate::monitoring {

std::optional<Range> ParseRange(std::string_view text) {
  if (text == "10m") return Range::k10m;
  if (text == "1h") return Range::k1h;
  if (text == "1d") return Range::k1d;
  return std::nullopt;
}

const char* ToString(Range range) {
  switch (range) {
    case Range::k10m:
      return "10m";
    case Range::k1h:
      return "1h";
    case Range::k1d:
      return "1d";
  }
  return "10m";
}

std::optional<double> Quantile(double q, const uint64_t (&buckets)[kBuckets], uint64_t count) {
  if (count == 0) return std::nullopt;
  const double rank = q * static_cast<double>(count);
  uint64_t below = 0;  // requests in the buckets before i
  for (int i = 0; i < kBuckets; ++i) {
    const uint64_t cumulative = below + buckets[i];
    if (static_cast<double>(cumulative) >= rank && buckets[i] > 0) {
      const double lower = i == 0 ? 0 : kBounds[i - 1];
      const double upper = kBounds[i];
      return lower + (upper - lower) * (rank - static_cast<double>(below)) /
                         static_cast<double>(buckets[i]);
    }
    below = cumulative;
  }
  // In the +Inf bucket: Prometheus answers the largest finite bound.
  return kBounds[kBuckets - 1];
}

Rings::Rings(std::chrono::milliseconds step) : step_(step) {}

double Rings::step_seconds(Range range) const {
  return static_cast<double>(step_.count()) / 1000.0 *
         static_cast<double>(kStepsPerPoint[static_cast<int>(range)]);
}

void Rings::Feed(Key& key, const Counters* now) {
  Counters delta;
  if (now != nullptr) {
    const Counters& last = key.last;
    bool reset = now->requests < last.requests || now->status4xx < last.status4xx ||
                 now->status5xx < last.status5xx;
    for (int i = 0; i < kBuckets && !reset; ++i) reset = now->buckets[i] < last.buckets[i];
    // A restarted source counts from zero: all it has now is new (Prometheus' rate() does the
    // same with a counter reset).
    delta = *now;
    if (!reset) {
      delta.requests -= last.requests;
      delta.status4xx -= last.status4xx;
      delta.status5xx -= last.status5xx;
      for (int i = 0; i < kBuckets; ++i) delta.buckets[i] -= last.buckets[i];
    }
    key.last = *now;
  }
  for (Open& open : key.open) {
    open.requests += delta.requests;
    open.status4xx += delta.status4xx;
    open.status5xx += delta.status5xx;
    for (int i = 0; i < kBuckets; ++i) open.buckets[i] += delta.buckets[i];
    open.active_connections = now != nullptr ? now->active_connections : 0;
  }
}

void Rings::Sample(int64_t now_ms, const Totals& totals) {
  ++samples_;
  auto feed_all = [](std::map<std::string, Key>& keys, const std::map<std::string, Counters>& in) {
    for (const auto& [name, counters] : in) {
      auto it = keys.find(name);
      if (it == keys.end()) {
        // First seen: its counters started at zero when it appeared, and every earlier point
        // (zero-filled) is right.
        it = keys.emplace(name, Key{}).first;
      }
      Feed(it->second, &counters);
    }
    for (auto& [name, key] : keys) {
      if (!in.count(name)) Feed(key, nullptr);
    }
  };
  feed_all(gateways_, totals.gateways);
  feed_all(ingresses_, totals.ingresses);

  for (int r = 0; r < kRanges; ++r) {
    if (samples_ % kStepsPerPoint[r] != 0) continue;
    Timeline& line = timeline_[r];
    const size_t index = line.next;
    line.times[index] = now_ms;
    line.next = (line.next + 1) % kPoints;
    if (line.count < kPoints) ++line.count;
    for (auto* keys : {&gateways_, &ingresses_}) {
      for (auto& [name, key] : *keys) {
        Open& open = key.open[r];
        Slot& slot = key.slots[r][index];
        slot.requests = open.requests;
        slot.status4xx = open.status4xx;
        slot.status5xx = open.status5xx;
        slot.active_connections = open.active_connections;
        auto q = [&](double at) {
          auto v = Quantile(at, open.buckets, open.requests);
          return v ? *v : -1.0;
        };
        slot.p50 = q(0.5);
        slot.p95 = q(0.95);
        slot.p99 = q(0.99);
        const int64_t active = open.active_connections;
        open = Open{};
        open.active_connections = active;
      }
    }
  }
}

Series Rings::Read(const std::map<std::string, Key>& keys, const std::string& name,
                   Range range) const {
  const int r = static_cast<int>(range);
  Series series;
  series.range = range;
  series.step_seconds = step_seconds(range);
  const Timeline& line = timeline_[r];
  auto it = keys.find(name);
  series.points.reserve(line.count);
  for (size_t k = 0; k < line.count; ++k) {
    const size_t index = (line.next + kPoints - line.count + k) % kPoints;
    Point p;
    p.time_ms = line.times[index];
    if (it != keys.end()) {
      const Slot& slot = it->second.slots[r][index];
      p.requests = slot.requests;
      p.status4xx = slot.status4xx;
      p.status5xx = slot.status5xx;
      p.active_connections = slot.active_connections;
      if (slot.p50 >= 0) p.p50 = slot.p50;
      if (slot.p95 >= 0) p.p95 = slot.p95;
      if (slot.p99 >= 0) p.p99 = slot.p99;
    }
    if (p.requests > 0) {
      const uint64_t failed = p.status4xx + p.status5xx;
      p.success_rate = static_cast<double>(p.requests - std::min(failed, p.requests)) /
                       static_cast<double>(p.requests);
    }
    series.points.push_back(p);
  }
  return series;
}

Series Rings::Gateway(const std::string& name, Range range) const {
  return Read(gateways_, name, range);
}

Series Rings::Ingress(const std::string& key, Range range) const {
  return Read(ingresses_, key, range);
}

}  // namespace waygate::monitoring
