// The compile side of nginx.ingress.kubernetes.io/* annotations: the Policy each Route carries,
// regex hosts, server-alias, from-to-www-redirect, canaries, default-backend, service-upstream
// and auth-secrets, with their diagnostics.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/htpasswd.h"
#include "builders.h"
#include "route/compiler.h"
#include "route/route_table.h"

namespace waygate::route::testing {
namespace {

constexpr PathType kE = PathType::kExact;
constexpr PathType kP = PathType::kPrefix;
constexpr PathType kIS = PathType::kImplementationSpecific;

std::string A(const std::string& key) { return "nginx.ingress.kubernetes.io/" + key; }
std::string Field(const std::string& key) { return "metadata.annotations[" + A(key) + "]"; }

const model::Diagnostic* Find(const Compiled& c, std::string_view object, std::string_view field) {
  for (const auto& d : c.diagnostics) {
    if (d.object == object && d.error.field == field) return &d;
  }
  return nullptr;
}

const Backend* BackendAt(const RouteTable& table, uint32_t slot) {
  return slot < table.backends().size() ? table.backends()[slot].get() : nullptr;
}

model::Secret MakeSecret(const std::string& namespace_, const std::string& name,
                         std::map<std::string, std::string> data) {
  model::Secret secret;
  secret.meta.namespace_ = namespace_;
  secret.meta.name = name;
  secret.data = std::move(data);
  return secret;
}

// "user" / "password" as htpasswd -s writes it.
constexpr const char* kAuthFile = "user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n";
constexpr const char* kGoodHeader = "Basic dXNlcjpwYXNzd29yZA==";  // user:password

// ---- parsing into the Policy ----

TEST(AnnotationsCompile, InvalidValueSkipsTheIngress) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "bad")
          .Annotation(A("whitelist-source-range"), "10.0.0/8")
          .Rule("a.com")
          .Path("/", kP),
      IngressBuilder("default", "good").Rule("b.com").Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("a.com", "/"), "none");
  EXPECT_EQ(c.Owner("b.com", "/"), "default/good");
  const model::Diagnostic* d = Find(c, "Ingress default/bad", Field("whitelist-source-range"));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->error.code, ErrorCode::kInvalid);
  EXPECT_NE(d->error.message.find("Ingress skipped"), std::string::npos);
}

TEST(AnnotationsCompile, SnippetIsRefusedAndSkipsTheIngress) {
  Compiled c = CompileState(StateWith({IngressBuilder("default", "snip")
                                           .Annotation(A("configuration-snippet"), "return 200;")
                                           .Rule("a.com")
                                           .Path("/", kP)}));
  EXPECT_EQ(c.Owner("a.com", "/"), "none");
  EXPECT_NE(Find(c, "Ingress default/snip", Field("configuration-snippet")), nullptr);
}

TEST(AnnotationsCompile, UnsupportedKeyIsReportedButServed) {
  Compiled c = CompileState(StateWith({IngressBuilder("default", "web")
                                           .Annotation(A("mirror-target"), "http://x")
                                           .Rule("a.com")
                                           .Path("/", kP)}));
  EXPECT_EQ(c.Owner("a.com", "/"), "default/web");
  const model::Diagnostic* d = Find(c, "Ingress default/web", Field("mirror-target"));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->error.code, ErrorCode::kUnsupported);
  // An unsupported key alone makes no policy: the route stays on the fast path.
  EXPECT_EQ(c.table->Lookup("a.com", "/")->policy, nullptr);
}

