#include "protowire/kube_protobuf.h"

#include <gtest/gtest.h>

#include <random>

#include "proto_builder.h"

namespace waygate::protowire {
namespace {

using nlohmann::json;
using testing::Envelope;
using testing::Msg;

// ObjectMeta as gogo-protobuf writes it for a client-built object: every non-pointer field is
// present, empty strings and zeros included, and creationTimestamp is an empty message.
Msg GoMeta(std::string_view name, std::string_view ns = "") {
  return Msg()
      .Bytes(1, name)
      .Bytes(2, "")
      .Bytes(3, ns)
      .Bytes(4, "")
      .Bytes(5, "")
      .Bytes(6, "")
      .Varint(7, 0)
      .Sub(8, Msg());
}

json Decode(const std::string& body) {
  auto r = DecodeKubernetesProtobuf(body);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? *r : json();
}

Error DecodeError(const std::string& body) {
  auto r = DecodeKubernetesProtobuf(body);
  EXPECT_FALSE(r.ok()) << r->dump();
  return r.ok() ? Error{} : r.error();
}

TEST(DecodeKubernetesProtobuf, NamespaceAsKubectlCreatesIt) {
  const std::string raw =
      Msg().Sub(1, GoMeta("demo")).Sub(2, Msg()).Sub(3, Msg().Bytes(1, "")).str();
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", raw)), json::parse(R"({
    "apiVersion": "v1", "kind": "Namespace",
    "metadata": {"name": "demo", "creationTimestamp": null},
    "spec": {}, "status": {}})"));
}

TEST(DecodeKubernetesProtobuf, NamespaceFinalizers) {
  const std::string raw = Msg()
                              .Sub(1, GoMeta("demo"))
                              .Sub(2, Msg().Bytes(1, "kubernetes").Bytes(1, "example.com/x"))
                              .str();
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", raw))["spec"],
            json::parse(R"({"finalizers": ["kubernetes", "example.com/x"]})"));
}

TEST(DecodeKubernetesProtobuf, FullObjectMeta) {
  const Msg owner = Msg()
                        .Bytes(1, "Deployment")
                        .Bytes(3, "web")
                        .Bytes(4, "1234-abcd")
                        .Bytes(5, "apps/v1")
                        .Varint(6, 1)
                        .Varint(7, 0);
  const Msg meta = Msg()
                       .Bytes(1, "cfg")
                       .Bytes(2, "cfg-")
                       .Bytes(3, "prod")
                       .Bytes(5, "uid-1")
                       .Bytes(6, "42")
                       .Varint(7, 3)
                       .Sub(8, Msg().Varint(1, 1700000000).Varint(2, 999999999))
                       .Sub(9, Msg())
                       .Varint(10, 30)
                       .Entry(11, "app", "web")
                       .Entry(11, "tier", "")
                       .Entry(12, "note", "héllo")
                       .Sub(13, owner)
                       .Bytes(14, "a/b")
                       .Bytes(14, "c/d");
  const std::string raw = Msg().Sub(1, meta).str();
  EXPECT_EQ(Decode(Envelope("v1", "ConfigMap", raw)), json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {
      "name": "cfg", "generateName": "cfg-", "namespace": "prod", "uid": "uid-1",
      "resourceVersion": "42", "generation": 3,
      "creationTimestamp": "2023-11-14T22:13:20Z",
      "deletionTimestamp": null, "deletionGracePeriodSeconds": 30,
      "labels": {"app": "web", "tier": ""},
      "annotations": {"note": "héllo"},
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                           "uid": "1234-abcd", "controller": true,
                           "blockOwnerDeletion": false}],
      "finalizers": ["a/b", "c/d"]}})"));
}

