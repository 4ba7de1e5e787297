// ServerConnection: nghttp2 server session driven by memory buffers (mem_recv / mem_send).
//
// Who decides what:
//   nghttp2   framing, HPACK, stream states, flow-control accounting, most of RFC 9113 8
//             (see head.h), SETTINGS/PING ACKs, CONTINUATION count, outbound ACK queue.
//   head.cc   the remaining request-head rules and the header-list size limit.
//   here      stream bookkeeping for the handler, body buffering, WINDOW_UPDATE following
//             ConsumeRequestBody, and the abuse budgets (resets, cheap frames).
//
// Fatal path (budget exhausted, nghttp2 fatal error): callbacks return
// NGHTTP2_ERR_CALLBACK_FAILURE so nghttp2 stops at once; the session is then never used again,
// a GOAWAY is written by hand after the frames already serialized, and every stream the handler
// knows is closed.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "h2/budget.h"
#include "h2/h2.h"
#include "h2/head.h"

namespace waygate::h2 {

ServerHandler::~ServerHandler() = default;
void ServerHandler::OnRequestTrailers(int32_t, std::span<const Header>) {}

namespace {

constexpr size_t kOutputAhead = 64 * 1024;

struct Stream {
  explicit Stream(int32_t stream_id, uint32_t max_list) : id(stream_id), head(max_list) {}
  int32_t id;
  HeadBuilder head;
  std::unique_ptr<HeadBuilder> trailers;
  RequestHead request;
  bool delivered = false;       // OnRequest ran: the handler owns work for this stream
  bool rejected = false;        // refused by us (431 / PROTOCOL_ERROR): drop its DATA
  bool remote_ended = false;    // END_STREAM received
  bool reset_counted = false;   // already charged to the reset budget
  bool app_reset = false;       // ResetStream by the data plane: not the peer's doing
  bool rst_after_head = false;  // send RST_STREAM(NO_ERROR) once our response HEADERS left
  uint64_t unconsumed = 0;      // body bytes delivered, not yet ConsumeRequestBody'd
  uint64_t received = 0;        // body bytes delivered in total

