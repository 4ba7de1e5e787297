// H2Upstream: cleartext HTTP/2 to a backend (backend-protocol GRPC), behind the HTTP/1.1
// exchange. The session keeps writing an HTTP/1.1 request and reading an HTTP/1.1 response;
// this codec, kept with the pooled connection, turns the request bytes into one HTTP/2 stream
// and the stream's HEADERS / DATA / trailers back into an HTTP/1.1 response (chunked, trailers
// as chunked trailers). So gRPC's trailers (grpc-status) reach an HTTP/2 client as trailers and
// every exchange rule (timeouts, retries, metrics) stays the HTTP/1.1 one.
//
// One stream at a time per connection, like an HTTP/1.1 connection: the pool hands an idle h2c
// connection to the next exchange, which opens the next stream on it.
//
// Threads: the worker's. No sockets here: the session reads and writes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked_decoder.h"
#include "upstream/connection.h"

struct nghttp2_session;

namespace waygate::proxy {

class H2Upstream final : public upstream::ConnectionCodec {
 public:
  static std::unique_ptr<H2Upstream> Create();
  ~H2Upstream() override;

  // Starts the next exchange on this connection.
  void BeginExchange();
  // HTTP/1.1 request bytes (head, then body as framed by the client) -> frames. All are
  // taken. False: the request cannot be expressed (the exchange fails as a broken upstream).
  bool PutRequest(std::string_view bytes);
  // Frames to write to the socket; empty when none.
  std::string_view PendingOutput();
  void OutputWritten(size_t n);
  // Bytes read from the socket. False: protocol error (the connection is unusable).
  bool Receive(std::string_view bytes);
  // HTTP/1.1 response bytes synthesized so far, not yet taken.
  size_t TakeResponse(char* dst, size_t cap);
  bool has_response_bytes() const { return response_off_ < response_.size(); }
  // Frames may be waiting to be written (queued here or inside nghttp2).
  bool wants_write() const;
  // The server went away (GOAWAY, or the stream was reset before a complete response).
  bool broken() const { return broken_; }
  bool reusable() const;

 private:
  H2Upstream() = default;
  friend struct H2UpstreamCallbacks;
  void AppendChunk(std::string_view data);
  void EndResponse();

  nghttp2_session* session_ = nullptr;
  std::string out_;
  size_t out_off_ = 0;
  // ---- current exchange ----
  int32_t stream_id_ = -1;
  std::string head_;  // request head bytes until complete
  bool head_done_ = false;
  enum class Body : uint8_t { kNone, kLength, kChunked } body_kind_ = Body::kNone;
  uint64_t remaining_ = 0;
  http::ChunkedDecoder chunked_;
  std::string body_;  // request body bytes waiting for the data provider
  size_t body_off_ = 0;
  bool body_ended_ = false;
  bool deferred_ = false;
  // response
  std::string response_;
  size_t response_off_ = 0;
  std::vector<std::pair<std::string, std::string>> fields_;
  uint16_t status_ = 0;
  bool head_sent_ = false;
  bool in_trailers_ = false;
  bool response_done_ = false;
  bool broken_ = false;
  bool goaway_ = false;

  bool SubmitRequest();
  bool FeedBody(std::string_view bytes);
};

}  // namespace waygate::proxy
