#include "controller/ingress_events.h"

#include <algorithm>

#include "api/resources.h"
#include "base/log.h"

namespace waygate::controller {
namespace {

using nlohmann::json;

// Checks per round before the thread looks at new watch events again: Event writes cost an
// fsync each, and a Service created meanwhile should clear its Ingresses before they are
// reported.
constexpr size_t kChecksPerRound = 64;

std::string PrefixOf(const char* group, const char* resource) {
  const api::ResourceInfo* info = api::FindResource(group, "v1", resource);
  return api::KeyPrefix(*info, "");
}

}  // namespace

Result<std::unique_ptr<IngressEventsController>> IngressEventsController::Start(
    store::Store* store) {
  return Start(store, IngressEventsOptions{});
}

Result<std::unique_ptr<IngressEventsController>> IngressEventsController::Start(
    store::Store* store, IngressEventsOptions options) {
  if (store == nullptr) return MakeError(ErrorCode::kInvalid, "ingress events: no store");
  std::unique_ptr<IngressEventsController> controller(
      new IngressEventsController(store, std::move(options)));
  Status booted = controller->Bootstrap();
  if (!booted.ok()) return booted.error();  // the destructor closes any watch already open
  controller->thread_ = std::thread([c = controller.get()] { c->Run(); });
  return controller;
}

IngressEventsController::IngressEventsController(store::Store* store, IngressEventsOptions options)
    : registry_(store),
      options_(std::move(options)),
      recorder_(&registry_, options_.component),
      follower_(store,
                {PrefixOf("networking.k8s.io", "ingresses"), PrefixOf("", "services"),
                 PrefixOf("", "secrets")},
                options_.retry, "ingress events",
                {[this](const StoreFollower::Change& change) { Apply(change); },
                 [this](size_t kind) { return KnownNames(kind); }}) {}

IngressEventsController::~IngressEventsController() {
  follower_.Stop();
  if (thread_.joinable()) thread_.join();
  // follower_ closes the watches as it is destroyed.
}

Status IngressEventsController::Bootstrap() {
  Status seeded = recorder_.Seed();
  if (!seeded.ok()) return seeded;
  return follower_.Bootstrap();
}

std::vector<std::string> IngressEventsController::KnownNames(size_t kind) const {
  return kind == kIngress   ? index_.IngressKeys()
         : kind == kService ? index_.ServiceKeys()
                            : index_.SecretKeys();
}

void IngressEventsController::Apply(const StoreFollower::Change& change) {
  // A listed snapshot is complete, so there is nothing to wait for; a relist's changes wait
  // `settle` from now, a watch batch's from when the batch arrived.
  Clock::time_point due = change.origin == StoreFollower::Origin::kList ? Clock::now()
                          : change.origin == StoreFollower::Origin::kRelist
                              ? Clock::now() + options_.settle
                              : batch_due_;
  const std::string& name = change.name;  // "<namespace>/<name>"
  if (change.type == store::EventType::kDelete) {
    switch (change.source) {
      case kIngress:
        if (auto uid = index_.DeleteIngress(name)) recorder_.Forget(*uid);
        break;
      case kService:
        MarkDirty(index_.DeleteService(name), due);
        break;
      default:
        MarkDirty(index_.DeleteSecret(name), due);
        break;
    }
    return;
  }
  json object = json::parse(change.value, nullptr, false);
  if (!object.is_object()) {
    log::Warn("controller: ingress events: " + change.key + " does not hold a JSON object");
    return;
  }
  switch (change.source) {
    case kIngress:
      MarkDirty(index_.PutIngress(name, object, std::to_string(change.revision)), due);
      break;
    case kService:
      MarkDirty(index_.PutService(name, object), due);
      break;
    default:
      MarkDirty(index_.PutSecret(name, object), due);
      break;
  }
}

void IngressEventsController::MarkDirty(const std::vector<std::string>& ingresses,
                                        Clock::time_point due) {
  for (const std::string& key : ingresses) {
    // Already waiting: its check will read the newest state anyway.
    if (dirty_set_.insert(key).second) dirty_.emplace_back(due, key);
  }
}

IngressEventsController::Clock::time_point IngressEventsController::NextWakeup() const {
  // A bounded "never", so wait_until does no overflowing arithmetic on time_point::max().
  Clock::time_point wake = Clock::now() + std::chrono::hours(1);
  if (!dirty_.empty()) wake = std::min(wake, dirty_.front().first);
  return wake;  // the follower wakes earlier for a watch it must retry
}

void IngressEventsController::Run() {
  while (follower_.Wait(NextWakeup())) {
    batch_due_ = Clock::now() + options_.settle;
    follower_.Dispatch();
    CheckDue(kChecksPerRound);
  }
}

void IngressEventsController::CheckDue(size_t max_checks) {
  Clock::time_point now = Clock::now();
  for (size_t n = 0; n < max_checks && !dirty_.empty() && dirty_.front().first <= now; ++n) {
    std::string key = std::move(dirty_.front().second);
    dirty_.pop_front();
    dirty_set_.erase(key);
    Check(key);
  }
}

void IngressEventsController::Check(const std::string& ingress_key) {
  const IngressRefs* ingress = index_.FindIngress(ingress_key);
  if (ingress == nullptr) return;  // deleted while waiting
  // Counted before any Event is written, so whoever sees the Event also sees the check counted.
  checks_.fetch_add(1);
  for (const Problem& problem : index_.Check(*ingress)) {
    auto recorded = recorder_.Warning(*ingress, problem.reason, problem.message);
    if (!recorded.ok()) {
      log::Warn("controller: ingress events: recording " + problem.reason + " for " + ingress_key +
                " failed: " + recorded.error().ToString());
    } else if (*recorded == EventRecorder::Outcome::kCreated) {
      created_.fetch_add(1);
    } else if (*recorded == EventRecorder::Outcome::kAggregated) {
      aggregated_.fetch_add(1);
    }
  }
}

}  // namespace waygate::controller
