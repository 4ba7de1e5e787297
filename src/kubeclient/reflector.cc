#include "kubeclient/reflector.h"

#include "base/log.h"

namespace waygate::kubeclient {
namespace {

const std::string* StringAt(const nlohmann::json& object, const char* a, const char* b) {
  auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return nullptr;
  auto inner = outer->find(b);
  if (inner == outer->end() || !inner->is_string()) return nullptr;
  return &inner->get_ref<const std::string&>();
}

std::string ResourceVersionOf(const nlohmann::json& object) {
  const std::string* rv = StringAt(object, "metadata", "resourceVersion");
  return rv ? *rv : std::string();
}

}  // namespace

const char* ToString(DeltaType type) {
  switch (type) {
    case DeltaType::kAdded:
      return "added";
    case DeltaType::kModified:
      return "modified";
    case DeltaType::kDeleted:
      return "deleted";
  }
  return "?";
}

std::unique_ptr<Reflector> Reflector::Start(std::shared_ptr<Cluster> cluster,
                                            ReflectorOptions options, Handler handler) {
  std::unique_ptr<Reflector> r(
      new Reflector(std::move(cluster), std::move(options), std::move(handler)));
  r->thread_ = std::thread([p = r.get()] { p->Run(); });
  return r;
}

Reflector::Reflector(std::shared_ptr<Cluster> cluster, ReflectorOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)), client_(std::move(cluster)) {}

Reflector::~Reflector() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void Reflector::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  client_.Cancel();
}

ReflectorStats Reflector::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Reflector::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, duration, [this] { return stopping_.load(std::memory_order_acquire); });
}

void Reflector::RecordError(const Error& error) {
  std::lock_guard lock(mu_);
  ++stats_.errors;
  stats_.last_error = error.message;
}

std::string Reflector::KeyOf(const nlohmann::json& object) const {
  const std::string* ns = StringAt(object, "metadata", "namespace");
  const std::string* name = StringAt(object, "metadata", "name");
  std::string n = name ? *name : std::string();
  return ns && !ns->empty() ? *ns + "/" + n : n;
}

void Reflector::FillTypeMeta(nlohmann::json& object) const {
  if (!object.is_object()) return;
  // Items of a list response carry no apiVersion/kind (the list's kind says it all).
  if (!object.contains("apiVersion")) object["apiVersion"] = options_.api_version;
  if (!object.contains("kind")) object["kind"] = options_.kind;
}

void Reflector::Run() {
  Backoff backoff(options_.backoff);
  bool need_list = true;
  bool fresh_list = false;  // no watch has made progress since the last list
  bool reported_missing = false;
  const std::string& path = options_.path;
  while (!stopping_.load(std::memory_order_acquire)) {
    if (need_list) {
      ListOptions lo;
      lo.limit = options_.page_size;
      lo.label_selector = options_.label_selector;
      lo.field_selector = options_.field_selector;
      auto list = client_.List(path, lo);
      if (stopping_.load(std::memory_order_acquire)) break;
      if (!list.ok()) {
        if (list.error().code == ErrorCode::kNotFound && options_.missing_is_empty) {
          if (!reported_missing) {
            log::Info("kubeclient: " + path + " is not served (404): no " + options_.kind +
                      " objects; checking again every " +
                      std::to_string(options_.missing_recheck.count() / 1000) + " s");
            reported_missing = true;
          }
          std::vector<nlohmann::json> none;
          DeliverList(none, "");
          Sleep(options_.missing_recheck);
          continue;
        }
        RecordError(list.error());
        auto wait = backoff.Next();
        log::Warn("kubeclient: list " + path + " failed: " + list.error().message +
                  "; retrying in " + std::to_string(wait.count()) + " ms");
        Sleep(wait);
        continue;
      }
      reported_missing = false;
      DeliverList(list->items, list->resource_version);
      need_list = false;
      fresh_list = true;
    }

    bool progressed = false;
    auto watch_started = Clock::now();
    WatchOptions wo;
    wo.resource_version = resource_version_;
    wo.timeout_seconds = options_.watch_timeout_seconds;
    wo.label_selector = options_.label_selector;
    wo.field_selector = options_.field_selector;
    Status end = client_.Watch(path, wo, [&](std::vector<WatchEvent>& events) {
      progressed = true;
      HandleEvents(events);
      return !stopping_.load(std::memory_order_acquire);
    });
    if (stopping_.load(std::memory_order_acquire)) break;
    {
      std::lock_guard lock(mu_);
      ++stats_.watches;
    }
    if (progressed) fresh_list = false;
    if (end.ok()) {
      // The server closed the watch after timeoutSeconds: resume where it stopped. A server
      // (or a proxy in between) that ends every watch at once must not make this a busy loop.
      if (!progressed && Clock::now() - watch_started < std::chrono::milliseconds(500)) {
        Sleep(backoff.Next());
      } else {
        backoff.Reset();
      }
      continue;
    }
    const Error& error = end.error();
    if (error.code == ErrorCode::kGone ||
        (error.code == ErrorCode::kNotFound && options_.missing_is_empty)) {
      log::Info("kubeclient: " + error.message + "; relisting " + path);
      {
        std::lock_guard lock(mu_);
        if (error.code == ErrorCode::kGone) ++stats_.relists;
      }
      need_list = true;
      // 410 again straight after a fresh list: the server is in trouble; do not spin.
      if (fresh_list) Sleep(backoff.Next());
      continue;
    }
    RecordError(error);
    if (progressed) backoff.Reset();
    auto wait = backoff.Next();
    log::Warn("kubeclient: " + error.message + "; watching again from resourceVersion " +
              resource_version_ + " in " + std::to_string(wait.count()) + " ms");
    Sleep(wait);
  }
}

