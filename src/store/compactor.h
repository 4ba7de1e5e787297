// Compactor: drops store history the way kube-apiserver compacts etcd. Every `interval` it
// compacts to the revision it saw one interval earlier, so a watcher or a paged list always has
// at least one interval to catch up before it gets 410 Gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace waygate::store {

class Compactor {
 public:
  Compactor(Store* store, std::chrono::milliseconds interval);
  ~Compactor();  // stops and joins

 private:
  void Loop();

  Store* store_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace waygate::store
