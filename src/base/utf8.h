// Writing code points as UTF-8, shared by the decoders that turn escapes (\uXXXX in JSON, \x in
// field selectors) back into text.
#pragma once

#include <string>

namespace waygate {

// Appends the UTF-8 encoding of `r` (1 to 4 bytes). The caller passes a code point no larger
// than U+10FFFF and decides what surrogates become: they are encoded as they are, so a caller
// that must not emit them (JSON \uD800 alone, Go's utf8.AppendRune) substitutes U+FFFD first.
void AppendUtf8(std::string& out, char32_t r);

}  // namespace waygate
