// RouteTable compilation: host selection, merging, defaults, classes, scope, backends, settings.
#include "route/route_table.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builders.h"

namespace waygate::route::testing {
namespace {

constexpr PathType kE = PathType::kExact;
constexpr PathType kP = PathType::kPrefix;
constexpr PathType kI = PathType::kImplementationSpecific;

// ---- hosts ----

TEST(Hosts, ExactBeatsWildcardBeatsHostless) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "exact").Rule("a.foo.com").Path("/", kP),
      IngressBuilder("default", "wild").Rule("*.foo.com").Path("/", kP),
      IngressBuilder("default", "any").Rule("").Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("a.foo.com", "/x"), "default/exact");
  EXPECT_EQ(c.Owner("b.foo.com", "/x"), "default/wild");
  EXPECT_EQ(c.Owner("x.b.foo.com", "/x"), "default/any");
  EXPECT_EQ(c.Owner("foo.com", "/x"), "default/any");
  EXPECT_EQ(c.Owner("other.org", "/x"), "default/any");
}

TEST(Hosts, NoFallThroughFromExactHost) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "exact").Rule("a.foo.com").Path("/api", kP),
      IngressBuilder("default", "wild").Rule("*.foo.com").Path("/", kP),
      IngressBuilder("default", "any").Rule("").Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("a.foo.com", "/api/x"), "default/exact");
  // The exact host was chosen: neither the wildcard nor the host-less "/" applies.
  EXPECT_EQ(c.Owner("a.foo.com", "/web"), "none");
  EXPECT_EQ(c.Owner("b.foo.com", "/web"), "default/wild");
}

TEST(Hosts, NoFallThroughFromWildcardHost) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "wild").Rule("*.foo.com").Path("/api", kP),
      IngressBuilder("default", "any").Rule("").Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("b.foo.com", "/web"), "none");
  EXPECT_EQ(c.Owner("foo.com", "/web"), "default/any");
}

TEST(Hosts, HostWithoutPathsStillClaimsTheHost) {
  model::Ingress claim = IngressBuilder("default", "claim").Rule("a.com").Default("svc");
  Compiled c = CompileState(StateWith({claim, IngressBuilder("default", "z").Path("/", kP)}));
  // a.com has no paths: its Ingress's defaultBackend answers, not the host-less rule.
  const Route* route = c.table->Lookup("a.com", "/x");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->ingress_name, "claim");
  EXPECT_EQ(c.Owner("b.com", "/x"), "default/z");
}

TEST(Hosts, RulesOfSeveralIngressesAreMerged) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "api").Rule("shop.com").Path("/api", kP),
      IngressBuilder("default", "web").Rule("shop.com").Path("/", kP),
      IngressBuilder("other", "img").Rule("SHOP.com").Path("/img", kE),
  }));
  EXPECT_EQ(c.Owner("shop.com", "/api/cart"), "default/api");
  EXPECT_EQ(c.Owner("shop.com", "/index.html"), "default/web");
  EXPECT_EQ(c.Owner("shop.com", "/img"), "other/img");
  EXPECT_EQ(c.table->route_count(), 3u);
}

TEST(Hosts, DuplicatePathFirstByNamespaceAndNameWins) {
  // Listed out of order on purpose: ordering is by (namespace, name), not input order.
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "b").Rule("dup.com").Path("/x/", kP),
      IngressBuilder("default", "a").Rule("dup.com").Path("/x", kP),
      IngressBuilder("default", "c").Rule("dup.com").Path("/x", kE),
  }));
  EXPECT_EQ(c.Owner("dup.com", "/x/y"), "default/a");
  EXPECT_EQ(c.Owner("dup.com", "/x"), "default/c");  // Exact /x is a different rule
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_EQ(c.diagnostics[0].object, "Ingress default/b");
  EXPECT_EQ(c.diagnostics[0].error.field, "spec.rules[0].http.paths[0]");
  EXPECT_EQ(c.diagnostics[0].error.code, ErrorCode::kConflict);
}

