// The published documents, checked the way kubectl reads them (query_param_verifier_v3.go,
// apply's patcher.go, explain): every kind has its schema and GVK, every write operation
// carries fieldValidation, the index points at the right hashes and every $ref resolves.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "openapi/openapi.h"
#include "openapi/resources.h"
#include "openapi/schema_source.h"

namespace waygate::openapi {
namespace {

using nlohmann::json;

const Documents& Docs() {
  static const Documents docs = [] {
    Result<Documents> built = Build();
    EXPECT_TRUE(built.ok()) << built.error().ToString();
    return built.ok() ? std::move(built).value() : Documents{};
  }();
  return docs;
}

// Parsed once: the checks below walk the documents many times.
const json& V3(std::string_view gv_path) {
  static const std::map<std::string, json, std::less<>> parsed = [] {
    std::map<std::string, json, std::less<>> out;
    for (const auto& [gv, group] : Docs().v3_groups) out[gv] = json::parse(group.json);
    return out;
  }();
  static const json kMissing;
  auto it = parsed.find(gv_path);
  return it == parsed.end() ? kMissing : it->second;
}

const json& V2() {
  static const json parsed = json::parse(Docs().v2_json);
  return parsed;
}

std::string Sha512Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha512(), nullptr);
  char hex[3];
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02X", digest[i]);
    out += hex;
  }
  return out;
}

std::string CollectionPath(const Resource& r) {
  return "/" + GroupVersionPath(r) + (r.namespaced ? "/namespaces/{namespace}/" : "/") +
         std::string(r.plural);
}

json Gvk(const Resource& r, std::string_view kind) {
  return {{"group", r.group}, {"kind", kind}, {"version", r.version}};
}

bool HasParam(const json& op, std::string_view name) {
  if (!op.contains("parameters")) return false;
  for (const json& p : op["parameters"]) {
    if (p.value("name", "") == name) return true;
  }
  return false;
}

void CollectRefs(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref") {
        out.push_back(value.get<std::string>());
      } else {
        CollectRefs(value, out);
      }
    }
  } else if (node.is_array()) {
    for (const json& item : node) CollectRefs(item, out);
  }
}

TEST(Documents, EveryDocumentIsJsonOfTheRightVersion) {
  EXPECT_EQ(V2()["swagger"], "2.0");
  json index = json::parse(Docs().v3_index_json);
  ASSERT_TRUE(index["paths"].is_object());
  EXPECT_EQ(Docs().v3_groups.size(), 6u);
  for (const auto& [gv, group] : Docs().v3_groups) {
    json doc = json::parse(group.json);
    EXPECT_EQ(doc["openapi"], "3.0.0") << gv;
    EXPECT_TRUE(doc["components"]["schemas"].is_object()) << gv;
  }
}

TEST(Documents, IndexPointsAtEachGroupDocumentWithItsSha512) {
  json index = json::parse(Docs().v3_index_json);
  std::set<std::string> listed;
  for (const auto& [gv, entry] : index["paths"].items()) listed.insert(gv);
  std::set<std::string> served;
  for (const auto& [gv, group] : Docs().v3_groups) served.insert(gv);
  EXPECT_EQ(listed, served);
  EXPECT_EQ(served, (std::set<std::string>{"api/v1", "apis/discovery.k8s.io/v1",
                                           "apis/gateway.kubesphere.io/v1alpha1",
                                           "apis/iam.kubesphere.io/v1alpha2",
                                           "apis/networking.k8s.io/v1",
                                           "apis/rbac.authorization.k8s.io/v1"}));
  for (const auto& [gv, group] : Docs().v3_groups) {
    ASSERT_EQ(group.hash.size(), 128u) << gv;
    EXPECT_EQ(group.hash.find_first_not_of("0123456789ABCDEF"), std::string::npos) << gv;
    EXPECT_EQ(group.hash, Sha512Hex(group.json)) << gv;
    EXPECT_EQ(index["paths"][gv]["serverRelativeURL"], "/openapi/v3/" + gv + "?hash=" + group.hash);
  }
}

TEST(Documents, BuildIsDeterministic) {
  Result<Documents> again = Build();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->v3_index_json, Docs().v3_index_json);
  EXPECT_EQ(again->v2_json, Docs().v2_json);
  EXPECT_EQ(&Get(), &Get());
  EXPECT_EQ(Get().v3_index_json, Docs().v3_index_json);
}

