#include "route/backends.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace waygate::route::internal {
namespace {

constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

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

BackendResolver::BackendResolver(const model::ClusterView& state,
                                 std::vector<model::Diagnostic>& diagnostics)
    : diagnostics_(diagnostics) {
  services_.reserve(state.services.size());
  endpoints_.reserve(state.endpoints.size());
  by_key_.reserve(state.services.size());
  for (const auto& service : state.services) {
    services_.emplace(Key(service.meta.namespace_, service.meta.name), &service);
  }
  for (const auto& endpoints : state.endpoints) {
    endpoints_.emplace(Key(endpoints.meta.namespace_, endpoints.meta.name), &endpoints);
  }
  for (const auto& slice : state.endpoint_slices) {
    auto label = slice.meta.labels.find(kServiceNameLabel);
    if (label == slice.meta.labels.end()) continue;
    slices_[Key(slice.meta.namespace_, label->second)].push_back(&slice);
  }
}

Result<const Backend*> BackendResolver::Resolve(const std::string& namespace_,
                                                const model::IngressServiceBackend& ref) {
  const bool by_name = !ref.port.name.empty();
  const std::string port_text = by_name ? ref.port.name : std::to_string(ref.port.number);
  const std::string service_key = Key(namespace_, ref.name);
  std::string key = service_key + ":" + port_text;
  if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;

  auto service_it = services_.find(service_key);
  if (service_it == services_.end()) {
    return MakeError(ErrorCode::kNotFound, "service \"" + service_key + "\" not found",
                     "service.name");
  }
  const model::Service& service = *service_it->second;
  const model::ServicePort* port = nullptr;
  for (const auto& candidate : service.ports) {
    if (by_name ? candidate.name == ref.port.name : candidate.port == ref.port.number) {
      port = &candidate;
      break;
    }
  }
  if (port == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "service \"" + service_key + "\" has no port " + port_text,
                     by_name ? "service.port.name" : "service.port.number");
  }

  auto backend = std::make_unique<Backend>();
  backend->index = static_cast<uint32_t>(backends_.size());
  backend->key = key;
  backend->namespace_ = namespace_;
  backend->service = ref.name;
  backend->port = port_text;
  seen_addresses_.clear();
  // Kubernetes: EndpointSlices are the source of truth when they exist; the Endpoints object
  // is the fallback (and what Services without selectors are usually given by hand).
  if (auto slices = slices_.find(service_key); slices != slices_.end()) {
    AddFromSlices(slices->second, *port, *backend);
  } else if (auto eps = endpoints_.find(service_key); eps != endpoints_.end()) {
    AddFromEndpoints(*eps->second, *port, *backend);
  }
  // A stable order keeps consistent hashing and round-robin positions steady across snapshots.
  std::sort(backend->endpoints.begin(), backend->endpoints.end(),
            [](const Endpoint& a, const Endpoint& b) { return a.address < b.address; });

  const Backend* result = backend.get();
  by_key_.emplace(std::move(key), result);
  backends_.push_back(std::move(backend));
  return result;
}

void BackendResolver::AddFromSlices(const std::vector<const model::EndpointSlice*>& slices,
                                    const model::ServicePort& port, Backend& backend) {
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
                  "EndpointSlice", backend);
    }
  }
}

void BackendResolver::AddFromEndpoints(const model::Endpoints& endpoints,
                                       const model::ServicePort& port, Backend& backend) {
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
      AddEndpoint(address.ip, endpoint_port->port, endpoints.meta, endpoints.origin, "Endpoints",
                  backend);
    }
  }
}

void BackendResolver::AddEndpoint(const std::string& ip, int32_t port,
                                  const model::ObjectMeta& meta, const model::Origin& origin,
                                  const char* kind, Backend& backend) {
  Endpoint endpoint;
  if (!MakeEndpoint(ip, port, endpoint)) {
    Report(&meta, kind, meta, origin,
           MakeError(ErrorCode::kInvalid, "endpoint \"" + ip + "\" port " + std::to_string(port) +
                                              " is not an IP address and port; skipped"));
    return;
  }
  if (!seen_addresses_.insert(endpoint.address).second) return;
  backend.endpoints.push_back(std::move(endpoint));
}

void BackendResolver::Report(const void* object, const char* kind, const model::ObjectMeta& meta,
                             const model::Origin& origin, Error error) {
  if (!reported_.insert(object).second) return;
  diagnostics_.push_back(model::Diagnostic{
      origin, std::string(kind) + " " + Key(meta.namespace_, meta.name), std::move(error)});
}

}  // namespace waygate::route::internal