  // Response side.
  bool response_started = false;
  bool has_provider = false;  // a data provider is attached (body and/or trailers follow)
  bool body_eof = false;      // no more SubmitData
  bool deferred = false;      // provider returned NGHTTP2_ERR_DEFERRED
  std::string body;           // bytes not yet framed start at body_off
  size_t body_off = 0;
  std::string trailer_arena;                                  // "name\0value\0..." lower-cased
  std::vector<std::pair<uint32_t, uint32_t>> trailer_fields;  // (name_off, value_off)
  bool has_trailers = false;
};

bool IsConnectionSpecific(std::string_view lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
         lower == "transfer-encoding" || lower == "upgrade" || lower == "te";
}

// Lower-cased copies of response fields and the nghttp2_nv array pointing at them.
class NvList {
 public:
  void Reserve(size_t n) { nv_.reserve(n + 1); }
  void AddRaw(std::string_view name, std::string_view value) {
    nv_.push_back({const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
                   const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
                   name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  // Fields that must not be sent on HTTP/2 (pseudo, connection-specific) are skipped.
  void AddField(std::string_view name, std::string_view value) {
    auto lower = std::make_unique<std::string>(name);
    for (char& c : *lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (lower->empty() || (*lower)[0] == ':' || IsConnectionSpecific(*lower)) return;
    AddRaw(*lower, value);
    names_.push_back(std::move(lower));
  }
  nghttp2_nv* data() { return nv_.data(); }
  size_t size() const { return nv_.size(); }

 private:
  std::vector<nghttp2_nv> nv_;
  std::vector<std::unique_ptr<std::string>> names_;  // stable addresses for nv_
};

Error Fail(const char* what) { return MakeError(ErrorCode::kInvalid, what); }

}  // namespace

struct ServerConnection::Impl {
  Impl(ServerHandler* h, const Limits& l)
      : handler(h),
        limits(l),
        resets(l.reset_burst, l.reset_rate),
        control(l.control_burst, l.control_rate) {}
  ~Impl() {
    if (session != nullptr) nghttp2_session_del(session);
  }

  ServerHandler* handler;
  Limits limits;
  nghttp2_session* session = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams;
  TokenBucket resets;
  TokenBucket control;
  int64_t now_ms = 0;
  Stats stats;

  uint32_t fatal_code = 0;  // set inside a callback: stop nghttp2, then go fatal
  bool want_fatal = false;
  bool fatal = false;  // the session is dead; only `out` remains
  bool goaway_error_sent = false;
  std::string out;
  size_t out_off = 0;

  Stream* Find(int32_t id) {
    auto it = streams.find(id);
    return it == streams.end() ? nullptr : it->second.get();
  }

  // Marks the connection for a fatal end; callers return NGHTTP2_ERR_CALLBACK_FAILURE.
  int Calm() {
    if (!want_fatal) {
      want_fatal = true;
      fatal_code = kEnhanceYourCalm;
    }
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }

  // Charges one reset (by the peer or provoked by it) to the budget. 0 or a callback failure.
  int CountReset(int32_t id) {
    if (Stream* s = Find(id)) {
      if (s->reset_counted || s->app_reset) return 0;
      s->reset_counted = true;
    }
    ++stats.resets_counted;
    return resets.Take(now_ms) ? 0 : Calm();
  }
  int CountControl() {
    ++stats.control_frames;
    return control.Take(now_ms) ? 0 : Calm();
  }

  // Appends frames from nghttp2 to `out` until ~kOutputAhead is pending or nothing is left.
  void Flush() {
    while (!fatal && out.size() - out_off < kOutputAhead) {
      const uint8_t* p = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session, &p);
      if (n < 0) {
        EnterFatal(want_fatal ? fatal_code : kInternalError);
        return;
      }
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
  }

  // The session is unusable: hand-written GOAWAY, then every known stream is closed.
  void EnterFatal(uint32_t code) {
    if (fatal) return;
    fatal = true;
    const int32_t last = nghttp2_session_get_last_proc_stream_id(session);
    uint8_t f[17] = {0, 0, 8, NGHTTP2_GOAWAY, 0, 0, 0, 0, 0};
    const uint32_t l = static_cast<uint32_t>(last) & 0x7fffffffu;
    for (int i = 0; i < 4; ++i) {
      f[9 + i] = static_cast<uint8_t>(l >> (24 - 8 * i));
      f[13 + i] = static_cast<uint8_t>(code >> (24 - 8 * i));
    }
    out.append(reinterpret_cast<const char*>(f), sizeof f);
    CloseAll(code);
  }

  void CloseAll(uint32_t code) {
    std::vector<int32_t> ids;
    for (const auto& [id, s] : streams) {
      if (s->delivered) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    auto keep = std::move(streams);  // views stay alive until every OnStreamClosed returned
    streams.clear();
    for (int32_t id : ids) handler->OnStreamClosed(id, code);
  }

  void Reject(Stream* s, uint32_t code) {
    s->rejected = true;
    ++stats.rejected_heads;
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, code);
  }

  // Header list over the limit: 431 (RFC 6585), and RST_STREAM(NO_ERROR) when the client is
  // still sending (RFC 9113 8.1), so it stops without treating the answer as a failure.
  void RejectOversized(Stream* s, bool end_stream) {
    s->rejected = true;
    ++stats.rejected_heads;
    const nghttp2_nv nv[] = {
        {(uint8_t*)":status", (uint8_t*)"431", 7, 3, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t*)"content-length", (uint8_t*)"0", 14, 1, NGHTTP2_NV_FLAG_NONE},
    };
    nghttp2_submit_response(session, s->id, nv, 2, nullptr);
    // Not now: a queued RST_STREAM marks the stream closing and nghttp2 would drop the 431.
    s->rst_after_head = !end_stream;
  }

  // ---- nghttp2 callbacks ----

  int OnBeginFrame(const nghttp2_frame_hd* hd) {
    if (want_fatal) return NGHTTP2_ERR_CALLBACK_FAILURE;
    const bool end_stream = (hd->flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (hd->type) {
      case NGHTTP2_DATA:
        if (Stream* s = Find(hd->stream_id); s != nullptr && BreaksContentLength(*s, *hd)) {
          // nghttp2 will reset this stream after its head reached the handler: charge it now,
          // so a batch of such frames stops at the budget rather than at the batch's end.
          if (int rv = CountReset(hd->stream_id); rv != 0) return rv;
        }
        [[fallthrough]];
      case NGHTTP2_HEADERS:
        if (Stream* s = Find(hd->stream_id); s != nullptr && s->remote_ended) {
          // Half-closed (remote) stream: whatever nghttp2 answers, the peer provoked it.
          if (int rv = CountReset(hd->stream_id); rv != 0) return rv;
        }
        if (hd->length == 0 && !end_stream) return CountControl();
        return 0;
      case NGHTTP2_CONTINUATION:
        return hd->length == 0 ? CountControl() : 0;
      case NGHTTP2_PRIORITY:
      case NGHTTP2_SETTINGS:
      case NGHTTP2_PING:
        return CountControl();
      case NGHTTP2_RST_STREAM:
      case NGHTTP2_WINDOW_UPDATE:
      case NGHTTP2_GOAWAY:
      case NGHTTP2_PUSH_PROMISE:
        return 0;  // RST counted on receipt; WINDOW_UPDATE 0 via the invalid-frame callback
      default:
        return CountControl();  // extension frames we ignore
    }
  }

  // An unpadded DATA frame that overruns, or ends short of, the declared content-length.
  // (Padded frames are charged when nghttp2's RST_STREAM is sent.)
  static bool BreaksContentLength(const Stream& s, const nghttp2_frame_hd& hd) {
    if (!s.delivered || s.rejected || !s.request.content_length) return false;
    if (hd.flags & NGHTTP2_FLAG_PADDED) return false;
    const uint64_t total = s.received + hd.length;
    const uint64_t want = *s.request.content_length;
    return total > want || ((hd.flags & NGHTTP2_FLAG_END_STREAM) && total < want);
  }

  int OnBeginHeaders(const nghttp2_frame* frame) {
    if (want_fatal) return NGHTTP2_ERR_CALLBACK_FAILURE;
    const int32_t id = frame->hd.stream_id;
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      streams[id] = std::make_unique<Stream>(id, limits.max_header_list_size);
    } else if (Stream* s = Find(id)) {
      s->trailers = std::make_unique<HeadBuilder>(limits.max_header_list_size);
    }
    return 0;
  }

  int OnHeader(const nghttp2_frame* frame, nghttp2_rcbuf* name, nghttp2_rcbuf* value) {
    if (want_fatal) return NGHTTP2_ERR_CALLBACK_FAILURE;
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Stream* s = Find(frame->hd.stream_id);
    if (s == nullptr) return 0;
    const nghttp2_vec n = nghttp2_rcbuf_get_buf(name), v = nghttp2_rcbuf_get_buf(value);
    HeadBuilder* b = frame->headers.cat == NGHTTP2_HCAT_REQUEST ? &s->head : s->trailers.get();
    if (b != nullptr) {
      b->Add({reinterpret_cast<const char*>(n.base), n.len},
             {reinterpret_cast<const char*>(v.base), v.len});
    }
    return 0;
  }

  int OnFrameRecv(const nghttp2_frame* frame) {
    if (want_fatal) return NGHTTP2_ERR_CALLBACK_FAILURE;
    const int32_t id = frame->hd.stream_id;
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        Stream* s = Find(id);
        if (s == nullptr) return 0;
        if (end_stream) s->remote_ended = true;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) return OnRequestHead(s, end_stream);
        if (!s->delivered || s->rejected || s->trailers == nullptr) return 0;
        std::span<const Header> fields;
        if (s->trailers->FinishTrailers(&fields) != nullptr) {
          if (int rv = CountReset(id); rv != 0) return rv;
          s->rejected = true;
          nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_PROTOCOL_ERROR);
          return 0;
        }
        handler->OnRequestTrailers(id, fields);
        if (Find(id) == s && !s->rejected) handler->OnRequestData(id, {}, true);
        return 0;
      }
      case NGHTTP2_DATA: {
        Stream* s = Find(id);
        if (s == nullptr || !end_stream) return 0;
        s->remote_ended = true;
        if (s->delivered && !s->rejected) handler->OnRequestData(id, {}, true);
        return 0;
      }
      case NGHTTP2_RST_STREAM:
        return CountReset(id);
      default:
        return 0;
    }
  }

