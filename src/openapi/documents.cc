// Assembles the published documents: one Swagger 2.0 document with every group, and one
// OpenAPI 3.0 document per group/version holding its paths and the schemas they reach.
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "openapi/openapi.h"
#include "openapi/paths.h"
#include "openapi/resources.h"
#include "openapi/schema_data.h"
#include "openapi/schema_set.h"
#include "openapi/schema_source.h"

namespace waygate::openapi {
namespace {

using nlohmann::json;

std::string GvkString(const Resource& r, std::string_view kind) {
  std::string out = r.group.empty() ? "" : std::string(r.group) + "/";
  return out + std::string(r.version) + "/" + std::string(kind);
}

// The list kind of every resource (IngressList, ...), which the sources do not spell out.
SchemaDef ListDef(const Resource& r) {
  SchemaDef list;
  list.name = ExpandName(r.schema) + "List";
  list.options = {{"kind", GvkString(r, std::string(r.kind) + "List")}, {"list", ""}};
  list.description = "A list of " + std::string(r.kind) + " objects.";
  list.fields.push_back(FieldDef{"items",
                                 "[]" + ExpandName(r.schema),
                                 {{"required", ""}},
                                 "The " + std::string(r.plural) + "."});
  return list;
}

// kube-openapi's ETag: uppercase hex SHA-512 of the served bytes.
std::string Sha512Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha512(), nullptr) != 1) return "";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

void CollectRefs(const json& node, std::string_view prefix, std::set<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        const std::string& ref = value.get_ref<const std::string&>();
        if (ref.compare(0, prefix.size(), prefix) == 0) out.insert(ref.substr(prefix.size()));
      } else {
        CollectRefs(value, prefix, out);
      }
    }
  } else if (node.is_array()) {
    for (const json& item : node) CollectRefs(item, prefix, out);
  }
}

// The schemas `paths` needs, directly or through other schemas, as kube publishes per group.
json Reachable(const json& all, const json& paths) {
  const std::string prefix = SchemaSet::RefPrefix(Dialect::kV3);
  std::set<std::string> pending;
  CollectRefs(paths, prefix, pending);
  std::set<std::string> done;
  json out = json::object();
  while (!pending.empty()) {
    std::string name = *pending.begin();
    pending.erase(pending.begin());
    if (!done.insert(name).second || !all.contains(name)) continue;
    out[name] = all[name];
    CollectRefs(all[name], prefix, pending);
  }
  return out;
}

constexpr std::string_view kTitle = "Waygate";
constexpr std::string_view kVersion = "v1";

json Info() { return {{"title", kTitle}, {"version", kVersion}}; }

// Appends a length-delimited protobuf field (wire type 2); every length here is < 128.
void AppendBytesField(std::string& out, int field, std::string_view bytes) {
  out += static_cast<char>(field << 3 | 2);
  out += static_cast<char>(bytes.size());
  out += bytes;
}

// gnostic openapi_v2.Document{swagger: "2.0" (1), info (2): Info{title (1), version (2)}}.
std::string MinimalV2Protobuf() {
  std::string info;
  AppendBytesField(info, 1, kTitle);
  AppendBytesField(info, 2, kVersion);
  std::string doc;
  AppendBytesField(doc, 1, "2.0");
  AppendBytesField(doc, 2, info);
  return doc;
}

Result<Documents> BuildUnchecked() {
  std::vector<SchemaDef> defs;
  for (const SchemaFile& file : SchemaFiles()) {
    auto parsed = ParseSchemaSource(file.name, file.text);
    if (!parsed.ok()) return parsed.error();
    for (SchemaDef& def : *parsed) defs.push_back(std::move(def));
  }
  for (const Resource& r : Resources()) defs.push_back(ListDef(r));
  auto set = SchemaSet::Create(std::move(defs));
  if (!set.ok()) return set.error();
  for (const Resource& r : Resources()) {
    if (!set->Has(ExpandName(r.schema))) {
      return MakeError(ErrorCode::kInternal, "no schema " + std::string(r.schema));
    }
  }

  Documents docs;
  json v2_paths = json::object();
  std::map<std::string, json> v3_paths;
  for (const Resource& r : Resources()) {
    std::string kind = ExpandName(r.schema);
    AddResourcePaths(Dialect::kV2, r, kind, kind + "List", v2_paths);
    json& gv = v3_paths[GroupVersionPath(r)];
    if (gv.is_null()) gv = json::object();
    AddResourcePaths(Dialect::kV3, r, kind, kind + "List", gv);
  }

  json v2 = {{"swagger", "2.0"},
             {"info", Info()},
             {"paths", std::move(v2_paths)},
             {"definitions", set->RenderAll(Dialect::kV2)},
             {"securityDefinitions",
              {{"BearerToken",
                {{"type", "apiKey"},
                 {"name", "authorization"},
                 {"in", "header"},
                 {"description", "Bearer Token authentication"}}}}},
             {"security", json::array({{{"BearerToken", json::array()}}})}};
  docs.v2_json = v2.dump();
  docs.v2_protobuf = MinimalV2Protobuf();

  const json components = set->RenderAll(Dialect::kV3);
  json index = {{"paths", json::object()}};
  for (auto& [gv_path, paths] : v3_paths) {
    json doc = {{"openapi", "3.0.0"},
                {"info", Info()},
                {"paths", paths},
                {"components",
                 {{"schemas", Reachable(components, paths)},
                  {"securitySchemes",
                   {{"BearerToken",
                     {{"type", "apiKey"},
                      {"name", "authorization"},
                      {"in", "header"},
                      {"description", "Bearer Token authentication"}}}}}}},
                {"security", json::array({{{"BearerToken", json::array()}}})}};
    Documents::GroupDoc group{doc.dump(), ""};
    group.hash = Sha512Hex(group.json);
    if (group.hash.empty()) return MakeError(ErrorCode::kInternal, "SHA-512 failed");
    index["paths"][gv_path] = {
        {"serverRelativeURL", "/openapi/v3/" + gv_path + "?hash=" + group.hash}};
    docs.v3_groups.emplace(gv_path, std::move(group));
  }
  docs.v3_index_json = index.dump();
  return docs;
}

}  // namespace

Result<Documents> Build() {
  try {
    return BuildUnchecked();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("building OpenAPI documents: ") + e.what());
  }
}

const Documents& Get() {
  static const Documents docs = [] {
    Result<Documents> built = Build();
    if (!built.ok()) {
      // The sources are compiled in and tested: failing here is a bug, not an input problem.
      std::fprintf(stderr, "openapi: %s\n", built.error().ToString().c_str());
      std::abort();
    }
    return std::move(built).value();
  }();
  return docs;
}

}  // namespace waygate::openapi