// What kubectl explain and apply look up: a component carrying the kind's GVK.
TEST(Documents, EveryKindAndListHasItsSchemaAndGvk) {
  json v2 = V2();
  for (const Resource& r : Resources()) {
    json doc = V3(GroupVersionPath(r));
    ASSERT_FALSE(doc.is_null()) << r.kind;
    std::string name = ExpandName(r.schema);
    for (const auto& [schema_name, kind] :
         {std::pair{name, std::string(r.kind)},
          std::pair{name + "List", std::string(r.kind) + "List"}}) {
      for (const json* schemas : {&doc["components"]["schemas"], &v2["definitions"]}) {
        ASSERT_TRUE(schemas->contains(schema_name)) << schema_name;
        const json& s = (*schemas)[schema_name];
        EXPECT_EQ(s["x-kubernetes-group-version-kind"], json::array({Gvk(r, kind)})) << schema_name;
        for (const char* field : {"apiVersion", "kind", "metadata"}) {
          EXPECT_TRUE(s["properties"].contains(field)) << schema_name << "." << field;
          EXPECT_FALSE(s["properties"][field].value("description", "").empty()) << schema_name;
        }
      }
    }
  }
}

TEST(Documents, EveryResourceHasItsPathsAndActions) {
  for (const Resource& r : Resources()) {
    json doc = V3(GroupVersionPath(r));
    json paths = doc["paths"];
    std::string collection = CollectionPath(r);
    std::string item = collection + "/{name}";
    std::string watch = "/" + GroupVersionPath(r) + "/watch" +
                        (r.namespaced ? "/namespaces/{namespace}/" : "/") + std::string(r.plural);
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> expected = {
        {collection, {"get", "list"}},
        {collection, {"post", "post"}},
        {collection, {"delete", "deletecollection"}},
        {item, {"get", "get"}},
        {item, {"put", "put"}},
        {item, {"patch", "patch"}},
        {item, {"delete", "delete"}},
        {watch, {"get", "watchlist"}},
        {watch + "/{name}", {"get", "watch"}}};
    if (r.status) {
      for (const char* verb : {"get", "put", "patch"}) {
        expected.push_back({item + "/status", {verb, verb}});
      }
    }
    if (r.namespaced) {
      expected.push_back(
          {"/" + GroupVersionPath(r) + "/" + std::string(r.plural), {"get", "list"}});
    }
    for (const auto& [path, op] : expected) {
      const auto& [method, action] = op;
      ASSERT_TRUE(paths.contains(path)) << path;
      ASSERT_TRUE(paths[path].contains(method)) << method << " " << path;
      const json& o = paths[path][method];
      EXPECT_EQ(o["x-kubernetes-action"], action) << method << " " << path;
      EXPECT_EQ(o["x-kubernetes-group-version-kind"], Gvk(r, r.kind)) << method << " " << path;
      EXPECT_TRUE(o["responses"].contains("200")) << method << " " << path;
    }
    EXPECT_EQ(paths.contains(item + "/status"), r.status) << r.kind;
  }
}

// query_param_verifier_v3.go: the first PATCH operation whose GVK matches decides, so every
// one must list fieldValidation; POST and PUT carry it too, with dryRun and fieldManager.
TEST(Documents, EveryWriteOperationTakesFieldValidation) {
  json v2 = V2();
  for (const Resource& r : Resources()) {
    json v3 = V3(GroupVersionPath(r));
    for (const json* paths : {&v3["paths"], &v2["paths"]}) {
      int patches = 0;
      for (const auto& [path, item] : paths->items()) {
        for (const char* method : {"post", "put", "patch"}) {
          if (!item.contains(method)) continue;
          const json& op = item[method];
          if (op["x-kubernetes-group-version-kind"] != Gvk(r, r.kind)) continue;
          patches += std::string(method) == "patch";
          for (const char* param : {"fieldValidation", "fieldManager", "dryRun"}) {
            EXPECT_TRUE(HasParam(op, param)) << method << " " << path << " " << param;
          }
        }
      }
      EXPECT_EQ(patches, r.status ? 2 : 1) << r.kind;
    }
  }
}

