// The pure pieces of the request-path annotations (issue 6): redirect locations (nginx variables,
// ingress-nginx's trailing-slash rule), CORS origin matching and header lines, and the head
// editing that lets a route's value replace a client's or upstream's header.
#include <gtest/gtest.h>

#include <string>

#include "proxy/cors.h"
#include "proxy/head_edit.h"
#include "proxy/redirects.h"

namespace waygate::proxy {
namespace {

RedirectVars Vars() {
  RedirectVars v;
  v.path = "/a/../b/";
  v.query = "x=1&y=2";
  v.has_query = true;
  v.uri = "/b/";
  v.host = "example.com";
  v.scheme = "https";
  return v;
}

std::string Expand(std::string_view url, const RedirectVars& v = Vars()) {
  std::string out = "<";
  ExpandRedirectUrl(url, v, out);
  return out;
}

TEST(ExpandRedirectUrl, PlainUrlIsCopied) {
  EXPECT_EQ(Expand("https://www.google.com"), "<https://www.google.com");
}

TEST(ExpandRedirectUrl, EveryVariable) {
  EXPECT_EQ(Expand("$scheme://new.$host$request_uri"), "<https://new.example.com/a/../b/?x=1&y=2");
  EXPECT_EQ(Expand("http://x.org$uri?from=$host&$args"),
            "<http://x.org/b/?from=example.com&x=1&y=2");
  EXPECT_EQ(Expand("http://x.org/?q=$query_string"), "<http://x.org/?q=x=1&y=2");
}

TEST(ExpandRedirectUrl, BracedNamesEndWhereTheBraceSays) {
  EXPECT_EQ(Expand("http://${host}x/${uri}index"), "<http://example.comx//b/index");
}

TEST(ExpandRedirectUrl, NameRunsOverLettersDigitsUnderscore) {
  // "$uri_x" is the variable uri_x (unknown), not $uri followed by "_x": kept as written.
  EXPECT_EQ(Expand("http://x.org$uri_x"), "<http://x.org$uri_x");
  EXPECT_EQ(Expand("http://x.org$uri/"), "<http://x.org/b//");
}

TEST(ExpandRedirectUrl, UnknownAndLoneDollarsAreKept) {
  EXPECT_EQ(Expand("http://x.org/$remote_addr"), "<http://x.org/$remote_addr");
  EXPECT_EQ(Expand("http://x.org/$"), "<http://x.org/$");
  EXPECT_EQ(Expand("http://x.org/${host"), "<http://x.org/${host");
}

TEST(ExpandRedirectUrl, RequestUriWithoutQuery) {
  RedirectVars v = Vars();
  v.has_query = false;
  v.query = "";
  EXPECT_EQ(Expand("http://n.org$request_uri|$args|", v), "<http://n.org/a/../b/||");
}

std::string Uri(std::string_view path, std::string_view query, bool has_query, bool strip) {
  std::string out;
  AppendRequestUri(path, query, has_query, strip, out);
  return out;
}

TEST(AppendRequestUri, TrailingSlashRule) {
  EXPECT_EQ(Uri("/", "", false, true), "");
  EXPECT_EQ(Uri("/", "", false, false), "/");
  EXPECT_EQ(Uri("/foo/", "", false, true), "/foo");
  EXPECT_EQ(Uri("/foo//", "", false, true), "/foo/");  // one byte, as the lua does
  EXPECT_EQ(Uri("/foo", "", false, true), "/foo");
  // The last byte of the whole request URI: with a query, the path's slash stays.
  EXPECT_EQ(Uri("/foo/", "a=1", true, true), "/foo/?a=1");
  EXPECT_EQ(Uri("/foo", "a=/", true, true), "/foo?a=");
  EXPECT_EQ(Uri("/foo/", "", true, true), "/foo/?");
  EXPECT_EQ(Uri("/foo/", "a=/", true, false), "/foo/?a=/");
}

annotations::CorsPolicy List(std::initializer_list<const char*> origins) {
  annotations::CorsPolicy c;
  c.enabled = true;
  c.any_origin = false;
  for (const char* o : origins) c.origins.emplace_back(o);
  return c;
}

TEST(CorsOriginMatches, ExactIsCaseInsensitiveAndWhole) {
  EXPECT_TRUE(CorsOriginMatches("https://origin.cors.com:8080", "https://origin.cors.com:8080"));
  EXPECT_TRUE(CorsOriginMatches("https://Origin.cors.com", "HTTPS://origin.CORS.com"));
  EXPECT_FALSE(CorsOriginMatches("http://origin.com", "http://origin.com:8080"));
  EXPECT_FALSE(CorsOriginMatches("http://origin.com:8080", "http://origin.com"));
  EXPECT_FALSE(CorsOriginMatches("https://foo.bar.com", "https://fooxbar.com"));
  EXPECT_FALSE(CorsOriginMatches("https://origin.com", "https://origin.com.evil.org"));
  EXPECT_FALSE(CorsOriginMatches("https://origin.com", "xhttps://origin.com"));
}

TEST(CorsOriginMatches, WildcardIsOneLabel) {
  const char* p = "http://*.origin.cors.com";
  EXPECT_TRUE(CorsOriginMatches(p, "http://foo.origin.cors.com"));
  EXPECT_TRUE(CorsOriginMatches(p, "http://bar-foo.origin.cors.com"));
  EXPECT_TRUE(CorsOriginMatches(p, "http://A1.Origin.Cors.Com"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://bar.foo.origin.cors.com"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://.origin.cors.com"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://origin.cors.com"));
  EXPECT_FALSE(CorsOriginMatches(p, "https://foo.origin.cors.com"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://fo_o.origin.cors.com"));
}

TEST(CorsOriginMatches, WildcardWithPort) {
  const char* p = "http://*.origin.com:8080";
  EXPECT_TRUE(CorsOriginMatches(p, "http://abc.origin.com:8080"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://abc.origin.com"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://origin.com:8080"));
  EXPECT_FALSE(CorsOriginMatches(p, "http://abc.origin.com:80801"));
}

TEST(CorsAllowOrigin, AnyOriginIsStarEvenWithoutOrigin) {
  annotations::CorsPolicy c;
  c.enabled = true;
  EXPECT_EQ(CorsAllowOrigin(c, false, ""), "*");
  EXPECT_EQ(CorsAllowOrigin(c, true, "http://whatever.example"), "*");
}

TEST(CorsAllowOrigin, ListEchoesTheOriginAsSent) {
  annotations::CorsPolicy c = List({"https://origin.cors.com:8080", "https://origin2.cors.com"});
  EXPECT_EQ(CorsAllowOrigin(c, true, "https://origin2.cors.com"), "https://origin2.cors.com");
  EXPECT_EQ(CorsAllowOrigin(c, true, "HTTPS://ORIGIN2.cors.com"), "HTTPS://ORIGIN2.cors.com");
  EXPECT_EQ(CorsAllowOrigin(c, true, "http://no.origin.com"), "");
  EXPECT_EQ(CorsAllowOrigin(c, false, ""), "");
  EXPECT_EQ(CorsAllowOrigin(c, true, ""), "");
  EXPECT_EQ(CorsAllowOrigin(List({}), true, "https://a.com"), "");
}

TEST(AppendCorsHeaders, DefaultsAsIngressNginx) {
  annotations::CorsPolicy c;
  std::string out;
  AppendCorsHeaders(c, "*", out);
  EXPECT_EQ(out,
            "Access-Control-Allow-Origin: *\r\n"
            "Access-Control-Allow-Credentials: true\r\n"
            "Access-Control-Allow-Methods: GET, PUT, POST, DELETE, PATCH, OPTIONS\r\n"
            "Access-Control-Allow-Headers: DNT,Keep-Alive,User-Agent,X-Requested-With,"
            "If-Modified-Since,Cache-Control,Content-Type,Range,Authorization\r\n"
            "Access-Control-Max-Age: 1728000\r\n");
}

TEST(AppendCorsHeaders, EchoedOriginNoCredentialsExposeAndMaxAge) {
  annotations::CorsPolicy c = List({"https://a.com"});
  c.allow_credentials = false;
  c.expose_headers = "X-CustomResponseHeader, X-CustomSecondHeader";
  c.max_age_s = 200;
  c.allow_methods = "POST, GET";
  c.allow_headers = "DNT, User-Agent";
  std::string out;
  AppendCorsHeaders(c, "https://a.com", out);
  EXPECT_EQ(out,
            "Access-Control-Allow-Origin: https://a.com\r\n"
            "Access-Control-Allow-Methods: POST, GET\r\n"
            "Access-Control-Allow-Headers: DNT, User-Agent\r\n"
            "Access-Control-Expose-Headers: X-CustomResponseHeader, X-CustomSecondHeader\r\n"
            "Access-Control-Max-Age: 200\r\n"
            "Vary: Origin\r\n");
}

TEST(IsCorsHeaderWeSet, OnlyTheOnesThisPolicyWrites) {
  annotations::CorsPolicy c;
  EXPECT_TRUE(IsCorsHeaderWeSet(c, "Access-Control-Allow-Origin"));
  EXPECT_TRUE(IsCorsHeaderWeSet(c, "access-control-max-age"));
  EXPECT_TRUE(IsCorsHeaderWeSet(c, "ACCESS-CONTROL-ALLOW-CREDENTIALS"));
  EXPECT_FALSE(IsCorsHeaderWeSet(c, "Access-Control-Expose-Headers"));  // none configured
  EXPECT_FALSE(IsCorsHeaderWeSet(c, "Access-Control-Allow-Origins"));
  EXPECT_FALSE(IsCorsHeaderWeSet(c, "Vary"));
  c.allow_credentials = false;
  c.expose_headers = "X-A";
  EXPECT_FALSE(IsCorsHeaderWeSet(c, "Access-Control-Allow-Credentials"));
  EXPECT_TRUE(IsCorsHeaderWeSet(c, "Access-Control-Expose-Headers"));
}

TEST(EraseHeaderLines, DropsMatchingLinesOnlyAfterTheStartLine) {
  std::string head =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nX-Drop: 1\r\nKeep: a\r\nx-drop: 2\r\nX-Dropped: 3\r\n\r\n";
  const size_t from = head.find("\r\n\r\n") + 4;
  EraseHeaderLines(head, from,
                   [](std::string_view name) { return name == "X-Drop" || name == "x-drop"; });
  EXPECT_EQ(head,
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 200 OK\r\nKeep: a\r\nX-Dropped: 3\r\n\r\n");
}

TEST(EraseHeaderLines, UnfinishedHeadAndNoMatch) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Prefix: /evil\r\n";
  EraseHeaderLines(head, 0, [](std::string_view n) { return n == "X-Forwarded-Prefix"; });
  EXPECT_EQ(head, "GET / HTTP/1.1\r\nHost: a\r\n");
  EraseHeaderLines(head, 0, [](std::string_view) { return false; });
  EXPECT_EQ(head, "GET / HTTP/1.1\r\nHost: a\r\n");
  // The start line is never a header, even when it has a colon.
  std::string odd = "GET http://a:1/ HTTP/1.1\r\nGET http: x\r\n";
  EraseHeaderLines(odd, 0, [](std::string_view n) { return n.starts_with("GET"); });
  EXPECT_EQ(odd, "GET http://a:1/ HTTP/1.1\r\n");
}

}  // namespace
}  // namespace waygate::proxy
