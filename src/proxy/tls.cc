// Session over TLS: the handshake phase, and the TLS forms of ReadDown / FlushDown. The
// session's buffers and accounting stay as they are for plain HTTP; TlsStream sits between
// them and the socket (see tls_stream.h for why the session keeps doing the socket I/O).
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "proxy/session.h"

namespace waygate::proxy {

namespace {
// One TLS record's worth of plaintext per SSL_write: a response head and the start of its body
// go out as one record (one encryption, one write) instead of two.
constexpr size_t kRecordPlaintext = 16 * 1024;
}  // namespace

bool Session::StepHandshake() {
  for (;;) {
    TlsStream::Step step = tls_->Handshake();
    // Our flight (ServerHello .. Finished, or an alert) goes out as soon as it exists; what
    // follows the client's Finished (the session ticket) waits for the first response.
    if (step != TlsStream::Step::kDone && CipherPending() && d_writable_ &&
        FlushCipher() == -2) {
      step = TlsStream::Step::kFailed;
    }
    if (step == TlsStream::Step::kDone) {
      ++w_->counters_.tls_handshakes;
      if (tls_->resumed()) ++w_->counters_.tls_handshakes_resumed;
      tls_hold_.reset();  // the SSL holds its certificate's SSL_CTX; the index may go
      phase_ = Phase::kIdle;
      if (tls_->alpn() == "h2") {
        h2_ = H2Downstream::Create(this, w_);
        if (h2_ == nullptr) {
          Close();
          return false;
        }
        phase_ = Phase::kH2;
        SetDeadline(serving_->table ? serving_->table->gateway_settings().keep_alive_timeout_ms
                                    : 75000);
      }
      return true;
    }
    if (step == TlsStream::Step::kFailed) {
      ++w_->counters_.tls_handshake_failures;
      log::Debug(std::string("TLS handshake with ") + peer_addr_ + " failed: " +
                 tls_->LastError());
      Close();
      return false;
    }
    if (!d_readable_) return false;
    ssize_t n = ReadSocket(tls_->cipher_in());
    if (n > 0) continue;
    if (n == 0 || n == -2) {
      ++w_->counters_.tls_handshake_failures;
      Close();
      return false;
    }
    return false;
  }
}

ssize_t Session::ReadDownTls(net::Buffer& buf) {
  if (buf.writable() < 1024) buf.Compact();
  size_t want = buf.writable();
  if (want == 0) return -1;
  for (;;) {
    ssize_t n = tls_->Read(buf.write_ptr(), want);
    if (n > 0) {
      buf.Commit(static_cast<size_t>(n));
      return n;
    }
    if (n == 0) {  // close_notify
      d_eof_ = true;
      return 0;
    }
    if (n == -2) {
      log::Debug(std::string("TLS read from ") + peer_addr_ + ": " + tls_->LastError());
      d_eof_ = true;
      return -2;
    }
    // A whole record is needed: more ciphertext from the socket.
    if (!d_readable_) return -1;
    ssize_t r = ReadSocket(tls_->cipher_in());
    if (r > 0) continue;
    return r;  // 0: EOF without close_notify (framing tells truncation apart), -1, -2
  }
}

ssize_t Session::FlushCipher() {
  size_t left = tls_->cipher_out_size();
  if (left == 0) return 0;
  ssize_t n = ::write(fd_, tls_->cipher_out(), left);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      d_writable_ = false;
      return -1;
    }
    if (errno == EINTR) return -1;
    d_eof_ = true;
    return -2;
  }
  tls_->CipherSent(static_cast<size_t>(n));
  if (static_cast<size_t>(n) < left) d_writable_ = false;
  return n;
}

ssize_t Session::FlushDownTls() {
  size_t moved = 0;
  while (tls_->cipher_out_size() < TlsStream::kCipherHighWater) {
    size_t head_left = dout_.size() - dout_off_;
    size_t body_left = resp_fwd_;
    if (head_left == 0 && body_left == 0) break;
    size_t from_head = std::min(head_left, kRecordPlaintext);
    size_t from_body = std::min(body_left, kRecordPlaintext - from_head);
    bool ok;
    if (from_head > 0 && from_body > 0) {
      std::string& scratch = w_->tls_scratch_;
      scratch.assign(dout_.data() + dout_off_, from_head);
      scratch.append(uin_->begin(), from_body);
      ok = tls_->Write(scratch.data(), scratch.size());
    } else if (from_head > 0) {
      ok = tls_->Write(dout_.data() + dout_off_, from_head);
    } else {
      ok = tls_->Write(uin_->begin(), from_body);
    }
    if (!ok) {
      d_eof_ = true;
      return -2;
    }
    DownSent(from_head, from_body);
    moved += from_head + from_body;
  }
  ssize_t w = FlushCipher();
  if (w == -2) return -2;
  if (moved > 0) return static_cast<ssize_t>(moved);
  return w;
}

bool Session::ShutdownDown() {
  tls_->Shutdown();
  if (CipherPending()) return false;
  ::shutdown(fd_, SHUT_WR);
  return true;
}

}  // namespace waygate::proxy
