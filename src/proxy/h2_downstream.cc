#include "proxy/h2_downstream.h"

#include <cstdint>
#include <cstdio>

#include "base/log.h"
#include "proxy/session.h"
#include "proxy/worker.h"

namespace waygate::proxy {

namespace {

void AppendHex(std::string& out, size_t n) {
  char buf[20];
  int len = snprintf(buf, sizeof buf, "%zx", n);
  out.append(buf, static_cast<size_t>(len));
}

// Frames the gateway answers with (its own pages and the upstreams') never exceed these.
http::Limits ResponseLimits() {
  http::Limits limits;
  limits.max_head_bytes = 64 * 1024;
  limits.max_headers = http::kMaxHeaders;
  return limits;
}

}  // namespace

// ---- H2Stream ----

ssize_t H2Stream::TakeRequest(net::Buffer& buf) {
  size_t left = request.size() - request_off;
  if (left == 0) return -1;
  if (buf.writable() < 1024) buf.Compact();
  size_t n = std::min(left, buf.writable());
  if (n == 0) return -1;
  buf.Append(std::string_view(request.data() + request_off, n));
  request_off += n;
  if (request_off == request.size()) {
    request.clear();
    request_off = 0;
  }
  return static_cast<ssize_t>(n);
}

void H2Stream::End() {
  if (state_ == State::kDone || state_ == State::kFailed) return;
  state_ = State::kDone;
  if (!conn_->SubmitData(id_, {}, true).ok()) state_ = State::kFailed;  // stream already gone
}

void H2Stream::EndWithTrailers() {
  if (trailers_.empty()) return End();
  if (state_ == State::kDone || state_ == State::kFailed) return;
  state_ = State::kDone;
  // gRPC's status travels here (grpc-status, grpc-message).
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.reserve(trailers_.size());
  for (const auto& [name, value] : trailers_) fields.emplace_back(name, value);
  if (!conn_->SubmitTrailers(id_, fields).ok()) state_ = State::kFailed;
  trailers_.clear();
}

void H2Stream::Fail() {
  if (state_ == State::kDone || state_ == State::kFailed) return;
  state_ = State::kFailed;
  conn_->ResetStream(id_, h2::kInternalError);
}

ssize_t H2Stream::PutResponse(std::string_view bytes, bool is_head_request) {
  if (state_ == State::kFailed) return -1;
  if (state_ != State::kHead) return PutBody(bytes);
  head_.append(bytes);
  for (;;) {
    static const http::Limits limits = ResponseLimits();
    // The ResponseHead is big (every field view): one per worker thread, not per call.
    static thread_local http::ResponseHead rh;
    std::string_view ignored;
    http::ParseResult r = http::ParseResponseHead(head_, limits, is_head_request, &rh);
    if (r.status == http::ParseStatus::kNeedMore) return static_cast<ssize_t>(bytes.size());
    if (r.status == http::ParseStatus::kError) {
      Fail();
      return -1;
    }
    if (rh.status < 200) {  // 100 Continue and friends: HTTP/2 has no use for them here
      head_.erase(0, r.consumed);
      continue;
    }
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    fields.reserve(rh.header_count);
    for (uint16_t i = 0; i < rh.header_count; ++i) {
      if (rh.IsHopByHop(i)) continue;
      fields.emplace_back(rh.headers[i].name, rh.headers[i].value);
    }
    // The framing fields are hop-by-hop in HTTP/1.1 terms, but a length is still useful to an
    // HTTP/2 client (progress, HEAD): it is the same number.
    std::string length;
    if (rh.body == http::BodyKind::kContentLength ||
        (is_head_request && rh.Find("content-length", &ignored))) {
      length = std::to_string(rh.content_length);
      fields.emplace_back("content-length", length);
    }
    // An empty body ends the stream with the HEADERS frame: a gRPC trailers-only answer
    // (grpc-status in the head) must not be followed by an empty DATA frame.
    const bool no_body = rh.body == http::BodyKind::kNone ||
                         (rh.body == http::BodyKind::kContentLength && rh.content_length == 0);
    if (!conn_->SubmitResponse(id_, rh.status, fields, no_body).ok()) {
      Fail();
      return -1;
    }
    switch (no_body ? http::BodyKind::kNone : rh.body) {
      case http::BodyKind::kNone:
        state_ = State::kDone;
        break;
      case http::BodyKind::kContentLength:
        remaining_ = rh.content_length;
        state_ = State::kLength;
        if (remaining_ == 0) End();
        break;
      case http::BodyKind::kChunked:
        state_ = State::kChunked;
        break;
      default:
        state_ = State::kUntilClose;
        break;
    }
    // A gateway page carries its body in the same bytes as its head; it is small, so it goes
    // to the codec whatever the window (the codec buffers it).
    std::string rest = head_.substr(r.consumed);
    head_.clear();
    head_.shrink_to_fit();
    if (!rest.empty() && state_ != State::kDone) PutBody(rest, /*ignore_window=*/true);
    return static_cast<ssize_t>(bytes.size());
  }
}

ssize_t H2Stream::PutBody(std::string_view bytes, bool ignore_window) {
  int64_t capacity = ignore_window ? INT64_MAX : conn_->SendCapacity(id_);
  auto submit = [&](std::string_view data, bool end) {
    Status s = conn_->SubmitData(
        id_, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
        end);
    if (!s.ok()) state_ = State::kFailed;  // the stream is gone (reset): drop the rest
    capacity -= static_cast<int64_t>(data.size());
  };
  if (state_ == State::kDone || state_ == State::kFailed || state_ == State::kHead) {
    return static_cast<ssize_t>(bytes.size());  // nothing more belongs to the stream
  }
  if (state_ == State::kChunked) {
    std::string_view in = bytes;
    while (state_ == State::kChunked) {
      auto e = chunked_.Next(in, capacity > 0 ? static_cast<size_t>(capacity) : 0);
      if (e.kind == http::ChunkedDecoder::Kind::kData) {
        submit(e.data, false);
      } else if (e.kind == http::ChunkedDecoder::Kind::kTrailer) {
        trailers_.emplace_back(std::string(e.name), std::string(e.value));
      } else if (e.kind == http::ChunkedDecoder::Kind::kEnd) {
        EndWithTrailers();  // gRPC's status travels in the trailers
      } else {
        if (!in.empty()) blocked_ = true;  // data waits for the client's window
        break;
      }
    }
    return static_cast<ssize_t>(bytes.size() - in.size());
  }
  // kLength / kUntilClose
  if (capacity <= 0) {
    blocked_ = true;
    return 0;
  }
  size_t n = std::min<size_t>(bytes.size(), static_cast<size_t>(capacity));
  if (state_ == State::kLength) n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
  const bool end = state_ == State::kLength && remaining_ == n;
  submit(bytes.substr(0, n), end);
  if (state_ == State::kFailed) return static_cast<ssize_t>(bytes.size());
  if (state_ == State::kLength) remaining_ -= n;
  if (end) state_ = State::kDone;
  if (n < bytes.size() && state_ != State::kDone) blocked_ = true;
  return static_cast<ssize_t>(n);
}

void H2Stream::SessionClosed() {
  session = nullptr;
  if (state_ == State::kUntilClose) {
    End();
  } else if (state_ != State::kDone) {
    Fail();
  }
}

// ---- H2Downstream ----

std::unique_ptr<H2Downstream> H2Downstream::Create(Session* owner, Worker* worker) {
  std::unique_ptr<H2Downstream> d(new H2Downstream(owner, worker));
  auto conn = h2::ServerConnection::Create(d.get(), h2::Limits{});
  if (!conn.ok()) {
    log::Warn("h2: " + conn.error().message);
    return nullptr;
  }
  d->conn_ = std::move(*conn);
  return d;
}

// Streams' sessions are not touched here: a connection that closes ends them first (Close ->
// CloseAll), and when the worker shuts down it deletes every session itself, in any order.
H2Downstream::~H2Downstream() = default;

bool H2Downstream::Receive(std::string_view bytes, int64_t now_ms) {
  Status s = conn_->Receive(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      now_ms);
  return s.ok();
}

void H2Downstream::OnRequest(int32_t stream_id, const h2::RequestHead& head, bool end_stream) {
  auto stream = std::make_unique<H2Stream>(conn_.get(), stream_id);
  std::string& r = stream->request;
  r.reserve(256);
  r.append(head.method);
  r.push_back(' ');
  r.append(head.path.empty() ? std::string_view("/") : head.path);
  r.append(" HTTP/1.1\r\nHost: ");
  r.append(head.authority);
  r.append("\r\n");
  for (const h2::Header& h : head.headers) {
    if (h.name == "te") continue;  // "trailers" is a promise HTTP/1.1 upstreams cannot keep
    r.append(h.name);
    r.append(": ");
    r.append(h.value);
    r.append("\r\n");
  }
  if (head.content_length) {
    r.append("Content-Length: ");
    r.append(std::to_string(*head.content_length));
    r.append("\r\n");
  } else if (!end_stream) {
    r.append("Transfer-Encoding: chunked\r\n");
    stream->request_chunked = true;
  }
  r.append("\r\n");
  streams_[stream_id] = std::move(stream);
  to_start_.push_back(stream_id);
}

void H2Downstream::OnRequestData(int32_t stream_id, std::span<const uint8_t> data,
                                 bool end_stream) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  H2Stream& s = *it->second;
  std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
  if (s.request_chunked) {
    if (!bytes.empty()) {
      AppendHex(s.request, bytes.size());
      s.request.append("\r\n");
      s.request.append(bytes);
      s.request.append("\r\n");
    }
    if (end_stream) s.request.append("0\r\n\r\n");
  } else {
    s.request.append(bytes);
  }
  // The session takes the bytes into its own buffer at once (after Receive returns), so the
  // window opens again as soon as the exchange can hold them.
  conn_->ConsumeRequestBody(stream_id, bytes.size());
  if (s.session != nullptr) s.session->OnStreamInput();
}

