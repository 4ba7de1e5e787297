#include "apply/schema.h"

#include <array>
#include <map>

namespace waygate::apply {

using nlohmann::json;

struct Rule {
  Shape shape = Shape::kDefault;
  std::vector<std::string> keys;  // kMapList
  json key_defaults = json::object();
};

struct KindSchema {
  std::string group;
  std::string kind;
  bool has_status = false;  // a /status subresource (the main resource resets status)
  bool open_root = false;   // no schema: top-level fields other than metadata are deduced
  json skeleton = json::object();
  std::map<std::string, Rule, std::less<>> rules;
};

namespace {

Rule Of(Shape shape) { return Rule{shape, {}, json::object()}; }
Rule MapList(std::vector<std::string> keys, json defaults = json::object()) {
  return Rule{Shape::kMapList, std::move(keys), std::move(defaults)};
}

using Rules = std::initializer_list<std::pair<const char*, Rule>>;

// ObjectMeta (k8s.io/apimachinery meta/v1): labels and annotations are granular maps,
// finalizers a set, ownerReferences a map keyed by uid whose items are atomic
// (+structType=atomic).
KindSchema Make(const char* group, const char* kind, bool has_status, json skeleton, Rules rules) {
  KindSchema k{group, kind, has_status, false, std::move(skeleton), {}};
  k.rules["metadata.labels"] = Of(Shape::kMap);
  k.rules["metadata.annotations"] = Of(Shape::kMap);
  k.rules["metadata.finalizers"] = Of(Shape::kSet);
  k.rules["metadata.ownerReferences"] = MapList({"uid"});
  k.rules["metadata.ownerReferences[]"] = Of(Shape::kAtomic);
  for (const auto& [path, rule] : rules) k.rules[path] = rule;
  return k;
}

const std::vector<KindSchema>& Kinds() {
  static const std::vector<KindSchema> kinds = [] {
    std::vector<KindSchema> k;
    // Markers as in k8s.io/api v1.32 (core/v1, discovery/v1, networking/v1). Lists not listed
    // carry +listType=atomic there (Ingress rules, tls and paths; Endpoints subsets; EndpointSlice
    // endpoints and ports; load balancer ingress; Node taints and images...).
    k.push_back(Make("", "Namespace", true, {{"spec", json::object()}, {"status", json::object()}},
                     {{"status.conditions", MapList({"type"})}}));
    k.push_back(Make("", "Service", true,
                     {{"spec", json::object()}, {"status", {{"loadBalancer", json::object()}}}},
                     {{"spec.ports", MapList({"port", "protocol"}, {{"protocol", "TCP"}})},
                      {"spec.selector", Of(Shape::kAtomic)},
                      {"status.conditions", MapList({"type"})}}));
    k.push_back(Make("", "Endpoints", false, json::object(), {}));
    k.push_back(Make("", "Secret", false, json::object(),
                     {{"data", Of(Shape::kMap)}, {"stringData", Of(Shape::kMap)}}));
    k.push_back(Make("", "ConfigMap", false, json::object(),
                     {{"data", Of(Shape::kMap)}, {"binaryData", Of(Shape::kMap)}}));
    k.push_back(Make("", "Node", true,
                     {{"spec", json::object()},
                      {"status",
                       {{"daemonEndpoints", {{"kubeletEndpoint", json::object()}}},
                        {"nodeInfo", json::object()}}}},
                     {{"spec.podCIDRs", Of(Shape::kSet)},
                      {"status.capacity", Of(Shape::kMap)},
                      {"status.allocatable", Of(Shape::kMap)},
                      {"status.conditions", MapList({"type"})},
                      {"status.addresses", MapList({"type"})}}));
    // involvedObject and related are ObjectReferences (+structType=atomic).
    k.push_back(Make("", "Event", false,
                     {{"involvedObject", json::object()}, {"source", json::object()}},
                     {{"involvedObject", Of(Shape::kAtomic)}, {"related", Of(Shape::kAtomic)}}));
    k.push_back(Make("discovery.k8s.io", "EndpointSlice", false, json::object(), {}));
    // ServiceBackendPort and TypedLocalObjectReference are +structType=atomic.
    k.push_back(Make("networking.k8s.io", "Ingress", true,
                     {{"spec", json::object()}, {"status", {{"loadBalancer", json::object()}}}},
                     {{"spec.defaultBackend.service.port", Of(Shape::kAtomic)},
                      {"spec.defaultBackend.resource", Of(Shape::kAtomic)}}));
    k.push_back(Make("networking.k8s.io", "IngressClass", false, {{"spec", json::object()}}, {}));
    // KubeSphere's CRD: a structural spec whose string maps are granular, and a status with
    // x-kubernetes-preserve-unknown-fields (deduced). A custom resource's empty object has no
    // spec, so a create owns `spec` itself as well.
    k.push_back(Make("gateway.kubesphere.io", "Gateway", true, json::object(),
                     {{"spec.controller.annotations", Of(Shape::kMap)},
                      {"spec.controller.config", Of(Shape::kMap)},
                      {"spec.controller.tcp", Of(Shape::kMap)},
                      {"spec.controller.udp", Of(Shape::kMap)},
                      {"spec.deployment.annotations", Of(Shape::kMap)},
                      {"spec.deployment.resources.limits", Of(Shape::kMap)},
                      {"spec.deployment.resources.requests", Of(Shape::kMap)},
                      {"spec.service.annotations", Of(Shape::kMap)},
                      {"status", Of(Shape::kDeduced)}}));
    return k;
  }();
  return kinds;
}

const KindSchema& Unknown() {
  static const KindSchema unknown = [] {
    KindSchema k = Make("", "", false, json::object(), {});
    k.open_root = true;
    return k;
  }();
  return unknown;
}

const KindSchema& Find(std::string_view group, std::string_view kind) {
  for (const KindSchema& k : Kinds()) {
    if (k.group == group && k.kind == kind) return k;
  }
  return Unknown();
}

const Rule* RuleAt(const KindSchema& kind, std::string_view path) {
  auto it = kind.rules.find(path);
  return it == kind.rules.end() ? nullptr : &it->second;
}

}  // namespace

Type Type::Root(std::string_view group, std::string_view kind) {
  return Type(&Find(group, kind), "", false);
}

Shape Type::shape() const {
  if (deduced_) return Shape::kDeduced;
  const Rule* rule = RuleAt(*kind_, path_);
  return rule == nullptr ? Shape::kDefault : rule->shape;
}

bool Type::OpenRootElement(std::string_view name) const {
  return kind_->open_root && path_.empty() && name != "apiVersion" && name != "kind" &&
         name != "metadata";
}

Type Type::Field(std::string_view name) const {
  if (deduced_ || OpenRootElement(name)) return Type(kind_, path_, true);
  std::string child = shape() == Shape::kMap ? path_ + ".*"
                      : path_.empty()        ? std::string(name)
                                             : path_ + "." + std::string(name);
  const Rule* rule = RuleAt(*kind_, child);
  const bool deduced = rule != nullptr && rule->shape == Shape::kDeduced;
  return Type(kind_, std::move(child), deduced);
}

Type Type::Item() const {
  if (deduced_) return *this;
  return Type(kind_, path_ + "[]", false);
}

bool Type::Declares(std::string_view name) const {
  return !deduced_ && shape() != Shape::kMap && !OpenRootElement(name);
}

const std::vector<std::string>& Type::keys() const {
  static const std::vector<std::string> kNone;
  const Rule* rule = deduced_ ? nullptr : RuleAt(*kind_, path_);
  return rule == nullptr ? kNone : rule->keys;
}

const json* Type::KeyDefault(std::string_view name) const {
  const Rule* rule = deduced_ ? nullptr : RuleAt(*kind_, path_);
  if (rule == nullptr) return nullptr;
  auto it = rule->key_defaults.find(name);
  return it == rule->key_defaults.end() ? nullptr : &*it;
}

const json& Skeleton(std::string_view group, std::string_view kind) {
  return Find(group, kind).skeleton;
}

FieldSet ResetFields(std::string_view group, std::string_view kind, std::string_view subresource) {
  FieldSet out;
  if (subresource == "status") {
    out.Insert({PathElement::Field("spec")});
  } else if (subresource.empty() && Find(group, kind).has_status) {
    out.Insert({PathElement::Field("status")});
  }
  return out;
}

}  // namespace waygate::apply
