// dns::Server over real sockets: the real `dig` (bind9-dnsutils) over UDP and TCP, and raw
// sockets sending what dig never would.
#include "dns/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "dns_message.h"

namespace waygate::dns {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::shared_ptr<const Zone> MakeZone(std::vector<HostEntry> hosts) {
  ZoneSpec spec;
  spec.hosts = std::move(hosts);
  spec.ttl = 60;
  auto z = Zone::Create(spec);
  EXPECT_TRUE(z.ok()) << z.error().ToString();
  return *z;
}

std::shared_ptr<const Zone> DemoZone() {
  HostEntry many{"many.example.net", {}};
  for (int i = 1; i <= 100; ++i) many.addresses.push_back("10.9.0." + std::to_string(i));
  return MakeZone({{"demo.kubesphere.io", {"192.168.0.10", "2001:db8::10"}},
                   {"*.apps.example.com", {"172.16.0.5"}},
                   many});
}

std::unique_ptr<Server> StartServer(const char* listen, std::shared_ptr<const Zone> zone,
                                    ServerOptions options = {}) {
  Result<net::Address> addr = net::ParseAddress(listen);
  EXPECT_TRUE(addr.ok());
  Result<std::unique_ptr<Server>> s = Server::Start(*addr, std::move(zone), options);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  if (!s.ok()) return nullptr;
  EXPECT_NE((*s)->port(), 0);
  return std::move(*s);
}

// Runs dig against the server; returns its whole output (stdout and stderr).
std::string Dig(const Server& server, const std::string& args) {
  const std::string ip = server.address().is_v6() ? "::1" : "127.0.0.1";
  const std::string cmd =
      "dig @" + ip + " -p " + std::to_string(server.port()) + " +time=3 +tries=1 " + args + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  EXPECT_NE(f, nullptr);
  if (!f) return {};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// dig's ";; flags: qr aa rd; QUERY: ..." line, flags only.
std::string Flags(const std::string& out) {
  const size_t at = out.find(";; flags: ");
  if (at == std::string::npos) return {};
  const size_t end = out.find(';', at + 10);
  return out.substr(at + 10, end - at - 10);
}

class DigTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (access("/usr/bin/dig", X_OK) != 0) GTEST_SKIP() << "dig (bind9-dnsutils) not installed";
    server_ = StartServer("127.0.0.1:0", DemoZone());
    ASSERT_NE(server_, nullptr);
  }
  std::string Query(const std::string& args) { return Dig(*server_, GetParam() + (" " + args)); }

  std::unique_ptr<Server> server_;
};

TEST_P(DigTest, NipNameA) {
  const std::string out = Query("demo2.kubesphere.139.198.121.154.nip.io A");
  EXPECT_TRUE(Has(out, "status: NOERROR")) << out;
  EXPECT_EQ(Flags(out), "qr aa rd") << out;
  EXPECT_TRUE(Has(out,
                  ";; ANSWER SECTION:\ndemo2.kubesphere.139.198.121.154.nip.io. 60 IN A "
                  "139.198.121.154"))
      << out;
}

TEST_P(DigTest, DashFormAndRouteHostAaaa) {
  std::string out = Query("app-10-0-0-1.nip.io A");
  EXPECT_TRUE(Has(out, "app-10-0-0-1.nip.io.\t60\tIN\tA\t10.0.0.1")) << out;
  out = Query("DEMO.kubesphere.io. AAAA");
  EXPECT_TRUE(Has(out, "status: NOERROR")) << out;
  EXPECT_EQ(Flags(out), "qr aa rd") << out;
  EXPECT_TRUE(Has(out, "DEMO.kubesphere.io.\t60\tIN\tAAAA\t2001:db8::10")) << out;
  out = Query("-q --1.sslip.io -t AAAA");  // -q: a name that looks like an option
  EXPECT_TRUE(Has(out, "--1.sslip.io.\t\t60\tIN\tAAAA\t::1") ||
              Has(out, "--1.sslip.io.\t60\tIN\tAAAA\t::1"))
      << out;
  out = Query("shop.apps.example.com A");
  EXPECT_TRUE(Has(out, "IN\tA\t172.16.0.5")) << out;
}

TEST_P(DigTest, NxDomainWithSoa) {
  const std::string out = Query("foo.nip.io A");
  EXPECT_TRUE(Has(out, "status: NXDOMAIN")) << out;
  EXPECT_EQ(Flags(out), "qr aa rd") << out;
  EXPECT_TRUE(Has(out, "ANSWER: 0, AUTHORITY: 1")) << out;
  EXPECT_TRUE(Has(out,
                  ";; AUTHORITY SECTION:\nnip.io.\t\t\t60\tIN\tSOA\tns.nip.io. "
                  "hostmaster.nip.io. 1 3600 600 86400 60"))
      << out;
}

