// Body decoding and Accept negotiation.
#include "api/codec.h"

#include <gtest/gtest.h>

namespace waygate::api {
namespace {

TEST(CodecTest, DecodesJsonYamlAndRejectsOthers) {
  auto json = DecodeBody("application/json; charset=utf-8", R"({"kind":"Namespace"})");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["kind"], "Namespace");
  auto yaml = DecodeBody("application/yaml", "kind: Namespace\nmetadata:\n  name: x\n");
  ASSERT_TRUE(yaml.ok());
  EXPECT_EQ((*yaml)["metadata"]["name"], "x");
  auto two = DecodeBody("application/yaml", "a: 1\n---\nb: 2\n");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code, ErrorCode::kInvalid);
  auto csv = DecodeBody("text/csv", "a,b");
  ASSERT_FALSE(csv.ok());
  EXPECT_EQ(csv.error().code, ErrorCode::kUnsupported);
  auto broken = DecodeBody("application/json", "{\n\"a\": x}");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("line 2"), std::string::npos) << broken.error().message;
}

TEST(CodecTest, AcceptNegotiation) {
  Accept table = ParseAccept(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
      "g=meta.k8s.io,application/json");
  EXPECT_TRUE(table.table);
  EXPECT_TRUE(table.acceptable);
  Accept proto = ParseAccept("application/vnd.kubernetes.protobuf, application/json");
  EXPECT_FALSE(proto.table);
  EXPECT_TRUE(proto.acceptable);
  EXPECT_FALSE(ParseAccept("application/vnd.kubernetes.protobuf").acceptable);
  EXPECT_TRUE(ParseAccept("").acceptable);
  EXPECT_TRUE(ParseAccept("*/*").acceptable);
  EXPECT_TRUE(ParseAccept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
                  .partial);
  // A Table from another group is not something we produce.
  EXPECT_FALSE(ParseAccept("application/json;as=Table;g=other.io;v=v1").acceptable);
}

TEST(CodecTest, EncodesLikeGo) {
  nlohmann::json v = {{"a", "<b>&"}};
  EXPECT_EQ(EncodeJson(v), "{\"a\":\"\\u003cb\\u003e\\u0026\"}\n");
}

TEST(CodecTest, LineAndParagraphSeparatorsAreEscapedLikeGo) {
  // Go's encoding/json writes U+2028 (E2 80 A8) and U+2029 (E2 80 A9) as escapes so the output
  // is safe inside a JavaScript string; nlohmann writes the raw bytes.
  nlohmann::json v = {{"m", "a\xe2\x80\xa8|\xe2\x80\xa9"}};
  EXPECT_EQ(EncodeJson(v), "{\"m\":\"a\\u2028|\\u2029\"}\n");
}

}  // namespace
}  // namespace waygate::api