TEST(DecodeKubernetesProtobuf, TimeEdges) {
  const auto created = [](const Msg& time) {
    const std::string raw = Msg().Sub(1, Msg().Bytes(1, "x").Sub(8, time)).str();
    return DecodeKubernetesProtobuf(Envelope("v1", "ConfigMap", raw));
  };
  auto epoch = created(Msg().Varint(1, 0));  // present but zero: the Unix epoch, not null
  ASSERT_TRUE(epoch.ok());
  EXPECT_EQ((*epoch)["metadata"]["creationTimestamp"], "1970-01-01T00:00:00Z");
  auto before = created(Msg().Varint(1, static_cast<uint64_t>(-1)));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ((*before)["metadata"]["creationTimestamp"], "1969-12-31T23:59:59Z");
  auto leap = created(Msg().Varint(1, 951782400));
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ((*leap)["metadata"]["creationTimestamp"], "2000-02-29T00:00:00Z");
  auto go_zero = created(Msg().Varint(1, static_cast<uint64_t>(-62135596800)));
  ASSERT_TRUE(go_zero.ok());
  EXPECT_TRUE((*go_zero)["metadata"]["creationTimestamp"].is_null());
  auto far = created(Msg().Varint(1, 253402300800));  // year 10000: Go refuses to marshal it
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, ErrorCode::kInvalid);
}

TEST(DecodeKubernetesProtobuf, SecretTls) {
  const std::string raw = Msg()
                              .Sub(1, GoMeta("tls", "default"))
                              .Entry(2, "tls.crt", "CERT")
                              .Entry(2, "tls.key", std::string("\x00\xff\x10", 3))
                              .Bytes(3, "kubernetes.io/tls")
                              .str();
  EXPECT_EQ(Decode(Envelope("v1", "Secret", raw)), json::parse(R"({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "tls", "namespace": "default", "creationTimestamp": null},
    "data": {"tls.crt": "Q0VSVA==", "tls.key": "AP8Q"},
    "type": "kubernetes.io/tls"})"));
}

TEST(DecodeKubernetesProtobuf, SecretGenericStringDataAndImmutable) {
  const std::string raw = Msg()
                              .Sub(1, GoMeta("s"))
                              .Entry(2, "k", "")
                              .Bytes(3, "")
                              .Entry(4, "plain", "text")
                              .Varint(5, 0)
                              .str();
  EXPECT_EQ(Decode(Envelope("v1", "Secret", raw)), json::parse(R"({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "s", "creationTimestamp": null},
    "data": {"k": ""}, "stringData": {"plain": "text"}, "immutable": false})"));
}

TEST(DecodeKubernetesProtobuf, ConfigMapDataAndBinaryData) {
  const std::string raw = Msg()
                              .Sub(1, GoMeta("cm"))
                              .Entry(2, "a", "1")
                              .Entry(2, "b", "two words")
                              .Entry(3, "bin", "ab")
                              .Varint(4, 1)
                              .str();
  EXPECT_EQ(Decode(Envelope("v1", "ConfigMap", raw)), json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cm", "creationTimestamp": null},
    "data": {"a": "1", "b": "two words"}, "binaryData": {"bin": "YWI="}, "immutable": true})"));
}

Msg GoServicePort(std::string_view name, int32_t port, const Msg& target, int32_t node_port) {
  return Msg()
      .Bytes(1, name)
      .Bytes(2, "TCP")
      .Varint(3, static_cast<uint64_t>(port))
      .Sub(4, target)
      .Varint(5, static_cast<uint64_t>(node_port));
}

TEST(DecodeKubernetesProtobuf, ServiceClusterIpAsKubectlCreatesIt) {
  const Msg spec = Msg()
                       .Sub(1, GoServicePort("5678-8080", 5678,
                                             Msg().Varint(1, 0).Varint(2, 8080).Bytes(3, ""), 0))
                       .Entry(2, "app", "foo")
                       .Bytes(3, "")
                       .Bytes(4, "ClusterIP")
                       .Bytes(7, "")
                       .Bytes(10, "")
                       .Varint(12, 0)
                       .Varint(13, 0);
  const std::string raw =
      Msg().Sub(1, GoMeta("foo")).Sub(2, spec).Sub(3, Msg().Sub(1, Msg())).str();
  EXPECT_EQ(Decode(Envelope("v1", "Service", raw)), json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "foo", "creationTimestamp": null},
    "spec": {"ports": [{"name": "5678-8080", "protocol": "TCP", "port": 5678,
                        "targetPort": 8080}],
             "selector": {"app": "foo"}, "type": "ClusterIP"},
    "status": {"loadBalancer": {}}})"));
}

