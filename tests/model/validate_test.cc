// Every validation rule, with the exact Kubernetes field path it reports.
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace waygate::model {
namespace {

using testing::Decode;
using testing::Decoded;

// An Ingress whose first rule holds `paths` (YAML list items, indented 6 spaces) and `host`.
std::string IngressWith(const std::string& host, const std::string& paths,
                        const std::string& extra_spec = "") {
  return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: "
         "demo}\nspec:\n" +
         extra_spec + "  rules:\n  - host: " + host + "\n    http:\n      paths:\n" + paths;
}

std::string Path(const std::string& path, const std::string& type,
                 const std::string& backend = "{service: {name: api, port: {number: 80}}}") {
  std::string out = "      - backend: " + backend + "\n";
  if (!path.empty()) out += "        path: " + path + "\n";
  if (!type.empty()) out += "        pathType: " + type + "\n";
  return out;
}

// Expects the manifest to be rejected with exactly one error, at `field`, containing `message`.
void ExpectOnly(const Decoded& d, const std::string& field, const std::string& message) {
  ASSERT_EQ(d.diags.size(), 1u) << d.Dump();
  EXPECT_EQ(d.diags[0].error.field, field) << d.Dump();
  EXPECT_NE(d.diags[0].error.message.find(message), std::string::npos) << d.Dump();
  EXPECT_TRUE(d.state.ingresses.empty() && d.state.services.empty() && d.state.secrets.empty() &&
              d.state.endpoints.empty() && d.state.endpoint_slices.empty() &&
              d.state.gateways.empty() && d.state.ingress_classes.empty());
}

TEST(ValidateIngress, ValidBaseline) {
  auto d = Decode(IngressWith("foo.example.com", Path("/", "Prefix")));
  EXPECT_TRUE(d.diags.empty()) << d.Dump();
  EXPECT_EQ(d.state.ingresses.size(), 1u);
}

TEST(ValidateIngress, Hosts) {
  ExpectOnly(Decode(IngressWith("foo_bar.com", Path("/", "Prefix"))), "spec.rules[0].host",
             "a lowercase RFC 1123 subdomain");
  ExpectOnly(Decode(IngressWith("1.2.3.4", Path("/", "Prefix"))), "spec.rules[0].host",
             "Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address");
  ExpectOnly(Decode(IngressWith("\"*.*.foo.com\"", Path("/", "Prefix"))), "spec.rules[0].host",
             "a wildcard DNS-1123 subdomain must start with '*.'");
  ExpectOnly(Decode(IngressWith("\"foo.*.com\"", Path("/", "Prefix"))), "spec.rules[0].host",
             "a wildcard DNS-1123 subdomain");
  EXPECT_TRUE(Decode(IngressWith("\"*.foo.com\"", Path("/", "Prefix"))).diags.empty());
  EXPECT_TRUE(Decode(IngressWith("\"\"", Path("/", "Prefix"))).diags.empty());
}

TEST(ValidateIngress, PathTypeIsRequiredAndChecked) {
  ExpectOnly(Decode(IngressWith("a.com", Path("/", ""))), "spec.rules[0].http.paths[0].pathType",
             "Required value: pathType must be specified");
  ExpectOnly(Decode(IngressWith("a.com", Path("/", "Regex"))),
             "spec.rules[0].http.paths[0].pathType",
             "Unsupported value: \"Regex\": supported values: \"Exact\", "
             "\"ImplementationSpecific\", \"Prefix\"");
}

TEST(ValidateIngress, ExactAndPrefixPathsMustBeClean) {
  const std::string field = "spec.rules[0].http.paths[1].path";
  auto with = [](const std::string& p, const std::string& t) {
    return Decode(IngressWith("a.com", Path("/ok", "Exact") + Path(p, t)));
  };
  ExpectOnly(with("foo", "Prefix"), field, "must be an absolute path");
  ExpectOnly(with("/a//b", "Prefix"), field, "must not contain '//'");
  ExpectOnly(with("/a/./b", "Exact"), field, "must not contain '/./'");
  ExpectOnly(with("/a/../b", "Prefix"), field, "must not contain '/../'");
  ExpectOnly(with("/a%2Fb", "Prefix"), field, "must not contain '%2F'");
  ExpectOnly(with("/a/..", "Exact"), field, "cannot end with '/..'");
  ExpectOnly(with("/a/.", "Prefix"), field, "cannot end with '/.'");
  ExpectOnly(with("\"\"", "Exact"), field, "must be an absolute path");
  // ImplementationSpecific: anything goes but it must start with "/" when present.
  ExpectOnly(with("foo", "ImplementationSpecific"), field, "must be an absolute path");
  EXPECT_TRUE(with("/a//b/..", "ImplementationSpecific").diags.empty());
}

TEST(ValidateIngress, Backends) {
  const std::string b = "spec.rules[0].http.paths[0].backend";
  ExpectOnly(Decode(IngressWith("a.com", Path("/", "Prefix", "{}"))), b,
             "resource or service backend is required");
  ExpectOnly(Decode(IngressWith("a.com",
                                Path("/", "Prefix",
                                     "{service: {name: a, port: {number: 80}}, resource: {kind: K, "
                                     "name: n}}"))),
             b, "cannot set both resource and service backends");
  ExpectOnly(Decode(IngressWith(
                 "a.com", Path("/", "Prefix", "{service: {name: 1api, port: {number: 80}}}"))),
             b + ".service.name", "a DNS-1035 label");
  ExpectOnly(Decode(IngressWith("a.com", Path("/", "Prefix", "{service: {port: {number: 80}}}"))),
             b + ".service.name", "Required value");
  ExpectOnly(Decode(IngressWith("a.com", Path("/", "Prefix", "{service: {name: a}}"))), b,
             "Required value: port name or number is required");
  ExpectOnly(Decode(IngressWith(
                 "a.com", Path("/", "Prefix", "{service: {name: a, port: {name: h, number: 8}}}"))),
             b, "cannot set both port name & port number");
  ExpectOnly(Decode(IngressWith(
                 "a.com", Path("/", "Prefix", "{service: {name: a, port: {number: 70000}}}"))),
             b + ".service.port.number",
             "Invalid value: 70000: must be between 1 and 65535, inclusive");
  ExpectOnly(
      Decode(IngressWith("a.com", Path("/", "Prefix", "{service: {name: a, port: {name: Http}}}"))),
      b + ".service.port.name", "must contain only alpha-numeric characters");
  ExpectOnly(Decode(IngressWith("a.com", Path("/", "Prefix", "{resource: {name: n}}"))),
             b + ".resource.kind", "Required value");
}

TEST(ValidateIngress, SpecNeedsRulesOrDefaultBackend) {
  ExpectOnly(Decode("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: w}\n"
                    "spec: {}\n"),
             "spec", "either `defaultBackend` or `rules` must be specified");
  ExpectOnly(Decode("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: w}\n"
                    "spec: {rules: [{host: a.com, http: {paths: []}}]}\n"),
             "spec.rules[0].http.paths", "Required value");
  // A rule without http is allowed (host only).
  EXPECT_TRUE(Decode("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: w}\n"
                     "spec: {rules: [{host: a.com}]}\n")
                  .diags.empty());
}

TEST(ValidateIngress, TlsAndClassName) {
  auto tls = [](const std::string& tls_block) {
    return Decode(IngressWith("a.com", Path("/", "Prefix"), tls_block));
  };
  EXPECT_TRUE(tls("  tls: [{hosts: [\"*.a.com\", a.com]}]\n").diags.empty());  // no secretName
  ExpectOnly(tls("  tls: [{hosts: [a.com, \"A.com\"], secretName: s}]\n"), "spec.tls[0].hosts[1]",
             "a lowercase RFC 1123 subdomain");
  ExpectOnly(tls("  tls: [{hosts: [a.com], secretName: s}, {secretName: Bad}]\n"),
             "spec.tls[1].secretName", "Invalid value: \"Bad\"");
  ExpectOnly(tls("  ingressClassName: Waygate\n"), "spec.ingressClassName",
             "a lowercase RFC 1123 subdomain");
  ExpectOnly(Decode("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: w\n"
                    "  annotations: {kubernetes.io/ingress.class: nginx}\n"
                    "spec:\n  ingressClassName: waygate\n"
                    "  defaultBackend: {service: {name: a, port: {number: 1}}}\n"),
             "annotations.kubernetes.io/ingress.class",
             "must match `ingressClassName` when both are specified");
}

TEST(ValidateIngress, ErrorPathIsExact) {
  auto d = Decode(IngressWith(
      "a.com",
      Path("/", "Prefix") + Path("/x", "Prefix", "{service: {name: a, port: {number: 0}}}")));
  // number 0 means "not set": port name or number is required.
  ExpectOnly(d, "spec.rules[0].http.paths[1].backend", "port name or number is required");
  auto e = Decode(IngressWith(
      "a.com",
      Path("/", "Prefix") + Path("/x", "Prefix", "{service: {name: a, port: {number: -1}}}")));
  ExpectOnly(e, "spec.rules[0].http.paths[1].backend.service.port.number",
             "must be between 1 and 65535");
}

TEST(ValidateMeta, NameNamespaceLabelsAnnotations) {
  const std::string head = "apiVersion: v1\nkind: Endpoints\n";
  ExpectOnly(Decode(head + "metadata: {namespace: x}\n"), "metadata.name",
             "Required value: name or generateName is required");
  ExpectOnly(Decode(head + "metadata: {name: My.App}\n"), "metadata.name",
             "a lowercase RFC 1123 subdomain");
  ExpectOnly(Decode(head + "metadata: {name: a, namespace: a.b}\n"), "metadata.namespace",
             "must not contain dots");
  ExpectOnly(Decode(head + "metadata: {name: a, labels: {\"bad key\": v}}\n"), "metadata.labels",
             "Invalid value: \"bad key\": name part must consist of alphanumeric characters");
  ExpectOnly(Decode(head + "metadata: {name: a, labels: {k: \"-v\"}}\n"), "metadata.labels",
             "a valid label must be an empty string or consist of");
  ExpectOnly(Decode(head + "metadata: {name: a, labels: {k: " + std::string(64, 'v') + "}}\n"),
             "metadata.labels", "must be no more than 63 characters");
  ExpectOnly(Decode(head + "metadata: {name: a, annotations: {\"a/b/c\": v}}\n"),
             "metadata.annotations", "a qualified name");
  // Annotation keys are checked case-insensitively, labels are not lower-cased.
  EXPECT_TRUE(Decode(head + "metadata: {name: a, annotations: {Foo.IO/Bar: v}}\n").diags.empty());
  ExpectOnly(Decode(head + "metadata: {name: a, annotations: {k: " + std::string(256 * 1024, 'x') +
                    "}}\n"),
             "metadata.annotations", "Too long: may not be more than 262144 bytes");
}

TEST(ValidateService, Rules) {
  const std::string head = "apiVersion: v1\nkind: Service\n";
  ExpectOnly(Decode(head + "metadata: {name: 1svc}\nspec: {ports: [{port: 80}]}\n"),
             "metadata.name", "a DNS-1035 label");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {}\n"), "spec.ports", "Required value");
  EXPECT_TRUE(Decode(head + "metadata: {name: s}\nspec: {clusterIP: None}\n").diags.empty());
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {ports: [{port: 0, targetPort: 80}]}\n"),
             "spec.ports[0].port", "must be between 1 and 65535");
  // As in Kubernetes, targetPort defaults to port before validation, so both are reported.
  auto zero = Decode(head + "metadata: {name: s}\nspec: {ports: [{port: 0}]}\n");
  EXPECT_EQ(zero.Fields(),
            (std::vector<std::string>{"spec.ports[0].port", "spec.ports[0].targetPort"}));
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {ports: [{name: a, port: 1}, {port: 2}]}\n"),
             "spec.ports[1].name", "Required value");
  ExpectOnly(
      Decode(head +
             "metadata: {name: s}\nspec: {ports: [{name: a, port: 1}, {name: a, port: 2}]}\n"),
      "spec.ports[1].name", "Duplicate value: \"a\"");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {ports: [{name: A_b, port: 1}]}\n"),
             "spec.ports[0].name", "a lowercase RFC 1123 label");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {ports: [{port: 1, protocol: HTTP}]}\n"),
             "spec.ports[0].protocol",
             "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {ports: [{port: 1, targetPort: 70000}]}\n"),
             "spec.ports[0].targetPort", "must be between 1 and 65535");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {type: Magic, ports: [{port: 1}]}\n"),
             "spec.type", "Unsupported value: \"Magic\"");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {ports: [{port: 1, nodePort: 30001}]}\n"),
             "spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'");
  ExpectOnly(Decode(head + "metadata: {name: s}\nspec: {type: ExternalName}\n"),
             "spec.externalName", "Required value");
  EXPECT_TRUE(Decode(head + "metadata: {name: s}\nspec: {type: ExternalName, externalName: "
                            "db.example.com.}\n")
                  .diags.empty());
}

