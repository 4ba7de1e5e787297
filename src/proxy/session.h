// Session: one downstream (client) connection and the exchange currently running on it.
//
// Phases of a session (drawn):
//
//   kIdle ──head parsed──> kExchange ──response done, keep-alive──> kIdle
//     │                      │   └──101 Switching Protocols──> kTunnel ──either side done──┐
//     │ malformed/EOF        │ error before response head: gateway error page              │
//     └──────────────> kDraining (flush what is queued, then close) <─────────────────────┘
//
// Phases of an exchange (exchange.cc, in order): route -> admission checks (body size,
// backend) -> build upstream head -> pick endpoint -> connection (pooled or new) -> send
// request (head + streamed body) -> read response head -> send response (streamed body) ->
// log + metrics -> release upstream connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "annotations/policy.h"
#include "http/h1.h"
#include "net/address.h"
#include "net/buffer.h"
#include "net/event_loop.h"
#include "proxy/h2_downstream.h"
#include "proxy/rate_limiter.h"
#include "proxy/tls_stream.h"
#include "proxy/worker.h"
#include "upstream/connection.h"

namespace waygate::proxy {

int64_t MonotonicNs();

class Session final : public net::IoHandler, public upstream::ConnectionOwner {
 public:
  // `tls`: the listener's TLS state (front context + SNI index) for an https listener, else null.
  Session(Worker* worker, int fd, const net::Address& peer, std::shared_ptr<Serving> serving,
          const ListenerInfo& listener, std::shared_ptr<const TlsSnapshot> tls);
  ~Session() override;

  // A stream session: the exchange of one HTTP/2 stream of `parent`'s connection, registered
  // with the worker for timeouts but with no socket of its own (h2_downstream.h).
  static Session* ForStream(Session* parent, H2Downstream* h2, H2Stream* stream);
  void OnStreamInput();     // request bytes arrived for the stream
  void OnStreamWritable();  // the client's flow-control window opened
  void AbortStream();       // the stream was reset: drop the exchange, close
  void DetachStream();      // the stream is complete: finish the exchange, discard output
  void FlushH2Output();     // connection session: write the codec's frames
  void FlushH2IfQueued();   // the worker's end-of-batch flush (Worker::FlushH2Connections)

  void OnIo(uint32_t events) override;
  void OnUpstreamIo(upstream::Connection* c, uint32_t events) override;
  void OnTick(int64_t now_ms);
  void Start();  // first Advance after registration
  bool closed() const { return phase_ == Phase::kClosed; }

  size_t list_index_ = 0;  // position in Worker::sessions_

 private:
  enum class Phase : uint8_t { kHandshake, kH2, kIdle, kExchange, kTunnel, kDraining, kClosed };
  Session(Worker* worker, Session* parent, H2Downstream* h2, H2Stream* stream);

  void Advance();
  bool StepHandshake();  // tls.cc
  bool StepH2();         // h2 connection session (h2_session.cc)
  void DrainH2();        // the h2 connection is over: last frames out, then close
  ssize_t FlushDownStream();
  bool StepIdle();
  bool WaitForRequest();  // StepIdle found no request to start: flush TLS output, wait
  bool StepExchange();
  bool StepTunnel();
  bool StepDraining();

  // exchange.cc
  void StartExchange(const http::RequestHead& head, size_t head_len);
  void BuildUpstreamHead(const http::RequestHead& head, std::string_view path);
  bool AcquireUpstream();
  // backend-protocol GRPC: the connection's HTTP/2 codec, ready for this exchange.
  bool PrepareUpstreamCodec();
  bool UpCodecWantsWrite() const;
  ssize_t FlushUpCodec();
  ssize_t ReadUpCodec(net::Buffer& buf);
  void OnConnectFailure(bool timeout);
  bool RetryOnFreshConnection();
  void OnUpstreamBroken(const char* why);
  bool ParseResponseHead();
  void ValidateRequestBody();
  void ValidateResponseBody();
  void FinishExchange();
  void AbortExchange();
  void ResetExchange();  // clears per-exchange state; the session itself stays
  void ReleaseUpstream(bool reusable);
  void RecordCompletion(uint16_t status);
  // ---- canary, sticky sessions, next-upstream, error pages (issue 6: canary.cc, affinity.cc,
  // error_pages.cc). Called only for a route with a policy or a canary. ----
  // After admission: picks the canary backend when its rules say so (backend_ becomes the
  // canary's, canary_ set) and reads the sticky cookie (affinity_*).
  void PrepareUpstreamPolicy(const http::RequestHead& head);
  // No ready endpoint: the default-backend annotation's Service serves instead (backend_).
  bool UseDefaultBackend();
  // AcquireUpstream's pick when affinity_ is set: the cookie's endpoint, else the balancer.
  int PickWithAffinity();
  void AppendAffinityCookie(std::string& out) const;
  // A connect failure or timeout may go to the next endpoint (proxy-next-upstream error /
  // timeout, proxy-next-upstream-timeout).
  bool NextUpstreamAllowed(bool timeout) const;
  // A response head arrived, nothing sent downstream: true when it was discarded for the next
  // endpoint (proxy-next-upstream http_*) or for the default backend's error page
  // (custom-http-errors); the exchange then goes on with a new upstream.
  bool PolicyTakesResponse(const http::ResponseHead& rh);
  bool RetryOnStatus(uint16_t status);
  bool FetchErrorPage(uint16_t status);
  void DropUpstreamResponse();

