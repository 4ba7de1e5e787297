#include "route/route_table.h"

#include "route/compiler.h"
#include "route/host_table.h"

namespace waygate::route {
namespace {

// A pointer to an object the caller owns and keeps alive for the whole compile.
template <class T>
std::shared_ptr<const T> Borrow(const T& object) {
  return std::shared_ptr<const T>(std::shared_ptr<const T>(), &object);
}

}  // namespace

std::shared_ptr<const RouteTable> RouteTable::Compile(const model::ClusterView& state,
                                                      const CompileOptions& options,
                                                      std::vector<model::Diagnostic>& diagnostics) {
  // The same compiler the API follower keeps between changes, run once from empty: one code
  // path, and the table holds nothing of `state` (Routes copy what they need).
  RouteCompiler compiler(options);
  for (const auto& item : state.gateways) compiler.Upsert(Borrow(item));
  for (const auto& item : state.ingress_classes) compiler.Upsert(Borrow(item));
  for (const auto& item : state.services) compiler.Upsert(Borrow(item));
  for (const auto& item : state.endpoints) compiler.Upsert(Borrow(item));
  for (const auto& item : state.endpoint_slices) compiler.Upsert(Borrow(item));
  for (const auto& item : state.secrets) compiler.Upsert(Borrow(item));
  for (const auto& item : state.ingresses) compiler.Upsert(Borrow(item));
  return compiler.Compile(diagnostics);
}

const Route* RouteTable::Lookup(std::string_view host, std::string_view path) const {
  return impl_->Lookup(host, path);
}

}  // namespace waygate::route