TEST(ValidateEndpoints, Rules) {
  const std::string head = "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\n";
  ExpectOnly(Decode(head + "subsets: [{addresses: [{ip: 10.0.0.300}]}]\n"),
             "subsets[0].addresses[0].ip",
             "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
  ExpectOnly(Decode(head + "subsets: [{addresses: [{ip: 10.0.0.1}], notReadyAddresses: [{ip: "
                           "host.local}]}]\n"),
             "subsets[0].notReadyAddresses[0].ip", "must be a valid IP address");
  ExpectOnly(Decode(head + "subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 0}]}]\n"),
             "subsets[0].ports[0].port", "must be between 1 and 65535");
  ExpectOnly(Decode(head + "subsets: [{ports: [{port: 80}]}]\n"), "subsets[0]",
             "must specify `addresses` or `notReadyAddresses`");
  // Loopback is allowed (Kubernetes forbids it; local gateways need it, see README).
  EXPECT_TRUE(Decode(head + "subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: 8080}]}]\n")
                  .diags.empty());
}

TEST(ValidateEndpointSlice, Rules) {
  const std::string head =
      "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\n";
  ExpectOnly(Decode(head + "endpoints: []\n"), "addressType", "Required value");
  ExpectOnly(Decode(head + "addressType: IPv5\n"), "addressType", "Unsupported value: \"IPv5\"");
  ExpectOnly(Decode(head + "addressType: IPv4\nendpoints: [{addresses: []}]\n"),
             "endpoints[0].addresses", "must contain at least 1 address");
  ExpectOnly(Decode(head + "addressType: IPv4\nendpoints: [{addresses: [nope]}]\n"),
             "endpoints[0].addresses[0]", "must be a valid IP address");
  ExpectOnly(Decode(head + "addressType: IPv4\nendpoints: [{addresses: [\"fd00::1\"]}]\n"),
             "endpoints[0].addresses", "must be an IPv4 address");
  ExpectOnly(Decode(head + "addressType: IPv6\nendpoints: [{addresses: [10.0.0.1]}]\n"),
             "endpoints[0].addresses", "must be an IPv6 address");
  EXPECT_TRUE(Decode(head + "addressType: FQDN\nendpoints: [{addresses: [db.example.com]}]\n")
                  .diags.empty());
  ExpectOnly(Decode(head + "addressType: FQDN\nendpoints: [{addresses: [DB]}]\n"),
             "endpoints[0].addresses[0]", "a lowercase RFC 1123 subdomain");
  ExpectOnly(Decode(head + "addressType: IPv4\nports: [{name: Http, port: 80}]\n"), "ports[0].name",
             "a lowercase RFC 1123 label");
  ExpectOnly(Decode(head + "addressType: IPv4\nports: [{port: 80}, {port: 81}]\n"), "ports[1].name",
             "Duplicate value: \"\"");
  ExpectOnly(Decode(head + "addressType: IPv4\nports: [{name: a, port: 0}]\n"), "ports[0].port",
             "must be between 1 and 65535");
  ExpectOnly(Decode(head + "addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], conditions: "
                           "{ready: \"yes\"}}]\n"),
             "endpoints[0].conditions.ready", "expected boolean, got string");
}

TEST(ValidateSecret, Base64AndTls) {
  const std::string head = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
  ExpectOnly(Decode(head + "data: {tls.crt: \"not*base64\"}\n"), "data[tls.crt]",
             "illegal base64 data at input byte 3");
  ExpectOnly(Decode(head + "type: kubernetes.io/tls\ndata: {tls.crt: Y2VydA==}\n"), "data[tls.key]",
             "Required value");
  ExpectOnly(Decode(head + "data: {\"a/b\": YQ==}\n"), "data[a/b]", "a valid config key");
  auto ok = Decode(head + "type: kubernetes.io/tls\nstringData: {tls.crt: c, tls.key: k}\n");
  ASSERT_TRUE(ok.diags.empty()) << ok.Dump();
  EXPECT_EQ(ok.state.secrets[0].data.at("tls.crt"), "c");
  // The secret value is never echoed into the message.
  auto bad = Decode(head + "data: {k: \"s3cr3t!!\"}\n");
  ASSERT_EQ(bad.diags.size(), 1u);
  EXPECT_EQ(bad.diags[0].error.message.find("s3cr3t"), std::string::npos);
}

TEST(ValidateIngressClass, ControllerRequired) {
  const std::string head =
      "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: c}\n";
  ExpectOnly(Decode(head + "spec: {}\n"), "spec.controller", "Required value");
  ExpectOnly(Decode(head + "spec: {controller: waygate}\n"), "spec.controller",
             "must be a domain-prefixed path (such as \"acme.io/foo\")");
  ExpectOnly(Decode(head + "spec: {controller: Waygate.io/x}\n"), "spec.controller",
             "a lowercase RFC 1123 subdomain");
}

TEST(ValidateGateway, Rules) {
  const std::string head =
      "apiVersion: gateway.kubesphere.io/v1alpha1\nkind: Gateway\nmetadata: {name: g, "
      "namespace: kubesphere-controls-system}\n";
  auto defaults = Decode(head + "spec: {}\n");
  ASSERT_TRUE(defaults.diags.empty()) << defaults.Dump();
  EXPECT_EQ(defaults.state.gateways[0].service.type, "NodePort");
  EXPECT_EQ(defaults.state.gateways[0].controller.replicas, 1);
  ExpectOnly(Decode(head + "spec: {service: {type: ClusterIP}}\n"), "spec.service.type",
             "Unsupported value: \"ClusterIP\": supported values: \"LoadBalancer\", \"NodePort\"");
  ExpectOnly(Decode(head + "spec: {controller: {replicas: -1}}\n"), "spec.controller.replicas",
             "must be greater than or equal to 0");
  ExpectOnly(Decode(head + "spec: {deployment: {replicas: -2}}\n"), "spec.deployment.replicas",
             "must be greater than or equal to 0");
  ExpectOnly(Decode(head + "spec: {controller: {config: {a: [1]}}}\n"), "spec.controller.config[a]",
             "expected string, got array");
  ExpectOnly(Decode(head + "spec: {service: {loadBalancerIP: nope}}\n"),
             "spec.service.loadBalancerIP", "must be a valid IP address");
  ExpectOnly(Decode(head + "spec: {controller: {scope: {enabled: true, namespace: A}}}\n"),
             "spec.controller.scope.namespace", "a lowercase RFC 1123 label");
}

TEST(ValidateGateway, ServicePorts) {
  const std::string head =
      "apiVersion: gateway.kubesphere.io/v1alpha1\nkind: Gateway\nmetadata: {name: g, "
      "namespace: kubesphere-controls-system}\n";
  auto ok = Decode(head +
                   "spec:\n  service:\n    ports:\n    - {name: http, nodePort: 30080}\n"
                   "    - {name: https, port: 443, protocol: TCP}\n");
  ASSERT_TRUE(ok.diags.empty()) << ok.Dump();
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: grpc, nodePort: 30080}]}}\n"),
             "spec.service.ports[0].name",
             "Unsupported value: \"grpc\": supported values: \"http\", \"https\"");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{nodePort: 30080}]}}\n"),
             "spec.service.ports[0].name", "Required value");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: http}, {name: http}]}}\n"),
             "spec.service.ports[1].name", "Duplicate value: \"http\"");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: http, nodePort: 70000}]}}\n"),
             "spec.service.ports[0].nodePort",
             "Invalid value: 70000: must be between 1 and 65535, inclusive");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: https, nodePort: -1}]}}\n"),
             "spec.service.ports[0].nodePort", "Invalid value: -1: must be between 1 and 65535");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: http, nodePort: 30080}, "
                           "{name: https, nodePort: 30080}]}}\n"),
             "spec.service.ports[1].nodePort", "Duplicate value: 30080");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: http, protocol: UDP}]}}\n"),
             "spec.service.ports[0].protocol", "Unsupported value: \"UDP\"");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: http, port: 0x10000}]}}\n"),
             "spec.service.ports[0].port", "must be between 1 and 65535");
  ExpectOnly(Decode(head + "spec: {service: {ports: [{name: http, nodePort: \"30080\"}]}}\n"),
             "spec.service.ports[0].nodePort", "expected int32, got string");
  ExpectOnly(Decode(head + "spec: {service: {ports: {name: http}}}\n"), "spec.service.ports",
             "expected array");
}

