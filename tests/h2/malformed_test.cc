// RFC 9113 section 8 malformed requests, sent as hand-built frames: each is answered with
// RST_STREAM(PROTOCOL_ERROR), nothing reaches OnRequest, and the connection stays usable.
#include <gtest/gtest.h>

#include "harness.h"

namespace waygate::h2::testing {
namespace {

Fields Base() {
  return {{":method", "GET"}, {":scheme", "https"}, {":authority", "a.example"}, {":path", "/"}};
}
Fields With(Fields f, const std::string& n, const std::string& v) {
  f.emplace_back(n, v);
  return f;
}
Fields Without(Fields f, const std::string& n) {
  std::erase_if(f, [&](const auto& p) { return p.first == n; });
  return f;
}

struct Case {
  const char* name;
  Fields fields;
};

// Returns a failure message, or "" when the stream was refused as the RFC asks.
std::string CheckRefused(const Fields& fields) {
  RawPeer p;
  if (!p.Handshake().ok()) return "handshake failed";
  if (!p.Send(p.Headers(1, fields, true)).ok()) return "connection error, want stream error";
  p.Drain();
  if (p.handler.Count(Event::kRequest) != 0) return "reached OnRequest";
  if (!p.SawRst(1, NGHTTP2_PROTOCOL_ERROR)) return "no RST_STREAM(PROTOCOL_ERROR)";
  if (p.handler.Count(Event::kClosed) != 0) return "OnStreamClosed for a stream never delivered";
  // The connection goes on.
  if (!p.Send(p.Headers(3, Base(), true)).ok()) return "connection broken afterwards";
  if (p.handler.Request(3) == nullptr) return "next request lost";
  return "";
}

TEST(Malformed, EachRuleGivesStreamError) {
  const std::vector<Case> cases = {
      {"missing :method", Without(Base(), ":method")},
      {"missing :scheme", Without(Base(), ":scheme")},
      {"missing :path", Without(Base(), ":path")},
      {"empty :path", With(Without(Base(), ":path"), ":path", "")},
      {"relative :path", With(Without(Base(), ":path"), ":path", "index.html")},
      {"asterisk :path with GET", With(Without(Base(), ":path"), ":path", "*")},
      {"duplicate :path", With(Base(), ":path", "/again")},
      {"duplicate :method", With(Base(), ":method", "GET")},
      {"unknown pseudo", With(Base(), ":foo", "bar")},
      {"response pseudo", With(Base(), ":status", "200")},
      {"pseudo after regular",
       {{":method", "GET"}, {":scheme", "https"}, {"accept", "*/*"}, {":path", "/"}}},
      {"uppercase name", With(Base(), "X-Foo", "1")},
      {"space in name", With(Base(), "x foo", "1")},
      {"colon inside name", With(Base(), "x:foo", "1")},
      {"empty name", With(Base(), "", "1")},
      {"connection", With(Base(), "connection", "close")},
      {"keep-alive", With(Base(), "keep-alive", "timeout=5")},
      {"proxy-connection", With(Base(), "proxy-connection", "keep-alive")},
      {"transfer-encoding", With(Base(), "transfer-encoding", "chunked")},
      {"upgrade (h2c)", With(Base(), "upgrade", "h2c")},
      {"te gzip", With(Base(), "te", "gzip")},
      {"te trailers plus more", With(Base(), "te", "trailers, deflate")},
      {"CONNECT with :path", {{":method", "CONNECT"}, {":authority", "a:443"}, {":path", "/"}}},
      {"CONNECT with :scheme",
       {{":method", "CONNECT"}, {":authority", "a:443"}, {":scheme", "https"}}},
      {"CONNECT without :authority", {{":method", "CONNECT"}}},
      {"extended CONNECT not enabled",
       {{":method", "CONNECT"},
        {":protocol", "websocket"},
        {":scheme", "https"},
        {":authority", "a"},
        {":path", "/chat"}}},
      {"CR LF in value", With(Base(), "x-a", "1\r\nx-b: 2")},
      {"LF in value", With(Base(), "x-a", "1\nb")},
      {"NUL in value", With(Base(), "x-a", std::string("1\0b", 3))},
      {"leading space in value", With(Base(), "x-a", " 1")},
      {"trailing tab in value", With(Base(), "x-a", "1\t")},
      {"space in :method", With(Without(Base(), ":method"), ":method", "G T")},
      {"userinfo in :authority", With(Without(Base(), ":authority"), ":authority", "u@h")},
      {"empty :authority", With(Without(Base(), ":authority"), ":authority", "")},
      {"host differs from :authority", With(Base(), "host", "b.example")},
      {"two host fields", With(With(Without(Base(), ":authority"), "host", "a"), "host", "a")},
      {"bad :scheme", With(Without(Base(), ":scheme"), ":scheme", "1http")},
      {"content-length not a number", With(Base(), "content-length", "abc")},
      {"content-length negative", With(Base(), "content-length", "-1")},
      // nghttp2 insists on one of them (stricter than RFC 9113 8.3.1, which only says SHOULD).
      {"neither :authority nor host", Without(Base(), ":authority")},
      {"two different content-lengths",
       With(With(Base(), "content-length", "0"), "content-length", "1")},
  };
  for (const Case& c : cases) EXPECT_EQ(CheckRefused(c.fields), "") << c.name;
}

TEST(Malformed, ValidNeighboursAreDelivered) {
  const std::vector<Case> ok = {
      {"te trailers", With(Base(), "te", "trailers")},
      {"host equal to :authority (any case)", With(Base(), "host", "A.Example")},
      {"OPTIONS *",
       {{":method", "OPTIONS"}, {":scheme", "https"}, {":authority", "a"}, {":path", "*"}}},
      {"CONNECT", {{":method", "CONNECT"}, {":authority", "backend:443"}}},
      {"inner spaces in value", With(Base(), "user-agent", "a b\tc")},
  };
  for (const Case& c : ok) {
    RawPeer p;
    ASSERT_TRUE(p.Handshake().ok());
    ASSERT_TRUE(p.Send(p.Headers(1, c.fields, true)).ok()) << c.name;
    p.Drain();
    EXPECT_NE(p.handler.Request(1), nullptr) << c.name;
    EXPECT_FALSE(p.SawAnyRst(1)) << c.name;
  }
}

TEST(Malformed, ContentLengthBeyondEmptyBody) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, With(Base(), "content-length", "5"), true)).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_PROTOCOL_ERROR));
}

