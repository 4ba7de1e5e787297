// Builders for the objects gateway tests need.
#pragma once

#include <string>
#include <vector>

#include "model/objects.h"

namespace waygate::gateways::testing {

inline model::Gateway MakeGateway(const std::string& name, const std::string& type = "NodePort",
                                  int32_t http = 0, int32_t https = 0,
                                  const std::string& ns = model::kGatewayNamespace) {
  model::Gateway g;
  g.meta.name = name;
  g.meta.namespace_ = ns;
  g.service.type = type;
  if (http != 0) g.service.ports.push_back({"http", 0, http, ""});
  if (https != 0) g.service.ports.push_back({"https", 0, https, ""});
  return g;
}

inline model::HTTPIngressPath Path(const std::string& path) {
  model::HTTPIngressPath p;
  p.path = path;
  return p;
}

}  // namespace waygate::gateways::testing
