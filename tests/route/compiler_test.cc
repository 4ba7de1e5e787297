// RouteCompiler: an incrementally compiled table must equal a compile from scratch of the same
// objects, whatever sequence of changes led there; and unchanged parts must really be shared.
#include "route/compiler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "builders.h"

namespace waygate::route::testing {
namespace {

constexpr PathType kE = PathType::kExact;
constexpr PathType kP = PathType::kPrefix;

// Everything a request sees from one lookup, as text.
std::string Describe(const RouteTable& table, std::string_view host, std::string_view path) {
  const Route* route = table.Lookup(host, path);
  if (route == nullptr) return "none";
  std::string out = route->ingress_namespace + "/" + route->ingress_name + " " + route->path +
                    " " + std::to_string(static_cast<int>(route->path_type)) + " svc=" +
                    route->service + " body=" + std::to_string(route->settings.proxy_body_size);
  // Annotation results: which policy (by Ingress), regex, canary, redirect, fallback, auth.
  if (route->policy != nullptr) {
    out += " policy";
    if (route->policy->auth.type == annotations::AuthPolicy::Type::kBasic) {
      out += route->policy->auth.credentials != nullptr ? " auth=ok" : " auth=503";
    }
  }
  if (route->path_regex != nullptr) out += " regex";
  if (!route->www_redirect_host.empty()) out += " www->" + route->www_redirect_host;
  auto describe_backend = [&](uint32_t slot) -> std::string {
    const Backend* backend =
        slot < table.backends().size() ? table.backends()[slot].get() : nullptr;
    if (backend == nullptr) return " no-backend";
    std::string text = " " + backend->key + " [";
    for (const Endpoint& e : backend->endpoints) text += e.address + " ";
    return text + "]";
  };
  if (route->canary != nullptr) {
    out += " canary=" + route->canary->ingress_namespace + "/" + route->canary->ingress_name +
           describe_backend(route->canary->backend_slot);
  }
  if (route->default_backend_slot != Route::kNoBackend) {
    out += " fallback=" + describe_backend(route->default_backend_slot);
  }
  return out + describe_backend(route->backend_slot);
}

const std::vector<std::string> kProbeHosts = {"h0.com",     "h1.com",    "h2.com",  "x.w.com",
                                              "w.com",      "other.org", "H1.COM",  "www.h0.com",
                                              "www.h2.com", "al.com",    "x.al.com"};
const std::vector<std::string> kProbePaths = {"/",    "/a",  "/a/b", "/x",
                                              "/zzz", "/a/", "/A/B", "/a1"};

// How often each annotation feature showed up in the probes (the random universe must reach
// every one of them, or the comparison proves nothing about it).
std::map<std::string, int> g_seen;

void ExpectSameTables(const RouteTable& incremental, const RouteTable& full, int step) {
  for (const auto& host : kProbeHosts) {
    for (const auto& path : kProbePaths) {
      const std::string described = Describe(incremental, host, path);
      ASSERT_EQ(described, Describe(full, host, path))
          << "step " << step << " host " << host << " path " << path;
      for (const char* feature : {" policy", " regex", " www->", " canary=", " fallback=",
                                  " auth=ok", " auth=503", "|cluster-ip"}) {
        if (described.find(feature) != std::string::npos) ++g_seen[feature];
      }
      if (host.find("al.com") != std::string::npos && described != "none") ++g_seen["alias"];
    }
  }
  ASSERT_EQ(incremental.route_count(), full.route_count()) << "step " << step;
  ASSERT_EQ(*incremental.tls_bindings(), *full.tls_bindings()) << "step " << step;
  ASSERT_EQ(incremental.backend_count(), full.backend_count()) << "step " << step;
  ASSERT_EQ(incremental.scope_namespace(), full.scope_namespace()) << "step " << step;
  ASSERT_EQ(incremental.gateway_settings().client_header_timeout_ms,
            full.gateway_settings().client_header_timeout_ms)
      << "step " << step;
  for (size_t i = 0; i < incremental.backends().size(); ++i) {
    if (incremental.backends()[i]) {
      ASSERT_EQ(incremental.backends()[i]->index, i);
    }
  }
}

template <class T>
void UpsertInto(std::vector<T>& items, T item) {
  for (T& existing : items) {
    if (existing.meta.namespace_ == item.meta.namespace_ && existing.meta.name == item.meta.name) {
      existing = std::move(item);
      return;
    }
  }
  items.push_back(std::move(item));
}

template <class T>
bool EraseFrom(std::vector<T>& items, const std::string& namespace_, const std::string& name) {
  return std::erase_if(items, [&](const T& t) {
           return t.meta.namespace_ == namespace_ && t.meta.name == name;
         }) > 0;
}

// Random changes over a small universe, so that hosts, paths and Services collide often.
class RandomCluster {
 public:
  explicit RandomCluster(uint32_t seed) : rng_(seed) {}

