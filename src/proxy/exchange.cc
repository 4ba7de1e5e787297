// The life of one exchange (one request and its response), in the order it happens:
//
//   1. StepIdle          read and parse the request head (strict; errors answer and close)
//   2. StartExchange     route lookup -> admission (404, 405, 413, 503) -> upstream head
//   3. AcquireUpstream   pick an endpoint (balancer) -> pooled or new connection
//   4. StepExchange      connect -> send head + streamed body -> read response head ->
//                        send response head + streamed body (backpressure both ways)
//   5. FinishExchange    metrics + access log -> release or close the upstream connection ->
//                        next request on the connection (pipelining) or close
//
// Errors: before the response head went downstream the gateway answers with its own page
// (502/503/504); after it, both connections are closed (the client sees a truncated body).
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/http_reason.h"
#include "base/log.h"
#include "proxy/h2_upstream.h"
#include "proxy/session.h"

namespace waygate::proxy {

using http::BodyKind;
using http::EqualsIgnoreCase;

namespace {

void AppendUint(std::string& out, uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) out.push_back(buf[--n]);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  out.append(value);
  out.append("\r\n", 2);
}

// Headers the gateway itself writes upstream; a client's copy is dropped (or, with
// use-forwarded-headers, used as the base of ours).
enum class ForwardedHeader { kNone, kFor, kProto, kHost, kPort, kRealIp, kRequestId, kExpect };

ForwardedHeader ClassifyForwarded(std::string_view name) {
  if (name.size() < 6) return ForwardedHeader::kNone;
  char c = name[0] | 0x20;
  if (c == 'e')
    return EqualsIgnoreCase(name, "expect") ? ForwardedHeader::kExpect : ForwardedHeader::kNone;
  if (c != 'x') return ForwardedHeader::kNone;
  if (EqualsIgnoreCase(name, "x-forwarded-for")) return ForwardedHeader::kFor;
  if (EqualsIgnoreCase(name, "x-forwarded-proto")) return ForwardedHeader::kProto;
  if (EqualsIgnoreCase(name, "x-forwarded-host")) return ForwardedHeader::kHost;
  if (EqualsIgnoreCase(name, "x-forwarded-port")) return ForwardedHeader::kPort;
  if (EqualsIgnoreCase(name, "x-real-ip")) return ForwardedHeader::kRealIp;
  if (EqualsIgnoreCase(name, "x-request-id")) return ForwardedHeader::kRequestId;
  return ForwardedHeader::kNone;
}

// Host for routing: lower-case, without port and trailing dot. Returns false when it cannot
// be a host name (the parser already validated syntax; this guards the fixed buffer).
bool RoutingHost(std::string_view host, char* out, size_t* out_len) {
  if (!host.empty() && host[0] == '[') {  // IPv6 literal: keep the brackets, drop the port
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(0, close + 1);
  } else {
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() > 255) return false;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
  }
  *out_len = host.size();
  return true;
}

// Whether the comma-separated Upgrade list `offered` names `protocol` (ASCII case-insensitive,
// "websocket" matches "WebSocket"; a "name/version" entry must match whole).
bool UpgradeListHas(std::string_view offered, std::string_view protocol) {
  while (!protocol.empty() && (protocol.front() == ' ' || protocol.front() == '\t')) {
    protocol.remove_prefix(1);
  }
  while (!protocol.empty() && (protocol.back() == ' ' || protocol.back() == '\t')) {
    protocol.remove_suffix(1);
  }
  while (!offered.empty()) {
    size_t comma = offered.find(',');
    std::string_view item = offered.substr(0, comma);
    offered = comma == std::string_view::npos ? std::string_view() : offered.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, protocol)) return true;
  }
  return false;
}

}  // namespace

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// ---- 1. read and parse the request head ----

bool Session::StepIdle() {
  // A gateway-generated answer (404, 503...) on a kept-alive connection goes out before the
  // next pipelined request is looked at, so responses stay in order.
  if (dout_off_ < dout_.size()) {
    if (!d_writable_) return false;
    ssize_t n = FlushDown();
    if (n == -2) {
      Close();
      return false;
    }
    if (dout_off_ < dout_.size()) return false;
  }
  if (stream_mode_ && requests_on_connection_ > 0) {  // a stream carries one exchange
    Close();
    return false;
  }
  if (!in_.empty()) {
    http::RequestHead& head = w_->request_head_;
    http::ParseResult r = http::ParseRequestHead(in_.view(), w_->shared_.limits, &head);
    if (r.status == http::ParseStatus::kDone) {
      StartExchange(head, r.consumed);
      return true;
    }
    if (r.status == http::ParseStatus::kError) {
      ++w_->counters_.bad_requests;
      log::Debug(std::string("rejecting request from ") + peer_addr_ + ": " + r.error_reason);
      SendParseError(r.error_status);
      return true;
    }
    // Need more: make room. Heads may be up to max_head_bytes; the parser rejects longer ones.
    if (in_.size() + 1024 > in_.capacity()) {
      size_t cap = std::max(in_.capacity() * 2, w_->shared_.limits.max_head_bytes + 4096);
      net::Buffer bigger(cap);
      bigger.Append(in_.view());
      in_ = std::move(bigger);
    }
  }
  if (d_eof_) {
    Close();
    return false;
  }
  if (!DownReadable()) return WaitForRequest();
  bool was_empty = in_.empty();
  ssize_t n = ReadDown(in_);
  if (n > 0) {
    if (was_empty && serving_->table) {
      SetDeadline(serving_->table->gateway_settings().client_header_timeout_ms);
    }
    return true;
  }
  if (n == 0 || n == -2) {
    Close();
    return false;
  }
  return WaitForRequest();
}

