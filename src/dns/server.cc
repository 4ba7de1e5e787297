#include "dns/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "base/log.h"
#include "dns/wire.h"

namespace waygate::dns {
namespace {

// A connection whose unsent answers pile up past this is not read from until the peer reads.
constexpr size_t kMaxTcpPendingOut = 256 * 1024;
constexpr size_t kTcpReadChunk = 16 * 1024;
constexpr int kTcpReadsPerTurn = 4;  // so one busy connection cannot starve UDP
constexpr int kAcceptsPerTurn = 64;
constexpr int kMaxPollMs = 1000;

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Error SysError(std::string op, const net::Address& addr) {
  return MakeError(ErrorCode::kIo, op + " " + addr.ToString() + ": " + std::strerror(errno));
}

bool IsWildcard(const net::Address& addr) {
  if (addr.is_v6()) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr.storage);
    return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
  }
  return reinterpret_cast<const sockaddr_in*>(&addr.storage)->sin_addr.s_addr == INADDR_ANY;
}

Result<int> BindUdp(const net::Address& addr) {
  const int fd = socket(addr.storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return SysError("udp socket", addr);
  const int one = 1;
  bool ok = true;
  if (addr.is_v6()) ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0;
  // Bound to a wildcard address on a multi-homed host, an answer must leave from the address
  // the query was sent to, or the client drops it: learn that address from each datagram.
  if (ok && IsWildcard(addr)) {
    ok = addr.is_v6() ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == 0
                      : setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0;
  }
  if (!ok || bind(fd, addr.sa(), addr.len) != 0) {
    const int saved = errno;
    Error err = SysError("udp bind", addr);
    close(fd);
    errno = saved;  // the caller retries on EADDRINUSE
    return err;
  }
  return fd;
}

}  // namespace

class Server::Loop {
 public:
  Loop(int udp, int listener, int wake, SnapshotCell<Zone>* zone, Counters* counters,
       ServerOptions options)
      : udp_(udp),
        listener_(listener),
        wake_(wake),
        zone_(zone),
        counters_(*counters),
        options_(options) {}
  ~Loop() {
    for (Conn& c : conns_) close(c.fd);
    close(udp_);
    close(listener_);
    close(wake_);
  }

  void Run();
  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_, &one, sizeof(one));
  }

  std::atomic<bool> stopping{false};

 private:
  struct Conn {
    int fd = -1;
    std::string in;
    std::string out;
    size_t out_off = 0;
    int64_t deadline_ms = 0;
    bool eof = false;  // the peer half-closed: answer what arrived, then close
    bool dead = false;

    size_t pending() const { return out.size() - out_off; }
    bool wants_read() const { return !eof && !dead && pending() < kMaxTcpPendingOut; }
  };

  void RefreshZone() {
    const uint64_t gen = zone_->generation();
    if (gen != zone_gen_ || !zone_snapshot_) {
      zone_gen_ = gen;
      zone_snapshot_ = zone_->Load();
    }
  }
  static void Bump(std::atomic<uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }

  void ServeUdp();
  void Accept(int64_t now);
  void ReadTcp(Conn& c, int64_t now);
  void HandleFrames(Conn& c, int64_t now);
  void Flush(Conn& c, int64_t now);

  int udp_;
  int listener_;
  int wake_;
  SnapshotCell<Zone>* zone_;
  Counters& counters_;
  ServerOptions options_;
  uint64_t zone_gen_ = 0;
  std::shared_ptr<const Zone> zone_snapshot_;
  std::vector<Conn> conns_;
  std::vector<char> udp_buf_ = std::vector<char>(65536);
};

