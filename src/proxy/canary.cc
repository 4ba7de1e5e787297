// Canary: which backend (the main Ingress's or its canary's) serves one request, with
// ingress-nginx's precedence (upstream_policy.h), and the sticky cookie read at the same time
// because a request already stuck to one of the two stays there (ingress-nginx checks
// is_affinitized before any canary rule).
//
// Labels: metrics keep the main route's ingress/service (the Route pointer is the key, as
// ingress-nginx labels canary traffic with the location's ingress); the access log's `service`
// names the canary's Service when the canary served.
#include <re2/re2.h>

#include "proxy/session.h"
#include "proxy/upstream_policy.h"

namespace waygate::proxy {

using http::EqualsIgnoreCase;

bool DecideCanary(const annotations::CanaryPolicy& policy, const std::string_view* header,
                  const std::string_view* cookie, uint64_t random) {
  if (header != nullptr && !policy.by_header.empty()) {
    if (!policy.by_header_value.empty()) {
      if (*header == policy.by_header_value) return true;
    } else if (policy.by_header_pattern != nullptr) {
      if (RE2::PartialMatch(re2::StringPiece(header->data(), header->size()),
                            *policy.by_header_pattern)) {
        return true;
      }
    } else if (*header == "always") {
      return true;
    } else if (*header == "never") {
      return false;
    }
  }
  if (cookie != nullptr && !policy.by_cookie.empty()) {
    if (*cookie == "always") return true;
    if (*cookie == "never") return false;
  }
  if (policy.weight == 0 || policy.weight_total == 0) return false;
  return random % policy.weight_total < policy.weight;
}

bool FindCookie(const http::RequestHead& head, std::string_view name, bool ignore_case,
                std::string_view* value) {
  for (uint16_t i = 0; i < head.header_count; ++i) {
    const http::Header& h = head.headers[i];
    if (h.name.size() != 6 || !EqualsIgnoreCase(h.name, "cookie")) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view n = pair.substr(0, eq);
      while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
      if (ignore_case ? !EqualsIgnoreCase(n, name) : n != name) continue;
      std::string_view v = pair.substr(eq + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      *value = v;
      return true;
    }
  }
  return false;
}

namespace {

// The endpoint of `backend` a sticky cookie value names, or -1. affinity-mode balanced also
// gives up sessions the backend's growth hands to new endpoints.
int CookieEndpoint(const route::Backend& backend, std::string_view value) {
  uint64_t hash = 0;
  uint32_t issued = 0;
  if (!ParseAffinityValue(value, &hash, &issued)) return -1;
  const uint32_t n = static_cast<uint32_t>(backend.endpoints.size());
  for (uint32_t i = 0; i < n; ++i) {
    if (AffinityHash(backend.key, backend.endpoints[i].address) != hash) continue;
    if (issued != 0 && BalancedSessionMoves(hash, issued, n)) return -1;
    return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

void Session::PrepareUpstreamPolicy(const http::RequestHead& head) {
  const annotations::Policy* policy = route_->policy.get();
  const annotations::AffinityPolicy* affinity =
      policy != nullptr && policy->affinity.cookie ? &policy->affinity : nullptr;
  std::string_view sticky;
  const bool has_sticky = affinity != nullptr && FindCookie(head, affinity->name, false, &sticky);

  // The canary only ever replaces a main backend that has endpoints (a main route without them
  // answers 503 before any canary rule, as in ingress-nginx), and only with one that has some.
  const route::Route::Canary* canary = route_->canary.get();
  const route::Backend* main = table_->BackendOf(*route_);
  if (canary != nullptr && canary->policy != nullptr && main != nullptr && backend_ == main &&
      canary->backend_slot < table_->backends().size()) {
    const route::Backend* alt = table_->backends()[canary->backend_slot].get();
    if (alt != nullptr && !alt->endpoints.empty()) {
      bool use_canary;
      if (has_sticky && CookieEndpoint(*main, sticky) >= 0) {
        use_canary = false;  // the session is stuck to the main backend
      } else if (has_sticky && CookieEndpoint(*alt, sticky) >= 0) {
        use_canary = true;
      } else {
        const annotations::CanaryPolicy& rules = canary->policy->canary;
        std::string_view header_value, cookie_value;
        const bool has_header =
            !rules.by_header.empty() && head.Find(rules.by_header, &header_value);
        const bool has_cookie =
            !rules.by_cookie.empty() && FindCookie(head, rules.by_cookie, true, &cookie_value);
        uint64_t& s = w_->rng_;  // the worker's xorshift64*, as for request ids
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        use_canary =
            DecideCanary(rules, has_header ? &header_value : nullptr,
                         has_cookie ? &cookie_value : nullptr, (s * 2685821657736338717ull) >> 11);
      }
      if (use_canary) {
        backend_ = alt;
        canary_ = canary;
      }
    }
  }

  if (affinity != nullptr) {
    affinity_ = affinity;
    affinity_endpoint_ = has_sticky ? CookieEndpoint(*backend_, sticky) : -1;
    affinity_samesite_ok_ = true;
    if (affinity->conditional_samesite_none &&
        affinity->samesite == annotations::AffinityPolicy::SameSite::kNone) {
      std::string_view ua;
      affinity_samesite_ok_ = !head.Find("user-agent", &ua) || SameSiteNoneCompatible(ua);
    }
  }

  if (policy != nullptr && !policy->errors.custom_http_errors.empty() &&
      route_->default_backend_slot != route::Route::kNoBackend) {
    error_target_.assign(head.target);
    std::string_view accept;
    error_accept_.assign(head.Find("accept", &accept) ? accept : std::string_view());
    error_host_.assign(head.host.empty() ? std::string_view(route_->host) : head.host);
  }
}

}  // namespace waygate::proxy
