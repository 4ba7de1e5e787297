// Decoding valid manifests of every kind, from YAML and JSON, multi-document and List.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/decode_json.h"
#include "test_util.h"

namespace waygate::model {
namespace {

using testing::Decode;

constexpr const char* kAll = R"(# every kind Waygate reads, plus one it does not
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: demo
  uid: "0d9c-1234"
  resourceVersion: "77"
  generation: 3
  labels: {app: web}
  annotations:
    kubesphere.io/alias-name: "Web"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  ingressClassName: waygate
  defaultBackend:
    service: {name: fallback, port: {number: 80}}
  tls:
  - hosts: [foo.example.com, "*.example.com"]
    secretName: foo-tls
  rules:
  - host: foo.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend: {service: {name: api, port: {number: 8080}}}
      - path: /exact
        pathType: Exact
        backend: {service: {name: api, port: {name: http}}}
      - pathType: ImplementationSpecific
        backend: {service: {name: api, port: {number: 8080}}}
  - host: "*.example.com"
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: assets}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: waygate
  namespace: ignored
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec:
  controller: waygate.io/ingress-controller
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: demo}
spec:
  type: NodePort
  selector: {app: api}
  ports:
  - name: http
    port: 80
    targetPort: 8080
    nodePort: 30080
  - name: metrics
    port: 9090
    targetPort: metrics
    protocol: TCP
  - name: dns
    port: 53
    protocol: UDP
---
apiVersion: v1
kind: Endpoints
metadata: {name: api, namespace: demo}
subsets:
- addresses: [{ip: 10.0.0.7, hostname: pod-a, nodeName: node-1}, {ip: "fd00::7"}]
  notReadyAddresses: [{ip: 10.0.0.8}]
  ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: api-abc12
  namespace: demo
  labels: {kubernetes.io/service-name: api}
addressType: IPv4
endpoints:
- addresses: [10.0.0.7]
  conditions: {ready: true, serving: true, terminating: false}
- addresses: [10.0.0.8]
ports:
- {name: http, port: 8080, protocol: TCP}
- {port: 9090}
---
apiVersion: v1
kind: Secret
metadata: {name: foo-tls, namespace: demo}
type: kubernetes.io/tls
data:
  tls.crt: Y2VydA==
  tls.key: a2V5
stringData:
  tls.key: override
  extra: plain
---
apiVersion: gateway.kubesphere.io/v1alpha1
kind: Gateway
metadata:
  name: kubesphere-router-demo
  namespace: kubesphere-controls-system
spec:
  controller:
    replicas: 2
    annotations: {a.io/x: "y"}
    config:
      proxy-body-size: 8m
      keep-alive: 75
      use-forwarded-headers: true
      proxy-read-timeout: "120"
    scope: {enabled: true, namespace: demo}
  deployment:
    replicas: 3
    annotations: {servicemesh.kubesphere.io/enabled: "false"}
  service:
    type: LoadBalancer
    annotations: {lb.example.com/pool: blue}
    loadBalancerIP: 192.0.2.10
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-ours}
data: {a: b}
)";

