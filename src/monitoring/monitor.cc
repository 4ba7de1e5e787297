#include "monitoring/monitor.h"

namespace waygate::monitoring {
namespace {

int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Monitor::Monitor(MonitorOptions options) : options_(options), rings_(options.step) {}

Monitor::~Monitor() { Detach(); }

void Monitor::Attach(TotalsSource totals, LogSource log) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    totals_ = std::move(totals);
    log_ = std::move(log);
  }
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Monitor::Detach() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  totals_ = nullptr;
  log_ = nullptr;
}

void Monitor::SampleNow(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  rings_.Sample(now_ms, totals_ ? totals_() : Totals{});
}

void Monitor::Loop() {
  // Steps are counted from the start on the steady clock, so a slow sample does not shift the
  // following ones; a step missed (the machine slept) is skipped, not caught up.
  auto next = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(thread_mu_);
  while (!stop_) {
    lock.unlock();
    SampleNow(UnixNowMs());
    lock.lock();
    next += options_.step;
    const auto now = std::chrono::steady_clock::now();
    while (next <= now) next += options_.step;
    cv_.wait_until(lock, next, [this] { return stop_; });
  }
}

Series Monitor::GatewaySeries(const std::string& gateway, Range range) const {
  std::lock_guard<std::mutex> lock(mu_);
  return rings_.Gateway(gateway, range);
}

Series Monitor::IngressSeries(const std::string& namespace_, const std::string& name,
                              Range range) const {
  std::lock_guard<std::mutex> lock(mu_);
  return rings_.Ingress(namespace_ + "/" + name, range);
}

std::vector<std::string> Monitor::GatewayLog(const std::string& gateway, size_t tail,
                                             std::string_view keyword) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!log_) return {};
  return log_(gateway, tail, keyword);
}

}  // namespace waygate::monitoring