TEST(AnnotationsCompile, OnePolicyPerIngressSharedByItsRoutes) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "cors")
          .Annotation(A("enable-cors"), "true")
          .Annotation(A("cors-allow-origin"), "https://a.com")
          .Rule("a.com")
          .Path("/x", kP)
          .Path("/y", kP)
          .Rule("b.com")
          .Path("/", kP)
          .Default("svc"),
      // Only keys RouteSettings holds: no Policy.
      IngressBuilder("default", "plain")
          .Annotation(A("proxy-read-timeout"), "120")
          .Rule("c.com")
          .Path("/", kP),
  }));
  const Route* x = c.table->Lookup("a.com", "/x");
  ASSERT_NE(x, nullptr);
  ASSERT_NE(x->policy, nullptr);
  EXPECT_TRUE(x->policy->cors.enabled);
  EXPECT_EQ(x->policy->cors.origins, std::vector<std::string>{"https://a.com"});
  EXPECT_EQ(c.table->Lookup("a.com", "/y")->policy, x->policy);
  EXPECT_EQ(c.table->Lookup("b.com", "/")->policy, x->policy);
  EXPECT_EQ(c.table->Lookup("a.com", "/zzz")->policy, x->policy);  // its defaultBackend
  const Route* plain = c.table->Lookup("c.com", "/");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->policy, nullptr);
  EXPECT_EQ(plain->settings.read_timeout_ms, 120000u);
  EXPECT_EQ(plain->path_regex, nullptr);
  EXPECT_TRUE(c.diagnostics.empty()) << c.diagnostics[0].ToString();
}

// ---- use-regex / rewrite-target ----

TEST(AnnotationsCompile, UseRegexMakesEveryPathOfTheHostARegex) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a-regex")
          .Annotation(A("use-regex"), "true")
          .Rule("r.com")
          .Path("/items/[0-9]+", kIS),
      // No annotation, same host: its path becomes a regex too (ingress-nginx, per server).
      IngressBuilder("default", "b-plain").Rule("r.com").Path("/bar", kP),
      IngressBuilder("default", "c-other").Rule("o.com").Path("/bar", kP),
  }));
  EXPECT_EQ(c.Owner("r.com", "/items/42"), "default/a-regex");
  EXPECT_EQ(c.Owner("r.com", "/ITEMS/42/more"), "default/a-regex");  // case-insensitive, prefix
  EXPECT_EQ(c.Owner("r.com", "/items/x"), "none");
  EXPECT_EQ(c.Owner("r.com", "/BAR"), "default/b-plain");
  EXPECT_EQ(c.Owner("r.com", "/barbaz"), "default/b-plain");  // a Prefix is "^/bar" there
  EXPECT_EQ(c.Owner("r.com", "/x/bar"), "none");              // anchored at the start
  ASSERT_NE(c.table->Lookup("r.com", "/bar")->path_regex, nullptr);
  // Other hosts keep Kubernetes matching.
  EXPECT_EQ(c.Owner("o.com", "/barbaz"), "none");
  EXPECT_EQ(c.Owner("o.com", "/BAR"), "none");
  EXPECT_EQ(c.table->Lookup("o.com", "/bar")->path_regex, nullptr);
}

TEST(AnnotationsCompile, RegexHostTriesLongestPathTextFirst) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "short")
          .Annotation(A("use-regex"), "true")
          .Rule("r.com")
          .Path("/.*", kIS, "svc"),
      IngressBuilder("default", "long").Rule("r.com").Path("/api/v[0-9]+", kIS),
      // Same length as "/[a-z]+": the greater text ("/api/v1" > "/[a-z]+") comes first.
      IngressBuilder("default", "same-a").Rule("r.com").Path("/[a-z]+", kIS),
      IngressBuilder("default", "same-b").Rule("r.com").Path("/api/v1", kE),
  }));
  EXPECT_EQ(c.Owner("r.com", "/api/v2"), "default/long");
  EXPECT_EQ(c.Owner("r.com", "/api/v1"), "default/long");  // 12 characters beat 7
  EXPECT_EQ(c.Owner("r.com", "/app"), "default/same-a");
  EXPECT_EQ(c.Owner("r.com", "/0"), "default/short");
  // An Exact path in a regex host is a regex prefix as well (ingress-nginx's `~* "^..."`).
  Compiled exact = CompileState(StateWith({
      IngressBuilder("default", "e")
          .Annotation(A("use-regex"), "true")
          .Rule("r.com")
          .Path("/exact", kE),
  }));
  EXPECT_EQ(exact.Owner("r.com", "/exact/more"), "default/e");
}