// ---- 2. route and admit ----

void Session::StartExchange(const http::RequestHead& head, size_t head_len) {
  started_ns_ = MonotonicNs();
  table_ = serving_->table;
  client_http10_ = head.version_minor == 0;
  client_keepalive_ = head.keep_alive;
  is_head_ = head.method == "HEAD";
  // RFC 9110 9.2.2: only these may be sent again after a connection failed under them.
  idempotent_ = head.method == "GET" || is_head_ || head.method == "OPTIONS" ||
                head.method == "PUT" || head.method == "DELETE" || head.method == "TRACE";
  is_upgrade_ = head.upgrade;
  if (is_upgrade_) {
    std::string_view offered;
    head.Find("upgrade", &offered);
    // h2c would hand the rest of the connection to one backend as HTTP/2, past our routing
    // ("h2c smuggling"); the request goes upstream as a plain request instead.
    if (UpgradeListHas(offered, "h2c")) {
      is_upgrade_ = false;
    } else {
      upgrade_offered_.assign(offered);
    }
  }
  method_.assign(head.method.data(), std::min<size_t>(head.method.size(), 16));
  {
    // For the access log and the gateway's recent-log ring (kept even without --access-log);
    // the strings keep their capacity, so this copies without allocating once warm.
    log_method_.assign(head.method);
    log_target_.assign(head.target);
    log_host_.assign(head.host);
    std::string_view v;
    log_referer_.assign(head.Find("referer", &v) ? v : std::string_view());
    log_user_agent_.assign(head.Find("user-agent", &v) ? v : std::string_view());
  }
  const bool has_body = head.body != BodyKind::kNone;
  uint16_t reject = 0;

  const route::GatewaySettings* gs = table_ ? &table_->gateway_settings() : nullptr;
  close_after_ = !head.keep_alive || !gs || gs->keep_alive_timeout_ms == 0 ||
                 requests_on_connection_ + 1 >= gs->keep_alive_requests;

  char host[256];
  size_t host_len = 0;
  std::string& path = w_->path_scratch_;
  if (path.size() < head.path.size() + 1) path.resize(head.path.size() + 1);
  int path_len = -1;

  if (!table_) {
    reject = 503;
  } else if (head.method == "CONNECT") {
    reject = 405;
  } else if (!RoutingHost(head.host, host, &host_len)) {
    reject = 400;
  } else if ((path_len = http::NormalizePath(head.path, path.data())) < 0) {
    reject = 404;  // asterisk-form (OPTIONS *) addresses the gateway, which serves nothing
  } else {
    std::string_view npath(path.data(), static_cast<size_t>(path_len));
    route_ = table_->Lookup(std::string_view(host, host_len), npath);
    backend_ = route_ != nullptr ? table_->BackendOf(*route_) : nullptr;
    if (!route_) {
      reject = 404;
    } else if (route_->policy != nullptr &&
               AnswerFromPolicy(head, std::string_view(host, host_len), npath, head_len)) {
      return;  // redirect or CORS preflight answered by the gateway (policy_answers.cc)
    } else if (!secure_ && WantsHttpsRedirect(head, npath)) {
      in_.Consume(head_len);
      SendHttpsRedirect(head, std::string_view(host, host_len));
      return;
    } else if (route_->policy != nullptr && DenyByPolicy(head, head_len)) {
      return;  // limits, allow/deny, basic auth answered (access_control.cc)
    } else if (route_->settings.proxy_body_size != 0 && head.body == BodyKind::kContentLength &&
               head.content_length > route_->settings.proxy_body_size) {
      reject = 413;  // before reading a byte of the body, as nginx's client_max_body_size
    } else if ((!backend_ || backend_->endpoints.empty()) &&
               !(route_->policy != nullptr && UseDefaultBackend())) {  // error_pages.cc
      reject = 503;
    }
  }

  if (!reject) {
    // Request id: the client's if it sent one (ingress-nginx's $req_id), else 128 random bits.
    std::string_view rid;
    if (head.Find("x-request-id", &rid) && !rid.empty() && rid.size() <= 32) {
      memcpy(request_id_, rid.data(), rid.size());
      request_id_[rid.size()] = 0;
    } else {
      static const char kHex[] = "0123456789abcdef";
      for (int i = 0; i < 32; i += 16) {
        uint64_t& s = w_->rng_;
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t r = s * 2685821657736338717ull;
        for (int j = 0; j < 16; ++j) request_id_[i + j] = kHex[(r >> (j * 4)) & 15];
      }
      request_id_[32] = 0;
    }
    const auto& hb = route_->settings.hash_by;
    if (route_->settings.load_balance == route::LoadBalance::kConsistentHash) {
      switch (hb.kind) {
        case route::HashBy::Kind::kRemoteAddr:
          hash_key_.assign(peer_ip_, peer_ip_len_);
          break;
        case route::HashBy::Kind::kRequestUri:
          hash_key_.assign(head.target);
          break;
        case route::HashBy::Kind::kHeader: {
          std::string_view v;
          hash_key_.assign(head.Find(hb.header, &v) ? v : std::string_view());
          break;
        }
        case route::HashBy::Kind::kNone:
          hash_key_.clear();
          break;
      }
    }
    // canary, sticky cookie, custom-error context (canary.cc)
    if (route_->policy != nullptr || route_->canary != nullptr) PrepareUpstreamPolicy(head);
    upstream_http10_ = client_http10_;
    const std::string_view upstream_path(path.data(), static_cast<size_t>(path_len));
    if (route_->policy == nullptr) {
      BuildUpstreamHead(head, upstream_path);
    } else {
      BuildPolicyUpstreamHead(head, upstream_path);  // rewrite-target, upstream-vhost, ...
    }
    req_body_ = head.body;
    req_remaining_ = head.body == BodyKind::kContentLength ? head.content_length : 0;
    req_done_ = !has_body || (head.body == BodyKind::kContentLength && head.content_length == 0);
    req_chunked_.Reset();
    if (head.expect_continue && !req_done_ && !client_http10_) {
      dout_.append("HTTP/1.1 100 Continue\r\n\r\n");
    }
  }

  in_.Consume(head_len);
  if (reject) {
    SendError(reject, close_after_ || has_body);
    return;
  }
  backend_state_ = &serving_->balancer.state(*backend_);
  backend_state_epoch_ = w_->balancer_epoch_;
  tried_.clear();
  if (!uin_) uin_ = w_->TakeBuffer();
  phase_ = Phase::kExchange;
  // Body bytes that arrived with the head are validated before anything goes upstream, so a
  // framing error in them reaches no backend at all.
  ValidateRequestBody();
  if (phase_ != Phase::kExchange) return;
  if (!AcquireUpstream()) SendError(502, true);
}

