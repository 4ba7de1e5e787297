// The watch body decoders (no I/O): chunked transfer coding and the stream of JSON events, fed
// with the input cut at every possible place.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kubeclient/chunked.h"
#include "kubeclient/watch_decoder.h"

namespace waygate::kubeclient {
namespace {

std::string Chunk(const std::string& data) {
  char size[32];
  snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

// Three events the way kube-apiserver writes them (one JSON object and a newline each), with
// strings holding braces, quotes and escapes that a naive splitter would trip on.
const std::string kEvents =
    R"js({"type":"ADDED","object":{"kind":"Ingress","metadata":{"name":"a}{","resourceVersion":"5"},"note":"say \"}\" \\"}})js"
    "\n"
    R"js({"type":"BOOKMARK","object":{"kind":"Ingress","metadata":{"resourceVersion":"9"}}})js"
    "\n"
    R"js({"type":"DELETED","object":{"kind":"Ingress","metadata":{"name":"b","resourceVersion":"12"},"list":[1,[2],{"x":[]}]}})js"
    "\n";

void ExpectTheThreeEvents(const std::vector<WatchEvent>& events) {
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ(events[0].object["metadata"]["name"], "a}{");
  EXPECT_EQ(events[0].object["note"], "say \"}\" \\");
  EXPECT_EQ(events[1].type, EventType::kBookmark);
  EXPECT_EQ(events[1].object["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(events[2].type, EventType::kDeleted);
  EXPECT_EQ(events[2].object["metadata"]["name"], "b");
}

TEST(ChunkedDecoderTest, DecodesWhateverTheSplit) {
  std::string payload = "hello, chunked world; with extensions and trailers";
  std::string wire = Chunk(payload.substr(0, 7)) + "a;name=value;q=\"x;y\"\r\n" +
                     payload.substr(7, 10) + "\r\n" + Chunk(payload.substr(17)) +
                     "0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n";
  for (size_t cut1 = 0; cut1 <= wire.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= wire.size(); cut2 += 3) {
      ChunkedDecoder decoder;
      std::string out;
      auto a = decoder.Feed(std::string_view(wire).substr(0, cut1), out);
      ASSERT_FALSE(a.error) << a.reason;
      ASSERT_EQ(a.done, cut1 == wire.size());
      auto b = decoder.Feed(std::string_view(wire).substr(cut1, cut2 - cut1), out);
      ASSERT_FALSE(b.error) << b.reason;
      auto c = decoder.Feed(std::string_view(wire).substr(cut2), out);
      ASSERT_FALSE(c.error) << c.reason;
      ASSERT_TRUE(c.done) << cut1 << "/" << cut2;
      ASSERT_EQ(out, payload);
    }
  }
}

TEST(ChunkedDecoderTest, ReportsBytesAfterTheLastChunkAsNotConsumed) {
  ChunkedDecoder decoder;
  std::string out;
  auto step = decoder.Feed("3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200", out);
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.consumed, 13u);  // up to the final CRLF, not the next response
  EXPECT_EQ(out, "abc");
  EXPECT_TRUE(decoder.Feed("more", out).done);
}

TEST(ChunkedDecoderTest, RejectsBrokenFraming) {
  for (const char* bad : {"x\r\n", "\r\n", "3\r\nabcd\r\n", "3\nabc", "3\r\nabc\rX",
                          "fffffffffffffffff\r\n", "0\r\n\rX"}) {
    ChunkedDecoder decoder;
    std::string out;
    auto step = decoder.Feed(bad, out);
    EXPECT_TRUE(step.error) << bad;
    EXPECT_TRUE(decoder.Feed("1\r\na\r\n", out).error) << "errors are final";
  }
}

TEST(WatchDecoderTest, EventsSurviveEverySplit) {
  for (size_t cut1 = 0; cut1 <= kEvents.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= kEvents.size(); cut2 += 13) {
      WatchDecoder decoder;
      std::vector<WatchEvent> events;
      ASSERT_TRUE(decoder.Feed(kEvents.substr(0, cut1), events).ok());
      ASSERT_TRUE(decoder.Feed(kEvents.substr(cut1, cut2 - cut1), events).ok());
      ASSERT_TRUE(decoder.Feed(kEvents.substr(cut2), events).ok());
      ExpectTheThreeEvents(events);
      EXPECT_TRUE(decoder.idle());
    }
  }
}

TEST(WatchDecoderTest, ChunkedThenEventsWithChunkBoundariesInsideEvents) {
  // The server's chunk boundaries fall in the middle of events; one read may end inside a
  // chunk-size line. Decode byte by byte through both layers.
  std::string wire = Chunk(kEvents.substr(0, 40)) + Chunk(kEvents.substr(40, 1)) +
                     Chunk(kEvents.substr(41)) + "0\r\n\r\n";
  ChunkedDecoder chunked;
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  bool done = false;
  for (char c : wire) {
    std::string data;
    auto step = chunked.Feed(std::string_view(&c, 1), data);
    ASSERT_FALSE(step.error);
    ASSERT_TRUE(decoder.Feed(data, events).ok());
    done = step.done;
  }
  EXPECT_TRUE(done);
  ExpectTheThreeEvents(events);
}

TEST(WatchDecoderTest, NewlinesAreNotNeeded) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder
                  .Feed(R"js({"type":"ADDED","object":{}}{"type":"MODIFIED","object":{"a":1}})js"
                        "  \r\n\t",
                        events)
                  .ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, EventType::kModified);
  EXPECT_TRUE(decoder.idle());
}

TEST(WatchDecoderTest, ErrorEventCarriesItsStatus) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder
                  .Feed(R"js({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1",)js"
                        R"js("status":"Failure","message":"too old resource version: 1 (5)",)js"
                        R"js("reason":"Expired","code":410}})js",
                        events)
                  .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kError);
  ApiStatus status = ParseApiStatus(events[0].object);
  EXPECT_EQ(status.code, 410);
  EXPECT_EQ(status.reason, "Expired");
  EXPECT_EQ(status.message, "too old resource version: 1 (5)");
}

TEST(WatchDecoderTest, PartialEventIsNotIdle) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder.Feed(R"js({"type":"ADDED","obj)js", events).ok());
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(decoder.idle());
}

TEST(WatchDecoderTest, RejectsWhatIsNotAnEventStream) {
  struct Case {
    const char* input;
    const char* why;
  } cases[] = {
      {"[1]", "expected an object"},
      {"{\"type\":\"ADDED\"}", "without type and object"},
      {"{\"type\":\"ADDED\",\"object\":[]}", "without type and object"},
      {"{\"type\":\"RENAMED\",\"object\":{}}", "unknown event type"},
      {"{\"type\":\"ADDED\",\"object\":{]}", "invalid JSON"},
  };
  for (const auto& c : cases) {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    Status s = decoder.Feed(c.input, events);
    ASSERT_FALSE(s.ok()) << c.input;
    EXPECT_NE(s.error().message.find(c.why), std::string::npos) << s.error().message;
  }
}

TEST(WatchDecoderTest, OversizedEventIsAnError) {
  WatchDecoder decoder(64);
  std::vector<WatchEvent> events;
  Status s =
      decoder.Feed("{\"type\":\"ADDED\",\"object\":{\"x\":\"" + std::string(100, 'a'), events);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("larger than 64"), std::string::npos);
}

}  // namespace
}  // namespace waygate::kubeclient
