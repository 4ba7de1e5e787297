// What happens to an upstream answer or failure on a route with a policy, before anything of
// the response went downstream:
//
//   proxy-next-upstream http_5xx/403/404/429 – the response is discarded and the request goes
//       to the next endpoint, within proxy-next-upstream-tries (at most one try per endpoint,
//       as nginx's peer.tries) and proxy-next-upstream-timeout; the last answer passes through.
//       A non-idempotent method only with non_idempotent. Waygate streams request bodies, so a
//       request whose body bytes already went upstream is never sent again (nginx buffers
//       bodies; it could).
//   proxy-next-upstream error/timeout (or off) – whether a failed connect may try the next
//       endpoint; the retry itself is the existing connect-failure path of exchange.cc.
//   custom-http-errors + default-backend – a listed status is discarded and the request goes to
//       the default-backend Service as ingress-nginx's @custom_<upstream>_<code> location sends
//       it: path "/", no body, X-Code/X-Format/X-Original-URI/X-Namespace/X-Ingress-Name/
//       X-Service-Name/X-Service-Port/X-Request-ID. Its answer goes to the client unchanged,
//       status included ("error_page <code> = @custom...": the backend is expected to answer
//       with the code it is given).
//   default-backend alone – used when the route's Service has no ready endpoint (instead of
//       503): the request is proxied there unchanged, as ingress-nginx swaps in its endpoints.
#include "base/log.h"
#include "proxy/session.h"
#include "proxy/upstream_policy.h"