TEST_P(DigTest, NoDataWithSoa) {
  const std::string out = Query("app.10.0.0.1.nip.io AAAA");
  EXPECT_TRUE(Has(out, "status: NOERROR")) << out;
  EXPECT_EQ(Flags(out), "qr aa rd") << out;
  EXPECT_TRUE(Has(out, "ANSWER: 0, AUTHORITY: 1")) << out;
  EXPECT_TRUE(Has(out, "IN\tSOA\tns.nip.io. hostmaster.nip.io.")) << out;
  EXPECT_FALSE(Has(out, ";; ANSWER SECTION:")) << out;
}

TEST_P(DigTest, RefusedOutsideOurNames) {
  const std::string out = Query("example.org A");
  EXPECT_TRUE(Has(out, "status: REFUSED")) << out;
  EXPECT_EQ(Flags(out), "qr rd") << out;  // not authoritative
  EXPECT_TRUE(Has(out, "ANSWER: 0, AUTHORITY: 0")) << out;
}

INSTANTIATE_TEST_SUITE_P(Transports, DigTest, ::testing::Values("+notcp", "+tcp"),
                         [](const auto& info) {
                           return std::string(info.param) == "+tcp" ? "Tcp" : "Udp";
                         });

TEST(DnsServer, TruncatedUdpAnswerMakesDigRetryOverTcp) {
  if (access("/usr/bin/dig", X_OK) != 0) GTEST_SKIP() << "dig not installed";
  auto server = StartServer("127.0.0.1:0", DemoZone());
  ASSERT_NE(server, nullptr);
  // +ignore shows the truncated UDP answer itself ...
  std::string out = Dig(*server, "+ignore +noedns many.example.net A");
  EXPECT_EQ(Flags(out), "qr aa tc rd") << out;
  // ... without it, dig retries over TCP and gets all 100 addresses.
  out = Dig(*server, "many.example.net A");
  EXPECT_TRUE(Has(out, "Truncated, retrying in TCP mode")) << out;
  EXPECT_EQ(Flags(out), "qr aa rd") << out;
  EXPECT_TRUE(Has(out, "ANSWER: 100,")) << out;
  EXPECT_TRUE(Has(out, "IN\tA\t10.9.0.100")) << out;
  EXPECT_GE(server->stats().tcp_queries, 1u);
}

TEST(DnsServer, SetZoneSwapsWhatIsServed) {
  if (access("/usr/bin/dig", X_OK) != 0) GTEST_SKIP() << "dig not installed";
  auto server = StartServer("127.0.0.1:0", DemoZone());
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Has(Dig(*server, "new.example.org A"), "status: REFUSED"));
  server->SetZone(MakeZone({{"new.example.org", {"10.20.30.40"}}}));
  std::string out = Dig(*server, "new.example.org A");
  EXPECT_TRUE(Has(out, "IN\tA\t10.20.30.40")) << out;
  EXPECT_TRUE(Has(Dig(*server, "demo.kubesphere.io A"), "status: REFUSED"));
}

TEST(DnsServer, ListensOnIpv6) {
  if (access("/usr/bin/dig", X_OK) != 0) GTEST_SKIP() << "dig not installed";
  Result<net::Address> addr = net::ParseAddress("[::1]:0");
  ASSERT_TRUE(addr.ok());
  Result<std::unique_ptr<Server>> s = Server::Start(*addr, DemoZone());
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << s.error().ToString();
  for (const char* transport : {"+notcp", "+tcp"}) {
    const std::string out = Dig(**s, std::string(transport) + " app.10.0.0.1.nip.io A");
    EXPECT_TRUE(Has(out, "IN\tA\t10.0.0.1")) << out;
  }
}

// ---- raw sockets -------------------------------------------------------------------------

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int Socket(int type, int timeout_ms = 2000) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Sends one datagram and waits for one answer (empty on timeout).
std::string UdpExchange(int fd, uint16_t port, const std::string& packet) {
  const sockaddr_in to = Loopback(port);
  EXPECT_EQ(sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                   sizeof(to)),
            static_cast<ssize_t>(packet.size()));
  char buf[65536];
  const ssize_t n = recv(fd, buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

int TcpConnect(uint16_t port, int timeout_ms = 2000) {
  const int fd = Socket(SOCK_STREAM, timeout_ms);
  const sockaddr_in to = Loopback(port);
  EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)), 0);
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  return send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

std::string Framed(const std::string& msg) {
  std::string s;
  testing::Put16(&s, static_cast<uint16_t>(msg.size()));
  return s + msg;
}