  int OnRequestHead(Stream* s, bool end_stream) {
    if (s->head.oversized()) {
      if (int rv = CountReset(s->id); rv != 0) return rv;
      RejectOversized(s, end_stream);
      return 0;
    }
    if (s->head.FinishRequest(&s->request) != nullptr) {
      if (int rv = CountReset(s->id); rv != 0) return rv;
      Reject(s, NGHTTP2_PROTOCOL_ERROR);
      return 0;
    }
    s->delivered = true;
    handler->OnRequest(s->id, s->request, end_stream);
    return 0;
  }

  int OnDataChunk(int32_t id, const uint8_t* data, size_t len) {
    if (want_fatal) return NGHTTP2_ERR_CALLBACK_FAILURE;
    Stream* s = Find(id);
    if (s == nullptr || !s->delivered || s->rejected) {
      // Nobody will forward these bytes: give the window back now.
      nghttp2_session_consume(session, id, len);
      return 0;
    }
    s->unconsumed += len;
    s->received += len;
    handler->OnRequestData(id, {data, len}, false);
    return 0;
  }

  int OnInvalidFrameRecv(const nghttp2_frame* frame) {
    if (want_fatal) return NGHTTP2_ERR_CALLBACK_FAILURE;
    // Stream errors nghttp2 is about to answer with RST_STREAM. Streams we do not track are
    // charged when that RST_STREAM is sent.
    if (frame->hd.stream_id != 0 && Find(frame->hd.stream_id) != nullptr) {
      return CountReset(frame->hd.stream_id);
    }
    return 0;
  }

