#include "proxy/h2_upstream.h"

#include <nghttp2/nghttp2.h>

#include <cstring>

#include "base/http_reason.h"
#include "http/h1.h"

namespace waygate::proxy {

namespace {

std::string_view View(const uint8_t* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

void AppendHexSize(std::string& out, size_t n) {
  char buf[20];
  int len = snprintf(buf, sizeof buf, "%zx\r\n", n);
  out.append(buf, static_cast<size_t>(len));
}

}  // namespace

struct H2UpstreamCallbacks {
  static H2Upstream* Self(void* user) { return static_cast<H2Upstream*>(user); }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                      void* user) {
    H2Upstream* s = Self(user);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->hd.stream_id != s->stream_id_) return 0;
    std::string_view n = View(name, namelen);
    std::string_view v = View(value, valuelen);
    if (n == ":status") {
      int status = 0;
      for (char c : v) status = status * 10 + (c - '0');
      s->status_ = static_cast<uint16_t>(status);
      return 0;
    }
    if (!n.empty() && n[0] == ':') return 0;
    s->fields_.emplace_back(std::string(n), std::string(v));
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    H2Upstream* s = Self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      s->goaway_ = true;
      return 0;
    }
    if (frame->hd.stream_id != s->stream_id_ || s->response_done_) return 0;
    const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (frame->hd.type == NGHTTP2_HEADERS) {
      if (!s->head_sent_) {
        if (s->status_ >= 100 && s->status_ < 200) {  // interim: nothing to pass on
          s->status_ = 0;
          s->fields_.clear();
          return 0;
        }
        std::string& r = s->response_;
        r.append("HTTP/1.1 ");
        r.append(std::to_string(s->status_));
        r.push_back(' ');
        r.append(HttpReasonPhrase(s->status_));
        r.append("\r\n");
        for (const auto& [name, value] : s->fields_) {
          // HTTP/1.1 framing is ours to write.
          if (name == "content-length" || name == "transfer-encoding") continue;
          r.append(name);
          r.append(": ");
          r.append(value);
          r.append("\r\n");
        }
        // A HEADERS frame that ends the stream is a trailers-only answer (gRPC errors): its
        // fields are the whole response.
        r.append(end ? "Content-Length: 0\r\n\r\n" : "Transfer-Encoding: chunked\r\n\r\n");
        s->fields_.clear();
        s->head_sent_ = true;
        if (end) s->response_done_ = true;
        return 0;
      }
      // Trailers.
      std::string& r = s->response_;
      r.append("0\r\n");
      for (const auto& [name, value] : s->fields_) {
        r.append(name);
        r.append(": ");
        r.append(value);
        r.append("\r\n");
      }
      r.append("\r\n");
      s->fields_.clear();
      s->response_done_ = true;
      return 0;
    }
    if (frame->hd.type == NGHTTP2_DATA && end && s->head_sent_) s->EndResponse();
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user) {
    H2Upstream* s = Self(user);
    if (stream_id != s->stream_id_ || !s->head_sent_ || s->response_done_) return 0;
    s->AppendChunk(View(data, len));
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    H2Upstream* s = Self(user);
    if (stream_id == s->stream_id_ && !s->response_done_) s->broken_ = true;
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                          uint32_t* flags, nghttp2_data_source*, void* user) {
    H2Upstream* s = Self(user);
    size_t avail = s->body_.size() - s->body_off_;
    if (avail == 0) {
      if (s->body_ended_) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
      }
      s->deferred_ = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    size_t n = std::min(avail, length);
    std::memcpy(buf, s->body_.data() + s->body_off_, n);
    s->body_off_ += n;
    if (s->body_off_ == s->body_.size()) {
      s->body_.clear();
      s->body_off_ = 0;
      if (s->body_ended_) *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }
};

std::unique_ptr<H2Upstream> H2Upstream::Create() {
  std::unique_ptr<H2Upstream> u(new H2Upstream());
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) return nullptr;
  nghttp2_session_callbacks_set_on_header_callback(cbs, H2UpstreamCallbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, H2UpstreamCallbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
                                                            H2UpstreamCallbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, H2UpstreamCallbacks::OnStreamClose);
  int rc = nghttp2_session_client_new(&u->session_, cbs, u.get());
  nghttp2_session_callbacks_del(cbs);
  if (rc != 0) return nullptr;
  // No server push; a large window so a stream is not throttled at 64 KiB by default.
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  if (nghttp2_submit_settings(u->session_, NGHTTP2_FLAG_NONE, settings, 2) != 0) return nullptr;
  return u;
}

H2Upstream::~H2Upstream() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

void H2Upstream::BeginExchange() {
  stream_id_ = -1;
  head_.clear();
  head_done_ = false;
  body_kind_ = Body::kNone;
  body_.clear();
  body_off_ = 0;
  body_ended_ = false;
  deferred_ = false;
  remaining_ = 0;
  chunked_ = http::ChunkedDecoder();
  response_.clear();
  response_off_ = 0;
  fields_.clear();
  status_ = 0;
  head_sent_ = false;
  response_done_ = false;
}

