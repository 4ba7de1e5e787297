// The authorization step of a resource request, and the two review endpoints kubectl uses to
// ask about it (`kubectl auth can-i`: SelfSubjectAccessReview; `--list`: SelfSubjectRulesReview).
//
// The decision is kube's RBAC (authz.h) with two KubeSphere mappings kube does not have:
//  - A project's Gateway lives in kubesphere-controls-system as kubesphere-router-<project>;
//    a request naming it is also checked as if it were in <project>, so a project admin manages
//    the project's gateway without any right in kubesphere-controls-system. The cluster gateway
//    (kubesphere-router-kubesphere-system) has no such mapping: it needs rights in
//    kubesphere-controls-system itself (platform-admin), so no project admin widens a gateway's
//    scope beyond their project.
//  - A RoleBinding cannot grant a cluster-scoped Namespace, so members of a project may `get`
//    its Namespace, and a `list` of namespaces by someone without a cluster-wide grant shows the
//    projects they are a member of (403 when there are none: nothing leaks by an empty list).
#include <algorithm>
#include <set>

#include "api/admission.h"
#include "api/api_internal.h"
#include "api/authn.h"
#include "api/codec.h"
#include "gateways/placement.h"
#include "model/field_path.h"
#include "model/objects.h"

namespace waygate::api {
namespace {

using nlohmann::json;

constexpr std::string_view kGatewayGroup = "gateway.kubesphere.io";
constexpr std::string_view kRbacGroup = "rbac.authorization.k8s.io";

bool IsGatewayInControls(const rbac::Attributes& a) {
  return a.resource_request && a.api_group == kGatewayGroup && a.resource == "gateways" &&
         a.namespace_ == model::kGatewayNamespace;
}

bool IsMasters(const rbac::UserInfo& user) {
  return std::find(user.groups.begin(), user.groups.end(), kGroupMasters) != user.groups.end();
}

// Membership of a project: any role of the three built-in ones lets its holder read the
// project's Ingresses, so "may get ingresses there" is what makes one a member.
bool IsMember(const rbac::Policy& policy, const rbac::UserInfo& user, std::string_view ns) {
  auto grant = policy.NamespacesWhere(user, "get", "networking.k8s.io", "ingresses");
  return grant.all_namespaces ||
         std::binary_search(grant.namespaces.begin(), grant.namespaces.end(), std::string(ns));
}

rbac::Attributes AttributesOf(const RequestInfo& info) {
  rbac::Attributes a;
  a.verb = info.verb;
  a.resource_request = true;
  a.namespace_ = info.namespace_;
  a.api_group = info.group;
  a.resource = info.resource;
  a.subresource = info.subresource;
  a.name = info.name;
  return a;
}

apistatus::ForbiddenRequest ForbiddenOf(const rbac::UserInfo& user, const rbac::Attributes& a) {
  apistatus::ForbiddenRequest r;
  r.user = user.name;
  r.verb = a.verb;
  r.group = a.api_group;
  r.resource = a.resource;
  r.subresource = a.subresource;
  r.namespace_ = a.namespace_;
  r.name = a.name;
  r.path = a.path;
  return r;
}

json StringList(const std::vector<std::string>& items) {
  json out = json::array();
  for (const std::string& s : items) out.push_back(s);
  return out;
}

std::string Str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

rbac::Decision Api::Decide(const rbac::UserInfo& user, const rbac::Attributes& request) const {
  std::shared_ptr<const rbac::Policy> policy = authz_.Current();
  rbac::Decision decision = policy->Authorize(user, request);
  if (decision.allowed || !request.resource_request) return decision;
  if (IsGatewayInControls(request) && !request.name.empty() &&
      request.name != model::kClusterGatewayName) {
    std::string_view project = gateways::ProjectOf(request.name);
    if (!project.empty()) {
      rbac::Attributes as_project = request;
      as_project.namespace_ = std::string(project);
      return policy->Authorize(user, as_project);
    }
  }
  if (request.api_group.empty() && request.resource == "namespaces" &&
      request.subresource.empty() && request.verb == "get" && !request.name.empty() &&
      IsMember(*policy, user, request.name)) {
    return rbac::Decision{true, "member of project \"" + request.name + "\""};
  }
  return decision;
}

bool Api::Authorize(Call& call) {
  if (call.user_info.name.empty()) {  // unreachable: anonymous calls stop at authentication
    SendStatus(call, apistatus::Unauthorized());
    return false;
  }
  rbac::Attributes request = AttributesOf(call.info);
  if (Decide(call.user_info, request).allowed) return true;
  std::shared_ptr<const rbac::Policy> policy = authz_.Current();
  if (request.api_group.empty() && request.resource == "namespaces" && request.verb == "list") {
    auto grant = policy->NamespacesWhere(call.user_info, "get", "networking.k8s.io", "ingresses");
    if (!grant.namespaces.empty()) {
      call.visible_namespaces = std::move(grant.namespaces);
      return true;
    }
  }
  // A gateway's project is in its name, which a create carries in the body: decided once the
  // body is read (AuthorizeGatewayCreate), for anyone who may create gateways somewhere.
  if (IsGatewayInControls(request) && request.verb == "create" && request.name.empty() &&
      !policy->NamespacesWhere(call.user_info, "create", kGatewayGroup, "gateways")
           .namespaces.empty()) {
    call.gateway_create_pending = true;
    return true;
  }
  SendStatus(call, apistatus::Forbidden(ForbiddenOf(call.user_info, request)));
  return false;
}

bool Api::AuthorizeGatewayCreate(Call& call, const json& object) {
  if (!call.gateway_create_pending) return true;
  rbac::Attributes request = AttributesOf(call.info);
  request.name = object["metadata"].value("name", "");
  if (Decide(call.user_info, request).allowed) return true;
  SendStatus(call, apistatus::Forbidden(ForbiddenOf(call.user_info, request)));
  return false;
}

// kube's RBAC escalation check (pkg/registry/rbac/escalation_check.go, simplified to what the
// policy can answer): writing a Role or ClusterRole, or a binding to one, is allowed only to
// someone who already holds every permission it grants there, or who may `escalate` (roles) /
// `bind` (bindings) it. Rules are expanded to single (verb, group, resource, name) requests and
// each must be allowed; a `*` in the rule is asked as `*`, which only a `*` grant satisfies.
bool Api::ConfirmNoEscalation(Call& call, const json& object) {
  const ResourceInfo& r = *call.resource;
  if (r.group != kRbacGroup || IsMasters(call.user_info)) return true;
  const bool binding = r.resource == "rolebindings" || r.resource == "clusterrolebindings";
  const bool role = r.resource == "roles" || r.resource == "clusterroles";
  if (!binding && !role) return true;
  std::string ns = r.namespaced ? object["metadata"].value("namespace", "") : "";
  std::shared_ptr<const rbac::Policy> policy = authz_.Current();

  std::vector<rbac::PolicyRule> rules;
  rbac::Attributes shortcut;
  shortcut.api_group = std::string(kRbacGroup);
  shortcut.namespace_ = ns;
  if (binding) {
    auto decoded = rbac::BindingFromJson(object);
    if (!decoded.ok()) return true;  // validation reports it
    shortcut.verb = "bind";
    shortcut.resource = decoded->role_ref.kind == "Role" ? "roles" : "clusterroles";
    shortcut.name = decoded->role_ref.name;
    if (policy->Authorize(call.user_info, shortcut).allowed) return true;
    auto stored = registry_.Get(*FindResource(kRbacGroup, "v1", shortcut.resource),
                                decoded->role_ref.kind == "Role" ? ns : "",
                                decoded->role_ref.name);
    if (!stored.ok()) {
      if (stored.error().code != ErrorCode::kNotFound) {
        SendError(call, stored.error(), decoded->role_ref.name);
        return false;
      }
      // kube refuses to bind a role it cannot see unless the user may bind it.
      SendStatus(call, apistatus::Forbidden(ForbiddenOf(call.user_info, shortcut)));
      return false;
    }
    auto bound = rbac::RoleFromJson(*stored);
    if (!bound.ok()) return true;
    rules = std::move(bound->rules);
  } else {
    auto decoded = rbac::RoleFromJson(object);
    if (!decoded.ok()) return true;
    shortcut.verb = "escalate";
    shortcut.resource = std::string(r.resource);
    shortcut.name = decoded->name;
    if (policy->Authorize(call.user_info, shortcut).allowed) return true;
    rules = std::move(decoded->rules);
  }

  for (const rbac::PolicyRule& rule : rules) {
    if (!rule.non_resource_urls.empty()) {
      // Only ClusterRoles bound cluster-wide grant non-resource URLs.
      if (!ns.empty()) continue;
      for (const std::string& verb : rule.verbs) {
        for (const std::string& url : rule.non_resource_urls) {
          rbac::Attributes a;
          a.resource_request = false;
          a.verb = verb;
          a.path = url;
          if (!policy->Authorize(call.user_info, a).allowed) {
            SendStatus(call, apistatus::Forbidden(ForbiddenOf(call.user_info, shortcut)));
            return false;
          }
        }
      }
      continue;
    }
    std::vector<std::string> names = rule.resource_names;
    if (names.empty()) names.push_back("");
    for (const std::string& verb : rule.verbs) {
      for (const std::string& group : rule.api_groups) {
        for (const std::string& resource : rule.resources) {
          for (const std::string& name : names) {
            rbac::Attributes a;
            a.verb = verb;
            a.api_group = group;
            a.namespace_ = ns;
            size_t slash = resource.find('/');
            a.resource = resource.substr(0, slash);
            if (slash != std::string::npos) a.subresource = resource.substr(slash + 1);
            a.name = name;
            if (!policy->Authorize(call.user_info, a).allowed) {
              apistatus::ForbiddenRequest why = ForbiddenOf(call.user_info, shortcut);
              why.authorizer_reason =
                  "user \"" + call.user_info.name + "\" is attempting to grant RBAC permissions "
                  "not currently held: {APIGroups:[\"" + group + "\"], Resources:[\"" +
                  resource + "\"], Verbs:[\"" + verb + "\"]}";
              SendStatus(call, apistatus::Forbidden(why));
              return false;
            }
          }
        }
      }
    }
  }
  return true;
}

// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews and .../selfsubjectrulesreviews.
// Nothing is stored: the answer is the request with its status filled in (201, as kube).
void Api::Reviews(Call& call) {
  const std::string& resource = call.info.resource;
  const bool access = resource == "selfsubjectaccessreviews";
  const bool rules = resource == "selfsubjectrulesreviews";
  if (call.info.version != "v1" || (!access && !rules) || !call.info.namespace_.empty() ||
      !call.info.name.empty() || !call.info.subresource.empty()) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (call.info.verb != "create") {
    SendStatus(call, apistatus::MethodNotSupported("authorization.k8s.io", resource,
                                                   call.info.verb));
    return;
  }
  auto body = DecodeBody(call.request.Header("content-type"), call.request.body);
  if (!body.ok() || !body->is_object()) {
    SendStatus(call, apistatus::BadRequest(body.ok() ? "the body of the request must be a "
                                                       "JSON object"
                                                     : body.error().message));
    return;
  }
  json review = std::move(*body);
  review["apiVersion"] = "authorization.k8s.io/v1";
  review["kind"] = access ? "SelfSubjectAccessReview" : "SelfSubjectRulesReview";
  if (!review["metadata"].is_object()) review["metadata"] = json::object();
  review["metadata"]["creationTimestamp"] = nullptr;
  const json spec = review.value("spec", json::object());

  if (access) {
    rbac::Attributes a;
    if (spec.contains("resourceAttributes") && spec["resourceAttributes"].is_object()) {
      const json& ra = spec["resourceAttributes"];
      a.resource_request = true;
      a.verb = Str(ra, "verb");
      a.namespace_ = Str(ra, "namespace");
      a.api_group = Str(ra, "group");
      a.resource = Str(ra, "resource");
      a.subresource = Str(ra, "subresource");
      a.name = Str(ra, "name");
    } else if (spec.contains("nonResourceAttributes") &&
               spec["nonResourceAttributes"].is_object()) {
      const json& na = spec["nonResourceAttributes"];
      a.resource_request = false;
      a.verb = Str(na, "verb");
      a.path = Str(na, "path");
    } else {
      model::ErrorList errors;
      model::FieldPath spec_path("spec");
      errors.Required(spec_path.Child("resourceAttributes"),
                      "exactly one of nonResourceAttributes or resourceAttributes must be "
                      "specified");
      SendStatus(call, apistatus::Invalid("authorization.k8s.io", "SelfSubjectAccessReview", "",
                                          errors));
      return;
    }
    rbac::Decision decision = Decide(call.user_info, a);
    json status = {{"allowed", decision.allowed}};
    if (!decision.reason.empty()) status["reason"] = decision.reason;
    review["status"] = std::move(status);
    SendJson(call, 201, review);
    return;
  }

  std::string ns = Str(spec, "namespace");
  json resource_rules = json::array();
  json non_resource_rules = json::array();
  for (const rbac::PolicyRule& rule : authz_.Current()->RulesFor(call.user_info, ns)) {
    if (!rule.non_resource_urls.empty()) {
      non_resource_rules.push_back(
          {{"verbs", StringList(rule.verbs)}, {"nonResourceURLs", StringList(rule.non_resource_urls)}});
      continue;
    }
    json r = {{"verbs", StringList(rule.verbs)},
              {"apiGroups", StringList(rule.api_groups)},
              {"resources", StringList(rule.resources)}};
    if (!rule.resource_names.empty()) r["resourceNames"] = StringList(rule.resource_names);
    resource_rules.push_back(std::move(r));
  }
  // The project's Gateway and Namespace mappings (Decide) are not rules, so the list is
  // incomplete for members of a project, as kube says when an authorizer cannot list rules.
  review["status"] = {{"resourceRules", std::move(resource_rules)},
                      {"nonResourceRules", std::move(non_resource_rules)},
                      {"incomplete", !IsMasters(call.user_info)}};
  SendJson(call, 201, review);
}

void Api::WhoAmI(Call& call) {
  const std::string& version = call.info.version;
  if ((version != "v1" && version != "v1beta1") || call.info.resource != "selfsubjectreviews" ||
      !call.info.namespace_.empty() || !call.info.name.empty() ||
      !call.info.subresource.empty()) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (call.info.verb != "create") {
    SendStatus(call, apistatus::MethodNotSupported("authentication.k8s.io", "selfsubjectreviews",
                                                   call.info.verb));
    return;
  }
  // The request carries nothing but metadata (kubectl may send it as protobuf): the answer
  // depends only on the credentials, so the body is not read.
  json groups = json::array();
  for (const std::string& g : call.user_info.groups) groups.push_back(g);
  if (std::find(call.user_info.groups.begin(), call.user_info.groups.end(),
                "system:authenticated") == call.user_info.groups.end()) {
    groups.push_back("system:authenticated");
  }
  json review = {{"kind", "SelfSubjectReview"},
                 {"apiVersion", "authentication.k8s.io/" + version},
                 {"metadata", {{"creationTimestamp", nullptr}}},
                 {"status", {{"userInfo", {{"username", call.user_info.name},
                                           {"groups", std::move(groups)}}}}}};
  SendJson(call, 201, review);
}

}  // namespace waygate::api
