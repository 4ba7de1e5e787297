// Valid traffic from a real nghttp2 client session.
#include <gtest/gtest.h>

#include "harness.h"

namespace waygate::h2::testing {
namespace {

const Fields kGet = {
    {":method", "GET"},           {":scheme", "https"},    {":authority", "example.com"},
    {":path", "/index.html?x=1"}, {"accept", "text/html"}, {"user-agent", "test"}};

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Fixture {
  explicit Fixture(const Limits& limits = {}) {
    auto c = ServerConnection::Create(&handler, limits);
    EXPECT_TRUE(c.ok());
    server = std::move(c).value();
  }
  Recorder handler;
  std::unique_ptr<ServerConnection> server;
};

TEST(Server, CreateRejectsBadLimits) {
  Recorder h;
  Limits l;
  l.max_concurrent_streams = 0;
  EXPECT_FALSE(ServerConnection::Create(&h, l).ok());
  l = {};
  l.connection_window = 100;
  EXPECT_FALSE(ServerConnection::Create(&h, l).ok());
  EXPECT_FALSE(ServerConnection::Create(nullptr, {}).ok());
}

TEST(Server, GetRequestAndResponse) {
  Fixture f;
  f.handler.on_request = [&](int32_t id, const RequestHead&, bool) {
    const std::pair<std::string_view, std::string_view> h[] = {
        {"Content-Type", "text/plain"}, {"Connection", "keep-alive"}, {"X-Up", "1"}};
    ASSERT_TRUE(f.server->SubmitResponse(id, 200, h, false).ok());
    ASSERT_TRUE(f.server->SubmitData(id, Bytes("hello "), false).ok());
    ASSERT_TRUE(f.server->SubmitData(id, Bytes("world"), true).ok());
  };
  Client c;
  const int32_t id = c.Submit(kGet);
  ASSERT_TRUE(c.Pump(*f.server));

  const Event* req = f.handler.Request(id);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->scheme, "https");
  EXPECT_EQ(req->authority, "example.com");
  EXPECT_EQ(req->path, "/index.html?x=1");
  EXPECT_TRUE(req->end_stream);
  EXPECT_EQ(req->headers, (Fields{{"accept", "text/html"}, {"user-agent", "test"}}));

  const Client::Response& r = c.responses[id];
  EXPECT_EQ(r.body, "hello world");
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{":status", "200"}));
  // Lower-cased, connection-specific field dropped.
  EXPECT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[1].first, "content-type");
  EXPECT_EQ(r.headers[2].first, "x-up");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.close_code, 0u);
  EXPECT_EQ(f.handler.Closed(id), 0u);
  EXPECT_EQ(f.server->active_streams(), 0u);
}

TEST(Server, PostBodyWithContentLength) {
  Fixture f;
  Client c;
  Fields post = kGet;
  post[0].second = "POST";
  post.emplace_back("content-length", "11");
  const int32_t id = c.Submit(post, std::string("hello world"));
  ASSERT_TRUE(c.Pump(*f.server));
  const Event* req = f.handler.Request(id);
  ASSERT_NE(req, nullptr);
  EXPECT_FALSE(req->end_stream);
  EXPECT_EQ(req->content_length, 11u);
  for (const auto& h : req->headers) EXPECT_NE(h.first, "content-length");
  EXPECT_EQ(f.handler.Body(id), "hello world");
  EXPECT_TRUE(f.handler.Ended(id));
  // The handler has not answered: the stream is still open.
  EXPECT_FALSE(f.handler.Closed(id).has_value());
  EXPECT_EQ(f.server->active_streams(), 1u);
  ASSERT_TRUE(f.server->SubmitResponse(id, 204, {}, true).ok());
  c.Pump(*f.server);
  EXPECT_EQ(f.handler.Closed(id), 0u);
}

TEST(Server, CookiesJoinedAndHostBecomesAuthority) {
  Fixture f;
  Client c;
  const int32_t id = c.Submit({{":method", "GET"},
                               {":scheme", "http"},
                               {":path", "/"},
                               {"host", "h.example:8080"},
                               {"cookie", "a=1"},
                               {"cookie", "b=2"}});
  c.Pump(*f.server);
  const Event* req = f.handler.Request(id);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->authority, "h.example:8080");
  EXPECT_EQ(req->headers, (Fields{{"cookie", "a=1; b=2"}}));
}

