#include "proxy/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <climits>
#include <cstring>

#include "tls/sni_callback.h"

namespace waygate::proxy {

// The BIO between OpenSSL and the stream's buffers. Reads take from cipher_in (retry when it
// is empty: the session refills it from the socket); writes append to cipher_out and never
// fail, so SSL_write always completes.
struct TlsBio {
  static int Write(BIO* bio, const char* data, int len) {
    auto* s = static_cast<TlsStream*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (s->out_off_ == s->out_.size()) {
      s->out_.clear();
      s->out_off_ = 0;
    }
    s->out_.append(data, static_cast<size_t>(len));
    return len;
  }
  static int Read(BIO* bio, char* out, int len) {
    auto* s = static_cast<TlsStream*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (s->in_.empty()) {
      BIO_set_retry_read(bio);
      return -1;
    }
    size_t n = std::min(s->in_.size(), static_cast<size_t>(len));
    std::memcpy(out, s->in_.begin(), n);
    s->in_.Consume(n);
    return static_cast<int>(n);
  }
  static long Ctrl(BIO*, int cmd, long, void*) {
    // OpenSSL flushes after each flight; the session writes cipher_out itself.
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
  }
  static int Create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }
  static const BIO_METHOD* Method() {
    static BIO_METHOD* method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "waygate-session");
      BIO_meth_set_write(m, Write);
      BIO_meth_set_read(m, Read);
      BIO_meth_set_ctrl(m, Ctrl);
      BIO_meth_set_create(m, Create);
      return m;
    }();
    return method;
  }
};

std::unique_ptr<TlsStream> TlsStream::Create(ssl_ctx_st* front, const tls::SniIndex* sni) {
  std::unique_ptr<TlsStream> stream(new TlsStream());
  stream->ssl_ = SSL_new(front);
  if (stream->ssl_ == nullptr) return nullptr;
  BIO* bio = BIO_new(TlsBio::Method());
  if (bio == nullptr) return nullptr;
  BIO_set_data(bio, stream.get());
  SSL_set_bio(stream->ssl_, bio, bio);  // the SSL owns the BIO now
  // Idle keep-alive connections give their record buffers back (as nginx does).
  SSL_set_mode(stream->ssl_, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_accept_state(stream->ssl_);
  if (!tls::AttachSniIndex(stream->ssl_, sni)) return nullptr;
  return stream;
}

TlsStream::~TlsStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

TlsStream::Step TlsStream::Handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    handshake_done_ = true;
    return Step::kDone;
  }
  int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ) return Step::kWantInput;
  return Step::kFailed;
}

std::string_view TlsStream::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &data, &len);
  return {reinterpret_cast<const char*>(data), len};
}

bool TlsStream::HasBufferedInput() const { return !in_.empty() || SSL_has_pending(ssl_) == 1; }

bool TlsStream::resumed() const { return SSL_session_reused(ssl_) == 1; }

std::string TlsStream::LastError() const {
  unsigned long e = ERR_peek_error();
  if (e == 0) return "no OpenSSL error queued";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

ssize_t TlsStream::Read(char* dst, size_t cap) {
  ERR_clear_error();
  int n = SSL_read(ssl_, dst, static_cast<int>(std::min(cap, static_cast<size_t>(INT_MAX))));
  if (n > 0) return n;
  switch (SSL_get_error(ssl_, n)) {
    case SSL_ERROR_WANT_READ:
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      return -2;
  }
}

bool TlsStream::Write(const char* data, size_t len) {
  while (len > 0) {
    ERR_clear_error();
    int chunk = static_cast<int>(std::min(len, static_cast<size_t>(INT_MAX)));
    int n = SSL_write(ssl_, data, chunk);
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

void TlsStream::Shutdown() {
  if (shutdown_sent_ || !handshake_done_) return;
  shutdown_sent_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // queues close_notify; we never wait for the peer's
}

void TlsStream::CipherSent(size_t n) {
  out_off_ += n;
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  }
}

}  // namespace waygate::proxy
