// Route table cost: Compile() with N Ingresses, and Lookup() per call with 1 vs N Ingresses
// (the hot path must not grow with the number of Ingresses).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "model/objects.h"
#include "route/compiler.h"
#include "route/route_table.h"

namespace {

using waygate::model::PathType;

// N Ingresses in 10 namespaces, each with its own host, three paths and a Service with three
// ready endpoints; every tenth Ingress is a wildcard host.
waygate::model::ClusterState MakeState(int n) {
  waygate::model::ClusterState state;
  state.ingresses.reserve(n);
  state.services.reserve(n);
  state.endpoints.reserve(n);
  for (int i = 0; i < n; ++i) {
    const std::string ns = "ns-" + std::to_string(i % 10);
    const std::string name = "app-" + std::to_string(i);
    waygate::model::Service service;
    service.meta.namespace_ = ns;
    service.meta.name = name;
    service.ports.push_back({"http", "TCP", 80, {}, 0});
    state.services.push_back(service);

    waygate::model::Endpoints endpoints;
    endpoints.meta = service.meta;
    waygate::model::EndpointSubset subset;
    for (int e = 0; e < 3; ++e) {
      subset.addresses.push_back(
          {"10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "." +
               std::to_string(e + 1),
           "", ""});
    }
    subset.ports.push_back({"http", 8080, "TCP"});
    endpoints.subsets.push_back(subset);
    state.endpoints.push_back(endpoints);

    waygate::model::Ingress ingress;
    ingress.meta.namespace_ = ns;
    ingress.meta.name = name;
    ingress.meta.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "120";
    waygate::model::IngressRule rule;
    rule.host = (i % 10 == 9 ? "*." : "") + name + ".example.com";
    waygate::model::IngressBackend backend;
    backend.service = waygate::model::IngressServiceBackend{name, {"", 80}};
    rule.paths.push_back({"/", PathType::kPrefix, backend});
    rule.paths.push_back({"/api", PathType::kImplementationSpecific, backend});
    rule.paths.push_back({"/api/v1/health", PathType::kExact, backend});
    ingress.rules.push_back(rule);
    state.ingresses.push_back(ingress);
  }
  return state;
}

void BM_Compile(benchmark::State& bench) {
  const auto state = MakeState(static_cast<int>(bench.range(0)));
  for (auto _ : bench) {
    std::vector<waygate::model::Diagnostic> diagnostics;
    auto table = waygate::route::RouteTable::Compile(state, {}, diagnostics);
    benchmark::DoNotOptimize(table);
  }
}
BENCHMARK(BM_Compile)->Arg(1)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// What a gateway following the API pays per change: one Ingress edited (alternately changing
// its path) with range(0) loaded, compiled incrementally by the RouteCompiler it keeps.
// Includes dropping the previous snapshot, as the sync thread eventually does.
void BM_CompileOneChange(benchmark::State& bench) {
  const auto state = MakeState(static_cast<int>(bench.range(0)));
  waygate::route::RouteCompiler compiler({});
  for (const auto& item : state.services) {
    compiler.Upsert(std::make_shared<const waygate::model::Service>(item));
  }
  for (const auto& item : state.endpoints) {
    compiler.Upsert(std::make_shared<const waygate::model::Endpoints>(item));
  }
  for (const auto& item : state.ingresses) {
    compiler.Upsert(std::make_shared<const waygate::model::Ingress>(item));
  }
  std::vector<waygate::model::Diagnostic> diagnostics;
  auto table = compiler.Compile(diagnostics);
  size_t i = 0;
  for (auto _ : bench) {
    auto edited = std::make_shared<waygate::model::Ingress>(
        state.ingresses[(i * 7919) % state.ingresses.size()]);
    if (!edited->rules.empty() && !edited->rules[0].paths.empty() && i % 2 == 0) {
      edited->rules[0].paths[0].path = "/edited";
    }
    compiler.Upsert(std::shared_ptr<const waygate::model::Ingress>(edited));
    if (auto next = compiler.Compile(diagnostics)) table = std::move(next);
    benchmark::DoNotOptimize(table);
    ++i;
  }
}
BENCHMARK(BM_CompileOneChange)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_Lookup(benchmark::State& bench) {
  const int n = static_cast<int>(bench.range(0));
  const auto state = MakeState(n);
  std::vector<waygate::model::Diagnostic> diagnostics;
  auto table = waygate::route::RouteTable::Compile(state, {}, diagnostics);
  // Requests spread over range(1) hosts: 1 is a hot host, 1024 makes the larger table's
  // lookups miss the caches as varied traffic would.
  std::vector<std::string> hosts;
  for (int i = 0; i < std::min<int>(n, static_cast<int>(bench.range(1))); ++i) {
    int which = static_cast<int>((static_cast<long>(i) * 7919) % n);
    hosts.push_back((which % 10 == 9 ? "x." : "") + std::string("app-") + std::to_string(which) +
                    ".example.com");
  }
  const std::string paths[] = {"/api/v1/users", "/index.html", "/api/v1/health"};
  size_t i = 0;
  for (auto _ : bench) {
    const auto* route = table->Lookup(hosts[i % hosts.size()], paths[i % 3]);
    benchmark::DoNotOptimize(route);
    ++i;
  }
}
BENCHMARK(BM_Lookup)->Args({1, 1})->Args({10000, 1})->Args({10000, 1024});

}  // namespace

BENCHMARK_MAIN();
