#include "echo/params.h"

#include <gtest/gtest.h>

#include "echo/websocket.h"

namespace waygate::echo {
namespace {

TEST(ParamsTest, DefaultsWithoutQuery) {
  auto p = ParseParams("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->status, 200);
  EXPECT_EQ(p->delay_ms, 0u);
  EXPECT_FALSE(p->body_bytes_set);
  EXPECT_FALSE(p->chunked);
  EXPECT_FALSE(p->close);
  EXPECT_TRUE(p->headers.empty());
}

TEST(ParamsTest, ParsesEveryKnownParameter) {
  auto p = ParseParams(
      "status=418&delay_ms=25&body_bytes=1024&chunked=1&close=1&header=X-A:1&header=X-B%3A%202"
      "&other=ignored");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->status, 418);
  EXPECT_EQ(p->delay_ms, 25u);
  EXPECT_TRUE(p->body_bytes_set);
  EXPECT_EQ(p->body_bytes, 1024u);
  EXPECT_TRUE(p->chunked);
  EXPECT_TRUE(p->close);
  ASSERT_EQ(p->headers.size(), 2u);
  EXPECT_EQ(p->headers[0], std::make_pair(std::string("X-A"), std::string("1")));
  EXPECT_EQ(p->headers[1], std::make_pair(std::string("X-B"), std::string("2")));
}

TEST(ParamsTest, LimitsAreEnforced) {
  EXPECT_TRUE(ParseParams("delay_ms=60000").ok());
  EXPECT_TRUE(ParseParams("body_bytes=67108864").ok());
  EXPECT_TRUE(ParseParams("status=599").ok());
  EXPECT_TRUE(ParseParams("status=200").ok());
  for (const char* bad : {"delay_ms=60001", "body_bytes=67108865", "status=199", "status=600",
                          "status=101", "status=abc", "status=", "delay_ms=-1",
                          "body_bytes=99999999999999999999999", "header=NoColon", "header=:value",
                          "header=Bad%20Name:v", "header=X:a%0D%0Ab", "status=%zz"}) {
    auto p = ParseParams(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.error().field.rfind("query.", 0), 0u) << bad;
    }
  }
}

TEST(WebSocketTest, AcceptValueFromRfc6455) {
  EXPECT_EQ(WebSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_NE(WebSocketAccept("x3JJHMbDL1EzLkh9GBhXDw=="),
            WebSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_EQ(WebSocketAccept("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

}  // namespace
}  // namespace waygate::echo