TEST(Hosts, SamePathOnDifferentHostsIsNoConflict) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a").Rule("a.com").Path("/", kP),
      IngressBuilder("default", "b").Rule("b.com").Path("/", kP),
      IngressBuilder("default", "w").Rule("*.a.com").Path("/", kP),
  }));
  EXPECT_TRUE(c.diagnostics.empty());
  EXPECT_EQ(c.Owner("b.com", "/"), "default/b");
  EXPECT_EQ(c.Owner("x.a.com", "/"), "default/w");
}

TEST(Hosts, InvalidWildcardRuleIsSkipped) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "bad").Rule("foo.*.com").Path("/", kP).Rule("ok.com").Path("/", kP),
  }));
  EXPECT_TRUE(c.HasDiagnostic("Ingress default/bad", "spec.rules[0].host"));
  EXPECT_EQ(c.Owner("ok.com", "/"), "default/bad");
  EXPECT_EQ(c.table->route_count(), 1u);
}

// ---- default backends ----

TEST(DefaultBackend, CatchAllForUnknownHostsAndUnmatchedHostlessPaths) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "catch").Default("svc"),
      IngressBuilder("default", "web").Rule("").Path("/web", kP),
  }));
  const Route* route = c.table->Lookup("unknown.com", "/x");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->ingress_name, "catch");
  EXPECT_EQ(route->path, "/");
  ASSERT_NE(c.table->BackendOf(*route), nullptr);
  EXPECT_EQ(c.table->BackendOf(*route)->service, "svc");
  EXPECT_EQ(c.Owner("unknown.com", "/web/a"), "default/web");
}

TEST(DefaultBackend, FirstIngressByNameIsTheCatchAll) {
  model::ClusterState state = StateWith({
      IngressBuilder("zz", "first-in-input").Default("svc"),
      IngressBuilder("aa", "second-in-input").Default("svc"),
  });
  Compiled c = CompileState(state);
  EXPECT_EQ(c.Owner("x.com", "/"), "aa/second-in-input");
}

TEST(DefaultBackend, HostDefaultBeatsCatchAll) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a-catch").Default("svc"),
      IngressBuilder("default", "b-site").Rule("site.com").Path("/api", kP).Default("svc"),
      IngressBuilder("default", "c-other").Rule("other.com").Path("/api", kP),
  }));
  EXPECT_EQ(c.Owner("site.com", "/api"), "default/b-site");
  EXPECT_EQ(c.Owner("site.com", "/nothing"), "default/b-site");    // its own defaultBackend
  EXPECT_EQ(c.Owner("other.com", "/nothing"), "default/a-catch");  // no host default: catch-all
  EXPECT_EQ(c.Owner("nobody.com", "/"), "default/a-catch");
}

TEST(DefaultBackend, HostDefaultComesFromAContributingIngress) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a").Rule("site.com").Path("/a", kP),
      IngressBuilder("default", "b").Rule("site.com").Path("/b", kP).Default("svc"),
  }));
  const Route* route = c.table->Lookup("site.com", "/zzz");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->ingress_name, "b");
  EXPECT_EQ(route->host, "");
  EXPECT_EQ(route->path_type, PathType::kPrefix);
}

TEST(DefaultBackend, NothingMatchesIsNull) {
  Compiled c =
      CompileState(StateWith({IngressBuilder("default", "a").Rule("a.com").Path("/", kP)}));
  EXPECT_EQ(c.table->Lookup("b.com", "/"), nullptr);
  EXPECT_EQ(c.table->Lookup("", "/"), nullptr);
}

TEST(DefaultBackend, EmptyStateIsEmptyTable) {
  Compiled c = CompileState({});
  EXPECT_EQ(c.table->Lookup("a.com", "/"), nullptr);
  EXPECT_EQ(c.table->route_count(), 0u);
  EXPECT_TRUE(c.table->backends().empty());
  EXPECT_TRUE(c.diagnostics.empty());
}

// ---- ingress classes ----

