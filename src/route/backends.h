// Backends: Ingress service references -> Backends with resolved endpoints (private to route/).
// Kubernetes semantics: the Ingress names a Service port by number or name; the
// Endpoints/EndpointSlice port with that ServicePort's name carries the target port.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "model/decode.h"
#include "model/objects.h"
#include "route/route_table.h"

namespace waygate::route::internal {

inline constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

// "namespace/service:port", the port as written (number or name).
std::string BackendKey(const std::string& namespace_, const model::IngressServiceBackend& ref);

// The ServicePort `ref` names, or kNotFound with a field relative to the backend
// ("service.name", "service.port.number", "service.port.name"). `service` may be null.
Result<const model::ServicePort*> FindServicePort(const model::Service* service,
                                                  const std::string& namespace_,
                                                  const model::IngressServiceBackend& ref);

// Where a Service's endpoints come from.
struct EndpointSources {
  const model::Endpoints* endpoints = nullptr;
  std::vector<const model::EndpointSlice*> slices;  // preferred when present
};

// Builds the Backend of one Service port. Problems with endpoint objects (FQDN slices,
// unparsable addresses) are appended to `diagnostics`, once per object in `reported`.
std::unique_ptr<Backend> BuildBackend(const std::string& namespace_,
                                      const model::IngressServiceBackend& ref,
                                      const model::ServicePort& port,
                                      const EndpointSources& sources,
                                      std::vector<model::Diagnostic>& diagnostics,
                                      std::unordered_set<const void*>& reported);

// service-upstream: the Backend is the Service's own ClusterIP and port (kube-proxy balances),
// keyed `key`. A Service without a usable ClusterIP (headless, ExternalName) gives no endpoint
// (503) and a diagnostic.
std::unique_ptr<Backend> BuildClusterIpBackend(const std::string& key,
                                               const std::string& namespace_,
                                               const model::IngressServiceBackend& ref,
                                               const model::Service& service,
                                               const model::ServicePort& port,
                                               std::vector<model::Diagnostic>& diagnostics);

}  // namespace waygate::route::internal
