#include "protowire/wire.h"

#include <string>

namespace waygate::protowire {
namespace {

Error Malformed(const std::string& what, size_t at) {
  return MakeError(ErrorCode::kInvalid,
                   "malformed protobuf: " + what + " at byte " + std::to_string(at));
}

}  // namespace

Result<uint64_t> ReadVarint(std::string_view data, size_t& pos) {
  const size_t start = pos;
  uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos >= data.size()) return Malformed("truncated varint", start);
    const auto byte = static_cast<uint8_t>(data[pos++]);
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (i == 9 && byte > 1) return Malformed("varint overflows 64 bits", start);
    value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  return Malformed("varint longer than 10 bytes", start);
}

Result<Field> WireReader::Next() {
  const size_t start = pos_;
  auto key = ReadVarint(data_, pos_);
  if (!key) return key.error();
  Field f;
  const uint64_t number = *key >> 3;
  if (number == 0 || number > 0x1fffffff) return Malformed("bad field number", start);
  f.number = static_cast<uint32_t>(number);
  const auto fixed = [&](size_t width) -> Result<uint64_t> {
    if (data_.size() - pos_ < width) return Malformed("truncated fixed-width field", start);
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    }
    pos_ += width;
    return v;
  };
  switch (*key & 7) {
    case 0: {
      f.type = WireType::kVarint;
      auto v = ReadVarint(data_, pos_);
      if (!v) return v.error();
      f.scalar = *v;
      return f;
    }
    case 1: {
      f.type = WireType::kFixed64;
      auto v = fixed(8);
      if (!v) return v.error();
      f.scalar = *v;
      return f;
    }
    case 2: {
      f.type = WireType::kLen;
      auto len = ReadVarint(data_, pos_);
      if (!len) return len.error();
      if (*len > data_.size() - pos_) return Malformed("length past end of message", start);
      f.bytes = data_.substr(pos_, static_cast<size_t>(*len));
      pos_ += static_cast<size_t>(*len);
      return f;
    }
    case 5: {
      f.type = WireType::kFixed32;
      auto v = fixed(4);
      if (!v) return v.error();
      f.scalar = *v;
      return f;
    }
    default:
      return Malformed("unsupported wire type " + std::to_string(*key & 7), start);
  }
}

}  // namespace waygate::protowire
