// Text as Go's standard library writes it, where kube-apiserver's output depends on it: JSON from
// encoding/json (HTML-safe escaping) and strings quoted with %q.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/go_text.h"

namespace waygate::apply {

// Compact JSON with keys sorted, as json.Marshal writes a map[string]interface{}: '<', '>', '&',
// U+2028 and U+2029 escaped as \u003c..., invalid UTF-8 replaced by U+FFFD.
std::string GoJson(const nlohmann::json& value);

// fmt.Sprintf("%q", s) (gotext::Quote says what it escapes), under the name apply's callers use.
inline std::string GoQuote(std::string_view s) { return gotext::Quote(s); }

// fmt.Sprintf("%v", x) of a JSON scalar as SMD's value.ToString prints it in a path: strings
// quoted, integers in decimal, floats in Go's shortest form, null as "null".
std::string GoValueString(const nlohmann::json& value);

}  // namespace waygate::apply