TEST(DecodeKubernetesProtobuf, ServiceNamedTargetPortNodePortAndOptionalFields) {
  const Msg spec =
      Msg()
          .Sub(1, GoServicePort("http", 80, Msg().Varint(1, 1).Varint(2, 0).Bytes(3, "web"), 30080))
          .Sub(1, GoServicePort("", 443, Msg(), 0))
          .Bytes(3, "None")
          .Bytes(4, "NodePort")
          .Bytes(5, "10.0.0.9")
          .Bytes(7, "ClientIP")
          .Sub(14, Msg().Sub(1, Msg().Varint(1, 600)))
          .Bytes(10, "")
          .Bytes(17, "SingleStack")
          .Bytes(18, "None")
          .Bytes(19, "IPv4")
          .Varint(20, 1)
          .Bytes(21, "")
          .Bytes(22, "Local");
  const std::string raw = Msg().Sub(1, GoMeta("web")).Sub(2, spec).str();
  EXPECT_EQ(Decode(Envelope("v1", "Service", raw))["spec"], json::parse(R"({
    "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "web",
               "nodePort": 30080},
              {"protocol": "TCP", "port": 443, "targetPort": 0}],
    "clusterIP": "None", "type": "NodePort", "externalIPs": ["10.0.0.9"],
    "sessionAffinity": "ClientIP",
    "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 600}},
    "ipFamilyPolicy": "SingleStack", "clusterIPs": ["None"], "ipFamilies": ["IPv4"],
    "allocateLoadBalancerNodePorts": true, "loadBalancerClass": "",
    "internalTrafficPolicy": "Local"})"));
}

TEST(DecodeKubernetesProtobuf, ServiceNegativeInt32Port) {
  // int32 -1 travels as a 10-byte varint; it must come back as -1, not 2^64-1.
  const Msg spec = Msg().Sub(1, GoServicePort("", -1, Msg(), 0));
  const std::string raw = Msg().Sub(1, GoMeta("x")).Sub(2, spec).str();
  EXPECT_EQ(Decode(Envelope("v1", "Service", raw))["spec"]["ports"][0]["port"], -1);
}

Msg ServiceBackend(std::string_view name, const Msg& port) {
  return Msg().Sub(4, Msg().Bytes(1, name).Sub(2, port));
}

Msg Path(std::string_view path, std::string_view type, const Msg& backend) {
  return Msg().Bytes(1, path).Sub(2, backend).Bytes(3, type);
}

TEST(DecodeKubernetesProtobuf, IngressAsKubectlCreatesIt) {
  const Msg rule =
      Msg()
          .Bytes(1, "foo.com")
          .Sub(2,
               Msg().Sub(
                   1,
                   Msg()
                       .Sub(1, Path("/bar", "Exact",
                                    ServiceBackend("svc1", Msg().Bytes(1, "").Varint(2, 8080))))
                       .Sub(1, Path("/", "Prefix",
                                    ServiceBackend("svc2", Msg().Bytes(1, "http").Varint(2, 0))))));
  const Msg spec = Msg()
                       .Sub(1, ServiceBackend("default", Msg().Bytes(1, "").Varint(2, 80)))
                       .Sub(2, Msg().Bytes(1, "foo.com").Bytes(1, "*.foo.com").Bytes(2, "tls"))
                       .Sub(3, rule)
                       .Bytes(4, "waygate");
  const std::string raw =
      Msg().Sub(1, GoMeta("simple", "default")).Sub(2, spec).Sub(3, Msg().Sub(1, Msg())).str();
  EXPECT_EQ(Decode(Envelope("networking.k8s.io/v1", "Ingress", raw)), json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "simple", "namespace": "default", "creationTimestamp": null},
    "spec": {
      "ingressClassName": "waygate",
      "defaultBackend": {"service": {"name": "default", "port": {"number": 80}}},
      "tls": [{"hosts": ["foo.com", "*.foo.com"], "secretName": "tls"}],
      "rules": [{"host": "foo.com", "http": {"paths": [
        {"path": "/bar", "pathType": "Exact",
         "backend": {"service": {"name": "svc1", "port": {"number": 8080}}}},
        {"path": "/", "pathType": "Prefix",
         "backend": {"service": {"name": "svc2", "port": {"name": "http"}}}}]}}]},
    "status": {"loadBalancer": {}}})"));
}

