// Scalar values as ingress-nginx reads them, shared by this module's key parsers and by
// route::ParseRouteAnnotations (the older route-setting keys), so that both accept and word the
// same things the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::annotations {

// `text` in double quotes, for error messages.
std::string Quoted(std::string_view text);
// strconv.ParseBool, as ingress-nginx reads booleans: 1 t T TRUE true True 0 f F FALSE false False.
Result<bool> ParseBool(std::string_view text);
// Plain decimal digits that fit in 32 bits (no sign, no spaces).
Result<uint32_t> ParseUint32(std::string_view text);

}  // namespace waygate::annotations
