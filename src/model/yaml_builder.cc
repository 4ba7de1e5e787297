#include "model/yaml_builder.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

namespace waygate::model {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

bool AllDigits(std::string_view s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                         : (c >= '0' && c < static_cast<char>('0' + base));
    if (!ok) return false;
  }
  return true;
}

std::optional<Json> ParseInt(std::string_view s) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {  // unsigned forms only
    base = s[1] == 'x' ? 16 : 8;
    body = s.substr(2);
    negative = false;
  } else if (body.size() != s.size() && body.size() > 1 && body[0] == '0' &&
             (body[1] == 'x' || body[1] == 'o')) {
    return std::nullopt;
  }
  if (!AllDigits(body, base)) return std::nullopt;
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), magnitude, base);
  if (ec != std::errc() || ptr != body.data() + body.size()) {
    // Out of range for 64 bits: keep it as a number, as Go's YAML decoder falls back to float.
    double d = 0;
    std::from_chars(body.data(), body.data() + body.size(), d);
    return Json(negative ? -d : d);
  }
  if (!negative) {
    if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Json(static_cast<int64_t>(magnitude));
    }
    return Json(magnitude);
  }
  if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
    return Json(static_cast<int64_t>(0 - magnitude));
  }
  return Json(-static_cast<double>(magnitude));
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? and the .inf/.nan forms.
std::optional<Json> ParseFloat(std::string_view s) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return Json(negative ? -std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::infinity());
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return Json(std::numeric_limits<double>::quiet_NaN());
  }
  size_t i = 0;
  size_t int_digits = 0, frac_digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++int_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  double d = 0;
  // from_chars does not take a leading '.' without a digit before it on every library; help it.
  std::string text;
  if (body[0] == '.') text = "0";
  text.append(body);
  std::from_chars(text.data(), text.data() + text.size(), d);
  return Json(negative ? -d : d);
}

std::optional<Json> ParseBool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return Json(true);
  if (s == "false" || s == "False" || s == "FALSE") return Json(false);
  return std::nullopt;
}

bool IsNullWord(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// YAML 1.2 core schema resolution of a plain scalar.
Json ResolvePlain(const std::string& s) {
  if (IsNullWord(s)) return Json(nullptr);
  if (auto b = ParseBool(s)) return *b;
  if (auto i = ParseInt(s)) return *i;
  if (auto f = ParseFloat(s)) return *f;
  return Json(s);
}

Json ResolveTagged(const YamlMark& mark, std::string_view tag, const std::string& s) {
  std::string_view t = tag;
  if (t.substr(0, kTagPrefix.size()) != kTagPrefix) return Json(s);  // "!", local tags
  t.remove_prefix(kTagPrefix.size());
  std::optional<Json> v;
  if (t == "str" || t == "binary" || t == "timestamp") return Json(s);
  if (t == "null") {
    if (IsNullWord(s)) return Json(nullptr);
  } else if (t == "bool") {
    v = ParseBool(s);
  } else if (t == "int") {
    v = ParseInt(s);
  } else if (t == "float") {
    v = ParseInt(s);
    if (v) v = Json(v->get<double>());
    if (!v) v = ParseFloat(s);
  } else {
    return Json(s);
  }
  if (!v) throw YamlBuildError{mark, "cannot decode !!" + std::string(t) + " `" + s + "`"};
  return *v;
}

constexpr const char* kComplexKey = "mapping keys must be scalars";

}  // namespace

std::string YamlErrorMessage(const YamlMark& mark, std::string_view message) {
  std::string out = "yaml: ";
  if (mark.line >= 0) {
    out += "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
           ": ";
  }
  out += message;
  return out;
}

void JsonBuilder::StartDocument() {
  root_ = Json();
  stack_.clear();
  anchors_.clear();
  // nodes_ is NOT reset: the alias-expansion budget covers the whole file, or a file of many
  // small documents could each expand to the limit (CPU amplification).
}