void Reflector::DeliverList(std::vector<nlohmann::json>& items,
                            const std::string& resource_version) {
  Batch batch;
  batch.list = true;
  batch.resource_version = resource_version;
  std::map<std::string, std::string> next;
  for (auto& item : items) {
    FillTypeMeta(item);
    std::string key = KeyOf(item);
    std::string rv = ResourceVersionOf(item);
    auto old = known_.find(key);
    bool unchanged = old != known_.end() && !rv.empty() && old->second == rv;
    next[key] = rv;
    if (unchanged) continue;
    DeltaType type = old == known_.end() ? DeltaType::kAdded : DeltaType::kModified;
    batch.deltas.push_back(Delta{type, std::move(key), std::move(item)});
  }
  for (const auto& [key, rv] : known_) {
    if (next.count(key)) continue;
    nlohmann::json gone = {{"apiVersion", options_.api_version}, {"kind", options_.kind}};
    size_t slash = key.find('/');
    if (slash == std::string::npos) {
      gone["metadata"] = {{"name", key}};
    } else {
      gone["metadata"] = {{"namespace", key.substr(0, slash)}, {"name", key.substr(slash + 1)}};
    }
    batch.deltas.push_back(Delta{DeltaType::kDeleted, key, std::move(gone)});
  }
  known_ = std::move(next);
  resource_version_ = resource_version;
  {
    std::lock_guard lock(mu_);
    ++stats_.lists;
    stats_.synced = true;
    stats_.resource_version = resource_version;
  }
  handler_(std::move(batch));
}

void Reflector::HandleEvents(std::vector<WatchEvent>& events) {
  Batch batch;
  std::string before = resource_version_;
  for (auto& event : events) {
    std::string rv = ResourceVersionOf(event.object);
    if (event.type == EventType::kBookmark) {
      // A bookmark carries only a resourceVersion: the point a re-watch may resume from.
      if (!rv.empty()) resource_version_ = rv;
      continue;
    }
    FillTypeMeta(event.object);
    std::string key = KeyOf(event.object);
    DeltaType type;
    if (event.type == EventType::kDeleted) {
      known_.erase(key);
      type = DeltaType::kDeleted;
    } else {
      auto [it, inserted] = known_.insert_or_assign(key, rv);
      (void)it;
      type = inserted ? DeltaType::kAdded : DeltaType::kModified;
    }
    if (!rv.empty()) resource_version_ = rv;
    batch.deltas.push_back(Delta{type, std::move(key), std::move(event.object)});
  }
  batch.resource_version = resource_version_;
  {
    std::lock_guard lock(mu_);
    stats_.events += events.size();
    stats_.resource_version = resource_version_;
  }
  if (!batch.deltas.empty() || resource_version_ != before) handler_(std::move(batch));
}

}  // namespace waygate::kubeclient
