#include "openapi/schema_set.h"

#include <array>
#include <set>

namespace waygate::openapi {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kSchemaOptions = {"kind", "list",   "type",   "format",
                                                            "map",  "inline", "object", "preserve"};
constexpr std::array<std::string_view, 8> kFieldOptions = {
    "required", "merge", "strategy", "list", "keys", "map", "enum", "preserve"};

// Scalar types of the source language and their OpenAPI form.
json Scalar(std::string_view type) {
  if (type == "string") return {{"type", "string"}};
  if (type == "boolean") return {{"type", "boolean"}};
  if (type == "int32") return {{"type", "integer"}, {"format", "int32"}};
  if (type == "int64") return {{"type", "integer"}, {"format", "int64"}};
  if (type == "integer") return {{"type", "integer"}};
  if (type == "number") return {{"type", "number"}, {"format", "double"}};
  if (type == "byte") return {{"type", "string"}, {"format", "byte"}};
  if (type == "object") return {{"type", "object"}};
  return nullptr;
}

template <size_t N>
bool Known(const std::array<std::string_view, N>& known, std::string_view key) {
  for (std::string_view k : known) {
    if (k == key) return true;
  }
  return false;
}

json SplitList(const std::string& csv) {
  json out = json::array();
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string::npos) comma = csv.size();
    out.push_back(csv.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// "networking.k8s.io/v1/Ingress" or "v1/Namespace" (core group).
json GroupVersionKind(const std::string& gvk) {
  size_t last = gvk.rfind('/');
  size_t mid =
      last == 0 || last == std::string::npos ? std::string::npos : gvk.rfind('/', last - 1);
  std::string group = mid == std::string::npos ? "" : gvk.substr(0, mid);
  std::string version = gvk.substr(mid == std::string::npos ? 0 : mid + 1,
                                   last - (mid == std::string::npos ? 0 : mid + 1));
  return {{"group", group}, {"kind", gvk.substr(last + 1)}, {"version", version}};
}

// Strips the array/map markers off a type: "[]{}x" -> "x".
std::string_view ElementType(std::string_view type) {
  while (type.substr(0, 2) == "[]" || type.substr(0, 2) == "{}") type.remove_prefix(2);
  return type;
}

}  // namespace

std::string SchemaSet::RefPrefix(Dialect dialect) {
  return dialect == Dialect::kV2 ? "#/definitions/" : "#/components/schemas/";
}

json SchemaSet::Ref(Dialect dialect, std::string_view full_name) {
  return {{"$ref", RefPrefix(dialect) + std::string(full_name)}};
}

Result<SchemaSet> SchemaSet::Create(std::vector<SchemaDef> defs) {
  std::map<std::string, SchemaDef> by_name;
  for (SchemaDef& def : defs) {
    for (const auto& [key, value] : def.options) {
      if (!Known(kSchemaOptions, key)) {
        return MakeError(ErrorCode::kInternal, def.name + ": unknown option " + key);
      }
    }
    std::string name = def.name;
    if (!by_name.emplace(name, std::move(def)).second) {
      return MakeError(ErrorCode::kInternal, name + ": defined twice");
    }
  }
  for (const auto& [name, def] : by_name) {
    for (const FieldDef& field : def.fields) {
      for (const auto& [key, value] : field.options) {
        if (!Known(kFieldOptions, key)) {
          return MakeError(ErrorCode::kInternal,
                           name + "." + field.name + ": unknown option " + key);
        }
      }
      std::string_view element = ElementType(field.type);
      if (Scalar(element).is_null() && by_name.count(ExpandName(element)) == 0) {
        return MakeError(ErrorCode::kInternal,
                         name + "." + field.name + ": unknown type " + std::string(field.type));
      }
    }
  }
  return SchemaSet(std::move(by_name));
}

json SchemaSet::RenderType(Dialect dialect, std::string_view type) const {
  if (type.substr(0, 2) == "[]") {
    return {{"type", "array"}, {"items", RenderType(dialect, type.substr(2))}};
  }
  if (type.substr(0, 2) == "{}") {
    return {{"type", "object"}, {"additionalProperties", RenderType(dialect, type.substr(2))}};
  }
  if (json scalar = Scalar(type); !scalar.is_null()) return scalar;
  std::string name = ExpandName(type);
  const SchemaDef& def = defs_.at(name);  // Create() checked every field type
  // A CRD's nested objects have no names of their own: kube publishes them inline.
  if (FindOption(def.options, "inline") != nullptr) return RenderSchema(dialect, def);
  return Ref(dialect, name);
}

json SchemaSet::RenderField(Dialect dialect, const FieldDef& field) const {
  json out = RenderType(dialect, field.type);
  if (out.size() == 1 && out.contains("$ref") && dialect == Dialect::kV3) {
    out = json{{"allOf", json::array({out})}};
  }
  out["description"] = field.description;
  const Options& o = field.options;
  if (const std::string* v = FindOption(o, "merge")) out["x-kubernetes-patch-merge-key"] = *v;
  if (const std::string* v = FindOption(o, "strategy")) out["x-kubernetes-patch-strategy"] = *v;
  if (const std::string* v = FindOption(o, "list")) out["x-kubernetes-list-type"] = *v;
  if (const std::string* v = FindOption(o, "keys"))
    out["x-kubernetes-list-map-keys"] = SplitList(*v);
  if (const std::string* v = FindOption(o, "map")) out["x-kubernetes-map-type"] = *v;
  if (const std::string* v = FindOption(o, "enum")) out["enum"] = SplitList(*v);
  if (FindOption(o, "preserve") != nullptr) out["x-kubernetes-preserve-unknown-fields"] = true;
  return out;
}

json SchemaSet::RenderSchema(Dialect dialect, const SchemaDef& def) const {
  const Options& o = def.options;
  json out = json::object();
  out["description"] = def.description;
  if (const std::string* type = FindOption(o, "type")) {
    out["type"] = *type;
    if (const std::string* format = FindOption(o, "format")) out["format"] = *format;
    return out;
  }
  out["type"] = "object";
  if (FindOption(o, "object") != nullptr) return out;
  if (FindOption(o, "preserve") != nullptr) out["x-kubernetes-preserve-unknown-fields"] = true;
  if (const std::string* v = FindOption(o, "map")) out["x-kubernetes-map-type"] = *v;

  json properties = json::object();
  json required = json::array();
  for (const FieldDef& field : def.fields) {
    properties[field.name] = RenderField(dialect, field);
    if (FindOption(field.options, "required") != nullptr) required.push_back(field.name);
  }
  if (const std::string* gvk = FindOption(o, "kind")) {
    // Every top-level kind carries apiVersion, kind and metadata; sources only list the rest.
    auto add = [&](const char* name, json schema) {
      if (!properties.contains(name)) properties[name] = std::move(schema);
    };
    json id = GroupVersionKind(*gvk);
    std::string group = id["group"], version = id["version"], kind = id["kind"];
    std::string api_version = group.empty() ? version : group + "/" + version;
    add("apiVersion", {{"type", "string"},
                       {"description", "API group and version of the object: " + api_version +
                                           ". The server rejects versions it does not serve."}});
    add("kind", {{"type", "string"}, {"description", "Kind of the object: " + kind + "."}});
    bool list = FindOption(o, "list") != nullptr;
    add("metadata", RenderField(dialect, FieldDef{
                                             "metadata",
                                             list ? "meta.v1.ListMeta" : "meta.v1.ObjectMeta",
                                             {},
                                             list ? "Standard list metadata: resourceVersion "
                                                    "and the continue token for paging."
                                                  : "Standard object metadata: name, namespace, "
                                                    "labels, annotations, ...",
                                         }));
    out["x-kubernetes-group-version-kind"] = json::array({std::move(id)});
  }
  out["properties"] = std::move(properties);
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

json SchemaSet::RenderAll(Dialect dialect) const {
  json out = json::object();
  for (const auto& [name, def] : defs_) {
    if (FindOption(def.options, "inline") == nullptr) out[name] = RenderSchema(dialect, def);
  }
  return out;
}

}  // namespace waygate::openapi
