#include "store/compactor.h"

#include "base/log.h"

namespace waygate::store {

Compactor::Compactor(Store* store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

Compactor::~Compactor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Compactor::Loop() {
  int64_t seen = store_->CurrentRevision();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    int64_t now = store_->CurrentRevision();
    if (seen > store_->CompactedRevision()) {
      Status st = store_->Compact(seen);
      if (!st.ok()) log::Warn("store: compaction to " + std::to_string(seen) + " failed: " +
                              st.error().ToString());
    }
    seen = now;
  }
}

}  // namespace waygate::store