void Session::BuildUpstreamHead(const http::RequestHead& head, std::string_view path) {
  const bool trust = table_->gateway_settings().use_forwarded_headers;
  std::string& out = up_head_;
  out.clear();
  up_head_off_ = 0;
  out.append(head.method);
  out.push_back(' ');
  out.append(path);
  if (head.has_query) {
    out.push_back('?');
    out.append(head.query);
  }
  out.append(upstream_http10_ ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  AppendHeader(out, "Host", head.host.empty() ? std::string_view(route_->host) : head.host);

  std::string_view c_for, c_proto, c_host, c_port, c_real_ip;
  for (uint16_t i = 0; i < head.header_count; ++i) {
    if (head.IsHopByHop(i)) continue;
    const http::Header& h = head.headers[i];
    switch (ClassifyForwarded(h.name)) {
      case ForwardedHeader::kNone:
        AppendHeader(out, h.name, h.value);
        break;
      case ForwardedHeader::kFor:
        if (c_for.empty()) c_for = h.value;
        break;
      case ForwardedHeader::kProto:
        c_proto = h.value;
        break;
      case ForwardedHeader::kHost:
        c_host = h.value;
        break;
      case ForwardedHeader::kPort:
        c_port = h.value;
        break;
      case ForwardedHeader::kRealIp:
        c_real_ip = h.value;
        break;
      case ForwardedHeader::kRequestId:
        break;  // replaced by request_id_ below
      case ForwardedHeader::kExpect:
        break;  // the gateway answered 100-continue itself
    }
  }
  std::string_view peer(peer_ip_, peer_ip_len_);
  AppendHeader(out, "X-Request-ID", request_id_);
  if (trust && !c_for.empty()) {
    // With use-forwarded-headers the client is a trusted proxy: the original client is the
    // first address it reports (nginx real_ip_recursive with every source trusted).
    std::string_view first = c_for.substr(0, c_for.find(','));
    while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
    AppendHeader(out, "X-Real-IP", first);
    out.append("X-Forwarded-For: ");
    out.append(c_for);
    out.append(", ");
    out.append(peer);
    out.append("\r\n");
  } else {
    AppendHeader(out, "X-Real-IP", trust && !c_real_ip.empty() ? c_real_ip : peer);
    AppendHeader(out, "X-Forwarded-For", peer);
  }
  AppendHeader(out, "X-Forwarded-Host", trust && !c_host.empty() ? c_host : head.host);
  if (trust && !c_port.empty()) {
    AppendHeader(out, "X-Forwarded-Port", c_port);
  } else {
    out.append("X-Forwarded-Port: ");
    AppendUint(out, listen_port_);
    out.append("\r\n");
  }
  std::string_view scheme =
      trust && !c_proto.empty() ? c_proto : std::string_view(secure_ ? "https" : "http");
  AppendHeader(out, "X-Forwarded-Proto", scheme);
  AppendHeader(out, "X-Scheme", scheme);
  if (is_upgrade_) {
    out.append("Connection: upgrade\r\n");
    AppendHeader(out, "Upgrade", upgrade_offered_);
  } else if (upstream_http10_) {
    out.append("Connection: close\r\n");
  }
  if (head.body == BodyKind::kContentLength) {
    out.append("Content-Length: ");
    AppendUint(out, head.content_length);
    out.append("\r\n");
  } else if (head.body == BodyKind::kChunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
  out.append("\r\n");
}

// ---- 3. endpoint and connection ----

bool Session::AcquireUpstream() {
  const auto& settings = route_->settings;
  // A retry after a configuration change would pick from balancer state that no longer
  // exists; such a request fails over to the error page instead (a rare overlap).
  if (backend_state_epoch_ != w_->balancer_epoch_) return false;
  // proxy-next-upstream-tries 0 means "no limit but the number of endpoints", as in nginx.
  const uint32_t max_tries = settings.next_upstream_tries
                                 ? settings.next_upstream_tries
                                 : static_cast<uint32_t>(backend_->endpoints.size());
  while (tried_.size() < std::max<uint32_t>(max_tries, 1)) {
    int idx = affinity_ != nullptr  // affinity: cookie (affinity.cc)
                  ? PickWithAffinity()
                  : serving_->balancer.Pick(*backend_state_, settings, hash_key_,
                                            w_->loop_->now_ms(), tried_);
    if (idx < 0) return false;
    tried_.push_back(static_cast<uint32_t>(idx));
    upstream::EndpointState* ep = backend_state_->endpoints[idx];
    endpoint_index_ = idx;
    up_eof_ = false;
    const upstream::UpstreamProtocol protocol =
        settings.backend_protocol == route::BackendProtocol::kGrpc
            ? upstream::UpstreamProtocol::kH2c
            : upstream::UpstreamProtocol::kHttp1;
    if (upstream::Connection* c = w_->pool_.TakeIdle(ep, protocol)) {
      up_ = c;
      c->owner = this;
      up_reused_ = true;
    } else {
      const route::Endpoint& e = backend_->endpoints[idx];
      auto r = w_->pool_.Connect(ep, reinterpret_cast<const sockaddr*>(&e.sockaddr), e.sockaddr_len,
                                 this);
      if (!r.ok()) {
        ++w_->counters_.upstream_connect_failures;
        if (upstream::RecordFailure(*ep, w_->ejection_, w_->loop_->now_ms())) {
          ++w_->counters_.upstream_ejections;
        }
        continue;
      }
      up_ = *r;
      up_reused_ = false;
      ++w_->counters_.upstream_connections_opened;
    }
    ++ep->in_flight;
    ++w_->counters_.upstream_requests;
    if (!PrepareUpstreamCodec()) {
      ReleaseUpstream(false);
      continue;
    }
    SetDeadline(up_->connected ? settings.send_timeout_ms : settings.connect_timeout_ms);
    if (up_reused_) up_->connected = true;
    return true;
  }
  return false;
}

bool Session::PrepareUpstreamCodec() {
  if (route_->settings.backend_protocol != route::BackendProtocol::kGrpc) return true;
  if (up_->codec == nullptr) {  // a new connection: it speaks h2c from its first byte
    up_->codec = H2Upstream::Create();
    if (up_->codec == nullptr) return false;
    up_->protocol = upstream::UpstreamProtocol::kH2c;
  }
  static_cast<H2Upstream*>(up_->codec.get())->BeginExchange();
  return true;
}

void Session::OnConnectFailure(bool timeout) {
  ++w_->counters_.upstream_connect_failures;
  if (up_ && upstream::RecordFailure(*up_->endpoint, w_->ejection_, w_->loop_->now_ms())) {
    ++w_->counters_.upstream_ejections;
  }
  ReleaseUpstream(false);
  up_head_off_ = 0;
  if ((route_->policy == nullptr || NextUpstreamAllowed(timeout)) && AcquireUpstream()) {
    ++w_->counters_.upstream_retries;
    return;
  }
  SendError(timeout ? 504 : 502, true);
}

bool Session::RetryOnFreshConnection() {
  // A pooled connection the upstream closed while idle fails on first use. Nothing of this
  // request was processed (no response byte, no body byte consumed), so sending it again on a
  // new connection is safe and is not the endpoint's fault.
  upstream::EndpointState* ep = up_->endpoint;
  ReleaseUpstream(false);
  const route::Endpoint& e = backend_->endpoints[endpoint_index_];
  auto r =
      w_->pool_.Connect(ep, reinterpret_cast<const sockaddr*>(&e.sockaddr), e.sockaddr_len, this);
  if (!r.ok()) return false;
  up_ = *r;
  up_reused_ = false;
  up_eof_ = false;
  ++ep->in_flight;
  ++w_->counters_.upstream_connections_opened;
  if (!PrepareUpstreamCodec()) return false;
  up_head_off_ = 0;
  SetDeadline(route_->settings.connect_timeout_ms);
  return true;
}

void Session::OnUpstreamBroken(const char* why) {
  if (!resp_head_done_ && uin_->empty() && up_reused_ && req_sent_bytes_ == 0 && idempotent_) {
    if (RetryOnFreshConnection()) return;
  }
  log::Debug(std::string("upstream ") + (up_ ? up_->endpoint->address : "?") + ": " + why);
  if (!resp_head_sent_) {
    if (up_ && upstream::RecordFailure(*up_->endpoint, w_->ejection_, w_->loop_->now_ms())) {
      ++w_->counters_.upstream_ejections;
    }
    ReleaseUpstream(false);
    SendError(502, true);
  } else {
    AbortExchange();
  }
}

// ---- 4. transfer ----

void Session::ValidateRequestBody() {
  if (req_done_) return;
  size_t avail = in_.size() - req_fwd_;
  if (avail == 0) return;
  if (req_body_ == BodyKind::kContentLength) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(avail, req_remaining_));
    req_fwd_ += take;
    req_remaining_ -= take;
    if (req_remaining_ == 0) req_done_ = true;
  } else if (req_body_ == BodyKind::kChunked) {
    auto step = req_chunked_.Feed(std::string_view(in_.begin() + req_fwd_, avail));
    if (step.error) {
      // Invalid framing: nothing after the last valid byte may reach the upstream.
      ++w_->counters_.bad_requests;
      ReleaseUpstream(false);
      SendError(400, true);
      return;
    }
    req_fwd_ += step.consumed;
    uint64_t limit = route_->settings.proxy_body_size;
    if (limit && req_chunked_.payload_bytes() > limit) {
      ReleaseUpstream(false);
      SendError(413, true);
      return;
    }
    if (step.done) req_done_ = true;
  }
}

