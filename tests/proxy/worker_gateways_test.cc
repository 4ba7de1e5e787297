// Workers adopt each published GatewaySet live: a gateway's listener serves only its own table,
// a new listener joins, a dropped one stops accepting, and a connection accepted before a change
// keeps working (or, when its gateway is gone, gets 503 rather than another gateway's routes).
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../common/test_client.h"
#include "../route/builders.h"
#include "echo/server.h"
#include "net/address.h"
#include "proxy/gateway_set.h"
#include "proxy/metrics.h"
#include "proxy/worker.h"

namespace waygate::proxy {
namespace {

using route::testing::IngressBuilder;
using route::testing::MakeEndpoints;
using route::testing::MakeService;
using waygate::testing::Connect;
using waygate::testing::Fetch;
using waygate::testing::ReadReply;
using waygate::testing::SendAll;

std::string Get(const std::string& host) {
  return "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
}

// One project: Ingress host -> Service web -> the echo server.
std::shared_ptr<const route::RouteTable> ProjectTable(const std::string& ns,
                                                      const std::string& host,
                                                      const net::Address& backend) {
  model::ClusterState state;
  state.ingresses.push_back(IngressBuilder(ns, "route")
                                .ClassName("waygate")
                                .Rule(host)
                                .Path("/", model::PathType::kPrefix, "web"));
  state.services.push_back(MakeService(ns, "web"));
  std::string ip = backend.ToString().substr(0, backend.ToString().rfind(':'));
  state.endpoints.push_back(MakeEndpoints(ns, "web", {ip}, {{"", backend.port()}}));
  std::vector<model::Diagnostic> diagnostics;
  auto table = route::RouteTable::Compile(state, {}, diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  return table;
}

std::shared_ptr<const BoundListener> Bind(const std::string& gateway) {
  auto addr = net::ParseAddress("127.0.0.1:0");
  auto fd = net::ListenTcp(*addr, /*reuse_port=*/true);
  EXPECT_TRUE(fd.ok());
  auto bound = net::LocalAddress(*fd);
  return std::make_shared<const BoundListener>(gateway, "http", *bound, std::vector<int>{*fd});
}

// Waits (bounded) for the worker to adopt a set: it looks once per wake-up, at most 100 ms.
template <class Probe>
bool Eventually(Probe probe) {
  for (int i = 0; i < 100; ++i) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool Refused(const net::Address& addr) {
  int fd = Connect(addr, 500);
  if (fd < 0) return true;
  std::string buf;
  bool answered = SendAll(fd, Get("a.example.com")) && ReadReply(fd, buf).has_value();
  close(fd);
  return !answered;
}

class WorkerGatewaysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto any = net::ParseAddress("127.0.0.1:0");
    auto blue = echo::Server::Start(*any, "blue");
    auto green = echo::Server::Start(*any, "green");
    ASSERT_TRUE(blue.ok() && green.ok());
    blue_ = std::move(*blue);
    green_ = std::move(*green);
    WorkerShared shared;
    shared.routes = &main_routes_;
    shared.gateways = &gateways_;
    shared.registry = &registry_;
    auto worker = Worker::Create(0, shared, {});
    ASSERT_TRUE(worker.ok());
    worker_ = std::move(*worker);
    thread_ = std::thread([w = worker_.get()] { w->Run(); });
  }
  void TearDown() override {
    worker_->Stop();
    thread_.join();
  }
  void Publish(std::vector<GatewayTable> tables,
               std::vector<std::shared_ptr<const BoundListener>> listeners) {
    auto set = std::make_shared<GatewaySet>();
    set->gateways = std::move(tables);
    set->listeners = std::move(listeners);
    gateways_.Publish(std::move(set));
  }
  static std::string ServedBy(const net::Address& addr, const std::string& host) {
    auto reply = Fetch(addr, Get(host));
    if (!reply) return "no answer";
    if (reply->status != 200) return std::to_string(reply->status);
    return reply->header("x-echo-name");
  }

  std::unique_ptr<echo::Server> blue_, green_;
  SnapshotCell<route::RouteTable> main_routes_;
  SnapshotCell<GatewaySet> gateways_;
  Registry registry_;
  std::unique_ptr<Worker> worker_;
  std::thread thread_;
};

TEST_F(WorkerGatewaysTest, EachListenerServesOnlyItsGatewaysTable) {
  auto a = Bind("ns/a");
  auto b = Bind("ns/b");
  Publish({{"ns/a", ProjectTable("alpha", "a.example.com", blue_->address())},
           {"ns/b", ProjectTable("beta", "b.example.com", green_->address())}},
          {a, b});
  ASSERT_TRUE(Eventually([&] { return ServedBy(a->address(), "a.example.com") == "blue"; }));
  EXPECT_EQ(ServedBy(b->address(), "b.example.com"), "green");
  EXPECT_EQ(ServedBy(a->address(), "b.example.com"), "404");
  EXPECT_EQ(ServedBy(b->address(), "a.example.com"), "404");
}

TEST_F(WorkerGatewaysTest, ListenersJoinAndLeaveWithoutTouchingOtherConnections) {
  auto a = Bind("ns/a");
  auto table_a = ProjectTable("alpha", "a.example.com", blue_->address());
  Publish({{"ns/a", table_a}}, {a});
  ASSERT_TRUE(Eventually([&] { return ServedBy(a->address(), "a.example.com") == "blue"; }));

  // A keep-alive connection on a's listener, open across every change below.
  int kept = Connect(a->address());
  ASSERT_GE(kept, 0);
  std::string buf;
  ASSERT_TRUE(SendAll(kept, Get("a.example.com")));
  auto first = ReadReply(kept, buf);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->header("x-echo-name"), "blue");

