// Access phase of an exchange (issue 6): rate limits, source-address rules and basic auth, for
// a route whose Ingress has a Policy. The order is nginx's phase order as ingress-nginx
// configures a location: preaccess (limit_req for limit-rps, then limit-rpm, then limit_conn)
// before access (the allow/deny rules — denylist first, then the allowlist — then auth_basic).
// So a client over its rate gets the limit status even where it would be denied, and a denied
// client is never asked for a password, as with ingress-nginx.
//
// The client address is the peer, or, with the gateway's use-forwarded-headers, the first
// X-Forwarded-For entry: ingress-nginx then turns on nginx's real_ip module with
// `real_ip_header X-Forwarded-For; real_ip_recursive on; set_real_ip_from 0.0.0.0/0` (its
// proxy-real-ip-cidr default), which trusts every hop and so lands on the first entry. That is
// also the X-Real-IP the gateway sends upstream. An entry that is not an address leaves the peer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "auth/htpasswd.h"
#include "proxy/rate_limiter.h"
#include "proxy/session.h"

namespace waygate::proxy {
namespace {

// Parses a textual address into both forms the checks need; false when it is none.
bool ParseClient(std::string_view text, sockaddr_storage* sa, ClientAddress* client) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  std::memset(sa, 0, sizeof *sa);
  *client = ClientAddress{};
  auto* in4 = reinterpret_cast<sockaddr_in*>(sa);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(sa);
  if (inet_pton(AF_INET, buf, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    client->bytes[10] = client->bytes[11] = 0xff;  // ::ffff:a.b.c.d, one key for both forms
    std::memcpy(client->bytes + 12, &in4->sin_addr, 4);
    return true;
  }
  if (inet_pton(AF_INET6, buf, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    std::memcpy(client->bytes, in6->sin6_addr.s6_addr, 16);
    return true;
  }
  return false;
}

std::string_view FirstForwardedFor(std::string_view value) {
  std::string_view first = value.substr(0, value.find(','));
  while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
  while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
  return first;
}

}  // namespace

bool Session::DenyByPolicy(const http::RequestHead& head, size_t head_len) {
  const annotations::Policy& p = *route_->policy;
  const bool rules = !p.access.deny.empty() || !p.access.allow.empty();
  const bool limits = p.limits.any();
  const bool basic = p.auth.type == annotations::AuthPolicy::Type::kBasic;
  if (!rules && !limits && !basic) return false;

  sockaddr_storage sa;
  sa.ss_family = AF_UNSPEC;
  ClientAddress client;
  if (rules || limits) {
    std::string_view forwarded;
    if (!(table_->gateway_settings().use_forwarded_headers &&
          head.Find("x-forwarded-for", &forwarded) &&
          ParseClient(FirstForwardedFor(forwarded), &sa, &client))) {
      ParseClient(std::string_view(peer_ip_, peer_ip_len_), &sa, &client);
    }
  }
  const auto* address = reinterpret_cast<const sockaddr*>(&sa);

  uint16_t status = 0;
  if (limits && !p.limits.whitelist.Contains(address)) {
    const uint64_t identity =
        RateLimiter::PolicyIdentity(route_->ingress_namespace, route_->ingress_name, p.limits);
    if (!RateLimiter::Node().Admit(identity, client, p.limits, w_->loop_->now_ms(),
                                   &limit_lease_)) {
      status = p.limits.status;
    }
  }
  if (status == 0 && rules &&
      (p.access.deny.Contains(address) ||
       (!p.access.allow.empty() && !p.access.allow.Contains(address)))) {
    status = 403;
  }
  std::string challenge;
  if (status == 0 && basic) {
    std::string_view authorization;
    if (p.auth.credentials == nullptr) {
      status = 503;  // the auth-secret is missing or unusable: fail closed
    } else if (!head.Find("authorization", &authorization) ||
               !p.auth.credentials->Verify(authorization)) {
      status = 401;
      challenge = "WWW-Authenticate: Basic realm=\"" + p.auth.realm + "\"\r\n";
    }
  }
  if (status == 0) return false;
  limit_lease_.Release();
  in_.Consume(head_len);
  // An unread request body cannot be told from the next request: close after answering.
  SendError(status, close_after_ || head.body != http::BodyKind::kNone, challenge);
  return true;
}

}  // namespace waygate::proxy
