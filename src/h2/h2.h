// HTTP/2 server-side codec (RFC 9113) over libnghttp2: bytes in, events out, bytes out.
// No sockets, no threads, no clocks of its own (time is passed into Receive).
//
// Life of a connection (the data plane's loop, all on one worker thread):
//
//   bytes read ──Receive(bytes, now_ms)──> ServerHandler callbacks (OnRequest, OnRequestData,
//        │                                  OnRequestTrailers, OnStreamClosed), synchronously
//        │ error: protocol violation or abuse -> write PendingOutput() (GOAWAY), then close
//        v
//   SubmitResponse / SubmitData / SubmitTrailers / ResetStream / ConsumeRequestBody
//        v
//   PendingOutput() -> write to the socket -> OutputWritten(n) ... until empty
//   WantsClose() -> close once PendingOutput() is empty.
//
// Every request head that reaches OnRequest is valid per RFC 9113 section 8 (the rules are
// listed in src/h2/README.md and pinned by tests/h2); malformed ones are answered with
// RST_STREAM(PROTOCOL_ERROR) and never reach the handler. Abuse budgets (resets, cheap
// control frames, CONTINUATION count) end the connection with GOAWAY(ENHANCE_YOUR_CALM).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

struct nghttp2_session;

namespace waygate::h2 {

// RFC 9113 section 7 error codes used by callers.
inline constexpr uint32_t kNoError = 0x0;
inline constexpr uint32_t kProtocolError = 0x1;
inline constexpr uint32_t kInternalError = 0x2;
inline constexpr uint32_t kStreamClosed = 0x5;
inline constexpr uint32_t kRefusedStream = 0x7;
inline constexpr uint32_t kCancel = 0x8;
inline constexpr uint32_t kEnhanceYourCalm = 0xb;

struct Limits {
  uint32_t max_concurrent_streams = 128;      // SETTINGS_MAX_CONCURRENT_STREAMS
  uint32_t max_header_list_size = 64 * 1024;  // decoded name+value+32 per field; over -> 431
  uint32_t initial_window = 256 * 1024;       // per-stream receive window (request bodies)
  uint32_t connection_window = 1024 * 1024;   // connection receive window
  uint32_t max_continuations = 8;             // CONTINUATION frames per header block
  // Resets: RST_STREAM from the peer plus every RST_STREAM the peer provoked us to send
  // (malformed requests, frames on closed streams, WINDOW_UPDATE 0, ...). Token bucket:
  // `reset_burst` tokens, refilled at `reset_rate` per second; empty -> GOAWAY.
  uint32_t reset_burst = 400;
  uint32_t reset_rate = 40;
  // Cheap frames that cost us work but carry no request progress: PING, SETTINGS, PRIORITY,
  // DATA with no payload and no END_STREAM, HEADERS/CONTINUATION with an empty fragment,
  // unknown frame types. Same token-bucket shape.
  uint32_t control_burst = 1000;
  uint32_t control_rate = 200;
  uint32_t max_outbound_ack = 1000;  // queued, unsent SETTINGS/PING ACKs and RST_STREAMs
  uint32_t max_settings_entries = 32;
};

struct Header {
  std::string_view name;  // lower-case (RFC 9113 8.2.1 rejects upper case)
  std::string_view value;
};

struct RequestHead {
  std::string_view method;
  std::string_view scheme;     // empty for CONNECT
  std::string_view authority;  // :authority, or the Host field when :authority is absent
  std::string_view path;       // as received ("/" prefix or "*" for OPTIONS); empty for CONNECT
  // Regular fields in arrival order, except `host` and `content-length` (carried by
  // `authority` and `content_length`). Several `cookie` fields are joined into one with "; "
  // (RFC 9113 8.2.3) so the head can be forwarded as HTTP/1.1 unchanged.
  std::span<const Header> headers;
  std::optional<uint64_t> content_length;
};

// Callbacks run synchronously inside Receive (and OnStreamClosed also inside PendingOutput,
// when a reset we send closes a stream). They may call any Submit*/Reset/Consume method of the
// connection, but must not destroy it. Views in RequestHead stay valid until OnStreamClosed for
// that stream has returned; data spans only during the call.
class ServerHandler {
 public:
  virtual ~ServerHandler();
  // A complete, valid request head. end_stream: no body follows.
  virtual void OnRequest(int32_t stream_id, const RequestHead& head, bool end_stream) = 0;
  // Request body bytes (never padding). The last call of a request has end_stream = true and
  // may be empty. Acknowledge bytes with ConsumeRequestBody once forwarded upstream.
  virtual void OnRequestData(int32_t stream_id, std::span<const uint8_t> data, bool end_stream) = 0;
  // Request trailers (valid, no pseudo-fields); OnRequestData(id, {}, true) follows.
  virtual void OnRequestTrailers(int32_t stream_id, std::span<const Header> trailers);
  // The stream is gone: finished (error_code 0), reset by the peer, or reset by us. Only for
  // streams that reached OnRequest. Stop the upstream work of this stream now.
  virtual void OnStreamClosed(int32_t stream_id, uint32_t error_code) = 0;
};

class ServerConnection {
 public:
  using Fields = std::span<const std::pair<std::string_view, std::string_view>>;

