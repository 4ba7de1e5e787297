#include "harness.h"

#include <algorithm>
#include <cstring>

namespace waygate::h2::testing {
namespace {

std::string Str(std::string_view v) { return std::string(v); }
std::string Str(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

}  // namespace

// ---- Recorder ----

void Recorder::OnRequest(int32_t id, const RequestHead& head, bool end_stream) {
  Event e{Event::kRequest};
  e.id = id;
  e.method = Str(head.method);
  e.scheme = Str(head.scheme);
  e.authority = Str(head.authority);
  e.path = Str(head.path);
  for (const Header& h : head.headers) e.headers.emplace_back(Str(h.name), Str(h.value));
  e.content_length = head.content_length;
  e.end_stream = end_stream;
  events.push_back(std::move(e));
  if (on_request) on_request(id, head, end_stream);
}

void Recorder::OnRequestData(int32_t id, std::span<const uint8_t> data, bool end_stream) {
  Event e{Event::kData};
  e.id = id;
  e.data = Str(data.data(), data.size());
  e.end_stream = end_stream;
  events.push_back(std::move(e));
}

void Recorder::OnRequestTrailers(int32_t id, std::span<const Header> trailers) {
  Event e{Event::kTrailers};
  e.id = id;
  for (const Header& h : trailers) e.headers.emplace_back(Str(h.name), Str(h.value));
  events.push_back(std::move(e));
}

void Recorder::OnStreamClosed(int32_t id, uint32_t code) {
  Event e{Event::kClosed};
  e.id = id;
  e.code = code;
  events.push_back(std::move(e));
}

int Recorder::Count(Event::Kind kind) const {
  return static_cast<int>(
      std::count_if(events.begin(), events.end(), [&](const Event& e) { return e.kind == kind; }));
}

const Event* Recorder::Request(int32_t id) const {
  for (const Event& e : events) {
    if (e.kind == Event::kRequest && e.id == id) return &e;
  }
  return nullptr;
}

std::string Recorder::Body(int32_t id) const {
  std::string out;
  for (const Event& e : events) {
    if (e.kind == Event::kData && e.id == id) out += e.data;
  }
  return out;
}

bool Recorder::Ended(int32_t id) const {
  for (const Event& e : events) {
    if ((e.kind == Event::kData || e.kind == Event::kRequest) && e.id == id && e.end_stream) {
      return true;
    }
  }
  return false;
}

std::optional<uint32_t> Recorder::Closed(int32_t id) const {
  for (const Event& e : events) {
    if (e.kind == Event::kClosed && e.id == id) return e.code;
  }
  return std::nullopt;
}

// ---- frames ----

std::string U32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

std::string Frame(uint8_t type, uint8_t flags, int32_t stream, const std::string& payload) {
  std::string f;
  const size_t n = payload.size();
  f.push_back(static_cast<char>(n >> 16));
  f.push_back(static_cast<char>(n >> 8));
  f.push_back(static_cast<char>(n));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  f += U32(static_cast<uint32_t>(stream));
  return f + payload;
}

std::string ClientPreface() {
  return std::string(NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN) +
         Frame(NGHTTP2_SETTINGS, 0, 0, "");
}

Encoder::Encoder() { nghttp2_hd_deflate_new(&d_, 4096); }
Encoder::~Encoder() { nghttp2_hd_deflate_del(d_); }

std::string Encoder::Encode(const Fields& fields) {
  std::vector<nghttp2_nv> nv;
  for (const auto& [n, v] : fields) {
    nv.push_back(
        {(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  std::string out(nghttp2_hd_deflate_bound(d_, nv.data(), nv.size()), '\0');
  const ssize_t n = nghttp2_hd_deflate_hd(d_, reinterpret_cast<uint8_t*>(out.data()), out.size(),
                                          nv.data(), nv.size());
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

uint32_t ParsedFrame::ErrorCode() const {
  const size_t at = type == NGHTTP2_GOAWAY ? 4 : 0;
  if (payload.size() < at + 4) return 0xffffffff;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(payload[at + i]);
  return v;
}

// ---- RawPeer ----

RawPeer::RawPeer(const Limits& limits) {
  auto c = ServerConnection::Create(&handler, limits);
  if (c.ok()) server = std::move(c).value();
  nghttp2_hd_inflate_new(&inflater_);
}

RawPeer::~RawPeer() { nghttp2_hd_inflate_del(inflater_); }

Status RawPeer::Send(const std::string& bytes) {
  return server->Receive({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, now);
}

Status RawPeer::Handshake() {
  Drain();  // our SETTINGS go out first, so the ACK below acknowledges something
  Status s = Send(ClientPreface());
  if (!s.ok()) return s;
  return Send(Frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, ""));
}

std::string RawPeer::Headers(int32_t id, const Fields& f, bool end_stream) {
  return Frame(NGHTTP2_HEADERS,
               NGHTTP2_FLAG_END_HEADERS | (end_stream ? NGHTTP2_FLAG_END_STREAM : 0), id,
               enc.Encode(f));
}

std::vector<ParsedFrame> RawPeer::Drain() {
  for (;;) {
    auto out = server->PendingOutput();
    if (out.empty()) break;
    pending_.append(reinterpret_cast<const char*>(out.data()), out.size());
    server->OutputWritten(out.size());
  }
  std::vector<ParsedFrame> got;
  while (pending_.size() >= 9) {
    const auto* p = reinterpret_cast<const uint8_t*>(pending_.data());
    const size_t len = (size_t{p[0]} << 16) | (size_t{p[1]} << 8) | p[2];
    if (pending_.size() < 9 + len) break;
    ParsedFrame f;
    f.type = p[3];
    f.flags = p[4];
    f.stream = static_cast<int32_t>(
        ((uint32_t{p[5]} << 24) | (uint32_t{p[6]} << 16) | (uint32_t{p[7]} << 8) | p[8]) &
        0x7fffffff);
    f.payload = pending_.substr(9, len);
    pending_.erase(0, 9 + len);
    if (f.type == NGHTTP2_HEADERS) {
      Fields fields;
      auto* in = reinterpret_cast<uint8_t*>(f.payload.data());
      size_t left = f.payload.size();
      for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        const ssize_t r = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
        if (r < 0) break;
        in += r;
        left -= static_cast<size_t>(r);
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
          fields.emplace_back(Str(nv.name, nv.namelen), Str(nv.value, nv.valuelen));
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
          nghttp2_hd_inflate_end_headers(inflater_);
          break;
        }
        if (r == 0 && left == 0) break;
      }
      decoded.emplace(f.stream, std::move(fields));
    }
    got.push_back(f);
    frames.push_back(std::move(f));
  }
  return got;
}

bool RawPeer::SawRst(int32_t id, uint32_t code) const {
  return std::any_of(frames.begin(), frames.end(), [&](const ParsedFrame& f) {
    return f.type == NGHTTP2_RST_STREAM && f.stream == id && f.ErrorCode() == code;
  });
}

bool RawPeer::SawAnyRst(int32_t id) const {
  return std::any_of(frames.begin(), frames.end(), [&](const ParsedFrame& f) {
    return f.type == NGHTTP2_RST_STREAM && f.stream == id;
  });
}

bool RawPeer::SawGoaway(uint32_t code) const {
  return std::any_of(frames.begin(), frames.end(), [&](const ParsedFrame& f) {
    return f.type == NGHTTP2_GOAWAY && f.ErrorCode() == code;
  });
}

std::optional<Fields> RawPeer::ResponseHeaders(int32_t id) const {
  auto it = decoded.find(id);
  if (it == decoded.end()) return std::nullopt;
  return it->second;
}

// ---- Client ----

namespace {

Client* C(void* u) { return static_cast<Client*>(u); }

ssize_t ReadOutgoing(nghttp2_session*, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                     nghttp2_data_source*, void* u) {
  Client* c = C(u);
  std::string& body = c->outgoing[id];
  const size_t n = std::min(length, body.size());
  std::memcpy(buf, body.data(), n);
  body.erase(0, n);
  if (body.empty()) {
    if (c->outgoing_end[id]) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      return NGHTTP2_ERR_DEFERRED;
    }
  }
  return static_cast<ssize_t>(n);
}

}  // namespace

Client::Client(std::vector<nghttp2_settings_entry> settings, bool auto_window) {
  nghttp2_session_callbacks* cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(
      cb, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
             const uint8_t* v, size_t vl, uint8_t, void* u) {
        Response& r = C(u)->responses[f->hd.stream_id];
        (r.got_headers && f->headers.cat == NGHTTP2_HCAT_HEADERS ? r.trailers : r.headers)
            .emplace_back(Str(n, nl), Str(v, vl));
        return 0;
      });
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      cb, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
        if (f->hd.type == NGHTTP2_HEADERS) C(u)->responses[f->hd.stream_id].got_headers = true;
        if (f->hd.type == NGHTTP2_GOAWAY) C(u)->goaway_code = f->goaway.error_code;
        return 0;
      });
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      cb, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t n, void* u) {
        C(u)->responses[id].body.append(reinterpret_cast<const char*>(d), n);
        return 0;
      });
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cb, [](nghttp2_session*, int32_t id, uint32_t code, void* u) {
        Response& r = C(u)->responses[id];
        r.closed = true;
        r.close_code = code;
        return 0;
      });
  nghttp2_option* opt;
  nghttp2_option_new(&opt);
  if (!auto_window) nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_session_client_new2(&session, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
}

