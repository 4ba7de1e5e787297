#include "route/backends.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace waygate::route::internal {
namespace {

std::string Key(const std::string& namespace_, const std::string& name) {
  return namespace_ + "/" + name;
}

// Resolves ip:port into a socket address; false when `ip` is not an IPv4 or IPv6 literal.
bool MakeEndpoint(const std::string& ip, int32_t port, Endpoint& out) {
  if (port <= 0 || port > 65535) return false;
  out = Endpoint{};
  auto net_port = htons(static_cast<uint16_t>(port));
  if (ip.find(':') == std::string::npos) {
    sockaddr_in v4{};
    if (inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) != 1) return false;
    v4.sin_family = AF_INET;
    v4.sin_port = net_port;
    std::memcpy(&out.sockaddr, &v4, sizeof v4);
    out.sockaddr_len = sizeof v4;
    out.address = ip + ":" + std::to_string(port);
  } else {
    sockaddr_in6 v6{};
    if (inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr) != 1) return false;
    v6.sin6_family = AF_INET6;
    v6.sin6_port = net_port;
    std::memcpy(&out.sockaddr, &v6, sizeof v6);
    out.sockaddr_len = sizeof v6;
    out.address = "[" + ip + "]:" + std::to_string(port);
  }
  return true;
}

}  // namespace

std::string BackendKey(const std::string& namespace_, const model::IngressServiceBackend& ref) {
  std::string key = Key(namespace_, ref.name);
  key += ':';
  key += ref.port.name.empty() ? std::to_string(ref.port.number) : ref.port.name;
  return key;
}

Result<const model::ServicePort*> FindServicePort(const model::Service* service,
                                                  const std::string& namespace_,
                                                  const model::IngressServiceBackend& ref) {
  const bool by_name = !ref.port.name.empty();
  if (service == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "service \"" + Key(namespace_, ref.name) + "\" not found", "service.name");
  }
  for (const auto& candidate : service->ports) {
    if (by_name ? candidate.name == ref.port.name : candidate.port == ref.port.number) {
      return &candidate;
    }
  }
  const std::string port_text = by_name ? ref.port.name : std::to_string(ref.port.number);
  return MakeError(ErrorCode::kNotFound,
                   "service \"" + Key(namespace_, ref.name) + "\" has no port " + port_text,
                   by_name ? "service.port.name" : "service.port.number");
}

namespace {

// Fills one Backend's endpoints, reporting each bad endpoint object once.
class EndpointCollector {
 public:
  EndpointCollector(Backend& backend, std::vector<model::Diagnostic>& diagnostics,
                    std::unordered_set<const void*>& reported)
      : backend_(backend), diagnostics_(diagnostics), reported_(reported) {}

  void AddFromSlices(const std::vector<const model::EndpointSlice*>& slices,
                     const model::ServicePort& port);
  void AddFromEndpoints(const model::Endpoints& endpoints, const model::ServicePort& port);

 private:
  // Appends ip:port unless invalid (diagnostic against `meta`'s object) or already present.
  void AddEndpoint(const std::string& ip, int32_t port, const model::ObjectMeta& meta,
                   const model::Origin& origin, const char* kind);
  void Report(const void* object, const char* kind, const model::ObjectMeta& meta,
              const model::Origin& origin, Error error);

  Backend& backend_;
  std::vector<model::Diagnostic>& diagnostics_;
  std::unordered_set<const void*>& reported_;
  std::unordered_set<std::string> seen_addresses_;
};

}  // namespace

std::unique_ptr<Backend> BuildBackend(const std::string& namespace_,
                                      const model::IngressServiceBackend& ref,
                                      const model::ServicePort& port,
                                      const EndpointSources& sources,
                                      std::vector<model::Diagnostic>& diagnostics,
                                      std::unordered_set<const void*>& reported) {
  auto backend = std::make_unique<Backend>();
  backend->key = BackendKey(namespace_, ref);
  backend->namespace_ = namespace_;
  backend->service = ref.name;
  backend->port = ref.port.name.empty() ? std::to_string(ref.port.number) : ref.port.name;
  EndpointCollector collector(*backend, diagnostics, reported);
  // Kubernetes: EndpointSlices are the source of truth when they exist; the Endpoints object
  // is the fallback (and what Services without selectors are usually given by hand).
  if (!sources.slices.empty()) {
    collector.AddFromSlices(sources.slices, port);
  } else if (sources.endpoints != nullptr) {
    collector.AddFromEndpoints(*sources.endpoints, port);
  }
  // A stable order keeps consistent hashing and round-robin positions steady across snapshots.
  std::sort(backend->endpoints.begin(), backend->endpoints.end(),
            [](const Endpoint& a, const Endpoint& b) { return a.address < b.address; });
  return backend;
}

