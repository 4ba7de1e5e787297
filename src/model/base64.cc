#include "model/base64.h"

#include <array>
#include <cstdint>

namespace waygate::model {
namespace {

constexpr std::array<int8_t, 256> MakeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return t;
}
constexpr std::array<int8_t, 256> kTable = MakeTable();

bool IsNewline(char c) { return c == '\r' || c == '\n'; }

size_t SkipNewlines(std::string_view in, size_t i) {
  while (i < in.size() && IsNewline(in[i])) ++i;
  return i;
}

}  // namespace

std::optional<size_t> DecodeBase64(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int j = 0;  // characters in the current quantum
  for (size_t si = 0; si < in.size(); ++si) {
    char c = in[si];
    if (IsNewline(c)) continue;
    if (c == '=') {
      if (j < 2) return si;
      if (j == 2) {  // "xx==": the second '=' must follow
        size_t next = SkipNewlines(in, si + 1);
        if (next == in.size()) return in.size();
        if (in[next] != '=') return next;
        si = next;
      }
      size_t rest = SkipNewlines(in, si + 1);
      if (rest != in.size()) return rest;  // data after padding
      if (j == 2) {
        out += static_cast<char>(acc >> 4);
      } else {
        out += static_cast<char>(acc >> 10);
        out += static_cast<char>((acc >> 2) & 0xff);
      }
      return std::nullopt;
    }
    int8_t v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) return si;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    if (++j == 4) {
      out += static_cast<char>((acc >> 16) & 0xff);
      out += static_cast<char>((acc >> 8) & 0xff);
      out += static_cast<char>(acc & 0xff);
      acc = 0;
      j = 0;
    }
  }
  if (j != 0) return in.size() - static_cast<size_t>(j);  // missing padding
  return std::nullopt;
}

}  // namespace waygate::model
