#include "echo/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/test_client.h"

namespace waygate::echo {
namespace {

using ::testing::HasSubstr;
using waygate::testing::Connect;
using waygate::testing::Fetch;
using waygate::testing::PeerClosed;
using waygate::testing::ReadReply;
using waygate::testing::Reply;
using waygate::testing::SendAll;
using Json = nlohmann::json;

class EchoServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto addr = net::ParseAddress("127.0.0.1:0");
    ASSERT_TRUE(addr.ok());
    auto s = Server::Start(*addr, "backend-a");
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(s).value();
  }

  const net::Address& addr() const { return server_->address(); }

  // Sends `request` on `fd` and reads one reply (JSON body parsed when there is one).
  static std::optional<Reply> Exchange(int fd, std::string& buf, const std::string& request,
                                       bool head = false) {
    if (!SendAll(fd, request)) return std::nullopt;
    return ReadReply(fd, buf, head);
  }
  static Json Body(const Reply& r) { return Json::parse(r.body, nullptr, false); }

  std::unique_ptr<Server> server_;
};

TEST_F(EchoServerTest, DescribesTheRequestAsJson) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  auto local = net::LocalAddress(fd);
  ASSERT_TRUE(local.ok());
  std::string buf;
  auto r = Exchange(fd, buf,
                    "GET /api/items?x=1&y=two HTTP/1.1\r\n"
                    "Host: shop.example.com:8080\r\n"
                    "User-Agent: test\r\n"
                    "X-Multi: a\r\n"
                    "x-multi: b\r\n"
                    "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("x-echo-name"), "backend-a");
  EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size()));
  Json j = Body(*r);
  ASSERT_TRUE(j.is_object()) << r->body;
  EXPECT_EQ(j["name"], "backend-a");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/api/items?x=1&y=two");
  EXPECT_EQ(j["host"], "shop.example.com:8080");
  EXPECT_EQ(j["protocol"], "HTTP/1.1");
  EXPECT_EQ(j["headers"]["user-agent"], "test");
  EXPECT_EQ(j["headers"]["x-multi"], "a, b");
  EXPECT_EQ(j["headers"]["host"], "shop.example.com:8080");
  EXPECT_EQ(j["body_length"], 0);
  EXPECT_EQ(j["remote_addr"], local->ToString());
  EXPECT_EQ(j["request_index"], 1);
  EXPECT_GT(j["connection_id"].get<uint64_t>(), 0u);
  close(fd);
}

