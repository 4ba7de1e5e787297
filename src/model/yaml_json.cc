#include "model/yaml_json.h"

#include <algorithm>
#include <string>

namespace waygate::model {

#ifndef WAYGATE_HAVE_LIBYAML
bool HaveLibyaml() { return false; }

std::optional<SyntaxError> ParseYamlWithLibyaml(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes) {
  return ParseYamlWithYamlCpp(text, on_document, max_nodes);
}
#endif

std::optional<SyntaxError> ParseYamlStream(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes) {
  if (max_nodes == 0) {
    // Without aliases a document cannot hold more values than it has bytes; the slack lets
    // ordinary anchors through while a "billion laughs" document is refused early.
    max_nodes = std::max<size_t>(1'000'000, 2 * text.size());
  }
  return HaveLibyaml() ? ParseYamlWithLibyaml(text, on_document, max_nodes)
                       : ParseYamlWithYamlCpp(text, on_document, max_nodes);
}

namespace {

// Deepest [ / { nesting outside strings. nlohmann parses iteratively, but copies of the result
// recurse per level, so depth is bounded before parsing, as for YAML.
size_t JsonDepth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text) {
  constexpr size_t kMaxJsonDepth = 1000;
  if (JsonDepth(text) > kMaxJsonDepth) {
    return Error{ErrorCode::kInvalid,
                 "json: nested too deeply (more than " + std::to_string(kMaxJsonDepth) + " levels)",
                 ""};
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    size_t bracket = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) {
      what.erase(0, bracket + 2);
    }
    return Error{ErrorCode::kInvalid, "json: " + what, ""};
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInvalid, std::string("json: ") + e.what(), ""};
  }
}

}  // namespace waygate::model
