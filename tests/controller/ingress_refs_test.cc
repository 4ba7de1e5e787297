#include "controller/ingress_refs.h"

#include <gtest/gtest.h>

#include "../tls/test_certs.h"
#include "pki/base64.h"

#include <algorithm>
#include <map>

namespace waygate::controller {
namespace {

using nlohmann::json;

json Backend(const std::string& service, json port) {
  return {{"service", {{"name", service}, {"port", port}}}};
}

json IngressWith(json spec) {
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", "web"}, {"namespace", "demo"}, {"uid", "u-1"}}},
          {"spec", spec}};
}

json PathTo(const std::string& service, json port) {
  return {{"path", "/"}, {"pathType", "Prefix"}, {"backend", Backend(service, port)}};
}

std::vector<Problem> Check(const IngressRefs& refs,
                           const std::map<std::string, ServiceSummary>& services,
                           const std::map<std::string, SecretSummary>& secrets) {
  return CheckIngress(
      refs,
      [&](std::string_view name) -> const ServiceSummary* {
        auto it = services.find(std::string(name));
        return it == services.end() ? nullptr : &it->second;
      },
      [&](std::string_view name) -> const SecretSummary* {
        auto it = secrets.find(std::string(name));
        return it == secrets.end() ? nullptr : &it->second;
      });
}

TEST(IngressRefsTest, CollectsDefaultBackendPathsAndTlsSecrets) {
  json spec = {
      {"defaultBackend", Backend("fallback", {{"number", 8080}})},
      {"rules",
       {{{"host", "a.example.com"},
         {"http",
          {{"paths",
            {PathTo("web", {{"name", "http"}}),
             {{"path", "/r"},
              {"pathType", "Prefix"},
              {"backend", {{"resource", {{"kind", "Bucket"}, {"name", "b"}}}}}}}}}}},
        {{"host", "b.example.com"}}}},
      {"tls", {{{"hosts", {"a.example.com"}}, {"secretName", "a-tls"}}, {{"hosts", {"x"}}}}}};
  IngressRefs refs = ParseIngressRefs(IngressWith(spec), "42");
  EXPECT_EQ(refs.namespace_, "demo");
  EXPECT_EQ(refs.name, "web");
  EXPECT_EQ(refs.uid, "u-1");
  EXPECT_EQ(refs.resource_version, "42");
  ASSERT_EQ(refs.services.size(), 2u);  // the resource backend names no Service
  EXPECT_EQ(refs.services[0], (ServiceRef{"fallback", 8080, ""}));
  EXPECT_EQ(refs.services[1], (ServiceRef{"web", std::nullopt, "http"}));
  // A TLS entry without secretName uses the default certificate: nothing to check.
  EXPECT_EQ(refs.secrets, std::vector<std::string>{"a-tls"});
}

TEST(IngressRefsTest, SurvivesMistypedFields) {
  json odd = {{"metadata", {{"name", 7}}},
              {"spec", {{"rules", "nope"}, {"tls", {{{"secretName", 3}}}}, {"defaultBackend", 1}}}};
  IngressRefs refs = ParseIngressRefs(odd, "1");
  EXPECT_TRUE(refs.name.empty());
  EXPECT_TRUE(refs.services.empty());
  EXPECT_TRUE(refs.secrets.empty());
}

TEST(IngressRefsTest, ReportsMissingServicePortAndSecretWithNames) {
  json spec = {{"rules",
                {{{"http",
                   {{"paths",
                     {PathTo("gone", {{"number", 80}}), PathTo("web", {{"number", 9090}}),
                      PathTo("web", {{"name", "admin"}}), PathTo("web", {{"number", 80}}),
                      PathTo("web", {{"name", "http"}})}}}}}}},
               {"tls", {{{"secretName", "missing"}}}}};
  IngressRefs refs = ParseIngressRefs(IngressWith(spec), "1");
  std::map<std::string, ServiceSummary> services = {{"web", ServiceSummary{false, {{"http", 80}}}}};
  auto problems = Check(refs, services, {});
  std::vector<Problem> want = {
      {"ServiceNotFound", "service \"demo/gone\" not found"},
      {"ServicePortNotFound", "service \"demo/web\" has no port 9090"},
      {"ServicePortNotFound", "service \"demo/web\" has no port named \"admin\""},
      {"SecretNotFound", "secret \"demo/missing\" not found"},
  };
  EXPECT_EQ(problems, want);
}

TEST(IngressRefsTest, OneProblemPerDistinctMessage) {
  json spec = {
      {"defaultBackend", Backend("gone", {{"number", 80}})},
      {"rules",
       {{{"http",
          {{"paths", {PathTo("gone", {{"number", 80}}), PathTo("gone", {{"number", 81}})}}}}}}}};
  auto problems = Check(ParseIngressRefs(IngressWith(spec), "1"), {}, {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "ServiceNotFound");
}

TEST(IngressRefsTest, ExternalNameServiceAcceptsAnyPortNumberButNotAnUnknownName) {
  json spec = {
      {"rules",
       {{{"http",
          {{"paths", {PathTo("ext", {{"number", 443}}), PathTo("ext", {{"name", "https"}})}}}}}}}};
  std::map<std::string, ServiceSummary> services = {{"ext", ServiceSummary{true, {}}}};
  auto problems = Check(ParseIngressRefs(IngressWith(spec), "1"), services, {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "service \"demo/ext\" has no port named \"https\"");
}

json TlsSecret(const std::string& crt, const std::string& key) {
  return {{"type", "kubernetes.io/tls"},
          {"data", {{"tls.crt", pki::Base64Encode(crt)}, {"tls.key", pki::Base64Encode(key)}}}};
}

TEST(IngressRefsTest, TlsSecretMustBeKubernetesTlsWithAServableCertAndKey) {
  json spec = {{"tls",
                {{{"secretName", "opaque"}},
                 {{"secretName", "nokey"}},
                 {{"secretName", "garbage"}},
                 {{"secretName", "mismatch"}},
                 {{"secretName", "good"}}}}};
  IngressRefs refs = ParseIngressRefs(IngressWith(spec), "1");
  auto ca = tls::testing::MakeCa();
  auto key = tls::testing::EcKey();
  auto other_key = tls::testing::EcKey();
  auto good = tls::testing::Secret(ca, key.get(), {"a.example.com"});
  const auto now = std::chrono::system_clock::now();
  std::map<std::string, SecretSummary> secrets = {
      {"opaque", SummarizeSecret({{"data", {{"tls.crt", "Y2VydA=="}, {"tls.key", "a2V5"}}}}, now)},
      {"nokey", SummarizeSecret({{"type", "kubernetes.io/tls"},
                                 {"data", {{"tls.crt", "Y2VydA=="}, {"tls.key", ""}}}},
                                now)},
      {"garbage", SummarizeSecret(TlsSecret("cert", "key"), now)},
      {"mismatch", SummarizeSecret(TlsSecret(good.crt, tls::testing::Pem(other_key.get())), now)},
      {"good", SummarizeSecret(TlsSecret(good.crt, good.key), now)},
  };
  EXPECT_TRUE(secrets["good"].invalid.empty()) << secrets["good"].invalid;
  auto problems = Check(refs, {}, secrets);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0], (Problem{"SecretInvalid", "secret \"demo/opaque\" is of type \"Opaque\", "
                                                   "not \"kubernetes.io/tls\""}));
  EXPECT_EQ(problems[1], (Problem{"SecretInvalid", "secret \"demo/nokey\" has no tls.key"}));
  for (size_t i : {2u, 3u}) {
    EXPECT_EQ(problems[i].reason, "SecretInvalid");
    EXPECT_NE(problems[i].message.find("served with the default certificate"), std::string::npos);
  }
  EXPECT_NE(problems[2].message.find("demo/garbage"), std::string::npos);
  EXPECT_NE(problems[3].message.find("demo/mismatch"), std::string::npos);
  EXPECT_NE(problems[3].message.find("tls.key"), std::string::npos) << problems[3].message;
  // The same certificate is expired a year later: that is reported too.
  auto expired = SummarizeSecret(TlsSecret(good.crt, good.key), now + std::chrono::hours(24 * 400));
  EXPECT_NE(expired.invalid.find("expired"), std::string::npos) << expired.invalid;
}

TEST(IngressRefsTest, AnnotationProblemsAreWarningsNamingTheKey) {
  json ingress = IngressWith({{"rules", json::array()}});
  ingress["metadata"]["annotations"] = {
      {"nginx.ingress.kubernetes.io/rewrite-target", "/"},               // supported, valid
      {"nginx.ingress.kubernetes.io/enable-modsecurity", "true"},        // not implemented
      {"nginx.ingress.kubernetes.io/whitelist-source-range", "10.0.0/8"},  // bad CIDR
      {"nginx.ingress.kubernetes.io/proxy-body-size", "8 parsecs"},      // bad size (route key)
      {"nginx.ingress.kubernetes.io/server-snippet", "return 200;"},     // refused
      {"kubesphere.io/alias-name", "anything"}};                         // not ours to judge
  IngressRefs refs = ParseIngressRefs(ingress, "1");
  auto problems = Check(refs, {}, {});
  auto has = [&](std::string_view reason, std::string_view needle) {
    return std::any_of(problems.begin(), problems.end(), [&](const Problem& p) {
      return p.reason == reason && p.message.find(needle) != std::string::npos;
    });
  };
  EXPECT_TRUE(has(kReasonUnsupportedAnnotation,
                  "annotation nginx.ingress.kubernetes.io/enable-modsecurity is not supported"));
  EXPECT_TRUE(has(kReasonInvalidAnnotation,
                  "metadata.annotations[nginx.ingress.kubernetes.io/whitelist-source-range]"));
  EXPECT_TRUE(has(kReasonInvalidAnnotation,
                  "metadata.annotations[nginx.ingress.kubernetes.io/proxy-body-size]"));
  EXPECT_TRUE(has(kReasonInvalidAnnotation, "snippet annotations are refused"));
  // rewrite-target and the kubesphere.io key raise nothing.
  EXPECT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems.size());
  for (const Problem& p : problems) {
    EXPECT_EQ(p.message.find("rewrite-target"), std::string::npos) << p.message;
    EXPECT_EQ(p.message.find("kubesphere.io"), std::string::npos) << p.message;
  }
}

TEST(IngressRefsTest, ServiceSummaryKeepsNamesAndPorts) {
  ServiceSummary s = SummarizeService(
      {{"spec",
        {{"type", "ClusterIP"}, {"ports", {{{"name", "http"}, {"port", 80}}, {{"port", 8443}}}}}}});
  EXPECT_FALSE(s.external_name);
  std::vector<std::pair<std::string, int64_t>> want = {{"http", 80}, {"", 8443}};
  EXPECT_EQ(s.ports, want);
}

}  // namespace
}  // namespace waygate::controller