// Reads one length-prefixed message; empty on EOF or timeout.
std::string ReadFramed(int fd) {
  auto read_n = [fd](size_t n) {
    std::string s(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t r = recv(fd, s.data() + got, n - got, 0);
      if (r <= 0) return std::string();
      got += static_cast<size_t>(r);
    }
    return s;
  };
  const std::string len = read_n(2);
  if (len.size() != 2) return {};
  return read_n((static_cast<uint8_t>(len[0]) << 8) | static_cast<uint8_t>(len[1]));
}

// True if the peer closes the connection within `timeout_ms`.
bool ClosedWithin(int fd, int timeout_ms) {
  const auto deadline = steady_clock::now() + milliseconds(timeout_ms);
  char c;
  while (steady_clock::now() < deadline) {
    const ssize_t r = recv(fd, &c, 1, 0);
    if (r == 0) return true;
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
  return false;
}

void ExpectAnswer(const std::string& reply, uint16_t id, const std::string& addr) {
  std::optional<testing::Message> m = testing::Decode(reply);
  ASSERT_TRUE(m) << "no valid answer";
  EXPECT_EQ(m->id, id);
  EXPECT_EQ(m->rcode(), 0);
  ASSERT_EQ(m->answers.size(), 1u);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, m->answers[0].rdata.data(), text, sizeof(text));
  EXPECT_EQ(text, addr);
}

TEST(DnsServer, GarbageOverUdpNeverStopsIt) {
  auto server = StartServer("127.0.0.1:0", DemoZone());
  ASSERT_NE(server, nullptr);
  const int fd = Socket(SOCK_DGRAM, 300);
  // No header: dropped, no answer at all.
  EXPECT_EQ(UdpExchange(fd, server->port(), "x"), "");
  EXPECT_EQ(UdpExchange(fd, server->port(), std::string(11, '\xff')), "");
  // A response (QR set) is never answered: no reflection loops.
  EXPECT_EQ(UdpExchange(fd, server->port(),
                        testing::Header(1, 0x8000, 1) + testing::Question("a.1.2.3.4.nip.io", 1)),
            "");
  // Header readable, the rest garbage: FORMERR with the id.
  for (const std::string& junk :
       {testing::Header(0x1234, 0, 1) + std::string("\xc0\x0c\x00\x01\x00\x01", 6),
        testing::Header(0x1234, 0, 1) + std::string(300, '\x3f'),
        testing::Header(0x1234, 0, 9) + std::string(65000, '\x01')}) {
    std::optional<testing::Message> m = testing::Decode(UdpExchange(fd, server->port(), junk));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id, 0x1234);
    EXPECT_EQ(m->rcode(), 1);
  }
  // Random bytes, as many as fit a datagram, at every size: whatever comes back is well formed.
  uint32_t seed = 12345;
  for (int i = 0; i < 200; ++i) {
    std::string junk((i * 37) % 1500, '\0');
    for (char& c : junk) c = static_cast<char>((seed = seed * 1103515245 + 12345) >> 16);
    const sockaddr_in to = Loopback(server->port());
    sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  }
  // Still answering. The burst may have filled the socket buffer, where the kernel drops what
  // does not fit, so ask as a resolver would: again after a timeout.
  const int fresh = Socket(SOCK_DGRAM, 500);
  std::string reply;
  for (int attempt = 0; attempt < 5 && reply.empty(); ++attempt) {
    reply = UdpExchange(fresh, server->port(), testing::Query(77, "app.10.1.2.3.nip.io", 1));
  }
  ExpectAnswer(reply, 77, "10.1.2.3");
  EXPECT_GE(server->stats().udp_queries, 7u);
  EXPECT_GE(server->stats().dropped, 3u);
  close(fd);
  close(fresh);
}

TEST(DnsServer, TcpCarriesSeveralQueriesPerConnection) {
  auto server = StartServer("127.0.0.1:0", DemoZone());
  ASSERT_NE(server, nullptr);
  const int fd = TcpConnect(server->port());
  // Three queries in one write, split mid-frame into a second write.
  const std::string all = Framed(testing::Query(1, "a.10.0.0.1.nip.io", 1)) +
                          Framed(testing::Query(2, "b.10.0.0.2.nip.io", 1)) +
                          Framed(testing::Query(3, "c.10.0.0.3.nip.io", 1));
  ASSERT_TRUE(SendAll(fd, all.substr(0, 40)));
  std::this_thread::sleep_for(milliseconds(20));
  ASSERT_TRUE(SendAll(fd, all.substr(40)));
  ExpectAnswer(ReadFramed(fd), 1, "10.0.0.1");
  ExpectAnswer(ReadFramed(fd), 2, "10.0.0.2");
  ExpectAnswer(ReadFramed(fd), 3, "10.0.0.3");
  // A FORMERR keeps the connection; a message with no header ends it.
  ASSERT_TRUE(SendAll(fd, Framed(testing::Header(9, 0, 0))));
  std::optional<testing::Message> m = testing::Decode(ReadFramed(fd));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rcode(), 1);
  ASSERT_TRUE(SendAll(fd, Framed(testing::Query(4, "d.10.0.0.4.nip.io", 1))));
  ExpectAnswer(ReadFramed(fd), 4, "10.0.0.4");
  ASSERT_TRUE(SendAll(fd, Framed("bad")));
  EXPECT_TRUE(ClosedWithin(fd, 2000));
  close(fd);
}