namespace waygate::proxy {

using Conditions = annotations::UpstreamPolicy;

bool NextUpstreamOnStatus(uint16_t conditions, uint16_t status) {
  switch (status) {
    case 500:
      return conditions & Conditions::kHttp500;
    case 502:
      return conditions & Conditions::kHttp502;
    case 503:
      return conditions & Conditions::kHttp503;
    case 504:
      return conditions & Conditions::kHttp504;
    case 403:
      return conditions & Conditions::kHttp403;
    case 404:
      return conditions & Conditions::kHttp404;
    case 429:
      return conditions & Conditions::kHttp429;
    default:
      return false;
  }
}

bool IsCustomHttpError(const annotations::ErrorPolicy& errors, uint16_t status) {
  for (uint16_t code : errors.custom_http_errors) {
    if (code == status) return true;
    if (code > status) return false;
  }
  return false;
}

namespace {

void Header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

void BuildErrorPageHead(const ErrorPageRequest& r, std::string& out) {
  out.clear();
  out.append(r.head ? "HEAD / " : "GET / ");
  out.append(r.http10 ? "HTTP/1.0\r\n" : "HTTP/1.1\r\n");
  Header(out, "Host", r.host);
  Header(out, "X-Code", std::to_string(r.code));
  Header(out, "X-Format", r.accept);
  Header(out, "X-Original-URI", r.original_uri);
  Header(out, "X-Namespace", r.namespace_);
  Header(out, "X-Ingress-Name", r.ingress_name);
  Header(out, "X-Service-Name", r.service_name);
  Header(out, "X-Service-Port", r.service_port);
  Header(out, "X-Request-ID", r.request_id);
  Header(out, "X-Real-IP", r.client_ip);
  Header(out, "X-Forwarded-For", r.client_ip);
  if (r.http10) out.append("Connection: close\r\n");
  out.append("\r\n");
}

bool Session::UseDefaultBackend() {
  const uint32_t slot = route_->default_backend_slot;
  if (slot >= table_->backends().size()) return false;
  const route::Backend* fallback = table_->backends()[slot].get();
  if (fallback == nullptr || fallback->endpoints.empty()) return false;
  backend_ = fallback;
  return true;
}

bool Session::NextUpstreamAllowed(bool timeout) const {
  const annotations::UpstreamPolicy& up = route_->policy->upstream;
  if (!(up.next_upstream & (timeout ? Conditions::kTimeout : Conditions::kError))) return false;
  return up.next_upstream_timeout_ms == 0 ||
         (MonotonicNs() - started_ns_) / 1'000'000 < int64_t{up.next_upstream_timeout_ms};
}

void Session::DropUpstreamResponse() {
  ReleaseUpstream(false);  // the rest of the discarded response is never read
  uin_->Clear();
  resp_fwd_ = 0;
  resp_head_done_ = resp_done_ = false;
  up_eof_ = false;
  up_head_off_ = 0;
  status_ = 0;
}

bool Session::PolicyTakesResponse(const http::ResponseHead& rh) {
  if (error_page_) return false;  // the error page itself is never intercepted again
  const annotations::Policy& policy = *route_->policy;
  if (NextUpstreamOnStatus(policy.upstream.next_upstream, rh.status) && RetryOnStatus(rh.status)) {
    return true;
  }
  return IsCustomHttpError(policy.errors, rh.status) && FetchErrorPage(rh.status);
}

bool Session::RetryOnStatus(uint16_t status) {
  const annotations::UpstreamPolicy& up = route_->policy->upstream;
  if (!idempotent_ && !(up.next_upstream & Conditions::kNonIdempotent)) return false;
  if (req_sent_bytes_ != 0 || is_upgrade_) return false;
  if (backend_state_epoch_ != w_->balancer_epoch_) return false;
  const size_t endpoints = backend_->endpoints.size();
  const uint32_t tries = route_->settings.next_upstream_tries;
  const size_t max_tries = tries != 0 && tries < endpoints ? tries : endpoints;
  if (tried_.size() >= max_tries) return false;
  if (up.next_upstream_timeout_ms != 0 &&
      (MonotonicNs() - started_ns_) / 1'000'000 >= int64_t{up.next_upstream_timeout_ms}) {
    return false;
  }
  log::Debug(std::string("upstream ") + up_->endpoint->address + " answered " +
             std::to_string(status) + ": next upstream");
  DropUpstreamResponse();
  ++w_->counters_.upstream_retries;
  if (!AcquireUpstream()) SendError(502, true);
  return true;
}

bool Session::FetchErrorPage(uint16_t status) {
  // Nothing of the client's body may follow the error page request upstream, and a gRPC
  // route's connections speak HTTP/2: both keep the upstream's own answer.
  if (!req_done_ || route_->settings.backend_protocol != route::BackendProtocol::kHttp) {
    return false;
  }
  const uint32_t slot = route_->default_backend_slot;
  if (slot >= table_->backends().size()) return false;
  const route::Backend* pages = table_->backends()[slot].get();
  if (pages == nullptr || pages->endpoints.empty()) return false;
  if (backend_state_epoch_ != w_->balancer_epoch_) return false;

  const route::Backend* main = table_->BackendOf(*route_);
  ErrorPageRequest r;
  r.head = is_head_;
  r.http10 = upstream_http10_;
  r.host = error_host_;
  r.code = status;
  r.accept = error_accept_;
  r.original_uri = error_target_;
  r.namespace_ = route_->ingress_namespace;
  r.ingress_name = route_->ingress_name;
  r.service_name = route_->service;
  r.service_port = main != nullptr ? std::string_view(main->port) : std::string_view();
  r.request_id = request_id_;
  r.client_ip = std::string_view(peer_ip_, peer_ip_len_);

  DropUpstreamResponse();
  if (req_fwd_ != 0) {  // body bytes received but not sent: they belong to nobody now
    in_.Consume(req_fwd_);
    req_fwd_ = 0;
  }
  BuildErrorPageHead(r, up_head_);
  req_body_ = http::BodyKind::kNone;
  error_page_ = true;
  affinity_ = nullptr;
  affinity_set_ = false;
  backend_ = pages;
  backend_state_ = &serving_->balancer.state(*pages);
  tried_.clear();
  if (!AcquireUpstream()) SendError(status, true);  // no error page: the gateway's own
  return true;
}

}  // namespace waygate::proxy
