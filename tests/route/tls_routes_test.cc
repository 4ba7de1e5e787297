// What the route compiler derives from spec.tls and the TLS settings: the per-host "has TLS"
// flag the redirect needs, the host -> Secret bindings the certificate store needs, and the
// gateway keys / annotations that steer redirects and HSTS.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builders.h"
#include "route/compiler.h"
#include "route/settings.h"

namespace waygate::route::testing {
namespace {

constexpr PathType kP = PathType::kPrefix;

std::shared_ptr<const model::Ingress> Shared(model::Ingress ingress) {
  return std::make_shared<const model::Ingress>(std::move(ingress));
}

TEST(TlsRoutes, HostHasTlsWhenAnyIngressOfTheHostSecuresIt) {
  RouteCompiler compiler(CompileOptions{});
  compiler.Upsert(std::make_shared<const model::Service>(MakeService("default", "svc")));
  // "a.com" is secured by Ingress "cert" although "web" serves its other path.
  compiler.Upsert(Shared(IngressBuilder("default", "web").Rule("a.com").Path("/app", kP)));
  compiler.Upsert(Shared(
      IngressBuilder("default", "cert").Rule("A.com").Path("/", kP).Tls({"a.COM"}, "a-tls")));
  compiler.Upsert(Shared(IngressBuilder("default", "plain").Rule("b.com").Path("/", kP)));
  // A tls entry without hosts covers the Ingress's own rule hosts.
  compiler.Upsert(Shared(IngressBuilder("default", "nohosts").Rule("c.com").Path("/", kP).Tls(
      {}, "c-tls")));
  std::vector<model::Diagnostic> diagnostics;
  auto table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(table->Lookup("a.com", "/app")->settings.host_has_tls);
  EXPECT_TRUE(table->Lookup("a.com", "/")->settings.host_has_tls);
  EXPECT_FALSE(table->Lookup("b.com", "/")->settings.host_has_tls);
  EXPECT_TRUE(table->Lookup("c.com", "/")->settings.host_has_tls);

  ASSERT_NE(table->tls_bindings(), nullptr);
  const std::vector<TlsBinding> want = {{"a.com", "default", "cert", "a-tls"},
                                        {"c.com", "default", "nohosts", "c-tls"}};
  EXPECT_EQ(*table->tls_bindings(), want);

  // Dropping the tls section clears the flag and the binding; the flag of the other host stays.
  compiler.Upsert(Shared(IngressBuilder("default", "cert").Rule("a.com").Path("/", kP)));
  auto next = compiler.Compile(diagnostics);
  ASSERT_NE(next, nullptr);
  EXPECT_FALSE(next->Lookup("a.com", "/app")->settings.host_has_tls);
  EXPECT_TRUE(next->Lookup("c.com", "/")->settings.host_has_tls);
  ASSERT_EQ(next->tls_bindings()->size(), 1u);
  EXPECT_EQ(next->tls_bindings()->front().ingress_name, "nohosts");
}

TEST(TlsRoutes, UnchangedBindingsAreSharedAndASecretRenameMakesANewTable) {
  RouteCompiler compiler(CompileOptions{});
  compiler.Upsert(std::make_shared<const model::Service>(MakeService("default", "svc")));
  compiler.Upsert(
      Shared(IngressBuilder("default", "web").Rule("a.com").Path("/", kP).Tls({"a.com"}, "s1")));
  compiler.Upsert(Shared(IngressBuilder("default", "other").Rule("b.com").Path("/", kP)));
  std::vector<model::Diagnostic> diagnostics;
  auto first = compiler.Compile(diagnostics);
  ASSERT_NE(first, nullptr);
  compiler.Upsert(Shared(IngressBuilder("default", "other").Rule("b.com").Path("/x", kP)));
  auto second = compiler.Compile(diagnostics);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->tls_bindings(), first->tls_bindings());  // same pointer
  // Only the Secret name changes: no route changes, but the table must still be republished.
  compiler.Upsert(
      Shared(IngressBuilder("default", "web").Rule("a.com").Path("/", kP).Tls({"a.com"}, "s2")));
  auto third = compiler.Compile(diagnostics);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->tls_bindings()->front().secret_name, "s2");
}