TEST(AnnotationsCompile, SameLengthRegexPathsGreaterTextFirst) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a")
          .Annotation(A("use-regex"), "true")
          .Rule("r.com")
          .Path("/[a-z]+", kIS),
      IngressBuilder("default", "b").Rule("r.com").Path("/api/v1", kIS),
  }));
  EXPECT_EQ(c.Owner("r.com", "/api/v1"), "default/b");
  EXPECT_EQ(c.Owner("r.com", "/zzz"), "default/a");
}

TEST(AnnotationsCompile, RewriteTargetImpliesRegexForTheHost) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "rw")
          .Annotation(A("rewrite-target"), "/$2")
          .Rule("r.com")
          .Path("/something(/|$)(.*)", kIS),
      IngressBuilder("default", "z").Rule("r.com").Path("/static", kP),
  }));
  EXPECT_EQ(c.Owner("r.com", "/something/new"), "default/rw");
  EXPECT_EQ(c.Owner("r.com", "/STATIC/x"), "default/z");
}

TEST(AnnotationsCompile, InvalidRegexPathIsSkipped) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "re")
          .Annotation(A("use-regex"), "true")
          .Rule("r.com")
          .Path("/ok", kP)
          .Path("/bad(", kIS),
  }));
  EXPECT_EQ(c.Owner("r.com", "/ok"), "default/re");
  EXPECT_EQ(c.Owner("r.com", "/bad("), "none");
  const model::Diagnostic* d = Find(c, "Ingress default/re", "spec.rules[0].http.paths[1].path");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->error.code, ErrorCode::kInvalid);
  EXPECT_EQ(c.table->route_count(), 1u);
}

// ---- server-alias ----

TEST(AnnotationsCompile, ServerAliasServesTheHostsRules) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "web")
          .Annotation(A("server-alias"), "b.com, *.c.com")
          .Rule("a.com")
          .Path("/api", kP),
  }));
  const Route* main = c.table->Lookup("a.com", "/api");
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(c.table->Lookup("b.com", "/api/x"), main);
  EXPECT_EQ(c.table->Lookup("x.c.com", "/api"), main);
  EXPECT_EQ(c.table->Lookup("b.com", "/other"), nullptr);  // the host's own 404
  EXPECT_EQ(c.table->route_count(), 1u);                   // aliases add no Route
  EXPECT_TRUE(c.diagnostics.empty()) << c.diagnostics[0].ToString();
}

TEST(AnnotationsCompile, ServerAliasPresentsTheHostsCertificate) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "web")
          .Annotation(A("server-alias"), "b.com")
          .Rule("a.com")
          .Path("/", kP)
          .Tls({"a.com"}, "cert"),
  }));
  std::vector<TlsBinding> expected = {{"a.com", "default", "web", "cert"},
                                      {"b.com", "default", "web", "cert"}};
  EXPECT_EQ(*c.table->tls_bindings(), expected);
  EXPECT_TRUE(c.table->Lookup("b.com", "/")->settings.host_has_tls);
}

TEST(AnnotationsCompile, ServerAliasNeverOverridesADeclaredHost) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a")
          .Annotation(A("server-alias"), "d.com")
          .Rule("a.com")
          .Path("/", kP),
      IngressBuilder("default", "d").Rule("d.com").Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("d.com", "/"), "default/d");
  const model::Diagnostic* d = Find(c, "Ingress default/a", Field("server-alias"));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->error.code, ErrorCode::kConflict);
}

TEST(AnnotationsCompile, ServerAliasClaimedTwiceFirstHostKeepsIt) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "a")
          .Annotation(A("server-alias"), "x.com")
          .Rule("a.com")
          .Path("/", kP),
      IngressBuilder("default", "b")
          .Annotation(A("server-alias"), "x.com")
          .Rule("b.com")
          .Path("/", kP),
  }));
  EXPECT_EQ(c.Owner("x.com", "/"), "default/a");
  EXPECT_NE(Find(c, "Ingress default/b", Field("server-alias")), nullptr);
}

