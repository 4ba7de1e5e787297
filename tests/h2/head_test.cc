#include "h2/head.h"

#include <gtest/gtest.h>

#include "h2/budget.h"

namespace waygate::h2 {
namespace {

RequestHead Finish(HeadBuilder& b, const char** err) {
  RequestHead h;
  *err = b.FinishRequest(&h);
  return h;
}

TEST(HeadBuilder, CollectsPseudoFieldsAndKeepsOrder) {
  HeadBuilder b(4096);
  b.Add(":method", "GET");
  b.Add(":scheme", "https");
  b.Add(":authority", "example.com:8443");
  b.Add(":path", "/a?b");
  b.Add("accept", "*/*");
  b.Add("x-one", "1");
  const char* err;
  RequestHead h = Finish(b, &err);
  ASSERT_EQ(err, nullptr);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.scheme, "https");
  EXPECT_EQ(h.authority, "example.com:8443");
  EXPECT_EQ(h.path, "/a?b");
  ASSERT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(h.headers[0].name, "accept");
  EXPECT_EQ(h.headers[1].value, "1");
  EXPECT_FALSE(h.content_length.has_value());
}

TEST(HeadBuilder, JoinsCookiesAndDropsHostAndContentLength) {
  HeadBuilder b(4096);
  b.Add(":method", "POST");
  b.Add(":scheme", "http");
  b.Add(":path", "/");
  b.Add("host", "h.example");
  b.Add("cookie", "a=1");
  b.Add("content-length", "12");
  b.Add("cookie", "");
  b.Add("cookie", "b=2");
  const char* err;
  RequestHead h = Finish(b, &err);
  ASSERT_EQ(err, nullptr);
  EXPECT_EQ(h.authority, "h.example");  // from Host when :authority is absent
  EXPECT_EQ(h.content_length, 12u);
  ASSERT_EQ(h.headers.size(), 1u);
  EXPECT_EQ(h.headers[0].name, "cookie");
  EXPECT_EQ(h.headers[0].value, "a=1; b=2");
  EXPECT_EQ(h.method, "POST");  // views re-taken after the arena grew
  EXPECT_EQ(h.path, "/");
}

TEST(HeadBuilder, RejectsWhatNghttp2LeavesToUs) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> fields;
    const char* why;
  };
  const std::vector<Case> cases = {
      {{{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":authority", "u@h"}},
       "userinfo"},
      {{{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":authority", ""}},
       "empty authority"},
      {{{":method", "GET"},
        {":scheme", "https"},
        {":path", "/"},
        {":authority", "a"},
        {"host", "b"}},
       "host differs"},
      {{{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {"host", "a"}, {"host", "a"}},
       "two hosts"},
      {{{":method", "GET"}, {":scheme", "1x"}, {":path", "/"}}, "bad scheme"},
      {{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":path", "/"}}, "two paths"},
      {{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":foo", "1"}}, "unknown"},
      {{{":method", "GET"}, {":scheme", "http"}, {":path", "x"}}, "relative path"},
      {{{":method", "GET"}, {":path", "/"}}, "no scheme"},
      {{{":method", "G T"}, {":scheme", "http"}, {":path", "/"}}, "bad method"},
      {{{":method", "CONNECT"}, {":authority", "a:443"}, {":path", "/"}}, "CONNECT with path"},
      {{{":method", "CONNECT"}}, "CONNECT without authority"},
      {{{":method", "GET"},
        {":scheme", "http"},
        {":path", "/"},
        {"content-length", "1"},
        {"content-length", "2"}},
       "conflicting lengths"},
      {{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"content-length", "-1"}},
       "bad length"},
  };
  for (const Case& c : cases) {
    HeadBuilder b(4096);
    for (const auto& [n, v] : c.fields) b.Add(n, v);
    const char* err;
    Finish(b, &err);
    EXPECT_NE(err, nullptr) << c.why;
  }
}

TEST(HeadBuilder, AcceptsConnectAndOptionsAsterisk) {
  HeadBuilder c(4096);
  c.Add(":method", "CONNECT");
  c.Add(":authority", "backend:443");
  const char* err;
  RequestHead h = Finish(c, &err);
  EXPECT_EQ(err, nullptr);
  EXPECT_EQ(h.authority, "backend:443");
  EXPECT_TRUE(h.path.empty());
  HeadBuilder o(4096);
  o.Add(":method", "OPTIONS");
  o.Add(":scheme", "https");
  o.Add(":path", "*");
  Finish(o, &err);
  EXPECT_EQ(err, nullptr);
}

TEST(HeadBuilder, ListSizeCountsNamePlusValuePlus32) {
  HeadBuilder b(100);
  b.Add(":method", "GET");  // 7 + 3 + 32 = 42
  b.Add(":path", "/");      // 5 + 1 + 32 = 38 -> 80
  EXPECT_FALSE(b.oversized());
  b.Add("x", "1234567");  // 1 + 7 + 32 = 40 -> 120
  EXPECT_TRUE(b.oversized());
  const char* err;
  Finish(b, &err);
  EXPECT_NE(err, nullptr);
}

TEST(HeadBuilder, TrailersRefusePseudoFields) {
  HeadBuilder ok(4096);
  ok.Add("grpc-status", "0");
  std::span<const Header> t;
  EXPECT_EQ(ok.FinishTrailers(&t), nullptr);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name, "grpc-status");
  HeadBuilder bad(4096);
  bad.Add(":status", "200");
  EXPECT_NE(bad.FinishTrailers(&t), nullptr);
}

TEST(TokenBucket, BurstThenRate) {
  TokenBucket b(3, 2);  // 3 at once, then 2 per second
  EXPECT_TRUE(b.Take(0));
  EXPECT_TRUE(b.Take(0));
  EXPECT_TRUE(b.Take(0));
  EXPECT_FALSE(b.Take(0));
  EXPECT_FALSE(b.Take(400));  // 0.8 token
  EXPECT_TRUE(b.Take(500));   // 1.0
  EXPECT_FALSE(b.Take(500));
  EXPECT_TRUE(b.Take(100000));  // refill is capped at the burst
  EXPECT_TRUE(b.Take(100000));
  EXPECT_TRUE(b.Take(100000));
  EXPECT_FALSE(b.Take(100000));
}

}  // namespace
}  // namespace waygate::h2
