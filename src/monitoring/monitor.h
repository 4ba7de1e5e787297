// Monitor: the process's monitoring state as the API reads it: the Rings, sampled every step by
// a thread of its own from a source of Totals, and the gateways' recent access-log lines from a
// log source. Both sources belong to the data plane, which starts after the API: the API gets
// the Monitor at once, and the data plane attaches to it once running (and detaches before it
// goes away). Until then every series is empty and every log has no lines.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "monitoring/rings.h"

namespace waygate::monitoring {

struct MonitorOptions {
  std::chrono::milliseconds step{10000};  // `waygate serve --monitoring-step` (tests: shorter)
};

class Monitor {
 public:
  using TotalsSource = std::function<Totals()>;
  // The newest `tail` lines (0: all) of gateway "ns/name" containing `keyword`, oldest first.
  using LogSource = std::function<std::vector<std::string>(const std::string& gateway,
                                                           size_t tail, std::string_view keyword)>;

  explicit Monitor(MonitorOptions options = {});
  ~Monitor();  // detaches
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Starts sampling `totals` every step on a thread of its own, the first sample right away
  // (the source's counters start at zero with it, so that point holds what came before).
  void Attach(TotalsSource totals, LogSource log);
  // Stops the thread and drops both sources; waits for a call into them in progress.
  void Detach();

  // One sample now (what the thread does every step); for tests.
  void SampleNow(int64_t now_ms);

  Series GatewaySeries(const std::string& gateway, Range range) const;  // "ns/name"
  Series IngressSeries(const std::string& namespace_, const std::string& name, Range range) const;
  std::vector<std::string> GatewayLog(const std::string& gateway, size_t tail,
                                      std::string_view keyword) const;

 private:
  void Loop();

  const MonitorOptions options_;
  mutable std::mutex mu_;  // rings_ and the sources; held while calling a source
  Rings rings_;
  TotalsSource totals_;
  LogSource log_;

  std::mutex thread_mu_;  // stop_ and the thread
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace waygate::monitoring