// ---- from-to-www-redirect ----

TEST(AnnotationsCompile, FromToWwwServesTheOtherNameAsRedirect) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "apex")
          .Annotation(A("from-to-www-redirect"), "true")
          .Rule("foo.com")
          .Path("/", kP),
      IngressBuilder("default", "www")
          .Annotation(A("from-to-www-redirect"), "true")
          .Rule("www.bar.com")
          .Path("/", kP),
  }));
  const Route* www = c.table->Lookup("www.foo.com", "/some/path");
  ASSERT_NE(www, nullptr);
  EXPECT_EQ(www->www_redirect_host, "foo.com");
  EXPECT_EQ(www->ingress_name, "apex");
  ASSERT_NE(www->policy, nullptr);  // the data plane finds it behind the policy test
  EXPECT_EQ(c.table->BackendOf(*www), nullptr);
  const Route* apex = c.table->Lookup("bar.com", "/");
  ASSERT_NE(apex, nullptr);
  EXPECT_EQ(apex->www_redirect_host, "www.bar.com");
  // The declared hosts serve normally.
  EXPECT_EQ(c.table->Lookup("foo.com", "/")->www_redirect_host, "");
  EXPECT_EQ(c.table->route_count(), 2u);
}

TEST(AnnotationsCompile, FromToWwwNotWhenTheOtherNameIsDeclared) {
  Compiled c = CompileState(StateWith({
      IngressBuilder("default", "apex")
          .Annotation(A("from-to-www-redirect"), "true")
          .Rule("foo.com")
          .Path("/", kP),
      IngressBuilder("default", "www").Rule("www.foo.com").Path("/", kP),
  }));
  const Route* www = c.table->Lookup("www.foo.com", "/");
  ASSERT_NE(www, nullptr);
  EXPECT_EQ(www->ingress_name, "www");
  EXPECT_EQ(www->www_redirect_host, "");
}

// ---- canary ----

model::Ingress Canary(const std::string& name, const std::string& host, const std::string& path,
                      const std::string& service, PathType type = kP) {
  return IngressBuilder("default", name)
      .Annotation(A("canary"), "true")
      .Annotation(A("canary-weight"), "50")
      .Rule(host)
      .Path(path, type, service);
}

model::ClusterState CanaryState(std::vector<model::Ingress> ingresses) {
  model::ClusterState state = StateWith(std::move(ingresses));
  state.services.push_back(MakeService("default", "svc-canary"));
  state.services.push_back(MakeService("default", "svc-canary2"));
  state.endpoints.push_back(MakeEndpoints("default", "svc-canary", {"10.0.0.9"}, {{"", 80}}));
  return state;
}

TEST(AnnotationsCompile, CanaryAttachesToTheMainRoute) {
  Compiled c = CompileState(CanaryState({
      IngressBuilder("default", "main").Rule("a.com").Path("/api", kP).Path("/web", kP),
      Canary("main-canary", "a.com", "/api", "svc-canary"),
  }));
  const Route* api = c.table->Lookup("a.com", "/api/x");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->ingress_name, "main");
  EXPECT_EQ(api->policy, nullptr);  // the main Ingress has no annotations
  ASSERT_NE(api->canary, nullptr);
  EXPECT_EQ(api->canary->ingress_name, "main-canary");
  EXPECT_EQ(api->canary->service, "svc-canary");
  ASSERT_NE(api->canary->policy, nullptr);
  EXPECT_EQ(api->canary->policy->canary.weight, 50u);
  const Backend* backend = BackendAt(*c.table, api->canary->backend_slot);
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->key, "default/svc-canary:80");
  ASSERT_EQ(backend->endpoints.size(), 1u);
  EXPECT_EQ(c.table->Lookup("a.com", "/web")->canary, nullptr);
  EXPECT_EQ(c.table->route_count(), 2u);  // the canary made no Route of its own
  EXPECT_TRUE(c.diagnostics.empty()) << c.diagnostics[0].ToString();
}

