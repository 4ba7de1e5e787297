// Protobuf wire-format reader: splits one message's bytes into fields. No schema, no I/O,
// no allocation; every length is checked against the bytes that are actually there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace waygate::protowire {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t scalar = 0;     // kVarint, kFixed64, kFixed32
  std::string_view bytes;  // kLen: a view into the reader's input
};

// Reads a base-128 varint at `pos`, advancing it. At most 10 bytes, as protobuf allows.
Result<uint64_t> ReadVarint(std::string_view data, size_t& pos);

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ >= data_.size(); }
  size_t offset() const { return pos_; }

  // The next field. Groups (wire types 3 and 4) are rejected: proto2 Kubernetes types have none.
  Result<Field> Next();

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace waygate::protowire
