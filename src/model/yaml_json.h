// Manifest text -> nlohmann::json, so one typed decoder serves YAML and JSON alike.
//
// YAML scalars are typed as Kubernetes' sigs.k8s.io/yaml types them when it converts YAML to
// JSON, but with the YAML 1.2 core schema (`yes`/`on` stay strings): plain ints, floats,
// true/false and null/~ become JSON numbers, booleans and null; quoted and block scalars stay
// strings; explicit tags (!!str, !!int, ...) are honoured. Anchors, aliases and `<<` merge keys
// work; duplicate mapping keys and non-scalar keys are errors.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace waygate::model {

struct SyntaxError {
  int document = 0;  // index of the YAML document where parsing stopped
  Error error;       // message carries the parser's line and column (1-based)
};

// Calls `on_document(index, value)` for every document in order (an empty document is a null
// value). Stops at the first syntax error and returns it; documents before it were delivered.
// Aliases may not expand a document beyond `max_nodes` values (a "billion laughs" guard;
// 0: max(1M, twice the text size)).
std::optional<SyntaxError> ParseYamlStream(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes = 0);

// The two parsers behind ParseYamlStream, callable directly so tests cover both. libyaml is
// the default when the build found it (HaveLibyaml()); without it, the libyaml entry point
// falls back to yaml-cpp.
bool HaveLibyaml();
std::optional<SyntaxError> ParseYamlWithLibyaml(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes);
std::optional<SyntaxError> ParseYamlWithYamlCpp(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes);

// One JSON value (RFC 8259), e.g. a .json manifest holding an object or a List.
Result<nlohmann::json> ParseJson(std::string_view text);

}  // namespace waygate::model