  // Applies one random change to `state` and the same change to `compiler`.
  void Step(model::ClusterState& state, RouteCompiler& compiler) {
    const std::string ns = Pick({"a", "b"});
    switch (Roll(14)) {
      case 0:
      case 1:
      case 2:
      case 3: {
        auto ingress = std::make_shared<model::Ingress>(RandomIngress(ns));
        UpsertInto(state.ingresses, *ingress);
        compiler.Upsert(std::shared_ptr<const model::Ingress>(ingress));
        break;
      }
      case 4: {
        std::string name = Pick({"i0", "i1", "i2", "i3"});
        EraseFrom(state.ingresses, ns, name);
        compiler.Remove(RouteCompiler::Kind::kIngress, ns, name);
        break;
      }
      case 5: {
        std::vector<PortSpec> ports = {{"http", 80}};
        if (Roll(2) == 0) ports.push_back({"admin", 81});
        auto service = std::make_shared<model::Service>(MakeService(ns, Service(), ports));
        service->cluster_ip = Pick({"10.96.0.1", "10.96.0.2", "None"});
        UpsertInto(state.services, *service);
        compiler.Upsert(std::shared_ptr<const model::Service>(service));
        break;
      }
      case 6: {
        std::string name = Service();
        EraseFrom(state.services, ns, name);
        compiler.Remove(RouteCompiler::Kind::kService, ns, name);
        break;
      }
      case 7: {
        std::vector<std::string> ips;
        for (int i = Roll(3); i > 0; --i) ips.push_back("10.0." + std::to_string(Roll(3)) + ".1");
        auto endpoints = std::make_shared<model::Endpoints>(
            MakeEndpoints(ns, Service(), ips, {{"http", 8080}, {"admin", 8081}}));
        UpsertInto(state.endpoints, *endpoints);
        compiler.Upsert(std::shared_ptr<const model::Endpoints>(endpoints));
        break;
      }
      case 8: {
        std::string name = Service();
        if (Roll(2) == 0) {
          EraseFrom(state.endpoints, ns, name);
          compiler.Remove(RouteCompiler::Kind::kEndpoints, ns, name);
        } else {
          EraseFrom(state.endpoint_slices, ns, name + "-x");
          compiler.Remove(RouteCompiler::Kind::kEndpointSlice, ns, name + "-x");
        }
        break;
      }
      case 9: {
        std::string service = Service();
        auto slice = std::make_shared<model::EndpointSlice>(
            MakeSlice(ns, Pick({"s0", "s1"}) + "-x", service,
                      {{"10.1.0." + std::to_string(Roll(4)), std::nullopt}}, {{"http", 9090}}));
        UpsertInto(state.endpoint_slices, *slice);
        compiler.Upsert(std::shared_ptr<const model::EndpointSlice>(slice));
        break;
      }
      case 10: {
        // Gateway: scope and a setting that changes every Route's defaults.
        auto gateway = std::make_shared<model::Gateway>(MakeGateway(model::kClusterGatewayName));
        if (Roll(2) == 0) gateway->controller.scope = {true, Pick({"a", "b"})};
        gateway->controller.config["proxy-body-size"] = Pick({"1m", "2m", "bogus"});
        // Changes no table holds (the type, status): must not change what is served.
        gateway->service.type = Pick({"NodePort", "LoadBalancer"});
        if (Roll(2) == 0) gateway->status.load_balancer_ingress.push_back({"10.9.9.9", ""});
        UpsertInto(state.gateways, *gateway);
        compiler.Upsert(std::shared_ptr<const model::Gateway>(gateway));
        break;
      }
      case 12: {
        // auth-secrets: "auth" good, bad, or missing.
        std::map<std::string, std::string> data;
        switch (Roll(3)) {
          case 0:
            data["auth"] = "user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n";
            break;
          case 1:
            data["auth"] = "garbage";
            break;
          default:
            data["user"] = "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=";
        }
        model::Secret object;
        object.meta.namespace_ = ns;
        object.meta.name = Pick({"pw0", "pw1"});
        object.data = std::move(data);
        auto secret = std::make_shared<model::Secret>(std::move(object));
        UpsertInto(state.secrets, *secret);
        compiler.Upsert(std::shared_ptr<const model::Secret>(secret));
        break;
      }
      case 13: {
        std::string name = Pick({"pw0", "pw1"});
        EraseFrom(state.secrets, ns, name);
        compiler.Remove(RouteCompiler::Kind::kSecret, ns, name);
        break;
      }
      default: {
        if (Roll(2) == 0) {
          auto ingress_class = std::make_shared<model::IngressClass>(
              MakeClass("other", Roll(2) == 0 ? model::kControllerName : "else", Roll(2) == 0));
          UpsertInto(state.ingress_classes, *ingress_class);
          compiler.Upsert(std::shared_ptr<const model::IngressClass>(ingress_class));
        } else {
          EraseFrom(state.ingress_classes, "", "other");
          compiler.Remove(RouteCompiler::Kind::kIngressClass, "", "other");
        }
      }
    }
  }

