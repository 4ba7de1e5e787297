// What `waygate serve` puts in its store before it serves: KubeSphere's built-in ClusterRoles
// (rbac/builtin.h; any that is missing is created again at every start, as kube-apiserver
// reconciles its bootstrap roles), and, on the first start only, the User `admin` with a random
// password and its platform-admin ClusterRoleBinding.
//
// The password goes to DIR/admin-password (0600, written before the User, so a crash in between
// only means a new password next start) and back to the caller, which prints it once. A marker
// key (/registry/iam.waygate.io/bootstrap) written last records that the first start finished:
// an admin deliberately deleted later is not resurrected with a new password.
//
// Objects are written as the API writes them (api::Registry, api::PrepareForCreate), under
// /registry/<group>/<resource>/<name>, so `kubectl get clusterroles,users` reads them.
#pragma once

#include <string>

#include "base/result.h"
#include "store/store.h"

namespace waygate::cmd {

struct BootstrapOutcome {
  std::string admin_password;  // set only when the admin User was created by this call
};

Result<BootstrapOutcome> BootstrapIdentity(store::Store* store, const std::string& data_dir);

}  // namespace waygate::cmd
