#include "console/console.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "annotations/parse.h"
#include "console/assets.h"
#include "route/gateway_config_keys.h"

namespace waygate::console {
namespace {

constexpr std::string_view kPrefix = "/console/";
constexpr std::string_view kNoncePlaceholder = "__CSP_NONCE__";

// Sent with every console answer. The page's scripts and styles come only from this origin;
// the nonce admits the <style> elements the editor inserts (and nothing an attacker injects).
std::string ContentSecurityPolicy(std::string_view nonce) {
  std::string style = nonce.empty() ? "'self'" : "'self' 'nonce-" + std::string(nonce) + "'";
  return "default-src 'none'; script-src 'self'; style-src " + style +
         "; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
         "form-action 'self'; frame-ancestors 'none'";
}

void AddSecurityHeaders(Response& r, std::string_view nonce) {
  r.headers.emplace_back("Content-Security-Policy", ContentSecurityPolicy(nonce));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

const Asset* Find(std::string_view path) {
  auto assets = Assets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  if (it == assets.end() || it->path != path) return nullptr;
  return &*it;
}

// 128 random bits, base64: a CSP nonce must be unguessable and fresh per response.
std::string FreshNonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  unsigned char out[32];
  int n = EVP_EncodeBlock(out, bytes, sizeof bytes);
  return std::string(reinterpret_cast<char*>(out), n);
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// "gzip" listed without q=0. Good enough for browsers, which all send "gzip, deflate, br".
bool AcceptsGzip(std::string_view accept_encoding) {
  size_t at = accept_encoding.find("gzip");
  if (at == std::string_view::npos) return false;
  std::string_view rest = accept_encoding.substr(at + 4);
  rest = rest.substr(0, rest.find(','));
  std::string compact;
  for (char c : rest) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  return compact != ";q=0" && compact != ";q=0.0" && compact != ";q=0.00" &&
         compact != ";q=0.000";
}

// Built asset names carry esbuild's content hash ("main-3KX2ZQ7A.js"): such a file never
// changes under its name, so browsers may keep it for a year without asking.
bool IsHashedName(std::string_view path) {
  size_t dot = path.rfind('.');
  size_t dash = path.rfind('-', dot);
  if (dot == std::string_view::npos || dash == std::string_view::npos || dot - dash - 1 != 8) {
    return false;
  }
  for (size_t i = dash + 1; i < dot; ++i) {
    if (!std::isalnum(static_cast<unsigned char>(path[i]))) return false;
  }
  return true;
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return Contains(if_none_match, etag);
}

Response Page() {
  Response r;
  const Asset* index = Find("index.html");
  std::string nonce = FreshNonce();
  std::string html(index != nullptr ? index->raw : std::string_view("console missing"));
  for (size_t at = 0; (at = html.find(kNoncePlaceholder, at)) != std::string::npos;) {
    html.replace(at, kNoncePlaceholder.size(), nonce);
    at += nonce.size();
  }
  r.owned = std::move(html);
  r.body = r.owned;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  AddSecurityHeaders(r, nonce);
  return r;
}

// What the wizard and the gateway page offer for autocompletion, from the same tables the
// parsers use, so the console never suggests a key the server would refuse.
const std::string& KeysDocument() {
  static const std::string document = [] {
    nlohmann::json annotations = nlohmann::json::array();
    for (const annotations::KeyInfo& k : annotations::SupportedKeys()) {
      annotations.push_back({{"key", "nginx.ingress.kubernetes.io/" + std::string(k.key)},
                             {"default", k.default_value},
                             {"description", k.description}});
    }
    nlohmann::json gateway = nlohmann::json::array();
    for (const route::GatewayConfigKey& k : route::GatewayConfigKeys()) {
      gateway.push_back({{"key", k.key},
                         {"default", k.default_value},
                         {"description", k.description},
                         {"example", k.example}});
    }
    return nlohmann::json{{"annotations", annotations}, {"gatewayConfig", gateway}}.dump();
  }();
  return document;
}

Response Plain(int status, std::string_view text) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.owned = std::string(text) + "\n";
  r.body = r.owned;
  r.headers.emplace_back("Cache-Control", "no-store");
  AddSecurityHeaders(r, {});
  return r;
}

}  // namespace

std::optional<Response> Serve(const Request& request) {
  bool read = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/") {
    if (!read || !Contains(request.accept, "text/html")) return std::nullopt;
    return Page();
  }
  if (!request.path.starts_with(kPrefix)) return std::nullopt;
  if (!read) {
    Response r = Plain(405, "method not allowed");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view name = request.path.substr(kPrefix.size());
  if (name == "keys.json") {
    Response r;
    r.content_type = "application/json";
    r.body = KeysDocument();
    r.headers.emplace_back("Cache-Control", "no-cache");
    AddSecurityHeaders(r, {});
    return r;
  }
  // The shell is only served at "/" (with its nonce); its raw template is not an asset.
  const Asset* asset = name == "index.html" ? nullptr : Find(name);
  if (asset == nullptr) return Plain(404, "not found");
  Response r;
  r.content_type = asset->content_type;
  r.headers.emplace_back("ETag", std::string(asset->etag));
  r.headers.emplace_back("Cache-Control", IsHashedName(name) ? "public, max-age=31536000, immutable"
                                                             : "no-cache");
  if (!asset->gzip.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  AddSecurityHeaders(r, {});
  if (EtagMatches(request.if_none_match, asset->etag)) {
    r.status = 304;
    r.content_type = {};
    return r;
  }
  if (!asset->gzip.empty() && AcceptsGzip(request.accept_encoding)) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = asset->gzip;
  } else {
    r.body = asset->raw;
  }
  return r;
}

}  // namespace waygate::console
