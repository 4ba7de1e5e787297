// HTTP/2 from clients (ALPN "h2" on an https listener), on top of the HTTP/1.1 exchange.
//
// Each stream becomes a stream session: a Session with no socket whose downstream is this
// stream. Its request is written as HTTP/1.1 (the head from the h2 fields, the body as DATA
// arrives, chunked when the length is unknown) and its response is read back from the
// HTTP/1.1 bytes the session would have written to a socket: the head becomes a HEADERS frame,
// the body (de-chunked) DATA frames. So routing, limits, retries, timeouts, redirects, metrics
// and the access log are the HTTP/1.1 exchange's, unchanged, and the upstream pools are shared
// with HTTP/1.1 clients. The price is one extra parse of each head, which costs less than the
// HPACK and framing work around it.
//
// Streams start only after the Receive() call that carried their HEADERS returned: a HEADERS +
// RST_STREAM pair (Rapid Reset) costs no upstream work. A stream reset by the client aborts its
// exchange (upstream connection closed, not reused). Back-pressure: a stream session is
// "writable" only while the client's flow-control windows have room.
//
// Threads: the worker's, like the connection's Session that owns this.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "h2/h2.h"
#include "http/chunked_decoder.h"
#include "http/h1.h"
#include "net/buffer.h"

namespace waygate::proxy {

class Session;
class Worker;

// One stream: the request bytes waiting for its session, and the decoder of its response.
class H2Stream {
 public:
  H2Stream(h2::ServerConnection* conn, int32_t id) : conn_(conn), id_(id) {}

  int32_t id() const { return id_; }
  Session* session = nullptr;  // null once the session is gone

  // Request side (filled by the connection from h2 events, drained by the session).
  std::string request;  // HTTP/1.1 bytes not yet taken
  size_t request_off = 0;
  bool request_chunked = false;
  // Moves pending request bytes into `buf`: >0 bytes, -1 none now (never EOF: the HTTP/1.1
  // framing says where the request ends).
  ssize_t TakeRequest(net::Buffer& buf);

  // Response side: HTTP/1.1 response bytes from the session -> frames. Returns how many of
  // `bytes` were taken (body bytes stop at the stream's send capacity); -1: the response was
  // not valid (the stream is reset).
  ssize_t PutResponse(std::string_view bytes, bool is_head_request);
  // The session closed: ends an until-close body, resets an unfinished response.
  void SessionClosed();
  bool response_ended() const { return state_ == State::kDone; }
  bool blocked() const { return blocked_; }
  void set_blocked(bool b) { blocked_ = b; }

 private:
  enum class State : uint8_t { kHead, kLength, kChunked, kUntilClose, kDone, kFailed };
  ssize_t PutBody(std::string_view bytes, bool ignore_window = false);
  void End();
  void EndWithTrailers();
  void Fail();

  h2::ServerConnection* conn_;
  int32_t id_;
  State state_ = State::kHead;
  bool blocked_ = false;
  std::string head_;          // response head bytes until complete
  uint64_t remaining_ = 0;    // kLength
  http::ChunkedDecoder chunked_;
  std::vector<std::pair<std::string, std::string>> trailers_;  // of a chunked body
};

class H2Downstream final : public h2::ServerHandler {
 public:
  // `owner`: the connection's Session (TLS, socket, worker bookkeeping).
  static std::unique_ptr<H2Downstream> Create(Session* owner, Worker* worker);
  ~H2Downstream() override;

  // Plaintext received from the client; false: the connection is over (flush, then close).
  bool Receive(std::string_view bytes, int64_t now_ms);
  // Starts the streams whose HEADERS arrived in the last Receive and are still open.
  void StartPending();
  // Wakes stream sessions whose flow-control windows opened again.
  void WakeBlocked();
  h2::ServerConnection& conn() { return *conn_; }
  bool idle() const { return streams_.empty(); }
  // The connection is closing: every stream session is closed (upstreams released).
  void CloseAll();

  // From stream sessions.
  void StreamSessionClosed(H2Stream* stream);
  // A stream produced frames. They are written after the worker's event batch (one write for
  // every stream that answered in it), never from inside an exchange: writing lets the codec
  // close a finished stream, and that must not interrupt the exchange finishing it.
  void OutputReady();
  bool TakeFlushWanted();

  // h2::ServerHandler
  void OnRequest(int32_t stream_id, const h2::RequestHead& head, bool end_stream) override;
  void OnRequestData(int32_t stream_id, std::span<const uint8_t> data, bool end_stream) override;
  void OnStreamClosed(int32_t stream_id, uint32_t error_code) override;

 private:
  H2Downstream(Session* owner, Worker* worker) : owner_(owner), w_(worker) {}

  Session* owner_;
  Worker* w_;
  std::unique_ptr<h2::ServerConnection> conn_;
  std::map<int32_t, std::unique_ptr<H2Stream>> streams_;
  std::vector<int32_t> to_start_;
  bool flush_wanted_ = false;
};

}  // namespace waygate::proxy