model::ClusterState ClassState(std::vector<model::IngressClass> classes) {
  model::ClusterState state = StateWith({
      IngressBuilder("default", "named-waygate")
          .ClassName("waygate")
          .Rule("named-waygate")
          .Path("/", kP),
      IngressBuilder("default", "named-ours").ClassName("ours").Rule("named-ours").Path("/", kP),
      IngressBuilder("default", "named-nginx").ClassName("nginx").Rule("named-nginx").Path("/", kP),
      IngressBuilder("default", "legacy-waygate")
          .Annotation("kubernetes.io/ingress.class", "waygate")
          .Rule("legacy-waygate")
          .Path("/", kP),
      IngressBuilder("default", "legacy-nginx")
          .Annotation("kubernetes.io/ingress.class", "nginx")
          .Rule("legacy-nginx")
          .Path("/", kP),
      IngressBuilder("default", "classless").Rule("classless").Path("/", kP),
  });
  state.ingress_classes = std::move(classes);
  return state;
}

bool Served(const Compiled& c, const std::string& host) { return c.Owner(host, "/") != "none"; }

TEST(IngressClass, NoClassObjects) {
  Compiled c = CompileState(ClassState({}));
  EXPECT_TRUE(Served(c, "named-waygate"));  // our class name, no IngressClass object needed
  EXPECT_FALSE(Served(c, "named-ours"));
  EXPECT_FALSE(Served(c, "named-nginx"));
  EXPECT_TRUE(Served(c, "legacy-waygate"));
  EXPECT_FALSE(Served(c, "legacy-nginx"));
  EXPECT_TRUE(Served(c, "classless"));
}

TEST(IngressClass, ClassObjectsDecideByController) {
  Compiled c = CompileState(ClassState({MakeClass("ours", model::kControllerName),
                                        MakeClass("nginx", "k8s.io/ingress-nginx"),
                                        MakeClass("waygate", "someone-else.io/controller")}));
  EXPECT_TRUE(Served(c, "named-ours"));
  EXPECT_FALSE(Served(c, "named-nginx"));
  // An IngressClass called "waygate" that belongs to another controller is not ours.
  EXPECT_FALSE(Served(c, "named-waygate"));
  EXPECT_TRUE(Served(c, "classless"));
}

TEST(IngressClass, ForeignDefaultClassClaimsClasslessIngresses) {
  Compiled c = CompileState(ClassState({MakeClass("nginx", "k8s.io/ingress-nginx", true)}));
  EXPECT_FALSE(Served(c, "classless"));
  EXPECT_TRUE(Served(c, "named-waygate"));
  EXPECT_TRUE(Served(c, "legacy-waygate"));
}

TEST(IngressClass, OurDefaultClassServesClasslessIngresses) {
  Compiled c = CompileState(ClassState({MakeClass("ours", model::kControllerName, true)}));
  EXPECT_TRUE(Served(c, "classless"));
  EXPECT_TRUE(Served(c, "named-ours"));
}

TEST(IngressClass, OptionNamesTheClass) {
  CompileOptions options;
  options.ingress_class = "nginx";
  Compiled c = CompileState(ClassState({}), options);
  EXPECT_TRUE(Served(c, "named-nginx"));
  EXPECT_TRUE(Served(c, "legacy-nginx"));
  EXPECT_FALSE(Served(c, "named-waygate"));
  EXPECT_FALSE(Served(c, "legacy-waygate"));
}

// ---- gateway scope and config ----

model::ClusterState TwoNamespaces() {
  model::ClusterState state;
  state.services = {MakeService("shop", "svc"), MakeService("blog", "svc")};
  state.ingresses = {IngressBuilder("shop", "web").Rule("shop.com").Path("/", kP),
                     IngressBuilder("blog", "web").Rule("blog.com").Path("/", kP)};
  return state;
}

