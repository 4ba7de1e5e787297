// RouteTable: the immutable, compiled form of every Ingress a gateway serves.
//
// Compile() runs on the control thread whenever the cluster state changes; Lookup() runs on
// worker threads for every request and never allocates or locks.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "annotations/policy.h"
#include "model/decode.h"
#include "model/objects.h"
#include "route/settings.h"

namespace waygate::route {

// One ready address:port of a Service's backend, resolved at compile time.
struct Endpoint {
  std::string address;  // "10.0.0.7:8080" or "[fd00::7]:8080": stable key for per-worker pools
  sockaddr_storage sockaddr{};
  socklen_t sockaddr_len = 0;
};

// A Service port as a load-balancing target. Shared by every Route that names the same
// namespace/service/port, and by successive snapshots until its Service or endpoints change.
struct Backend {
  uint32_t index = 0;  // slot in RouteTable::backends(), stable while any Route uses the key
  std::string key;     // "namespace/service:port" (port as written: number or name)
  std::string namespace_;
  std::string service;
  std::string port;                 // for metrics labels
  std::vector<Endpoint> endpoints;  // ready endpoints only; empty -> 503
};

struct Route {
  std::string ingress_namespace;  // metrics/log labels
  std::string ingress_name;
  std::string host;  // as written in the rule ("" for any host, "*.foo.com")
  std::string path;  // as written in the Ingress ("/" for a defaultBackend)
  model::PathType path_type = model::PathType::kPrefix;
  std::string service;  // the Service named ("" for a non-service backend); metrics labels
  // Slot in RouteTable::backends(); kNoBackend when the Service (or its port) does not exist:
  // the gateway answers 503, as ingress-nginx does for a missing service. A slot, not a
  // pointer, so that an endpoints change replaces one Backend without rebuilding the Routes.
  uint32_t backend_slot = kNoBackend;
  RouteSettings settings;
  // The Ingress's nginx.ingress.kubernetes.io/* policy (annotations/policy.h), shared by all of
  // its Routes; null when the Ingress has none of those keys: the request path then skips
  // every annotation feature with this one test.
  std::shared_ptr<const annotations::Policy> policy;
  // use-regex / rewrite-target on any Ingress of this host: `path` as a case-insensitive RE2
  // anchored at the start (Lookup matches it; the rewrite reads its capture groups).
  std::shared_ptr<const re2::RE2> path_regex;
  // A canary Ingress (canary: "true") for the same host and path: where a request goes when
  // the canary policy picks it. Null: no canary.
  struct Canary {
    uint32_t backend_slot = kNoBackend;
    std::shared_ptr<const annotations::Policy> policy;  // never null: canary-* keys live here
    std::string ingress_namespace;
    std::string ingress_name;
    std::string service;
  };
  std::shared_ptr<const Canary> canary;
  // from-to-www-redirect: this route exists only to redirect to `www_redirect_host` (the same
  // request URI, the gateway's http-redirect-code); "" for every ordinary route.
  std::string www_redirect_host;
  // default-backend annotation: the Service answering when this route has no ready endpoint,
  // and for custom-http-errors. kNoBackend: none.
  uint32_t default_backend_slot = kNoBackend;

  static constexpr uint32_t kNoBackend = ~uint32_t{0};
};

// One host an Ingress secures with a Secret of its own namespace (spec.tls[]); a tls entry
// without hosts covers the Ingress's rule hosts. In (namespace, name) order of the Ingresses.
struct TlsBinding {
  std::string host;  // lower-case, as written otherwise ("*.example.com" stays a wildcard)
  std::string ingress_namespace;
  std::string ingress_name;
  std::string secret_name;  // "" when the entry names none: the default certificate
  bool operator==(const TlsBinding&) const = default;
};

struct CompileOptions {
  std::string ingress_class = "waygate";
  // "namespace/name" of the Gateway whose scope and config apply; empty: the cluster gateway
  // kubesphere-controls-system/kubesphere-router-kubesphere-system.
  std::string gateway;
};

class RouteCompiler;

class RouteTable {
 public:
  // Builds the table. Problems with individual objects (invalid annotations, unknown service)
  // become diagnostics and are skipped or served as 503 — compile itself never fails, so one
  // bad Ingress never stops the others.
  static std::shared_ptr<const RouteTable> Compile(const model::ClusterView& state,
                                                   const CompileOptions& options,
                                                   std::vector<model::Diagnostic>& diagnostics);

  // `host`: lower-case, port removed, trailing dot removed. `path`: normalised, no query.
  // Returns the matching route or nullptr (the gateway's own 404). The host is chosen first
  // (exact, else "*.parent" for one extra label, else the host-less rules) and there is no
  // fall-through to another host; inside it the longest path wins (Exact, then Prefix, then
  // ImplementationSpecific on equal length); a miss gives that host's defaultBackend, else the
  // gateway-wide one (first served Ingress's defaultBackend by namespace/name), else nullptr.
  const Route* Lookup(std::string_view host, std::string_view path) const;

  // The Backend a Route sends to, or nullptr (503).
  const Backend* BackendOf(const Route& route) const {
    return route.backend_slot < backends_.size() ? backends_[route.backend_slot].get() : nullptr;
  }

  const GatewaySettings& gateway_settings() const { return gateway_settings_; }
  // Indexed by Backend::index; a null entry is a free slot.
  const std::vector<std::shared_ptr<const Backend>>& backends() const { return backends_; }
  size_t backend_count() const { return backend_count_; }
  // Routes served: one per Ingress path kept, plus one per defaultBackend.
  size_t route_count() const { return route_count_; }
  // Namespace this gateway serves; empty = all (cluster gateway).
  const std::string& scope_namespace() const { return scope_namespace_; }
  // Every host served Ingresses secure. The same pointer as the previous table's when unchanged.
  const std::shared_ptr<const std::vector<TlsBinding>>& tls_bindings() const {
    return tls_bindings_;
  }

  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

 private:
  friend class RouteCompiler;
  RouteTable() = default;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  GatewaySettings gateway_settings_;
  std::vector<std::shared_ptr<const Backend>> backends_;
  size_t backend_count_ = 0;
  size_t route_count_ = 0;
  std::string scope_namespace_;
  std::shared_ptr<const std::vector<TlsBinding>> tls_bindings_;
};

}  // namespace waygate::route
