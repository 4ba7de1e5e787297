// Response heads: status line forms, body kinds per RFC 9112 6.3, keep-alive, hop-by-hop,
// and every violation answered with 502.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/h1.h"

namespace waygate::http {
namespace {

using namespace std::string_literals;

struct Parsed {
  ParseResult result;
  std::unique_ptr<ResponseHead> head = std::make_unique<ResponseHead>();
};

Parsed Parse(std::string_view s, bool head_request = false, const Limits& limits = {}) {
  Parsed p;
  p.result = ParseResponseHead(s, limits, head_request, p.head.get());
  return p;
}

TEST(ResponseHead, ParsesStatusLineAndFields) {
  const std::string s = "HTTP/1.1 404 Not  Found\r\nContent-Length: 9\r\nX-A: b \r\n\r\n";
  const std::string with_body = s + "not found";
  Parsed p = Parse(with_body);
  ASSERT_EQ(p.result.status, ParseStatus::kDone) << p.result.error_reason;
  EXPECT_EQ(p.result.consumed, s.size());
  EXPECT_EQ(p.head->version_minor, 1);
  EXPECT_EQ(p.head->status, 404);
  EXPECT_EQ(p.head->reason, "Not  Found");
  EXPECT_EQ(p.head->body, BodyKind::kContentLength);
  EXPECT_EQ(p.head->content_length, 9u);
  EXPECT_TRUE(p.head->keep_alive);
  ASSERT_EQ(p.head->header_count, 2);
  EXPECT_TRUE(p.head->IsHopByHop(0));  // framing: the proxy writes its own
  EXPECT_FALSE(p.head->IsHopByHop(1));
  std::string_view v;
  EXPECT_TRUE(p.head->Find("x-a", &v));
  EXPECT_EQ(v, "b");
}

TEST(ResponseHead, EmptyReasonWithOrWithoutSpace) {
  Parsed with_sp = Parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(with_sp.result.status, ParseStatus::kDone);
  EXPECT_EQ(with_sp.head->reason, "");
  Parsed without = Parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(without.result.status, ParseStatus::kDone) << without.result.error_reason;
  EXPECT_EQ(without.head->status, 200);
  EXPECT_EQ(without.head->reason, "");
}

TEST(ResponseHead, BodyKinds) {
  struct Case {
    std::string input;
    bool head_request;
    BodyKind body;
    bool keep_alive;
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, BodyKind::kChunked, true},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, BodyKind::kContentLength, true},
      {"HTTP/1.1 200 OK\r\n\r\n", false, BodyKind::kUntilClose, false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, BodyKind::kNone, true},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, BodyKind::kNone, true},
      {"HTTP/1.1 200 OK\r\n\r\n", true, BodyKind::kNone, true},
      {"HTTP/1.1 204 No Content\r\n\r\n", false, BodyKind::kNone, true},
      {"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", false, BodyKind::kNone, true},
      {"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", false, BodyKind::kNone, true},
      {"HTTP/1.1 100 Continue\r\n\r\n", false, BodyKind::kNone, true},
      {"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", false, BodyKind::kNone, true},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
       false, BodyKind::kNone, true},
      {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false, BodyKind::kContentLength, false},
      {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", false,
       BodyKind::kContentLength, true},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", false, BodyKind::kUntilClose, false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n", false,
       BodyKind::kContentLength, false},
      {"HTTP/1.2 200 OK\r\nContent-Length: 1\r\n\r\n", false, BodyKind::kContentLength, true},
      {"HTTP/1.1 599 Custom\r\nContent-Length: 1\r\n\r\n", false, BodyKind::kContentLength, true},
  };
  for (const Case& c : cases) {
    Parsed p = Parse(c.input, c.head_request);
    ASSERT_EQ(p.result.status, ParseStatus::kDone) << c.input << p.result.error_reason;
    EXPECT_EQ(p.head->body, c.body) << c.input;
    EXPECT_EQ(p.head->keep_alive, c.keep_alive) << c.input;
  }
}

TEST(ResponseHead, ContentLengthIsReportedWithoutBody) {
  Parsed p = Parse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", /*head_request=*/true);
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  EXPECT_EQ(p.head->body, BodyKind::kNone);
  EXPECT_EQ(p.head->content_length, 1234u);
}

