// Which Ingresses a gateway serves: ingress class and Gateway scope (private to route/).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/objects.h"

namespace waygate::route::internal {

inline constexpr const char* kLegacyClassAnnotation = "kubernetes.io/ingress.class";
inline constexpr const char* kDefaultClassAnnotation =
    "ingressclass.kubernetes.io/is-default-class";

class IngressClassFilter {
 public:
  // `our_class`: the class name this gateway answers to when no IngressClass object names it.
  IngressClassFilter(const std::vector<const model::IngressClass*>& classes,
                     std::string_view our_class);

  // spec.ingressClassName naming one of our IngressClasses (or our class name with no such
  // object); else the legacy annotation equal to our class; else no class at all, unless a
  // default IngressClass of another controller claims class-less Ingresses.
  bool Serves(const model::Ingress& ingress) const;

 private:
  std::string our_class_;
  std::unordered_map<std::string, bool> class_is_ours_;  // IngressClass name -> controller is us
  bool classless_served_ = true;
};

// The Gateway whose scope and config apply.
struct GatewayTarget {
  std::string namespace_;
  std::string name;
  std::string scope_namespace;             // empty: every namespace
  const model::Gateway* object = nullptr;  // null when no such Gateway object exists
};

// `option`: "namespace/name" or empty for the cluster gateway; a bare name means a Gateway in
// kubesphere-controls-system.
GatewayTarget ResolveGateway(const std::vector<const model::Gateway*>& gateways,
                             std::string_view option);

}  // namespace waygate::route::internal
