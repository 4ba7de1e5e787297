#include "net/address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace waygate::net {
namespace {

using ::testing::HasSubstr;

std::string RoundTrip(std::string_view text) {
  auto a = ParseAddress(text);
  if (!a.ok()) return "error: " + a.error().message;
  return a->ToString();
}

TEST(ParseAddressTest, AcceptsTheSpelledForms) {
  EXPECT_EQ(RoundTrip("127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(RoundTrip("[::1]:8080"), "[::1]:8080");
  EXPECT_EQ(RoundTrip(":8080"), "0.0.0.0:8080");
  EXPECT_EQ(RoundTrip("0.0.0.0:0"), "0.0.0.0:0");
  EXPECT_EQ(RoundTrip("localhost:80"), "127.0.0.1:80");
  EXPECT_EQ(RoundTrip("[::]:65535"), "[::]:65535");
  EXPECT_EQ(RoundTrip("10.1.2.3:00443"), "10.1.2.3:443");
}

TEST(ParseAddressTest, FamilyAndPort) {
  auto v4 = ParseAddress("192.168.1.10:30080");
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->is_v6());
  EXPECT_EQ(v4->port(), 30080);
  EXPECT_EQ(v4->len, sizeof(sockaddr_in));
  auto v6 = ParseAddress("[fe80::1:2]:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->port(), 443);
  EXPECT_EQ(v6->len, sizeof(sockaddr_in6));
}

TEST(ParseAddressTest, RejectsWithAClearMessage) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "empty"},
      {"127.0.0.1", "missing \":PORT\""},
      {"127.0.0.1:", "port \"\""},
      {"127.0.0.1:65536", "0..65535"},
      {"127.0.0.1:-1", "0..65535"},
      {"127.0.0.1:80a", "0..65535"},
      {"127.0.0.1: 80", "0..65535"},
      {"127.0.0.1:123456", "0..65535"},
      {"::1:8080", "brackets"},
      {"[::1]8080", "after \"]\""},
      {"[::1:8080", "missing ']'"},
      {"[]:80", "not an IPv6 address"},
      {"[127.0.0.1]:80", "not an IPv6 address"},
      {"example.com:80", "not resolved"},
      {"256.0.0.1:80", "not an IPv4 address"},
      {"1.2.3:80", "not an IPv4 address"},
  };
  for (const auto& c : cases) {
    auto a = ParseAddress(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_EQ(a.error().code, ErrorCode::kInvalid) << c.text;
    EXPECT_THAT(a.error().message, HasSubstr(c.says)) << c.text;
    EXPECT_THAT(a.error().message, HasSubstr(std::string("\"") + c.text + "\"")) << c.text;
  }
}

TEST(AddressTest, UnsetAddress) {
  Address a;
  EXPECT_EQ(a.port(), 0);
  EXPECT_FALSE(a.is_v6());
  EXPECT_EQ(a.ToString(), "<unset>");
}

TEST(ListenTcpTest, BindsPortZeroAndReportsTheRealPort) {
  auto addr = ParseAddress("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto fd = ListenTcp(*addr, false);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  int flags = fcntl(*fd, F_GETFL);
  EXPECT_TRUE(flags & O_NONBLOCK);
  EXPECT_TRUE(fcntl(*fd, F_GETFD) & FD_CLOEXEC);
  int reuse = 0;
  socklen_t len = sizeof(reuse);
  ASSERT_EQ(getsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len), 0);
  EXPECT_EQ(reuse, 1);
  auto local = LocalAddress(*fd);
  ASSERT_TRUE(local.ok());
  EXPECT_NE(local->port(), 0);
  EXPECT_EQ(local->ToString(), "127.0.0.1:" + std::to_string(local->port()));

  // A client connects; both ends agree on who is who.
  int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(c, 0);
  ASSERT_EQ(connect(c, local->sa(), local->len), 0);
  auto client_local = LocalAddress(c);
  auto client_peer = PeerAddress(c);
  ASSERT_TRUE(client_local.ok());
  ASSERT_TRUE(client_peer.ok());
  EXPECT_EQ(client_peer->ToString(), local->ToString());
  int s = -1;
  for (int i = 0; i < 1000 && s < 0; ++i) {
    s = accept(*fd, nullptr, nullptr);
    if (s < 0) usleep(1000);
  }
  ASSERT_GE(s, 0);
  auto server_peer = PeerAddress(s);
  ASSERT_TRUE(server_peer.ok());
  EXPECT_EQ(server_peer->ToString(), client_local->ToString());
  close(s);
  close(c);
  close(*fd);
}

TEST(ListenTcpTest, SecondBindFailsNamingTheAddressUnlessReusePort) {
  auto addr = ParseAddress("127.0.0.1:0");
  ASSERT_TRUE(addr.ok());
  auto first = ListenTcp(*addr, false);
  ASSERT_TRUE(first.ok());
  auto bound = LocalAddress(*first);
  ASSERT_TRUE(bound.ok());
  auto second = ListenTcp(*bound, false);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kIo);
  EXPECT_THAT(second.error().message, HasSubstr(bound->ToString()));
  EXPECT_THAT(second.error().message, HasSubstr("Address already in use"));
  close(*first);

  auto a = ListenTcp(*addr, true);
  ASSERT_TRUE(a.ok());
  auto port = LocalAddress(*a);
  ASSERT_TRUE(port.ok());
  auto b = ListenTcp(*port, true);
  ASSERT_TRUE(b.ok()) << b.error().message;
  close(*a);
  close(*b);
}

TEST(ListenTcpTest, Ipv6IsV6Only) {
  auto addr = ParseAddress("[::1]:0");
  ASSERT_TRUE(addr.ok());
  auto fd = ListenTcp(*addr, false);
  if (!fd.ok()) GTEST_SKIP() << "no IPv6 loopback: " << fd.error().message;
  int v6only = 0;
  socklen_t len = sizeof(v6only);
  ASSERT_EQ(getsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len), 0);
  EXPECT_EQ(v6only, 1);
  auto local = LocalAddress(*fd);
  ASSERT_TRUE(local.ok());
  EXPECT_TRUE(local->is_v6());
  EXPECT_EQ(local->ToString(), "[::1]:" + std::to_string(local->port()));
  close(*fd);
}

TEST(SockNameTest, BadFdIsAnError) {
  auto a = LocalAddress(-1);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error().message, HasSubstr("getsockname"));
  auto p = PeerAddress(-1);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message, HasSubstr("getpeername"));
}

}  // namespace
}  // namespace waygate::net
