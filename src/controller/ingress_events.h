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

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/registry.h"
#include "base/result.h"
#include "controller/event_recorder.h"
#include "controller/reference_index.h"
#include "controller/store_follower.h"
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

  using Clock = std::chrono::steady_clock;

  IngressEventsController(store::Store* store, IngressEventsOptions options);

  Status Bootstrap();
  void Run();

  void Apply(const StoreFollower::Change& change);
  std::vector<std::string> KnownNames(size_t kind) const;
  void MarkDirty(const std::vector<std::string>& ingresses, Clock::time_point due);
  void CheckDue(size_t max_checks);
  void Check(const std::string& ingress_key);
  Clock::time_point NextWakeup() const;

  api::Registry registry_;
  IngressEventsOptions options_;
  EventRecorder recorder_;

  // Controller thread only (and Bootstrap, before the thread starts).
  ReferenceIndex index_;
  Clock::time_point batch_due_;  // when the Ingresses marked by this batch of watch events are due
  std::deque<std::pair<Clock::time_point, std::string>> dirty_;  // due times never decrease
  std::unordered_set<std::string> dirty_set_;

  StoreFollower follower_;

  std::atomic<uint64_t> checks_{0};
  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> aggregated_{0};
  std::thread thread_;
};

}  // namespace waygate::controller