bool Session::StepExchange() {
  bool progress = false;
  if (d_rdhup_ && req_done_ && DownstreamReset()) {  // client_abort.cc
    AbortExchange();
    return false;
  }
  if (!up_->connected) {
    if (!up_->writable && !up_->peer_closed) return false;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(up_->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || !up_->writable) {
      OnConnectFailure(/*timeout=*/false);
      return true;
    }
    up_->connected = true;
    SetDeadline(route_->settings.send_timeout_ms);
    progress = true;
  }

  // Request: head, then body as it arrives.
  if ((up_head_off_ < up_head_.size() || req_fwd_ > 0 || UpCodecWantsWrite()) &&
      up_->writable) {
    ssize_t n = FlushUp();
    if (n == -2) {
      OnUpstreamBroken("write failed");
      return true;
    }
    if (n > 0) {
      progress = true;
      const bool drained = req_fwd_ == 0 && up_head_off_ == up_head_.size();
      if (drained && req_done_) {
        SetDeadline(route_->settings.read_timeout_ms);  // now waiting for the response
      } else if (drained) {
        SetDeadline(table_->gateway_settings().client_body_timeout_ms);  // waiting for the client
      } else {
        SetDeadline(route_->settings.send_timeout_ms);  // waiting for the upstream to take more
      }
    }
  }
  if (!req_done_ && req_fwd_ == 0 && up_head_off_ == up_head_.size() && DownReadable()) {
    ssize_t n = ReadDown(in_);
    if (n > 0) {
      ValidateRequestBody();
      if (phase_ != Phase::kExchange) return true;
      progress = true;
    } else if (n == 0 || n == -2) {
      AbortExchange();  // client went away in the middle of its body
      return false;
    }
  }

  // Response: read only what we can pass on (backpressure towards the upstream).
  if (up_->readable && !resp_done_ && resp_fwd_ == 0) {
    ssize_t n = ReadUp(*uin_);
    if (n > 0) {
      progress = true;
      SetDeadline(route_->settings.read_timeout_ms);
      if (!resp_head_done_) {
        if (!ParseResponseHead()) return true;
      } else {
        ValidateResponseBody();
        if (phase_ != Phase::kExchange) return true;
      }
    } else if (n == 0 || n == -2) {
      up_eof_ = true;
      if (resp_head_done_ && resp_body_ == BodyKind::kUntilClose) {
        resp_done_ = true;
        progress = true;
      } else {
        OnUpstreamBroken(n == 0 ? "closed before the response was complete" : "read failed");
        return true;
      }
    }
  }

  if ((dout_off_ < dout_.size() || resp_fwd_ > 0 || CipherPending()) && d_writable_) {
    ssize_t n = FlushDown();
    if (n == -2) {
      AbortExchange();
      return false;
    }
    if (n > 0) progress = true;
  }

  if (resp_done_ && resp_fwd_ == 0 && dout_off_ == dout_.size()) {
    if (!req_done_) close_after_ = true;  // answered before the whole body: unread bytes
    FinishExchange();
    return true;
  }
  return progress;
}

