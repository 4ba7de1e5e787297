#include "controller/reference_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../tls/test_certs.h"
#include "pki/base64.h"

namespace waygate::controller {
namespace {

using nlohmann::json;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

json Ingress(const std::string& ns, const std::string& name, const std::string& service,
             const std::string& secret = "") {
  json spec = {{"defaultBackend", {{"service", {{"name", service}, {"port", {{"number", 80}}}}}}}};
  if (!secret.empty()) spec["tls"] = {{{"secretName", secret}}};
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"uid", ns + "-" + name}}},
          {"spec", spec}};
}

json Service(int port) { return {{"spec", {{"ports", {{{"name", "http"}, {"port", port}}}}}}}; }

TEST(ReferenceIndexTest, NewOrChangedIngressIsDirtyStatusOnlyChangeIsNot) {
  ReferenceIndex index;
  json ing = Ingress("a", "one", "web");
  EXPECT_THAT(index.PutIngress("a/one", ing, "5"), UnorderedElementsAre("a/one"));
  json with_status = ing;
  with_status["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "10.0.0.1"}}}}}}};
  with_status["metadata"]["labels"] = {{"x", "y"}};
  EXPECT_THAT(index.PutIngress("a/one", with_status, "6"), IsEmpty());
  // The newer resourceVersion is still remembered for the involvedObject of the next Event.
  EXPECT_EQ(index.FindIngress("a/one")->resource_version, "6");
  EXPECT_THAT(index.PutIngress("a/one", Ingress("a", "one", "other"), "7"),
              UnorderedElementsAre("a/one"));
}

TEST(ReferenceIndexTest, ServiceChangeMarksOnlyIngressesNamingItInItsNamespace) {
  ReferenceIndex index;
  (void)index.PutIngress("a/one", Ingress("a", "one", "web"), "1");
  (void)index.PutIngress("a/two", Ingress("a", "two", "web"), "1");
  (void)index.PutIngress("a/three", Ingress("a", "three", "api"), "1");
  (void)index.PutIngress("b/one", Ingress("b", "one", "web"), "1");
  EXPECT_THAT(index.PutService("a/web", Service(80)), UnorderedElementsAre("a/one", "a/two"));
  // Same ports again (a label or selector edit): nothing to re-check.
  EXPECT_THAT(index.PutService("a/web", Service(80)), IsEmpty());
  EXPECT_THAT(index.PutService("a/web", Service(81)), UnorderedElementsAre("a/one", "a/two"));
  EXPECT_THAT(index.PutService("a/unrelated", Service(80)), IsEmpty());
  EXPECT_THAT(index.DeleteService("a/web"), UnorderedElementsAre("a/one", "a/two"));
  EXPECT_THAT(index.DeleteService("a/web"), IsEmpty());
}

TEST(ReferenceIndexTest, RetargetedOrDeletedIngressLeavesTheOldIndexEntry) {
  ReferenceIndex index;
  (void)index.PutIngress("a/one", Ingress("a", "one", "web", "tls"), "1");
  (void)index.PutIngress("a/one", Ingress("a", "one", "api"), "2");
  EXPECT_THAT(index.PutService("a/web", Service(80)), IsEmpty());
  EXPECT_THAT(index.PutSecret("a/tls", json::object()), IsEmpty());
  EXPECT_THAT(index.PutService("a/api", Service(80)), UnorderedElementsAre("a/one"));
  EXPECT_EQ(index.DeleteIngress("a/one"), std::optional<std::string>("a-one"));
  EXPECT_EQ(index.DeleteIngress("a/one"), std::nullopt);
  EXPECT_THAT(index.PutService("a/api", Service(81)), IsEmpty());
}

TEST(ReferenceIndexTest, SecretChangesMarkDependentsAndCheckSeesCurrentState) {
  ReferenceIndex index;
  (void)index.PutIngress("a/one", Ingress("a", "one", "web", "tls"), "1");
  (void)index.PutService("a/web", Service(80));
  const IngressRefs* refs = index.FindIngress("a/one");
  ASSERT_NE(refs, nullptr);
  ASSERT_EQ(index.Check(*refs).size(), 1u);
  EXPECT_EQ(index.Check(*refs)[0].reason, "SecretNotFound");
  // A servable certificate: nothing to report. (Unservable content is reported too: see
  // ingress_refs_test.cc.)
  auto ca = tls::testing::MakeCa();
  auto key = tls::testing::EcKey();
  auto pem = tls::testing::Secret(ca, key.get(), {"a.example.com"});
  json tls = {{"type", "kubernetes.io/tls"},
              {"data", {{"tls.crt", pki::Base64Encode(pem.crt)}, {"tls.key", pki::Base64Encode(pem.key)}}}};
  EXPECT_THAT(index.PutSecret("a/tls", tls), UnorderedElementsAre("a/one"));
  EXPECT_THAT(index.Check(*refs), IsEmpty());
  json garbage = {{"type", "kubernetes.io/tls"},
                  {"data", {{"tls.crt", "eA=="}, {"tls.key", "eA=="}}}};
  EXPECT_THAT(index.PutSecret("a/tls", garbage), UnorderedElementsAre("a/one"));
  ASSERT_EQ(index.Check(*refs).size(), 1u);
  EXPECT_EQ(index.Check(*refs)[0].reason, "SecretInvalid");
  EXPECT_THAT(index.DeleteSecret("a/tls"), UnorderedElementsAre("a/one"));
  EXPECT_EQ(index.Check(*refs).size(), 1u);
}

}  // namespace
}  // namespace waygate::controller