TEST(AnnotationsCompile, CanaryWithoutMainIsNotServed) {
  Compiled c = CompileState(CanaryState({
      IngressBuilder("default", "main").Rule("a.com").Path("/api", kP),
      Canary("lonely", "b.com", "/", "svc-canary"),
      Canary("wrong-path", "a.com", "/other", "svc-canary"),
      Canary("wrong-type", "a.com", "/api", "svc-canary", kE),
  }));
  EXPECT_EQ(c.Owner("b.com", "/"), "none");  // 404, as ingress-nginx
  EXPECT_EQ(c.Owner("a.com", "/other"), "none");
  EXPECT_EQ(c.table->Lookup("a.com", "/api")->canary, nullptr);
  for (const char* name : {"lonely", "wrong-path", "wrong-type"}) {
    const model::Diagnostic* d =
        Find(c, std::string("Ingress default/") + name, "spec.rules[0].http.paths[0]");
    ASSERT_NE(d, nullptr) << name;
    EXPECT_EQ(d->error.code, ErrorCode::kNotFound);
  }
}

TEST(AnnotationsCompile, OneCanaryPerMainRouteFirstByName) {
  Compiled c = CompileState(CanaryState({
      IngressBuilder("default", "main").Rule("a.com").Path("/api", kP),
      Canary("c2", "a.com", "/api", "svc-canary2"),
      Canary("c1", "a.com", "/api/", "svc-canary"),  // Prefix "/api/" is the same path
  }));
  const Route* api = c.table->Lookup("a.com", "/api");
  ASSERT_NE(api->canary, nullptr);
  EXPECT_EQ(api->canary->ingress_name, "c1");
  const model::Diagnostic* d = Find(c, "Ingress default/c2", "spec.rules[0].http.paths[0]");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->error.code, ErrorCode::kConflict);
}

TEST(AnnotationsCompile, CanaryToTheMainServiceIsRefused) {
  Compiled c = CompileState(CanaryState({
      IngressBuilder("default", "main").Rule("a.com").Path("/api", kP),
      Canary("same", "a.com", "/api", "svc"),
  }));
  EXPECT_EQ(c.table->Lookup("a.com", "/api")->canary, nullptr);
  EXPECT_NE(Find(c, "Ingress default/same", "spec.rules[0].http.paths[0].backend"), nullptr);
}

TEST(AnnotationsCompile, CanaryToMissingServiceGets503Slot) {
  Compiled c = CompileState(CanaryState({
      IngressBuilder("default", "main").Rule("a.com").Path("/api", kP),
      Canary("ghost", "a.com", "/api", "nope"),
  }));
  const Route* api = c.table->Lookup("a.com", "/api");
  ASSERT_NE(api->canary, nullptr);
  EXPECT_EQ(api->canary->backend_slot, Route::kNoBackend);
  EXPECT_NE(Find(c, "Ingress default/ghost", "spec.rules[0].http.paths[0].backend.service.name"),
            nullptr);
}

// ---- default-backend ----

TEST(AnnotationsCompile, DefaultBackendIsTheServicesFirstPort) {
  model::ClusterState state = StateWith({
      IngressBuilder("default", "web")
          .Annotation(A("default-backend"), "fallback")
          .Rule("a.com")
          .Path("/", kP),
      IngressBuilder("default", "lost")
          .Annotation(A("default-backend"), "missing")
          .Rule("b.com")
          .Path("/", kP),
  });
  state.services.push_back(MakeService("default", "fallback", {{"web", 8080}, {"http", 80}}));
  Compiled c = CompileState(state);
  const Route* route = c.table->Lookup("a.com", "/");
  ASSERT_NE(route, nullptr);
  const Backend* fallback = BackendAt(*c.table, route->default_backend_slot);
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->key, "default/fallback:8080");
  const Route* lost = c.table->Lookup("b.com", "/");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->default_backend_slot, Route::kNoBackend);
  EXPECT_NE(Find(c, "Ingress default/lost", Field("default-backend")), nullptr);
  // Without the annotation: none.
  EXPECT_EQ(CompileState(StateWith({IngressBuilder("default", "p").Rule("c.com").Path("/", kP)}))
                .table->Lookup("c.com", "/")
                ->default_backend_slot,
            Route::kNoBackend);
}