TEST(Server, ResponseTrailersForGrpc) {
  Fixture f;
  f.handler.on_request = [&](int32_t id, const RequestHead&, bool) {
    const std::pair<std::string_view, std::string_view> h[] = {
        {"content-type", "application/grpc"}};
    ASSERT_TRUE(f.server->SubmitResponse(id, 200, h, false).ok());
    ASSERT_TRUE(f.server->SubmitData(id, Bytes(std::string("\0\0\0\0\2hi", 7)), false).ok());
    const std::pair<std::string_view, std::string_view> t[] = {{"Grpc-Status", "0"},
                                                               {"grpc-message", "ok"}};
    ASSERT_TRUE(f.server->SubmitTrailers(id, t).ok());
    EXPECT_FALSE(f.server->SubmitData(id, Bytes("late"), true).ok());
  };
  Client c;
  Fields grpc = {{":method", "POST"},   {":scheme", "http"},
                 {":authority", "svc"}, {":path", "/pkg.Svc/Call"},
                 {"te", "trailers"},    {"content-type", "application/grpc"}};
  const int32_t id = c.Submit(grpc, std::string("\0\0\0\0\0", 5));
  ASSERT_TRUE(c.Pump(*f.server));
  const Event* req = f.handler.Request(id);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->headers[0], (std::pair<std::string, std::string>{"te", "trailers"}));
  const Client::Response& r = c.responses[id];
  EXPECT_EQ(r.body, std::string("\0\0\0\0\2hi", 7));
  EXPECT_EQ(r.trailers, (Fields{{"grpc-status", "0"}, {"grpc-message", "ok"}}));
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.close_code, 0u);
}

TEST(Server, TrailersRightAfterHeadEndTheStream) {
  Fixture f;
  f.handler.on_request = [&](int32_t id, const RequestHead&, bool) {
    ASSERT_TRUE(f.server->SubmitResponse(id, 200, {}, false).ok());
    const std::pair<std::string_view, std::string_view> t[] = {{"grpc-status", "12"}};
    ASSERT_TRUE(f.server->SubmitTrailers(id, t).ok());
  };
  Client c;
  const int32_t id = c.Submit(kGet);
  c.Pump(*f.server);
  EXPECT_EQ(c.responses[id].trailers, (Fields{{"grpc-status", "12"}}));
  EXPECT_TRUE(c.responses[id].body.empty());
  EXPECT_TRUE(c.responses[id].closed);
}

TEST(Server, RequestTrailersThenEnd) {
  Fixture f;
  Client c;
  Fields post = kGet;
  post[0].second = "POST";
  const int32_t id = c.Submit(post, std::string("abc"), false);
  c.Pump(*f.server);
  // Trailers: HEADERS with END_STREAM after the body.
  const nghttp2_nv t[] = {{(uint8_t*)"x-checksum", (uint8_t*)"42", 10, 2, NGHTTP2_NV_FLAG_NONE}};
  c.outgoing_end[id] = false;
  ASSERT_EQ(nghttp2_submit_trailer(c.session, id, t, 1), 0);
  c.Pump(*f.server);
  EXPECT_EQ(f.handler.Body(id), "abc");
  int trailers = 0;
  bool end_after_trailers = false;
  for (const Event& e : f.handler.events) {
    if (e.kind == Event::kTrailers && e.id == id) {
      ++trailers;
      EXPECT_EQ(e.headers, (Fields{{"x-checksum", "42"}}));
    }
    if (trailers == 1 && e.kind == Event::kData && e.id == id && e.end_stream) {
      end_after_trailers = e.data.empty();
    }
  }
  EXPECT_EQ(trailers, 1);
  EXPECT_TRUE(end_after_trailers);
}

TEST(Server, RequestBodyWindowFollowsConsumption) {
  Limits l;
  l.initial_window = 16 * 1024;
  l.connection_window = 1024 * 1024;
  Fixture f(l);
  Client c;
  Fields post = kGet;
  post[0].second = "POST";
  c.Submit(kGet);
  c.Pump(*f.server);  // SETTINGS exchanged: before that the client may send 65535 bytes
  const std::string body(100 * 1024, 'b');
  const int32_t id = c.Submit(post, body);
  c.Pump(*f.server);
  // Nothing consumed: exactly one stream window arrives, then the client is blocked.
  EXPECT_EQ(f.handler.Body(id).size(), 16u * 1024);
  EXPECT_FALSE(f.handler.Ended(id));
  // Forwarding upstream in 8 KiB steps lets the rest through.
  for (int i = 0; i < 200 && !f.handler.Ended(id); ++i) {
    f.server->ConsumeRequestBody(id, 8 * 1024);
    c.Pump(*f.server);
  }
  EXPECT_EQ(f.handler.Body(id), body);
  EXPECT_TRUE(f.handler.Ended(id));
}

