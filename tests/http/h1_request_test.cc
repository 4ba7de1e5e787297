// Request heads: valid forms, every malformed class with its status, limits, incremental
// feeding and pipelining.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/h1.h"

namespace waygate::http {
namespace {

using namespace std::string_literals;

struct Parsed {
  ParseResult result;
  std::unique_ptr<RequestHead> head = std::make_unique<RequestHead>();
};

Parsed Parse(std::string_view s, const Limits& limits = {}) {
  Parsed p;
  p.result = ParseRequestHead(s, limits, p.head.get());
  return p;
}

// Every proper prefix needs more; the whole head is done with `consumed` == its size.
void ExpectIncremental(const std::string& head, const Limits& limits = {}) {
  for (size_t k = 0; k < head.size(); ++k) {
    Parsed p = Parse(std::string_view(head).substr(0, k), limits);
    ASSERT_EQ(p.result.status, ParseStatus::kNeedMore)
        << "prefix of " << k << " bytes: " << p.result.error_reason << "\n"
        << head;
  }
  Parsed p = Parse(head, limits);
  ASSERT_EQ(p.result.status, ParseStatus::kDone) << p.result.error_reason << "\n" << head;
  EXPECT_EQ(p.result.consumed, head.size());
}

TEST(RequestHead, ParsesSimpleGet) {
  const std::string s =
      "GET /a/b?x=1&y HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  curl/8 \r\n\r\n";
  Parsed p = Parse(s);
  ASSERT_EQ(p.result.status, ParseStatus::kDone) << p.result.error_reason;
  EXPECT_EQ(p.result.consumed, s.size());
  const RequestHead& h = *p.head;
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/a/b?x=1&y");
  EXPECT_EQ(h.path, "/a/b");
  EXPECT_TRUE(h.has_query);
  EXPECT_EQ(h.query, "x=1&y");
  EXPECT_EQ(h.version_minor, 1);
  EXPECT_EQ(h.host, "example.com");
  EXPECT_EQ(h.body, BodyKind::kNone);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_FALSE(h.upgrade);
  EXPECT_FALSE(h.expect_continue);
  ASSERT_EQ(h.header_count, 2);
  EXPECT_EQ(h.headers[1].name, "User-Agent");
  EXPECT_EQ(h.headers[1].value, "curl/8");  // OWS trimmed both sides
  EXPECT_TRUE(h.IsHopByHop(0));             // Host: the proxy writes its own
  EXPECT_FALSE(h.IsHopByHop(1));
}

TEST(RequestHead, EmptyQueryIsReported) {
  Parsed p = Parse("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  EXPECT_EQ(p.head->path, "/a");
  EXPECT_TRUE(p.head->has_query);
  EXPECT_EQ(p.head->query, "");
  Parsed q = Parse("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(q.head->has_query);
}

TEST(RequestHead, FindIsCaseInsensitive) {
  Parsed p = Parse("GET / HTTP/1.1\r\nHost: a\r\nX-Token: one\r\nx-token: two\r\n\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  std::string_view v;
  EXPECT_TRUE(p.head->Find("X-TOKEN", &v));
  EXPECT_EQ(v, "one");
  EXPECT_FALSE(p.head->Find("X-Other", &v));
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(EqualsIgnoreCase("a-b", "a_b"));
}

TEST(RequestHead, FieldValuesAllowTabsObsTextAndEmpty) {
  Parsed p = Parse("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb \xe9\r\nY:\r\nZ: \t \r\n\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kDone) << p.result.error_reason;
  EXPECT_EQ(p.head->headers[1].value, "a\tb \xe9");
  EXPECT_EQ(p.head->headers[2].value, "");
  EXPECT_EQ(p.head->headers[3].value, "");
}

TEST(RequestHead, AbsoluteFormUsesAuthorityAsHost) {
  Parsed p = Parse("GET http://Example.com:80/p/q?z HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kDone) << p.result.error_reason;
  EXPECT_EQ(p.head->host, "Example.com:80");
  EXPECT_EQ(p.head->path, "/p/q");
  EXPECT_EQ(p.head->query, "z");

  Parsed bare = Parse("GET https://a.com?x HTTP/1.1\r\nHost: a.com:443\r\n\r\n");
  ASSERT_EQ(bare.result.status, ParseStatus::kDone) << bare.result.error_reason;
  EXPECT_EQ(bare.head->path, "/");
  EXPECT_EQ(bare.head->query, "x");
  EXPECT_TRUE(bare.head->has_query);

  Parsed http10 = Parse("GET HTTP://a.com HTTP/1.0\r\n\r\n");  // no Host needed in 1.0
  ASSERT_EQ(http10.result.status, ParseStatus::kDone) << http10.result.error_reason;
  EXPECT_EQ(http10.head->host, "a.com");
  EXPECT_EQ(http10.head->path, "/");

  Parsed v6 = Parse("GET http://[::1]:8080/ HTTP/1.1\r\nHost: [0:0::1]:8080\r\n\r\n");
  // Hosts are compared as text, case-insensitively: a different spelling of ::1 disagrees.
  EXPECT_EQ(v6.result.error_status, 400);
}

TEST(RequestHead, AsteriskAndAuthorityForms) {
  Parsed opt = Parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(opt.result.status, ParseStatus::kDone);
  EXPECT_EQ(opt.head->path, "*");
  Parsed con = Parse("CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n");
  ASSERT_EQ(con.result.status, ParseStatus::kDone) << con.result.error_reason;
  EXPECT_EQ(con.head->host, "a.com:443");
  EXPECT_EQ(con.head->path, "");
}

TEST(RequestHead, HostForms) {
  for (const char* host :
       {"a", "a.b-c_d~e.com", "1.2.3.4:8080", "[::1]", "[2001:db8::1]:443", "[::ffff:10.0.0.1]",
        "[1:2:3:4:5:6:7:8]", "%41bc.com", "a.com:", "x!$&'()*+,;=y", ""}) {
    const std::string request = "GET / HTTP/1.1\r\nHost: "s + host + "\r\n\r\n";
    Parsed p = Parse(request);
    EXPECT_EQ(p.result.status, ParseStatus::kDone) << host << ": " << p.result.error_reason;
    EXPECT_EQ(p.head->host, host);
  }
}

TEST(RequestHead, VersionsAndKeepAlive) {
  Parsed v10 = Parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(v10.result.status, ParseStatus::kDone);
  EXPECT_EQ(v10.head->version_minor, 0);
  EXPECT_FALSE(v10.head->keep_alive);
  EXPECT_EQ(v10.head->host, "");

  Parsed v10ka = Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_TRUE(v10ka.head->keep_alive);
  EXPECT_TRUE(v10ka.head->IsHopByHop(0));

  Parsed v10both = Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(v10both.head->keep_alive);

  Parsed v11close = Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n");
  ASSERT_EQ(v11close.result.status, ParseStatus::kDone);
  EXPECT_FALSE(v11close.head->keep_alive);

  // RFC 9110 2.5: a higher minor version is processed as HTTP/1.1.
  Parsed v12 = Parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n");
  ASSERT_EQ(v12.result.status, ParseStatus::kDone);
  EXPECT_EQ(v12.head->version_minor, 1);
  EXPECT_TRUE(v12.head->keep_alive);
}

TEST(RequestHead, UpgradeNeedsConnectionOptionAndHeaderIn11) {
  Parsed ws = Parse(
      "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Key: x\r\n\r\n");
  ASSERT_EQ(ws.result.status, ParseStatus::kDone);
  EXPECT_TRUE(ws.head->upgrade);
  EXPECT_TRUE(ws.head->IsHopByHop(1));   // Upgrade
  EXPECT_TRUE(ws.head->IsHopByHop(2));   // Connection
  EXPECT_FALSE(ws.head->IsHopByHop(3));  // Sec-WebSocket-Key is end-to-end

  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").head->upgrade);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n").head->upgrade);
  EXPECT_FALSE(
      Parse("GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n").head->upgrade);
}

TEST(RequestHead, ExpectContinue) {
  EXPECT_TRUE(
      Parse("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\n")
          .head->expect_continue);
  EXPECT_FALSE(Parse("PUT / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n")
                   .head->expect_continue);
  Parsed other = Parse("PUT / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n");
  ASSERT_EQ(other.result.status, ParseStatus::kDone);
  EXPECT_FALSE(other.head->expect_continue);
  EXPECT_FALSE(other.head->IsHopByHop(1));
}

TEST(RequestHead, BodyFraming) {
  Parsed cl = Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0042\r\n\r\n");
  ASSERT_EQ(cl.result.status, ParseStatus::kDone);
  EXPECT_EQ(cl.head->body, BodyKind::kContentLength);
  EXPECT_EQ(cl.head->content_length, 42u);

  Parsed zero = Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(zero.head->body, BodyKind::kContentLength);
  EXPECT_EQ(zero.head->content_length, 0u);

  // RFC 9110 8.6: identical repeats (lines or a list) are accepted as one value.
  Parsed list =
      Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 ,5\r\nContent-Length: 5\r\n\r\n");
  ASSERT_EQ(list.result.status, ParseStatus::kDone) << list.result.error_reason;
  EXPECT_EQ(list.head->content_length, 5u);

  Parsed max = Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n");
  ASSERT_EQ(max.result.status, ParseStatus::kDone);
  EXPECT_EQ(max.head->content_length, UINT64_MAX);

  for (const char* te : {"chunked", "Chunked", " CHUNKED ", ", chunked,"}) {
    Parsed p = Parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "s + te + "\r\n\r\n");
    ASSERT_EQ(p.result.status, ParseStatus::kDone) << te << ": " << p.result.error_reason;
    EXPECT_EQ(p.head->body, BodyKind::kChunked) << te;
    EXPECT_TRUE(p.head->IsHopByHop(1));
  }
}

TEST(RequestHead, HopByHopMask) {
  const std::string s =
      "GET / HTTP/1.1\r\n"
      "Host: a\r\n"                           // 0 flagged (proxy writes Host)
      "Connection: X-Secret, keep-alive\r\n"  // 1
      "Keep-Alive: timeout=5\r\n"             // 2
      "Proxy-Connection: keep-alive\r\n"      // 3
      "TE: trailers\r\n"                      // 4
      "x-secret: 1\r\n"                       // 5 named by Connection
      "Authorization: Bearer t\r\n"           // 6
      "Trailer: X-Sum\r\n"                    // 7 end-to-end in RFC 9110
      "X-Forwarded-For: 1.2.3.4\r\n"          // 8 the proxy decides
      "Content-Length: 3\r\n"                 // 9 framing
      "Proxy-Authorization: Basic x\r\n"      // 10 not in RFC 9110's list
      "\r\n";
  Parsed p = Parse(s);
  ASSERT_EQ(p.result.status, ParseStatus::kDone) << p.result.error_reason;
  const bool expected[] = {true, true, true, true, true, true, false, false, false, true, false};
  for (uint16_t i = 0; i < 11; ++i) EXPECT_EQ(p.head->IsHopByHop(i), expected[i]) << i;
}

TEST(RequestHead, ConnectionCannotChangeHostOrFraming) {
  Parsed p = Parse(
      "POST / HTTP/1.1\r\nHost: a\r\nConnection: host, content-length, authorization\r\n"
      "Content-Length: 3\r\nAuthorization: x\r\n\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  EXPECT_EQ(p.head->host, "a");
  EXPECT_EQ(p.head->body, BodyKind::kContentLength);
  EXPECT_EQ(p.head->content_length, 3u);
  EXPECT_TRUE(p.head->IsHopByHop(3));  // a client may name an end-to-end header
}

TEST(RequestHead, OneLeadingEmptyLineIsIgnored) {
  const std::string s = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  Parsed p = Parse(s);
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  EXPECT_EQ(p.result.consumed, s.size());
  EXPECT_EQ(p.head->method, "GET");
  EXPECT_EQ(Parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").result.error_status, 400);
}

TEST(RequestHead, PipelinedRequestsStopAtFirstHead) {
  const std::string first = "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
  const std::string second = "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string all = first + "abc" + second + "GET /3 HT";
  Parsed p = Parse(all);
  ASSERT_EQ(p.result.status, ParseStatus::kDone);
  EXPECT_EQ(p.result.consumed, first.size());
  EXPECT_EQ(p.head->path, "/1");
  Parsed q = Parse(std::string_view(all).substr(first.size() + 3));
  ASSERT_EQ(q.result.status, ParseStatus::kDone);
  EXPECT_EQ(q.result.consumed, second.size());
  EXPECT_EQ(q.head->path, "/2");
  Parsed r = Parse(std::string_view(all).substr(first.size() + 3 + second.size()));
  EXPECT_EQ(r.result.status, ParseStatus::kNeedMore);
}

TEST(RequestHead, EverySplitOfValidHeadsNeedsMoreThenDone) {
  ExpectIncremental("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ExpectIncremental("\r\nGET /x?y HTTP/1.0\r\n\r\n");
  ExpectIncremental(
      "POST http://a.com:8080/x HTTP/1.1\r\nHost: A.com:8080\r\nTransfer-Encoding: chunked\r\n"
      "Connection: keep-alive, x-a\r\nX-A: 1\r\nX-B:\t2\t\r\n\r\n");
  ExpectIncremental("OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\nContent-Length: 1, 1\r\n\r\n");
  ExpectIncremental("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n");
}

// ---------- Malformed requests: every class with its status ----------

struct BadCase {
  const char* name;
  std::string input;
  uint16_t status;
};

class MalformedRequest : public testing::TestWithParam<BadCase> {};

TEST_P(MalformedRequest, IsRejected) {
  const BadCase& c = GetParam();
  Parsed p = Parse(c.input);
  ASSERT_EQ(p.result.status, ParseStatus::kError) << c.name;
  EXPECT_EQ(p.result.error_status, c.status) << c.name << ": " << p.result.error_reason;
  EXPECT_STRNE(p.result.error_reason, "") << c.name;
  // Incremental arrival never yields a different verdict or a head.
  for (size_t k = 0; k < c.input.size(); ++k) {
    Parsed q = Parse(std::string_view(c.input).substr(0, k));
    ASSERT_NE(q.result.status, ParseStatus::kDone) << c.name << " prefix " << k;
    if (q.result.status == ParseStatus::kError) {
      ASSERT_EQ(q.result.error_status, c.status) << c.name << " prefix " << k;
    }
  }
}

std::string WithHead(const std::string& request_line, const std::string& fields) {
  return request_line + "\r\n" + fields + "\r\n";
}
std::string Get(const std::string& fields) { return WithHead("GET / HTTP/1.1", fields); }
std::string Post(const std::string& fields) {
  return WithHead("POST / HTTP/1.1", "Host: a\r\n" + fields);
}

const BadCase kBadRequests[] = {
    // Line endings and folding.
    {"obs_fold", Get("Host: a\r\nX: a\r\n b\r\n"), 400},
    {"obs_fold_tab", Get("Host: a\r\nX: a\r\n\tb\r\n"), 400},
    {"space_before_first_field", Get(" Host: a\r\n"), 400},
    {"bare_lf_request_line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
    {"bare_lf_field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400},
    {"bare_lf_end", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
    {"bare_lf_leading", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"bare_cr_value", Get("Host: a\r\nX: a\rb\r\n"), 400},
    {"bare_cr_end", "GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n", 400},
    {"bare_cr_leading", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"bare_cr_request_line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
    {"two_leading_empty_lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    // Control bytes.
    {"nul_in_value", Get("Host: a\r\nX: a\0b\r\n"s), 400},
    {"ctl_in_value",
     Get("Host: a\r\nX: a\x01"
         "b\r\n"),
     400},
    {"del_in_value", Get("Host: a\r\nX: a\x7f\r\n"), 400},
    {"esc_in_value", Get("Host: a\r\nX: \x1b[0m\r\n"), 400},
    // Field names.
    {"space_before_colon", Get("Host : a\r\n"), 400},
    {"tab_before_colon", Get("Host\t: a\r\n"), 400},
    {"empty_field_name", Get("Host: a\r\n: b\r\n"), 400},
    {"no_colon", Get("Host: a\r\nJunk\r\n"), 400},
    {"bad_name_char", Get("Host: a\r\nX(y): b\r\n"), 400},
    {"bad_name_at", Get("Host: a\r\nX@y: b\r\n"), 400},
    {"obs_text_in_name", Get("Host: a\r\nX\xe9: b\r\n"), 400},
    {"nul_in_name", Get("Host: a\r\nX\0Y: b\r\n"s), 400},
    // Request line.
    {"bad_method_char", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"method_obs_text", "G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"leading_space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"double_space_after_method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"double_space_after_target", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"tab_separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"space_in_target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"ctl_in_target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"del_in_target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"obs_text_in_target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"fragment_in_target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"no_version", "GET /\r\nHost: a\r\n\r\n", 400},
    {"trailing_space_after_version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
    {"lowercase_version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
    {"version_no_minor", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400},
    {"version_two_digit_minor", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
    {"version_no_dot", "GET / HTTP/11\r\nHost: a\r\n\r\n", 400},
    {"version_garbage", "GET / HTTQ/1.1\r\nHost: a\r\n\r\n", 400},
    // Target forms.
    {"relative_target", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"asterisk_not_options", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"authority_form_not_connect", "GET a.com:80 HTTP/1.1\r\nHost: a.com\r\n\r\n", 400},
    {"connect_origin_form", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"connect_without_port", "CONNECT a.com HTTP/1.1\r\nHost: a.com\r\n\r\n", 400},
    {"absolute_other_scheme", "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_userinfo", "GET http://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_empty_authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_bad_port", "GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_disagrees_host", "GET http://a.com/ HTTP/1.1\r\nHost: b.com\r\n\r\n", 400},
    {"absolute_disagrees_port", "GET http://a.com:8080/ HTTP/1.1\r\nHost: a.com\r\n\r\n", 400},
    {"absolute_https_vs_80", "GET https://a.com/ HTTP/1.1\r\nHost: a.com:80\r\n\r\n", 400},
    {"absolute_vs_empty_host", "GET http://a.com/ HTTP/1.1\r\nHost:\r\n\r\n", 400},
    {"bad_percent_in_path", "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"truncated_percent_in_path", "GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    // Host.
    {"missing_host", Get("X: a\r\n"), 400},
    {"two_hosts", Get("Host: a\r\nHost: a\r\n"), 400},
    {"host_with_space", Get("Host: a b\r\n"), 400},
    {"host_with_slash", Get("Host: a/b\r\n"), 400},
    {"host_with_userinfo", Get("Host: u@a\r\n"), 400},
    {"host_port_letters", Get("Host: a:8o\r\n"), 400},
    {"host_port_too_big", Get("Host: a:65536\r\n"), 400},
    {"host_port_too_long", Get("Host: a:000080\r\n"), 400},
    {"host_two_ports", Get("Host: a:80:90\r\n"), 400},
    {"host_only_port", Get("Host: :80\r\n"), 400},
    {"host_bad_percent", Get("Host: %zz.com\r\n"), 400},
    {"host_unterminated_ipv6", Get("Host: [::1\r\n"), 400},
    {"host_bad_ipv6", Get("Host: [zz::1]\r\n"), 400},
    {"host_ipv6_two_gaps", Get("Host: [1::2::3]\r\n"), 400},
    {"host_ipv6_too_many_groups", Get("Host: [1:2:3:4:5:6:7:8:9]\r\n"), 400},
    {"host_ipv6_zone", Get("Host: [fe80::1%25eth0]\r\n"), 400},
    {"host_ipvfuture", Get("Host: [v1.x]\r\n"), 400},
    {"host_unbracketed_ipv6", Get("Host: ::1\r\n"), 400},
    {"host_garbage_after_ipv6", Get("Host: [::1]x\r\n"), 400},
    // Content-Length.
    {"cl_letters", Post("Content-Length: abc\r\n"), 400},
    {"cl_negative", Post("Content-Length: -1\r\n"), 400},
    {"cl_plus", Post("Content-Length: +1\r\n"), 400},
    {"cl_hex", Post("Content-Length: 0x10\r\n"), 400},
    {"cl_decimal", Post("Content-Length: 1.0\r\n"), 400},
    {"cl_empty", Post("Content-Length:\r\n"), 400},
    {"cl_two_numbers", Post("Content-Length: 1 2\r\n"), 400},
    {"cl_overflow", Post("Content-Length: 18446744073709551616\r\n"), 400},
    {"cl_conflicting_lines", Post("Content-Length: 5\r\nContent-Length: 6\r\n"), 400},
    {"cl_conflicting_list", Post("Content-Length: 5, 6\r\n"), 400},
    {"cl_empty_list_element", Post("Content-Length: 5,,5\r\n"), 400},
    {"cl_trailing_comma", Post("Content-Length: 5,\r\n"), 400},
    // Transfer-Encoding.
    {"te_and_cl", Post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400},
    {"cl_and_te", Post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400},
    {"te_not_final_gzip", Post("Transfer-Encoding: gzip\r\n"), 400},
    {"te_identity", Post("Transfer-Encoding: identity\r\n"), 400},
    {"te_chunked_then_gzip", Post("Transfer-Encoding: chunked, gzip\r\n"), 400},
    {"te_chunked_twice", Post("Transfer-Encoding: chunked, chunked\r\n"), 400},
    {"te_chunked_twice_lines", Post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
     400},
    {"te_empty", Post("Transfer-Encoding:\r\n"), 400},
    {"te_only_commas", Post("Transfer-Encoding: , ,\r\n"), 400},
    {"te_chunked_with_param", Post("Transfer-Encoding: chunked;q=1\r\n"), 400},
    {"te_quoted", Post("Transfer-Encoding: \"chunked\"\r\n"), 400},
    {"te_bad_char", Post("Transfer-Encoding: chun@ked\r\n"), 400},
    {"te_space_inside", Post("Transfer-Encoding: chun ked\r\n"), 400},
    {"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
    {"te_unknown_but_invalid_connection",
     Post("Transfer-Encoding: gzip, chunked\r\nConnection: a b\r\n"), 400},
    {"te_unknown_not_final", Post("Transfer-Encoding: chunked, x-custom\r\n"), 400},
    // Connection.
    {"connection_space_inside", Get("Host: a\r\nConnection: keep alive\r\n"), 400},
    {"connection_with_param", Get("Host: a\r\nConnection: close;x=1\r\n"), 400},
    {"connection_bad_char", Get("Host: a\r\nConnection: @\r\n"), 400},
    {"connection_too_many_options",
     Get("Host: a\r\nConnection: " +
         [] {
           std::string s;
           for (int i = 0; i < 65; ++i) s += "o" + std::to_string(i) + ",";
           return s;
         }() +
         "\r\n"),
     400},
    // 501: a transfer-coding we do not implement, chunked final and once.
    {"te_gzip_chunked", Post("Transfer-Encoding: gzip, chunked\r\n"), 501},
    {"te_custom_chunked", Post("Transfer-Encoding: x-custom, chunked\r\n"), 501},
    {"te_split_lines", Post("Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n"), 501},
    {"te_with_params", Post("Transfer-Encoding: foo;a=\"x,y\" , chunked\r\n"), 501},
    // 505: other major versions.
    {"http_2_0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"http_0_9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
    {"http_3_0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505},
    {"http_9_1", "GET / HTTP/9.1\r\nHost: a\r\n\r\n", 505},
};

INSTANTIATE_TEST_SUITE_P(AllClasses, MalformedRequest, testing::ValuesIn(kBadRequests),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------- Limits ----------

TEST(RequestLimits, RequestLineAtLimitPassesAndOneOverIs414) {
  Limits limits;
  limits.max_request_line = 20;
  const std::string at = "GET /abcdef HTTP/1.1";  // 20 bytes
  ASSERT_EQ(at.size(), 20u);
  Parsed ok = Parse(at + "\r\nHost: a\r\n\r\n", limits);
  EXPECT_EQ(ok.result.status, ParseStatus::kDone) << ok.result.error_reason;
  ExpectIncremental(at + "\r\nHost: a\r\n\r\n", limits);
  // A leading empty line does not count toward the request line.
  EXPECT_EQ(Parse("\r\n" + at + "\r\nHost: a\r\n\r\n", limits).result.status, ParseStatus::kDone);

  Parsed over = Parse("GET /abcdefg HTTP/1.1\r\nHost: a\r\n\r\n", limits);
  EXPECT_EQ(over.result.status, ParseStatus::kError);
  EXPECT_EQ(over.result.error_status, 414);
}

TEST(RequestLimits, LongRequestLineIs414BeforeItsEnd) {
  Limits limits;
  limits.max_request_line = 20;
  EXPECT_EQ(Parse("GET /abcdef HTTP/1.1", limits).result.status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse("GET /abcdef HTTP/1.1\r", limits).result.status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse("GET /abcdefg", limits).result.status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse("GET /abcdefghijklmno", limits).result.status, ParseStatus::kNeedMore);
  Parsed p = Parse("GET /abcdefghijklmnop", limits);  // 21 bytes, no CRLF yet
  EXPECT_EQ(p.result.error_status, 414);
  EXPECT_EQ(Parse("GET /" + std::string(10000, 'a'), Limits{}).result.error_status, 414);
  // The default limit: 8192 bytes of request line.
  const std::string target = "/" + std::string(8192 - 14, 'a');
  const std::string line = "GET " + target + " HTTP/1.1";
  ASSERT_EQ(line.size(), 8192u);
  EXPECT_EQ(Parse(line + "\r\nHost: a\r\n\r\n").result.status, ParseStatus::kDone);
  EXPECT_EQ(Parse("GET " + target + "a HTTP/1.1\r\nHost: a\r\n\r\n").result.error_status, 414);
}

TEST(RequestLimits, HeadBytesAtLimitPassesAndOneOverIs431) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: 0123456789\r\n\r\n";
  Limits limits;
  limits.max_head_bytes = head.size();
  EXPECT_EQ(Parse(head, limits).result.status, ParseStatus::kDone);
  ExpectIncremental(head, limits);
  // Body bytes after the head do not count.
  EXPECT_EQ(Parse(head + "GET / HTTP/1.1\r\n", limits).result.status, ParseStatus::kDone);

  limits.max_head_bytes = head.size() - 1;
  Parsed p = Parse(head, limits);
  EXPECT_EQ(p.result.status, ParseStatus::kError);
  EXPECT_EQ(p.result.error_status, 431);
}

TEST(RequestLimits, LargeHeadIs431BeforeItsEnd) {
  Limits limits;
  limits.max_head_bytes = 64;
  const std::string partial = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(64, 'a');
  EXPECT_EQ(Parse(partial.substr(0, 64), limits).result.status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse(partial.substr(0, 65), limits).result.error_status, 431);
  // Default limit: 32 KiB.
  EXPECT_EQ(Parse(Get("Host: a\r\nX: " + std::string(40000, 'a') + "\r\n")).result.error_status,
            431);
}

TEST(RequestLimits, HeaderCountAtLimitPassesAndOneOverIs431) {
  Limits limits;
  limits.max_headers = 3;
  EXPECT_EQ(Parse(Get("Host: a\r\nA: 1\r\nB: 2\r\n"), limits).result.status, ParseStatus::kDone);
  Parsed over = Parse(Get("Host: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n"), limits);
  EXPECT_EQ(over.result.error_status, 431);
  // As soon as the fourth field line starts.
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC", limits).result.error_status,
            431);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n", limits).result.status,
            ParseStatus::kNeedMore);
}

TEST(RequestLimits, MaxHeadersIsCappedAtArraySize) {
  Limits limits;
  limits.max_headers = 1000;
  std::string fields = "Host: a\r\n";
  for (int i = 1; i < kMaxHeaders; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  Parsed full = Parse(Get(fields), limits);
  ASSERT_EQ(full.result.status, ParseStatus::kDone);
  EXPECT_EQ(full.head->header_count, kMaxHeaders);
  EXPECT_EQ(Parse(Get(fields + "Y: 1\r\n"), limits).result.error_status, 431);
  // Default: 100.
  std::string hundred = "Host: a\r\n";
  for (int i = 1; i < 100; ++i) hundred += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(Parse(Get(hundred)).result.status, ParseStatus::kDone);
  EXPECT_EQ(Parse(Get(hundred + "Y: 1\r\n")).result.error_status, 431);
}

}  // namespace
}  // namespace waygate::http