TEST(DecodeKubernetesProtobuf, IngressPresenceAndNulls) {
  // ingressClassName is a pointer: present-but-empty stays "". pathType and paths have no
  // omitempty, so unset ones are written as null, as encoding/json does.
  const Msg resource = Msg().Sub(2, Msg().Bytes(2, "StorageBucket").Bytes(3, "assets"));
  const Msg spec =
      Msg()
          .Sub(3, Msg().Sub(2, Msg().Sub(1, Msg().Sub(1, Msg().Sub(2, resource)).Sub(1, Msg()))))
          .Sub(3, Msg().Bytes(1, "empty.example").Sub(2, Msg().Sub(1, Msg())))
          .Sub(3, Msg().Bytes(1, "bare.example"))
          .Bytes(4, "");
  const std::string raw = Msg().Sub(1, GoMeta("i")).Sub(2, spec).str();
  EXPECT_EQ(Decode(Envelope("networking.k8s.io/v1", "Ingress", raw))["spec"], json::parse(R"({
    "ingressClassName": "",
    "rules": [
      {"http": {"paths": [
        {"pathType": null,
         "backend": {"resource": {"apiGroup": null, "kind": "StorageBucket",
                                  "name": "assets"}}},
        {"pathType": null, "backend": {}}]}},
      {"host": "empty.example", "http": {"paths": null}},
      {"host": "bare.example"}]})"));
}

TEST(DecodeKubernetesProtobuf, SkipsUnknownFieldsOfEveryWireType) {
  const std::string meta = GoMeta("demo")
                               .Varint(17, 5)
                               .Fixed64(99, 1)
                               .Fixed32(100, 2)
                               .Bytes(17, "managed fields we ignore")
                               .str();
  const std::string raw = Msg().Fixed32(50, 1).Bytes(1, meta).Varint(77, 3).str();
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", raw))["metadata"],
            json::parse(R"({"name": "demo", "creationTimestamp": null})"));
}

TEST(DecodeKubernetesProtobuf, LaterScalarFieldWins) {
  const std::string raw = Msg().Sub(1, Msg().Bytes(1, "first").Bytes(1, "")).str();
  EXPECT_FALSE(Decode(Envelope("v1", "ConfigMap", raw))["metadata"].contains("name"));
}

TEST(DecodeKubernetesProtobuf, RejectsWrongMagic) {
  const std::string raw = Msg().Sub(1, GoMeta("demo")).str();
  std::string body = Envelope("v1", "Namespace", raw);
  body[0] = 'K';
  EXPECT_EQ(DecodeError(body).code, ErrorCode::kInvalid);
  EXPECT_EQ(DecodeError("k8s").code, ErrorCode::kInvalid);
  EXPECT_EQ(DecodeError("").code, ErrorCode::kInvalid);
  EXPECT_EQ(DecodeError(R"({"kind":"Namespace"})").code, ErrorCode::kInvalid);
}

TEST(DecodeKubernetesProtobuf, RoleBindingAsKubectlCreatesIt) {
  // kubectl create rolebinding bob-operator --clusterrole=kubesphere-project-operator --user=bob
  const std::string raw =
      Msg()
          .Sub(1, GoMeta("bob-operator", "demo"))
          .Sub(2, Msg()
                      .Bytes(1, "User")
                      .Bytes(2, "rbac.authorization.k8s.io")
                      .Bytes(3, "bob")
                      .Bytes(4, ""))
          .Sub(2, Msg().Bytes(1, "ServiceAccount").Bytes(2, "").Bytes(3, "ci").Bytes(4, "demo"))
          .Sub(3, Msg()
                      .Bytes(1, "rbac.authorization.k8s.io")
                      .Bytes(2, "ClusterRole")
                      .Bytes(3, "kubesphere-project-operator"))
          .str();
  EXPECT_EQ(Decode(Envelope("rbac.authorization.k8s.io/v1", "RoleBinding", raw)), json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
    "metadata": {"name": "bob-operator", "namespace": "demo", "creationTimestamp": null},
    "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"},
                 {"kind": "ServiceAccount", "name": "ci", "namespace": "demo"}],
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": "kubesphere-project-operator"}})"));
  // A ClusterRoleBinding has the same shape; no subjects: the key is left out (omitempty).
  const std::string bare = Msg().Sub(1, GoMeta("x")).Sub(3, Msg().Bytes(2, "ClusterRole")).str();
  EXPECT_EQ(Decode(Envelope("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", bare)),
            json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
    "metadata": {"name": "x", "creationTimestamp": null},
    "roleRef": {"apiGroup": "", "kind": "ClusterRole", "name": ""}})"));
}