TEST(Server, ConnectionWindowReturnsWhenAStreamDiesUnconsumed) {
  Limits l;
  l.initial_window = 60 * 1024;
  l.connection_window = 65535;  // one stream window fills the connection
  Fixture f(l);
  Client c;
  Fields post = kGet;
  post[0].second = "POST";
  const int32_t a = c.Submit(post, std::string(60 * 1024, 'a'));
  c.Pump(*f.server);
  EXPECT_EQ(f.handler.Body(a).size(), 60u * 1024);
  f.server->ResetStream(a, kCancel);  // the upstream failed; nothing was forwarded
  c.Pump(*f.server);
  EXPECT_EQ(f.handler.Closed(a), kCancel);
  EXPECT_EQ(c.responses[a].close_code, kCancel);
  const int32_t b = c.Submit(post, std::string(30 * 1024, 'b'));
  c.Pump(*f.server);
  EXPECT_EQ(f.handler.Body(b).size(), 30u * 1024);
  EXPECT_TRUE(f.handler.Ended(b));
}

TEST(Server, ResponseFlowControlAndSendCapacity) {
  Fixture f;
  Client c({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1000}}, /*auto_window=*/false);
  const int32_t id = c.Submit(kGet);
  c.Pump(*f.server);
  ASSERT_NE(f.handler.Request(id), nullptr);
  ASSERT_TRUE(f.server->SubmitResponse(id, 200, {}, false).ok());
  EXPECT_EQ(f.server->SendCapacity(id), 1000);
  const std::string body(3000, 'r');
  ASSERT_TRUE(f.server->SubmitData(id, Bytes(body), true).ok());
  EXPECT_EQ(f.server->SendCapacity(id), -2000);
  EXPECT_EQ(f.server->BufferedBytes(id), 3000u);
  c.Pump(*f.server);
  EXPECT_EQ(c.responses[id].body.size(), 1000u);
  EXPECT_EQ(f.server->BufferedBytes(id), 2000u);
  for (int i = 0; i < 10 && !c.responses[id].closed; ++i) {
    c.Consume(id, 1000);
    c.Pump(*f.server);
  }
  EXPECT_EQ(c.responses[id].body, body);
  EXPECT_TRUE(c.responses[id].closed);
}

TEST(Server, ManyStreamsMultiplexed) {
  Fixture f;
  f.handler.on_request = [&](int32_t id, const RequestHead& head, bool) {
    ASSERT_TRUE(f.server->SubmitResponse(id, 200, {}, false).ok());
    ASSERT_TRUE(f.server->SubmitData(id, Bytes(std::string(head.path)), true).ok());
  };
  Client c;
  std::vector<int32_t> ids;
  for (int i = 0; i < 50; ++i) {
    Fields g = kGet;
    g[3].second = "/r" + std::to_string(i);
    ids.push_back(c.Submit(g));
  }
  c.Pump(*f.server);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(c.responses[ids[i]].body, "/r" + std::to_string(i));
  EXPECT_EQ(f.handler.Count(Event::kClosed), 50);
}

TEST(Server, GracefulShutdownFinishesOpenStreams) {
  Fixture f;
  Client c;
  const int32_t id = c.Submit(kGet);
  c.Pump(*f.server);
  f.server->Shutdown(kNoError);
  c.Pump(*f.server);
  EXPECT_EQ(c.goaway_code, kNoError);
  EXPECT_FALSE(f.server->WantsClose());  // stream still open
  ASSERT_TRUE(f.server->SubmitResponse(id, 200, {}, true).ok());
  c.Pump(*f.server);
  EXPECT_TRUE(c.responses[id].closed);
  EXPECT_TRUE(f.server->WantsClose());
  EXPECT_TRUE(f.server->PendingOutput().empty());
}

