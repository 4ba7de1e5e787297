#include "model/json_read.h"

#include <limits>

namespace waygate::model::json_read {

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    default:
      return "unknown";
  }
}

const Json* Object(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    errs.WrongType(path.Child(key), "object", TypeName(*v));
    return nullptr;
  }
  return v;
}

const Json* Array(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    errs.WrongType(path.Child(key), "array", TypeName(*v));
    return nullptr;
  }
  return v;
}

bool String(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
            std::string& out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return false;
  if (!v->is_string()) {
    errs.WrongType(path.Child(key), "string", TypeName(*v));
    return false;
  }
  out = v->get_ref<const std::string&>();
  return true;
}

bool Int64(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
           int64_t& out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return false;
  if (v->is_number_integer() && !v->is_number_unsigned()) {
    out = v->get<int64_t>();
    return true;
  }
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(v->get<uint64_t>());
    return true;
  }
  errs.WrongType(path.Child(key), "int64", TypeName(*v));
  return false;
}

bool Int32(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
           int32_t& out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return false;
  if (v->is_number_integer()) {
    bool fits = v->is_number_unsigned()
                    ? v->get<uint64_t>() <= uint64_t{std::numeric_limits<int32_t>::max()}
                    : v->get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                          v->get<int64_t>() <= std::numeric_limits<int32_t>::max();
    if (fits) {
      out = static_cast<int32_t>(v->get<int64_t>());
      return true;
    }
    errs.WrongType(path.Child(key), "int32", "an integer out of its range");
    return false;
  }
  errs.WrongType(path.Child(key), "int32", TypeName(*v));
  return false;
}

bool Bool(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
          bool& out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    errs.WrongType(path.Child(key), "boolean", TypeName(*v));
    return false;
  }
  out = v->get<bool>();
  return true;
}

bool OptBool(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
             std::optional<bool>& out) {
  bool b = false;
  if (!Bool(obj, key, path, errs, b)) return false;
  out = b;
  return true;
}

void StringMap(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
               model::StringMap& out, bool stringify) {
  const Json* m = Object(obj, key, path, errs);
  if (m == nullptr) return;
  FieldPath map_path = path.Child(key);
  for (const auto& [k, v] : m->items()) {
    if (v.is_string()) {
      out.emplace(k, v.get_ref<const std::string&>());
    } else if (v.is_null()) {
      out.emplace(k, std::string());  // Go leaves a null string empty
    } else if (stringify && v.is_boolean()) {
      out.emplace(k, v.get<bool>() ? "true" : "false");
    } else if (stringify && v.is_number()) {
      out.emplace(k, v.dump());
    } else {
      errs.WrongType(map_path.Key(k), "string", TypeName(v));
    }
  }
}

bool IntOrStr(const Json& obj, std::string_view key, const FieldPath& path, ErrorList& errs,
              IntOrString& out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return false;
  if (v->is_string()) {
    out.is_int = false;
    out.int_value = 0;
    out.str_value = v->get_ref<const std::string&>();
    return true;
  }
  if (!v->is_number_integer()) {
    errs.WrongType(path.Child(key), "integer or string", TypeName(*v));
    return false;
  }
  int32_t n = 0;
  if (!Int32(obj, key, path, errs, n)) return false;
  out.is_int = true;
  out.int_value = n;
  out.str_value.clear();
  return true;
}

}  // namespace waygate::model::json_read