TEST(DecodeKubernetesProtobuf, RolesAsKubectlCreatesThem) {
  // kubectl create role svc-editor --verb=get,list --resource=services
  const std::string raw =
      Msg()
          .Sub(1, GoMeta("svc-editor", "demo"))
          .Sub(2, Msg().Bytes(1, "get").Bytes(1, "list").Bytes(2, "").Bytes(3, "services"))
          .str();
  EXPECT_EQ(Decode(Envelope("rbac.authorization.k8s.io/v1", "Role", raw)), json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
    "metadata": {"name": "svc-editor", "namespace": "demo", "creationTimestamp": null},
    "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["services"]}]})"));
  // No rules and a rule without verbs: null, as encoding/json writes nil slices without
  // omitempty (validation then names rules[0].verbs).
  const std::string empty = Msg().Sub(1, GoMeta("r")).str();
  EXPECT_EQ(Decode(Envelope("rbac.authorization.k8s.io/v1", "ClusterRole", empty))["rules"],
            nullptr);
  const std::string no_verbs = Msg().Sub(1, GoMeta("r")).Sub(2, Msg().Bytes(5, "/healthz")).str();
  EXPECT_EQ(Decode(Envelope("rbac.authorization.k8s.io/v1", "ClusterRole", no_verbs))["rules"],
            json::parse(R"([{"verbs": null, "nonResourceURLs": ["/healthz"]}])"));
}

TEST(DecodeKubernetesProtobuf, SelfSubjectAccessReviewAsKubectlSendsIt) {
  // kubectl auth can-i get pods/log -n demo: every string of the non-pointer structs is written,
  // empty ones included, and the status struct is written zeroed.
  const Msg attrs = Msg()
                        .Bytes(1, "demo")
                        .Bytes(2, "get")
                        .Bytes(3, "")
                        .Bytes(4, "")
                        .Bytes(5, "pods")
                        .Bytes(6, "log")
                        .Bytes(7, "")
                        .Sub(8, Msg().Bytes(1, "spec.nodeName=n1"))  // fieldSelector: skipped
                        .Sub(9, Msg().Bytes(1, "app=x"));            // labelSelector: skipped
  const Msg status = Msg().Varint(1, 0).Bytes(2, "").Bytes(3, "").Varint(4, 0);
  const std::string raw = Msg().Sub(1, GoMeta("")).Sub(2, Msg().Sub(1, attrs)).Sub(3, status).str();
  EXPECT_EQ(Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)),
            json::parse(R"({
    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
    "metadata": {"creationTimestamp": null},
    "spec": {"resourceAttributes": {"namespace": "demo", "verb": "get", "resource": "pods",
                                    "subresource": "log"}},
    "status": {"allowed": false}})"));
  // Every attribute string lands under its own key.
  const Msg all = Msg()
                      .Bytes(1, "ns")
                      .Bytes(2, "update")
                      .Bytes(3, "apps")
                      .Bytes(4, "v1")
                      .Bytes(5, "deployments")
                      .Bytes(6, "scale")
                      .Bytes(7, "web");
  EXPECT_EQ(Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview",
                            Msg().Sub(2, Msg().Sub(1, all)).str()))["spec"],
            json::parse(R"({"resourceAttributes": {"namespace": "ns", "verb": "update",
      "group": "apps", "version": "v1", "resource": "deployments", "subresource": "scale",
      "name": "web"}})"));
  // kubectl auth can-i get /healthz: nonResourceAttributes instead.
  const std::string non_resource =
      Msg()
          .Sub(1, GoMeta(""))
          .Sub(2, Msg().Sub(2, Msg().Bytes(1, "/healthz").Bytes(2, "get")))
          .Sub(3, status)
          .str();
  EXPECT_EQ(
      Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", non_resource))["spec"],
      json::parse(R"({"nonResourceAttributes": {"path": "/healthz", "verb": "get"}})"));
  // A present but empty attributes message stays present (a pointer in Go); no spec at all
  // still writes `spec` (no omitempty), so validation can name what is missing.
  EXPECT_EQ(Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview",
                            Msg().Sub(2, Msg().Sub(2, Msg())).str()))["spec"],
            json::parse(R"({"nonResourceAttributes": {}})"));
  EXPECT_EQ(Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", ""))["spec"],
            json::object());
}

