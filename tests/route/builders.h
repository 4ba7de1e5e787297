// Small builders for model objects, so route tests never depend on the decoder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/objects.h"
#include "route/route_table.h"

namespace waygate::route::testing {

using model::PathType;

inline model::IngressBackend ServiceBackend(const std::string& service, int32_t port) {
  model::IngressBackend backend;
  backend.service = model::IngressServiceBackend{service, {"", port}};
  return backend;
}

inline model::IngressBackend NamedPortBackend(const std::string& service, const std::string& port) {
  model::IngressBackend backend;
  backend.service = model::IngressServiceBackend{service, {port, 0}};
  return backend;
}

class IngressBuilder {
 public:
  IngressBuilder(const std::string& namespace_, const std::string& name) {
    ingress_.meta.namespace_ = namespace_;
    ingress_.meta.name = name;
    ingress_.origin.file = "test.yaml";
  }
  IngressBuilder& ClassName(const std::string& name) {
    ingress_.ingress_class_name = name;
    return *this;
  }
  IngressBuilder& Annotation(const std::string& key, const std::string& value) {
    ingress_.meta.annotations[key] = value;
    return *this;
  }
  // Starts a new rule; following Path() calls add to it.
  IngressBuilder& Rule(const std::string& host) {
    ingress_.rules.push_back(model::IngressRule{host, {}});
    return *this;
  }
  IngressBuilder& Path(const std::string& path, PathType type, model::IngressBackend backend) {
    if (ingress_.rules.empty()) Rule("");
    ingress_.rules.back().paths.push_back(model::HTTPIngressPath{path, type, std::move(backend)});
    return *this;
  }
  // Path to service `service` port 80 (the default test Service).
  IngressBuilder& Path(const std::string& path, PathType type, const std::string& service = "svc") {
    return Path(path, type, ServiceBackend(service, 80));
  }
  IngressBuilder& Tls(std::vector<std::string> hosts, const std::string& secret) {
    ingress_.tls.push_back(model::IngressTLS{std::move(hosts), secret});
    return *this;
  }
  IngressBuilder& Default(model::IngressBackend backend) {
    ingress_.default_backend = std::move(backend);
    return *this;
  }
  IngressBuilder& Default(const std::string& service) {
    return Default(ServiceBackend(service, 80));
  }
  model::Ingress Build() const { return ingress_; }
  operator model::Ingress() const { return ingress_; }  // NOLINT: builder sugar

 private:
  model::Ingress ingress_;
};

struct PortSpec {
  std::string name;
  int32_t port = 0;
};

inline model::Service MakeService(const std::string& namespace_, const std::string& name,
                                  std::vector<PortSpec> ports = {{"", 80}}) {
  model::Service service;
  service.meta.namespace_ = namespace_;
  service.meta.name = name;
  for (const auto& port : ports) {
    model::ServicePort service_port;
    service_port.name = port.name;
    service_port.port = port.port;
    service_port.target_port.int_value = port.port;
    service.ports.push_back(service_port);
  }
  return service;
}

// One subset: `ready` addresses and `not_ready` addresses times `ports`.
inline model::Endpoints MakeEndpoints(const std::string& namespace_, const std::string& name,
                                      std::vector<std::string> ready, std::vector<PortSpec> ports,
                                      std::vector<std::string> not_ready = {}) {
  model::Endpoints endpoints;
  endpoints.meta.namespace_ = namespace_;
  endpoints.meta.name = name;
  model::EndpointSubset subset;
  for (const auto& ip : ready) subset.addresses.push_back(model::EndpointAddress{ip, "", ""});
  for (const auto& ip : not_ready) {
    subset.not_ready_addresses.push_back(model::EndpointAddress{ip, "", ""});
  }
  for (const auto& port : ports) {
    subset.ports.push_back(model::EndpointPort{port.name, port.port, "TCP"});
  }
  endpoints.subsets.push_back(subset);
  return endpoints;
}

struct SliceEndpointSpec {
  std::string ip;
  std::optional<bool> ready;
};

inline model::EndpointSlice MakeSlice(const std::string& namespace_, const std::string& name,
                                      const std::string& service,
                                      std::vector<SliceEndpointSpec> endpoints,
                                      std::vector<PortSpec> ports,
                                      const std::string& address_type = "IPv4") {
  model::EndpointSlice slice;
  slice.meta.namespace_ = namespace_;
  slice.meta.name = name;
  slice.meta.labels["kubernetes.io/service-name"] = service;
  slice.address_type = address_type;
  for (const auto& endpoint : endpoints) {
    model::SliceEndpoint slice_endpoint;
    slice_endpoint.addresses.push_back(endpoint.ip);
    slice_endpoint.ready = endpoint.ready;
    slice.endpoints.push_back(slice_endpoint);
  }
  for (const auto& port : ports) {
    model::SlicePort slice_port;
    if (!port.name.empty()) slice_port.name = port.name;
    slice_port.port = port.port;
    slice.ports.push_back(slice_port);
  }
  return slice;
}

inline model::IngressClass MakeClass(const std::string& name, const std::string& controller,
                                     bool is_default = false) {
  model::IngressClass ingress_class;
  ingress_class.meta.name = name;
  ingress_class.controller = controller;
  if (is_default) {
    ingress_class.meta.annotations["ingressclass.kubernetes.io/is-default-class"] = "true";
  }
  return ingress_class;
}

inline model::Gateway MakeGateway(const std::string& name,
                                  const std::string& namespace_ = model::kGatewayNamespace) {
  model::Gateway gateway;
  gateway.meta.namespace_ = namespace_;
  gateway.meta.name = name;
  return gateway;
}

// Compiles `state` with default options (or `options`), collecting diagnostics.
struct Compiled {
  std::shared_ptr<const RouteTable> table;
  std::vector<model::Diagnostic> diagnostics;

  // "Prefix /foo" for the route matched, "none" for the gateway's 404.
  std::string Match(std::string_view host, std::string_view path) const {
    const Route* route = table->Lookup(host, path);
    if (route == nullptr) return "none";
    const char* type = route->path_type == PathType::kExact    ? "Exact"
                       : route->path_type == PathType::kPrefix ? "Prefix"
                                                               : "ImplementationSpecific";
    return std::string(type) + " " + route->path;
  }
  // Name of the Ingress whose route matched, or "none".
  std::string Owner(std::string_view host, std::string_view path) const {
    const Route* route = table->Lookup(host, path);
    return route == nullptr ? "none" : route->ingress_namespace + "/" + route->ingress_name;
  }
  bool HasDiagnostic(std::string_view object, std::string_view field) const {
    for (const auto& diagnostic : diagnostics) {
      if (diagnostic.object == object && diagnostic.error.field == field) return true;
    }
    return false;
  }
};

inline Compiled CompileState(const model::ClusterState& state, CompileOptions options = {}) {
  Compiled compiled;
  compiled.table = RouteTable::Compile(state, options, compiled.diagnostics);
  return compiled;
}

// A state where Service default/svc (port 80) exists, plus `ingresses`.
inline model::ClusterState StateWith(std::vector<model::Ingress> ingresses,
                                     const std::string& namespace_ = "default") {
  model::ClusterState state;
  state.ingresses = std::move(ingresses);
  state.services.push_back(MakeService(namespace_, "svc"));
  return state;
}

}  // namespace waygate::route::testing