  int OnFrameSend(const nghttp2_frame* frame) {
    if (frame->hd.type == NGHTTP2_RST_STREAM) return CountReset(frame->hd.stream_id);
    if (frame->hd.type == NGHTTP2_HEADERS) {
      if (Stream* s = Find(frame->hd.stream_id); s != nullptr && s->rst_after_head) {
        s->rst_after_head = false;
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
      }
    }
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
      goaway_error_sent = true;
    }
    return 0;
  }

  int OnStreamClose(int32_t id, uint32_t code) {
    auto it = streams.find(id);
    if (it == streams.end()) return 0;
    std::unique_ptr<Stream> s = std::move(it->second);
    streams.erase(it);
    if (s->unconsumed > 0) nghttp2_session_consume_connection(session, s->unconsumed);
    if (s->delivered) handler->OnStreamClosed(id, code);
    return 0;
  }

  ssize_t ReadBody(int32_t id, uint8_t* buf, size_t length, uint32_t* flags) {
    Stream* s = Find(id);
    if (s == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n = std::min(length, s->body.size() - s->body_off);
    std::memcpy(buf, s->body.data() + s->body_off, n);
    s->body_off += n;
    if (s->body_off == s->body.size()) {
      s->body.clear();
      s->body_off = 0;
      if (s->body_eof) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (s->has_trailers) {
          *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
          SubmitTrailerFrame(s);
        }
        return static_cast<ssize_t>(n);
      }
      if (n == 0) {
        s->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
      }
    }
    return static_cast<ssize_t>(n);
  }

  void SubmitTrailerFrame(Stream* s) {
    std::vector<nghttp2_nv> nv;
    nv.reserve(s->trailer_fields.size());
    for (auto [n, v] : s->trailer_fields) {
      const char* name = s->trailer_arena.data() + n;
      const char* value = s->trailer_arena.data() + v;
      nv.push_back({(uint8_t*)name, (uint8_t*)value, std::strlen(name), std::strlen(value),
                    NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_submit_trailer(session, s->id, nv.data(), nv.size());
  }

  // A response stream the data plane may still write to.
  Stream* Writable(int32_t id) {
    if (fatal) return nullptr;
    Stream* s = Find(id);
    return (s != nullptr && s->delivered && !s->app_reset) ? s : nullptr;
  }

  void Resume(Stream* s) {
    if (s->deferred) {
      s->deferred = false;
      nghttp2_session_resume_data(session, s->id);
    }
  }
};

namespace {

ServerConnection::Impl* Self(void* user_data) {
  return static_cast<ServerConnection::Impl*>(user_data);
}

nghttp2_session_callbacks* MakeCallbacks() {
  nghttp2_session_callbacks* cb = nullptr;
  if (nghttp2_session_callbacks_new(&cb) != 0) return nullptr;
  nghttp2_session_callbacks_set_on_begin_frame_callback(
      cb, [](nghttp2_session*, const nghttp2_frame_hd* hd, void* u) {
        return Self(u)->OnBeginFrame(hd);
      });
  nghttp2_session_callbacks_set_on_begin_headers_callback(
      cb,
      [](nghttp2_session*, const nghttp2_frame* f, void* u) { return Self(u)->OnBeginHeaders(f); });
  nghttp2_session_callbacks_set_on_header_callback2(
      cb, [](nghttp2_session*, const nghttp2_frame* f, nghttp2_rcbuf* n, nghttp2_rcbuf* v, uint8_t,
             void* u) { return Self(u)->OnHeader(f, n, v); });
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      cb,
      [](nghttp2_session*, const nghttp2_frame* f, void* u) { return Self(u)->OnFrameRecv(f); });
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      cb, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t n, void* u) {
        return Self(u)->OnDataChunk(id, d, n);
      });
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(
      cb, [](nghttp2_session*, const nghttp2_frame* f, int, void* u) {
        return Self(u)->OnInvalidFrameRecv(f);
      });
  nghttp2_session_callbacks_set_on_frame_send_callback(
      cb,
      [](nghttp2_session*, const nghttp2_frame* f, void* u) { return Self(u)->OnFrameSend(f); });
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cb, [](nghttp2_session*, int32_t id, uint32_t code, void* u) {
        return Self(u)->OnStreamClose(id, code);
      });
  return cb;
}

}  // namespace