// ---- service-upstream ----

TEST(AnnotationsCompile, ServiceUpstreamSendsToTheClusterIp) {
  model::ClusterState state = StateWith({
      IngressBuilder("default", "su")
          .Annotation(A("service-upstream"), "true")
          .Rule("a.com")
          .Path("/", kP),
      IngressBuilder("default", "pods").Rule("b.com").Path("/", kP),
  });
  state.services[0].cluster_ip = "10.96.0.10";
  state.endpoints.push_back(MakeEndpoints("default", "svc", {"10.1.0.1", "10.1.0.2"}, {{"", 80}}));
  Compiled c = CompileState(state);
  const Backend* su = c.table->BackendOf(*c.table->Lookup("a.com", "/"));
  const Backend* pods = c.table->BackendOf(*c.table->Lookup("b.com", "/"));
  ASSERT_NE(su, nullptr);
  ASSERT_NE(pods, nullptr);
  EXPECT_NE(su, pods);
  EXPECT_NE(su->key, pods->key);
  ASSERT_EQ(su->endpoints.size(), 1u);
  EXPECT_EQ(su->endpoints[0].address, "10.96.0.10:80");
  EXPECT_EQ(pods->endpoints.size(), 2u);
  EXPECT_EQ(c.table->backend_count(), 2u);
}

TEST(AnnotationsCompile, ServiceUpstreamWithoutClusterIpIsReported) {
  model::ClusterState state = StateWith({IngressBuilder("default", "su")
                                             .Annotation(A("service-upstream"), "true")
                                             .Rule("a.com")
                                             .Path("/", kP)});
  state.services[0].cluster_ip = "None";
  Compiled c = CompileState(state);
  const Backend* su = c.table->BackendOf(*c.table->Lookup("a.com", "/"));
  ASSERT_NE(su, nullptr);
  EXPECT_TRUE(su->endpoints.empty());
  EXPECT_TRUE(c.HasDiagnostic("Service default/svc", "spec.clusterIP"));
}

// ---- auth-type basic ----

model::Ingress AuthIngress(const std::string& name, const std::string& host,
                           const std::string& secret, const std::string& type = "auth-file") {
  return IngressBuilder("default", name)
      .Annotation(A("auth-type"), "basic")
      .Annotation(A("auth-secret"), secret)
      .Annotation(A("auth-secret-type"), type)
      .Rule(host)
      .Path("/", kP);
}

