#include "controller/store_follower.h"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "base/log.h"

namespace waygate::controller {

StoreFollower::StoreFollower(store::Store* store, std::vector<std::string> prefixes,
                             std::chrono::milliseconds retry, std::string log_name,
                             Handlers handlers)
    : store_(store),
      retry_(retry),
      log_name_(std::move(log_name)),
      handlers_(std::move(handlers)),
      sources_(prefixes.size()) {
  for (size_t i = 0; i < prefixes.size(); ++i) sources_[i].prefix = std::move(prefixes[i]);
}

StoreFollower::~StoreFollower() {
  // Each reset waits for a callback in flight; callbacks only touch mu_ and pending_.
  for (Source& source : sources_) source.watch.reset();
}

Status StoreFollower::Bootstrap() {
  // One snapshot for every prefix, so the owner's first verdicts see a consistent cluster.
  int64_t revision = 0;
  for (size_t i = 0; i < sources_.size(); ++i) {
    Source& source = sources_[i];
    auto range = store_->Range(source.prefix, "", 0, revision);
    if (!range.ok()) return range.error();
    revision = range->revision;
    source.revision = revision;
    for (const store::KeyValue& kv : range->kvs) {
      Apply(i, store::EventType::kPut, kv.key, kv.value, kv.mod_revision, Origin::kList);
    }
  }
  for (size_t i = 0; i < sources_.size(); ++i) {
    Status opened = OpenWatch(i);
    if (!opened.ok()) return opened;
  }
  return OkStatus();
}

void StoreFollower::Push(Pending p) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(p));
  }
  cv_.notify_one();
}

Status StoreFollower::OpenWatch(size_t index) {
  Source& source = sources_[index];
  store::WatchCallbacks callbacks;
  callbacks.on_event = [this, index](const store::Event& event) {
    Pending p;
    p.source = index;
    p.type = event.type;
    p.key = event.kv.key;
    if (event.type == store::EventType::kPut) p.value = event.kv.value;
    p.revision = event.kv.mod_revision;
    Push(std::move(p));
  };
  callbacks.on_close = [this, index](const Error& error) {
    Pending p;
    p.source = index;
    p.closed = true;
    p.error = error;
    Push(std::move(p));
  };
  auto watch = store_->WatchPrefix(source.prefix, source.revision, std::move(callbacks));
  if (!watch.ok()) return watch.error();
  source.watch = std::move(*watch);
  source.reopen_at.reset();
  return OkStatus();
}

void StoreFollower::Reopen(size_t index, const Error& why) {
  Source& source = sources_[index];
  source.watch.reset();
  Status status = why.code == ErrorCode::kGone ? Relist(index) : OkStatus();
  if (status.ok()) status = OpenWatch(index);
  if (status.ok()) return;
  log::Warn("controller: " + log_name_ + ": watching " + source.prefix +
            " failed: " + status.error().ToString() + "; retrying");
  source.reopen_at = Clock::now() + retry_;
}

Status StoreFollower::Relist(size_t index) {
  // The watch fell behind a compaction: read the present and apply the difference, as an
  // informer's relist does.
  Source& source = sources_[index];
  auto range = store_->Range(source.prefix, "", 0, 0);
  if (!range.ok()) return range.error();
  std::unordered_set<std::string> present;
  for (const store::KeyValue& kv : range->kvs) {
    present.insert(kv.key.substr(source.prefix.size()));
    Apply(index, store::EventType::kPut, kv.key, kv.value, kv.mod_revision, Origin::kRelist);
  }
  for (const std::string& name : handlers_.known_names(index)) {
    if (present.count(name) == 0) {
      Apply(index, store::EventType::kDelete, source.prefix + name, "", range->revision,
            Origin::kRelist);
    }
  }
  source.revision = range->revision;
  return OkStatus();
}

void StoreFollower::Apply(size_t index, store::EventType type, const std::string& key,
                          const std::string& value, int64_t revision, Origin origin) {
  Source& source = sources_[index];
  source.revision = std::max(source.revision, revision);
  if (key.size() <= source.prefix.size()) return;
  const std::string name = key.substr(source.prefix.size());
  handlers_.apply(Change{index, type, key, name, value, revision, origin});
}

bool StoreFollower::Wait(Clock::time_point deadline) {
  for (const Source& source : sources_) {
    if (source.reopen_at) deadline = std::min(deadline, *source.reopen_at);
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return stop_ || !pending_.empty(); });
  if (stop_) return false;
  if (batch_.empty()) {
    batch_.swap(pending_);
  } else {  // Wait twice without a Dispatch: keep the arrival order
    std::move(pending_.begin(), pending_.end(), std::back_inserter(batch_));
    pending_.clear();
  }
  return true;
}

void StoreFollower::Dispatch() {
  std::vector<Pending> batch;
  batch.swap(batch_);
  for (const Pending& p : batch) {
    if (p.closed) {
      Reopen(p.source, p.error);
    } else if (p.revision > sources_[p.source].revision) {
      Apply(p.source, p.type, p.key, p.value, p.revision, Origin::kWatch);
    }
  }
  for (size_t i = 0; i < sources_.size(); ++i) {
    const Source& source = sources_[i];
    if (source.reopen_at && *source.reopen_at <= Clock::now()) {
      Reopen(i, MakeError(ErrorCode::kIo, "retry"));
    }
  }
}

void StoreFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

}  // namespace waygate::controller
