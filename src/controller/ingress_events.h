// IngressEventsController: Warning Events for Ingresses that name a missing Service, Service
// port or TLS Secret (issue 3 item 7), so `kubectl describe ingress` says what is wrong.
//
// It lists Ingresses, Services and Secrets once, then follows the store's watches. A change
// marks only the Ingresses it can affect (an index from "<ns>/<service|secret>" to the
// Ingresses naming it); each marked Ingress is checked once after `settle`, so bursts (a
// manifest whose Ingress comes before its Service, 10k creates) neither flood nor rescan.
// Problems become Events through EventRecorder (aggregated like client-go's recorder). A
// fixed problem simply stops producing Events; old ones stay, as in kube.
//
// Runs on its own thread; the store must outlive the controller.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/registry.h"
#include "base/result.h"
#include "controller/event_recorder.h"
#include "controller/reference_index.h"
#include "store/store.h"

namespace waygate::controller {

struct IngressEventsOptions {
  // How long a changed Ingress waits before it is checked: long enough for the rest of a
  // `kubectl apply -f` (its Service, its Secret) to land, short enough for `describe` soon
  // after. Re-marking a waiting Ingress does not push its check further out.
  std::chrono::milliseconds settle{500};
  // Delay before reopening a watch the store could not open.
  std::chrono::milliseconds retry{1000};
  // source.component and reportingComponent of the Events.
  std::string component = "waygate";
};

class IngressEventsController {
 public:
  static Result<std::unique_ptr<IngressEventsController>> Start(store::Store* store);
  static Result<std::unique_ptr<IngressEventsController>> Start(store::Store* store,
                                                                IngressEventsOptions options);
  // Stops the watches and joins the thread.
  ~IngressEventsController();

  IngressEventsController(const IngressEventsController&) = delete;
  IngressEventsController& operator=(const IngressEventsController&) = delete;

  // Ingress checks done so far (a test waits for it to move before asserting "no new Event").
  uint64_t checks() const { return checks_.load(); }
  uint64_t events_created() const { return created_.load(); }
  uint64_t events_aggregated() const { return aggregated_.load(); }

 private:
  enum Kind { kIngress = 0, kService = 1, kSecret = 2, kKinds = 3 };

  // What a watch callback hands the controller's thread (prev_kv is not needed, so not kept).
  struct Pending {
    Kind kind = kIngress;
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
    std::optional<std::chrono::steady_clock::time_point> reopen_at;
  };

  using Clock = std::chrono::steady_clock;

  IngressEventsController(store::Store* store, IngressEventsOptions options);

  Status Bootstrap();
  Status OpenWatch(Kind kind);
  void Reopen(Kind kind, const Error& why);
  Status Relist(Kind kind);
  void Run();

  void Apply(Kind kind, store::EventType type, const std::string& key, const std::string& value,
             int64_t revision, Clock::time_point due);
  void MarkDirty(const std::vector<std::string>& ingresses, Clock::time_point due);
  void CheckDue(size_t max_checks);
  void Check(const std::string& ingress_key);
  Clock::time_point NextWakeup() const;

  store::Store* store_;
  api::Registry registry_;
  IngressEventsOptions options_;
  EventRecorder recorder_;

  // Controller thread only (and Bootstrap, before the thread starts).
  ReferenceIndex index_;
  std::array<Source, kKinds> sources_;
  std::deque<std::pair<Clock::time_point, std::string>> dirty_;  // due times never decrease
  std::unordered_set<std::string> dirty_set_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> pending_;  // guarded by mu_
  bool stop_ = false;             // guarded by mu_

  std::atomic<uint64_t> checks_{0};
  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> aggregated_{0};
  std::thread thread_;
};

}  // namespace waygate::controller