TEST(Decode, EveryKindFromMultiDocumentYaml) {
  auto d = Decode(kAll, "dir/all.yaml");
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  const ClusterState& s = d.state;
  ASSERT_EQ(s.ingresses.size(), 1u);
  ASSERT_EQ(s.ingress_classes.size(), 1u);
  ASSERT_EQ(s.services.size(), 1u);
  ASSERT_EQ(s.endpoints.size(), 1u);
  ASSERT_EQ(s.endpoint_slices.size(), 1u);
  ASSERT_EQ(s.secrets.size(), 1u);
  ASSERT_EQ(s.gateways.size(), 1u);

  const Ingress& ing = s.ingresses[0];
  EXPECT_EQ(ing.meta.name, "web");
  EXPECT_EQ(ing.meta.namespace_, "demo");
  EXPECT_EQ(ing.meta.uid, "0d9c-1234");
  EXPECT_EQ(ing.meta.resource_version, "77");
  EXPECT_EQ(ing.meta.generation, 3);
  EXPECT_EQ(ing.meta.labels.at("app"), "web");
  EXPECT_EQ(ing.meta.annotations.at("nginx.ingress.kubernetes.io/rewrite-target"), "/$2");
  EXPECT_EQ(ing.ingress_class_name, std::optional<std::string>("waygate"));
  ASSERT_TRUE(ing.default_backend && ing.default_backend->service);
  EXPECT_EQ(ing.default_backend->service->name, "fallback");
  EXPECT_EQ(ing.default_backend->service->port.number, 80);
  ASSERT_EQ(ing.tls.size(), 1u);
  EXPECT_EQ(ing.tls[0].hosts, (std::vector<std::string>{"foo.example.com", "*.example.com"}));
  EXPECT_EQ(ing.tls[0].secret_name, "foo-tls");
  ASSERT_EQ(ing.rules.size(), 2u);
  ASSERT_EQ(ing.rules[0].paths.size(), 3u);
  EXPECT_EQ(ing.rules[0].paths[0].path_type, PathType::kPrefix);
  EXPECT_EQ(ing.rules[0].paths[1].path_type, PathType::kExact);
  EXPECT_EQ(ing.rules[0].paths[1].backend.service->port.name, "http");
  EXPECT_EQ(ing.rules[0].paths[2].path_type, PathType::kImplementationSpecific);
  EXPECT_EQ(ing.rules[0].paths[2].path, "/");  // defaulted
  ASSERT_TRUE(ing.rules[1].paths[0].backend.resource);
  EXPECT_EQ(ing.rules[1].paths[0].backend.resource->kind, "StorageBucket");
  EXPECT_EQ(ing.origin.file, "dir/all.yaml");
  EXPECT_EQ(ing.origin.document, 0);
  EXPECT_EQ(ing.origin.item, -1);

  const IngressClass& ic = s.ingress_classes[0];
  EXPECT_EQ(ic.controller, "waygate.io/ingress-controller");
  EXPECT_EQ(ic.meta.namespace_, "");  // cluster-scoped
  EXPECT_EQ(ic.origin.document, 1);

  const Service& svc = s.services[0];
  EXPECT_EQ(svc.type, "NodePort");
  ASSERT_EQ(svc.ports.size(), 3u);
  EXPECT_TRUE(svc.ports[0].target_port.is_int);
  EXPECT_EQ(svc.ports[0].target_port.int_value, 8080);
  EXPECT_EQ(svc.ports[0].node_port, 30080);
  EXPECT_FALSE(svc.ports[1].target_port.is_int);
  EXPECT_EQ(svc.ports[1].target_port.str_value, "metrics");
  EXPECT_EQ(svc.ports[2].protocol, "UDP");
  EXPECT_EQ(svc.ports[2].target_port.int_value, 53);  // defaults to port
  EXPECT_EQ(svc.ports[0].protocol, "TCP");            // defaulted
  EXPECT_EQ(svc.selector.at("app"), "api");

  const Endpoints& ep = s.endpoints[0];
  ASSERT_EQ(ep.subsets.size(), 1u);
  ASSERT_EQ(ep.subsets[0].addresses.size(), 2u);
  EXPECT_EQ(ep.subsets[0].addresses[0].hostname, "pod-a");
  EXPECT_EQ(ep.subsets[0].addresses[1].ip, "fd00::7");
  EXPECT_EQ(ep.subsets[0].not_ready_addresses[0].ip, "10.0.0.8");
  EXPECT_EQ(ep.subsets[0].ports[1].port, 9090);

  const EndpointSlice& sl = s.endpoint_slices[0];
  EXPECT_EQ(sl.meta.labels.at("kubernetes.io/service-name"), "api");
  ASSERT_EQ(sl.endpoints.size(), 2u);
  EXPECT_EQ(sl.endpoints[0].ready, std::optional<bool>(true));
  EXPECT_EQ(sl.endpoints[0].terminating, std::optional<bool>(false));
  EXPECT_FALSE(sl.endpoints[1].ready.has_value());  // nil means ready
  EXPECT_EQ(sl.ports[0].name, std::optional<std::string>("http"));
  EXPECT_FALSE(sl.ports[1].name.has_value());
  EXPECT_EQ(sl.ports[1].port, std::optional<int32_t>(9090));

  const Secret& sec = s.secrets[0];
  EXPECT_EQ(sec.type, "kubernetes.io/tls");
  EXPECT_EQ(sec.data.at("tls.crt"), "cert");
  EXPECT_EQ(sec.data.at("tls.key"), "override");  // stringData wins
  EXPECT_EQ(sec.data.at("extra"), "plain");

  const Gateway& gw = s.gateways[0];
  EXPECT_EQ(gw.meta.name, "kubesphere-router-demo");
  EXPECT_EQ(gw.meta.namespace_, "kubesphere-controls-system");
  EXPECT_EQ(gw.controller.replicas, 2);
  EXPECT_EQ(gw.controller.config.at("proxy-body-size"), "8m");
  EXPECT_EQ(gw.controller.config.at("keep-alive"), "75");  // numbers become their text
  EXPECT_EQ(gw.controller.config.at("use-forwarded-headers"), "true");
  EXPECT_EQ(gw.controller.config.at("proxy-read-timeout"), "120");
  EXPECT_TRUE(gw.controller.scope.enabled);
  EXPECT_EQ(gw.controller.scope.namespace_, "demo");
  EXPECT_EQ(gw.deployment.replicas, 3);
  EXPECT_EQ(gw.service.type, "LoadBalancer");
  EXPECT_EQ(gw.service.load_balancer_ip, "192.0.2.10");
  EXPECT_EQ(gw.service.annotations.at("lb.example.com/pool"), "blue");
  EXPECT_EQ(gw.origin.document, 6);
}

