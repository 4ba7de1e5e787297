// Sticky sessions (affinity: cookie): a request whose cookie names a present, healthy endpoint
// goes there; any other request is balanced as usual and its response sets the cookie.
//
// Modes, as ingress-nginx:
//   persistent – a session stays on its endpoint for as long as the endpoint exists; scaling
//                up never moves it (ingress-nginx's sticky_persistent).
//   balanced   – (default) when the backend grows from c to n endpoints, a share (n-c)/n of
//                the sessions is handed to the balancer again and gets a new cookie, so new
//                endpoints take load (what sticky_balanced's consistent hash does). The cookie
//                carries the endpoint count at issue time for that.
// Both: a session whose endpoint is gone or ejected (passive health) is rebalanced with a new
// cookie. After a failed attempt the retry goes to the same endpoint unless
// session-cookie-change-on-failure, which rebalances and re-sets the cookie (sticky.lua).
#include <time.h>

#include "proxy/session.h"
#include "proxy/upstream_policy.h"

namespace waygate::proxy {

namespace {

uint64_t Fnv1a64(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// splitmix64's finaliser: FNV's low bits alone are poorly spread.
uint64_t Mix(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "<name>/<major>" followed by digits: the major version, or -1.
int VersionAfter(std::string_view ua, std::string_view name, size_t* after = nullptr) {
  size_t at = ua.find(name);
  if (at == std::string_view::npos) return -1;
  size_t i = at + name.size();
  int v = 0;
  size_t start = i;
  while (i < ua.size() && ua[i] >= '0' && ua[i] <= '9' && i - start < 6)
    v = v * 10 + (ua[i++] - '0');
  if (i == start) return -1;
  if (after != nullptr) *after = i;
  return v;
}

}  // namespace

uint64_t AffinityHash(std::string_view backend_key, std::string_view address) {
  uint64_t h = Fnv1a64(14695981039346656037ull, backend_key);
  h = Fnv1a64(h, std::string_view("\n", 1));
  return Mix(Fnv1a64(h, address));
}

std::string FormatAffinityValue(uint64_t hash, uint32_t issued_endpoints) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = kHex[hash & 15];
  if (issued_endpoints != 0) {
    out.push_back('.');
    out.append(std::to_string(issued_endpoints));
  }
  return out;
}

bool ParseAffinityValue(std::string_view value, uint64_t* hash, uint32_t* issued_endpoints) {
  if (value.size() < 16) return false;
  uint64_t h = 0;
  for (int i = 0; i < 16; ++i) {
    int d = HexDigit(value[i]);
    if (d < 0) return false;
    h = h << 4 | static_cast<uint64_t>(d);
  }
  uint32_t issued = 0;
  if (value.size() > 16) {
    if (value[16] != '.' || value.size() == 17 || value.size() > 17 + 9) return false;
    for (size_t i = 17; i < value.size(); ++i) {
      if (value[i] < '0' || value[i] > '9') return false;
      issued = issued * 10 + static_cast<uint32_t>(value[i] - '0');
    }
    if (issued == 0) return false;
  }
  *hash = h;
  *issued_endpoints = issued;
  return true;
}

bool BalancedSessionMoves(uint64_t hash, uint32_t issued, uint32_t current) {
  if (current <= issued) return false;
  // The hash picked the endpoint; re-mix it so this draw is independent of that choice.
  return Mix(hash ^ 0x9e3779b97f4a7c15ull) % current >= issued;
}

bool SameSiteNoneCompatible(std::string_view ua) {
  // Chrome 51-66 reject cookies with SameSite=None.
  for (std::string_view name : {std::string_view("Chrome/"), std::string_view("Chromium/")}) {
    int v = VersionAfter(ua, name);
    if (v >= 51 && v <= 66) return false;
  }
  // iOS 12 (every browser there uses WebKit) and Safari/WebViews on macOS 10.14 treat None as
  // Strict.
  if ((ua.find("CPU iPhone OS 12_") != std::string_view::npos ||
       ua.find("CPU OS 12_") != std::string_view::npos) &&
      ua.find("AppleWebKit/") != std::string_view::npos) {
    return false;
  }
  if (ua.find("Mac OS X 10_14") != std::string_view::npos &&
      ua.find("AppleWebKit/") != std::string_view::npos &&
      ua.find("Chrome/") == std::string_view::npos &&
      ua.find("Chromium/") == std::string_view::npos) {
    return false;
  }
  // UC Browser before 12.13.2.
  size_t after = 0;
  int major = VersionAfter(ua, "UCBrowser/", &after);
  if (major >= 0) {
    int minor = 0, build = 0;
    if (after < ua.size() && ua[after] == '.') {
      size_t a2 = 0;
      minor = VersionAfter(ua.substr(after), ".", &a2);
      if (minor >= 0 && after + a2 < ua.size() && ua[after + a2] == '.') {
        build = VersionAfter(ua.substr(after + a2), ".");
      }
    }
    if (minor < 0) minor = 0;
    if (build < 0) build = 0;
    if (major != 12) return major > 12;
    if (minor != 13) return minor > 13;
    return build >= 2;
  }
  return true;
}

std::string CookieTime(int64_t unix_seconds) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  const int year = tm.tm_year + 1900;
  char buf[48];
  // nginx keeps two digits for old Netscape clients, but four past 2037 (no ambiguity then).
  snprintf(buf, sizeof buf, "%s, %02d-%s-%02d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
           kMonths[tm.tm_mon], year > 2037 ? year : year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

void AppendAffinitySetCookie(std::string& out, const annotations::AffinityPolicy& policy,
                             std::string_view value, const AffinityCookieContext& context) {
  using SameSite = annotations::AffinityPolicy::SameSite;
  out.append("Set-Cookie: ");
  out.append(policy.name);
  out.push_back('=');
  out.append(value);
  if (policy.expires_s != 0) {
    out.append("; Expires=");
    out.append(CookieTime(context.unix_now_s + policy.expires_s));
  }
  if (policy.max_age_s != 0) {
    out.append("; Max-Age=");
    out.append(std::to_string(policy.max_age_s));
  }
  if (!policy.domain.empty()) {
    out.append("; Domain=");
    out.append(policy.domain);
  }
  out.append("; Path=");
  out.append(policy.path.empty() ? context.route_path : std::string_view(policy.path));
  // ingress-nginx: session-cookie-secure "false" still gives Secure over https.
  if (policy.secure || context.https) out.append("; Secure");
  out.append("; HttpOnly");
  switch (policy.samesite) {
    case SameSite::kUnset:
      break;
    case SameSite::kNone:
      if (context.samesite_none_ok) out.append("; SameSite=None");
      break;
    case SameSite::kLax:
      out.append("; SameSite=Lax");
      break;
    case SameSite::kStrict:
      out.append("; SameSite=Strict");
      break;
  }
  out.append("\r\n");
}

int Session::PickWithAffinity() {
  const int64_t now = w_->loop_->now_ms();
  // A retry stays on the cookie's endpoint unless change-on-failure asks to move.
  const bool first = tried_.empty();
  if (affinity_endpoint_ >= 0 && (first || !affinity_->change_on_failure) &&
      static_cast<size_t>(affinity_endpoint_) < backend_state_->endpoints.size() &&
      !upstream::IsEjected(*backend_state_->endpoints[affinity_endpoint_], now)) {
    return affinity_endpoint_;
  }
  int idx = serving_->balancer.Pick(*backend_state_, route_->settings, hash_key_, now, tried_);
  if (idx >= 0) {
    affinity_endpoint_ = idx;  // a retry without change-on-failure comes back here
    affinity_set_ = true;
  }
  return idx;
}

void Session::AppendAffinityCookie(std::string& out) const {
  if (error_page_ || endpoint_index_ < 0 ||
      static_cast<size_t>(endpoint_index_) >= backend_->endpoints.size()) {
    return;
  }
  const uint64_t hash = AffinityHash(backend_->key, backend_->endpoints[endpoint_index_].address);
  const uint32_t issued =
      affinity_->persistent ? 0 : static_cast<uint32_t>(backend_->endpoints.size());
  AffinityCookieContext context;
  context.route_path = route_->path.empty() ? std::string_view("/") : route_->path;
  context.https = secure_;
  context.samesite_none_ok = affinity_samesite_ok_;
  context.unix_now_s = w_->unix_now_s_;
  AppendAffinitySetCookie(out, *affinity_, FormatAffinityValue(hash, issued), context);
}

}  // namespace waygate::proxy
