// Collects one header block (request head or trailers) as nghttp2 decodes it, and applies the
// RFC 9113 section 8 checks that nghttp2 leaves to the application. No nghttp2 types here, so
// the rules can be tested on their own.
//
// nghttp2 (HTTP messaging on) has already rejected, before Finish* runs: missing, duplicate,
// unknown or misplaced pseudo-fields, upper-case or invalid names, invalid values,
// connection-specific fields, `te` other than "trailers", a bad or repeated content-length,
// CONNECT with :scheme/:path, a :path not starting with "/" (except "*" for OPTIONS), and
// pseudo-fields in trailers. The checks below repeat the ones our output relies on (cheap, and
// the fuzz target holds us to them) and add the rest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "h2/h2.h"

namespace waygate::h2 {

class HeadBuilder {
 public:
  explicit HeadBuilder(uint32_t max_list_size) : max_(max_list_size) {}

  // Field accounting is RFC 9113 6.5.2's (name + value + 32); past the limit fields are no
  // longer stored and the block is refused when it ends.
  void Add(std::string_view name, std::string_view value);
  bool oversized() const { return oversized_; }

  // Completes a request head. Returns nullptr and fills `out` (views into this builder, valid
  // while it lives and no more fields are added), or a static reason the head is malformed.
  const char* FinishRequest(RequestHead* out);
  // Completes a trailer block: no pseudo-fields.
  const char* FinishTrailers(std::span<const Header>* out);

 private:
  struct Field {
    uint32_t name_off, name_len, value_off, value_len;
  };
  std::string_view Name(const Field& f) const { return {arena_.data() + f.name_off, f.name_len}; }
  std::string_view Value(const Field& f) const {
    return {arena_.data() + f.value_off, f.value_len};
  }

  uint32_t max_;
  uint64_t list_size_ = 0;
  bool oversized_ = false;
  std::string arena_;
  std::vector<Field> fields_;
  std::vector<Header> views_;
};

// Syntax checks shared with tests and the fuzz target.
bool IsToken(std::string_view s);      // RFC 9110 5.6.2 (methods)
bool IsScheme(std::string_view s);     // RFC 3986 3.1
bool IsAuthority(std::string_view s);  // RFC 3986 3.2 host[:port] without userinfo; non-empty

}  // namespace waygate::h2
