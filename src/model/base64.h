// RFC 4648 base64 with Go's encoding/base64.StdEncoding rules, which is what Kubernetes uses
// for Secret `data`: standard alphabet, '=' padding required, CR and LF ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace waygate::model {

// Decodes `in` into `out`; on failure returns the byte offset Go would report
// ("illegal base64 data at input byte N").
std::optional<size_t> DecodeBase64(std::string_view in, std::string& out);

}  // namespace waygate::model
