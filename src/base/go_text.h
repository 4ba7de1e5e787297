// Text as Go's standard library writes it, for the places where kube-apiserver's bytes depend on
// it: strings quoted with %q, and the HTML-safe escaping of encoding/json.
#pragma once

#include <string>
#include <string_view>

namespace waygate::gotext {

// fmt.Sprintf("%q", s) for the text kube quotes in messages: double-quoted; '"' and '\\'
// backslash-escaped; \a \b \f \n \r \t \v by name; other C0 controls and DEL as \xNN. Every other
// byte is kept as it is (Go would also escape invalid UTF-8 and non-printable runes).
std::string Quote(std::string_view s);

// JSON text with the escapes encoding/json adds and nlohmann's dump leaves out: '<', '>', '&' as
// \u003c, \u003e, \u0026 and U+2028, U+2029 as \u2028, \u2029. The input is whole JSON text
// (these can only occur inside strings there, so a plain byte scan is exact).
std::string HtmlEscapeJson(std::string_view json_text);

}  // namespace waygate::gotext
