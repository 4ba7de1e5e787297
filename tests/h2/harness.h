// Test drivers for the h2 codec: a recording handler, a real nghttp2 client session talking to
// ServerConnection through memory, and hand-built frames for what a real client never sends.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "h2/h2.h"

namespace waygate::h2::testing {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Event {
  enum Kind { kRequest, kData, kTrailers, kClosed } kind;
  int32_t id = 0;
  std::string method, scheme, authority, path;
  Fields headers;  // request headers or trailers
  std::optional<uint64_t> content_length;
  std::string data;
  bool end_stream = false;
  uint32_t code = 0;
};

class Recorder : public ServerHandler {
 public:
  void OnRequest(int32_t id, const RequestHead& head, bool end_stream) override;
  void OnRequestData(int32_t id, std::span<const uint8_t> data, bool end_stream) override;
  void OnRequestTrailers(int32_t id, std::span<const Header> trailers) override;
  void OnStreamClosed(int32_t id, uint32_t code) override;

  int Count(Event::Kind kind) const;
  const Event* Request(int32_t id) const;
  std::string Body(int32_t id) const;  // all data delivered for the stream
  bool Ended(int32_t id) const;        // OnRequestData(end_stream) or OnRequest(end_stream)
  std::optional<uint32_t> Closed(int32_t id) const;

  std::vector<Event> events;
  // Runs inside OnRequest (e.g. to answer at once).
  std::function<void(int32_t, const RequestHead&, bool)> on_request;
};

// ---- hand-built frames ----
std::string Frame(uint8_t type, uint8_t flags, int32_t stream, const std::string& payload);
std::string ClientPreface();  // magic + empty SETTINGS
std::string U32(uint32_t v);

class Encoder {
 public:
  Encoder();
  ~Encoder();
  std::string Encode(const Fields& fields);  // HPACK, no validation of names/values
 private:
  nghttp2_hd_deflater* d_ = nullptr;
};

struct ParsedFrame {
  uint8_t type = 0, flags = 0;
  int32_t stream = 0;
  std::string payload;
  uint32_t ErrorCode() const;  // RST_STREAM / GOAWAY
};

// A server fed with raw bytes; its output parsed back into frames (HEADERS decoded).
class RawPeer {
 public:
  explicit RawPeer(const Limits& limits = {});
  ~RawPeer();
  Status Send(const std::string& bytes);                              // server->Receive at `now`
  Status Handshake();                                                 // preface + SETTINGS ACK
  std::string Headers(int32_t id, const Fields& f, bool end_stream);  // HEADERS frame
  std::vector<ParsedFrame> Drain();                                   // all pending output, parsed
  // Frames drained so far (Drain appends here too).
  bool SawRst(int32_t id, uint32_t code) const;
  bool SawAnyRst(int32_t id) const;
  bool SawGoaway(uint32_t code) const;
  std::optional<Fields> ResponseHeaders(int32_t id) const;

  Recorder handler;
  std::unique_ptr<ServerConnection> server;
  Encoder enc;
  int64_t now = 1000;
  std::vector<ParsedFrame> frames;
  std::map<int32_t, Fields> decoded;  // first HEADERS per stream, decoded

 private:
  std::string pending_;
  nghttp2_hd_inflater* inflater_ = nullptr;
};

// A real nghttp2 client session connected to a ServerConnection through memory.
class Client {
 public:
  struct Response {
    Fields headers, trailers;
    std::string body;
    bool closed = false;
    uint32_t close_code = 0;
    bool got_headers = false;
  };
  // settings: client SETTINGS (e.g. a small INITIAL_WINDOW_SIZE); auto_window: WINDOW_UPDATE
  // automatically as response data arrives.
  explicit Client(std::vector<nghttp2_settings_entry> settings = {}, bool auto_window = true);
  ~Client();
  // Submits a request; body (if any) is sent as DATA and ends the stream when `end` is true.
  int32_t Submit(const Fields& fields, std::optional<std::string> body = std::nullopt,
                 bool end = true);
  // Appends to a streaming body opened with Submit(..., body, end=false).
  void SendMore(int32_t id, const std::string& more, bool end);
  void Consume(int32_t id, size_t n);
  // Moves bytes both ways until quiet. False if a server Receive failed.
  bool Pump(ServerConnection& server, int64_t now = 1000, int rounds = 64);

  nghttp2_session* session = nullptr;
  std::map<int32_t, Response> responses;
  std::map<int32_t, std::string> outgoing;  // request bodies not yet framed
  std::map<int32_t, bool> outgoing_end;
  std::optional<uint32_t> goaway_code;
};

}  // namespace waygate::h2::testing