void Server::Loop::Run() {
  std::vector<pollfd> fds;
  while (!stopping.load(std::memory_order_acquire)) {
    int64_t now = NowMs();
    int timeout = kMaxPollMs;
    fds.clear();
    fds.push_back({wake_, POLLIN, 0});
    fds.push_back({udp_, POLLIN, 0});
    fds.push_back({listener_, POLLIN, 0});
    for (const Conn& c : conns_) {
      short events = 0;
      if (c.wants_read()) events |= POLLIN;
      if (c.pending() > 0) events |= POLLOUT;
      fds.push_back({c.fd, events, 0});
      timeout = static_cast<int>(std::clamp<int64_t>(c.deadline_ms - now, 0, timeout));
    }
    if (poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      log::Error(std::string("dns: poll: ") + std::strerror(errno));
      return;
    }
    if (fds[0].revents) {
      uint64_t drained;
      [[maybe_unused]] ssize_t n = read(wake_, &drained, sizeof(drained));
      continue;  // re-check stopping
    }
    now = NowMs();
    RefreshZone();
    if (fds[1].revents) ServeUdp();
    for (size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      const short rev = fds[3 + i].revents;
      if (rev & (POLLIN | POLLHUP | POLLERR)) ReadTcp(c, now);
      if (c.pending() > 0 && !c.dead) Flush(c, now);
      if (!c.dead && now >= c.deadline_ms) {
        Bump(counters_.tcp_timeouts);
        c.dead = true;
      }
      if (c.eof && c.pending() == 0) c.dead = true;
    }
    // Accept after the per-connection pass so `fds` and `conns_` stay index-aligned above.
    std::erase_if(conns_, [](const Conn& c) {
      if (c.dead) close(c.fd);
      return c.dead;
    });
    if (fds[2].revents) Accept(now);
  }
}

void Server::Loop::ServeUdp() {
  for (size_t i = 0; i < options_.udp_batch; ++i) {
    sockaddr_storage peer{};
    iovec iov{udp_buf_.data(), udp_buf_.size()};
    alignas(cmsghdr) char control[128];
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof(peer);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(udp_, &msg, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      continue;  // EINTR, or an ICMP error queued by an earlier send: skip it
    }
    Bump(counters_.udp_queries);
    std::optional<std::string> reply =
        Respond(*zone_snapshot_, std::string_view(udp_buf_.data(), static_cast<size_t>(n)),
                Transport::kUdp, options_.max_udp_payload);
    if (!reply) {
      Bump(counters_.dropped);
      continue;
    }
    // Reply from the address the query arrived at (only present on wildcard sockets).
    alignas(cmsghdr) char reply_control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
    msghdr out{};
    iovec out_iov{reply->data(), reply->size()};
    out.msg_name = &peer;
    out.msg_namelen = msg.msg_namelen;
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
        in_pktinfo got;
        std::memcpy(&got, CMSG_DATA(cm), sizeof(got));
        in_pktinfo send_info{};
        send_info.ipi_spec_dst = got.ipi_addr;
        out.msg_control = reply_control;
        out.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
        cmsghdr* oc = CMSG_FIRSTHDR(&out);
        oc->cmsg_level = IPPROTO_IP;
        oc->cmsg_type = IP_PKTINFO;
        oc->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        std::memcpy(CMSG_DATA(oc), &send_info, sizeof(send_info));
      } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
        out.msg_control = reply_control;
        out.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
        cmsghdr* oc = CMSG_FIRSTHDR(&out);
        oc->cmsg_level = IPPROTO_IPV6;
        oc->cmsg_type = IPV6_PKTINFO;
        oc->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
        std::memcpy(CMSG_DATA(oc), CMSG_DATA(cm), sizeof(in6_pktinfo));
      }
    }
    // A full socket buffer loses this answer; the client retries, as it would on packet loss.
    [[maybe_unused]] ssize_t sent = sendmsg(udp_, &out, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
}

void Server::Loop::Accept(int64_t now) {
  for (int i = 0; i < kAcceptsPerTurn; ++i) {
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that died in the backlog
    if (conns_.size() >= options_.max_tcp_connections) {
      Bump(counters_.tcp_refused);
      close(fd);
      continue;
    }
    Conn c;
    c.fd = fd;
    c.deadline_ms = now + options_.tcp_idle_timeout_ms;
    conns_.push_back(std::move(c));
  }
}

void Server::Loop::ReadTcp(Conn& c, int64_t now) {
  for (int i = 0; i < kTcpReadsPerTurn && c.wants_read(); ++i) {
    const size_t old = c.in.size();
    c.in.resize(old + kTcpReadChunk);
    const ssize_t n = recv(c.fd, c.in.data() + old, kTcpReadChunk, 0);
    c.in.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n == 0) {
      c.eof = true;
    } else if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.dead = true;
      break;
    }
    HandleFrames(c, now);
  }
}