TEST(GatewayScope, ClusterGatewayServesAllNamespaces) {
  Compiled c = CompileState(TwoNamespaces());
  EXPECT_EQ(c.table->scope_namespace(), "");
  EXPECT_TRUE(Served(c, "shop.com"));
  EXPECT_TRUE(Served(c, "blog.com"));
}

TEST(GatewayScope, ProjectGatewayServesOnlyItsNamespace) {
  CompileOptions options;
  options.gateway = "kubesphere-controls-system/kubesphere-router-shop";
  Compiled c = CompileState(TwoNamespaces(), options);
  EXPECT_EQ(c.table->scope_namespace(), "shop");
  EXPECT_TRUE(Served(c, "shop.com"));
  EXPECT_FALSE(Served(c, "blog.com"));
  EXPECT_TRUE(c.diagnostics.empty());
}

TEST(GatewayScope, ExplicitScopeWins) {
  model::ClusterState state = TwoNamespaces();
  model::Gateway gateway = MakeGateway("kubesphere-router-kubesphere-system");
  gateway.controller.scope = model::GatewayScope{true, "blog"};
  state.gateways.push_back(gateway);
  Compiled c = CompileState(state);
  EXPECT_EQ(c.table->scope_namespace(), "blog");
  EXPECT_FALSE(Served(c, "shop.com"));
  EXPECT_TRUE(Served(c, "blog.com"));
}

TEST(GatewayScope, DisabledScopeIsIgnored) {
  model::ClusterState state = TwoNamespaces();
  model::Gateway gateway = MakeGateway("kubesphere-router-shop");
  gateway.controller.scope = model::GatewayScope{false, "blog"};
  state.gateways.push_back(gateway);
  CompileOptions options;
  options.gateway = "kubesphere-controls-system/kubesphere-router-shop";
  Compiled c = CompileState(state, options);
  EXPECT_EQ(c.table->scope_namespace(), "shop");
}

TEST(GatewayConfig, AppliesToGatewayAndRouteDefaults) {
  model::ClusterState state = StateWith({IngressBuilder("default", "a").Path("/", kP)});
  model::Gateway gateway = MakeGateway("kubesphere-router-kubesphere-system");
  gateway.controller.config = {{"proxy-body-size", "5m"},
                               {"proxy-read-timeout", "7"},
                               {"keep-alive", "bad"},
                               {"mystery-key", "1"}};
  state.gateways.push_back(gateway);
  Compiled c = CompileState(state);
  const GatewaySettings& settings = c.table->gateway_settings();
  EXPECT_EQ(settings.proxy_body_size, 5u << 20);
  EXPECT_EQ(settings.keep_alive_timeout_ms, 75000u);  // invalid: default kept
  const std::string object =
      "Gateway kubesphere-controls-system/kubesphere-router-kubesphere-system";
  EXPECT_TRUE(c.HasDiagnostic(object, "spec.controller.config.keep-alive"));
  EXPECT_TRUE(c.HasDiagnostic(object, "spec.controller.config.mystery-key"));
  const Route* route = c.table->Lookup("x", "/");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->settings.proxy_body_size, 5u << 20);
  EXPECT_EQ(route->settings.read_timeout_ms, 7000u);
}

TEST(GatewayConfig, OtherGatewaysConfigIsNotUsed) {
  model::ClusterState state = StateWith({});
  model::Gateway other = MakeGateway("kubesphere-router-shop");
  other.controller.config = {{"proxy-body-size", "5m"}};
  state.gateways.push_back(other);
  Compiled c = CompileState(state);
  EXPECT_EQ(c.table->gateway_settings().proxy_body_size, 1u << 20);
}

// ---- route settings from annotations ----