bool Session::WaitForRequest() {
  // TLS output that is not a response (the session ticket after a handshake, a key update)
  // waits until no request is ready: then it goes out alone, and otherwise with the response,
  // in one write and one wake-up of the client instead of two.
  if (CipherPending() && d_writable_ && FlushCipher() == -2) Close();
  return false;
}

bool Session::ParseResponseHead() {
  for (;;) {
    http::ResponseHead& rh = w_->response_head_;
    http::ParseResult r = http::ParseResponseHead(uin_->view(), w_->shared_.limits, is_head_, &rh);
    if (r.status == http::ParseStatus::kNeedMore) {
      if (uin_->size() + 1024 > uin_->capacity()) {
        size_t cap = std::max(uin_->capacity() * 2, w_->shared_.limits.max_head_bytes + 4096);
        if (uin_->capacity() >= cap) {
          OnUpstreamBroken("response head too large");
          return false;
        }
        auto bigger = std::make_unique<net::Buffer>(cap);
        bigger->Append(uin_->view());
        uin_ = std::move(bigger);
      }
      return true;
    }
    if (r.status == http::ParseStatus::kError) {
      log::Debug(std::string("invalid response from ") + up_->endpoint->address + ": " +
                 r.error_reason);
      ReleaseUpstream(false);
      SendError(502, true);
      return false;
    }
    if (rh.status >= 100 && rh.status < 200 && rh.status != 101) {
      uin_->Consume(r.consumed);  // interim responses: we answered 100-continue ourselves
      if (uin_->empty()) return true;
      continue;
    }
    if (rh.body == BodyKind::kChunked && client_http10_) {
      // RFC 9112 6.1: no Transfer-Encoding towards an HTTP/1.0 client, and we asked the
      // upstream in HTTP/1.0 — a chunked answer is the upstream's protocol error.
      ReleaseUpstream(false);
      SendError(502, true);
      return false;
    }
    // proxy-next-upstream http_* / custom-http-errors (error_pages.cc)
    if (route_->policy != nullptr && PolicyTakesResponse(rh)) return false;
    upstream::RecordSuccess(*up_->endpoint);
    status_ = rh.status;
    std::string& out = dout_;
    out.append("HTTP/1.1 ");
    AppendUint(out, rh.status);
    out.push_back(' ');
    out.append(rh.reason);
    out.append("\r\nServer: waygate\r\n");
    bool has_date = false;
    std::string_view ignored_value;
    for (uint16_t i = 0; i < rh.header_count; ++i) {
      if (rh.IsHopByHop(i)) continue;
      const http::Header& h = rh.headers[i];
      if (h.name.size() == 6 && EqualsIgnoreCase(h.name, "server")) continue;
      if (h.name.size() == 4 && EqualsIgnoreCase(h.name, "date")) has_date = true;
      AppendHeader(out, h.name, h.value);
    }
    if (!has_date) out.append(w_->date_header_, w_->date_header_len_);
    if (secure_ && route_->settings.host_has_tls && table_->gateway_settings().hsts &&
        !rh.Find("strict-transport-security", &ignored_value)) {
      AppendHsts(out);
    }
    if (cors_ != nullptr) AppendCorsResponse(out, rh);  // enable-cors (policy_answers.cc)
    if (affinity_set_) AppendAffinityCookie(out);  // affinity: cookie (affinity.cc)

    if (rh.status == 101) {
      std::string_view up;
      rh.Find("upgrade", &up);
      // A switch the client did not ask for (or to another protocol than it offered) would
      // leave it speaking something it does not expect: the upstream is broken.
      if (!is_upgrade_ || up.empty() || up.find(',') != std::string_view::npos ||
          !UpgradeListHas(upgrade_offered_, up)) {
        ReleaseUpstream(false);
        dout_.clear();
        SendError(502, true);
        return false;
      }
      out.append("Connection: upgrade\r\n");
      AppendHeader(out, "Upgrade", up);
      out.append("\r\n");
      uin_->Consume(r.consumed);
      resp_fwd_ = uin_->size();
      resp_head_done_ = resp_head_sent_ = true;
      // Bytes the client sent after its head belong to the new protocol now.
      req_fwd_ = 0;
      req_done_ = true;
      phase_ = Phase::kTunnel;
      SetDeadline(route_->settings.read_timeout_ms);
      return false;
    }

    resp_body_ = rh.body;
    resp_remaining_ = rh.content_length;
    // We sent `Connection: close` to the upstream for an HTTP/1.0 client: RFC 9112 9.6 forbids
    // another request on that connection, whatever the upstream answers.
    resp_keepalive_up_ = rh.keep_alive && !upstream_http10_;
    // Answered before the whole request body arrived: the rest of it can't be read as the
    // next request, so say now that this connection closes (RFC 9112 9.6).
    if (!req_done_) close_after_ = true;
    resp_chunked_.Reset();
    switch (rh.body) {
      case BodyKind::kContentLength:
        out.append("Content-Length: ");
        AppendUint(out, rh.content_length);
        out.append("\r\n");
        break;
      case BodyKind::kChunked:
        out.append("Transfer-Encoding: chunked\r\n");
        break;
      case BodyKind::kUntilClose:
        close_after_ = true;  // the end of the body is the end of the connection
        break;
      case BodyKind::kNone: {
        std::string_view cl;
        if (is_head_ && rh.Find("content-length", &cl)) {
          AppendHeader(out, "Content-Length", cl);
        } else if (rh.status != 204 && rh.status != 304) {
          out.append("Content-Length: 0\r\n");
        }
        break;
      }
    }
    if (close_after_) {
      out.append("Connection: close\r\n");
    } else if (client_http10_) {
      out.append("Connection: keep-alive\r\n");
    }
    out.append("\r\n");
    uin_->Consume(r.consumed);
    resp_head_done_ = resp_head_sent_ = true;
    if (rh.body == BodyKind::kNone ||
        (rh.body == BodyKind::kContentLength && resp_remaining_ == 0)) {
      resp_done_ = true;
    }
    ValidateResponseBody();
    return phase_ == Phase::kExchange;
  }
}

