// Session mechanics: readiness bookkeeping, the phase loop and raw I/O. The HTTP logic of an
// exchange lives in exchange.cc.
#include "proxy/session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"

namespace waygate::proxy {

namespace {
constexpr size_t kInitialBuffer = 16 * 1024;
}

Session::Session(Worker* worker, int fd, const net::Address& peer,
                 std::shared_ptr<Serving> serving, const ListenerInfo& listener,
                 std::shared_ptr<const TlsSnapshot> tls)
    : w_(worker),
      fd_(fd),
      serving_(std::move(serving)),
      listen_port_(listener.port),
      https_port_(listener.https_port),
      in_(kInitialBuffer) {
  if (tls != nullptr) {
    tls_ = TlsStream::Create(tls->front.get(), tls->sni.get());
    tls_hold_ = std::move(tls);
    phase_ = Phase::kHandshake;
    secure_ = true;
  }
  const sockaddr* sa = reinterpret_cast<const sockaddr*>(&peer.storage);
  uint16_t port = 0;
  if (sa->sa_family == AF_INET6) {
    auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &s6->sin6_addr, peer_ip_, sizeof peer_ip_);
    port = ntohs(s6->sin6_port);
  } else {
    auto* s4 = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &s4->sin_addr, peer_ip_, sizeof peer_ip_);
    port = ntohs(s4->sin_port);
  }
  peer_ip_len_ = strlen(peer_ip_);
  peer_addr_len_ = static_cast<size_t>(snprintf(peer_addr_, sizeof peer_addr_,
                                                sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
                                                peer_ip_, port));
  request_id_[0] = 0;
}

Session::~Session() {
  // Only reached for live sessions when the worker shuts down: the pool closes upstream
  // connections itself, and the worker is not tracking us any more.
  if (phase_ != Phase::kClosed && fd_ >= 0) ::close(fd_);
}

void Session::Start() {
  SetDeadline(serving_->table ? serving_->table->gateway_settings().client_header_timeout_ms : 60000);
  if (tls_hold_ != nullptr && tls_ == nullptr) {  // OpenSSL could not allocate
    ++w_->counters_.tls_handshake_failures;
    Close();
    return;
  }
  Advance();
}

void Session::SetDeadline(uint32_t timeout_ms) {
  deadline_ms_ = timeout_ms ? w_->loop_->now_ms() + timeout_ms : 0;
}

void Session::OnIo(uint32_t events) {
  if (phase_ == Phase::kClosed) return;
  if (events & EPOLLIN) d_readable_ = true;
  if (events & EPOLLOUT) d_writable_ = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    d_rdhup_ = true;
    d_readable_ = true;
  }
  Advance();
}

void Session::OnUpstreamIo(upstream::Connection*, uint32_t) {
  if (phase_ == Phase::kClosed) return;
  Advance();
}

void Session::Advance() {
  for (int guard = 0; guard < 1000; ++guard) {
    bool progress = false;
    switch (phase_) {
      case Phase::kHandshake:
        progress = StepHandshake();
        break;
      case Phase::kH2:
        progress = StepH2();
        break;
      case Phase::kIdle:
        progress = StepIdle();
        break;
      case Phase::kExchange:
        progress = StepExchange();
        break;
      case Phase::kTunnel:
        progress = StepTunnel();
        break;
      case Phase::kDraining:
        progress = StepDraining();
        break;
      case Phase::kClosed:
        return;
    }
    if (!progress) return;
  }
}

ssize_t Session::ReadDown(net::Buffer& buf) {
  if (stream_mode_) {
    if (stream_ == nullptr) return -1;
    ssize_t n = stream_->TakeRequest(buf);
    if (n < 0) d_readable_ = false;
    return n;
  }
  return tls_ ? ReadDownTls(buf) : ReadSocket(buf);
}

ssize_t Session::ReadSocket(net::Buffer& buf) {
  if (buf.writable() < 1024) buf.Compact();
  size_t want = buf.writable();
  if (want == 0) return -1;
  ssize_t n = ::read(fd_, buf.write_ptr(), want);
  if (n > 0) {
    buf.Commit(static_cast<size_t>(n));
    // A short read drained the socket: with edge-triggered epoll we wait for the next edge
    // instead of paying a read(2) that returns EAGAIN. Not after RDHUP: the EOF is pending.
    if (static_cast<size_t>(n) < want && !d_rdhup_) d_readable_ = false;
    return n;
  }
  if (n == 0) {
    d_eof_ = true;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    d_readable_ = false;
    return -1;
  }
  if (errno == EINTR) return -1;
  d_eof_ = true;
  return -2;
}

