// Byte classes of RFC 9110/9112/3986, one table lookup per byte. Internal to src/http.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace waygate::http::chars {

enum : uint8_t {
  kTchar = 1 << 0,       // token character (RFC 9110 5.6.2)
  kFieldValue = 1 << 1,  // HTAB, SP, VCHAR, obs-text (RFC 9110 5.5)
  kTarget = 1 << 2,      // request-target byte: VCHAR except '#' (a fragment is never sent)
  kHex = 1 << 3,         // HEXDIG
  kRegName = 1 << 4,     // unreserved / sub-delims (RFC 3986 reg-name, '%' handled apart)
  kQdtext = 1 << 5,      // quoted-string text: HTAB, SP, VCHAR except '"' and '\', obs-text
};

constexpr std::array<uint8_t, 256> MakeTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    const bool vchar = c >= 0x21 && c <= 0x7e;
    uint8_t v = 0;
    if (alpha || digit ||
        std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos) {
      v |= kTchar;
    }
    if (c == '\t' || c == ' ' || vchar || c >= 0x80) v |= kFieldValue;
    if (vchar && c != '#') v |= kTarget;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    if (alpha || digit ||
        std::string_view("-._~!$&'()*+,;=").find(char(c)) != std::string_view::npos) {
      v |= kRegName;
    }
    if ((c == '\t' || c == ' ' || vchar || c >= 0x80) && c != '"' && c != '\\') v |= kQdtext;
    t[c] = v;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kTable = MakeTable();

inline bool Is(unsigned char c, uint8_t cls) { return (kTable[c] & cls) != 0; }
inline bool IsTchar(unsigned char c) { return Is(c, kTchar); }
inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsWs(unsigned char c) { return c == ' ' || c == '\t'; }
inline unsigned char Lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
inline int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

// `lower` must be lowercase ASCII.
inline bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (Lower(static_cast<unsigned char>(s[i])) != static_cast<unsigned char>(lower[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace waygate::http::chars