bool H2Upstream::reusable() const {
  return !broken_ && !goaway_ && response_done_ && nghttp2_session_want_read(session_) &&
         nghttp2_session_get_next_stream_id(session_) < (1u << 30);
}

void H2Upstream::AppendChunk(std::string_view data) {
  if (data.empty()) return;
  AppendHexSize(response_, data.size());
  response_.append(data);
  response_.append("\r\n");
}

void H2Upstream::EndResponse() {
  response_.append("0\r\n\r\n");
  response_done_ = true;
}

bool H2Upstream::PutRequest(std::string_view bytes) {
  if (!head_done_) {
    head_.append(bytes);
    size_t end = head_.find("\r\n\r\n");
    if (end == std::string::npos) return true;
    std::string rest = head_.substr(end + 4);
    head_.resize(end + 4);
    head_done_ = true;
    if (!SubmitRequest()) return false;
    return rest.empty() || FeedBody(rest);
  }
  return FeedBody(bytes);
}

bool H2Upstream::SubmitRequest() {
  static thread_local http::RequestHead rh;
  http::Limits limits;
  limits.max_head_bytes = 256 * 1024;
  limits.max_headers = http::kMaxHeaders;
  http::ParseResult r = http::ParseRequestHead(head_, limits, &rh);
  if (r.status != http::ParseStatus::kDone) return false;
  std::vector<std::string> lower;  // storage for lower-cased names
  lower.reserve(rh.header_count);
  std::vector<nghttp2_nv> nva;
  nva.reserve(rh.header_count + 5);
  auto add = [&](std::string_view name, std::string_view value) {
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                   value.size(), NGHTTP2_NV_FLAG_NONE});
  };
  std::string target(rh.target);
  add(":method", rh.method);
  add(":scheme", "http");
  add(":authority", rh.host);
  add(":path", target);
  for (uint16_t i = 0; i < rh.header_count; ++i) {
    if (rh.IsHopByHop(i)) continue;
    std::string name(rh.headers[i].name);
    for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
    lower.push_back(std::move(name));
    add(lower.back(), rh.headers[i].value);
  }
  add("te", "trailers");  // gRPC servers insist on it
  switch (rh.body) {
    case http::BodyKind::kContentLength:
      remaining_ = rh.content_length;
      body_ended_ = remaining_ == 0;
      body_kind_ = rh.content_length == 0 ? Body::kNone : Body::kLength;
      break;
    case http::BodyKind::kChunked:
      body_kind_ = Body::kChunked;
      break;
    default:
      body_kind_ = Body::kNone;
      body_ended_ = true;
      break;
  }
  nghttp2_data_provider provider;
  provider.source.ptr = nullptr;
  provider.read_callback = H2UpstreamCallbacks::ReadBody;
  int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                      body_kind_ == Body::kNone ? nullptr : &provider, nullptr);
  if (id < 0) return false;
  stream_id_ = id;
  return true;
}

bool H2Upstream::FeedBody(std::string_view bytes) {
  size_t before = body_.size();
  if (body_kind_ == Body::kLength) {
    size_t n = std::min<uint64_t>(bytes.size(), remaining_);
    body_.append(bytes.substr(0, n));
    remaining_ -= n;
    if (remaining_ == 0) body_ended_ = true;
  } else if (body_kind_ == Body::kChunked) {
    // Already validated by the exchange's ChunkedScanner; request trailers are dropped.
    while (!body_ended_) {
      auto e = chunked_.Next(bytes);
      if (e.kind == http::ChunkedDecoder::Kind::kData) {
        body_.append(e.data);
      } else if (e.kind == http::ChunkedDecoder::Kind::kEnd) {
        body_ended_ = true;
      } else if (e.kind == http::ChunkedDecoder::Kind::kNeedMore) {
        break;
      }
    }
  }
  if ((body_.size() != before || body_ended_) && deferred_ && stream_id_ > 0) {
    deferred_ = false;
    nghttp2_session_resume_data(session_, stream_id_);
  }
  return true;
}

std::string_view H2Upstream::PendingOutput() {
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  }
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (out_.size() - out_off_ > 256 * 1024) break;
  }
  return std::string_view(out_).substr(out_off_);
}

void H2Upstream::OutputWritten(size_t n) { out_off_ += n; }

bool H2Upstream::wants_write() const {
  return out_off_ < out_.size() || nghttp2_session_want_write(session_) != 0;
}

bool H2Upstream::Receive(std::string_view bytes) {
  ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                       bytes.size());
  if (n < 0) {
    broken_ = true;
    return false;
  }
  return true;
}

size_t H2Upstream::TakeResponse(char* dst, size_t cap) {
  size_t n = std::min(cap, response_.size() - response_off_);
  std::memcpy(dst, response_.data() + response_off_, n);
  response_off_ += n;
  if (response_off_ == response_.size()) {
    response_.clear();
    response_off_ = 0;
  }
  return n;
}

}  // namespace waygate::proxy