TEST(ResponseHead, HopByHop) {
  Parsed p = Parse(
      "HTTP/1.1 200 OK\r\n"
      "Connection: keep-alive, X-Internal\r\n"  // 0
      "Keep-Alive: timeout=5\r\n"               // 1
      "Transfer-Encoding: chunked\r\n"          // 2
      "X-Internal: 1\r\n"                       // 3
      "Set-Cookie: a=b\r\n"                     // 4
      "Host: weird\r\n"                         // 5 not special in responses
      "Upgrade: h2c\r\n"                        // 6
      "Trailer: X-Sum\r\n"                      // 7
      "\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  const bool expected[] = {true, true, true, true, false, false, true, false};
  for (uint16_t i = 0; i < 8; ++i) EXPECT_EQ(p.head->IsHopByHop(i), expected[i]) << i;
}

TEST(ResponseHead, EverySplitNeedsMoreThenDone) {
  const std::string heads[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
      "HTTP/1.1 200\r\n\r\n",
      "HTTP/1.0 301 Moved\r\nLocation: /x\r\nConnection: keep-alive\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: \t\xff\r\n\r\n",
  };
  for (const std::string& h : heads) {
    for (size_t k = 0; k < h.size(); ++k) {
      ASSERT_EQ(Parse(std::string_view(h).substr(0, k)).result.status, ParseStatus::kNeedMore)
          << h << " prefix " << k;
    }
    const std::string with_body = h + "abc";
    Parsed p = Parse(with_body);
    ASSERT_EQ(p.result.status, ParseStatus::kDone) << h;
    EXPECT_EQ(p.result.consumed, h.size());
  }
}

TEST(ResponseHead, LimitsGive502) {
  Limits limits;
  limits.max_head_bytes = 40;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n";  // 38 bytes
  EXPECT_EQ(Parse(head, false, limits).result.status, ParseStatus::kDone);
  limits.max_head_bytes = head.size() - 1;
  EXPECT_EQ(Parse(head, false, limits).result.error_status, 502);
  EXPECT_EQ(
      Parse("HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a'), false, limits).result.error_status,
      502);
  Limits few;
  few.max_headers = 1;
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nA: 1\r\n\r\n", false, few).result.status, ParseStatus::kDone);
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", false, few).result.error_status, 502);
}

struct BadResponse {
  const char* name;
  std::string input;
};

class MalformedResponse : public testing::TestWithParam<BadResponse> {};

TEST_P(MalformedResponse, Is502) {
  const BadResponse& c = GetParam();
  Parsed p = Parse(c.input);
  ASSERT_EQ(p.result.status, ParseStatus::kError) << c.name;
  EXPECT_EQ(p.result.error_status, 502) << c.name;
  EXPECT_STRNE(p.result.error_reason, "");
  for (size_t k = 0; k < c.input.size(); ++k) {
    ASSERT_NE(Parse(std::string_view(c.input).substr(0, k)).result.status, ParseStatus::kDone)
        << c.name << " prefix " << k;
  }
}

const BadResponse kBadResponses[] = {
    {"http2", "HTTP/2.0 200 OK\r\n\r\n"},
    {"http09", "HTTP/0.9 200 OK\r\n\r\n"},
    {"lowercase", "http/1.1 200 OK\r\n\r\n"},
    {"two_digit_status", "HTTP/1.1 20 OK\r\n\r\n"},
    {"four_digit_status", "HTTP/1.1 2000 OK\r\n\r\n"},
    {"letter_status", "HTTP/1.1 2x0 OK\r\n\r\n"},
    {"status_below_100", "HTTP/1.1 099 Low\r\n\r\n"},
    {"status_above_599", "HTTP/1.1 600 High\r\n\r\n"},
    {"double_space", "HTTP/1.1  200 OK\r\n\r\n"},
    {"no_status", "HTTP/1.1\r\n\r\n"},
    {"ctl_in_reason", "HTTP/1.1 200 O\x01K\r\n\r\n"},
    {"bare_lf_status_line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"},
    {"bare_cr_status_line", "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n"},
    {"bare_lf_end", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"},
    {"obs_fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n"},
    {"space_before_colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"},
    {"nul_in_value", "HTTP/1.1 200 OK\r\nX: \0\r\n\r\n"s},
    {"empty_name", "HTTP/1.1 200 OK\r\n: x\r\n\r\n"},
    {"cl_invalid", "HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n"},
    {"cl_conflict", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"},
    {"cl_invalid_on_304", "HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n"},
    {"te_and_cl", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"},
    {"te_gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"},
    {"te_gzip_chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"},
    {"te_chunked_twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"},
    {"te_in_http10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"connection_invalid", "HTTP/1.1 200 OK\r\nConnection: a b\r\nContent-Length: 0\r\n\r\n"},
};

INSTANTIATE_TEST_SUITE_P(AllClasses, MalformedResponse, testing::ValuesIn(kBadResponses),
                         [](const testing::TestParamInfo<BadResponse>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace waygate::http