TEST(Server, PeerGoawayClosesWhenIdle) {
  Fixture f;
  Client c;
  c.Submit(kGet);
  c.Pump(*f.server);
  nghttp2_submit_goaway(c.session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
  c.Pump(*f.server);
  EXPECT_FALSE(f.server->WantsClose());
  ASSERT_TRUE(f.server->SubmitResponse(1, 200, {}, true).ok());
  c.Pump(*f.server);
  EXPECT_TRUE(f.server->WantsClose());
}

TEST(Server, ErrorShutdownClosesEveryStream) {
  Fixture f;
  Client c;
  const int32_t a = c.Submit(kGet);
  const int32_t b = c.Submit(kGet);
  c.Pump(*f.server);
  f.server->Shutdown(kInternalError);
  EXPECT_EQ(f.handler.Closed(a), kInternalError);
  EXPECT_EQ(f.handler.Closed(b), kInternalError);
  c.Pump(*f.server);
  EXPECT_EQ(c.goaway_code, kInternalError);
  EXPECT_TRUE(f.server->WantsClose());
}

TEST(Server, SubmitOnUnknownOrFinishedStreamFails) {
  Fixture f;
  EXPECT_FALSE(f.server->SubmitResponse(1, 200, {}, true).ok());
  Client c;
  const int32_t id = c.Submit(kGet);
  c.Pump(*f.server);
  EXPECT_FALSE(f.server->SubmitData(id, Bytes("x"), true).ok());  // no head yet
  EXPECT_FALSE(f.server->SubmitResponse(id, 101, {}, true).ok());
  ASSERT_TRUE(f.server->SubmitResponse(id, 200, {}, true).ok());
  EXPECT_FALSE(f.server->SubmitResponse(id, 200, {}, true).ok());
  c.Pump(*f.server);
  EXPECT_FALSE(f.server->SubmitData(id, Bytes("x"), true).ok());
}

TEST(Server, AppResetsAreNotChargedToThePeer) {
  Limits l;
  l.reset_burst = 5;
  l.reset_rate = 1;
  Fixture f(l);
  f.handler.on_request = [&](int32_t id, const RequestHead&, bool) {
    f.server->ResetStream(id, kRefusedStream);
  };
  Client c;
  for (int i = 0; i < 50; ++i) c.Submit(kGet);
  ASSERT_TRUE(c.Pump(*f.server));
  EXPECT_EQ(f.handler.Count(Event::kClosed), 50);
  EXPECT_FALSE(c.goaway_code.has_value());
  EXPECT_EQ(f.server->stats().resets_counted, 0u);
}

TEST(Server, MaxConcurrentStreamsEnforced) {
  Limits l;
  l.max_concurrent_streams = 2;
  Fixture f(l);
  Client c;
  for (int i = 0; i < 2; ++i) c.Submit(kGet);
  c.Pump(*f.server);  // the client learns the limit here
  EXPECT_EQ(f.handler.Count(Event::kRequest), 2);
  // A raw client that ignores the acknowledged limit: nghttp2 makes that a connection error.
  RawPeer p(l);
  ASSERT_TRUE(p.Handshake().ok());
  ASSERT_TRUE(p.Send(p.Headers(1, kGet, true)).ok());
  ASSERT_TRUE(p.Send(p.Headers(3, kGet, true)).ok());
  EXPECT_FALSE(p.Send(p.Headers(5, kGet, true)).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 2);
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);  // the handler hears about every stream
  EXPECT_TRUE(p.server->WantsClose());
}

TEST(Server, AdvertisesLimitsInSettings) {
  Limits l;
  l.max_concurrent_streams = 7;
  l.max_header_list_size = 9000;
  l.initial_window = 12345;
  RawPeer p(l);
  p.Drain();
  ASSERT_FALSE(p.frames.empty());
  const ParsedFrame& s = p.frames[0];
  ASSERT_EQ(s.type, NGHTTP2_SETTINGS);
  std::map<uint16_t, uint32_t> got;
  for (size_t i = 0; i + 6 <= s.payload.size(); i += 6) {
    const auto* b = reinterpret_cast<const uint8_t*>(s.payload.data() + i);
    got[static_cast<uint16_t>(b[0] << 8 | b[1])] =
        uint32_t{b[2]} << 24 | uint32_t{b[3]} << 16 | uint32_t{b[4]} << 8 | b[5];
  }
  EXPECT_EQ(got[NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS], 7u);
  EXPECT_EQ(got[NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE], 9000u);
  EXPECT_EQ(got[NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE], 12345u);
}

}  // namespace
}  // namespace waygate::h2::testing

namespace waygate::h2::testing {
namespace {

TEST(Server, PaddingDoesNotLeakTheWindow) {
  Limits l;
  l.initial_window = 16 * 1024;
  l.connection_window = 65535;
  RawPeer p(l);
  ASSERT_TRUE(p.Handshake().ok());
  Fields post = {{":method", "POST"}, {":scheme", "https"}, {":authority", "a"}, {":path", "/"}};
  ASSERT_TRUE(p.Send(p.Headers(1, post, false)).ok());
  // 400 frames of 10 data bytes + 200 padding: 84 KiB on the wire, 4000 bytes of body. The
  // handler forwards every byte at once; if padding were not given back, the stream window
  // (16 KiB) and then the connection window would run out: FLOW_CONTROL_ERROR.
  const std::string padded = std::string(1, '\xc8') + "0123456789" + std::string(200, '\0');
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(p.Send(Frame(NGHTTP2_DATA, NGHTTP2_FLAG_PADDED, 1, padded)).ok()) << i;
    p.server->ConsumeRequestBody(1, 10);
    p.Drain();
  }
  EXPECT_EQ(p.handler.Body(1).size(), 4000u);
  EXPECT_FALSE(p.SawAnyRst(1));
  EXPECT_FALSE(p.SawGoaway(NGHTTP2_FLOW_CONTROL_ERROR));
}

}  // namespace
}  // namespace waygate::h2::testing