Result<std::unique_ptr<ServerConnection>> ServerConnection::Create(ServerHandler* handler,
                                                                   const Limits& limits) {
  if (handler == nullptr) return Fail("h2: handler is required");
  if (limits.max_concurrent_streams == 0) return Fail("h2: max_concurrent_streams must be > 0");
  if (limits.initial_window > NGHTTP2_MAX_WINDOW_SIZE) return Fail("h2: initial_window too big");
  if (limits.connection_window < NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE ||
      limits.connection_window > NGHTTP2_MAX_WINDOW_SIZE) {
    return Fail("h2: connection_window must be within 65535..2^31-1");
  }
  if (limits.reset_burst == 0 || limits.control_burst == 0 || limits.max_continuations == 0) {
    return Fail("h2: budgets must be > 0");
  }

  std::unique_ptr<ServerConnection> c(new ServerConnection());
  c->impl_ = std::make_unique<Impl>(handler, limits);
  Impl* impl = c->impl_.get();

  nghttp2_session_callbacks* cb = MakeCallbacks();
  nghttp2_option* opt = nullptr;
  if (cb == nullptr || nghttp2_option_new(&opt) != 0) {
    if (cb != nullptr) nghttp2_session_callbacks_del(cb);
    return MakeError(ErrorCode::kInternal, "h2: out of memory");
  }
  nghttp2_option_set_no_auto_window_update(opt, 1);  // WINDOW_UPDATE follows the upstream
  nghttp2_option_set_no_closed_streams(opt, 1);
  nghttp2_option_set_max_outbound_ack(opt, limits.max_outbound_ack);
  nghttp2_option_set_max_settings(opt, limits.max_settings_entries);
  nghttp2_option_set_max_continuations(opt, limits.max_continuations);
  // nghttp2's own RST_STREAM limiter (wall clock) stays as a looser backstop behind ours.
  nghttp2_option_set_stream_reset_rate_limit(
      opt, std::max<uint64_t>(1000, uint64_t{limits.reset_burst} * 4),
      std::max<uint64_t>(33, uint64_t{limits.reset_rate} * 4));
  const int rv = nghttp2_session_server_new2(&impl->session, cb, impl, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0) return MakeError(ErrorCode::kInternal, "h2: nghttp2_session_server_new2 failed");

  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits.initial_window},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits.max_header_list_size},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  if (nghttp2_submit_settings(impl->session, NGHTTP2_FLAG_NONE, settings,
                              sizeof settings / sizeof settings[0]) != 0 ||
      nghttp2_session_set_local_window_size(impl->session, NGHTTP2_FLAG_NONE, 0,
                                            static_cast<int32_t>(limits.connection_window)) != 0) {
    return MakeError(ErrorCode::kInternal, "h2: cannot queue SETTINGS");
  }
  return c;
}