TEST(ValidateGateway, QingCloudEipAnnotationIsKept) {
  auto d = Decode(
      "apiVersion: gateway.kubesphere.io/v1alpha1\nkind: Gateway\nmetadata: {name: g, "
      "namespace: kubesphere-controls-system}\nspec:\n  service:\n    type: LoadBalancer\n"
      "    annotations:\n      service.beta.kubernetes.io/qingcloud-load-balancer-eip-ids: "
      "eip-abc,eip-def\n");
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  EXPECT_EQ(d.state.gateways[0].service.annotations.at(
                "service.beta.kubernetes.io/qingcloud-load-balancer-eip-ids"),
            "eip-abc,eip-def");
}

TEST(ValidateGateway, StatusAddresses) {
  const std::string head =
      "apiVersion: gateway.kubesphere.io/v1alpha1\nkind: Gateway\nmetadata: {name: g, "
      "namespace: kubesphere-controls-system}\nspec: {}\n";
  ExpectOnly(Decode(head + "status: {loadBalancer: {ingress: [{ip: 10.0.0.1}, {ip: x}]}}\n"),
             "status.loadBalancer.ingress[1].ip", "must be a valid IP address");
  ExpectOnly(Decode(head + "status: {service: {ports: [{name: http, nodePort: true}]}}\n"),
             "status.service.ports[0].nodePort", "expected int32, got boolean");
}

}  // namespace
}  // namespace waygate::model
