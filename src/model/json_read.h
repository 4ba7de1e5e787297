// Typed reads from nlohmann::json with Kubernetes field paths; a value of the wrong JSON type
// is an error (as Go's encoding/json reports it), an absent or null field leaves the default.
// Used by model/ and by modules that read Kubernetes JSON the same way (selector/).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/field_path.h"
#include "model/objects.h"

namespace waygate::model::json_read {

using Json = nlohmann::json;

const char* TypeName(const Json& v);

// The member `key` of `obj`, or nullptr when absent or null.
inline const Json* Find(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// The member as an object / array; nullptr (and an error when present) otherwise.
const Json* Object(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs);
const Json* Array(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs);

// Each returns true when the field was present with the right type.
bool String(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
            std::string& out);
bool Int32(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
           int32_t& out);
bool Int64(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
           int64_t& out);
bool Bool(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs, bool& out);
bool OptBool(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
             std::optional<bool>& out);

// map[string]string. With `stringify`, numbers and booleans are turned into their text
// (Gateway config, see README); otherwise they are type errors as in Kubernetes.
void StringMap(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
               model::StringMap& out, bool stringify = false);

// intstr.IntOrString from a JSON number or string.
bool IntOrStr(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
              IntOrString& out);

}  // namespace waygate::model::json_read