ssize_t Session::ReadUp(net::Buffer& buf) {
  if (up_->codec != nullptr) return ReadUpCodec(buf);
  if (buf.writable() < 1024) buf.Compact();
  size_t want = buf.writable();
  if (want == 0) return -1;
  ssize_t n = ::read(up_->fd, buf.write_ptr(), want);
  if (n > 0) {
    buf.Commit(static_cast<size_t>(n));
    if (static_cast<size_t>(n) < want && !up_->peer_closed) up_->readable = false;
    return n;
  }
  if (n == 0) return 0;
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    up_->readable = false;
    return -1;
  }
  if (errno == EINTR) return -1;
  return -2;
}

ssize_t Session::FlushDown() {
  if (stream_mode_) return FlushDownStream();
  if (tls_) return FlushDownTls();
  size_t head_left = dout_.size() - dout_off_;
  size_t body_left = resp_fwd_;
  if (head_left == 0 && body_left == 0) return 0;
  iovec iov[2];
  int cnt = 0;
  if (head_left) iov[cnt++] = {dout_.data() + dout_off_, head_left};
  if (body_left) iov[cnt++] = {const_cast<char*>(uin_->begin()), body_left};
  ssize_t n = ::writev(fd_, iov, cnt);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      d_writable_ = false;
      return -1;
    }
    if (errno == EINTR) return -1;
    d_eof_ = true;
    return -2;
  }
  size_t done = static_cast<size_t>(n);
  size_t from_head = done < head_left ? done : head_left;
  DownSent(from_head, done - from_head);
  if (done < head_left + body_left) d_writable_ = false;
  return n;
}

void Session::DownSent(size_t from_head, size_t from_body) {
  dout_off_ += from_head;
  if (dout_off_ == dout_.size()) {
    dout_.clear();
    dout_off_ = 0;
  }
  if (from_body) {
    uin_->Consume(from_body);
    resp_fwd_ -= from_body;
    body_bytes_sent_ += from_body;
  }
}

ssize_t Session::FlushUp() {
  if (up_->codec != nullptr) return FlushUpCodec();
  size_t head_left = up_head_.size() - up_head_off_;
  size_t body_left = req_fwd_;
  if (head_left == 0 && body_left == 0) return 0;
  iovec iov[2];
  int cnt = 0;
  if (head_left) iov[cnt++] = {up_head_.data() + up_head_off_, head_left};
  if (body_left) iov[cnt++] = {const_cast<char*>(in_.begin()), body_left};
  ssize_t n = ::writev(up_->fd, iov, cnt);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      up_->writable = false;
      return -1;
    }
    if (errno == EINTR) return -1;
    return -2;
  }
  size_t done = static_cast<size_t>(n);
  size_t from_head = done < head_left ? done : head_left;
  up_head_off_ += from_head;
  size_t from_body = done - from_head;
  if (from_body) {
    in_.Consume(from_body);
    req_fwd_ -= from_body;
    req_sent_bytes_ += from_body;
  }
  if (done < head_left + body_left) up_->writable = false;
  return n;
}

bool Session::StepDraining() {
  if (dout_off_ < dout_.size() || resp_fwd_ > 0 || CipherPending()) {
    if (!d_writable_) return false;
    ssize_t n = FlushDown();
    if (n == -2) {
      Close();
      return false;
    }
    if (n < 0) return false;
    if (dout_off_ < dout_.size() || resp_fwd_ > 0 || CipherPending()) return true;
  }
  // Lingering close (RFC 9112 9.6): half-close so the client sees our whole response and then
  // the FIN; keep reading and discarding what it still sends, because closing with unread
  // bytes makes the kernel send a reset that can destroy the response in flight.
  if (stream_mode_) {  // the response is out: a stream has nothing to linger on
    Close();
    return false;
  }
  if (!lingering_) {
    if (!tls_ || !tls_->handshake_done()) {
      ::shutdown(fd_, SHUT_WR);
    } else if (!ShutdownDown()) {
      if (!d_writable_) return false;
      return true;  // close_notify queued: the flush above writes it first
    }
    lingering_ = true;
    SetDeadline(2000);
    in_.Clear();
  }
  while (DownReadable()) {
    in_.Clear();
    ssize_t n = ReadDown(in_);
    if (n == 0 || n == -2) {
      Close();
      return false;
    }
    if (n < 0) break;
  }
  return false;
}