  // Gateway-generated responses (404, 413, 502, 503, 504, 400...).
  // `extra_headers`: whole header lines ("Location: ...\r\n") for a redirect.
  void SendError(uint16_t status, bool close, std::string_view extra_headers = {});
  void SendParseError(uint16_t status);

  // I/O helpers. Each returns >0 bytes moved, 0 on EOF (reads), -1 on EAGAIN, -2 on error.
  ssize_t ReadDown(net::Buffer& buf);
  ssize_t ReadSocket(net::Buffer& buf);  // the raw read(2) behind ReadDown
  ssize_t ReadUp(net::Buffer& buf);
  ssize_t FlushDown();  // writes dout_ then resp_fwd_ bytes of uin_
  void DownSent(size_t from_head, size_t from_body);  // those bytes left: advance the buffers
  ssize_t FlushUp();    // writes up_head_ then req_fwd_ bytes of in_
  // tls.cc: the TLS forms of ReadDown and FlushDown, and the ciphertext still to be written.
  ssize_t ReadDownTls(net::Buffer& buf);
  ssize_t FlushDownTls();
  ssize_t FlushCipher();  // >0 written, 0 nothing pending, -1 EAGAIN, -2 error
  // Something to read downstream: the socket, or ciphertext/plaintext TLS has buffered already.
  bool DownReadable() const { return d_readable_ || (tls_ != nullptr && tls_->HasBufferedInput()); }
  bool CipherPending() const { return tls_ != nullptr && tls_->cipher_out_size() > 0; }
  // Half-closes our side: close_notify first on TLS. False while that still has to be written.
  bool ShutdownDown();
  // Plain-HTTP request to a host that wants https (ssl-redirect / force-ssl-redirect).
  bool WantsHttpsRedirect(const http::RequestHead& head, std::string_view path) const;
  void SendHttpsRedirect(const http::RequestHead& head, std::string_view host);
  void AppendHsts(std::string& out) const;
  // ---- paths, redirects, CORS (issue 6: policy_answers.cc, rewrite_head.cc) ----
  // Only for a route with a policy. Answers from the gateway (from-to-www, app-root, CORS
  // preflight, permanent/temporal redirect) consume the head and return true; otherwise notes
  // what the response needs (cors_) and returns false.
  bool AnswerFromPolicy(const http::RequestHead& head, std::string_view host,
                        std::string_view path, size_t head_len);
  // BuildUpstreamHead with rewrite-target, upstream-vhost, x-forwarded-prefix and
  // proxy-http-version applied.
  void BuildPolicyUpstreamHead(const http::RequestHead& head, std::string_view path);
  void AppendCorsResponse(std::string& out, const http::ResponseHead& rh);
  void SendNoContent(std::string_view extra_headers, bool close);  // the CORS preflight's 204
  // ---- rate limits, allow/deny, basic auth (issue 6: access_control.cc) ----
  // Only for a route with a policy. Answers 403 / 401 / 503 / the limit status itself (the head
  // consumed) and returns true; otherwise the request goes on, holding limit_lease_.
  bool DenyByPolicy(const http::RequestHead& head, size_t head_len);
  // The client reset its connection (client_abort.cc): the exchange waiting for the upstream
  // ends at once, which also frees its limit-connections slot.
  bool DownstreamReset();
  void Close();
  void SetDeadline(uint32_t timeout_ms);

