// Authorization: kube's RBAC over the Roles, ClusterRoles and bindings in the store.
//
// In:  the store (prefix /registry/rbac.authorization.k8s.io/), and per request who asks
//      (rbac::UserInfo) and what (rbac::Attributes).
// Out: one immutable rbac::Policy, swapped whole when any RBAC object changes; decisions.
//
// The Policy is rebuilt from a store watch, so every API server sharing one etcd sees a new
// binding, and also synchronously right after this server wrote an RBAC object (Refresh), so
// the client that just bound a user is not told "forbidden" by a policy a moment old.
//
// Threads: Current() on connection threads, lock-free after the atomic load; builds are
// serialised by build_mu_ and each reads the store's latest state, so the last stored Policy is
// never older than one built before it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "base/result.h"
#include "rbac/rbac.h"
#include "store/store.h"

namespace waygate::api {

inline constexpr std::string_view kRbacPrefix = "/registry/rbac.authorization.k8s.io/";

class Authorizer {
 public:
  explicit Authorizer(store::Store* store);
  ~Authorizer();
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  // The first Policy, then the watch thread. An error when the store cannot be read.
  Status Start();

  // Rebuild now, from the store's latest state (after this server wrote an RBAC object). A
  // failed read keeps the current Policy (and is logged); the watch retries.
  void Refresh();

  std::shared_ptr<const rbac::Policy> Current() const { return policy_.load(); }

 private:
  // Reads every RBAC object and builds a Policy; the revision it read at goes to `revision`.
  Status Rebuild(int64_t* revision);
  void Loop();

  store::Store* store_;
  std::atomic<std::shared_ptr<const rbac::Policy>> policy_;
  std::mutex build_mu_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool rewatch_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace waygate::api
