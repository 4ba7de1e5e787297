// Policy: kube's DefaultRuleResolver.VisitRulesFor + RBACAuthorizer.Authorize over an index.
//
// kube lists every ClusterRoleBinding (then every RoleBinding of the namespace) per request and
// resolves the role each time. Here roles are resolved once in Build, and bindings are indexed
// by the subject keys a user can match: the user name (a ServiceAccount subject is filed under
// "system:serviceaccount:<ns>:<name>", the user name it matches) and each group name. A request
// looks up its user name and groups and only walks the bindings found there. The decision is the
// same as kube's; the reason names the first allowing binding in input order (kube's informer
// order is arbitrary, so any allowing binding is a faithful reason).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/go_text.h"
#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

constexpr std::string_view kMastersGroup = "system:masters";
constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

// The user name a ServiceAccount subject matches; empty when it can match nobody (a
// ClusterRoleBinding subject without a namespace).
std::string ServiceAccountUser(const Subject& s, std::string_view binding_namespace) {
  std::string_view ns = s.namespace_.empty() ? binding_namespace : std::string_view(s.namespace_);
  if (ns.empty()) return {};
  std::string user(kServiceAccountPrefix);
  user += ns;
  user += ':';
  user += s.name;
  return user;
}

bool HasGroup(const UserInfo& user, std::string_view group) {
  for (const std::string& g : user.groups) {
    if (g == group) return true;
  }
  return false;
}

// kube's appliesToUser, without building the ServiceAccount user name.
bool AppliesToUser(const UserInfo& user, const Subject& s, std::string_view binding_namespace) {
  if (s.kind == "User") return user.name == s.name;
  if (s.kind == "Group") return HasGroup(user, s.name);
  if (s.kind != "ServiceAccount") return false;
  std::string_view ns = s.namespace_.empty() ? binding_namespace : std::string_view(s.namespace_);
  if (ns.empty()) return false;
  std::string_view name = user.name;
  if (!name.starts_with(kServiceAccountPrefix)) return false;
  name.remove_prefix(kServiceAccountPrefix.size());
  return name.size() == ns.size() + 1 + s.name.size() && name.starts_with(ns) &&
         name[ns.size()] == ':' && name.ends_with(s.name);
}

// kube's describeSubject.
std::string DescribeSubject(const Subject& s, std::string_view binding_namespace) {
  std::string out = s.kind + " ";
  if (s.kind == "ServiceAccount") {
    std::string_view ns = s.namespace_.empty() ? binding_namespace : std::string_view(s.namespace_);
    out += gotext::Quote(s.name + "/" + std::string(ns));
  } else {
    out += gotext::Quote(s.name);
  }
  return out;
}

const std::vector<PolicyRule>& MasterRules() {
  static const std::vector<PolicyRule> kRules = {
      PolicyRule{.verbs = {"*"}, .api_groups = {"*"}, .resources = {"*"}},
      PolicyRule{.verbs = {"*"}, .non_resource_urls = {"*"}},
  };
  return kRules;
}

}  // namespace

struct Policy::Impl {
  struct Bound {
    Binding binding;
    const std::vector<PolicyRule>* rules = nullptr;  // the resolved role's; null: grants nothing
  };
  // Binding ids (indexes into `bindings`), ascending, so a walk can stop at a better match.
  struct SubjectIndex {
    StringMap<std::vector<uint32_t>> users;
    StringMap<std::vector<uint32_t>> groups;
  };

  std::vector<Role> roles;
  std::vector<Bound> bindings;
  SubjectIndex cluster;                // ClusterRoleBindings
  StringMap<SubjectIndex> namespaces;  // RoleBindings by namespace

  static void File(StringMap<std::vector<uint32_t>>& map, std::string key, uint32_t id) {
    std::vector<uint32_t>& ids = map[std::move(key)];
    if (ids.empty() || ids.back() != id) ids.push_back(id);
  }

  bool Allows(uint32_t id, const Attributes& request) const {
    for (const PolicyRule& rule : *bindings[id].rules) {
      if (RuleAllows(request, rule)) return true;
    }
    return false;
  }

  // The lowest binding id of `index` that applies to `user` and allows `request`.
  uint32_t FirstAllowing(const SubjectIndex& index, const UserInfo& user,
                         const Attributes& request) const {
    uint32_t best = kNone;
    auto walk = [&](const std::vector<uint32_t>& ids) {
      for (uint32_t id : ids) {
        if (id >= best) return;
        if (Allows(id, request)) {
          best = id;
          return;
        }
      }
    };
    if (auto it = index.users.find(std::string_view(user.name)); it != index.users.end()) {
      walk(it->second);
    }
    for (const std::string& group : user.groups) {
      if (auto it = index.groups.find(std::string_view(group)); it != index.groups.end()) {
        walk(it->second);
      }
    }
    return best;
  }

