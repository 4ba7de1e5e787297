// Namespace deletion: what kube's namespace controller does. A deleted Namespace is first marked
// Terminating (new content is refused from then on), then everything it holds is deleted, then
// the Namespace itself. Runs on its own thread; a restart resumes unfinished deletions (Api::
// Create queues every Namespace that carries a deletionTimestamp).
#include "api/admission.h"
#include "api/api.h"
#include "base/log.h"

namespace waygate::api {

using nlohmann::json;

void Api::RequestNamespaceCleanup(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(ns_mu_);
    ns_pending_.insert(name);
  }
  ns_cv_.notify_all();
}

void Api::NamespaceLoop() {
  for (;;) {
    std::string name;
    {
      std::unique_lock<std::mutex> lock(ns_mu_);
      ns_cv_.wait(lock, [&] { return ns_stop_ || !ns_pending_.empty(); });
      if (ns_stop_) return;
      name = *ns_pending_.begin();
      ns_pending_.erase(ns_pending_.begin());
    }
    FinalizeNamespace(name);
  }
}

void Api::FinalizeNamespace(const std::string& name) {
  const ResourceInfo* namespaces = FindResource("", "v1", "namespaces");
  auto ns = registry_.Get(*namespaces, "", name);
  if (!ns.ok()) return;  // already gone
  if (!(*ns)["metadata"].contains("deletionTimestamp")) {
    json terminating = *ns;
    terminating["metadata"]["deletionTimestamp"] = NowRfc3339();
    terminating["metadata"]["deletionGracePeriodSeconds"] = 0;
    terminating["status"]["phase"] = "Terminating";
    auto rev = ParseResourceVersion((*ns)["metadata"].value("resourceVersion", ""));
    auto updated = registry_.Update(*namespaces, terminating, rev.value_or(0));
    if (!updated.ok()) {
      RequestNamespaceCleanup(name);  // raced with a write: try again
      return;
    }
  }
  for (const ResourceInfo& r : AllResources()) {
    if (!r.namespaced) continue;
    ListOptions all;
    auto list = registry_.List(r, name, all);
    if (!list.ok()) {
      log::Warn("api: namespace " + name + ": listing " + std::string(r.resource) +
                " failed: " + list.error().ToString());
      RequestNamespaceCleanup(name);
      return;
    }
    for (const json& item : list->items) {
      auto deleted = registry_.Delete(r, name, item["metadata"].value("name", ""), 0);
      if (!deleted.ok() && deleted.error().code != ErrorCode::kNotFound) {
        log::Warn("api: namespace " + name + ": deleting failed: " + deleted.error().ToString());
      }
    }
  }
  auto deleted = registry_.Delete(*namespaces, "", name, 0);
  if (!deleted.ok() && deleted.error().code != ErrorCode::kNotFound) {
    log::Warn("api: namespace " + name + ": delete failed: " + deleted.error().ToString());
  }
}

}  // namespace waygate::api
