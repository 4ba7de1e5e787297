#include "admin/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "common/test_client.h"

namespace waygate::admin {
namespace {

using ::testing::HasSubstr;
using waygate::testing::Connect;
using waygate::testing::Fetch;
using waygate::testing::PeerClosed;
using waygate::testing::ReadReply;
using waygate::testing::SendAll;

constexpr char kTextPlain[] = "text/plain; charset=utf-8";

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWith({}); }

  void StartWith(Options options) {
    server_.reset();
    Handlers h;
    h.ready = [this] { return ready_.load(); };
    h.metrics = [this] {
      ++metrics_calls_;
      return std::string("# TYPE waygate_up gauge\nwaygate_up 1\n");
    };
    auto addr = net::ParseAddress("127.0.0.1:0");
    ASSERT_TRUE(addr.ok());
    auto s = Server::Start(*addr, std::move(h), options);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(s).value();
    ASSERT_NE(server_->address().port(), 0);
  }

  std::optional<waygate::testing::Reply> Get(const std::string& path,
                                             const std::string& method = "GET") {
    return Fetch(server_->address(),
                 method + " " + path + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n",
                 method == "HEAD");
  }

  std::atomic<bool> ready_{false};
  std::atomic<int> metrics_calls_{0};
  std::unique_ptr<Server> server_;
};

TEST_F(AdminServerTest, HealthzIsOkWhileRunning) {
  auto r = Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->header("content-type"), kTextPlain);
  EXPECT_EQ(r->header("content-length"), "2");
}

TEST_F(AdminServerTest, ReadyzFollowsTheReadyHandler) {
  auto before = Get("/readyz");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 503);
  EXPECT_EQ(before->body, "not ready");
  ready_ = true;
  auto after = Get("/readyz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "ready");
  ready_ = false;
  auto again = Get("/readyz");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 503);
  // Health is independent of readiness.
  auto health = Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(AdminServerTest, MetricsUsesPrometheusTextFormat) {
  auto r = Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r->body, "# TYPE waygate_up gauge\nwaygate_up 1\n");
  EXPECT_EQ(metrics_calls_.load(), 1);
}

TEST_F(AdminServerTest, QueryStringDoesNotChangeTheEndpoint) {
  auto r = Get("/healthz?verbose=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
}

TEST_F(AdminServerTest, UnknownPathIs404) {
  for (const char* path : {"/", "/healthz/", "/metricsx", "/readyz/extra", "/favicon.ico"}) {
    auto r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
}

TEST_F(AdminServerTest, OnlyGetAndHeadAreAllowed) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    auto r = Get("/healthz", method);
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 405) << method;
    EXPECT_EQ(r->header("allow"), "GET, HEAD") << method;
  }
  EXPECT_EQ(metrics_calls_.load(), 0);
}

TEST_F(AdminServerTest, HeadHasLengthButNoBody) {
  int fd = Connect(server_->address());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string buf;
  auto head = ReadReply(fd, buf, /*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "2");
  EXPECT_EQ(head->body, "");
  // If HEAD had leaked a body, it would show up as the start of the next response.
  auto get = ReadReply(fd, buf);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(get->body, "ok");
  close(fd);
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  int fd = Connect(server_->address());
  ASSERT_GE(fd, 0);
  std::string buf;
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto first = ReadReply(fd, buf);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->header("connection"), "");
  ready_ = true;
  ASSERT_TRUE(SendAll(fd, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto second = ReadReply(fd, buf);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "ready");
  // Pipelined: two requests in one write, answered in order.
  ASSERT_TRUE(SendAll(fd,
                      "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
                      "GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  auto third = ReadReply(fd, buf);
  auto fourth = ReadReply(fd, buf);
  ASSERT_TRUE(third);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(third->status, 200);
  EXPECT_EQ(fourth->status, 404);
  EXPECT_EQ(fourth->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(AdminServerTest, Http10ClosesUnlessKeepAliveAsked) {
  int fd = Connect(server_->address());
  ASSERT_GE(fd, 0);
  std::string buf;
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto first = ReadReply(fd, buf);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->header("connection"), "keep-alive");
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.0\r\n\r\n"));
  auto second = ReadReply(fd, buf);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(AdminServerTest, MalformedRequestGets400AndClose) {
  int fd = Connect(server_->address());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n"));
  std::string buf;
  auto r = ReadReply(fd, buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(AdminServerTest, RequestWithBodyIsAnsweredThenClosed) {
  int fd = Connect(server_->address());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"));
  std::string buf;
  auto r = ReadReply(fd, buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(AdminServerTest, StuckClientDoesNotBlockOthers) {
  int stuck = Connect(server_->address());
  ASSERT_GE(stuck, 0);
  ASSERT_TRUE(SendAll(stuck, "GET /heal"));  // and never finishes
  auto start = std::chrono::steady_clock::now();
  auto r = Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  close(stuck);
}

TEST_F(AdminServerTest, IdleTimeoutClosesAStuckClient) {
  Options o;
  o.idle_timeout = std::chrono::milliseconds(200);
  StartWith(o);
  int stuck = Connect(server_->address(), /*timeout_ms=*/3000);
  ASSERT_GE(stuck, 0);
  ASSERT_TRUE(SendAll(stuck, "GET /healthz HTTP/1.1\r\n"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(PeerClosed(stuck));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(150));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  close(stuck);
}

TEST_F(AdminServerTest, TooManyClientsAreTurnedAwayNotQueued) {
  Options o;
  o.max_clients = 2;
  StartWith(o);
  int a = Connect(server_->address());
  int b = Connect(server_->address());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::string buf;
  // Make sure both are registered before the third arrives.
  ASSERT_TRUE(SendAll(a, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(ReadReply(a, buf));
  ASSERT_TRUE(SendAll(b, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(ReadReply(b, buf));
  int c = Connect(server_->address());
  ASSERT_GE(c, 0);
  EXPECT_TRUE(PeerClosed(c));
  close(c);
  close(a);
  // A slot freed: new clients are served again.
  for (int i = 0; i < 50; ++i) {
    auto r = Get("/healthz");
    if (r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_LT(i, 49) << "slot never freed";
  }
  close(b);
}

TEST_F(AdminServerTest, DestructorStopsAndJoinsEvenWithOpenClients) {
  int idle = Connect(server_->address());
  ASSERT_GE(idle, 0);
  std::string buf;
  ASSERT_TRUE(SendAll(idle, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(ReadReply(idle, buf));
  net::Address addr = server_->address();
  auto start = std::chrono::steady_clock::now();
  server_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(PeerClosed(idle));  // the kept-alive connection was closed
  close(idle);
  EXPECT_LT(Connect(addr), 0);  // nothing listens any more
}

TEST(AdminStartTest, BindFailureIsAnErrorNamingTheAddress) {
  auto addr = net::ParseAddress("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto first = Server::Start(*addr, {});
  ASSERT_TRUE(first.ok());
  auto second = Server::Start((*first)->address(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr((*first)->address().ToString()));
  EXPECT_THAT(second.error().message, HasSubstr("admin"));
}

TEST(AdminStartTest, EmptyHandlersMeanNotReadyAndNoMetrics) {
  auto addr = net::ParseAddress("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto s = Server::Start(*addr, {});
  ASSERT_TRUE(s.ok());
  const std::string tail = " HTTP/1.1\r\nHost: a\r\n\r\n";
  auto ready = Fetch((*s)->address(), "GET /readyz" + tail);
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  auto metrics = Fetch((*s)->address(), "GET /metrics" + tail);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "");
}

}  // namespace
}  // namespace waygate::admin