void Session::ValidateResponseBody() {
  size_t avail = uin_->size() - resp_fwd_;
  if (avail == 0) return;
  if (resp_done_) {
    // Bytes after a complete response: the upstream is confused; never reuse it.
    resp_keepalive_up_ = false;
    return;
  }
  switch (resp_body_) {
    case BodyKind::kContentLength: {
      size_t take = static_cast<size_t>(std::min<uint64_t>(avail, resp_remaining_));
      resp_fwd_ += take;
      resp_remaining_ -= take;
      if (resp_remaining_ == 0) {
        resp_done_ = true;
        if (take < avail) resp_keepalive_up_ = false;
      }
      break;
    }
    case BodyKind::kChunked: {
      auto step = resp_chunked_.Feed(std::string_view(uin_->begin() + resp_fwd_, avail));
      if (step.error) {
        log::Debug("invalid chunked response from " + up_->endpoint->address);
        AbortExchange();
        return;
      }
      resp_fwd_ += step.consumed;
      if (step.done) {
        resp_done_ = true;
        if (step.consumed < avail) resp_keepalive_up_ = false;
      }
      break;
    }
    case BodyKind::kUntilClose:
      resp_fwd_ += avail;
      break;
    case BodyKind::kNone:
      resp_keepalive_up_ = false;
      break;
  }
}