TEST(TlsRoutes, UnservedIngressesBindNothing) {
  RouteCompiler compiler(CompileOptions{});
  compiler.Upsert(Shared(IngressBuilder("default", "web")
                             .ClassName("someone-else")
                             .Rule("a.com")
                             .Path("/", kP)
                             .Tls({"a.com"}, "s1")));
  std::vector<model::Diagnostic> diagnostics;
  auto table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(table->tls_bindings()->empty());
}

TEST(TlsSettings, GatewayDefaultsMatchIngressNginx) {
  auto parsed = ParseGatewaySettings({}, nullptr);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->ssl_redirect);
  EXPECT_EQ(parsed->http_redirect_code, 308);
  EXPECT_TRUE(parsed->hsts);
  EXPECT_EQ(parsed->hsts_max_age, 31536000u);
  EXPECT_TRUE(parsed->hsts_include_subdomains);
  EXPECT_FALSE(parsed->hsts_preload);
  EXPECT_EQ(parsed->ssl_protocols, "TLSv1.2 TLSv1.3");
}

TEST(TlsSettings, GatewayKeysParseAndBadValuesNameTheField) {
  auto parsed = ParseGatewaySettings({{"ssl-redirect", "false"},
                                      {"hsts", "False"},
                                      {"hsts-max-age", "600"},
                                      {"hsts-include-subdomains", "0"},
                                      {"hsts-preload", "true"},
                                      {"http-redirect-code", "301"},
                                      {"ssl-protocols", "TLSv1.3"},
                                      {"ssl-ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"}},
                                     nullptr);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_FALSE(parsed->ssl_redirect);
  EXPECT_FALSE(parsed->hsts);
  EXPECT_EQ(parsed->hsts_max_age, 600u);
  EXPECT_FALSE(parsed->hsts_include_subdomains);
  EXPECT_TRUE(parsed->hsts_preload);
  EXPECT_EQ(parsed->http_redirect_code, 301);
  EXPECT_EQ(parsed->ssl_protocols, "TLSv1.3");
  EXPECT_EQ(parsed->ssl_ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_FALSE(DefaultRouteSettings(*parsed).ssl_redirect);

  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"http-redirect-code", "303"},
           {"ssl-protocols", "SSLv3"},
           {"ssl-ciphers", "ALL; include /etc/passwd"},
           {"hsts", "maybe"}}) {
    auto bad = ParseGatewaySettings({{key, value}}, nullptr);
    ASSERT_FALSE(bad.ok()) << key;
    EXPECT_EQ(bad.error().field, "spec.controller.config." + key);
  }
}

TEST(TlsSettings, RedirectAnnotations) {
  RouteSettings defaults;
  auto parsed = ParseRouteAnnotations({{"nginx.ingress.kubernetes.io/ssl-redirect", "false"},
                                       {"nginx.ingress.kubernetes.io/force-ssl-redirect", "true"}},
                                      defaults);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->ssl_redirect);
  EXPECT_TRUE(parsed->force_ssl_redirect);
  auto bad = ParseRouteAnnotations({{"nginx.ingress.kubernetes.io/force-ssl-redirect", "yes"}},
                                   defaults);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field,
            "metadata.annotations[nginx.ingress.kubernetes.io/force-ssl-redirect]");
}

TEST(BackendProtocol, HttpAndGrpcAreServedTheOthersRefusedByName) {
  RouteSettings defaults;
  auto annotate = [&](const std::string& value) {
    return ParseRouteAnnotations({{"nginx.ingress.kubernetes.io/backend-protocol", value}},
                                 defaults);
  };
  EXPECT_EQ(annotate("GRPC")->backend_protocol, BackendProtocol::kGrpc);
  EXPECT_EQ(annotate("grpc")->backend_protocol, BackendProtocol::kGrpc);  // upper-cased first
  EXPECT_EQ(annotate("HTTP")->backend_protocol, BackendProtocol::kHttp);
  EXPECT_EQ(annotate("AUTO_HTTP")->backend_protocol, BackendProtocol::kHttp);
  for (const char* refused : {"HTTPS", "GRPCS", "FCGI"}) {
    auto r = annotate(refused);
    ASSERT_FALSE(r.ok()) << refused;
    EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
    EXPECT_EQ(r.error().field, "metadata.annotations[nginx.ingress.kubernetes.io/backend-protocol]");
  }
  auto bad = annotate("SPDY");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace waygate::route::testing
