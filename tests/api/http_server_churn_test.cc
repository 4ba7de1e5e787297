// Many short connections at once: each connection's thread closes its descriptor as it ends,
// and accept4 hands the same number to the next client straight away. The server must never
// find a live thread in the slot it is about to fill (that was std::terminate, reachable by any
// anonymous client) and must answer every connection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.h"

namespace waygate::api {
namespace {

// One connection: send a request with Connection: close, read to EOF; the whole answer.
std::string OneExchange(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket failed";
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    ::close(fd);
    return "connect failed";
  }
  static constexpr std::string_view kRequest =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  if (::send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(kRequest.size())) {
    ::close(fd);
    return "send failed";
  }
  std::string answer;
  char buf[1024];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, n);
  ::close(fd);
  return answer;
}

TEST(HttpServerChurnTest, ThousandsOfShortConnectionsAreAllAnsweredAndNothingAborts) {
  HttpServerOptions options;
  options.listen = *net::ParseAddress("127.0.0.1:0");
  std::atomic<int> handled{0};
  auto server = HttpServer::Start(options, [&](const HttpRequest&, ResponseWriter& w) {
    handled.fetch_add(1);
    w.Send(200, "text/plain", "ok");
  });
  ASSERT_TRUE(server.ok()) << server.error().message;
  const uint16_t port = (*server)->address().port();

  constexpr int kClients = 8;
  constexpr int kEach = 400;
  std::atomic<int> answered{0};
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        std::string answer = OneExchange(port);
        if (answer.rfind("HTTP/1.1 200", 0) == 0 && answer.ends_with("ok")) {
          answered.fetch_add(1);
        } else if (failures[c].empty()) {
          failures[c] = answer.substr(0, 80);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  for (int c = 0; c < kClients; ++c) EXPECT_EQ(failures[c], "") << "client " << c;
  EXPECT_EQ(answered.load(), kClients * kEach);
  EXPECT_EQ(handled.load(), kClients * kEach);
  server->reset();  // joins every connection thread; must not hang or abort
}

}  // namespace
}  // namespace waygate::api