TEST(AnnotationsCompile, AuthSecretBuildsCredentials) {
  model::ClusterState state = StateWith({
      AuthIngress("file", "a.com", "htpasswd"),
      AuthIngress("map", "b.com", "users", "auth-map"),
      AuthIngress("shared", "c.com", "htpasswd"),
  });
  state.secrets.push_back(MakeSecret("default", "htpasswd", {{"auth", kAuthFile}}));
  state.secrets.push_back(
      MakeSecret("default", "users", {{"user", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="}}));
  Compiled c = CompileState(state);
  EXPECT_TRUE(c.diagnostics.empty()) << c.diagnostics[0].ToString();
  for (const char* host : {"a.com", "b.com"}) {
    const Route* route = c.table->Lookup(host, "/");
    ASSERT_NE(route, nullptr);
    ASSERT_NE(route->policy, nullptr);
    ASSERT_NE(route->policy->auth.credentials, nullptr) << host;
    EXPECT_TRUE(route->policy->auth.credentials->Verify(kGoodHeader)) << host;
    EXPECT_FALSE(route->policy->auth.credentials->Verify("Basic dXNlcjp4")) << host;  // user:x
  }
  // Two Ingresses naming one Secret share its credentials (and their verification cache).
  EXPECT_EQ(c.table->Lookup("a.com", "/")->policy->auth.credentials,
            c.table->Lookup("c.com", "/")->policy->auth.credentials);
}

TEST(AnnotationsCompile, UnusableAuthSecretFailsClosed) {
  model::ClusterState state = StateWith({
      AuthIngress("missing", "a.com", "nope"),
      AuthIngress("nokey", "b.com", "empty"),
      AuthIngress("garbage", "c.com", "garbage"),
  });
  state.secrets.push_back(MakeSecret("default", "empty", {{"other", "x"}}));
  state.secrets.push_back(MakeSecret("default", "garbage", {{"auth", "no colon here\n"}}));
  Compiled c = CompileState(state);
  for (const char* name : {"missing", "nokey", "garbage"}) {
    const Route* route = c.table->Lookup(std::string(name) == "missing" ? "a.com"
                                         : std::string(name) == "nokey" ? "b.com"
                                                                        : "c.com",
                                         "/");
    ASSERT_NE(route, nullptr) << name;  // still served: the data plane answers 503
    ASSERT_NE(route->policy, nullptr);
    EXPECT_EQ(route->policy->auth.type, annotations::AuthPolicy::Type::kBasic);
    EXPECT_EQ(route->policy->auth.credentials, nullptr) << name;
    const model::Diagnostic* d =
        Find(c, std::string("Ingress default/") + name, Field("auth-secret"));
    ASSERT_NE(d, nullptr) << name;
    EXPECT_NE(d->error.message.find("requests get 503"), std::string::npos);
  }
}

TEST(AnnotationsCompile, SecretChangeRecompilesExactlyItsIngresses) {
  RouteCompiler compiler(CompileOptions{});
  compiler.Upsert(std::make_shared<const model::Service>(MakeService("default", "svc")));
  compiler.Upsert(std::make_shared<const model::Ingress>(AuthIngress("auth", "a.com", "pw")));
  compiler.Upsert(std::make_shared<const model::Ingress>(
      IngressBuilder("default", "other").Rule("b.com").Path("/", kP).Build()));
  std::vector<model::Diagnostic> diagnostics;
  auto first = compiler.Compile(diagnostics);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->Lookup("a.com", "/")->policy->auth.credentials, nullptr);
  EXPECT_EQ(compiler.diagnostic_count(), 1u);
  const Route* other = first->Lookup("b.com", "/");

  // A Secret no Ingress names: nothing served changes.
  compiler.Upsert(std::make_shared<const model::Secret>(MakeSecret("default", "unused", {})));
  EXPECT_EQ(compiler.Compile(diagnostics), nullptr);

  diagnostics.clear();
  compiler.Upsert(
      std::make_shared<const model::Secret>(MakeSecret("default", "pw", {{"auth", kAuthFile}})));
  auto second = compiler.Compile(diagnostics);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(diagnostics.empty());
  EXPECT_EQ(compiler.diagnostic_count(), 0u);
  ASSERT_NE(second->Lookup("a.com", "/")->policy->auth.credentials, nullptr);
  EXPECT_TRUE(second->Lookup("a.com", "/")->policy->auth.credentials->Verify(kGoodHeader));
  EXPECT_EQ(second->Lookup("b.com", "/"), other);  // untouched host, same Route

  compiler.Remove(RouteCompiler::Kind::kSecret, "default", "pw");
  auto third = compiler.Compile(diagnostics);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->Lookup("a.com", "/")->policy->auth.credentials, nullptr);
  EXPECT_EQ(compiler.diagnostic_count(), 1u);
}

}  // namespace
}  // namespace waygate::route::testing
