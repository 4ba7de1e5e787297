#include "h2/head.h"

#include <cstring>

namespace waygate::h2 {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// content-length: 1*DIGIT that fits in uint64 (nghttp2 has already refused anything else).
bool ParseLength(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (IsAlpha(c) || IsDigit(c)) continue;
    if (std::strchr("!#$%&'*+-.^_`|~", c) == nullptr || c == '\0') return false;
  }
  return true;
}

bool IsScheme(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return false;
  for (char c : s) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool IsAuthority(std::string_view s) {
  // unreserved / sub-delims / ":" / "[" / "]" / pct-encoded; "@" (userinfo, forbidden for
  // http(s) by RFC 9113 8.3.1) and everything else is refused.
  if (s.empty()) return false;
  for (char c : s) {
    if (IsAlpha(c) || IsDigit(c)) continue;
    if (c == '\0' || std::strchr("-._~!$&'()*+,;=:[]%", c) == nullptr) return false;
  }
  return true;
}

void HeadBuilder::Add(std::string_view name, std::string_view value) {
  list_size_ += name.size() + value.size() + 32;
  if (list_size_ > max_) oversized_ = true;
  if (oversized_) return;
  Field f;
  f.name_off = static_cast<uint32_t>(arena_.size());
  f.name_len = static_cast<uint32_t>(name.size());
  arena_.append(name);
  f.value_off = static_cast<uint32_t>(arena_.size());
  f.value_len = static_cast<uint32_t>(value.size());
  arena_.append(value);
  fields_.push_back(f);
}

const char* HeadBuilder::FinishRequest(RequestHead* out) {
  if (oversized_) return "header list too large";
  *out = RequestHead{};
  std::string_view host;
  bool has_host = false;
  unsigned seen = 0;  // bit i: kPseudo[i] present
  size_t cookies = 0;
  for (const Field& f : fields_) {
    const std::string_view name = Name(f), value = Value(f);
    if (name.empty()) return "empty field name";
    if (name[0] == ':') {
      static constexpr std::string_view kPseudo[] = {":method", ":scheme", ":authority", ":path"};
      std::string_view* const slots[] = {&out->method, &out->scheme, &out->authority, &out->path};
      size_t i = 0;
      while (i < 4 && name != kPseudo[i]) ++i;
      if (i == 4) return "unknown pseudo-field";
      if (seen & (1u << i)) return "duplicate pseudo-field";
      seen |= 1u << i;
      *slots[i] = value;
    } else if (name == "host") {
      if (has_host) return "duplicate host";
      has_host = true;
      host = value;
    } else if (name == "content-length") {
      uint64_t n = 0;
      if (!ParseLength(value, &n)) return "bad content-length";
      if (out->content_length && *out->content_length != n) return "conflicting content-length";
      out->content_length = n;
    } else if (name == "cookie") {
      ++cookies;
    }
  }
  const bool has_authority = (seen & 4u) != 0;
  if (!IsToken(out->method)) return "bad :method";
  const bool connect = out->method == "CONNECT";
  if (connect) {
    if (!out->scheme.empty() || !out->path.empty()) return "CONNECT with :scheme or :path";
    if (!has_authority) return "CONNECT without :authority";
  } else {
    if (!IsScheme(out->scheme)) return "bad :scheme";
    if (out->path.empty()) return "missing :path";
    if (out->path[0] != '/' && !(out->path == "*" && out->method == "OPTIONS")) {
      return "bad :path";
    }
  }
  if (has_authority && !IsAuthority(out->authority)) return "bad :authority";
  if (has_host) {
    if (!host.empty() && !IsAuthority(host)) return "bad host";
    if (has_authority && !EqualsIgnoreCase(host, out->authority)) {
      return "host differs from :authority";
    }
    if (!has_authority) out->authority = host;
  }

  // Several cookie fields become one (RFC 9113 8.2.3). Appended after every other field, so
  // the views taken below stay valid (the arena is not touched again).
  uint32_t cookie_off = 0, cookie_len = 0;
  if (cookies > 1) {
    std::string joined;
    for (const Field& f : fields_) {
      // Empty crumbs are dropped: joined, they would leave "; " at an edge of the value.
      if (Name(f) != "cookie" || f.value_len == 0) continue;
      if (!joined.empty()) joined.append("; ");
      joined.append(Value(f));
    }
    cookie_off = static_cast<uint32_t>(arena_.size());
    cookie_len = static_cast<uint32_t>(joined.size());
    arena_.append(joined);
  }
  // The pseudo-field views taken above point into the arena, which may just have grown: take
  // every view again from offsets.
  views_.clear();
  views_.reserve(fields_.size());
  bool cookie_done = false;
  for (const Field& f : fields_) {
    const std::string_view name = Name(f), value = Value(f);
    if (name == ":method")
      out->method = value;
    else if (name == ":scheme")
      out->scheme = value;
    else if (name == ":authority")
      out->authority = value;
    else if (name == ":path")
      out->path = value;
    else if (name == "host") {
      if (!has_authority) out->authority = value;
    } else if (name == "content-length") {
      continue;
    } else if (name == "cookie" && cookies > 1) {
      if (cookie_done) continue;
      cookie_done = true;
      views_.push_back({name, {arena_.data() + cookie_off, cookie_len}});
    } else {
      views_.push_back({name, value});
    }
  }
  out->headers = views_;
  return nullptr;
}

const char* HeadBuilder::FinishTrailers(std::span<const Header>* out) {
  if (oversized_) return "trailer list too large";
  views_.clear();
  for (const Field& f : fields_) {
    const std::string_view name = Name(f);
    if (name.empty() || name[0] == ':') return "pseudo-field in trailers";
    views_.push_back({name, Value(f)});
  }
  *out = views_;
  return nullptr;
}

}  // namespace waygate::h2