// RFC 7766 8: each message is preceded by its length as two octets; several may be in flight.
void Server::Loop::HandleFrames(Conn& c, int64_t now) {
  size_t at = 0;
  while (!c.dead && c.in.size() - at >= 2 && c.pending() < kMaxTcpPendingOut) {
    const size_t len = (static_cast<uint8_t>(c.in[at]) << 8) | static_cast<uint8_t>(c.in[at + 1]);
    if (c.in.size() - at - 2 < len) break;
    Bump(counters_.tcp_queries);
    std::optional<std::string> reply =
        Respond(*zone_snapshot_, std::string_view(c.in).substr(at + 2, len), Transport::kTcp,
                options_.max_udp_payload);
    at += 2 + len;
    if (!reply) {
      // No readable header: the stream cannot be trusted to be in sync any more.
      Bump(counters_.dropped);
      c.dead = true;
      break;
    }
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    }
    c.out.push_back(static_cast<char>(reply->size() >> 8));
    c.out.push_back(static_cast<char>(reply->size() & 0xff));
    c.out.append(*reply);
    c.deadline_ms = now + options_.tcp_idle_timeout_ms;
  }
  c.in.erase(0, at);
}

void Server::Loop::Flush(Conn& c, int64_t now) {
  while (c.pending() > 0) {
    const ssize_t n = send(c.fd, c.out.data() + c.out_off, c.pending(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.dead = true;
      return;
    }
    c.out_off += static_cast<size_t>(n);
    c.deadline_ms = now + options_.tcp_idle_timeout_ms;
  }
  c.out.clear();
  c.out_off = 0;
  // Frames held back while the output was full can go now.
  if (!c.in.empty()) HandleFrames(c, now);
}

Result<std::unique_ptr<Server>> Server::Start(const net::Address& listen,
                                              std::shared_ptr<const Zone> zone,
                                              ServerOptions options) {
  if (!zone) return MakeError(ErrorCode::kInvalid, "dns: Start needs a zone");
  // With port 0 the kernel picks the TCP port; the same UDP port may be taken, so try again.
  int udp = -1;
  int tcp = -1;
  net::Address bound;
  for (int attempt = 0; attempt < 16 && udp < 0; ++attempt) {
    Result<int> t = net::ListenTcp(listen, /*reuse_port=*/false, /*backlog=*/128);
    if (!t.ok()) return t.error();
    Result<net::Address> local = net::LocalAddress(*t);
    if (!local.ok()) {
      close(*t);
      return local.error();
    }
    Result<int> u = BindUdp(*local);
    const int bind_errno = errno;
    if (u.ok()) {
      tcp = *t;
      udp = *u;
      bound = *local;
    } else {
      close(*t);
      if (listen.port() != 0 || bind_errno != EADDRINUSE) return u.error();
    }
  }
  if (udp < 0) return MakeError(ErrorCode::kIo, "dns: no port free for both UDP and TCP");
  const int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    close(udp);
    close(tcp);
    return SysError("eventfd", listen);
  }

  std::unique_ptr<Server> server(new Server());
  server->address_ = bound;
  server->zone_.Publish(std::move(zone));
  server->loop_ =
      std::make_unique<Loop>(udp, tcp, wake, &server->zone_, &server->counters_, options);
  server->thread_ = std::thread([loop = server->loop_.get()] { loop->Run(); });
  return server;
}

Server::~Server() { Stop(); }

// No wake-up needed: the loop checks the generation after every poll() return, i.e. before
// it reads the next packet.
void Server::SetZone(std::shared_ptr<const Zone> zone) {
  if (zone) zone_.Publish(std::move(zone));
}

void Server::Stop() {
  if (stopped_.exchange(true)) return;
  if (!loop_) return;
  loop_->stopping.store(true, std::memory_order_release);
  loop_->Wake();
  if (thread_.joinable()) thread_.join();
  loop_.reset();
}

Server::Stats Server::stats() const {
  Stats s;
  s.udp_queries = counters_.udp_queries.load(std::memory_order_relaxed);
  s.tcp_queries = counters_.tcp_queries.load(std::memory_order_relaxed);
  s.dropped = counters_.dropped.load(std::memory_order_relaxed);
  s.tcp_refused = counters_.tcp_refused.load(std::memory_order_relaxed);
  s.tcp_timeouts = counters_.tcp_timeouts.load(std::memory_order_relaxed);
  return s;
}

}  // namespace waygate::dns