void JsonBuilder::Scalar(const YamlMark& mark, std::string_view anchor, std::string_view tag,
                         bool plain, std::string value) {
  if (InKeyPosition()) {
    bool merge = plain && value == "<<";
    // Go's YAML decoder reads a null key as nil, which sigs.k8s.io/yaml writes as "null".
    if (plain && IsNullWord(value)) value = "null";
    TakeKey(std::move(value), merge);
    return;
  }
  Json v;
  if (plain) {
    v = ResolvePlain(value);
  } else if (tag.empty() || tag == "!") {
    v = Json(std::move(value));
  } else {
    v = ResolveTagged(mark, tag, value);
  }
  Count(mark, 1);
  Place(mark, std::move(v), anchor, 1);
}

void JsonBuilder::Alias(const YamlMark& mark, std::string_view anchor) {
  auto it = anchors_.find(std::string(anchor));
  if (it == anchors_.end())
    throw YamlBuildError{mark, "unknown anchor '" + std::string(anchor) + "' referenced"};
  const auto& [value, size] = it->second;
  if (InKeyPosition()) {
    if (value.is_object() || value.is_array()) throw YamlBuildError{mark, kComplexKey};
    TakeKey(value.is_string() ? value.get<std::string>() : value.dump(), false);
    return;
  }
  Count(mark, size);  // before the copy: the budget exists to refuse that copy
  Place(mark, Json(value), {}, size);
}

void JsonBuilder::StartSequence(const YamlMark& mark, std::string_view anchor) {
  Open(mark, Json::array(), anchor);
}

void JsonBuilder::StartMap(const YamlMark& mark, std::string_view anchor) {
  Open(mark, Json::object(), anchor);
}

void JsonBuilder::EndMap() {
  Frame& f = stack_.back();
  for (Json& source : f.merges) Merge(f, source);
  Close();
}

void JsonBuilder::TakeKey(std::string key, bool is_merge) {
  Frame& f = stack_.back();
  f.key = std::move(key);
  f.has_key = true;
  f.key_is_merge = is_merge;
}

void JsonBuilder::Open(const YamlMark& mark, Json value, std::string_view anchor) {
  if (InKeyPosition()) throw YamlBuildError{mark, kComplexKey};
  // Copies of anchored values recurse once per level; no manifest nests anywhere near this.
  if (stack_.size() >= kMaxDepth) {
    throw YamlBuildError{mark, "nested too deeply (more than " + std::to_string(kMaxDepth) +
                                   " levels)"};
  }
  Count(mark, 1);
  stack_.push_back(Frame{std::move(value), std::string(anchor), nodes_, mark});
}

void JsonBuilder::Close() {
  Frame f = std::move(stack_.back());
  stack_.pop_back();
  size_t size = nodes_ - f.first_node + 1;
  Place(f.mark, std::move(f.value), f.anchor, size);
}

void JsonBuilder::Count(const YamlMark& mark, size_t n) {
  nodes_ += n;
  if (nodes_ > max_nodes_) {
    throw YamlBuildError{mark, "file too large (more than " + std::to_string(max_nodes_) +
                                   " values after alias expansion)"};
  }
}

void JsonBuilder::Place(const YamlMark& mark, Json value, std::string_view anchor, size_t size) {
  if (!anchor.empty()) anchors_[std::string(anchor)] = {value, size};
  if (stack_.empty()) {
    root_ = std::move(value);
    return;
  }
  Frame& parent = stack_.back();
  if (parent.value.is_array()) {
    parent.value.get_ref<Json::array_t&>().push_back(std::move(value));
    return;
  }
  parent.has_key = false;
  if (parent.key_is_merge) {
    parent.merges.push_back(std::move(value));
    return;
  }
  auto& object = parent.value.get_ref<Json::object_t&>();
  auto [it, inserted] = object.emplace(std::move(parent.key), std::move(value));
  if (!inserted) {
    throw YamlBuildError{mark, "mapping key \"" + it->first + "\" already defined"};
  }
}

void JsonBuilder::Merge(Frame& f, Json& source) {
  if (source.is_array()) {
    for (Json& item : source) Merge(f, item);
    return;
  }
  if (!source.is_object()) {
    throw YamlBuildError{f.mark, "map merge requires map or sequence of maps as the value"};
  }
  auto& object = f.value.get_ref<Json::object_t&>();
  for (auto& [k, v] : source.get_ref<Json::object_t&>()) object.emplace(k, std::move(v));
}

}  // namespace waygate::model