// kubectl apply computes a strategic merge patch only when PATCH accepts one (patcher.go);
// a CRD such as Gateway gets a JSON merge patch, as from kube-apiserver.
TEST(Documents, StrategicMergePatchOnlyForBuiltinKinds) {
  for (const Resource& r : Resources()) {
    json doc = V3(GroupVersionPath(r));  // a copy: operator[] on a missing key must not abort
    json op = doc["paths"][CollectionPath(r) + "/{name}"]["patch"];
    const json& content = op["requestBody"]["content"];
    EXPECT_EQ(content.contains("application/strategic-merge-patch+json"), r.builtin) << r.kind;
    EXPECT_TRUE(content.contains("application/merge-patch+json")) << r.kind;
    EXPECT_TRUE(content.contains("application/json-patch+json")) << r.kind;
    EXPECT_TRUE(content.contains("application/apply-patch+yaml")) << r.kind;
  }
}

TEST(Documents, EveryRefResolves) {
  json v2 = V2();
  std::vector<std::string> refs;
  CollectRefs(v2, refs);
  EXPECT_GT(refs.size(), 100u);
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.rfind("#/definitions/", 0), 0u) << ref;
    EXPECT_TRUE(v2["definitions"].contains(ref.substr(14))) << ref;
  }
  for (const auto& [gv, group] : Docs().v3_groups) {
    json doc = json::parse(group.json);
    refs.clear();
    CollectRefs(doc, refs);
    EXPECT_FALSE(refs.empty()) << gv;
    for (const std::string& ref : refs) {
      ASSERT_EQ(ref.rfind("#/components/schemas/", 0), 0u) << ref;
      EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(21))) << gv << ": " << ref;
    }
  }
}

json Schema(std::string_view gv, std::string_view short_name) {
  const json& doc = V3(gv);
  if (!doc.contains("components")) return nullptr;
  const json& schemas = doc["components"]["schemas"];
  auto it = schemas.find(ExpandName(short_name));
  return it == schemas.end() ? json(nullptr) : *it;
}

TEST(Documents, IngressPathsRequirePathTypeAndBackend) {
  json v2 = V2();
  for (const json& path : {Schema("apis/networking.k8s.io/v1", "networking.v1.HTTPIngressPath"),
                           v2["definitions"]["io.k8s.api.networking.v1.HTTPIngressPath"]}) {
    EXPECT_EQ(path["required"], json::array({"pathType", "backend"}));
    EXPECT_EQ(path["properties"]["pathType"]["enum"],
              json::array({"Exact", "ImplementationSpecific", "Prefix"}));
  }
  EXPECT_EQ(Schema("apis/networking.k8s.io/v1", "networking.v1.HTTPIngressRuleValue")["required"],
            json::array({"paths"}));
  EXPECT_EQ(Schema("apis/networking.k8s.io/v1", "networking.v1.IngressServiceBackend")["required"],
            json::array({"name"}));
  // The path explain walks: ingress.spec.rules.http.paths.
  json spec = Schema("apis/networking.k8s.io/v1", "networking.v1.IngressSpec")["properties"];
  EXPECT_EQ(spec["rules"]["items"]["$ref"],
            "#/components/schemas/io.k8s.api.networking.v1.IngressRule");
  EXPECT_EQ(spec["rules"]["x-kubernetes-list-type"], "atomic");
  EXPECT_EQ(spec["tls"]["x-kubernetes-list-type"], "atomic");
}