TEST(Malformed, ContentLengthLongerThanData) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, With(Base(), "content-length", "5"), false)).ok());
  ASSERT_TRUE(p.Send(Frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "abc")).ok());
  p.Drain();
  // The head was valid; the body turned out short: the stream is reset and never ends well.
  ASSERT_NE(p.handler.Request(1), nullptr);
  EXPECT_FALSE(p.handler.Ended(1));
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
}

TEST(Malformed, DataBeyondContentLengthIsNotDelivered) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, With(Base(), "content-length", "2"), false)).ok());
  ASSERT_TRUE(p.Send(Frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "abcdef")).ok());
  p.Drain();
  ASSERT_NE(p.handler.Request(1), nullptr);
  EXPECT_EQ(p.handler.Body(1), "");
  EXPECT_FALSE(p.handler.Ended(1));
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
}

TEST(Malformed, PseudoFieldInTrailers) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, Base(), false)).ok());
  ASSERT_TRUE(p.Send(Frame(NGHTTP2_DATA, 0, 1, "abc")).ok());
  ASSERT_TRUE(p.Send(p.Headers(1, {{":path", "/x"}}, true)).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kTrailers), 0);
  EXPECT_FALSE(p.handler.Ended(1));
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
}

TEST(Malformed, TrailersWithoutEndStream) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, Base(), false)).ok());
  ASSERT_TRUE(p.Send(p.Headers(1, {{"x-t", "1"}}, false)).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kTrailers), 0);
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_PROTOCOL_ERROR));
}