 private:
  int Roll(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  std::string Pick(std::vector<std::string> options) { return options[Roll(options.size())]; }
  std::string Service() { return Pick({"s0", "s1", "s2"}); }

  model::Ingress RandomIngress(const std::string& ns) {
    IngressBuilder builder(ns, Pick({"i0", "i1", "i2", "i3"}));
    int rules = 1 + Roll(2);
    for (int r = 0; r < rules; ++r) {
      builder.Rule(Pick({"h0.com", "h1.com", "H1.com", "h2.com", "*.w.com", "", "bad*.com"}));
      int paths = Roll(3);
      for (int p = 0; p < paths; ++p) {
        model::IngressBackend backend =
            Roll(4) == 0 ? NamedPortBackend(Service(), Pick({"http", "admin", "nope"}))
                         : ServiceBackend(Service(), Roll(5) == 0 ? 81 : 80);
        builder.Path(Pick({"/", "/a", "/a/", "/a/b", "/x", "rel", "/a[0-9]", "/x("}),
                     Roll(3) == 0 ? kE : kP, backend);
      }
    }
    if (Roll(3) == 0) builder.Default(Service());
    if (Roll(8) == 0) builder.Annotation("nginx.ingress.kubernetes.io/proxy-body-size", "bogus");
    if (Roll(6) == 0) builder.Annotation("nginx.ingress.kubernetes.io/proxy-body-size", "8m");
    if (Roll(6) == 0) builder.ClassName(Pick({"other", "waygate", "else"}));
    if (Roll(4) == 0) builder.Tls({}, "cert");
    // Annotations of issue 6 that change what the compiler builds.
    const std::string a = "nginx.ingress.kubernetes.io/";
    if (Roll(6) == 0) builder.Annotation(a + "use-regex", "true");
    if (Roll(8) == 0) builder.Annotation(a + "rewrite-target", "/$1");
    if (Roll(5) == 0) {
      builder.Annotation(a + "canary", "true");
      builder.Annotation(a + "canary-weight", "10");
    }
    if (Roll(6) == 0)
      builder.Annotation(a + "server-alias", Pick({"al.com", "h2.com", "*.al.com"}));
    if (Roll(6) == 0) builder.Annotation(a + "from-to-www-redirect", "true");
    if (Roll(6) == 0) builder.Annotation(a + "default-backend", Service());
    if (Roll(8) == 0) builder.Annotation(a + "service-upstream", "true");
    if (Roll(6) == 0) {
      builder.Annotation(a + "auth-type", "basic");
      builder.Annotation(a + "auth-secret", Pick({"pw0", "pw1"}));
      if (Roll(2) == 0) builder.Annotation(a + "auth-secret-type", "auth-map");
    }
    if (Roll(10) == 0) builder.Annotation(a + "mirror-target", "http://x");
    return builder;
  }

  std::mt19937 rng_;
};

TEST(RouteCompiler, IncrementalEqualsFullCompileOverRandomChanges) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomCluster cluster(seed);
    model::ClusterState state;
    RouteCompiler compiler(CompileOptions{});
    std::shared_ptr<const RouteTable> incremental;
    std::vector<std::shared_ptr<const RouteTable>> published;  // older snapshots stay valid
    for (int step = 0; step < 150; ++step) {
      int burst = 1 + static_cast<int>(seed % 3);  // several changes per compile, sometimes
      for (int i = 0; i < burst; ++i) cluster.Step(state, compiler);
      std::vector<model::Diagnostic> changed_diagnostics;
      if (auto table = compiler.Compile(changed_diagnostics)) {
        incremental = table;
        published.push_back(table);
      }
      ASSERT_NE(incremental, nullptr);
      std::vector<model::Diagnostic> all;
      auto full = RouteTable::Compile(state, CompileOptions{}, all);
      ExpectSameTables(*incremental, *full, step);
      if (HasFatalFailure()) {
        for (const auto& ing : state.ingresses) {
          std::string d = ing.meta.namespace_ + "/" + ing.meta.name + ":";
          if (ing.ingress_class_name) d += " class=" + *ing.ingress_class_name;
          for (const auto& [k, v] : ing.meta.annotations) d += " " + v;
          if (ing.default_backend) d += " default=" + ing.default_backend->service->name;
          for (const auto& r : ing.rules) {
            d += " [" + r.host;
            for (const auto& p : r.paths) d += " " + p.path + "->" + p.backend.service->name;
            d += "]";
          }
          ADD_FAILURE() << d;
        }
        for (const auto& sv : state.services) ADD_FAILURE() << "svc " << sv.meta.namespace_ << "/" << sv.meta.name;
        for (const auto& g : state.gateways) ADD_FAILURE() << "gw scope " << g.controller.scope.namespace_;
      }
      ASSERT_EQ(compiler.diagnostic_count(), all.size()) << "step " << step;
      if (HasFatalFailure()) return;
    }
    // Every snapshot published on the way is still readable (nothing it shares was mutated).
    for (const auto& table : published) {
      for (const auto& host : kProbeHosts) (void)Describe(*table, host, "/a");
    }
  }
  for (const char* feature : {" policy", " regex", " www->", " canary=", " fallback=", " auth=ok",
                              " auth=503", "|cluster-ip", "alias"}) {
    EXPECT_GT(g_seen[feature], 0) << "no probe ever saw" << feature;
  }
}

TEST(RouteCompiler, NothingServedChangedGivesNoTable) {
  RouteCompiler compiler(CompileOptions{});
  compiler.Upsert(std::make_shared<const model::Service>(MakeService("default", "svc")));
  compiler.Upsert(std::make_shared<const model::Ingress>(
      IngressBuilder("default", "web").Rule("a.com").Path("/", kP).Build()));
  std::vector<model::Diagnostic> diagnostics;
  ASSERT_NE(compiler.Compile(diagnostics), nullptr);  // the first compile always gives one
  // A Service and endpoints no Ingress names change nothing served.
  compiler.Upsert(std::make_shared<const model::Service>(MakeService("default", "unused")));
  compiler.Upsert(std::make_shared<const model::Endpoints>(
      MakeEndpoints("default", "unused", {"10.0.0.9"}, {{"", 80}})));
  EXPECT_EQ(compiler.Compile(diagnostics), nullptr);
  // Endpoints of the Service the route uses do.
  compiler.Upsert(std::make_shared<const model::Endpoints>(
      MakeEndpoints("default", "svc", {"10.0.0.1"}, {{"", 80}})));
  auto table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  const Backend* backend = table->BackendOf(*table->Lookup("a.com", "/"));
  ASSERT_NE(backend, nullptr);
  ASSERT_EQ(backend->endpoints.size(), 1u);
  EXPECT_EQ(backend->endpoints[0].address, "10.0.0.1:80");
}

TEST(RouteCompiler, UnchangedHostsAndBackendsAreSharedBetweenSnapshots) {
  RouteCompiler compiler(CompileOptions{});
  for (const char* name : {"one", "two"}) {
    compiler.Upsert(std::make_shared<const model::Service>(MakeService("default", name)));
    compiler.Upsert(std::make_shared<const model::Endpoints>(
        MakeEndpoints("default", name, {"10.0.0.1"}, {{"", 80}})));
    compiler.Upsert(std::make_shared<const model::Ingress>(
        IngressBuilder("default", name)
            .Rule(std::string(name) + ".com")
            .Path("/", kP, name)
            .Build()));
  }
  std::vector<model::Diagnostic> diagnostics;
  auto first = compiler.Compile(diagnostics);
  ASSERT_NE(first, nullptr);
  const Route* one_before = first->Lookup("one.com", "/");
  const Route* two_before = first->Lookup("two.com", "/");
  const Backend* two_backend_before = first->BackendOf(*two_before);

  // Change only Ingress "one": host two.com keeps its very Routes and Backend.
  compiler.Upsert(std::make_shared<const model::Ingress>(
      IngressBuilder("default", "one").Rule("one.com").Path("/v2", kP, "one").Build()));
  auto second = compiler.Compile(diagnostics);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->Lookup("two.com", "/"), two_before);
  EXPECT_EQ(second->BackendOf(*two_before), two_backend_before);
  EXPECT_EQ(second->Lookup("one.com", "/"), nullptr);
  ASSERT_NE(second->Lookup("one.com", "/v2"), nullptr);
  // The first snapshot is untouched.
  EXPECT_EQ(first->Lookup("one.com", "/"), one_before);
  EXPECT_EQ(one_before->path, "/");

  // An endpoints change of "two" replaces its Backend in place: same slot, same Routes.
  compiler.Upsert(std::make_shared<const model::Endpoints>(
      MakeEndpoints("default", "two", {"10.0.0.2"}, {{"", 80}})));
  auto third = compiler.Compile(diagnostics);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->Lookup("two.com", "/"), two_before);
  const Backend* two_backend_after = third->BackendOf(*two_before);
  ASSERT_NE(two_backend_after, nullptr);
  EXPECT_NE(two_backend_after, two_backend_before);
  EXPECT_EQ(two_backend_after->index, two_backend_before->index);
  EXPECT_EQ(two_backend_after->endpoints[0].address, "10.0.0.2:80");
  EXPECT_EQ(second->BackendOf(*two_before)->endpoints[0].address, "10.0.0.1:80");
}

}  // namespace
}  // namespace waygate::route::testing
