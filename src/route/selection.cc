#include "route/selection.h"

namespace waygate::route::internal {

IngressClassFilter::IngressClassFilter(const std::vector<const model::IngressClass*>& classes,
                                       std::string_view our_class)
    : our_class_(our_class) {
  bool any_default = false;
  bool our_default = false;
  for (const model::IngressClass* item : classes) {
    const model::IngressClass& ingress_class = *item;
    const bool ours = ingress_class.controller == model::kControllerName;
    class_is_ours_.emplace(ingress_class.meta.name, ours);
    auto it = ingress_class.meta.annotations.find(kDefaultClassAnnotation);
    if (it != ingress_class.meta.annotations.end() && it->second == "true") {
      any_default = true;
      our_default = our_default || ours;
    }
  }
  // Kubernetes assigns class-less Ingresses to the default class; if that class is another
  // controller's, they are not ours to serve.
  classless_served_ = !any_default || our_default;
}

bool IngressClassFilter::Serves(const model::Ingress& ingress) const {
  if (ingress.ingress_class_name.has_value()) {
    const std::string& name = *ingress.ingress_class_name;
    auto it = class_is_ours_.find(name);
    if (it != class_is_ours_.end()) return it->second;
    return name == our_class_;
  }
  auto legacy = ingress.meta.annotations.find(kLegacyClassAnnotation);
  if (legacy != ingress.meta.annotations.end()) return legacy->second == our_class_;
  return classless_served_;
}

GatewayTarget ResolveGateway(const std::vector<const model::Gateway*>& gateways,
                             std::string_view option) {
  GatewayTarget target;
  if (option.empty()) {
    target.namespace_ = model::kGatewayNamespace;
    target.name = model::kClusterGatewayName;
  } else if (size_t slash = option.find('/'); slash != std::string_view::npos) {
    target.namespace_ = std::string(option.substr(0, slash));
    target.name = std::string(option.substr(slash + 1));
  } else {
    target.namespace_ = model::kGatewayNamespace;
    target.name = std::string(option);
  }

  // KubeSphere naming: kubesphere-controls-system/kubesphere-router-<project> serves <project>.
  const std::string_view prefix = model::kGatewayNamePrefix;
  if (target.namespace_ == model::kGatewayNamespace && target.name != model::kClusterGatewayName &&
      target.name.size() > prefix.size() && target.name.compare(0, prefix.size(), prefix) == 0) {
    target.scope_namespace = target.name.substr(prefix.size());
  }
  for (const model::Gateway* gateway : gateways) {
    if (gateway->meta.namespace_ == target.namespace_ && gateway->meta.name == target.name) {
      target.object = gateway;
      const auto& scope = gateway->controller.scope;
      if (scope.enabled && !scope.namespace_.empty()) target.scope_namespace = scope.namespace_;
      break;
    }
  }
  return target;
}

}  // namespace waygate::route::internal