void H2Downstream::OnStreamClosed(int32_t stream_id, uint32_t error_code) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  std::unique_ptr<H2Stream> stream = std::move(it->second);
  streams_.erase(it);
  if (Session* s = stream->session) {
    stream->session = nullptr;
    if (error_code == h2::kNoError) {
      s->DetachStream();  // the response is complete: let the exchange finish on its own
    } else {
      s->AbortStream();  // reset by the client (or by us): the upstream exchange is dropped
    }
  }
}

void H2Downstream::StartPending() {
  std::vector<int32_t> ids;
  ids.swap(to_start_);
  for (int32_t id : ids) {
    auto it = streams_.find(id);
    if (it == streams_.end()) continue;  // reset in the same read: no upstream work at all
    Session* s = Session::ForStream(owner_, this, it->second.get());
    it->second->session = s;
    s->Start();
  }
}

void H2Downstream::WakeBlocked() {
  std::vector<Session*> wake;
  for (auto& [id, stream] : streams_) {
    if (stream->blocked() && stream->session != nullptr && conn_->SendCapacity(id) > 0) {
      stream->set_blocked(false);
      wake.push_back(stream->session);
    }
  }
  for (Session* s : wake) s->OnStreamWritable();
}

void H2Downstream::CloseAll() {
  std::map<int32_t, std::unique_ptr<H2Stream>> streams;
  streams.swap(streams_);
  for (auto& [id, stream] : streams) {
    if (Session* s = stream->session) {
      stream->session = nullptr;
      s->AbortStream();
    }
  }
  to_start_.clear();
}

void H2Downstream::StreamSessionClosed(H2Stream* stream) { stream->SessionClosed(); }

void H2Downstream::OutputReady() {
  if (flush_wanted_) return;
  flush_wanted_ = true;
  w_->QueueH2Flush(owner_);
}

bool H2Downstream::TakeFlushWanted() {
  bool wanted = flush_wanted_;
  flush_wanted_ = false;
  return wanted;
}

}  // namespace waygate::proxy