// ---- 5. finish ----

void Session::RecordCompletion(uint16_t status) {
  Worker& w = *w_;
  // Durations use the precise clock (one vDSO call per end): the loop's coarse clock would
  // round every fast request to zero.
  double seconds = static_cast<double>(MonotonicNs() - started_ns_) / 1e9;
  auto& c = w.counters_;
  const int b = DurationBucket(seconds);
  if (b < WorkerCounters::kBuckets) ++c.duration_buckets[b];
  c.duration_sum += seconds;
  ++c.duration_count;
  w.requests_.Record(table_, route_, status, ClassifyMethod(method_), b, seconds);
  w.requests_.RecordGateway(serving_->gateway_id, status, b, seconds);
  const bool logged =
      route_ == nullptr || route_->policy == nullptr || route_->policy->errors.access_log;
  if (logged) {
    // The gateway's recent-log ring: bounded copies into a fixed slot, formatted when read.
    LogRecord& r = w.recent_log_.Next();
    r.unix_seconds = w.unix_now_s_;
    r.request_time_s = seconds;
    r.body_bytes_sent = body_bytes_sent_;
    r.status = status;
    r.version_minor = client_http10_ ? 0 : 1;
    r.gateway = serving_->gateway_id;
    r.remote_addr.Set(std::string_view(peer_ip_, peer_ip_len_));
    r.method.Set(log_method_);
    r.host.Set(log_host_);
    r.target.Set(log_target_);
    r.referer.Set(log_referer_);
    r.user_agent.Set(log_user_agent_);
    r.request_id.Set(request_id_);
    r.upstream_addr.Set(up_ ? std::string_view(up_->endpoint->address) : std::string_view());
    if (route_) {
      r.namespace_.Set(route_->ingress_namespace);
      r.ingress.Set(route_->ingress_name);
      r.service.Set(canary_ != nullptr ? canary_->service : route_->service);
      r.service_port.Set(backend_ ? std::string_view(backend_->port) : std::string_view());
    } else {
      r.namespace_.Set({});
      r.ingress.Set({});
      r.service.Set({});
      r.service_port.Set({});
    }
  }
  if (w.access_log_.enabled() && logged) {
    AccessLogEntry e;
    e.remote_addr = std::string_view(peer_ip_, peer_ip_len_);
    e.method = log_method_;
    e.target = log_target_;
    e.version_minor = client_http10_ ? 0 : 1;
    e.host = log_host_;
    e.status = status;
    e.body_bytes_sent = body_bytes_sent_;
    e.referer = log_referer_;
    e.user_agent = log_user_agent_;
    e.request_id = request_id_;
    if (up_) e.upstream_addr = up_->endpoint->address;
    if (route_) {
      e.ingress = route_->ingress_name;
      e.namespace_ = route_->ingress_namespace;
      e.service = canary_ != nullptr ? canary_->service : route_->service;
    }
    e.request_time_s = seconds;
    w.access_log_.Append(e, w.unix_now_s_);
  }
}