TEST(Annotations, ApplyToTheIngressRoutesOnly) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "hashed")
          .Annotation("nginx.ingress.kubernetes.io/upstream-hash-by", "$http_x_user")
          .Annotation("nginx.ingress.kubernetes.io/proxy-body-size", "0")
          .Rule("a.com")
          .Path("/", kP),
      IngressBuilder("default", "plain").Rule("b.com").Path("/", kP),
  }));
  const Route* hashed = c.table->Lookup("a.com", "/");
  ASSERT_NE(hashed, nullptr);
  EXPECT_EQ(hashed->settings.load_balance, LoadBalance::kConsistentHash);
  EXPECT_EQ(hashed->settings.hash_by.header, "x-user");
  EXPECT_EQ(hashed->settings.proxy_body_size, 0u);
  const Route* plain = c.table->Lookup("b.com", "/");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->settings.load_balance, LoadBalance::kRoundRobin);
  EXPECT_EQ(plain->settings.proxy_body_size, 1u << 20);
}

TEST(Annotations, InvalidValueSkipsTheWholeIngress) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "bad")
          .Annotation("nginx.ingress.kubernetes.io/proxy-read-timeout", "soon")
          .Rule("a.com")
          .Path("/", kP)
          .Rule("b.com")
          .Path("/", kP)
          .Default("svc"),
      IngressBuilder("default", "good").Rule("c.com").Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("a.com", "/"), "none");
  EXPECT_EQ(c.Owner("b.com", "/"), "none");
  EXPECT_EQ(c.Owner("zzz.com", "/"), "none");  // its defaultBackend is gone too
  EXPECT_EQ(c.Owner("c.com", "/"), "default/good");
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_EQ(c.diagnostics[0].object, "Ingress default/bad");
  EXPECT_EQ(c.diagnostics[0].error.field,
            "metadata.annotations[nginx.ingress.kubernetes.io/proxy-read-timeout]");
  EXPECT_EQ(c.diagnostics[0].origin.file, "test.yaml");
}

// ---- backends and endpoints ----

std::vector<std::string> Addresses(const Backend* backend) {
  std::vector<std::string> out;
  if (backend == nullptr) return out;
  for (const auto& endpoint : backend->endpoints) out.push_back(endpoint.address);
  return out;
}

const Backend* BackendOf(const Compiled& c, const std::string& host) {
  const Route* route = c.table->Lookup(host, "/");
  return route == nullptr ? nullptr : c.table->BackendOf(*route);
}

TEST(Backends, ServicePortByNumberAndByNameMapToEndpointsPortName) {
  model::ClusterState state;
  state.services = {MakeService("default", "web", {{"http", 80}, {"admin", 9000}})};
  state.endpoints = {MakeEndpoints("default", "web", {"10.0.0.2", "10.0.0.1"},
                                   {{"admin", 9090}, {"http", 8080}}, {"10.0.0.9"})};
  state.ingresses = {
      IngressBuilder("default", "a").Rule("num.com").Path("/", kP, ServiceBackend("web", 80)),
      IngressBuilder("default", "b")
          .Rule("name.com")
          .Path("/", kP, NamedPortBackend("web", "admin")),
  };
  Compiled c = CompileState(state);
  EXPECT_TRUE(c.diagnostics.empty());
  const Backend* by_number = BackendOf(c, "num.com");
  ASSERT_NE(by_number, nullptr);
  EXPECT_EQ(by_number->key, "default/web:80");
  EXPECT_EQ(by_number->port, "80");
  // Not-ready 10.0.0.9 is excluded; order is sorted for stability.
  EXPECT_EQ(Addresses(by_number), (std::vector<std::string>{"10.0.0.1:8080", "10.0.0.2:8080"}));
  const Backend* by_name = BackendOf(c, "name.com");
  ASSERT_NE(by_name, nullptr);
  EXPECT_EQ(by_name->key, "default/web:admin");
  EXPECT_EQ(Addresses(by_name), (std::vector<std::string>{"10.0.0.1:9090", "10.0.0.2:9090"}));
}

