// RouteCompiler: holds the objects a gateway follows and compiles each next RouteTable from what
// changed since the last one. An Ingress change rebuilds only the hosts it names (before and
// after the change); a Service or Secret change rebuilds the Ingresses that name it (as a
// backend, default-backend or auth-secret); an endpoints change
// replaces only that Service's Backends. A Gateway or IngressClass change recompiles everything
// (they decide which Ingresses are served and every Route's defaults). Unchanged hosts and
// Backends are shared with the previous snapshot, which stays valid and immutable.
//
// The result is the same table a compile from scratch gives (tests compare the two): the
// (namespace, name) order of Ingresses decides every tie, whatever order changes arrive in.
//
// Single-threaded: the sync thread owns it. Objects are held by shared_ptr (const, never
// modified); a caller that owns them elsewhere may pass non-owning pointers that outlive the
// compiler (RouteTable::Compile does).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/decode.h"
#include "model/objects.h"
#include "route/route_table.h"

namespace waygate::route {

class RouteCompiler {
 public:
  explicit RouteCompiler(CompileOptions options);
  ~RouteCompiler();
  RouteCompiler(const RouteCompiler&) = delete;
  RouteCompiler& operator=(const RouteCompiler&) = delete;

  // Upsert by the object's namespace/name; Remove by namespace/name.
  void Upsert(std::shared_ptr<const model::Ingress> ingress);
  void Upsert(std::shared_ptr<const model::Service> service);
  void Upsert(std::shared_ptr<const model::Endpoints> endpoints);
  void Upsert(std::shared_ptr<const model::EndpointSlice> slice);
  void Upsert(std::shared_ptr<const model::IngressClass> ingress_class);
  void Upsert(std::shared_ptr<const model::Gateway> gateway);
  // auth-secret of auth-type basic: a Secret change recompiles the Ingresses that name it.
  void Upsert(std::shared_ptr<const model::Secret> secret);
  enum class Kind {
    kIngress,
    kService,
    kEndpoints,
    kEndpointSlice,
    kIngressClass,
    kGateway,
    kSecret
  };
  void Remove(Kind kind, const std::string& namespace_, const std::string& name);

  // The next table. Diagnostics of the parts rebuilt now are appended (every diagnostic on the
  // first compile). Returns nullptr when nothing served changed since the last table (a Service
  // no Ingress names, say), so the caller need not publish; the first call always returns one.
  std::shared_ptr<const RouteTable> Compile(std::vector<model::Diagnostic>& diagnostics);

  size_t ingress_count() const;     // Ingresses held (served or not)
  size_t diagnostic_count() const;  // problems in the last table compiled, all parts

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waygate::route