void Session::ReleaseUpstream(bool reusable) {
  if (!up_) return;
  upstream::EndpointState* ep = up_->endpoint;
  if (ep->in_flight > 0) --ep->in_flight;
  if (reusable && up_->codec != nullptr) {
    reusable = static_cast<H2Upstream*>(up_->codec.get())->reusable();
  }
  if (reusable) {
    w_->pool_.Release(up_, w_->loop_->now_ms());
  } else {
    w_->pool_.Close(up_);
  }
  up_ = nullptr;
}

void Session::FinishExchange() {
  const bool tunnel = phase_ == Phase::kTunnel;
  RecordCompletion(status_);
  ReleaseUpstream(!tunnel && resp_keepalive_up_ && req_done_ && resp_done_ && !up_eof_ &&
                  uin_->size() == resp_fwd_);
  ResetExchange();
  if (tunnel) {
    Close();
    return;
  }
  if (close_after_) {
    phase_ = Phase::kDraining;
    return;
  }
  phase_ = Phase::kIdle;
  SetDeadline(serving_->table ? serving_->table->gateway_settings().keep_alive_timeout_ms : 75000);
}

void Session::ResetExchange() {
  ++requests_on_connection_;
  route_ = nullptr;
  backend_ = nullptr;
  cors_ = nullptr;
  canary_ = nullptr;  // upstream-canary
  affinity_ = nullptr;
  affinity_set_ = error_page_ = false;
  limit_lease_.Release();  // access: limit-connections slot
  table_.reset();
  resp_head_done_ = resp_head_sent_ = resp_done_ = false;
  req_done_ = true;
  resp_fwd_ = 0;
  req_fwd_ = 0;
  req_sent_bytes_ = 0;
  body_bytes_sent_ = 0;
  status_ = 0;
  // The response buffer goes back to the worker between exchanges: an idle keep-alive
  // connection then costs one buffer, not two.
  if (uin_) {
    uin_->Clear();
    w_->ReturnBuffer(std::move(uin_));
  }
}

void Session::AbortExchange() {
  if (status_ == 0) status_ = 499;  // nginx's "client closed request" when nothing was sent
  RecordCompletion(status_);
  ReleaseUpstream(false);
  Close();
}

void Session::SendError(uint16_t status, bool close, std::string_view extra_headers) {
  if (resp_head_sent_) {
    AbortExchange();
    return;
  }
  ReleaseUpstream(false);
  status_ = status;
  // nginx's wording for 503, which ingress-nginx users know from its error page.
  const char* reason = status == 503 ? "Service Temporarily Unavailable" : HttpReasonPhrase(status);
  char body[256];
  int body_len =
      snprintf(body, sizeof body,
               "<html>\r\n<head><title>%u %s</title></head>\r\n<body>\r\n<center><h1>%u "
               "%s</h1></center>\r\n<hr><center>waygate</center>\r\n</body>\r\n</html>\r\n",
               status, reason, status, reason);
  close = close || close_after_;
  std::string& out = dout_;
  out.append("HTTP/1.1 ");
  AppendUint(out, status);
  out.push_back(' ');
  out.append(reason);
  out.append("\r\nServer: waygate\r\n");
  out.append(w_->date_header_, w_->date_header_len_);
  out.append(extra_headers);
  out.append("Content-Type: text/html\r\nContent-Length: ");
  AppendUint(out, static_cast<uint64_t>(body_len));
  out.append(close ? "\r\nConnection: close\r\n\r\n"
                   : (client_http10_ ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\n\r\n"));
  if (!is_head_) out.append(body, static_cast<size_t>(body_len));
  body_bytes_sent_ = is_head_ ? 0 : static_cast<uint64_t>(body_len);
  RecordCompletion(status);
  close_after_ = close;
  ResetExchange();
  phase_ = close ? Phase::kDraining : Phase::kIdle;
  if (!close) {
    SetDeadline(serving_->table ? serving_->table->gateway_settings().keep_alive_timeout_ms : 75000);
  }
}

void Session::SendParseError(uint16_t status) {
  started_ns_ = MonotonicNs();
  table_ = serving_->table;
  method_.clear();
  route_ = nullptr;
  backend_ = nullptr;
  is_head_ = false;
  log_method_.clear();
  log_target_.clear();
  log_host_.clear();
  log_referer_.clear();
  log_user_agent_.clear();
  in_.Clear();
  SendError(status, true);
}

}  // namespace waygate::proxy
