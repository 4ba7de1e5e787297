// RoleFromJson / BindingFromJson: the v1 defaults (SetDefaults_RoleBinding, SetDefaults_Subject)
// followed by pkg/apis/rbac/validation, rule for rule, so admission can answer with kube's
// words. Only the first error is returned (Result holds one); kube's order is kept so that it is
// the one kube lists first.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model/field_path.h"
#include "model/json_read.h"
#include "model/names.h"
#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

using model::ErrorList;
using model::FieldPath;
using Json = nlohmann::json;
namespace jr = model::json_read;

constexpr std::string_view kRbacGroup = "rbac.authorization.k8s.io";

// Go's %#v of a []string, which field.Invalid prints for list values.
std::string GoStringSlice(const std::vector<std::string>& values) {
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += model::Quote(values[i]);
  }
  out += "}";
  return out;
}

// A []string field; a missing or null list stays empty, as Go leaves a nil slice.
void StringList(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
                std::vector<std::string>& out) {
  const Json* list = jr::Array(obj, key, path, errs);
  if (list == nullptr) return;
  FieldPath list_path = path.Child(key);
  out.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (!item.is_string()) {
      errs.WrongType(list_path.Index(i), "string", jr::TypeName(item));
      continue;
    }
    out.push_back(item.get<std::string>());
  }
}

// ValidateObjectMeta with minimalNameRequirements (path.IsValidPathSegmentName). The namespace
// of a cluster-scoped kind is ignored: the API server clears it before validation, as kube's
// rest.BeforeCreate does.
void ReadMeta(const Json& object, bool namespaced, ErrorList& errs, std::string& name,
              std::string& namespace_) {
  FieldPath root;
  FieldPath meta_path = root.Child("metadata");
  const Json* meta = jr::Object(object, "metadata", root, errs);
  static const Json kEmpty = Json::object();
  if (meta == nullptr) meta = &kEmpty;
  jr::String(*meta, "name", meta_path, errs, name);
  std::string ns;
  jr::String(*meta, "namespace", meta_path, errs, ns);
  FieldPath name_path = meta_path.Child("name");
  if (name.empty()) {
    errs.Required(name_path, "name or generateName is required");
  } else {
    errs.InvalidEach(name_path, name, model::IsPathSegmentName(name));
  }
  if (namespaced) {
    FieldPath ns_path = meta_path.Child("namespace");
    if (ns.empty()) {
      errs.Required(ns_path);
    } else {
      errs.InvalidEach(ns_path, ns, model::IsDNS1123Label(ns));
    }
    namespace_ = std::move(ns);
  }
}

// validatePolicyRule.
void ReadRule(const Json& item, bool namespaced, const FieldPath& path, ErrorList& errs,
              PolicyRule& rule) {
  if (!item.is_object()) {
    errs.WrongType(path, "object", jr::TypeName(item));
    return;
  }
  size_t before = errs.size();
  StringList(item, "verbs", path, errs, rule.verbs);
  StringList(item, "apiGroups", path, errs, rule.api_groups);
  StringList(item, "resources", path, errs, rule.resources);
  StringList(item, "resourceNames", path, errs, rule.resource_names);
  StringList(item, "nonResourceURLs", path, errs, rule.non_resource_urls);
  if (errs.size() != before) return;

  if (rule.verbs.empty()) {
    errs.Required(path.Child("verbs"), "verbs must contain at least one value");
  }
  if (!rule.non_resource_urls.empty()) {
    FieldPath urls = path.Child("nonResourceURLs");
    if (namespaced) {
      errs.InvalidRaw(urls, GoStringSlice(rule.non_resource_urls),
                      "namespaced rules cannot apply to non-resource URLs");
    }
    if (!rule.api_groups.empty() || !rule.resources.empty() || !rule.resource_names.empty()) {
      errs.InvalidRaw(urls, GoStringSlice(rule.non_resource_urls),
                      "rules cannot apply to both regular resources and non-resource URLs");
    }
    return;
  }
  if (rule.api_groups.empty()) {
    errs.Required(path.Child("apiGroups"), "resource rules must supply at least one api group");
  }
  if (rule.resources.empty()) {
    errs.Required(path.Child("resources"), "resource rules must supply at least one resource");
  }
  if (!rule.resource_names.empty() && rule.resources.size() > 1) {
    // kube reports this one as "Required", oddly; the wording is kept.
    errs.Required(path.Child("resourceNames"), "resource names cannot apply to multiple resources");
  }
}

