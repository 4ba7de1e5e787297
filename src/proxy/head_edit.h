// Editing an HTTP/1.1 head the gateway has already written (lines ending in CRLF), for the
// annotation features that replace a header the way nginx's proxy_set_header / more_set_headers
// do: the route's value wins over the client's or the upstream's copy.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace waygate::proxy {

// Removes every header line after the start line that begins at `from` whose name makes
// `drop(name)` true; bytes before `from` and the blank line ending the head are kept.
template <typename Drop>
void EraseHeaderLines(std::string& head, size_t from, Drop drop) {
  size_t line = head.find("\r\n", from);
  if (line == std::string::npos) return;
  line += 2;
  size_t keep = line;
  while (line < head.size()) {
    size_t end = head.find("\r\n", line);
    end = end == std::string::npos ? head.size() : end + 2;
    std::string_view text(head.data() + line, end - line);
    size_t colon = text.find(':');
    if (colon == std::string_view::npos || !drop(text.substr(0, colon))) {
      if (keep != line) std::memmove(head.data() + keep, head.data() + line, end - line);
      keep += end - line;
    }
    line = end;
  }
  head.resize(keep);
}

}  // namespace waygate::proxy
