// State shared by a SQLite store and its watcher threads. Watchers hold it by shared_ptr so a
// watch handle outliving its store stays safe (it is ended with kIo "store closed").
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace waygate::store::sqlite {

struct Core {
  std::string path;
  // `revision` is stored under `mu` (and notified on `cv`) after each commit, so a watcher that
  // checked it under `mu` cannot miss the wake-up. Readers outside the lock may use it freely.
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int64_t> revision{1};
  // Raised before the compaction's rows are deleted: a watcher that reads its batch and then
  // sees compacted <= last + 1 knows the batch was complete.
  std::atomic<int64_t> compacted{1};
  bool closed = false;  // guarded by mu
};

}  // namespace waygate::store::sqlite