std::unique_ptr<Backend> BuildClusterIpBackend(const std::string& key,
                                               const std::string& namespace_,
                                               const model::IngressServiceBackend& ref,
                                               const model::Service& service,
                                               const model::ServicePort& port,
                                               std::vector<model::Diagnostic>& diagnostics) {
  auto backend = std::make_unique<Backend>();
  backend->key = key;
  backend->namespace_ = namespace_;
  backend->service = ref.name;
  backend->port = ref.port.name.empty() ? std::to_string(ref.port.number) : ref.port.name;
  Endpoint endpoint;
  if (MakeEndpoint(service.cluster_ip, port.port, endpoint)) {
    backend->endpoints.push_back(std::move(endpoint));
  } else {
    diagnostics.push_back(
        model::Diagnostic{service.origin, "Service " + Key(namespace_, ref.name),
                          MakeError(ErrorCode::kInvalid,
                                    "service-upstream needs a ClusterIP, the Service has \"" +
                                        service.cluster_ip + "\"; requests get 503",
                                    "spec.clusterIP")});
  }
  return backend;
}

void EndpointCollector::AddFromSlices(const std::vector<const model::EndpointSlice*>& slices,
                                      const model::ServicePort& port) {
  for (const model::EndpointSlice* slice : slices) {
    if (slice->address_type == "FQDN") {
      Report(slice, "EndpointSlice", slice->meta, slice->origin,
             MakeError(ErrorCode::kUnsupported, "FQDN endpoints are not supported; skipped",
                       "addressType"));
      continue;
    }
    // The slice port carries the ServicePort's name ("" for a Service's single unnamed port).
    const model::SlicePort* slice_port = nullptr;
    for (const auto& candidate : slice->ports) {
      if (candidate.name.value_or("") == port.name && candidate.port.has_value()) {
        slice_port = &candidate;
        break;
      }
    }
    if (slice_port == nullptr) continue;
    for (const auto& endpoint : slice->endpoints) {
      if (!endpoint.ready.value_or(true) || endpoint.addresses.empty()) continue;
      // Kubernetes: the addresses are fungible, consumers may use only the first.
      AddEndpoint(endpoint.addresses.front(), *slice_port->port, slice->meta, slice->origin,
                  "EndpointSlice");
    }
  }
}

void EndpointCollector::AddFromEndpoints(const model::Endpoints& endpoints,
                                         const model::ServicePort& port) {
  for (const auto& subset : endpoints.subsets) {
    const model::EndpointPort* endpoint_port = nullptr;
    if (port.name.empty()) {
      if (subset.ports.size() == 1) endpoint_port = &subset.ports.front();
    } else {
      for (const auto& candidate : subset.ports) {
        if (candidate.name == port.name) {
          endpoint_port = &candidate;
          break;
        }
      }
    }
    if (endpoint_port == nullptr) continue;
    for (const auto& address : subset.addresses) {  // never not_ready_addresses
      AddEndpoint(address.ip, endpoint_port->port, endpoints.meta, endpoints.origin, "Endpoints");
    }
  }
}

void EndpointCollector::AddEndpoint(const std::string& ip, int32_t port,
                                    const model::ObjectMeta& meta, const model::Origin& origin,
                                    const char* kind) {
  Endpoint endpoint;
  if (!MakeEndpoint(ip, port, endpoint)) {
    Report(&meta, kind, meta, origin,
           MakeError(ErrorCode::kInvalid, "endpoint \"" + ip + "\" port " + std::to_string(port) +
                                              " is not an IP address and port; skipped"));
    return;
  }
  if (!seen_addresses_.insert(endpoint.address).second) return;
  backend_.endpoints.push_back(std::move(endpoint));
}

void EndpointCollector::Report(const void* object, const char* kind,
                               const model::ObjectMeta& meta, const model::Origin& origin,
                               Error error) {
  if (!reported_.insert(object).second) return;
  diagnostics_.push_back(model::Diagnostic{
      origin, std::string(kind) + " " + Key(meta.namespace_, meta.name), std::move(error)});
}

}  // namespace waygate::route::internal
