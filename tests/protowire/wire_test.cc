#include "protowire/wire.h"

#include <gtest/gtest.h>

#include "proto_builder.h"

namespace waygate::protowire {
namespace {

using testing::Msg;

TEST(ReadVarint, DecodesOneToTenBytes) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 1ull << 35, ~0ull}) {
    const std::string b = Msg::VarintBytes(v);
    size_t pos = 0;
    auto r = ReadVarint(b, pos);
    ASSERT_TRUE(r.ok()) << v;
    EXPECT_EQ(*r, v);
    EXPECT_EQ(pos, b.size());
  }
  EXPECT_EQ(Msg::VarintBytes(~0ull).size(), 10u);
}

TEST(ReadVarint, RejectsTruncatedAndOverlong) {
  size_t pos = 0;
  auto truncated = ReadVarint(std::string_view("\x80\x80", 2), pos);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, ErrorCode::kInvalid);
  EXPECT_NE(truncated.error().message.find("truncated varint"), std::string::npos);

  const std::string eleven(10, '\x80');
  pos = 0;
  EXPECT_FALSE(ReadVarint(eleven + '\x01', pos).ok());
  // Ten bytes whose last one carries more than the 64th bit.
  pos = 0;
  EXPECT_FALSE(ReadVarint(std::string(9, '\xff') + '\x02', pos).ok());
}

TEST(WireReader, ReadsEveryWireType) {
  const std::string b =
      Msg().Varint(1, 150).Fixed64(2, 0x0102030405060708ull).Bytes(3, "hi").Fixed32(4, 7).str();
  WireReader r(b);
  auto f1 = r.Next();
  ASSERT_TRUE(f1.ok());
  EXPECT_EQ(f1->number, 1u);
  EXPECT_EQ(f1->type, WireType::kVarint);
  EXPECT_EQ(f1->scalar, 150u);
  auto f2 = r.Next();
  ASSERT_TRUE(f2.ok());
  EXPECT_EQ(f2->type, WireType::kFixed64);
  EXPECT_EQ(f2->scalar, 0x0102030405060708ull);
  auto f3 = r.Next();
  ASSERT_TRUE(f3.ok());
  EXPECT_EQ(f3->type, WireType::kLen);
  EXPECT_EQ(f3->bytes, "hi");
  auto f4 = r.Next();
  ASSERT_TRUE(f4.ok());
  EXPECT_EQ(f4->number, 4u);
  EXPECT_EQ(f4->type, WireType::kFixed32);
  EXPECT_EQ(f4->scalar, 7u);
  EXPECT_TRUE(r.done());
}

TEST(WireReader, RejectsLengthPastEnd) {
  std::string b = Msg().Bytes(1, "hello").str();
  b.pop_back();
  WireReader r(b);
  auto f = r.Next();
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("length past end"), std::string::npos);
}

TEST(WireReader, RejectsHugeLengthWithoutOverflow) {
  const std::string b = "\x0a" + Msg::VarintBytes(~0ull);
  WireReader r(b);
  EXPECT_FALSE(r.Next().ok());
}

TEST(WireReader, RejectsTruncatedFixedWidth) {
  std::string b64 = Msg().Fixed64(1, 1).str();
  b64.pop_back();
  EXPECT_FALSE(WireReader(b64).Next().ok());
  std::string b32 = Msg().Fixed32(1, 1).str();
  b32.pop_back();
  EXPECT_FALSE(WireReader(b32).Next().ok());
}

TEST(WireReader, RejectsGroupsAndFieldZero) {
  EXPECT_FALSE(WireReader(std::string_view("\x0b", 1)).Next().ok());      // field 1, start group
  EXPECT_FALSE(WireReader(std::string_view("\x0c", 1)).Next().ok());      // field 1, end group
  EXPECT_FALSE(WireReader(std::string_view("\x0f", 1)).Next().ok());      // wire type 7
  EXPECT_FALSE(WireReader(std::string_view("\x00\x01", 2)).Next().ok());  // field 0
}

}  // namespace
}  // namespace waygate::protowire