  // The connection starts after the client preface is expected: the data plane calls this
  // only after ALPN "h2" (or prior knowledge on a cleartext listener). h2c Upgrade is never
  // honoured. The server SETTINGS are queued at once (PendingOutput).
  static Result<std::unique_ptr<ServerConnection>> Create(ServerHandler* handler,
                                                          const Limits& limits);
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  // Feeds received bytes (all are consumed). An error means the connection is over: flush
  // PendingOutput() (it holds a GOAWAY) and close. now_ms: a monotonic clock for the budgets.
  Status Receive(std::span<const uint8_t> bytes, int64_t now_ms);

  // Response head. Names are lower-cased and connection-specific fields (connection,
  // keep-alive, proxy-connection, transfer-encoding, upgrade, te) are dropped, so the
  // upstream's fields minus its hop-by-hop ones can be passed as they are.
  Status SubmitResponse(int32_t stream_id, uint16_t status, Fields headers, bool end_stream);
  // Response body; `data` is copied. May be called repeatedly; end_stream ends the response.
  Status SubmitData(int32_t stream_id, std::span<const uint8_t> data, bool end_stream);
  // Ends the response with trailers (after any buffered body). Names as in SubmitResponse.
  Status SubmitTrailers(int32_t stream_id, Fields trailers);
  // RST_STREAM(error_code). Not counted against the peer's reset budget.
  void ResetStream(int32_t stream_id, uint32_t error_code);

  // Back-pressure towards the upstream: bytes this stream may still send now (peer's stream
  // and connection windows minus what is already buffered here); can be <= 0.
  int64_t SendCapacity(int32_t stream_id) const;
  // Response body bytes buffered here for this stream, not yet framed.
  size_t BufferedBytes(int32_t stream_id) const;
  // Request body bytes forwarded upstream: lets WINDOW_UPDATE follow what the upstream took.
  void ConsumeRequestBody(int32_t stream_id, size_t n);

  // Bytes to write to the socket; empty when nothing is pending. Frames are serialized from
  // nghttp2 into an internal buffer up to ~64 KiB ahead of the writer.
  std::span<const uint8_t> PendingOutput();
  void OutputWritten(size_t n);

  // Nothing more will be read or written once PendingOutput() is drained: GOAWAY sent or
  // received and no active streams, or a fatal error.
  bool WantsClose() const;
  // error_code 0: graceful GOAWAY (streams up to the last one received finish). Otherwise:
  // GOAWAY(error_code) and close after it is written.
  void Shutdown(uint32_t error_code);

  size_t active_streams() const;

  // Counters for metrics and tests.
  struct Stats {
    uint64_t resets_counted = 0;  // peer RST_STREAM + provoked resets
    uint64_t control_frames = 0;  // cheap frames counted
    uint64_t rejected_heads = 0;  // malformed or oversized heads refused by us
  };
  const Stats& stats() const;

  struct Impl;  // nghttp2 glue (server.cc)

 private:
  ServerConnection() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waygate::h2
