// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding (what
// `kubectl create role|clusterrole|rolebinding|clusterrolebinding` send). Field numbers:
// k8s.io/api/rbac/v1/generated.proto. JSON shape: the Go struct tags; `rules`, `verbs`,
// `roleRef` and a subject's `kind`/`name` have no omitempty, so encoding/json writes them.
#include "protowire/decode_macros.h"
#include "protowire/decode_util.h"
#include "protowire/kinds.h"

namespace waygate::protowire::internal {
namespace {

// A repeated string field: appended to `out[key]` (created as an array on first use).
Status AppendString(const Field& f, json& out, const char* key, const char* where) {
  auto s = AsString(f, where);
  if (!s.ok()) return s.error();
  json& list = out[key];
  if (!list.is_array()) list = json::array();
  list.push_back(std::move(*s));
  return Ok{};
}

Result<json> DecodePolicyRule(std::string_view bytes) {
  json out = {{"verbs", nullptr}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_CHECK(AppendString(f, out, "verbs", "PolicyRule.verbs"));
    } else if (f.number == 2) {
      WG_PW_CHECK(AppendString(f, out, "apiGroups", "PolicyRule.apiGroups"));
    } else if (f.number == 3) {
      WG_PW_CHECK(AppendString(f, out, "resources", "PolicyRule.resources"));
    } else if (f.number == 4) {
      WG_PW_CHECK(AppendString(f, out, "resourceNames", "PolicyRule.resourceNames"));
    } else if (f.number == 5) {
      WG_PW_CHECK(AppendString(f, out, "nonResourceURLs", "PolicyRule.nonResourceURLs"));
    }
  }
  return out;
}

Result<json> DecodeSubject(std::string_view bytes) {
  json out = {{"kind", ""}, {"name", ""}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(out["kind"], AsString(f, "Subject.kind"));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string s, AsString(f, "Subject.apiGroup"));
      SetOmitEmpty(out, "apiGroup", std::move(s));
    } else if (f.number == 3) {
      WG_PW_ASSIGN(out["name"], AsString(f, "Subject.name"));
    } else if (f.number == 4) {
      WG_PW_ASSIGN(std::string s, AsString(f, "Subject.namespace"));
      SetOmitEmpty(out, "namespace", std::move(s));
    }
  }
  return out;
}

Result<json> DecodeRoleRef(std::string_view bytes) {
  json out = {{"apiGroup", ""}, {"kind", ""}, {"name", ""}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(out["apiGroup"], AsString(f, "RoleRef.apiGroup"));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(out["kind"], AsString(f, "RoleRef.kind"));
    } else if (f.number == 3) {
      WG_PW_ASSIGN(out["name"], AsString(f, "RoleRef.name"));
    }
  }
  return out;
}

// Role and ClusterRole: metadata 1, rules 2 (ClusterRole's aggregationRule, 3, is not decoded:
// no kubectl generator Waygate supports sends one).
Result<json> DecodeAnyRole(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}}, {"rules", nullptr}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "Role.metadata"));
      WG_PW_ASSIGN(out["metadata"], DecodeObjectMeta(b));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "Role.rules"));
      WG_PW_ASSIGN(json rule, DecodePolicyRule(b));
      if (!out["rules"].is_array()) out["rules"] = json::array();
      out["rules"].push_back(std::move(rule));
    }
  }
  return out;
}

// RoleBinding and ClusterRoleBinding: metadata 1, subjects 2, roleRef 3.
Result<json> DecodeAnyBinding(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}},
              {"roleRef", {{"apiGroup", ""}, {"kind", ""}, {"name", ""}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "RoleBinding.metadata"));
      WG_PW_ASSIGN(out["metadata"], DecodeObjectMeta(b));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "RoleBinding.subjects"));
      WG_PW_ASSIGN(json subject, DecodeSubject(b));
      if (!out["subjects"].is_array()) out["subjects"] = json::array();
      out["subjects"].push_back(std::move(subject));
    } else if (f.number == 3) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "RoleBinding.roleRef"));
      WG_PW_ASSIGN(out["roleRef"], DecodeRoleRef(b));
    }
  }
  return out;
}

}  // namespace

Result<json> DecodeRole(std::string_view bytes) { return DecodeAnyRole(bytes); }
Result<json> DecodeClusterRole(std::string_view bytes) { return DecodeAnyRole(bytes); }
Result<json> DecodeRoleBinding(std::string_view bytes) { return DecodeAnyBinding(bytes); }
Result<json> DecodeClusterRoleBinding(std::string_view bytes) { return DecodeAnyBinding(bytes); }

}  // namespace waygate::protowire::internal
