// upstream.cc and affinity.cc: next-upstream, service-upstream, buffering, HTTP version,
// sticky-session cookie keys.
#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::annotations {
namespace {

using testing::Ann;
using testing::ExpectInvalid;
using testing::MustParse;
using U = UpstreamPolicy;

TEST(Upstream, Defaults) {
  Policy policy = MustParse(Ann({}));
  EXPECT_EQ(policy.upstream.next_upstream, U::kError | U::kTimeout);
  EXPECT_EQ(policy.upstream.next_upstream_timeout_ms, 0u);
  EXPECT_FALSE(policy.upstream.service_upstream);
  EXPECT_FALSE(policy.upstream.proxy_buffering);
  EXPECT_FALSE(policy.upstream.http10);
}

TEST(Upstream, NextUpstreamConditions) {
  EXPECT_EQ(
      MustParse(Ann({{"proxy-next-upstream", "error timeout http_502"}})).upstream.next_upstream,
      U::kError | U::kTimeout | U::kHttp502);
  EXPECT_EQ(MustParse(Ann({{"proxy-next-upstream",
                            "invalid_header http_500 http_503 http_504 http_403 http_404 "
                            "http_429 non_idempotent"}}))
                .upstream.next_upstream,
            U::kInvalidHeader | U::kHttp500 | U::kHttp503 | U::kHttp504 | U::kHttp403 |
                U::kHttp404 | U::kHttp429 | U::kNonIdempotent);
  EXPECT_EQ(MustParse(Ann({{"proxy-next-upstream", "ERROR  Timeout"}})).upstream.next_upstream,
            U::kError | U::kTimeout);
  EXPECT_EQ(MustParse(Ann({{"proxy-next-upstream", "off"}})).upstream.next_upstream, 0);
  ExpectInvalid("proxy-next-upstream", "off error", "must be the only value");
  ExpectInvalid("proxy-next-upstream", "error http_999", "unknown proxy-next-upstream");
  ExpectInvalid("proxy-next-upstream", "error,timeout", "unknown proxy-next-upstream");
}

TEST(Upstream, NextUpstreamTimeout) {
  EXPECT_EQ(
      MustParse(Ann({{"proxy-next-upstream-timeout", "10"}})).upstream.next_upstream_timeout_ms,
      10000u);
  EXPECT_EQ(
      MustParse(Ann({{"proxy-next-upstream-timeout", "1m30s"}})).upstream.next_upstream_timeout_ms,
      90000u);
  EXPECT_EQ(
      MustParse(Ann({{"proxy-next-upstream-timeout", "500ms"}})).upstream.next_upstream_timeout_ms,
      500u);
  ExpectInvalid("proxy-next-upstream-timeout", "ten", "invalid duration");
  ExpectInvalid("proxy-next-upstream-timeout", "-1", "invalid duration");
  ExpectInvalid("proxy-next-upstream-timeout", "99999999999", "too long");
}

TEST(Upstream, Switches) {
  EXPECT_TRUE(MustParse(Ann({{"service-upstream", "true"}})).upstream.service_upstream);
  EXPECT_TRUE(MustParse(Ann({{"proxy-buffering", "on"}})).upstream.proxy_buffering);
  EXPECT_FALSE(MustParse(Ann({{"proxy-buffering", "off"}})).upstream.proxy_buffering);
  EXPECT_TRUE(MustParse(Ann({{"proxy-http-version", "1.0"}})).upstream.http10);
  EXPECT_FALSE(MustParse(Ann({{"proxy-http-version", "1.1"}})).upstream.http10);
  ExpectInvalid("service-upstream", "maybe", "invalid boolean");
  ExpectInvalid("proxy-buffering", "ON", "want on or off");
  ExpectInvalid("proxy-buffering", "true", "want on or off");
  ExpectInvalid("proxy-http-version", "2", "want 1.0 or 1.1");
  ExpectInvalid("proxy-http-version", "1.1;", "want 1.0 or 1.1");
}

TEST(Affinity, Defaults) {
  AffinityPolicy affinity = MustParse(Ann({})).affinity;
  EXPECT_FALSE(affinity.cookie);
  EXPECT_FALSE(affinity.persistent);
  EXPECT_EQ(affinity.name, "INGRESSCOOKIE");
  EXPECT_EQ(affinity.path, "");
  EXPECT_EQ(affinity.domain, "");
  EXPECT_EQ(affinity.max_age_s, 0u);
  EXPECT_EQ(affinity.expires_s, 0u);
  EXPECT_EQ(affinity.samesite, AffinityPolicy::SameSite::kUnset);
  EXPECT_FALSE(affinity.conditional_samesite_none);
  EXPECT_FALSE(affinity.secure);
  EXPECT_FALSE(affinity.change_on_failure);
}

TEST(Affinity, CookieSettings) {
  AffinityPolicy affinity = MustParse(Ann({{"affinity", "cookie"},
                                           {"affinity-mode", "persistent"},
                                           {"session-cookie-name", "route"},
                                           {"session-cookie-path", "/app"},
                                           {"session-cookie-domain", ".Example.com"},
                                           {"session-cookie-max-age", "172800"},
                                           {"session-cookie-expires", "3600"},
                                           {"session-cookie-samesite", "None"},
                                           {"session-cookie-conditional-samesite-none", "true"},
                                           {"session-cookie-secure", "true"},
                                           {"session-cookie-change-on-failure", "true"}}))
                                .affinity;
  EXPECT_TRUE(affinity.cookie);
  EXPECT_TRUE(affinity.persistent);
  EXPECT_EQ(affinity.name, "route");
  EXPECT_EQ(affinity.path, "/app");
  EXPECT_EQ(affinity.domain, ".example.com");
  EXPECT_EQ(affinity.max_age_s, 172800u);
  EXPECT_EQ(affinity.expires_s, 3600u);
  EXPECT_EQ(affinity.samesite, AffinityPolicy::SameSite::kNone);
  EXPECT_TRUE(affinity.conditional_samesite_none);
  EXPECT_TRUE(affinity.secure);
  EXPECT_TRUE(affinity.change_on_failure);
  EXPECT_FALSE(MustParse(Ann({{"affinity-mode", "balanced"}})).affinity.persistent);
}

TEST(Affinity, SameSiteIsCaseInsensitive) {
  EXPECT_EQ(MustParse(Ann({{"session-cookie-samesite", "lax"}})).affinity.samesite,
            AffinityPolicy::SameSite::kLax);
  EXPECT_EQ(MustParse(Ann({{"session-cookie-samesite", "STRICT"}})).affinity.samesite,
            AffinityPolicy::SameSite::kStrict);
  EXPECT_EQ(MustParse(Ann({{"session-cookie-samesite", "nOnE"}})).affinity.samesite,
            AffinityPolicy::SameSite::kNone);
  ExpectInvalid("session-cookie-samesite", "Relaxed", "unknown SameSite");
}

TEST(Affinity, Refusals) {
  ExpectInvalid("affinity", "ip_hash", "the only type is cookie");
  ExpectInvalid("affinity", "Cookie", "the only type is cookie");
  ExpectInvalid("affinity-mode", "sticky", "balanced or persistent");
  for (const char* bad : {"a b", "a;b", "a=b", "a,b", "sess\"ion", "k\xc3\xa9"}) {
    ExpectInvalid("session-cookie-name", bad, "cookie name");
  }
  ExpectInvalid("session-cookie-path", "app", "must start with '/'");
  ExpectInvalid("session-cookie-path", "/a;Domain=evil", "not allowed");
  ExpectInvalid("session-cookie-max-age", "-1", "number of seconds");
  ExpectInvalid("session-cookie-max-age", "1h", "number of seconds");
  ExpectInvalid("session-cookie-expires", "tomorrow", "number of seconds");
  ExpectInvalid("session-cookie-domain", "exa mple.com", "domain name");
  ExpectInvalid("session-cookie-domain", "a.com;x", "domain name");
  ExpectInvalid("session-cookie-secure", "on", "invalid boolean");
  ExpectInvalid("session-cookie-change-on-failure", "2", "invalid boolean");
  ExpectInvalid("session-cookie-conditional-samesite-none", "x", "invalid boolean");
}

}  // namespace
}  // namespace waygate::annotations
