// Path normalisation for matching and forwarding (RFC 3986 5.2.4 plus slash collapsing).
#include <cstring>

#include "http/h1.h"

namespace waygate::http {

namespace {

// Number of dots a segment spells with "." and "%2e"/"%2E" units, or 0 when it is anything
// else (including more than two dots, which is an ordinary segment name).
int DotCount(const char* s, size_t len) {
  int dots = 0;
  size_t i = 0;
  while (i < len) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '%' && len - i >= 3 && s[i + 1] == '2' &&
               (s[i + 2] == 'e' || s[i + 2] == 'E')) {
      i += 3;
    } else {
      return 0;
    }
    if (++dots > 2) return 0;
  }
  return dots;
}

}  // namespace

int NormalizePath(std::string_view path, char* out) {
  if (path.empty() || path[0] != '/') return -1;
  const char* s = path.data();
  const size_t n = path.size();
  // Invariant: out[0, o) is "/" or "/seg/.../seg/" (always ends with '/').
  size_t o = 0;
  out[o++] = '/';
  bool ends_with_name = false;  // the last segment was a plain name without a trailing '/'
  size_t i = 1;
  while (i <= n) {
    const void* slash = i < n ? std::memchr(s + i, '/', n - i) : nullptr;
    const size_t j = slash ? static_cast<size_t>(static_cast<const char*>(slash) - s) : n;
    const size_t len = j - i;
    ends_with_name = false;
    if (len > 0) {
      const int dots = DotCount(s + i, len);
      if (dots == 2) {
        // Drop the last output segment; never climb above the root.
        if (o > 1) {
          --o;
          while (o > 0 && out[o - 1] != '/') --o;
        }
      } else if (dots == 0) {
        std::memcpy(out + o, s + i, len);
        o += len;
        out[o++] = '/';
        ends_with_name = j == n;
      }
    }
    i = j + 1;
  }
  if (ends_with_name) --o;
  return static_cast<int>(o);
}

}  // namespace waygate::http