TEST(Backends, EndpointsSockaddrIsResolved) {
  model::ClusterState state;
  state.services = {MakeService("default", "web", {{"", 80}})};
  state.endpoints = {MakeEndpoints("default", "web", {"10.1.2.3", "fd00::7"}, {{"", 8080}})};
  state.ingresses = {IngressBuilder("default", "a").Path("/", kP, ServiceBackend("web", 80))};
  Compiled c = CompileState(state);
  const Backend* backend = BackendOf(c, "any");
  ASSERT_NE(backend, nullptr);
  ASSERT_EQ(backend->endpoints.size(), 2u);
  const Endpoint& v4 = backend->endpoints[0];
  EXPECT_EQ(v4.address, "10.1.2.3:8080");
  ASSERT_EQ(v4.sockaddr_len, sizeof(sockaddr_in));
  const auto* in = reinterpret_cast<const sockaddr_in*>(&v4.sockaddr);
  EXPECT_EQ(in->sin_family, AF_INET);
  EXPECT_EQ(ntohs(in->sin_port), 8080);
  EXPECT_EQ(ntohl(in->sin_addr.s_addr), 0x0A010203u);
  const Endpoint& v6 = backend->endpoints[1];
  EXPECT_EQ(v6.address, "[fd00::7]:8080");
  ASSERT_EQ(v6.sockaddr_len, sizeof(sockaddr_in6));
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(&v6.sockaddr)->sin6_family, AF_INET6);
}

TEST(Backends, EndpointSlicesWinOverEndpoints) {
  model::ClusterState state;
  state.services = {MakeService("default", "web", {{"http", 80}, {"grpc", 81}})};
  state.endpoints = {MakeEndpoints("default", "web", {"10.9.9.9"}, {{"http", 1111}})};
  state.endpoint_slices = {
      MakeSlice("default", "web-abc", "web",
                {{"10.0.0.1", std::nullopt}, {"10.0.0.2", true}, {"10.0.0.3", false}},
                {{"http", 8080}, {"grpc", 9090}}),
      MakeSlice("default", "web-def", "web", {{"10.0.0.4", true}, {"10.0.0.1", true}},
                {{"http", 8080}}),
      MakeSlice("default", "web-v6", "web", {{"fd00::1", true}}, {{"http", 8080}}, "IPv6"),
      MakeSlice("default", "web-fqdn", "web", {{"web.example.com", true}}, {{"http", 8080}},
                "FQDN"),
      MakeSlice("default", "other", "other", {{"10.7.7.7", true}}, {{"http", 8080}}),
  };
  state.ingresses = {
      IngressBuilder("default", "a").Rule("http.com").Path("/", kP, ServiceBackend("web", 80)),
      IngressBuilder("default", "b")
          .Rule("grpc.com")
          .Path("/", kP, NamedPortBackend("web", "grpc")),
  };
  Compiled c = CompileState(state);
  EXPECT_EQ(Addresses(BackendOf(c, "http.com")),
            (std::vector<std::string>{"10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.4:8080",
                                      "[fd00::1]:8080"}));
  EXPECT_EQ(Addresses(BackendOf(c, "grpc.com")),
            (std::vector<std::string>{"10.0.0.1:9090", "10.0.0.2:9090"}));
  EXPECT_TRUE(c.HasDiagnostic("EndpointSlice default/web-fqdn", "addressType"));
}

TEST(Backends, UnnamedServicePortUsesTheSingleUnnamedSlicePort) {
  model::ClusterState state;
  state.services = {MakeService("default", "web", {{"", 80}})};
  state.endpoint_slices = {
      MakeSlice("default", "web-1", "web", {{"10.0.0.1", true}}, {{"", 3000}})};
  state.ingresses = {IngressBuilder("default", "a").Path("/", kP, ServiceBackend("web", 80))};
  Compiled c = CompileState(state);
  EXPECT_EQ(Addresses(BackendOf(c, "x")), (std::vector<std::string>{"10.0.0.1:3000"}));
}