TEST(Documents, MergeKeysWhereKubernetesDeclaresThem) {
  struct Expect {
    std::string_view gv, schema, field, merge_key, strategy, list_type;
    json map_keys;
  };
  const Expect cases[] = {
      {"api/v1", "core.v1.ServiceSpec", "ports", "port", "merge", "map", {"port", "protocol"}},
      {"api/v1", "core.v1.ServiceStatus", "conditions", "type", "merge", "map", {"type"}},
      {"api/v1", "core.v1.NamespaceStatus", "conditions", "type", "merge", "map", {"type"}},
      {"api/v1", "core.v1.NodeStatus", "conditions", "type", "merge", "map", {"type"}},
      {"api/v1", "core.v1.NodeStatus", "addresses", "type", "merge", "", nullptr},
      {"api/v1", "meta.v1.ObjectMeta", "ownerReferences", "uid", "merge", "map", {"uid"}},
      {"api/v1", "meta.v1.ObjectMeta", "finalizers", "", "merge", "set", nullptr},
      {"api/v1", "core.v1.NodeSpec", "podCIDRs", "", "merge", "set", nullptr},
      {"api/v1", "core.v1.Endpoints", "subsets", "", "", "atomic", nullptr},
      {"apis/discovery.k8s.io/v1", "discovery.v1.EndpointSlice", "endpoints", "", "", "atomic",
       nullptr},
      {"apis/discovery.k8s.io/v1", "discovery.v1.Endpoint", "addresses", "", "", "set", nullptr},
  };
  for (const Expect& c : cases) {
    json field = Schema(c.gv, c.schema)["properties"][std::string(c.field)];
    ASSERT_TRUE(field.is_object()) << c.schema << "." << c.field;
    auto ext = [&](const char* key) { return field.value(key, std::string()); };
    EXPECT_EQ(ext("x-kubernetes-patch-merge-key"), c.merge_key) << c.schema << "." << c.field;
    EXPECT_EQ(ext("x-kubernetes-patch-strategy"), c.strategy) << c.schema << "." << c.field;
    EXPECT_EQ(ext("x-kubernetes-list-type"), c.list_type) << c.schema << "." << c.field;
    EXPECT_EQ(field.contains("x-kubernetes-list-map-keys") ? field["x-kubernetes-list-map-keys"]
                                                           : json(nullptr),
              c.map_keys)
        << c.schema << "." << c.field;
  }
}

// KubeSphere's CRD shape, published inline as kube-apiserver does for a CRD.
TEST(Documents, GatewayFollowsKubeSphereCrd) {
  json doc = V3("apis/gateway.kubesphere.io/v1alpha1");
  const json& gateway = doc["components"]["schemas"]["io.kubesphere.gateway.v1alpha1.Gateway"];
  const json& spec = gateway["properties"]["spec"];
  EXPECT_FALSE(spec.contains("$ref"));
  const json& controller = spec["properties"]["controller"]["properties"];
  EXPECT_EQ(controller["replicas"]["format"], "int32");
  EXPECT_EQ(controller["config"]["additionalProperties"]["type"], "string");
  EXPECT_EQ(controller["scope"]["properties"]["enabled"]["type"], "boolean");
  EXPECT_EQ(controller["scope"]["properties"]["namespace"]["type"], "string");
  const json& deployment = spec["properties"]["deployment"]["properties"];
  EXPECT_EQ(deployment["replicas"]["type"], "integer");
  EXPECT_TRUE(deployment["resources"]["properties"].contains("limits"));
  const json& service = spec["properties"]["service"]["properties"];
  EXPECT_EQ(service["type"]["type"], "string");
  EXPECT_EQ(service["annotations"]["additionalProperties"]["type"], "string");
  EXPECT_EQ(gateway["properties"]["status"]["x-kubernetes-preserve-unknown-fields"], true);
  EXPECT_EQ(gateway["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
}

// A group document holds only what its paths reach (as kube publishes), yet all of it.
TEST(Documents, GroupDocumentsHoldTheirOwnSchemasOnly) {
  json core = V3("api/v1")["components"]["schemas"];
  EXPECT_FALSE(core.contains("io.k8s.api.networking.v1.Ingress"));
  EXPECT_TRUE(core.contains("io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"));
  EXPECT_TRUE(core.contains("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"));
  EXPECT_TRUE(core.contains("io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
  json networking = V3("apis/networking.k8s.io/v1")["components"]["schemas"];
  EXPECT_FALSE(networking.contains("io.k8s.api.core.v1.Service"));
  EXPECT_TRUE(networking.contains("io.k8s.api.core.v1.TypedLocalObjectReference"));
}

// gnostic openapi_v2.Document{swagger: "2.0", info: {title, version}} in protobuf wire format.
TEST(Documents, V2ProtobufIsAMinimalGnosticDocument) {
  const std::string expected = std::string(
      "\x0a\x03"
      "2.0"
      "\x12\x0d"
      "\x0a\x07"
      "Waygate"
      "\x12\x02"
      "v1");
  EXPECT_EQ(Docs().v2_protobuf, expected);
}

}  // namespace
}  // namespace waygate::openapi