ServerConnection::~ServerConnection() = default;

Status ServerConnection::Receive(std::span<const uint8_t> bytes, int64_t now_ms) {
  Impl& m = *impl_;
  if (m.fatal) return Fail("h2: connection is closed");
  m.now_ms = now_ms;
  const ssize_t rv = nghttp2_session_mem_recv(m.session, bytes.data(), bytes.size());
  if (rv < 0) {
    uint32_t code = kProtocolError;
    if (m.want_fatal) {
      code = m.fatal_code;
    } else if (rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS) {
      code = kEnhanceYourCalm;
    } else if (rv != NGHTTP2_ERR_BAD_CLIENT_MAGIC) {
      code = kInternalError;
    }
    m.EnterFatal(code);
    return Fail(code == kEnhanceYourCalm ? "h2: peer exceeded an abuse budget"
                                         : nghttp2_strerror(static_cast<int>(rv)));
  }
  m.Flush();
  if (m.fatal) return Fail("h2: peer exceeded an abuse budget");
  if (m.goaway_error_sent) {
    m.CloseAll(kProtocolError);
    return Fail("h2: connection error");
  }
  return OkStatus();
}

Status ServerConnection::SubmitResponse(int32_t stream_id, uint16_t status, Fields headers,
                                        bool end_stream) {
  Impl& m = *impl_;
  Stream* s = m.Writable(stream_id);
  if (s == nullptr) return Fail("h2: no such stream");
  if (s->response_started) return Fail("h2: response already started");
  if (status < 200 || status > 599) return Fail("h2: status must be 200..599");
  char code[4] = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
                  static_cast<char>('0' + status % 10), 0};
  NvList nv;
  nv.Reserve(headers.size());
  nv.AddRaw(":status", {code, 3});
  for (const auto& [name, value] : headers) nv.AddField(name, value);
  nghttp2_data_provider provider{};
  provider.read_callback = [](nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                              uint32_t* flags, nghttp2_data_source*, void* u) -> ssize_t {
    return Self(u)->ReadBody(id, buf, length, flags);
  };
  const int rv = nghttp2_submit_response(m.session, stream_id, nv.data(), nv.size(),
                                         end_stream ? nullptr : &provider);
  if (rv != 0) return Fail(nghttp2_strerror(rv));
  s->response_started = true;
  s->has_provider = !end_stream;
  s->body_eof = end_stream;
  return OkStatus();
}

Status ServerConnection::SubmitData(int32_t stream_id, std::span<const uint8_t> data,
                                    bool end_stream) {
  Impl& m = *impl_;
  Stream* s = m.Writable(stream_id);
  if (s == nullptr) return Fail("h2: no such stream");
  if (!s->has_provider || s->body_eof) return Fail("h2: response body not open");
  s->body.append(reinterpret_cast<const char*>(data.data()), data.size());
  if (end_stream) s->body_eof = true;
  m.Resume(s);
  return OkStatus();
}