TEST(Decode, TypeMismatchIsAnErrorAsInKubernetes) {
  // uid given as a number and an unquoted boolean annotation: kubectl rejects both.
  auto d = Decode(R"(apiVersion: v1
kind: Service
metadata:
  name: api
  uid: 1234
  annotations: {a.io/flag: true}
spec: {ports: [{port: 80}]}
)");
  EXPECT_TRUE(d.state.services.empty());
  EXPECT_TRUE(d.HasError("metadata.uid", "expected string, got integer")) << d.Dump();
  EXPECT_TRUE(d.HasError("metadata.annotations[a.io/flag]", "expected string, got boolean"))
      << d.Dump();
}

TEST(Decode, QuotedPortStaysAStringPlainPortIsANumber) {
  auto d = Decode(R"(apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  ports:
  - {name: a, port: 80, targetPort: "http"}
  - {name: b, port: 81, targetPort: 8081}
  - {name: c, port: 82, targetPort: "8082"}
)");
  // "8082" is a port *name* (IntOrString string), and names need a letter.
  ASSERT_EQ(d.diags.size(), 1u) << d.Dump();
  EXPECT_EQ(d.diags[0].error.field, "spec.ports[2].targetPort");
  EXPECT_EQ(d.diags[0].error.message,
            "Invalid value: \"8082\": must contain at least one letter (a-z)");

  auto ok = Decode(R"(apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  ports:
  - {name: a, port: 80, targetPort: "http"}
  - {name: b, port: 81, targetPort: 8081}
)");
  ASSERT_TRUE(ok.diags.empty()) << ok.Dump();
  EXPECT_FALSE(ok.state.services[0].ports[0].target_port.is_int);
  EXPECT_TRUE(ok.state.services[0].ports[1].target_port.is_int);

  auto number = Decode(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: api, port: {number: "80"}}}
)");
  EXPECT_TRUE(number.state.ingresses.empty());
  EXPECT_TRUE(
      number.HasError("spec.defaultBackend.service.port.number", "expected int32, got string"))
      << number.Dump();
}

TEST(Decode, NamespaceDefaultsToDefault) {
  auto d = Decode(R"(apiVersion: v1
kind: Endpoints
metadata: {name: api}
)");
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  EXPECT_EQ(d.state.endpoints[0].meta.namespace_, "default");
}

