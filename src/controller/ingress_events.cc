#include "controller/ingress_events.h"

#include <algorithm>
#include <unordered_set>

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
    : store_(store),
      registry_(store),
      options_(std::move(options)),
      recorder_(&registry_, options_.component) {
  sources_[kIngress].prefix = PrefixOf("networking.k8s.io", "ingresses");
  sources_[kService].prefix = PrefixOf("", "services");
  sources_[kSecret].prefix = PrefixOf("", "secrets");
}

IngressEventsController::~IngressEventsController() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Each reset waits for a callback in flight; callbacks only touch mu_ and pending_.
  for (Source& source : sources_) source.watch.reset();
}

Status IngressEventsController::Bootstrap() {
  Status seeded = recorder_.Seed();
  if (!seeded.ok()) return seeded;
  // One snapshot for all three kinds, so the first verdicts see a consistent cluster.
  int64_t revision = 0;
  for (int kind = 0; kind < kKinds; ++kind) {
    Source& source = sources_[kind];
    auto range = store_->Range(source.prefix, "", 0, revision);
    if (!range.ok()) return range.error();
    revision = range->revision;
    source.revision = revision;
    for (const store::KeyValue& kv : range->kvs) {
      // Due at once: the snapshot is complete, there is nothing to wait for.
      Apply(static_cast<Kind>(kind), store::EventType::kPut, kv.key, kv.value, kv.mod_revision,
            Clock::now());
    }
  }
  for (int kind = 0; kind < kKinds; ++kind) {
    Status opened = OpenWatch(static_cast<Kind>(kind));
    if (!opened.ok()) return opened;
  }
  return OkStatus();
}

Status IngressEventsController::OpenWatch(Kind kind) {
  Source& source = sources_[kind];
  store::WatchCallbacks callbacks;
  callbacks.on_event = [this, kind](const store::Event& event) {
    Pending p;
    p.kind = kind;
    p.type = event.type;
    p.key = event.kv.key;
    if (event.type == store::EventType::kPut) p.value = event.kv.value;
    p.revision = event.kv.mod_revision;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(std::move(p));
    }
    cv_.notify_one();
  };
  callbacks.on_close = [this, kind](const Error& error) {
    Pending p;
    p.kind = kind;
    p.closed = true;
    p.error = error;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(std::move(p));
    }
    cv_.notify_one();
  };
  auto watch = store_->WatchPrefix(source.prefix, source.revision, std::move(callbacks));
  if (!watch.ok()) return watch.error();
  source.watch = std::move(*watch);
  source.reopen_at.reset();
  return OkStatus();
}

void IngressEventsController::Reopen(Kind kind, const Error& why) {
  Source& source = sources_[kind];
  source.watch.reset();
  Status status = why.code == ErrorCode::kGone ? Relist(kind) : OkStatus();
  if (status.ok()) status = OpenWatch(kind);
  if (status.ok()) return;
  log::Warn("controller: ingress events: watching " + source.prefix +
            " failed: " + status.error().ToString() + "; retrying");
  source.reopen_at = Clock::now() + options_.retry;
}

Status IngressEventsController::Relist(Kind kind) {
  // The watch fell behind a compaction: read the present and apply the difference, as an
  // informer's relist does.
  Source& source = sources_[kind];
  auto range = store_->Range(source.prefix, "", 0, 0);
  if (!range.ok()) return range.error();
  Clock::time_point due = Clock::now() + options_.settle;
  std::unordered_set<std::string> present;
  for (const store::KeyValue& kv : range->kvs) {
    present.insert(kv.key.substr(source.prefix.size()));
    Apply(kind, store::EventType::kPut, kv.key, kv.value, kv.mod_revision, due);
  }
  std::vector<std::string> known = kind == kIngress   ? index_.IngressKeys()
                                   : kind == kService ? index_.ServiceKeys()
                                                      : index_.SecretKeys();
  for (const std::string& name : known) {
    if (present.count(name) == 0) {
      Apply(kind, store::EventType::kDelete, source.prefix + name, "", range->revision, due);
    }
  }
  source.revision = range->revision;
  return OkStatus();
}

void IngressEventsController::Apply(Kind kind, store::EventType type, const std::string& key,
                                    const std::string& value, int64_t revision,
                                    Clock::time_point due) {
  Source& source = sources_[kind];
  source.revision = std::max(source.revision, revision);
  if (key.size() <= source.prefix.size()) return;
  std::string name = key.substr(source.prefix.size());  // "<namespace>/<name>"
  if (type == store::EventType::kDelete) {
    switch (kind) {
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
  json object = json::parse(value, nullptr, false);
  if (!object.is_object()) {
    log::Warn("controller: ingress events: " + key + " does not hold a JSON object");
    return;
  }
  switch (kind) {
    case kIngress:
      MarkDirty(index_.PutIngress(name, object, std::to_string(revision)), due);
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
  for (const Source& source : sources_) {
    if (source.reopen_at) wake = std::min(wake, *source.reopen_at);
  }
  return wake;
}

void IngressEventsController::Run() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, NextWakeup(), [&] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      batch.swap(pending_);
    }
    Clock::time_point due = Clock::now() + options_.settle;
    for (const Pending& p : batch) {
      if (p.closed) {
        Reopen(p.kind, p.error);
      } else if (p.revision > sources_[p.kind].revision) {
        Apply(p.kind, p.type, p.key, p.value, p.revision, due);
      }
    }
    for (int kind = 0; kind < kKinds; ++kind) {
      const Source& source = sources_[kind];
      if (source.reopen_at && *source.reopen_at <= Clock::now()) {
        Reopen(static_cast<Kind>(kind), MakeError(ErrorCode::kIo, "retry"));
      }
    }
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