Client::~Client() { nghttp2_session_del(session); }

int32_t Client::Submit(const Fields& fields, std::optional<std::string> body, bool end) {
  std::vector<nghttp2_nv> nv;
  for (const auto& [n, v] : fields) {
    nv.push_back(
        {(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.read_callback = ReadOutgoing;
  // The stream id is known only after submission; park the body under a placeholder.
  const int32_t id = nghttp2_submit_request(session, nullptr, nv.data(), nv.size(),
                                            body ? &provider : nullptr, nullptr);
  if (body) {
    outgoing[id] = *body;
    outgoing_end[id] = end;
  }
  return id;
}

void Client::SendMore(int32_t id, const std::string& more, bool end) {
  outgoing[id] += more;
  outgoing_end[id] = end;
  nghttp2_session_resume_data(session, id);
}

void Client::Consume(int32_t id, size_t n) { nghttp2_session_consume(session, id, n); }

bool Client::Pump(ServerConnection& server, int64_t now, int rounds) {
  bool ok = true;
  for (int i = 0; i < rounds; ++i) {
    bool moved = false;
    for (;;) {
      const uint8_t* p;
      const ssize_t n = nghttp2_session_mem_send(session, &p);
      if (n <= 0) break;
      moved = true;
      if (!server.Receive({p, static_cast<size_t>(n)}, now).ok()) ok = false;
    }
    for (;;) {
      auto out = server.PendingOutput();
      if (out.empty()) break;
      moved = true;
      nghttp2_session_mem_recv(session, out.data(), out.size());
      server.OutputWritten(out.size());
    }
    if (!moved) break;
  }
  return ok;
}

}  // namespace waygate::h2::testing
