// The pure pieces of canary, sticky sessions, next-upstream and custom error pages (issue 6):
// ingress-nginx's canary precedence, cookie reading, the endpoint hash in sticky cookies and the
// Set-Cookie line, the balanced-mode share that moves on scale-up, the error page request.
#include "proxy/upstream_policy.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <memory>
#include <string>

#include "http/h1.h"

namespace waygate::proxy {
namespace {

using annotations::AffinityPolicy;
using annotations::CanaryPolicy;
using annotations::UpstreamPolicy;

bool Decide(const CanaryPolicy& p, const char* header, const char* cookie, uint64_t random = 0) {
  std::string_view h = header ? header : "", c = cookie ? cookie : "";
  return DecideCanary(p, header ? &h : nullptr, cookie ? &c : nullptr, random);
}

CanaryPolicy ByHeader() {
  CanaryPolicy p;
  p.enabled = true;
  p.by_header = "canarybyheader";
  return p;
}

TEST(CanaryTest, HeaderAlwaysNeverOtherwiseFallsThrough) {
  CanaryPolicy p = ByHeader();
  EXPECT_TRUE(Decide(p, "always", nullptr));
  EXPECT_FALSE(Decide(p, "never", nullptr));
  EXPECT_FALSE(Decide(p, "badheadervalue", nullptr));
  EXPECT_FALSE(Decide(p, nullptr, nullptr));
  p.weight = 100;  // falls through to the weight
  EXPECT_TRUE(Decide(p, "badheadervalue", nullptr, 7));
  EXPECT_FALSE(Decide(p, "never", nullptr, 7));  // "never" decides before the weight
}

TEST(CanaryTest, HeaderValueOnlyEqualGoesToCanaryAlwaysFallsThrough) {
  CanaryPolicy p = ByHeader();
  p.by_header_value = "DoCanary";
  EXPECT_TRUE(Decide(p, "DoCanary", nullptr));
  EXPECT_FALSE(Decide(p, "docanary", nullptr));
  EXPECT_FALSE(Decide(p, "always", nullptr));  // ingress-nginx e2e: "always" -> mainline
  p.by_cookie = "CanaryByCookie";
  // "when header value does not match and cookie is set to 'always'" -> canary
  EXPECT_TRUE(Decide(p, "otherheadervalue", "always"));
  p.weight = 100;
  EXPECT_FALSE(Decide(p, "never", "never"));  // header "never" falls through; cookie decides
}

TEST(CanaryTest, PatternIsAnUnanchoredRe2Match) {
  CanaryPolicy p = ByHeader();
  p.by_header_pattern = std::make_shared<const RE2>("^v[2-3]$");
  EXPECT_TRUE(Decide(p, "v2", nullptr));
  EXPECT_FALSE(Decide(p, "v4", nullptr));
  EXPECT_FALSE(Decide(p, "always", nullptr));
  p.by_header_pattern = std::make_shared<const RE2>("beta");
  EXPECT_TRUE(Decide(p, "x-beta-1", nullptr));  // ngx.re.match is unanchored
  // A value takes precedence over a pattern (ingress-nginx's elseif order).
  p.by_header_value = "exact";
  EXPECT_FALSE(Decide(p, "x-beta-1", nullptr));
  EXPECT_TRUE(Decide(p, "exact", nullptr));
}

TEST(CanaryTest, CookieAlwaysNeverThenWeight) {
  CanaryPolicy p;
  p.enabled = true;
  p.by_cookie = "Canary-By-Cookie";
  EXPECT_TRUE(Decide(p, nullptr, "always"));
  EXPECT_FALSE(Decide(p, nullptr, "never"));
  EXPECT_FALSE(Decide(p, nullptr, "badcookievalue"));
  p.weight = 100;
  EXPECT_FALSE(Decide(p, nullptr, "never", 3));
  EXPECT_TRUE(Decide(p, nullptr, "badcookievalue", 3));
  p.by_header = "h";
  EXPECT_FALSE(Decide(p, "never", "always", 3));  // header before cookie
  EXPECT_TRUE(Decide(p, "always", "never", 3));
}

TEST(CanaryTest, WeightOutOfTotal) {
  CanaryPolicy p;
  p.enabled = true;
  p.weight = 0;
  for (uint64_t r = 0; r < 200; ++r) EXPECT_FALSE(Decide(p, nullptr, nullptr, r));
  p.weight = 100;
  for (uint64_t r = 0; r < 200; ++r) EXPECT_TRUE(Decide(p, nullptr, nullptr, r));
  p.weight = 30;
  int hits = 0;
  for (uint64_t r = 0; r < 1000; ++r) hits += Decide(p, nullptr, nullptr, r);
  EXPECT_EQ(hits, 300);
  p.weight_total = 1000;  // canary-weight-total: 30 out of 1000
  hits = 0;
  for (uint64_t r = 0; r < 1000; ++r) hits += Decide(p, nullptr, nullptr, r);
  EXPECT_EQ(hits, 30);
}

struct ParsedHead {
  std::string bytes;
  http::RequestHead head;
  explicit ParsedHead(std::string text) : bytes(std::move(text)) {
    http::Limits limits;
    auto r = http::ParseRequestHead(bytes, limits, &head);
    EXPECT_EQ(r.status, http::ParseStatus::kDone) << r.error_reason;
  }
};

TEST(CookieTest, FindsNamesAcrossPairsAndHeaders) {
  ParsedHead p(
      "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1; INGRESSCOOKIE=abc; b=\"q\"\r\n"
      "cookie: Canary=always\r\n\r\n");
  std::string_view v;
  ASSERT_TRUE(FindCookie(p.head, "INGRESSCOOKIE", false, &v));
  EXPECT_EQ(v, "abc");
  ASSERT_TRUE(FindCookie(p.head, "b", false, &v));
  EXPECT_EQ(v, "q");
  ASSERT_TRUE(FindCookie(p.head, "Canary", false, &v));
  EXPECT_EQ(v, "always");
  EXPECT_FALSE(FindCookie(p.head, "canary", false, &v));
  ASSERT_TRUE(FindCookie(p.head, "canary", true, &v));  // nginx's $cookie_ ignores case
  EXPECT_EQ(v, "always");
  EXPECT_FALSE(FindCookie(p.head, "INGRESS", false, &v));  // whole names only
}

TEST(AffinityTest, HashIsStableSaltedAndRoundTrips) {
  const uint64_t h = AffinityHash("default/svc:80", "10.0.0.7:8080");
  // Pinned (computed independently: FNV-1a 64 of "key\naddress", splitmix64 finaliser): every
  // gateway node and worker, and every Waygate version, must agree or sessions break.
  EXPECT_EQ(FormatAffinityValue(h, 0), "6c4c7072ff84bba3");
  EXPECT_NE(h, AffinityHash("default/svc:80", "10.0.0.8:8080"));
  EXPECT_NE(h, AffinityHash("default/canary:80", "10.0.0.7:8080"));
  EXPECT_NE(AffinityHash("a", "bc"), AffinityHash("ab", "c"));
  std::string persistent = FormatAffinityValue(h, 0);
  EXPECT_EQ(persistent.size(), 16u);
  EXPECT_EQ(persistent.find_first_not_of("0123456789abcdef"), std::string::npos);
  uint64_t back = 0;
  uint32_t issued = 99;
  ASSERT_TRUE(ParseAffinityValue(persistent, &back, &issued));
  EXPECT_EQ(back, h);
  EXPECT_EQ(issued, 0u);
  std::string balanced = FormatAffinityValue(h, 3);
  EXPECT_EQ(balanced, persistent + ".3");
  ASSERT_TRUE(ParseAffinityValue(balanced, &back, &issued));
  EXPECT_EQ(issued, 3u);
  for (std::string_view bad : {"", "abc", "0123456789abcdeg", "0123456789ABCDEF",
                               "0123456789abcdef.", "0123456789abcdef.0", "0123456789abcdef.x",
                               "0123456789abcdef3", "0123456789abcdef.12345678901"}) {
    EXPECT_FALSE(ParseAffinityValue(bad, &back, &issued)) << bad;
  }
}

TEST(AffinityTest, BalancedSessionsMoveInProportionToGrowth) {
  EXPECT_FALSE(BalancedSessionMoves(12345, 3, 3));
  EXPECT_FALSE(BalancedSessionMoves(12345, 3, 2));  // shrinking moves only the removed ones
  int moved = 0;
  const int kSessions = 20000;
  for (int i = 0; i < kSessions; ++i) {
    uint64_t h = AffinityHash("ns/svc:80", "10.0.0." + std::to_string(i));
    moved += BalancedSessionMoves(h, 2, 4);
    EXPECT_EQ(BalancedSessionMoves(h, 2, 4), BalancedSessionMoves(h, 2, 4));  // deterministic
  }
  EXPECT_NEAR(moved, kSessions / 2, kSessions / 20);  // (4-2)/4 of them
}

TEST(AffinityTest, SetCookieAttributesInIngressNginxOrder) {
  AffinityPolicy p;
  p.cookie = true;
  AffinityCookieContext c;
  c.route_path = "/something";
  std::string out;
  AppendAffinitySetCookie(out, p, "v", c);
  EXPECT_EQ(out, "Set-Cookie: INGRESSCOOKIE=v; Path=/something; HttpOnly\r\n");

  p.name = "SERVERID";
  p.path = "/foo/bar";
  p.domain = "example.com";
  p.max_age_s = 259200;
  p.expires_s = 172800;
  p.secure = true;
  p.samesite = AffinityPolicy::SameSite::kLax;
  c.unix_now_s = 1700000000;  // Tue, 14-Nov-23 22:13:20 GMT; + 48 h
  out.clear();
  AppendAffinitySetCookie(out, p, "v", c);
  EXPECT_EQ(out,
            "Set-Cookie: SERVERID=v; Expires=Thu, 16-Nov-23 22:13:20 GMT; Max-Age=259200; "
            "Domain=example.com; Path=/foo/bar; Secure; HttpOnly; SameSite=Lax\r\n");

  // session-cookie-secure false is still Secure over https (ingress-nginx e2e).
  AffinityPolicy q;
  c.https = true;
  out.clear();
  AppendAffinitySetCookie(out, q, "v", c);
  EXPECT_NE(out.find("; Secure; HttpOnly"), std::string::npos);

  q.samesite = AffinityPolicy::SameSite::kNone;
  c.samesite_none_ok = false;
  out.clear();
  AppendAffinitySetCookie(out, q, "v", c);
  EXPECT_EQ(out.find("SameSite"), std::string::npos);
  c.samesite_none_ok = true;
  out.clear();
  AppendAffinitySetCookie(out, q, "v", c);
  EXPECT_NE(out.find("; HttpOnly; SameSite=None\r\n"), std::string::npos);
}

TEST(AffinityTest, CookieTimeIsNginxFormat) {
  EXPECT_EQ(CookieTime(0), "Thu, 01-Jan-70 00:00:00 GMT");
  EXPECT_EQ(CookieTime(1700000000), "Tue, 14-Nov-23 22:13:20 GMT");
  EXPECT_EQ(CookieTime(2240611200), "Tue, 01-Jan-2041 00:00:00 GMT");  // past 2037: 4 digits
}

TEST(AffinityTest, SameSiteNoneIncompatibleClients) {
  EXPECT_TRUE(SameSiteNoneCompatible("curl/7.88.1"));
  EXPECT_TRUE(SameSiteNoneCompatible(
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36"));
  EXPECT_FALSE(SameSiteNoneCompatible(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/60.0.3112.113 Safari/537.36"));
  EXPECT_FALSE(SameSiteNoneCompatible(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
      "like Gecko) Version/12.0 Mobile/15E148 Safari/604.1"));
  EXPECT_FALSE(SameSiteNoneCompatible(
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) Version/12.1.2 Safari/605.1.15"));
  EXPECT_TRUE(SameSiteNoneCompatible(
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like "
      "Gecko) Chrome/80.0.3987.87 Safari/537.36"));
  EXPECT_FALSE(SameSiteNoneCompatible("Mozilla/5.0 (Linux; U; Android 8.0) UCBrowser/12.13.1.1"));
  EXPECT_TRUE(SameSiteNoneCompatible("Mozilla/5.0 (Linux; U; Android 8.0) UCBrowser/12.13.2.1"));
  EXPECT_TRUE(SameSiteNoneCompatible("Mozilla/5.0 (Linux; U; Android 8.0) UCBrowser/13.0.0.1"));
}

TEST(NextUpstreamTest, StatusConditions) {
  const uint16_t c = UpstreamPolicy::kHttp502 | UpstreamPolicy::kHttp404;
  EXPECT_TRUE(NextUpstreamOnStatus(c, 502));
  EXPECT_TRUE(NextUpstreamOnStatus(c, 404));
  EXPECT_FALSE(NextUpstreamOnStatus(c, 503));
  EXPECT_FALSE(NextUpstreamOnStatus(c, 200));
  EXPECT_FALSE(NextUpstreamOnStatus(UpstreamPolicy::kError | UpstreamPolicy::kTimeout, 502));
  EXPECT_FALSE(NextUpstreamOnStatus(0, 500));  // "off"
  const uint16_t all = UpstreamPolicy::kHttp500 | UpstreamPolicy::kHttp503 |
                       UpstreamPolicy::kHttp504 | UpstreamPolicy::kHttp403 |
                       UpstreamPolicy::kHttp429;
  for (uint16_t s : {500, 503, 504, 403, 429}) EXPECT_TRUE(NextUpstreamOnStatus(all, s)) << s;
}

TEST(ErrorPagesTest, CustomHttpErrorsAndTheErrorPageRequest) {
  annotations::ErrorPolicy e;
  e.custom_http_errors = {404, 503};
  EXPECT_TRUE(IsCustomHttpError(e, 404));
  EXPECT_TRUE(IsCustomHttpError(e, 503));
  EXPECT_FALSE(IsCustomHttpError(e, 500));
  EXPECT_FALSE(IsCustomHttpError(e, 200));

  ErrorPageRequest r;
  r.host = "app.test";
  r.code = 503;
  r.accept = "application/json";
  r.original_uri = "/a/b?x=1";
  r.namespace_ = "default";
  r.ingress_name = "app";
  r.service_name = "svc";
  r.service_port = "80";
  r.request_id = "abc";
  r.client_ip = "127.0.0.1";
  std::string out;
  BuildErrorPageHead(r, out);
  EXPECT_EQ(out,
            "GET / HTTP/1.1\r\nHost: app.test\r\nX-Code: 503\r\nX-Format: application/json\r\n"
            "X-Original-URI: /a/b?x=1\r\nX-Namespace: default\r\nX-Ingress-Name: app\r\n"
            "X-Service-Name: svc\r\nX-Service-Port: 80\r\nX-Request-ID: abc\r\n"
            "X-Real-IP: 127.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n");
  r.head = true;
  r.http10 = true;
  BuildErrorPageHead(r, out);
  EXPECT_EQ(out.rfind("HEAD / HTTP/1.0\r\n", 0), 0u);
  EXPECT_NE(out.find("Connection: close\r\n\r\n"), std::string::npos);
}

}  // namespace
}  // namespace waygate::proxy