TEST(Decode, ListsExpandWithItemOrigins) {
  auto d = Decode(R"(apiVersion: v1
kind: Service
metadata: {name: first}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: second}
  spec: {ports: [{port: 80}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: skipped}
- apiVersion: v1
  kind: Service
  metadata: {name: Bad_Name}
  spec: {ports: [{port: 80}]}
)",
                  "l.yaml");
  ASSERT_EQ(d.state.services.size(), 2u);
  EXPECT_EQ(d.state.services[1].meta.name, "second");
  EXPECT_EQ(d.state.services[1].origin.document, 1);
  EXPECT_EQ(d.state.services[1].origin.item, 0);
  ASSERT_EQ(d.diags.size(), 1u) << d.Dump();
  EXPECT_EQ(d.diags[0].origin.item, 2);
  EXPECT_EQ(d.diags[0].ToString().rfind("l.yaml[1].items[2]: Service default/Bad_Name: "
                                        "metadata.name: Invalid value: \"Bad_Name\": a DNS-1035",
                                        0),
            0u)
      << d.diags[0].ToString();
}

TEST(Decode, TypedListItemsInheritKindAndApiVersion) {
  auto d = Decode(R"({
  "apiVersion": "networking.k8s.io/v1",
  "kind": "IngressList",
  "items": [
    {"metadata": {"name": "a", "namespace": "x"},
     "spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}}},
    {"metadata": {"name": "b"},
     "spec": {"defaultBackend": {"service": {"name": "s", "port": {"name": "http"}}}}}
  ]
})",
                  "list.json");
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  ASSERT_EQ(d.state.ingresses.size(), 2u);
  EXPECT_EQ(d.state.ingresses[0].meta.namespace_, "x");
  EXPECT_EQ(d.state.ingresses[1].meta.namespace_, "default");
  EXPECT_EQ(d.state.ingresses[1].origin.item, 1);
}

TEST(Decode, JsonObject) {
  auto d = Decode(R"({"apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "s", "namespace": "n"},
    "data": {"k": "dmFsdWU="}})",
                  "s.json");
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  ASSERT_EQ(d.state.secrets.size(), 1u);
  EXPECT_EQ(d.state.secrets[0].type, "Opaque");
  EXPECT_EQ(d.state.secrets[0].data.at("k"), "value");
  EXPECT_EQ(d.state.secrets[0].origin.document, 0);
}

TEST(Decode, JsonSyntaxError) {
  auto d = Decode("{\"apiVersion\": \"v1\",\n \"kind\": }", "bad.json");
  ASSERT_EQ(d.diags.size(), 1u);
  EXPECT_EQ(d.diags[0].object, "");
  EXPECT_NE(d.diags[0].error.message.find("line 2"), std::string::npos) << d.Dump();
}

TEST(Decode, UnsupportedApiVersion) {
  auto d = Decode(R"(apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: demo}
spec: {backend: {serviceName: s, servicePort: 80}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other-api}
)");
  EXPECT_TRUE(d.state.ingresses.empty());
  ASSERT_EQ(d.diags.size(), 1u) << d.Dump();  // the Gateway API Gateway is not ours: skipped
  EXPECT_EQ(d.diags[0].object, "Ingress demo/old");
  EXPECT_EQ(d.diags[0].error.field, "apiVersion");
  EXPECT_EQ(d.diags[0].error.code, ErrorCode::kUnsupported);
  EXPECT_NE(d.diags[0].error.message.find("unsupported apiVersion \"extensions/v1beta1\""),
            std::string::npos);
}

TEST(Decode, MissingKindAndNonObjectDocuments) {
  auto d = Decode("metadata: {name: x}\n---\n- a\n- b\n---\njust a string\n");
  ASSERT_EQ(d.diags.size(), 3u) << d.Dump();
  EXPECT_EQ(d.diags[0].error.field, "kind");
  EXPECT_EQ(d.diags[0].error.message, "Object 'Kind' is missing");
  EXPECT_EQ(d.diags[1].error.message, "expected an object, got array");
  EXPECT_EQ(d.diags[2].origin.document, 2);
}

TEST(Decode, OneBadObjectAmongGoodOnes) {
  auto d = Decode(R"(apiVersion: v1
kind: Service
metadata: {name: one}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: demo}
spec:
  rules:
  - host: Foo.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: one, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: two}
