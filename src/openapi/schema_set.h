// SchemaSet: the checked schema definitions, rendered as OpenAPI v2 definitions or v3
// components. v2 and v3 differ only in where $ref points and in how a described reference is
// written (v2: $ref with a sibling description; v3: allOf [$ref] beside the description, as
// kube-openapi does).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "openapi/schema_source.h"

namespace waygate::openapi {

enum class Dialect { kV2, kV3 };

class SchemaSet {
 public:
  // Checks every definition: unique names, known options, every field type resolvable.
  static Result<SchemaSet> Create(std::vector<SchemaDef> defs);

  // {"$ref": "#/definitions/<name>"} or {"$ref": "#/components/schemas/<name>"}.
  static nlohmann::json Ref(Dialect dialect, std::string_view full_name);
  static std::string RefPrefix(Dialect dialect);

  bool Has(std::string_view full_name) const { return defs_.count(std::string(full_name)) > 0; }

  // Every named (non-inline) schema, keyed by its full name.
  nlohmann::json RenderAll(Dialect dialect) const;

 private:
  explicit SchemaSet(std::map<std::string, SchemaDef> defs) : defs_(std::move(defs)) {}

  nlohmann::json RenderSchema(Dialect dialect, const SchemaDef& def) const;
  nlohmann::json RenderType(Dialect dialect, std::string_view type) const;
  nlohmann::json RenderField(Dialect dialect, const FieldDef& field) const;

  std::map<std::string, SchemaDef> defs_;
};

}  // namespace waygate::openapi
