#include "bootstrap.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/admission.h"
#include "api/authn.h"
#include "api/registry.h"
#include "api/resources.h"
#include "auth/password.h"
#include "iam/users.h"
#include "rbac/builtin.h"

namespace waygate::cmd {
namespace {

using nlohmann::json;

constexpr std::string_view kMarkerKey = "/registry/iam.waygate.io/bootstrap";
constexpr size_t kPasswordChars = 20;                            // ~119 bits from 62 symbols
constexpr std::string_view kAdminEmail = "admin@kubesphere.io";  // KubeSphere's default admin

// The catalog's entry when it has one; else the same group/resource/kind, which gives the same
// storage key (registry.cc's layout), so the objects are there once the catalog serves them.
const api::ResourceInfo& Resource(const api::ResourceInfo& fallback) {
  const api::ResourceInfo* found =
      api::FindResource(fallback.group, fallback.version, fallback.resource);
  return found != nullptr ? *found : fallback;
}

const api::ResourceInfo kClusterRoles{.group = "rbac.authorization.k8s.io",
                                      .version = "v1",
                                      .resource = "clusterroles",
                                      .singular = "clusterrole",
                                      .kind = "ClusterRole",
                                      .namespaced = false};
const api::ResourceInfo kClusterRoleBindings{.group = "rbac.authorization.k8s.io",
                                             .version = "v1",
                                             .resource = "clusterrolebindings",
                                             .singular = "clusterrolebinding",
                                             .kind = "ClusterRoleBinding",
                                             .namespaced = false};
const api::ResourceInfo kUsers{.group = "iam.kubesphere.io",
                               .version = "v1alpha2",
                               .resource = "users",
                               .singular = "user",
                               .kind = "User",
                               .namespaced = false};

// Creates `object` unless an object of that name exists (whatever it holds now: an operator's
// edit of a built-in role is kept).
Status CreateIfMissing(api::Registry& registry, const api::ResourceInfo& info, json object) {
  std::string name = object["metadata"].value("name", "");
  auto existing = registry.Get(info, "", name);
  if (existing.ok()) return OkStatus();
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  api::PrepareForCreate(info, object, api::WriteContext{"", api::NowRfc3339()});
  auto created = registry.Create(info, std::move(object));
  if (!created.ok() && created.error().code != ErrorCode::kConflict) return created.error();
  return OkStatus();
}

Result<std::string> RandomPassword() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  constexpr unsigned kSymbols = sizeof(kAlphabet) - 1;  // 62
  constexpr unsigned kLimit = 256 - (256 % kSymbols);   // 248: no modulo bias
  std::string out;
  while (out.size() < kPasswordChars) {
    unsigned char buf[32];
    if (RAND_bytes(buf, sizeof buf) != 1) {
      return MakeError(ErrorCode::kInternal, "no random bytes for the admin password");
    }
    for (unsigned char b : buf) {
      if (b < kLimit && out.size() < kPasswordChars) out.push_back(kAlphabet[b % kSymbols]);
    }
  }
  return out;
}

// DIR/admin-password, 0600 from the first byte (never world-readable for a moment), replaced
// atomically.
Status WritePasswordFile(const std::string& data_dir, const std::string& password) {
  std::string path = data_dir + "/admin-password";
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kIo, "create " + tmp + ": " + std::strerror(errno));
  std::string text = password + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return MakeError(ErrorCode::kIo, "write " + tmp + ": " + std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return MakeError(ErrorCode::kIo, "rename " + tmp + ": " + std::strerror(err));
  }
  return OkStatus();
}

}  // namespace

Result<BootstrapOutcome> BootstrapIdentity(store::Store* store, const std::string& data_dir) {
  api::Registry registry(store);
  for (json& role : rbac::BuiltinClusterRoles()) {
    Status s = CreateIfMissing(registry, Resource(kClusterRoles), std::move(role));
    if (!s.ok()) return s.error();
  }

  BootstrapOutcome outcome;
  auto marker = store->Get(kMarkerKey);
  if (!marker.ok()) return marker.error();
  if (!marker->kvs.empty()) return outcome;  // first start done long ago

  auto admin = api::ReadUser(store, "admin");
  if (!admin.ok() && admin.error().code != ErrorCode::kNotFound) return admin.error();
  if (!admin.ok()) {
    auto password = RandomPassword();
    if (!password.ok()) return password.error();
    Status written = WritePasswordFile(data_dir, *password);
    if (!written.ok()) return written.error();
    auto hash = auth::HashPassword(*password);
    if (!hash.ok()) return hash.error();
    json user = iam::NewUser("admin", kAdminEmail, *hash);
    const api::ResourceInfo& users = Resource(kUsers);
    api::PrepareForCreate(users, user, api::WriteContext{"", api::NowRfc3339()});
    // PrepareForCreate clears status where the kind has a status subresource; Active is the
    // default state then (iam::IsActive).
    auto created = registry.Create(users, std::move(user));
    if (!created.ok()) return created.error();
    outcome.admin_password = std::move(*password);
  }
  Status bound = CreateIfMissing(registry, Resource(kClusterRoleBindings),
                                 rbac::PlatformAdminBinding("admin"));
  if (!bound.ok()) return bound.error();

  json done = {{"admin", "admin"}, {"time", api::NowRfc3339()}};
  auto created = store->Create(kMarkerKey, done.dump());
  if (!created.ok() && created.error().code != ErrorCode::kConflict) return created.error();
  return outcome;
}

}  // namespace waygate::cmd