  // Every binding id of `index` that applies to `user`, ascending.
  static void Applying(const SubjectIndex& index, const UserInfo& user,
                       std::vector<uint32_t>& out) {
    size_t start = out.size();
    if (auto it = index.users.find(std::string_view(user.name)); it != index.users.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
    for (const std::string& group : user.groups) {
      if (auto it = index.groups.find(std::string_view(group)); it != index.groups.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(out.begin() + start, out.end());
    out.erase(std::unique(out.begin() + start, out.end()), out.end());
  }

  std::string Reason(uint32_t id, const UserInfo& user) const {
    const Binding& b = bindings[id].binding;
    const Subject* subject = nullptr;
    for (const Subject& s : b.subjects) {
      if (AppliesToUser(user, s, b.namespace_)) {
        subject = &s;
        break;
      }
    }
    // The index only returns bindings with a subject that applies, so `subject` is set; guard
    // anyway rather than dereference null in a reason string.
    std::string out = "RBAC: allowed by ";
    if (b.namespace_.empty()) {
      out += "ClusterRoleBinding " + gotext::Quote(b.name);
    } else {
      out += "RoleBinding " + gotext::Quote(b.name + "/" + b.namespace_);
    }
    out += " of " + b.role_ref.kind + " " + gotext::Quote(b.role_ref.name) + " to ";
    if (subject != nullptr) out += DescribeSubject(*subject, b.namespace_);
    return out;
  }
};

Policy::Policy() : impl_(std::make_unique<Impl>()) {}
Policy::~Policy() = default;

std::shared_ptr<const Policy> Policy::Build(std::vector<Role> roles,
                                            std::vector<Binding> bindings) {
  std::shared_ptr<Policy> policy(new Policy());
  Impl& impl = *policy->impl_;
  impl.roles = std::move(roles);

  // (namespace, name) -> role; "" namespace holds the ClusterRoles. The first of duplicates
  // wins (the store cannot hold two, so this only orders test input).
  std::map<std::pair<std::string_view, std::string_view>, const Role*> by_name;
  for (const Role& role : impl.roles) by_name.try_emplace({role.namespace_, role.name}, &role);

  impl.bindings.reserve(bindings.size());
  for (Binding& binding : bindings) {
    Impl::Bound bound{std::move(binding), nullptr};
    const RoleRef& ref = bound.binding.role_ref;
    const Role* role = nullptr;
    // GetRoleReferenceRules: a Role is looked up in the binding's own namespace only, so a
    // binding can never reach another namespace's Role, and a ClusterRoleBinding none at all.
    if (ref.kind == "ClusterRole") {
      auto it = by_name.find({std::string_view(), ref.name});
      if (it != by_name.end()) role = it->second;
    } else if (ref.kind == "Role" && !bound.binding.namespace_.empty()) {
      auto it = by_name.find({bound.binding.namespace_, ref.name});
      if (it != by_name.end()) role = it->second;
    }
    if (role != nullptr) bound.rules = &role->rules;
    impl.bindings.push_back(std::move(bound));
  }

  for (uint32_t id = 0; id < impl.bindings.size(); ++id) {
    const Impl::Bound& bound = impl.bindings[id];
    if (bound.rules == nullptr || bound.rules->empty()) continue;  // grants nothing
    const Binding& b = bound.binding;
    Impl::SubjectIndex& index = b.namespace_.empty() ? impl.cluster : impl.namespaces[b.namespace_];
    for (const Subject& s : b.subjects) {
      if (s.kind == "User") {
        Impl::File(index.users, s.name, id);
      } else if (s.kind == "Group") {
        Impl::File(index.groups, s.name, id);
      } else if (s.kind == "ServiceAccount") {
        std::string user = ServiceAccountUser(s, b.namespace_);
        if (!user.empty()) Impl::File(index.users, std::move(user), id);
      }
    }
  }
  return policy;
}

Decision Policy::Authorize(const UserInfo& user, const Attributes& request) const {
  // kube's privileged-group authorizer answers before RBAC, with an empty reason.
  if (HasGroup(user, kMastersGroup)) return Decision{true, {}};
  uint32_t id = impl_->FirstAllowing(impl_->cluster, user, request);
  if (id == kNone && !request.namespace_.empty()) {
    auto it = impl_->namespaces.find(std::string_view(request.namespace_));
    if (it != impl_->namespaces.end()) id = impl_->FirstAllowing(it->second, user, request);
  }
  if (id == kNone) return Decision{};
  return Decision{true, impl_->Reason(id, user)};
}

std::vector<PolicyRule> Policy::RulesFor(const UserInfo& user, std::string_view namespace_) const {
  std::vector<PolicyRule> rules;
  if (HasGroup(user, kMastersGroup)) rules = MasterRules();
  std::vector<uint32_t> ids;
  Impl::Applying(impl_->cluster, user, ids);
  if (!namespace_.empty()) {
    auto it = impl_->namespaces.find(namespace_);
    if (it != impl_->namespaces.end()) Impl::Applying(it->second, user, ids);
  }
  for (uint32_t id : ids) {
    const std::vector<PolicyRule>& bound = *impl_->bindings[id].rules;
    rules.insert(rules.end(), bound.begin(), bound.end());
  }
  return rules;
}

Policy::NamespaceGrant Policy::NamespacesWhere(const UserInfo& user, std::string_view verb,
                                               std::string_view api_group,
                                               std::string_view resource) const {
  NamespaceGrant grant;
  Attributes request;
  request.verb = verb;
  request.api_group = api_group;
  request.resource = resource;
  grant.all_namespaces =
      HasGroup(user, kMastersGroup) || impl_->FirstAllowing(impl_->cluster, user, request) != kNone;
  for (const auto& [ns, index] : impl_->namespaces) {
    request.namespace_ = ns;
    if (impl_->FirstAllowing(index, user, request) != kNone) grant.namespaces.push_back(ns);
  }
  std::sort(grant.namespaces.begin(), grant.namespaces.end());
  return grant;
}

}  // namespace waygate::rbac
