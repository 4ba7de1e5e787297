// Abuse budgets: CONTINUATION flood, Rapid Reset (CVE-2023-44487), MadeYouReset
// (CVE-2025-8671), SETTINGS / PING / PRIORITY / empty DATA / unknown-frame floods.
// Every trip ends the connection with GOAWAY(ENHANCE_YOUR_CALM) and closes every stream.
#include <gtest/gtest.h>

#include "harness.h"

namespace waygate::h2::testing {
namespace {

const Fields kGet = {{":method", "GET"}, {":scheme", "https"}, {":authority", "a"}, {":path", "/"}};

Limits Tight() {
  Limits l;
  l.reset_burst = 20;
  l.reset_rate = 5;
  l.control_burst = 50;
  l.control_rate = 10;
  return l;
}

// Sends `make(i)` for i = 0.. until the server refuses the connection or `max` rounds pass.
// Returns the number of rounds accepted.
template <class Make>
int FloodUntilClosed(RawPeer& p, int max, Make make) {
  for (int i = 0; i < max; ++i) {
    if (!p.Send(make(i)).ok()) return i;
    p.Drain();
  }
  return max;
}

void ExpectCalmAndAllClosed(RawPeer& p) {
  p.Drain();
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_TRUE(p.server->WantsClose());
  EXPECT_EQ(p.server->active_streams(), 0u);
  EXPECT_EQ(p.handler.Count(Event::kClosed), p.handler.Count(Event::kRequest));
  // Nothing is processed after the verdict.
  EXPECT_FALSE(p.Send(p.Headers(10001, kGet, true)).ok());
}

TEST(Continuation, FloodWithoutEndHeadersIsBounded) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  const std::string block = p.enc.Encode({{":method", "GET"},
                                          {":scheme", "https"},
                                          {":authority", "a"},
                                          {":path", "/"},
                                          {"x-pad", std::string(40, 'p')}});
  std::string frames = Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1, block.substr(0, 1));
  for (size_t i = 1; i < block.size(); ++i) {
    frames += Frame(NGHTTP2_CONTINUATION, 0, 1, block.substr(i, 1));  // never END_HEADERS
  }
  EXPECT_FALSE(p.Send(frames).ok());
  p.Drain();
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_TRUE(p.server->WantsClose());
}

TEST(Continuation, AFewAreFine) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  const std::string block = p.enc.Encode(kGet);
  std::string frames = Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1, block.substr(0, 2));
  frames += Frame(NGHTTP2_CONTINUATION, 0, 1, block.substr(2, 2));
  frames += Frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS, 1, block.substr(4));
  ASSERT_TRUE(p.Send(frames).ok());
  EXPECT_NE(p.handler.Request(1), nullptr);
}

TEST(RapidReset, HeadersThenResetLoopGetsGoaway) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  const int rounds = FloodUntilClosed(p, 200, [&](int i) {
    const int32_t id = 1 + 2 * i;
    return p.Headers(id, kGet, false) + Frame(NGHTTP2_RST_STREAM, 0, id, U32(NGHTTP2_CANCEL));
  });
  EXPECT_EQ(rounds, 20);  // the 21st reset has no token left
  EXPECT_LE(p.handler.Count(Event::kRequest), 21);
  ExpectCalmAndAllClosed(p);
}

TEST(RapidReset, ResetsWithinTheRateAreFine) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  for (int i = 0; i < 100; ++i) {
    const int32_t id = 1 + 2 * i;
    p.now += 250;  // 4 per second, under the 5/s refill
    ASSERT_TRUE(
        p.Send(p.Headers(id, kGet, false) + Frame(NGHTTP2_RST_STREAM, 0, id, U32(NGHTTP2_CANCEL)))
            .ok())
        << i;
  }
  p.Drain();
  EXPECT_FALSE(p.SawGoaway(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_EQ(p.handler.Count(Event::kRequest), 100);
  EXPECT_EQ(p.handler.Count(Event::kClosed), 100);
  EXPECT_EQ(p.handler.Closed(1), kCancel);
}

// nghttp2 1.52 makes WINDOW_UPDATE 0 on a stream and DATA on a half-closed stream connection
// errors (stricter than RFC 9113's stream errors), so these MadeYouReset primitives cost the
// attacker its connection on the first try.
TEST(MadeYouReset, WindowUpdateZeroEndsTheConnection) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  EXPECT_FALSE(p.Send(p.Headers(1, kGet, true) + Frame(NGHTTP2_WINDOW_UPDATE, 0, 1, U32(0))).ok());
  p.Drain();
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
  EXPECT_TRUE(p.server->WantsClose());
}

TEST(MadeYouReset, DataOnHalfClosedStreamEndsTheConnection) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  EXPECT_FALSE(p.Send(p.Headers(1, kGet, true) + Frame(NGHTTP2_DATA, 0, 1, "x")).ok());
  p.Drain();
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_STREAM_CLOSED));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
  EXPECT_TRUE(p.server->WantsClose());
}

// A valid head (the upstream request has started), then a body longer than its
// content-length: a stream error after the work began, the MadeYouReset pattern nghttp2 leaves
// at stream level.
std::string Overrun(RawPeer& p, int32_t id) {
  Fields f = kGet;
  f[0].second = "POST";
  f.emplace_back("content-length", "1");
  return p.Headers(id, f, false) + Frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, id, "ab");
}

