// Which requests are the console's and what they get back: the page shell with a fresh nonce in
// both the page and its Content-Security-Policy, hashed files cached for good, gzip only when
// accepted, 304 for a matching ETag. Runs against whatever was embedded (the real build or the
// placeholder page), so it checks the serving rules, not the app.
#include "console/console.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "console/assets.h"

namespace waygate::console {
namespace {

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

Request Get(std::string_view path, std::string_view accept = "*/*") {
  return Request{"GET", path, accept, "", ""};
}

TEST(ConsoleServeTest, BrowsersGetThePageAtTheRootWithAFreshNonceEachTime) {
  std::set<std::string> nonces;
  for (int i = 0; i < 3; ++i) {
    auto page = Serve(Get("/", "text/html,application/xhtml+xml,*/*;q=0.8"));
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(HeaderOf(*page, "Cache-Control"), "no-store");
    EXPECT_EQ(page->body.find("__CSP_NONCE__"), std::string_view::npos);
    std::string csp = HeaderOf(*page, "Content-Security-Policy");
    size_t at = csp.find("'nonce-");
    ASSERT_NE(at, std::string::npos) << csp;
    std::string nonce = csp.substr(at + 7, csp.find('\'', at + 7) - at - 7);
    EXPECT_EQ(nonce.size(), 24u);  // 16 random bytes, base64
    EXPECT_NE(page->body.find("content=\"" + nonce + "\""), std::string_view::npos)
        << "the page's csp-nonce meta must carry the header's nonce";
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(HeaderOf(*page, "X-Content-Type-Options"), "nosniff");
    nonces.insert(nonce);
  }
  EXPECT_EQ(nonces.size(), 3u);
  auto head = Serve(Request{"HEAD", "/", "text/html", "", ""});
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
}

TEST(ConsoleServeTest, TheApiKeepsEverythingElse) {
  EXPECT_FALSE(Serve(Get("/", "application/json")).has_value());  // kubectl get --raw /
  EXPECT_FALSE(Serve(Get("/", "")).has_value());
  EXPECT_FALSE(Serve(Request{"POST", "/", "text/html", "", ""}).has_value());
  EXPECT_FALSE(Serve(Get("/api", "text/html")).has_value());
  EXPECT_FALSE(Serve(Get("/consoles/x.js")).has_value());
  EXPECT_FALSE(Serve(Get("/oauth/token")).has_value());
}

TEST(ConsoleServeTest, UnknownFilesAndWritesUnderTheConsolePrefixAreRefused) {
  auto missing = Serve(Get("/console/no-such-file.js"));
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(HeaderOf(*missing, "Content-Security-Policy"), "<absent>");
  // The page template is served only at "/", where its nonce is filled in.
  auto raw_index = Serve(Get("/console/index.html"));
  ASSERT_TRUE(raw_index.has_value());
  EXPECT_EQ(raw_index->status, 404);
  auto traversal = Serve(Get("/console/../../etc/passwd"));
  ASSERT_TRUE(traversal.has_value());
  EXPECT_EQ(traversal->status, 404);
  auto post = Serve(Request{"POST", "/console/x.js", "*/*", "", ""});
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(HeaderOf(*post, "Allow"), "GET, HEAD");
}

TEST(ConsoleServeTest, FilesCarryETagsAnswer304AndAreGzippedOnlyWhenAccepted) {
  int checked = 0;
  for (const Asset& asset : Assets()) {
    if (asset.path == "index.html") continue;
    std::string path = "/console/" + std::string(asset.path);
    auto plain = Serve(Request{"GET", path, "*/*", "", ""});
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(plain->status, 200);
    EXPECT_EQ(plain->body, asset.raw);
    EXPECT_EQ(HeaderOf(*plain, "Content-Encoding"), "<absent>");
    EXPECT_EQ(HeaderOf(*plain, "ETag"), asset.etag);

    auto zipped = Serve(Request{"GET", path, "*/*", "gzip, deflate, br", ""});
    ASSERT_TRUE(zipped.has_value());
    if (!asset.gzip.empty()) {
      EXPECT_EQ(HeaderOf(*zipped, "Content-Encoding"), "gzip");
      EXPECT_EQ(zipped->body, asset.gzip);
      EXPECT_LT(asset.gzip.size(), asset.raw.size());
      EXPECT_EQ(HeaderOf(*zipped, "Vary"), "Accept-Encoding");
    }
    auto refused = Serve(Request{"GET", path, "*/*", "gzip;q=0, identity", ""});
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(HeaderOf(*refused, "Content-Encoding"), "<absent>");

    auto cached = Serve(Request{"GET", path, "*/*", "gzip", asset.etag});
    ASSERT_TRUE(cached.has_value());
    EXPECT_EQ(cached->status, 304);
    EXPECT_TRUE(cached->body.empty());
    ++checked;
  }
  if (!ConsoleBuilt()) GTEST_SKIP() << "placeholder console embedded: no files besides the page";
  EXPECT_GT(checked, 0);
}

TEST(ConsoleServeTest, OnlyContentHashedNamesAreCachedForAYear) {
  for (const Asset& asset : Assets()) {
    if (asset.path == "index.html") continue;
    auto r = Serve(Get("/console/" + std::string(asset.path)));
    ASSERT_TRUE(r.has_value());
    std::string cache = HeaderOf(*r, "Cache-Control");
    bool immutable = cache == "public, max-age=31536000, immutable";
    if (asset.path == "manifest.json") {
      EXPECT_FALSE(immutable);
    }
    if (asset.path.ends_with(".js") && asset.path.starts_with("main-")) {
      EXPECT_TRUE(immutable) << asset.path;
    }
    if (!immutable) {
      EXPECT_EQ(cache, "no-cache") << asset.path;
    }
  }
}

}  // namespace
}  // namespace waygate::console

namespace waygate::console {
namespace {

TEST(ConsoleKeysTest, TheCatalogListsAnnotationsWithTheirPrefixAndGatewayKeys) {
  auto r = Serve(Get("/console/keys.json"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  auto doc = nlohmann::json::parse(r->body);
  bool rewrite = false;
  for (const auto& k : doc.at("annotations")) {
    EXPECT_TRUE(k.at("key").get<std::string>().starts_with("nginx.ingress.kubernetes.io/"));
    rewrite = rewrite || k.at("key") == "nginx.ingress.kubernetes.io/rewrite-target";
  }
  EXPECT_TRUE(rewrite);
  bool body_size = false;
  for (const auto& k : doc.at("gatewayConfig")) {
    body_size = body_size || (k.at("key") == "proxy-body-size" && k.at("default") == "1m");
  }
  EXPECT_TRUE(body_size);
}

}  // namespace
}  // namespace waygate::console
