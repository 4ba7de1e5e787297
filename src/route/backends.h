// BackendResolver: Ingress service references -> deduplicated Backends with resolved endpoints
// (private to route/). Kubernetes semantics: the Ingress names a Service port by number or
// name; the Endpoints/EndpointSlice port with that ServicePort's name carries the target port.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "model/decode.h"
#include "model/objects.h"
#include "route/route_table.h"

namespace waygate::route::internal {

class BackendResolver {
 public:
  // Indexes `state` (which must outlive the resolver). Problems with endpoint objects (FQDN
  // slices, unparsable addresses) are appended to `diagnostics`, once per object.
  BackendResolver(const model::ClusterView& state, std::vector<model::Diagnostic>& diagnostics);

  // The Backend for `ref` in `namespace_`, created on first use and shared afterwards. An error
  // (kNotFound, field relative to the backend: "service.name" or "service.port") when the Service
  // or its port does not exist.
  Result<const Backend*> Resolve(const std::string& namespace_,
                                 const model::IngressServiceBackend& ref);

  // Hands over every Backend created, index == position.
  std::vector<std::unique_ptr<Backend>> Take() { return std::move(backends_); }

 private:
  void AddFromSlices(const std::vector<const model::EndpointSlice*>& slices,
                     const model::ServicePort& port, Backend& backend);
  void AddFromEndpoints(const model::Endpoints& endpoints, const model::ServicePort& port,
                        Backend& backend);
  // Appends ip:port unless invalid (diagnostic against `object`) or already present.
  void AddEndpoint(const std::string& ip, int32_t port, const model::ObjectMeta& meta,
                   const model::Origin& origin, const char* kind, Backend& backend);
  void Report(const void* object, const char* kind, const model::ObjectMeta& meta,
              const model::Origin& origin, Error error);

  std::vector<model::Diagnostic>& diagnostics_;
  std::unordered_map<std::string, const model::Service*> services_;                   // "ns/name"
  std::unordered_map<std::string, const model::Endpoints*> endpoints_;                // "ns/name"
  std::unordered_map<std::string, std::vector<const model::EndpointSlice*>> slices_;  // "ns/svc"
  std::unordered_map<std::string, const Backend*> by_key_;
  std::unordered_set<std::string> seen_addresses_;  // of the Backend being filled
  std::unordered_set<const void*> reported_;
  std::vector<std::unique_ptr<Backend>> backends_;
};

}  // namespace waygate::route::internal
