// Small shared pieces of the HTTP/1 codec: case-insensitive lookup.
#include "http/h1.h"

#include "http/chars.h"

namespace waygate::http {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (chars::Lower(static_cast<unsigned char>(a[i])) !=
        chars::Lower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

namespace {

bool FindIn(const Header* headers, uint16_t count, std::string_view name, std::string_view* value) {
  for (uint16_t i = 0; i < count; ++i) {
    if (EqualsIgnoreCase(headers[i].name, name)) {
      *value = headers[i].value;
      return true;
    }
  }
  *value = {};
  return false;
}

}  // namespace

bool RequestHead::Find(std::string_view name, std::string_view* value) const {
  return FindIn(headers, header_count, name, value);
}

bool ResponseHead::Find(std::string_view name, std::string_view* value) const {
  return FindIn(headers, header_count, name, value);
}

}  // namespace waygate::http
