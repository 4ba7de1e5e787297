// Session over HTTP/2: the connection session (phase kH2: socket and TLS, frames in and out
// through the codec) and the stream sessions (one exchange each, no socket). See
// h2_downstream.h for the design.
#include <cstring>

#include <errno.h>
#include <unistd.h>

#include "base/log.h"
#include "proxy/h2_upstream.h"
#include "proxy/session.h"

namespace waygate::proxy {

Session::Session(Worker* worker, Session* parent, H2Downstream* h2, H2Stream* stream)
    : w_(worker),
      fd_(-1),
      serving_(parent->serving_),
      listen_port_(parent->listen_port_),
      https_port_(parent->https_port_),
      in_(4 * 1024) {
  std::memcpy(peer_ip_, parent->peer_ip_, sizeof peer_ip_);
  peer_ip_len_ = parent->peer_ip_len_;
  std::memcpy(peer_addr_, parent->peer_addr_, sizeof peer_addr_);
  peer_addr_len_ = parent->peer_addr_len_;
  request_id_[0] = 0;
  secure_ = parent->secure_;
  h2_owner_ = h2;
  stream_ = stream;
  stream_mode_ = true;
  d_readable_ = true;
  d_writable_ = true;
}

Session* Session::ForStream(Session* parent, H2Downstream* h2, H2Stream* stream) {
  Worker* w = parent->w_;
  auto* s = new Session(w, parent, h2, stream);
  s->list_index_ = w->sessions_.size();
  w->sessions_.push_back(s);
  return s;
}

void Session::OnStreamInput() {
  if (phase_ == Phase::kClosed) return;
  d_readable_ = true;
  Advance();
}

void Session::OnStreamWritable() {
  if (phase_ == Phase::kClosed) return;
  d_writable_ = true;
  Advance();
}

void Session::AbortStream() {
  stream_ = nullptr;  // the stream is gone: nothing to tell it
  if (phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kExchange || phase_ == Phase::kTunnel) {
    AbortExchange();  // logs 499 like a client that closed, closes the upstream connection
  }
  Close();
}

void Session::DetachStream() {
  stream_ = nullptr;  // output from now on is discarded (FlushDownStream)
}

ssize_t Session::FlushDownStream() {
  size_t moved = 0;
  size_t head_left = dout_.size() - dout_off_;
  if (stream_ == nullptr) {  // detached or reset: the bytes have nowhere to go
    dout_.clear();
    dout_off_ = 0;
    if (resp_fwd_) {
      uin_->Consume(resp_fwd_);
      body_bytes_sent_ += resp_fwd_;
      moved += resp_fwd_;
      resp_fwd_ = 0;
    }
    return static_cast<ssize_t>(moved + head_left);
  }
  if (head_left) {
    ssize_t n =
        stream_->PutResponse(std::string_view(dout_.data() + dout_off_, head_left), is_head_);
    if (n < 0) {
      d_eof_ = true;
      return -2;
    }
    dout_.clear();
    dout_off_ = 0;
    moved += head_left;
  }
  if (resp_fwd_) {
    ssize_t n = stream_->PutResponse(std::string_view(uin_->begin(), resp_fwd_), is_head_);
    if (n < 0) {
      d_eof_ = true;
      return -2;
    }
    size_t taken = static_cast<size_t>(n);
    DownSent(0, taken);
    moved += taken;
    if (resp_fwd_ > 0) d_writable_ = false;  // the client's window is full: WakeBlocked
  }
  if (moved) h2_owner_->OutputReady();
  return moved ? static_cast<ssize_t>(moved) : -1;
}

void Session::FlushH2IfQueued() {
  if (phase_ != Phase::kH2 || h2_ == nullptr) return;  // closed or draining since it queued
  if (h2_->TakeFlushWanted()) FlushH2Output();
}

void Session::FlushH2Output() {
  if (phase_ != Phase::kH2 || h2_ == nullptr) return;
  for (;;) {
    while (tls_->cipher_out_size() < TlsStream::kCipherHighWater) {
      std::span<const uint8_t> out = h2_->conn().PendingOutput();
      if (out.empty()) break;
      if (!tls_->Write(reinterpret_cast<const char*>(out.data()), out.size())) {
        Close();
        return;
      }
      h2_->conn().OutputWritten(out.size());
    }
    if (!CipherPending() || !d_writable_) break;
    ssize_t n = FlushCipher();
    if (n == -2) {
      Close();
      return;
    }
    if (n < 0) break;
  }
  if (h2_->conn().WantsClose()) DrainH2();
}

void Session::DrainH2() {
  // Everything the codec still has (a GOAWAY, the last frames) goes into the TLS output;
  // kDraining writes it out before closing.
  for (;;) {
    std::span<const uint8_t> out = h2_->conn().PendingOutput();
    if (out.empty()) break;
    if (!tls_->Write(reinterpret_cast<const char*>(out.data()), out.size())) break;
    h2_->conn().OutputWritten(out.size());
  }
  phase_ = Phase::kDraining;
  SetDeadline(2000);
  // Maybe called from a stream's step rather than our own: start writing now, EPOLLOUT does
  // the rest if the client is slow.
  if (d_writable_ && FlushCipher() == -2) Close();
}

bool Session::StepH2() {
  // Frames queued since the last step (SETTINGS at start, responses, WINDOW_UPDATEs).
  FlushH2Output();
  if (phase_ != Phase::kH2) return false;
  if (!DownReadable()) return false;
  ssize_t n = ReadDownTls(in_);
  if (n == 0 || n == -2) {
    Close();
    return false;
  }
  if (n < 0) return false;
  bool ok = h2_->Receive(in_.view(), w_->loop_->now_ms());
  in_.Clear();
  if (!ok) {
    // A protocol error or abuse: the codec queued GOAWAY. It must reach the client (RFC 9113
    // 5.4.1) even when its receive window is full: drain it like an HTTP/1.1 connection being
    // closed (flush, close_notify, lingering close with a deadline), never a bare close.
    h2_->CloseAll();
    DrainH2();
    return true;
  }
  h2_->StartPending();
  h2_->WakeBlocked();
  if (phase_ != Phase::kH2) return false;
  FlushH2Output();
  if (!h2_->idle()) deadline_ms_ = 0;  // streams have their own deadlines
  else if (deadline_ms_ == 0) {
    SetDeadline(serving_->table ? serving_->table->gateway_settings().keep_alive_timeout_ms
                                : 75000);
  }
  return phase_ == Phase::kH2;
}

// ---- backend-protocol GRPC: the upstream leg over h2c (h2_upstream.h) ----

bool Session::UpCodecWantsWrite() const {
  return up_ != nullptr && up_->codec != nullptr &&
         static_cast<const H2Upstream*>(up_->codec.get())->wants_write();
}

ssize_t Session::FlushUpCodec() {
  auto* codec = static_cast<H2Upstream*>(up_->codec.get());
  size_t moved = 0;
  size_t head_left = up_head_.size() - up_head_off_;
  if (head_left) {
    if (!codec->PutRequest(std::string_view(up_head_.data() + up_head_off_, head_left))) {
      return -2;
    }
    up_head_off_ += head_left;
    moved += head_left;
  }
  if (req_fwd_) {
    if (!codec->PutRequest(std::string_view(in_.begin(), req_fwd_))) return -2;
    in_.Consume(req_fwd_);
    req_sent_bytes_ += req_fwd_;
    moved += req_fwd_;
    req_fwd_ = 0;
  }
  for (;;) {
    std::string_view out = codec->PendingOutput();
    if (out.empty()) break;
    ssize_t n = ::write(up_->fd, out.data(), out.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        up_->writable = false;
        break;
      }
      if (errno == EINTR) continue;
      return -2;
    }
    codec->OutputWritten(static_cast<size_t>(n));
    moved += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < out.size()) {
      up_->writable = false;
      break;
    }
  }
  return moved ? static_cast<ssize_t>(moved) : -1;
}