TEST(DecodeKubernetesProtobuf, SelfSubjectRulesReviewAsKubectlSendsIt) {
  // kubectl auth can-i --list -n demo
  const Msg status = Msg().Varint(3, 0).Bytes(4, "");
  const std::string raw =
      Msg().Sub(1, GoMeta("")).Sub(2, Msg().Bytes(1, "demo")).Sub(3, status).str();
  EXPECT_EQ(Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", raw)),
            json::parse(R"({
    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
    "metadata": {"creationTimestamp": null},
    "spec": {"namespace": "demo"},
    "status": {"resourceRules": null, "nonResourceRules": null, "incomplete": false}})"));
  // An empty namespace is left out (omitempty); the server's status is never read from the
  // client.
  const std::string lying =
      Msg().Sub(2, Msg().Bytes(1, "")).Sub(3, Msg().Sub(1, Msg().Bytes(1, "*")).Varint(3, 1)).str();
  const json r = Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", lying));
  EXPECT_EQ(r["spec"], json::object());
  EXPECT_EQ(r["status"]["resourceRules"], nullptr);
  EXPECT_EQ(r["status"]["incomplete"], false);
}

TEST(DecodeKubernetesProtobuf, AuthorizationReviewErrors) {
  // Wrong wire type for a known attribute string: named in the message.
  const std::string wrong = Msg().Sub(2, Msg().Sub(1, Msg().Varint(2, 3))).str();
  const Error e =
      DecodeError(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", wrong));
  EXPECT_EQ(e.code, ErrorCode::kInvalid);
  EXPECT_NE(e.message.find("ResourceAttributes.verb"), std::string::npos);
  // Invalid UTF-8 in the rules review's namespace.
  const std::string utf8 = Msg().Sub(2, Msg().Bytes(1, "bad\xc3(")).str();
  EXPECT_EQ(DecodeError(Envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", utf8)).code,
            ErrorCode::kInvalid);
  // The other reviews of the group are not decoded (kubectl never sends them here).
  EXPECT_EQ(DecodeError(Envelope("authorization.k8s.io/v1", "SubjectAccessReview",
                                 Msg().Sub(1, GoMeta("")).str()))
                .code,
            ErrorCode::kUnsupported);
  EXPECT_EQ(DecodeError(Envelope("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview",
                                 Msg().Sub(1, GoMeta("")).str()))
                .code,
            ErrorCode::kUnsupported);
}

TEST(DecodeKubernetesProtobuf, UnsupportedKindNamesIt) {
  const std::string raw = Msg().Sub(1, GoMeta("p")).str();
  const Error pod = DecodeError(Envelope("v1", "Pod", raw));
  EXPECT_EQ(pod.code, ErrorCode::kUnsupported);
  EXPECT_NE(pod.message.find("Pod"), std::string::npos);
  // The group matters: an Ingress under the core group is not an Ingress we know.
  const Error ing = DecodeError(Envelope("v1", "Ingress", raw));
  EXPECT_EQ(ing.code, ErrorCode::kUnsupported);
  EXPECT_NE(ing.message.find("Ingress"), std::string::npos);
  EXPECT_EQ(DecodeError(Envelope("extensions/v1beta1", "Ingress", raw)).code,
            ErrorCode::kUnsupported);
}

TEST(DecodeKubernetesProtobuf, RejectsContentEncoding) {
  const std::string raw = Msg().Sub(1, GoMeta("demo")).str();
  const Error e = DecodeError(Envelope("v1", "Namespace", raw, "gzip"));
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("gzip"), std::string::npos);
}

TEST(DecodeKubernetesProtobuf, RejectsMalformedNestedBytes) {
  // Truncated varint as the last byte of metadata.
  const std::string trunc = Msg().Bytes(1, GoMeta("x").str() + "\x38\x80").str();
  EXPECT_EQ(DecodeError(Envelope("v1", "Namespace", trunc)).code, ErrorCode::kInvalid);
  // A label entry whose length runs past the end of its parent.
  const std::string past = Msg().Bytes(1, std::string("\x5a\x7f\x0a\x01k", 5)).str();
  EXPECT_EQ(DecodeError(Envelope("v1", "ConfigMap", past)).code, ErrorCode::kInvalid);
  // Known field with the wrong wire type: name as a varint.
  const std::string wrong = Msg().Sub(1, Msg().Varint(1, 7)).str();
  const Error e = DecodeError(Envelope("v1", "Secret", wrong));
  EXPECT_EQ(e.code, ErrorCode::kInvalid);
  EXPECT_NE(e.message.find("ObjectMeta.name"), std::string::npos);
  // Garbage where the Ingress spec should be.
  const std::string garbage = Msg().Bytes(2, "\xff\xff\xff").str();
  EXPECT_EQ(DecodeError(Envelope("networking.k8s.io/v1", "Ingress", garbage)).code,
            ErrorCode::kInvalid);
  // Invalid UTF-8 in a string field.
  const std::string utf8 = Msg().Sub(1, Msg().Bytes(1, "bad\xc3(")).str();
  EXPECT_EQ(DecodeError(Envelope("v1", "ConfigMap", utf8)).code, ErrorCode::kInvalid);
  // An IntOrString whose type is neither 0 nor 1.
  const std::string ios =
      Msg().Sub(2, Msg().Sub(1, GoServicePort("", 1, Msg().Varint(1, 2), 0))).str();
  EXPECT_EQ(DecodeError(Envelope("v1", "Service", ios)).code, ErrorCode::kInvalid);
}

std::string RichIngressBody() {
  const Msg rule =
      Msg()
          .Bytes(1, "a.example")
          .Sub(2, Msg().Sub(1, Msg().Sub(1, Path("/", "Prefix",
                                                 ServiceBackend("s", Msg().Varint(2, 80))))));
  const Msg spec = Msg().Sub(2, Msg().Bytes(1, "a.example").Bytes(2, "t")).Sub(3, rule);
  const Msg meta = GoMeta("rich", "ns").Entry(11, "k", "v").Sub(13, Msg().Bytes(1, "X"));
  return Envelope("networking.k8s.io/v1", "Ingress", Msg().Sub(1, meta).Sub(2, spec).str());
}

TEST(DecodeKubernetesProtobuf, EveryTruncationInsideRawIsAnError) {
  const std::string body = RichIngressBody();
  ASSERT_TRUE(DecodeKubernetesProtobuf(body).ok());
  // Cutting anywhere from the raw field's key to its last byte leaves raw's length past the end.
  // magic (4) + typeMeta key and length (2) + {apiVersion (2 + 20), kind (2 + 7)}.
  const size_t raw_key = 4 + 2 + 2 + 20 + 2 + 7;
  ASSERT_EQ(body[raw_key], '\x12');
  const size_t raw_end = body.size() - 4;  // two empty strings (contentEncoding/contentType)
  for (size_t n = raw_key + 1; n < raw_end; ++n) {
    auto r = DecodeKubernetesProtobuf(std::string_view(body).substr(0, n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
  }
}

TEST(DecodeKubernetesProtobuf, RandomCorruptionNeverCrashesOrThrows) {
  const std::string body = RichIngressBody();
  std::mt19937 rng(12345);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string b = body;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      b[4 + rng() % (b.size() - 4)] = static_cast<char>(rng());
    }
    auto r = DecodeKubernetesProtobuf(b);
    if (r.ok()) {
      ++decoded;
      EXPECT_NO_THROW((void)r->dump());  // every string we emit is valid UTF-8
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_LT(decoded, 20000);
}

}  // namespace
}  // namespace waygate::protowire