Status ServerConnection::SubmitTrailers(int32_t stream_id, Fields trailers) {
  Impl& m = *impl_;
  Stream* s = m.Writable(stream_id);
  if (s == nullptr) return Fail("h2: no such stream");
  if (!s->has_provider || s->body_eof) return Fail("h2: response body not open");
  for (const auto& [name, value] : trailers) {
    std::string lower(name);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (lower.empty() || lower[0] == ':' || IsConnectionSpecific(lower)) continue;
    if (lower.find('\0') != std::string::npos || value.find('\0') != std::string_view::npos) {
      return Fail("h2: NUL in trailer");
    }
    const uint32_t n = static_cast<uint32_t>(s->trailer_arena.size());
    s->trailer_arena.append(lower).push_back('\0');
    const uint32_t v = static_cast<uint32_t>(s->trailer_arena.size());
    s->trailer_arena.append(value).push_back('\0');
    s->trailer_fields.emplace_back(n, v);
  }
  s->has_trailers = true;
  s->body_eof = true;
  m.Resume(s);
  return OkStatus();
}

void ServerConnection::ResetStream(int32_t stream_id, uint32_t error_code) {
  Impl& m = *impl_;
  Stream* s = m.Writable(stream_id);
  if (s == nullptr) return;
  s->app_reset = true;
  nghttp2_submit_rst_stream(m.session, NGHTTP2_FLAG_NONE, stream_id, error_code);
}

int64_t ServerConnection::SendCapacity(int32_t stream_id) const {
  const Impl& m = *impl_;
  if (m.fatal) return 0;
  auto it = m.streams.find(stream_id);
  if (it == m.streams.end()) return 0;
  const int32_t sw = nghttp2_session_get_stream_remote_window_size(m.session, stream_id);
  const int32_t cw = nghttp2_session_get_remote_window_size(m.session);
  if (sw < 0) return 0;
  const Stream& s = *it->second;
  return static_cast<int64_t>(std::min(sw, cw)) - static_cast<int64_t>(s.body.size() - s.body_off);
}

size_t ServerConnection::BufferedBytes(int32_t stream_id) const {
  auto it = impl_->streams.find(stream_id);
  return it == impl_->streams.end() ? 0 : it->second->body.size() - it->second->body_off;
}

void ServerConnection::ConsumeRequestBody(int32_t stream_id, size_t n) {
  Impl& m = *impl_;
  if (m.fatal) return;
  Stream* s = m.Find(stream_id);
  if (s == nullptr) return;
  n = static_cast<size_t>(std::min<uint64_t>(n, s->unconsumed));
  if (n == 0) return;
  s->unconsumed -= n;
  nghttp2_session_consume(m.session, stream_id, n);
}

std::span<const uint8_t> ServerConnection::PendingOutput() {
  Impl& m = *impl_;
  m.Flush();
  return {reinterpret_cast<const uint8_t*>(m.out.data()) + m.out_off, m.out.size() - m.out_off};
}

void ServerConnection::OutputWritten(size_t n) {
  Impl& m = *impl_;
  m.out_off = std::min(m.out.size(), m.out_off + n);
  if (m.out_off == m.out.size()) {
    m.out.clear();
    m.out_off = 0;
  }
}

bool ServerConnection::WantsClose() const {
  const Impl& m = *impl_;
  return m.fatal ||
         (nghttp2_session_want_read(m.session) == 0 && nghttp2_session_want_write(m.session) == 0);
}

void ServerConnection::Shutdown(uint32_t error_code) {
  Impl& m = *impl_;
  if (m.fatal) return;
  if (error_code == kNoError) {
    nghttp2_submit_goaway(m.session, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(m.session), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    return;
  }
  nghttp2_session_terminate_session(m.session, error_code);
  m.CloseAll(error_code);
}

size_t ServerConnection::active_streams() const {
  size_t n = 0;
  for (const auto& [id, s] : impl_->streams) n += s->delivered ? 1 : 0;
  return n;
}

const ServerConnection::Stats& ServerConnection::stats() const { return impl_->stats; }

}  // namespace waygate::h2