TEST(DnsServer, HalfOpenTcpClientsDoNotBlockUdpAndTimeOut) {
  ServerOptions options;
  options.tcp_idle_timeout_ms = 300;
  auto server = StartServer("127.0.0.1:0", DemoZone(), options);
  ASSERT_NE(server, nullptr);
  // One client sends half a length prefix, another a prefix promising bytes that never come.
  const int half = TcpConnect(server->port());
  ASSERT_TRUE(SendAll(half, std::string(1, '\0')));
  const int promise = TcpConnect(server->port());
  ASSERT_TRUE(SendAll(promise, std::string("\x01\x00", 2) + std::string(10, 'x')));
  // UDP is answered at once meanwhile.
  const int udp = Socket(SOCK_DGRAM);
  const auto start = steady_clock::now();
  ExpectAnswer(UdpExchange(udp, server->port(), testing::Query(5, "x.10.0.0.5.nip.io", 1)), 5,
               "10.0.0.5");
  EXPECT_LT(steady_clock::now() - start, milliseconds(250));
  // Both stalled connections are closed by the idle timeout.
  EXPECT_TRUE(ClosedWithin(half, 3000));
  EXPECT_TRUE(ClosedWithin(promise, 3000));
  EXPECT_GE(server->stats().tcp_timeouts, 2u);
  close(half);
  close(promise);
  close(udp);
}

TEST(DnsServer, CapsConcurrentTcpConnections) {
  ServerOptions options;
  options.max_tcp_connections = 2;
  auto server = StartServer("127.0.0.1:0", DemoZone(), options);
  ASSERT_NE(server, nullptr);
  const int a = TcpConnect(server->port());
  const int b = TcpConnect(server->port());
  // Make sure both are accepted before the third arrives.
  ASSERT_TRUE(SendAll(a, Framed(testing::Query(1, "a.10.0.0.1.nip.io", 1))));
  ExpectAnswer(ReadFramed(a), 1, "10.0.0.1");
  ASSERT_TRUE(SendAll(b, Framed(testing::Query(2, "a.10.0.0.2.nip.io", 1))));
  ExpectAnswer(ReadFramed(b), 2, "10.0.0.2");
  const int c = TcpConnect(server->port());
  EXPECT_TRUE(ClosedWithin(c, 2000));
  EXPECT_EQ(server->stats().tcp_refused, 1u);
  // A slot frees when one closes.
  close(a);
  std::this_thread::sleep_for(milliseconds(50));
  const int d = TcpConnect(server->port());
  ASSERT_TRUE(SendAll(d, Framed(testing::Query(3, "a.10.0.0.3.nip.io", 1))));
  ExpectAnswer(ReadFramed(d), 3, "10.0.0.3");
  close(b);
  close(c);
  close(d);
}

TEST(DnsServer, StopClosesTheSocketsAndIsIdempotent) {
  auto server = StartServer("127.0.0.1:0", DemoZone());
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  const int held = TcpConnect(port);
  server->Stop();
  server->Stop();
  EXPECT_TRUE(ClosedWithin(held, 2000));
  const int fd = Socket(SOCK_STREAM);
  const sockaddr_in to = Loopback(port);
  EXPECT_NE(connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)), 0);
  close(fd);
  close(held);
}

TEST(DnsServer, ExplicitPortBindsUdpAndTcpTogether) {
  auto first = StartServer("127.0.0.1:0", DemoZone());
  ASSERT_NE(first, nullptr);
  const std::string taken = "127.0.0.1:" + std::to_string(first->port());
  Result<std::unique_ptr<Server>> second = Server::Start(*net::ParseAddress(taken), DemoZone());
  EXPECT_FALSE(second.ok());
  EXPECT_FALSE(Server::Start(*net::ParseAddress("127.0.0.1:0"), nullptr).ok());
}

}  // namespace
}  // namespace waygate::dns
