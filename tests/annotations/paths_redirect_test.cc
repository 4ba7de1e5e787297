// paths.cc and redirect.cc: use-regex, rewrite-target, app-root, x-forwarded-prefix,
// upstream-vhost, server-alias, permanent/temporal redirects, from-to-www, trailing slash.
#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::annotations {
namespace {

using testing::Ann;
using testing::ExpectInvalid;
using testing::MustParse;

TEST(Paths, Defaults) {
  Policy policy = MustParse(Ann({}));
  EXPECT_FALSE(policy.paths.use_regex);
  EXPECT_FALSE(policy.paths.rewrite_target.has_value());
  EXPECT_EQ(policy.paths.app_root, "");
  EXPECT_EQ(policy.paths.x_forwarded_prefix, "");
  EXPECT_EQ(policy.paths.upstream_vhost, "");
  EXPECT_TRUE(policy.paths.server_alias.empty());
}

TEST(Paths, UseRegexIsABoolean) {
  EXPECT_TRUE(MustParse(Ann({{"use-regex", "true"}})).paths.use_regex);
  EXPECT_TRUE(MustParse(Ann({{"use-regex", "True"}})).paths.use_regex);
  EXPECT_FALSE(MustParse(Ann({{"use-regex", "false"}})).paths.use_regex);
  ExpectInvalid("use-regex", "yes", "invalid boolean");
}

TEST(Paths, RewriteTargetImpliesRegex) {
  Policy policy = MustParse(Ann({{"rewrite-target", "/$2"}}));
  ASSERT_TRUE(policy.paths.rewrite_target.has_value());
  EXPECT_EQ(*policy.paths.rewrite_target, "/$2");
  EXPECT_TRUE(policy.paths.use_regex);
  // Even when use-regex says false, as ingress-nginx treats rewritten paths as regexes.
  EXPECT_TRUE(MustParse(Ann({{"rewrite-target", "/"}, {"use-regex", "false"}})).paths.use_regex);
}

TEST(Paths, RewriteTargetAcceptedForms) {
  for (const char* target : {"/", "/$1", "$1", "/api/$1/x/$9", "/a-b_c.d~e/%20", "/x:y@z"}) {
    Policy policy = MustParse(Ann({{"rewrite-target", target}}));
    EXPECT_EQ(policy.paths.rewrite_target.value_or("?"), target);
  }
}

TEST(Paths, RewriteTargetRefusals) {
  ExpectInvalid("rewrite-target", "foo", "must start with '/'");
  ExpectInvalid("rewrite-target", "/a/$0", "capture group number 1 to 9");
  ExpectInvalid("rewrite-target", "/a/$", "capture group number 1 to 9");
  ExpectInvalid("rewrite-target", "/$host", "capture group number 1 to 9");
  ExpectInvalid("rewrite-target", "/a?b=1", "query");
  ExpectInvalid("rewrite-target", "/a b", "not allowed");
  ExpectInvalid("rewrite-target", "/a\"b", "not allowed");
  ExpectInvalid("rewrite-target", "/a{b}", "not allowed");
  ExpectInvalid("rewrite-target", "/%zz", "%XX");
  ExpectInvalid("rewrite-target", "/\nrewrite ^ /evil break;", "line break");
}

TEST(Paths, AppRoot) {
  EXPECT_EQ(MustParse(Ann({{"app-root", "/app1"}})).paths.app_root, "/app1");
  EXPECT_EQ(MustParse(Ann({{"app-root", "/app?x=1"}})).paths.app_root, "/app?x=1");
  ExpectInvalid("app-root", "app1", "starting with '/'");
  ExpectInvalid("app-root", "http://evil.com/", "starting with '/'");
  ExpectInvalid("app-root", "//evil.com/", "not a URL");
  ExpectInvalid("app-root", "/a$b", "not allowed");
}

TEST(Paths, XForwardedPrefix) {
  EXPECT_EQ(MustParse(Ann({{"x-forwarded-prefix", "/api"}})).paths.x_forwarded_prefix, "/api");
  ExpectInvalid("x-forwarded-prefix", "/a\"; evil", "not allowed");
}

TEST(Paths, UpstreamVhost) {
  for (const char* host : {"example.com", "example.com:8080", "10.0.0.1", "10.0.0.1:80", "[::1]",
                           "[fd00::1]:8443", "svc_internal.local", "localhost"}) {
    EXPECT_EQ(MustParse(Ann({{"upstream-vhost", host}})).paths.upstream_vhost, host);
  }
  for (const char* bad : {"a b", "host:0", "host:99999", "host:", "$host", "a..b", "-a.com", "[::1",
                          "[zz]:80", "host/path", "a.com;b"}) {
    ExpectInvalid("upstream-vhost", bad, "invalid upstream-vhost");
  }
}

TEST(Paths, ServerAliasListNormalised) {
  Policy policy = MustParse(Ann({{"server-alias", "a.com, *.B.com,,C.com , a.com"}}));
  EXPECT_EQ(policy.paths.server_alias, (std::vector<std::string>{"a.com", "*.b.com", "c.com"}));
  ExpectInvalid("server-alias", "a.com, ~^www\\d+\\.example\\.com$", "no regular expressions");
  ExpectInvalid("server-alias", "*", "DNS name");
  ExpectInvalid("server-alias", "a.*.com", "DNS name");
  ExpectInvalid("server-alias", "a_b.com", "DNS name");
}

TEST(Redirect, Defaults) {
  Policy policy = MustParse(Ann({}));
  EXPECT_EQ(policy.redirect.url, "");
  EXPECT_EQ(policy.redirect.code, 0);
  EXPECT_FALSE(policy.redirect.from_to_www);
  EXPECT_FALSE(policy.redirect.preserve_trailing_slash);
}

TEST(Redirect, PermanentDefaultsTo301) {
  Policy policy = MustParse(Ann({{"permanent-redirect", "https://www.google.com"}}));
  EXPECT_EQ(policy.redirect.url, "https://www.google.com");
  EXPECT_EQ(policy.redirect.code, 301);
  policy = MustParse(
      Ann({{"permanent-redirect", "http://a.com/x"}, {"permanent-redirect-code", "308"}}));
  EXPECT_EQ(policy.redirect.code, 308);
}

TEST(Redirect, TemporalDefaultsTo302AndWins) {
  Policy policy = MustParse(Ann({{"temporal-redirect", "https://t.example/"}}));
  EXPECT_EQ(policy.redirect.url, "https://t.example/");
  EXPECT_EQ(policy.redirect.code, 302);
  policy = MustParse(Ann({{"permanent-redirect", "https://p.example/"},
                          {"permanent-redirect-code", "308"},
                          {"temporal-redirect", "https://t.example/"},
                          {"temporal-redirect-code", "307"}}));
  EXPECT_EQ(policy.redirect.url, "https://t.example/");
  EXPECT_EQ(policy.redirect.code, 307);
}

TEST(Redirect, CodeWithoutUrlChangesNothing) {
  Policy policy = MustParse(Ann({{"permanent-redirect-code", "308"}}));
  EXPECT_EQ(policy.redirect.url, "");
  EXPECT_EQ(policy.redirect.code, 0);
}

TEST(Redirect, CodesMustBe300To308) {
  for (const char* key : {"permanent-redirect-code", "temporal-redirect-code"}) {
    for (const char* bad : {"299", "309", "200", "abc", "-301", "3O1"}) {
      ExpectInvalid(key, bad, "want 300 to 308");
    }
  }
}

TEST(Redirect, UrlVariables) {
  for (const char* url :
       {"https://a.com$request_uri", "https://$host$request_uri", "http://a.com/new$uri?$args",
        "https://a.com/$scheme", "HTTPS://a.com/x#frag"}) {
    EXPECT_EQ(MustParse(Ann({{"permanent-redirect", url}})).redirect.url, url);
  }
  ExpectInvalid("permanent-redirect", "https://a.com/$remote_addr", "only $request_uri");
  ExpectInvalid("permanent-redirect", "https://a.com/${host}", "only $request_uri");
  ExpectInvalid("temporal-redirect", "https://a.com/$hostname", "only $request_uri");
  ExpectInvalid("temporal-redirect", "$scheme://a.com/", "absolute http");
}

TEST(Redirect, UrlMustBeAbsoluteHttp) {
  ExpectInvalid("permanent-redirect", "/relative", "absolute http");
  ExpectInvalid("permanent-redirect", "ftp://a.com/", "absolute http");
  ExpectInvalid("permanent-redirect", "javascript:alert(1)", "absolute http");
  ExpectInvalid("permanent-redirect", "https://", "no host");
  ExpectInvalid("permanent-redirect", "https:///path", "no host");
  ExpectInvalid("temporal-redirect", "https://user@a.com/", "user info");
  ExpectInvalid("temporal-redirect", "https://a.com/a b", "not allowed");
  ExpectInvalid("temporal-redirect", "https://a.com/\"<x>", "not allowed");
  ExpectInvalid("temporal-redirect", "https://a.com/\r\nSet-Cookie: x=1", "line break");
}

TEST(Redirect, Booleans) {
  EXPECT_TRUE(MustParse(Ann({{"from-to-www-redirect", "true"}})).redirect.from_to_www);
  EXPECT_TRUE(MustParse(Ann({{"preserve-trailing-slash", "1"}})).redirect.preserve_trailing_slash);
  ExpectInvalid("from-to-www-redirect", "on", "invalid boolean");
  ExpectInvalid("preserve-trailing-slash", "yes", "invalid boolean");
}

}  // namespace
}  // namespace waygate::annotations