  // b joins.
  auto b = Bind("ns/b");
  Publish({{"ns/a", table_a}, {"ns/b", ProjectTable("beta", "b.example.com", green_->address())}},
          {a, b});
  ASSERT_TRUE(Eventually([&] { return ServedBy(b->address(), "b.example.com") == "green"; }));
  // b leaves: the set no longer names it (the test's reference keeps the socket open, so a
  // connect still lands in its queue, but nobody accepts it: no answer).
  net::Address b_address = b->address();
  Publish({{"ns/a", table_a}}, {a});
  std::weak_ptr<const BoundListener> b_weak = b;
  b.reset();
  EXPECT_TRUE(Eventually([&] { return b_weak.expired(); }));  // the worker let go of it
  EXPECT_TRUE(Eventually([&] { return Refused(b_address); }));

  // The connection accepted before all that is untouched.
  ASSERT_TRUE(SendAll(kept, Get("a.example.com")));
  auto again = ReadReply(kept, buf);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->header("x-echo-name"), "blue");
  close(kept);
}

TEST_F(WorkerGatewaysTest, ConnectionsOfARemovedGatewayGet503NotAnotherGatewaysRoutes) {
  auto a = Bind("ns/a");
  auto b = Bind("ns/b");
  auto table_b = ProjectTable("beta", "b.example.com", green_->address());
  Publish({{"ns/a", ProjectTable("alpha", "a.example.com", blue_->address())}, {"ns/b", table_b}},
          {a, b});
  ASSERT_TRUE(Eventually([&] { return ServedBy(a->address(), "a.example.com") == "blue"; }));
  int kept = Connect(a->address());
  ASSERT_GE(kept, 0);
  std::string buf;
  ASSERT_TRUE(SendAll(kept, Get("a.example.com")));
  ASSERT_TRUE(ReadReply(kept, buf).has_value());

  Publish({{"ns/b", table_b}}, {b});  // gateway a is gone
  ASSERT_TRUE(Eventually([&] { return Refused(a->address()) || a.use_count() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // one worker wake-up at least
  ASSERT_TRUE(SendAll(kept, Get("a.example.com")));
  auto reply = ReadReply(kept, buf);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 503);
  close(kept);
  EXPECT_EQ(ServedBy(b->address(), "b.example.com"), "green");
}

}  // namespace
}  // namespace waygate::proxy