ssize_t Session::ReadUpCodec(net::Buffer& buf) {
  auto* codec = static_cast<H2Upstream*>(up_->codec.get());
  if (buf.writable() < 1024) buf.Compact();
  for (;;) {
    if (codec->has_response_bytes()) {
      size_t n = codec->TakeResponse(buf.write_ptr(), buf.writable());
      if (n == 0) return -1;
      buf.Commit(n);
      return static_cast<ssize_t>(n);
    }
    if (codec->broken()) return -2;
    if (!up_->readable) return -1;
    char scratch[16 * 1024];
    ssize_t n = ::read(up_->fd, scratch, sizeof scratch);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        up_->readable = false;
        return -1;
      }
      if (errno == EINTR) continue;
      return -2;
    }
    if (static_cast<size_t>(n) < sizeof scratch && !up_->peer_closed) up_->readable = false;
    if (!codec->Receive(std::string_view(scratch, static_cast<size_t>(n)))) return -2;
    // SETTINGS acks and WINDOW_UPDATEs the frames just read call for.
    if (codec->wants_write() && up_->writable) {
      for (;;) {
        std::string_view out = codec->PendingOutput();
        if (out.empty()) break;
        ssize_t w = ::write(up_->fd, out.data(), out.size());
        if (w <= 0) break;
        codec->OutputWritten(static_cast<size_t>(w));
      }
    }
  }
}

}  // namespace waygate::proxy