// validateRoleBindingSubject, after SetDefaults_Subject.
void ReadSubject(const Json& item, bool namespaced, const FieldPath& path, ErrorList& errs,
                 Subject& subject) {
  if (!item.is_object()) {
    errs.WrongType(path, "object", jr::TypeName(item));
    return;
  }
  std::string api_group;
  size_t before = errs.size();
  jr::String(item, "kind", path, errs, subject.kind);
  jr::String(item, "apiGroup", path, errs, api_group);
  jr::String(item, "name", path, errs, subject.name);
  jr::String(item, "namespace", path, errs, subject.namespace_);
  if (errs.size() != before) return;

  FieldPath name_path = path.Child("name");
  FieldPath group_path = path.Child("apiGroup");
  if (subject.name.empty()) errs.Required(name_path);
  if (subject.kind == "ServiceAccount") {
    if (!subject.name.empty()) {
      errs.InvalidEach(name_path, subject.name, model::IsDNS1123Subdomain(subject.name));
    }
    if (!api_group.empty()) errs.NotSupported(group_path, api_group, {""});
    if (!namespaced && subject.namespace_.empty()) errs.Required(path.Child("namespace"));
  } else if (subject.kind == "User" || subject.kind == "Group") {
    if (subject.name.empty()) {
      errs.Invalid(
          name_path, subject.name,
          subject.kind == "User" ? "user name cannot be empty" : "group name cannot be empty");
    }
    if (api_group.empty()) api_group = kRbacGroup;
    if (api_group != kRbacGroup) errs.NotSupported(group_path, api_group, {kRbacGroup});
  } else {
    errs.NotSupported(path.Child("kind"), subject.kind, {"ServiceAccount", "User", "Group"});
  }
}

Error First(ErrorList& errs) { return errs.Take().front(); }

}  // namespace

Result<Role> RoleFromJson(const Json& object) {
  FieldPath root;
  ErrorList errs;
  if (!object.is_object()) {
    errs.WrongType(root, "object", jr::TypeName(object));
    return First(errs);
  }
  std::string kind;
  jr::String(object, "kind", root, errs, kind);
  if (errs.empty() && kind != "Role" && kind != "ClusterRole") {
    errs.NotSupported(root.Child("kind"), kind, {"Role", "ClusterRole"});
  }
  if (!errs.empty()) return First(errs);
  bool namespaced = kind == "Role";

  Role role;
  ReadMeta(object, namespaced, errs, role.name, role.namespace_);
  FieldPath rules_path = root.Child("rules");
  if (const Json* rules = jr::Array(object, "rules", root, errs)) {
    role.rules.resize(rules->size());
    for (size_t i = 0; i < rules->size(); ++i) {
      ReadRule((*rules)[i], namespaced, rules_path.Index(i), errs, role.rules[i]);
    }
  }
  if (!errs.empty()) return First(errs);
  return role;
}

Result<Binding> BindingFromJson(const Json& object) {
  FieldPath root;
  ErrorList errs;
  if (!object.is_object()) {
    errs.WrongType(root, "object", jr::TypeName(object));
    return First(errs);
  }
  std::string kind;
  jr::String(object, "kind", root, errs, kind);
  if (errs.empty() && kind != "RoleBinding" && kind != "ClusterRoleBinding") {
    errs.NotSupported(root.Child("kind"), kind, {"RoleBinding", "ClusterRoleBinding"});
  }
  if (!errs.empty()) return First(errs);
  bool namespaced = kind == "RoleBinding";

  Binding binding;
  ReadMeta(object, namespaced, errs, binding.name, binding.namespace_);

  FieldPath ref_path = root.Child("roleRef");
  static const Json kEmpty = Json::object();
  const Json* ref = jr::Object(object, "roleRef", root, errs);
  if (ref == nullptr) ref = &kEmpty;
  std::string api_group;
  size_t before = errs.size();
  jr::String(*ref, "apiGroup", ref_path, errs, api_group);
  jr::String(*ref, "kind", ref_path, errs, binding.role_ref.kind);
  jr::String(*ref, "name", ref_path, errs, binding.role_ref.name);
  if (errs.size() == before) {
    if (api_group.empty()) api_group = kRbacGroup;  // SetDefaults_RoleBinding
    if (api_group != kRbacGroup) {
      errs.NotSupported(ref_path.Child("apiGroup"), api_group, {kRbacGroup});
    }
    const std::string& ref_kind = binding.role_ref.kind;
    if (namespaced && ref_kind != "Role" && ref_kind != "ClusterRole") {
      errs.NotSupported(ref_path.Child("kind"), ref_kind, {"Role", "ClusterRole"});
    } else if (!namespaced && ref_kind != "ClusterRole") {
      errs.NotSupported(ref_path.Child("kind"), ref_kind, {"ClusterRole"});
    }
    FieldPath name_path = ref_path.Child("name");
    if (binding.role_ref.name.empty()) {
      errs.Required(name_path);
    } else {
      errs.InvalidEach(name_path, binding.role_ref.name,
                       model::IsPathSegmentName(binding.role_ref.name));
    }
  }

  FieldPath subjects_path = root.Child("subjects");
  if (const Json* subjects = jr::Array(object, "subjects", root, errs)) {
    binding.subjects.resize(subjects->size());
    for (size_t i = 0; i < subjects->size(); ++i) {
      ReadSubject((*subjects)[i], namespaced, subjects_path.Index(i), errs, binding.subjects[i]);
    }
  }
  if (!errs.empty()) return First(errs);
  return binding;
}

}  // namespace waygate::rbac