  Worker* w_;
  int fd_;
  std::shared_ptr<Serving> serving_;  // the table of the gateway whose listener accepted us
  uint16_t listen_port_;               // for X-Forwarded-Port
  uint16_t https_port_;                // where ssl-redirect sends plain-HTTP clients
  std::unique_ptr<TlsStream> tls_;     // https listener: the connection's TLS layer
  std::shared_ptr<const TlsSnapshot> tls_hold_;  // keeps the SNI index alive until handshaken
  bool secure_ = false;  // the client speaks TLS (to us directly, or through an h2 connection)
  std::unique_ptr<H2Downstream> h2_;  // connection session after ALPN h2
  H2Downstream* h2_owner_ = nullptr;  // stream session: the connection's HTTP/2 state
  H2Stream* stream_ = nullptr;        // stream session: its stream (null once detached)
  bool stream_mode_ = false;          // a stream session (stays true after detaching)
  char peer_ip_[48];
  size_t peer_ip_len_ = 0;
  char peer_addr_[64];  // "ip:port"
  size_t peer_addr_len_ = 0;

  Phase phase_ = Phase::kIdle;
  bool d_readable_ = false;
  bool d_writable_ = true;
  bool d_rdhup_ = false;
  bool d_eof_ = false;
  bool lingering_ = false;
  bool tls_fin_sent_ = false;  // tunnel over TLS: FIN after close_notify went out
  int64_t deadline_ms_ = 0;
  uint32_t requests_on_connection_ = 0;

  net::Buffer in_;                    // downstream -> us
  std::unique_ptr<net::Buffer> uin_;  // upstream -> us (allocated on first exchange)
  std::string dout_;                  // head(s) we write downstream
  size_t dout_off_ = 0;

  // ---- the current exchange ----
  std::shared_ptr<const route::RouteTable> table_;
  const route::Route* route_ = nullptr;
  const route::Backend* backend_ = nullptr;  // table_->BackendOf(*route_), null: 503
  upstream::BackendState* backend_state_ = nullptr;
  uint64_t backend_state_epoch_ = 0;  // Worker::balancer_epoch_ when backend_state_ was taken
  int endpoint_index_ = -1;
  std::vector<uint32_t> tried_;
  upstream::Connection* up_ = nullptr;
  bool up_reused_ = false;
  bool up_eof_ = false;
  std::string up_head_;
  size_t up_head_off_ = 0;
  bool upstream_http10_ = false;  // HTTP/1.0 client: upstream request is HTTP/1.0 (no chunked)

  http::BodyKind req_body_ = http::BodyKind::kNone;
  uint64_t req_remaining_ = 0;
  http::ChunkedScanner req_chunked_;
  bool req_done_ = true;
  size_t req_fwd_ = 0;  // validated request body bytes at the front of in_, not yet sent
  uint64_t req_sent_bytes_ = 0;

  bool resp_head_done_ = false;
  bool resp_head_sent_ = false;
  http::BodyKind resp_body_ = http::BodyKind::kNone;
  uint64_t resp_remaining_ = 0;
  http::ChunkedScanner resp_chunked_;
  bool resp_done_ = false;
  bool resp_keepalive_up_ = false;
  size_t resp_fwd_ = 0;  // validated response body bytes at the front of uin_, not yet sent
  uint16_t status_ = 0;
  uint64_t body_bytes_sent_ = 0;
  bool is_head_ = false;
  bool idempotent_ = false;
  bool is_upgrade_ = false;
  std::string upgrade_offered_;  // the request's Upgrade list (only set for upgrades)
  bool close_after_ = false;
  bool client_http10_ = false;
  bool client_keepalive_ = true;
  int64_t started_ns_ = 0;
  std::string hash_key_;
  // paths-cors: the CORS policy whose headers this exchange's response gets (null: none), the
  // Access-Control-Allow-Origin value, and the rewritten upstream path (capacity kept).
  const annotations::CorsPolicy* cors_ = nullptr;
  std::string cors_origin_;
  std::string rewrite_path_;
  char request_id_[33];

  // Copied only when the access log is on (the head's views die with the head).
  std::string log_method_, log_target_, log_host_, log_referer_, log_user_agent_;
  std::string method_;  // for metrics (bounded copy)

  // upstream-canary: per exchange, reset by ResetExchange.
  const route::Route::Canary* canary_ = nullptr;  // the canary serves this exchange
  const annotations::AffinityPolicy* affinity_ = nullptr;  // affinity: cookie on this route
  int affinity_endpoint_ = -1;   // endpoint of backend_ the request's cookie names; -1: none
  bool affinity_set_ = false;    // the response sets a cookie for endpoint_index_
  bool affinity_samesite_ok_ = true;  // SameSite=None may be sent to this client
  bool error_page_ = false;      // the upstream now is the default backend's error page
  // custom-http-errors: what the error page request needs once the request head is gone.
  std::string error_target_, error_accept_, error_host_;

  // access: the limit-connections slot of the current exchange (released by ResetExchange, or
  // when the session is deleted after an abort).
  RateLimiter::Lease limit_lease_;
};

}  // namespace waygate::proxy
