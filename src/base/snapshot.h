// SnapshotCell<T>: publishes immutable snapshots from the control thread to worker threads.
//
// Writers call Publish() with a freshly compiled, never-again-mutated object. Readers call
// Load() once per exchange (or once per event-loop turn) and keep the shared_ptr for as long
// as they use the snapshot, so a swap never pulls data from under a request in flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace waygate {

template <class T>
class SnapshotCell {
 public:
  void Publish(std::shared_ptr<const T> next) {
    current_.store(std::move(next), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<const T> Load() const { return current_.load(std::memory_order_acquire); }
  // Cheap check for "did anything change since I last loaded": workers cache the shared_ptr
  // and only call Load() (which takes a lock inside libstdc++'s atomic<shared_ptr>) when the
  // generation moved.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace waygate
