#include "dns/nip.h"

#include <arpa/inet.h>

#include <string>

namespace waygate::dns {
namespace {

bool ParseOctet(std::string_view s, uint8_t* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 255) return false;
  *out = static_cast<uint8_t>(v);
  return true;
}

bool DecimalV4(std::string_view prefix, Ipv4* out) {
  size_t end = prefix.size();
  for (size_t i = 4; i-- > 0;) {
    const size_t sep = end == 0 ? std::string_view::npos : prefix.find_last_of(".-", end - 1);
    const size_t begin = sep == std::string_view::npos ? 0 : sep + 1;
    if (!ParseOctet(prefix.substr(begin, end - begin), &(*out)[i])) return false;
    if (i > 0) {
      if (sep == std::string_view::npos) return false;
      end = sep;
    }
  }
  return true;
}

std::string_view LastLabel(std::string_view prefix) {
  const size_t dot = prefix.rfind('.');
  return dot == std::string_view::npos ? prefix : prefix.substr(dot + 1);
}

bool DashV6(std::string_view label, Ipv6* out) {
  // At least "--1"; at most 8 groups of 4 plus 7 separators. Only hex digits and '-'.
  if (label.size() < 3 || label.size() > 39) return false;
  std::string text(label);
  for (char& c : text) {
    if (c == '-') {
      c = ':';
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return inet_pton(AF_INET6, text.c_str(), out->data()) == 1;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool HexV4(std::string_view label, Ipv4* out) {
  const size_t dash = label.rfind('-');
  const std::string_view hex = dash == std::string_view::npos ? label : label.substr(dash + 1);
  if (hex.size() != 8) return false;
  for (size_t i = 0; i < 4; ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

NipAddress ParseNipAddress(std::string_view prefix) {
  Ipv4 v4;
  if (DecimalV4(prefix, &v4)) return v4;
  const std::string_view label = LastLabel(prefix);
  Ipv6 v6;
  if (DashV6(label, &v6)) return v6;
  if (HexV4(label, &v4)) return v4;
  return std::monostate{};
}

}  // namespace waygate::dns
