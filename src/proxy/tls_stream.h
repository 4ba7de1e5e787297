// TlsStream: the TLS layer of one downstream connection, with the socket left to the session.
//
// OpenSSL reads and writes through a BIO of ours that points at two buffers: ciphertext the
// session read from the socket (cipher_in) and ciphertext waiting to be written (cipher_out).
// So the session keeps doing its own read(2)/write(2): a short read still proves the socket is
// drained (no extra EAGAIN read per request under edge-triggered epoll), SSL_write never wants
// a retry with the same arguments (the BIO always takes everything), and the session bounds the
// ciphertext it lets pile up for a slow client (cipher_out_size()).
//
// One SSL per connection, created from the listener's front SSL_CTX; the SNI callback picks the
// certificate from the SniIndex attached here, which the caller keeps alive until Handshake()
// has returned kDone (tls/sni_callback.h).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "net/buffer.h"

struct ssl_st;
struct ssl_ctx_st;

namespace waygate::tls {
class SniIndex;
}

namespace waygate::proxy {

class TlsStream {
 public:
  // Null when OpenSSL cannot allocate (the caller closes the connection).
  static std::unique_ptr<TlsStream> Create(ssl_ctx_st* front, const tls::SniIndex* sni);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  enum class Step { kDone, kWantInput, kFailed };
  // Runs the server handshake as far as the buffered ciphertext allows.
  Step Handshake();
  bool handshake_done() const { return handshake_done_; }
  // The ALPN protocol agreed ("h2", "http/1.1") or empty.
  std::string_view alpn() const;
  bool resumed() const;  // the handshake resumed a session (ticket or cache)
  // Why the handshake or a read failed, for the debug log (OpenSSL's first queued error).
  std::string LastError() const;

  // Ciphertext in: the session reads the socket into this buffer.
  net::Buffer& cipher_in() { return in_; }
  // Input already here: ciphertext not yet decrypted, or a decrypted record not yet read.
  bool HasBufferedInput() const;

  // Decrypts into [dst, dst+cap). >0 bytes; -1 needs more ciphertext; 0 the peer sent
  // close_notify; -2 protocol error (the connection is unusable).
  ssize_t Read(char* dst, size_t cap);
  // Encrypts all of [data, data+len) into cipher_out. False on an OpenSSL failure.
  bool Write(const char* data, size_t len);
  // Queues close_notify (once).
  void Shutdown();

  // Ciphertext a slow client may let pile up before the session stops encrypting more for it.
  static constexpr size_t kCipherHighWater = 64 * 1024;

  // Ciphertext out, for the session to write to the socket.
  size_t cipher_out_size() const { return out_.size() - out_off_; }
  const char* cipher_out() const { return out_.data() + out_off_; }
  void CipherSent(size_t n);

 private:
  TlsStream() : in_(kCipherInSize) {}
  static constexpr size_t kCipherInSize = 17 * 1024;  // one full record and its header
  friend struct TlsBio;

  ssl_st* ssl_ = nullptr;
  net::Buffer in_;
  std::string out_;
  size_t out_off_ = 0;
  bool handshake_done_ = false;
  bool shutdown_sent_ = false;
};

}  // namespace waygate::proxy