TEST_F(EchoServerTest, KeepAliveCountsRequestsPerConnection) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  uint64_t conn_id = 0;
  for (int i = 1; i <= 3; ++i) {
    auto r = Exchange(fd, buf, "GET /n HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "");
    Json j = Body(*r);
    EXPECT_EQ(j["request_index"], i);
    if (i == 1) conn_id = j["connection_id"];
    EXPECT_EQ(j["connection_id"], conn_id);
  }
  close(fd);
  auto other = Fetch(addr(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(other);
  Json j = Body(*other);
  EXPECT_EQ(j["request_index"], 1);
  EXPECT_NE(j["connection_id"], conn_id);
}

TEST_F(EchoServerTest, PipelinedRequestsAreAnsweredInOrder) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                      "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                      "GET /three HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string buf;
  const char* paths[] = {"/one", "/two", "/three"};
  for (int i = 0; i < 3; ++i) {
    auto r = ReadReply(fd, buf);
    ASSERT_TRUE(r) << i;
    Json j = Body(*r);
    EXPECT_EQ(j["path"], paths[i]);
    EXPECT_EQ(j["request_index"], i + 1);
    EXPECT_EQ(j["body_length"], i == 1 ? 5 : 0);
  }
  close(fd);
}

TEST_F(EchoServerTest, StatusAndHeaderParameters) {
  auto r = Fetch(addr(),
                 "GET /x?status=503&header=X-Test:hello&header=X-Other%3A%20two HTTP/1.1\r\n"
                 "Host: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("x-test"), "hello");
  EXPECT_EQ(r->header("x-other"), "two");
  EXPECT_EQ(Body(*r)["path"], "/x?status=503&header=X-Test:hello&header=X-Other%3A%20two");
}

TEST_F(EchoServerTest, NoContentHasNoBody) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf, "GET /?status=204 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->header("content-length"), "");
  EXPECT_EQ(r->header("transfer-encoding"), "");
  // Nothing leaked after the 204 head: the next response starts cleanly.
  auto next = Exchange(fd, buf, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(Body(*next)["request_index"], 2);
  close(fd);
}

TEST_F(EchoServerTest, BadParameterIs400ButKeepsTheConnection) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf, "GET /?status=99 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(Body(*r)["error"].get<std::string>(), HasSubstr("status"));
  auto next = Exchange(fd, buf, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  close(fd);
}

TEST_F(EchoServerTest, ContentLengthBodyIsReadAndCounted) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string body(300000, 'b');
  std::string buf;
  auto r =
      Exchange(fd, buf, "PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n" + body);
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(*r)["body_length"], 300000);
  EXPECT_EQ(Body(*r)["method"], "PUT");
  auto next = Exchange(fd, buf, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(Body(*next)["path"], "/after");
  close(fd);
}

TEST_F(EchoServerTest, ChunkedBodyLengthIsTheDecodedLength) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  ASSERT_TRUE(SendAll(fd,
                      "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // body arrives in two parts
  auto r = Exchange(fd, buf,
                    "1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n"
                    "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(*r)["body_length"], 5 + 26);
  EXPECT_EQ(Body(*r)["headers"]["transfer-encoding"], "chunked");
  auto next = ReadReply(fd, buf);
  ASSERT_TRUE(next);
  EXPECT_EQ(Body(*next)["path"], "/next");
  EXPECT_EQ(Body(*next)["request_index"], 2);
  close(fd);
}

TEST_F(EchoServerTest, BadChunkedBodyIs400AndClose) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf,
                    "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "zz\r\nhello\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(EchoServerTest, ExpectContinueGets100BeforeTheBody) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto cont = Exchange(fd, buf,
                       "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                       "Expect: 100-continue\r\n\r\n");
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status_line, "HTTP/1.1 100 Continue");
  auto r = Exchange(fd, buf, "data");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(*r)["body_length"], 4);
  close(fd);
}

TEST_F(EchoServerTest, HeadHasHeadersButNoBody) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf, "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", /*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_GT(std::stoul(r->header("content-length")), 50u);
  auto bytes = Exchange(fd, buf, "HEAD /h?body_bytes=1000 HTTP/1.1\r\nHost: a\r\n\r\n", true);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->header("content-length"), "1000");
  // Had either HEAD leaked a body, this reply would not parse as the third request's.
  auto next = Exchange(fd, buf, "GET /g HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(Body(*next)["path"], "/g");
  EXPECT_EQ(Body(*next)["request_index"], 3);
  close(fd);
}

TEST_F(EchoServerTest, BodyBytesStreamsExactlyThatMany) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf, "GET /?body_bytes=1000000 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-length"), "1000000");
  EXPECT_EQ(r->body, std::string(1000000, 'x'));
  auto chunked = Exchange(fd, buf, "GET /?body_bytes=150000&chunked=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(chunked);
  EXPECT_TRUE(chunked->chunked);
  EXPECT_EQ(chunked->header("content-length"), "");
  EXPECT_EQ(chunked->body, std::string(150000, 'x'));
  auto empty = Exchange(fd, buf, "GET /?body_bytes=0 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->header("content-length"), "0");
  EXPECT_EQ(empty->body, "");
  close(fd);
}

TEST_F(EchoServerTest, ChunkedJsonReply) {
  auto r = Fetch(addr(), "GET /j?chunked=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->chunked);
  EXPECT_EQ(Body(*r)["path"], "/j?chunked=1");
}

TEST_F(EchoServerTest, CloseParameterClosesAfterTheReply) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf, "GET /?close=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(EchoServerTest, Http10) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto ka = Exchange(fd, buf, "GET /old?chunked=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(ka);
  EXPECT_EQ(Body(*ka)["protocol"], "HTTP/1.0");
  EXPECT_EQ(ka->header("connection"), "keep-alive");
  EXPECT_FALSE(ka->chunked);  // an HTTP/1.0 client cannot read chunked
  auto last = Exchange(fd, buf, "GET /old HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(last);
  EXPECT_EQ(Body(*last)["request_index"], 2);
  EXPECT_EQ(last->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(EchoServerTest, MalformedRequestIs400AndClose) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  auto r = Exchange(fd, buf,
                    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(r->header("x-echo-name"), "backend-a");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(EchoServerTest, WebSocketUpgradeThenByteEcho) {
  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  std::string buf;
  // RFC 6455 section 1.3's example key and accept value; "early" rides in the same segment.
  auto r = Exchange(fd, buf,
                    "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\nearly");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 101);
  EXPECT_EQ(r->header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(waygate::testing::Lower(r->header("upgrade")), "websocket");
  while (buf.size() < 5) ASSERT_TRUE(waygate::testing::ReadMore(fd, buf));
  EXPECT_EQ(buf, "early");
  buf.clear();
  std::string payload("\x81\x05hello\r\n\r\nGET / HTTP/1.1\r\n\r\n\0binary", 37);
  ASSERT_TRUE(SendAll(fd, payload));
  while (buf.size() < payload.size()) ASSERT_TRUE(waygate::testing::ReadMore(fd, buf));
  EXPECT_EQ(buf, payload);
  shutdown(fd, SHUT_WR);
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(EchoServerTest, UpgradeToSomethingElseIsAnOrdinaryRequest) {
  auto r =
      Fetch(addr(), "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(*r)["headers"]["upgrade"], "h2c");
}

TEST_F(EchoServerTest, DelayIsHonouredAndStopInterruptsIt) {
  auto start = std::chrono::steady_clock::now();
  auto r = Fetch(addr(), "GET /?delay_ms=150 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));

  int fd = Connect(addr());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /?delay_ms=60000 HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  start = std::chrono::steady_clock::now();
  server_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(EchoServerTest, ManyConcurrentConnections) {
  constexpr int kConns = 250;
  std::vector<int> fds;
  for (int i = 0; i < kConns; ++i) {
    int fd = Connect(addr());
    ASSERT_GE(fd, 0) << i;
    fds.push_back(fd);
  }
  std::set<uint64_t> ids;
  for (int round = 1; round <= 2; ++round) {
    for (int fd : fds) ASSERT_TRUE(SendAll(fd, "GET /c HTTP/1.1\r\nHost: a\r\n\r\n"));
    for (int fd : fds) {
      std::string buf;
      auto r = ReadReply(fd, buf);
      ASSERT_TRUE(r);
      Json j = Body(*r);
      EXPECT_EQ(j["request_index"], round);
      ids.insert(j["connection_id"].get<uint64_t>());
    }
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kConns));
  for (int fd : fds) close(fd);
}

TEST_F(EchoServerTest, StopClosesOpenConnectionsAndTheListener) {
  int idle = Connect(addr());
  ASSERT_GE(idle, 0);
  std::string buf;
  ASSERT_TRUE(Exchange(idle, buf, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  net::Address a = addr();
  server_.reset();
  EXPECT_TRUE(PeerClosed(idle));
  close(idle);
  EXPECT_LT(Connect(a), 0);
}

TEST(EchoStartTest, BindFailureNamesTheAddress) {
  auto addr = net::ParseAddress("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto first = Server::Start(*addr, "one");
  ASSERT_TRUE(first.ok());
  auto second = Server::Start((*first)->address(), "two");
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr((*first)->address().ToString()));
}

}  // namespace
}  // namespace waygate::echo
