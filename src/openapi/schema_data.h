// The schema sources (schemas/*.schema), compiled in by CMake (schema_data.cc.in).
#pragma once

#include <span>
#include <string_view>

namespace waygate::openapi {

struct SchemaFile {
  std::string_view name;  // "core.schema"
  std::string_view text;
};

std::span<const SchemaFile> SchemaFiles();

}  // namespace waygate::openapi