bool Session::StepTunnel() {
  bool progress = false;
  // client -> upstream
  if (in_.size() > 0 && up_->writable) {
    ssize_t n = ::write(up_->fd, in_.begin(), in_.size());
    if (n > 0) {
      in_.Consume(static_cast<size_t>(n));
      progress = true;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      up_->writable = false;
    } else if (n < 0) {
      AbortExchange();
      return false;
    }
  }
  if (in_.empty() && DownReadable() && !d_eof_) {
    ssize_t n = ReadDown(in_);
    if (n > 0) progress = true;
    if (n == 0 || n == -2) {
      ::shutdown(up_->fd, SHUT_WR);
      progress = true;
    }
  }
  // upstream -> client (resp_fwd_ covers the whole of uin_ in a tunnel)
  if ((dout_off_ < dout_.size() || resp_fwd_ > 0 || CipherPending()) && d_writable_) {
    ssize_t n = FlushDown();
    if (n > 0) progress = true;
    if (n == -2) {
      AbortExchange();
      return false;
    }
  }
  if (uin_->empty() && resp_fwd_ == 0 && up_->readable && !up_eof_) {
    ssize_t n = ReadUp(*uin_);
    if (n > 0) {
      resp_fwd_ = uin_->size();
      progress = true;
    } else if (n == 0 || n == -2) {
      up_eof_ = true;
      if (tls_) {
        tls_->Shutdown();  // queues close_notify; the flush below sends it, then the FIN
      } else {
        ::shutdown(fd_, SHUT_WR);
      }
      progress = true;
    }
  }
  if (progress) SetDeadline(route_->settings.read_timeout_ms);
  bool down_done = d_eof_ && in_.empty();
  bool up_done = up_eof_ && resp_fwd_ == 0 && dout_off_ == dout_.size() && !CipherPending();
  if (up_done && tls_ && !tls_fin_sent_) {
    ::shutdown(fd_, SHUT_WR);
    tls_fin_sent_ = true;
  }
  if (down_done && up_done) {
    FinishExchange();
    return false;
  }
  return progress;
}

void Session::OnTick(int64_t now_ms) {
  if (phase_ == Phase::kClosed || deadline_ms_ == 0 || now_ms < deadline_ms_) return;
  switch (phase_) {
    case Phase::kHandshake:
      ++w_->counters_.tls_handshake_failures;  // a client that never finished its handshake
      Close();
      return;
    case Phase::kH2:
      if (h2_->idle()) {
        Close();  // keep-alive timeout of an HTTP/2 connection with no stream
      } else {
        SetDeadline(serving_->table ? serving_->table->gateway_settings().keep_alive_timeout_ms
                                    : 75000);
      }
      return;
    case Phase::kIdle:
      // Idle keep-alive connection or a client that never finished its head: close quietly,
      // as nginx does for keepalive_timeout and client_header_timeout.
      Close();
      return;
    case Phase::kExchange:
      if (up_ && !up_->connected) {
        OnConnectFailure(/*timeout=*/true);
      } else if (!resp_head_sent_ && !resp_head_done_) {
        ReleaseUpstream(false);
        SendError(504, true);
      } else {
        AbortExchange();
      }
      Advance();
      return;
    case Phase::kTunnel:
      AbortExchange();
      return;
    case Phase::kDraining:
      Close();
      return;
    case Phase::kClosed:
      return;
  }
}

void Session::Close() {
  if (phase_ == Phase::kClosed) return;
  if (up_) ReleaseUpstream(false);
  phase_ = Phase::kClosed;
  if (stream_mode_) {
    if (stream_ != nullptr) {
      H2Stream* stream = stream_;
      stream_ = nullptr;
      stream->session = nullptr;
      h2_owner_->StreamSessionClosed(stream);
      h2_owner_->OutputReady();
    }
  } else {
    if (h2_) h2_->CloseAll();  // every stream's exchange ends with its connection
    ::close(fd_);
    w_->requests_.ConnectionClosed(serving_->gateway_id);  // counted open when accepted
  }
  w_->RemoveSession(this);
}

}  // namespace waygate::proxy
