#include "api/authz.h"

#include <chrono>
#include <string>
#include <vector>

#include "base/log.h"
#include "model/yaml_json.h"

namespace waygate::api {
namespace {

// The resource segment of a key under kRbacPrefix: "roles", "clusterrolebindings", ...
std::string_view ResourceOf(std::string_view key) {
  key.remove_prefix(std::min(key.size(), kRbacPrefix.size()));
  return key.substr(0, key.find('/'));
}

}  // namespace

Authorizer::Authorizer(store::Store* store) : store_(store) {
  policy_.store(rbac::Policy::Build({}, {}));
}

Authorizer::~Authorizer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Authorizer::Rebuild(int64_t* revision) {
  std::lock_guard<std::mutex> build(build_mu_);
  auto range = store_->Range(kRbacPrefix, "", 0, 0);
  if (!range.ok()) return range.error();
  std::vector<rbac::Role> roles;
  std::vector<rbac::Binding> bindings;
  for (const store::KeyValue& kv : range->kvs) {
    auto object = model::ParseJson(kv.value);
    if (!object.ok()) {
      log::Warn("authz: " + kv.key + " is not JSON; it grants nothing");
      continue;
    }
    std::string_view resource = ResourceOf(kv.key);
    if (resource == "roles" || resource == "clusterroles") {
      auto role = rbac::RoleFromJson(*object);
      if (!role.ok()) {
        log::Warn("authz: " + kv.key + " grants nothing: " + role.error().ToString());
        continue;
      }
      roles.push_back(std::move(*role));
    } else if (resource == "rolebindings" || resource == "clusterrolebindings") {
      auto binding = rbac::BindingFromJson(*object);
      if (!binding.ok()) {
        log::Warn("authz: " + kv.key + " grants nothing: " + binding.error().ToString());
        continue;
      }
      bindings.push_back(std::move(*binding));
    }
  }
  policy_.store(rbac::Policy::Build(std::move(roles), std::move(bindings)));
  if (revision != nullptr) *revision = range->revision;
  return OkStatus();
}

Status Authorizer::Start() {
  Status first = Rebuild(nullptr);
  if (!first.ok()) return first;
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void Authorizer::Refresh() {
  Status s = Rebuild(nullptr);
  if (!s.ok()) log::Warn("authz: policy not rebuilt: " + s.error().ToString());
}

void Authorizer::Loop() {
  std::unique_ptr<store::Watch> watch;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (watch == nullptr || rewatch_) {
      rewatch_ = false;
      lock.unlock();
      watch.reset();
      int64_t revision = 0;
      Status built = Rebuild(&revision);
      Result<std::unique_ptr<store::Watch>> opened = built.ok()
          ? store_->WatchPrefix(kRbacPrefix, revision,
                                store::WatchCallbacks{
                                    [this](const store::Event&) {
                                      std::lock_guard<std::mutex> l(mu_);
                                      dirty_ = true;
                                      cv_.notify_all();
                                    },
                                    [this](const Error&) {
                                      std::lock_guard<std::mutex> l(mu_);
                                      rewatch_ = true;
                                      cv_.notify_all();
                                    }})
          : Result<std::unique_ptr<store::Watch>>(built.error());
      lock.lock();
      if (!opened.ok()) {
        log::Warn("authz: cannot watch RBAC objects (retrying): " + opened.error().ToString());
        rewatch_ = true;
        cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
        continue;
      }
      watch = std::move(*opened);
      continue;
    }
    cv_.wait(lock, [this] { return stop_ || dirty_ || rewatch_; });
    if (stop_) break;
    if (dirty_) {
      dirty_ = false;
      lock.unlock();
      Refresh();
      lock.lock();
    }
  }
  lock.unlock();
  watch.reset();  // no callback runs after this returns
}

}  // namespace waygate::api
