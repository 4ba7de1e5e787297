// A tiny protobuf encoder for building test inputs by hand, field by field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace waygate::protowire::testing {

class Msg {
 public:
  Msg& Varint(uint32_t field, uint64_t v) {
    Key(field, 0);
    Raw(v);
    return *this;
  }
  Msg& Bytes(uint32_t field, std::string_view v) {
    Key(field, 2);
    Raw(v.size());
    b_.append(v);
    return *this;
  }
  Msg& Sub(uint32_t field, const Msg& m) { return Bytes(field, m.str()); }
  Msg& Fixed32(uint32_t field, uint32_t v) {
    Key(field, 5);
    for (int i = 0; i < 4; ++i) b_ += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  Msg& Fixed64(uint32_t field, uint64_t v) {
    Key(field, 1);
    for (int i = 0; i < 8; ++i) b_ += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  // map<string,string> entry {key = 1, value = 2}
  Msg& Entry(uint32_t field, std::string_view k, std::string_view v) {
    return Sub(field, Msg().Bytes(1, k).Bytes(2, v));
  }
  const std::string& str() const { return b_; }

  static std::string VarintBytes(uint64_t v) {
    Msg m;
    m.Raw(v);
    return m.b_;
  }

 private:
  void Key(uint32_t field, uint32_t type) { Raw((static_cast<uint64_t>(field) << 3) | type); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      b_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    b_ += static_cast<char>(v);
  }
  std::string b_;
};

// "k8s\0" + runtime.Unknown, with the fields in the order the Go serializer writes them.
inline std::string Envelope(std::string_view api_version, std::string_view kind,
                            const std::string& raw, std::string_view content_encoding = "") {
  Msg unknown;
  unknown.Sub(1, Msg().Bytes(1, api_version).Bytes(2, kind))
      .Bytes(2, raw)
      .Bytes(3, content_encoding)
      .Bytes(4, "");
  return std::string("k8s\0", 4) + unknown.str();
}

}  // namespace waygate::protowire::testing