TEST(Backends, MissingServiceOrPortIsNullBackendWithDiagnostic) {
  model::ClusterState state = StateWith({
      IngressBuilder("default", "a").Rule("nosvc.com").Path("/", kP, ServiceBackend("ghost", 80)),
      IngressBuilder("default", "b").Rule("noport.com").Path("/", kP, ServiceBackend("svc", 81)),
      IngressBuilder("default", "c").Rule("noname.com").Path("/", kP, NamedPortBackend("svc", "x")),
  });
  Compiled c = CompileState(state);
  for (const char* host : {"nosvc.com", "noport.com", "noname.com"}) {
    const Route* route = c.table->Lookup(host, "/");
    ASSERT_NE(route, nullptr) << host;  // the route exists: the gateway answers 503
    EXPECT_EQ(c.table->BackendOf(*route), nullptr) << host;
  }
  EXPECT_TRUE(
      c.HasDiagnostic("Ingress default/a", "spec.rules[0].http.paths[0].backend.service.name"));
  EXPECT_TRUE(c.HasDiagnostic("Ingress default/b",
                              "spec.rules[0].http.paths[0].backend.service.port.number"));
  EXPECT_TRUE(c.HasDiagnostic("Ingress default/c",
                              "spec.rules[0].http.paths[0].backend.service.port.name"));
  EXPECT_TRUE(c.table->backends().empty());
}

TEST(Backends, ServiceWithoutEndpointsHasEmptyBackend) {
  Compiled c = CompileState(StateWith({IngressBuilder("default", "a").Path("/", kP)}));
  const Backend* backend = BackendOf(c, "x");
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(backend->endpoints.empty());
  EXPECT_TRUE(c.diagnostics.empty());
}

TEST(Backends, ServiceInAnotherNamespaceIsNotVisible) {
  model::ClusterState state = StateWith({IngressBuilder("shop", "a").Path("/", kP)}, "default");
  Compiled c = CompileState(state);
  const Route* route = c.table->Lookup("x", "/");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(c.table->BackendOf(*route), nullptr);
}

TEST(Backends, DeduplicatedByKeyWithIndexes) {
  model::ClusterState state = StateWith({
      IngressBuilder("default", "a").Rule("a.com").Path("/", kP).Path("/x", kE),
      IngressBuilder("default", "b").Rule("b.com").Path("/", kI).Default("svc"),
  });
  state.services.push_back(MakeService("default", "other"));
  state.ingresses.push_back(IngressBuilder("default", "c").Rule("c.com").Path("/", kP, "other"));
  Compiled c = CompileState(state);
  const auto& backends = c.table->backends();
  ASSERT_EQ(backends.size(), 2u);
  for (size_t i = 0; i < backends.size(); ++i) EXPECT_EQ(backends[i]->index, i);
  EXPECT_EQ(BackendOf(c, "a.com"), BackendOf(c, "b.com"));
  EXPECT_EQ(c.table->BackendOf(*c.table->Lookup("a.com", "/x")), BackendOf(c, "a.com"));
  EXPECT_NE(BackendOf(c, "c.com"), BackendOf(c, "a.com"));
  EXPECT_EQ(BackendOf(c, "c.com")->key, "default/other:80");
}

TEST(Backends, InvalidEndpointAddressIsSkippedWithDiagnostic) {
  model::ClusterState state = StateWith({IngressBuilder("default", "a").Path("/", kP)});
  state.endpoints = {MakeEndpoints("default", "svc", {"10.0.0.1", "not-an-ip"}, {{"", 80}})};
  Compiled c = CompileState(state);
  EXPECT_EQ(Addresses(BackendOf(c, "x")), (std::vector<std::string>{"10.0.0.1:80"}));
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_EQ(c.diagnostics[0].object, "Endpoints default/svc");
}

TEST(Routes, CarryIngressIdentityAndPathAsWritten) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "web").Rule("*.Shop.com").Path("/api/", kP),
  }));
  const Route* route = c.table->Lookup("eu.shop.com", "/api/v1");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->ingress_namespace, "default");
  EXPECT_EQ(route->ingress_name, "web");
  EXPECT_EQ(route->host, "*.Shop.com");
  EXPECT_EQ(route->path, "/api/");
  EXPECT_EQ(route->path_type, PathType::kPrefix);
}

}  // namespace
}  // namespace waygate::route::testing