TEST(HeaderListSize, OversizedHeadGets431AndNeverReachesHandler) {
  Limits l;
  l.max_header_list_size = 1024;
  RawPeer p(l);
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, With(Base(), "x-big", std::string(2000, 'v')), false)).ok());
  ASSERT_TRUE(p.Send(Frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "body")).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  EXPECT_EQ(p.handler.Count(Event::kData), 0);
  auto h = p.ResponseHeaders(1);
  ASSERT_TRUE(h.has_value());
  ASSERT_FALSE(h->empty());
  EXPECT_EQ((*h)[0], (std::pair<std::string, std::string>{":status", "431"}));
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_NO_ERROR));  // the client was still sending
  // Many small fields count the same way (HPACK makes repeats cheap to send, not to hold).
  Fields many = Base();
  for (int i = 0; i < 40; ++i) many.emplace_back("x-r", "0123456789");
  ASSERT_TRUE(p.Send(p.Headers(3, many, true)).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  EXPECT_EQ((*p.ResponseHeaders(3))[0].second, "431");
  EXPECT_FALSE(p.SawAnyRst(3));  // END_STREAM was set: the 431 alone ends the stream
  EXPECT_EQ(p.server->stats().rejected_heads, 2u);
  // Just under the limit is fine.
  ASSERT_TRUE(p.Send(p.Headers(5, With(Base(), "x-big", std::string(600, 'v')), true)).ok());
  EXPECT_NE(p.handler.Request(5), nullptr);
}

TEST(H2c, Http11UpgradeIsNotAPreface) {
  RawPeer p;
  const Status s = p.Send(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
  EXPECT_FALSE(s.ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_TRUE(p.server->WantsClose());
}

TEST(Malformed, DataOnStreamZeroIsConnectionError) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  EXPECT_FALSE(p.Send(Frame(NGHTTP2_DATA, 0, 0, "x")).ok());
  p.Drain();
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_PROTOCOL_ERROR));
}

TEST(Malformed, PushPromiseFromClientIsConnectionError) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, Base(), false)).ok());
  EXPECT_FALSE(p.Send(Frame(NGHTTP2_PUSH_PROMISE, NGHTTP2_FLAG_END_HEADERS, 1,
                            U32(2) + p.enc.Encode(Base())))
                   .ok());
  p.Drain();
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
}

}  // namespace
}  // namespace waygate::h2::testing

namespace waygate::h2::testing {
namespace {

// A block bigger than one frame arrives as HEADERS + CONTINUATIONs (16 KiB each).
std::string SplitHeaders(RawPeer& p, int32_t id, const Fields& f) {
  const std::string block = p.enc.Encode(f);
  std::string out;
  for (size_t off = 0; off < block.size(); off += 16384) {
    const bool first = off == 0, last = off + 16384 >= block.size();
    const uint8_t flags =
        (last ? NGHTTP2_FLAG_END_HEADERS : 0) | (first ? NGHTTP2_FLAG_END_STREAM : 0);
    out +=
        Frame(first ? NGHTTP2_HEADERS : NGHTTP2_CONTINUATION, flags, id, block.substr(off, 16384));
  }
  return out;
}

TEST(HeaderListSize, HugeSingleFieldSpanningContinuations) {
  RawPeer p;  // default limit 64 KiB
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(SplitHeaders(p, 1, With(Base(), "x-huge", std::string(70000, 'h')))).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  ASSERT_TRUE(p.ResponseHeaders(1).has_value());
  EXPECT_EQ((*p.ResponseHeaders(1))[0].second, "431");
  EXPECT_FALSE(p.SawGoaway(NGHTTP2_COMPRESSION_ERROR));
  // The connection goes on.
  ASSERT_TRUE(p.Send(p.Headers(3, Base(), true)).ok());
  EXPECT_NE(p.handler.Request(3), nullptr);
}

}  // namespace
}  // namespace waygate::h2::testing