spec: {ports: [{port: 81}]}
)",
                  "dir/a.yaml");
  EXPECT_EQ(d.state.services.size(), 2u);
  EXPECT_TRUE(d.state.ingresses.empty());
  ASSERT_EQ(d.diags.size(), 1u) << d.Dump();
  EXPECT_EQ(d.diags[0].ToString(),
            "dir/a.yaml[1]: Ingress demo/web: spec.rules[0].host: Invalid value: "
            "\"Foo.example.com\": a lowercase RFC 1123 subdomain must consist of lower case "
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

TEST(Decode, YamlSyntaxErrorKeepsEarlierDocuments) {
  auto d = Decode(R"(apiVersion: v1
kind: Service
metadata: {name: one}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: two
spec: {}
)",
                  "s.yaml");
  EXPECT_EQ(d.state.services.size(), 1u);
  ASSERT_EQ(d.diags.size(), 1u);
  EXPECT_EQ(d.diags[0].origin.document, 1);
  EXPECT_EQ(d.diags[0].ToString().rfind("s.yaml[1]: yaml: line ", 0), 0u) << d.Dump();
}

TEST(Decode, DecodeObjectFromJsonValue) {
  ClusterState state;
  std::vector<Diagnostic> diags;
  nlohmann::json obj = {{"apiVersion", "networking.k8s.io/v1"},
                        {"kind", "IngressClass"},
                        {"metadata", {{"name", "waygate"}}},
                        {"spec", {{"controller", "waygate.io/ingress-controller"}}}};
  DecodeObject(obj, Origin{"api", 0, -1}, state, diags);
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(state.ingress_classes.size(), 1u);
  EXPECT_EQ(state.ingress_classes[0].origin.file, "api");
}

TEST(Decode, ManyDocumentsStayLinear) {
  std::string text;
  constexpr int kCount = 2000;
  for (int i = 0; i < kCount; ++i) {
    text += "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web-" +
            std::to_string(i) + "\nspec:\n  rules:\n  - host: h" + std::to_string(i) +
            ".example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
            "        backend: {service: {name: s, port: {number: 80}}}\n";
  }
  auto d = Decode(text);
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  ASSERT_EQ(d.state.ingresses.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(d.state.ingresses.back().meta.name, "web-1999");
  EXPECT_EQ(d.state.ingresses.back().origin.document, kCount - 1);
}

TEST(Decode, GatewayPortsAndStatus) {
  auto d = Decode(R"(apiVersion: gateway.kubesphere.io/v1alpha1
kind: Gateway
metadata: {name: kubesphere-router-demo, namespace: kubesphere-controls-system}
spec:
  service:
    type: NodePort
    ports:
    - {name: http, port: 80, protocol: TCP, nodePort: 31921}
    - {name: https}
status:
  service:
    ports:
    - {name: http, port: 80, nodePort: 31921, protocol: TCP}
    - {name: https, port: 443, nodePort: 32107, protocol: TCP}
  loadBalancer:
    ingress: [{ip: 192.168.0.4}, {hostname: node-a.example.com}]
)");
  ASSERT_TRUE(d.diags.empty()) << d.Dump();
  const Gateway& gw = d.state.gateways[0];
  ASSERT_EQ(gw.service.ports.size(), 2u);
  EXPECT_EQ(gw.service.ports[0].name, "http");
  EXPECT_EQ(gw.service.ports[0].port, 80);
  EXPECT_EQ(gw.service.ports[0].protocol, "TCP");
  EXPECT_EQ(gw.service.ports[0].node_port, 31921);
  EXPECT_EQ(gw.service.ports[1].name, "https");
  EXPECT_EQ(gw.service.ports[1].node_port, 0);  // 0: the server allocates one
  EXPECT_EQ(gw.service.ports[1].protocol, "");
  ASSERT_EQ(gw.status.ports.size(), 2u);
  EXPECT_EQ(gw.status.ports[1].node_port, 32107);
  EXPECT_EQ(gw.status.ports[1].port, 443);
  ASSERT_EQ(gw.status.load_balancer_ingress.size(), 2u);
  EXPECT_EQ(gw.status.load_balancer_ingress[0].ip, "192.168.0.4");
  EXPECT_EQ(gw.status.load_balancer_ingress[1].hostname, "node-a.example.com");
}

}  // namespace
}  // namespace waygate::model
