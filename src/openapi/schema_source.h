// The schema source language of schemas/*.schema (described in README.md), parsed into
// definitions. No JSON here: render.h turns definitions into OpenAPI schemas.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace waygate::openapi {

// `key=value` or a bare `flag` (value empty), in source order.
using Options = std::vector<std::pair<std::string, std::string>>;

struct FieldDef {
  std::string name;
  std::string type;  // string|boolean|int32|int64|integer|number|byte|object|[]T|{}T|<schema name>
  Options options;   // required, merge=, strategy=, list=, keys=, map=, enum=, preserve
  std::string description;
};

struct SchemaDef {
  std::string name;  // full OpenAPI name, e.g. io.k8s.api.networking.v1.Ingress
  Options options;   // kind=, type=, format=, map=, inline, object, preserve
  std::string description;
  std::vector<FieldDef> fields;
};

// Short prefixes used in the sources ("core.v1.Service") expanded to OpenAPI names
// ("io.k8s.api.core.v1.Service"). Names without a known prefix are returned unchanged.
std::string ExpandName(std::string_view name);

// Parses one source file; `file` names it in error messages ("core.schema:12: ...").
Result<std::vector<SchemaDef>> ParseSchemaSource(std::string_view file, std::string_view text);

// The value of option `key`, or nullptr when absent.
const std::string* FindOption(const Options& options, std::string_view key);

}  // namespace waygate::openapi
