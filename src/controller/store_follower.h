// StoreFollower: what an informer does for a controller, over store prefixes rather than HTTP.
// It lists every prefix at one revision (a consistent first picture), then follows each prefix
// with a store watch from there. A watch the store ends is reopened from the last revision
// applied; when the store says kGone (compacted past it) the prefix is relisted first and keys
// that vanished meanwhile become synthesized deletes. A reopen that fails is retried after
// `retry`.
//
// Threads: watch callbacks (store threads) only queue. Everything else - Bootstrap, Wait,
// Dispatch and so every Apply/KnownNames call - runs on the owner's thread; Stop() may be
// called from any thread. Destroying the follower closes the watches (after the owner's thread
// has stopped calling it). The store must outlive it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace waygate::controller {

class StoreFollower {
 public:
  using Clock = std::chrono::steady_clock;

  // Where a change comes from; an owner may treat them differently (e.g. when to re-check).
  enum class Origin { kList, kWatch, kRelist };

  struct Change {
    size_t source = 0;  // index into the prefixes given at construction
    store::EventType type = store::EventType::kPut;
    const std::string& key;    // the full store key
    const std::string& name;   // the key without its prefix: "<namespace>/<name>" or "<name>"
    const std::string& value;  // empty for a delete
    int64_t revision = 0;
    Origin origin = Origin::kWatch;
  };

  struct Handlers {
    // One put or delete, in revision order per source. Keys no longer than their prefix are
    // not passed on.
    std::function<void(const Change&)> apply;
    // The names (keys without prefix) the owner holds for `source`; a relist deletes those the
    // store no longer has.
    std::function<std::vector<std::string>(size_t source)> known_names;
  };

  // `log_name` prefixes warnings ("controller: <log_name>: watching ... failed").
  StoreFollower(store::Store* store, std::vector<std::string> prefixes,
                std::chrono::milliseconds retry, std::string log_name, Handlers handlers);
  ~StoreFollower();

  StoreFollower(const StoreFollower&) = delete;
  StoreFollower& operator=(const StoreFollower&) = delete;

  // Lists every prefix at a single revision, applies it (Origin::kList), then opens the watches.
  Status Bootstrap();

  // Blocks until a watch delivers something, Stop() is called, a failed watch is due for a
  // retry, or `deadline`. False once stopped; otherwise what arrived is held for Dispatch().
  bool Wait(Clock::time_point deadline);
  // Applies what Wait() took, in arrival order (reopening ended watches on the way), then
  // retries the reopens that are due.
  void Dispatch();
  // Makes Wait() return false from now on. Safe from any thread.
  void Stop();

  const std::string& prefix(size_t source) const { return sources_[source].prefix; }

 private:
  // What a watch callback hands the owner's thread (prev_kv is not needed, so not kept).
  struct Pending {
    size_t source = 0;
    bool closed = false;  // the watch ended: `error` says why
    store::EventType type = store::EventType::kPut;
    std::string key;
    std::string value;
    int64_t revision = 0;
    Error error;
  };

  struct Source {
    std::string prefix;    // "/registry/core/services/"
    int64_t revision = 0;  // everything up to here is applied
    std::unique_ptr<store::Watch> watch;
    std::optional<Clock::time_point> reopen_at;
  };

  Status OpenWatch(size_t source);
  void Reopen(size_t source, const Error& why);
  Status Relist(size_t source);
  void Apply(size_t source, store::EventType type, const std::string& key, const std::string& value,
             int64_t revision, Origin origin);
  void Push(Pending p);

  store::Store* store_;
  std::chrono::milliseconds retry_;
  std::string log_name_;
  Handlers handlers_;

  // Owner's thread only.
  std::vector<Source> sources_;
  std::vector<Pending> batch_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> pending_;  // guarded by mu_
  bool stop_ = false;             // guarded by mu_
};

}  // namespace waygate::controller
