// ManifestObjects: a file change feeds the compiler only what it touches, and an object defined
// by two files is served from the first file by name, falling back to the other when it goes.
#include "sync/manifest_objects.h"

#include <gtest/gtest.h>

namespace waygate::sync {
namespace {

std::shared_ptr<const model::ClusterState> FileWith(const std::string& host,
                                                    const std::string& service = "svc") {
  auto state = std::make_shared<model::ClusterState>();
  model::Ingress ingress;
  ingress.meta.namespace_ = "default";
  ingress.meta.name = "web";
  model::IngressBackend backend;
  backend.service = model::IngressServiceBackend{service, {"", 80}};
  ingress.rules.push_back(
      model::IngressRule{host, {model::HTTPIngressPath{"/", model::PathType::kPrefix, backend}}});
  state->ingresses.push_back(ingress);
  model::Service svc;
  svc.meta.namespace_ = "default";
  svc.meta.name = service;
  model::ServicePort port;
  port.port = 80;
  svc.ports.push_back(port);
  state->services.push_back(svc);
  return state;
}

std::string OwnerOf(const route::RouteTable& table, const std::string& host) {
  const route::Route* route = table.Lookup(host, "/");
  return route == nullptr ? "none" : route->ingress_name;
}

TEST(ManifestObjects, FirstFileByNameWinsAndTheOtherTakesOverWhenItGoes) {
  route::RouteCompiler compiler({});
  ManifestObjects objects(&compiler);
  std::vector<model::Diagnostic> diagnostics;
  objects.SetFile("b.yaml", FileWith("b.example.com"), diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  auto table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(OwnerOf(*table, "b.example.com"), "web");

  // a.yaml defines the same Ingress: it sorts first, so its copy is served, and it is reported.
  objects.SetFile("a.yaml", FileWith("a.example.com"), diagnostics);
  ASSERT_EQ(diagnostics.size(), 2u);  // the Ingress and the Service
  EXPECT_EQ(diagnostics[0].error.code, ErrorCode::kConflict);
  EXPECT_NE(diagnostics[0].error.message.find("also defined in b.yaml"), std::string::npos);
  table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(OwnerOf(*table, "a.example.com"), "web");
  EXPECT_EQ(OwnerOf(*table, "b.example.com"), "none");

  // a.yaml removed: b.yaml's copy is served again.
  objects.SetFile("a.yaml", nullptr, diagnostics);
  table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(OwnerOf(*table, "a.example.com"), "none");
  EXPECT_EQ(OwnerOf(*table, "b.example.com"), "web");

  // b.yaml removed too: nothing left.
  objects.SetFile("b.yaml", nullptr, diagnostics);
  table = compiler.Compile(diagnostics);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->route_count(), 0u);
  EXPECT_EQ(compiler.ingress_count(), 0u);
}

}  // namespace
}  // namespace waygate::sync