TEST(MadeYouReset, ContentLengthOverrunLoopGetsGoaway) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  const int rounds = FloodUntilClosed(p, 200, [&](int i) { return Overrun(p, 1 + 2 * i); });
  EXPECT_EQ(rounds, 20);
  EXPECT_TRUE(p.SawRst(1, NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(p.handler.Closed(1), kProtocolError);
  ExpectCalmAndAllClosed(p);
}

TEST(MadeYouReset, MalformedRequestLoopGetsGoaway) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  const int rounds = FloodUntilClosed(p, 200, [&](int i) {
    return p.Headers(1 + 2 * i, {{":method", "GET"}, {":path", "/"}, {"X-Upper", "1"}}, true);
  });
  EXPECT_EQ(rounds, 20);
  EXPECT_EQ(p.handler.Count(Event::kRequest), 0);
  ExpectCalmAndAllClosed(p);
}

TEST(MadeYouReset, OversizedHeadLoopGetsGoaway) {
  Limits l = Tight();
  l.max_header_list_size = 512;
  RawPeer p(l);
  ASSERT_TRUE(p.Handshake().ok());
  const int rounds = FloodUntilClosed(p, 200, [&](int i) {
    Fields f = kGet;
    f.emplace_back("x-big", std::string(600, 'b'));
    return p.Headers(1 + 2 * i, f, true);
  });
  EXPECT_EQ(rounds, 20);
  ExpectCalmAndAllClosed(p);
}

TEST(MadeYouReset, ProvokedResetsInOneBatchStopMidway) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  std::string batch;
  for (int i = 0; i < 500; ++i) {
    const int32_t id = 1 + 2 * i;
    batch += Overrun(p, id);
  }
  EXPECT_FALSE(p.Send(batch).ok());
  // Processing stopped at the 21st provoked reset, not at the end of the batch.
  EXPECT_LE(p.handler.Count(Event::kRequest), 21);
  ExpectCalmAndAllClosed(p);
}

struct FloodCase {
  const char* name;
  std::string frame;  // sent repeatedly on an open connection
};

TEST(Flood, CheapFramesHaveABudget) {
  const std::vector<FloodCase> cases = {
      {"PING", Frame(NGHTTP2_PING, 0, 0, std::string(8, 'p'))},
      {"SETTINGS", Frame(NGHTTP2_SETTINGS, 0, 0, "")},
      {"PRIORITY", Frame(NGHTTP2_PRIORITY, 0, 1, U32(0) + std::string(1, '\x10'))},
      {"empty DATA", Frame(NGHTTP2_DATA, 0, 1, "")},
  };
  for (const FloodCase& c : cases) {
    RawPeer p(Tight());
    ASSERT_TRUE(p.Handshake().ok());
    ASSERT_TRUE(p.Send(p.Headers(1, kGet, false)).ok()) << c.name;  // stream 1 stays open
    const int rounds = FloodUntilClosed(p, 500, [&](int) { return c.frame; });
    EXPECT_LT(rounds, 60) << c.name;
    EXPECT_GE(rounds, 45) << c.name;  // burst 50, less what the handshake spent
    p.Drain();
    EXPECT_TRUE(p.SawGoaway(NGHTTP2_ENHANCE_YOUR_CALM)) << c.name;
    EXPECT_EQ(p.handler.Closed(1), kEnhanceYourCalm) << c.name;
  }
}

TEST(Flood, PingsWithinBudgetAreAnswered) {
  RawPeer p(Tight());
  ASSERT_TRUE(p.Handshake().ok());
  for (int i = 0; i < 30; ++i) {
    p.now += 200;
    ASSERT_TRUE(p.Send(Frame(NGHTTP2_PING, 0, 0, std::string(8, 'a' + i % 26))).ok());
  }
  p.Drain();
  int acks = 0;
  for (const ParsedFrame& f : p.frames) {
    acks += f.type == NGHTTP2_PING && (f.flags & NGHTTP2_FLAG_ACK) ? 1 : 0;
  }
  EXPECT_EQ(acks, 30);
  EXPECT_FALSE(p.SawGoaway(NGHTTP2_ENHANCE_YOUR_CALM));
}

TEST(Flood, UnreadAcksHitNghttp2OutboundLimit) {
  Limits l;
  l.control_burst = 100000;  // our budget out of the way: nghttp2's own guard remains
  l.max_outbound_ack = 100;
  RawPeer p(l);
  ASSERT_TRUE(p.Handshake().ok());
  std::string pings;
  for (int i = 0; i < 300; ++i) pings += Frame(NGHTTP2_PING, 0, 0, std::string(8, 'q'));
  EXPECT_FALSE(p.Send(pings).ok());
  p.Drain();
  EXPECT_TRUE(p.SawGoaway(NGHTTP2_ENHANCE_YOUR_CALM));
}

TEST(Flood, TooManySettingsEntries) {
  RawPeer p;
  ASSERT_TRUE(p.Handshake().ok());
  std::string entries;
  for (int i = 0; i < 40; ++i) entries += std::string("\x00\x03", 2) + U32(100);
  EXPECT_FALSE(p.Send(Frame(NGHTTP2_SETTINGS, 0, 0, entries)).ok());
  p.Drain();
  EXPECT_TRUE(p.server->WantsClose());
}

}  // namespace
}  // namespace waygate::h2::testing
