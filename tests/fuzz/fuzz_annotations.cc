// libFuzzer target for the annotation parsers (src/annotations). Input: text, one annotation
// per line, "key=value":
//   - "rewrite-target=/$1"  -> nginx.ingress.kubernetes.io/rewrite-target
//   - "#7=..."              -> the 7th (mod count) key of SupportedKeys(), so every key is reached
//   - "/kubesphere.io/x=.." -> the key as written (other prefixes)
//   - "@ns" (a line alone)  -> the Ingress namespace (default "shop")
// In values "\n", "\r", "\t", "\0" and "\\" are escapes, so line breaks and NULs reach the
// parsers. Besides "no crash, no sanitizer report", it checks the module's contracts:
// ParseAnnotations succeeds exactly when ValidateAnnotations reports nothing and fails with the
// first of its errors; every error names its annotation; an accepted map yields a Policy whose
// values are all valid (nothing invalid is ever accepted); both are deterministic. Then the same
// map goes, on an Ingress, through the route compiler (route::RouteCompiler): it must serve the
// Ingress exactly when every value parses (these parsers and route::ParseRouteAnnotations), with
// a Policy exactly when a key of this module was present, and skip it with a diagnostic naming
// an annotation otherwise.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "annotations/parse.h"
#include "route/compiler.h"
#include "route/route_table.h"
#include "route/settings.h"

namespace {

using namespace waygate;
using namespace waygate::annotations;

void Check(bool ok, const char* what, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_annotations: contract violated: %s%s%s\n", what,
               detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    switch (text[++i]) {
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '0':
        out.push_back('\0');
        break;
      default:
        out.push_back(text[i]);
    }
  }
  return out;
}

bool Clean(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool FieldNamesAnAnnotation(const Error& error, const model::StringMap& map) {
  constexpr std::string_view kOpen = "metadata.annotations[";
  if (error.field.rfind(kOpen, 0) != 0 || error.field.back() != ']') return false;
  std::string key = error.field.substr(kOpen.size(), error.field.size() - kOpen.size() - 1);
  // Cross-key rules may name a key that is absent (auth-type basic without auth-secret).
  return key.rfind(kPrefix, 0) == 0 && (map.count(key) || key.size() > kPrefix.size());
}

// Every value of an accepted Policy is one the parsers allow.
void CheckPolicy(const Policy& p, std::string_view ns) {
  Check(Clean(p.paths.app_root) && Clean(p.paths.x_forwarded_prefix) &&
            Clean(p.paths.upstream_vhost) && Clean(p.redirect.url) && Clean(p.auth.realm) &&
            Clean(p.cors.allow_methods) && Clean(p.cors.allow_headers) &&
            Clean(p.cors.expose_headers) && Clean(p.affinity.name) && Clean(p.affinity.path) &&
            Clean(p.affinity.domain) && Clean(p.canary.by_header_value),
        "control character in an accepted value");
  if (p.paths.rewrite_target) {
    Check(!p.paths.rewrite_target->empty() &&
              (p.paths.rewrite_target->front() == '/' || p.paths.rewrite_target->front() == '$'),
          "rewrite-target accepted without '/' or '$' first", *p.paths.rewrite_target);
    Check(p.paths.use_regex, "rewrite-target without use_regex");
  }
  Check(p.paths.app_root.empty() || p.paths.app_root.front() == '/', "app-root not a path");
  for (const std::string& alias : p.paths.server_alias) {
    Check(!alias.empty() && alias.find_first_of(" ,") == std::string::npos, "server-alias item",
          alias);
  }
  if (!p.redirect.url.empty()) {
    Check(p.redirect.code >= 300 && p.redirect.code <= 308, "redirect code out of range");
    std::string head = p.redirect.url.substr(0, 8);
    for (char& c : head) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    Check(head.rfind("http://", 0) == 0 || head == "https://", "redirect URL not absolute http",
          p.redirect.url);
  } else {
    Check(p.redirect.code == 0, "redirect code without URL");
  }
  Check(!p.affinity.name.empty() && p.affinity.name.find_first_of(" ;=,\"") == std::string::npos,
        "session-cookie-name not a token", p.affinity.name);
  if (p.auth.type == AuthPolicy::Type::kBasic) {
    Check(!p.auth.secret_name.empty(), "basic auth without a secret");
    Check(p.auth.secret_namespace == ns, "auth secret in another namespace");
  }
  Check(p.auth.realm.find('"') == std::string::npos, "quote in auth-realm");
  Check(p.canary.weight_total >= 1 && p.canary.weight <= p.canary.weight_total,
        "canary weight above total");
  if (!p.canary.enabled) {
    Check(p.canary.weight == 0 && p.canary.by_header.empty() && p.canary.by_cookie.empty() &&
              p.canary.by_header_value.empty() && !p.canary.by_header_pattern,
          "canary keys accepted without canary: true");
  }
  Check(std::is_sorted(p.errors.custom_http_errors.begin(), p.errors.custom_http_errors.end()),
        "custom-http-errors unsorted");
  for (uint16_t code : p.errors.custom_http_errors) {
    Check(code >= 400 && code <= 599, "custom-http-errors code out of range");
  }
  Check(p.cors.any_origin == p.cors.origins.empty(), "CORS origins and any_origin disagree");
  for (const std::string& origin : p.cors.origins) {
    Check(origin == "null" || origin.find("://") != std::string::npos, "CORS origin", origin);
  }
}

// One Ingress (host fuzz.example.com, path "/", Service web:80 with one endpoint) carrying the
// map, compiled from scratch.
void CheckCompiler(const model::StringMap& map, const std::string& ns,
                   const Result<Parsed>& parsed) {
  auto ingress = std::make_shared<model::Ingress>();
  ingress->meta.namespace_ = ns;
  ingress->meta.name = "fuzz";
  ingress->meta.annotations = map;
  ingress->ingress_class_name = "waygate";
  model::HTTPIngressPath path;
  path.path = "/";
  path.path_type = model::PathType::kPrefix;
  path.backend.service = model::IngressServiceBackend{"web", model::ServiceBackendPort{"", 80}};
  ingress->rules.push_back(model::IngressRule{"fuzz.example.com", {path}});
  auto service = std::make_shared<model::Service>();
  service->meta.namespace_ = ns;
  service->meta.name = "web";
  service->cluster_ip = "10.96.0.10";
  model::ServicePort port;
  port.port = 80;
  port.target_port.int_value = 8080;
  service->ports.push_back(port);
  auto endpoints = std::make_shared<model::Endpoints>();
  endpoints->meta.namespace_ = ns;
  endpoints->meta.name = "web";
  endpoints->subsets.push_back(
      model::EndpointSubset{{model::EndpointAddress{"10.0.0.1", "", ""}}, {}, {{"", 8080, "TCP"}}});

  route::RouteCompiler compiler(route::CompileOptions{});
  compiler.Upsert(std::shared_ptr<const model::Ingress>(ingress));
  compiler.Upsert(std::shared_ptr<const model::Service>(service));
  compiler.Upsert(std::shared_ptr<const model::Endpoints>(endpoints));
  std::vector<model::Diagnostic> diagnostics;
  std::shared_ptr<const route::RouteTable> table = compiler.Compile(diagnostics);
  Check(table != nullptr, "the first compile returned no table");
  const route::Route* served = table->Lookup("fuzz.example.com", "/");

  bool route_keys_ok = route::ParseRouteAnnotations(map, route::RouteSettings{}).ok();
  // A canary alone (no main Ingress for its host and path) serves nothing: 404, as ingress-nginx.
  bool lone_canary = parsed.ok() && parsed->policy.canary.enabled;
  bool should_serve = parsed.ok() && route_keys_ok && !lone_canary;
  Check((served != nullptr) == should_serve,
        should_serve ? "compiler skipped an Ingress whose annotations all parse"
                     : "compiler served an Ingress with an invalid annotation");
  if (served != nullptr) {
    Check((served->policy != nullptr) == parsed->any, "route policy present <=> a policy key set");
    return;
  }
  if (lone_canary) return;
  bool named = std::any_of(diagnostics.begin(), diagnostics.end(), [&](const auto& d) {
    return FieldNamesAnAnnotation(d.error, map);
  });
  Check(named, "skipped Ingress without a diagnostic naming an annotation");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<KeyInfo>& keys = SupportedKeys();
  model::StringMap map;
  std::string ns = "shop";
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.front() == '@') {
      ns = std::string(line.substr(1));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    std::string value = Unescape(line.substr(eq + 1));
    std::string full;
    if (!key.empty() && key.front() == '#') {
      size_t n = 0;
      for (char c : key.substr(1)) n = n * 10 + static_cast<size_t>(c & 0x0f);
      full = std::string(kPrefix) + std::string(keys[n % keys.size()].key);
    } else if (!key.empty() && key.front() == '/') {
      full = std::string(key.substr(1));
    } else {
      full = std::string(kPrefix) + std::string(key);
    }
    map[full] = std::move(value);
  }

  auto parsed = ParseAnnotations(map, ns);
  std::vector<Error> errors = ValidateAnnotations(map, ns);
  Check(parsed.ok() == errors.empty(), "ParseAnnotations ok <=> ValidateAnnotations empty");
  for (const Error& error : errors) {
    Check(error.code == ErrorCode::kInvalid, "validation error not kInvalid", error.ToString());
    Check(FieldNamesAnAnnotation(error, map), "error field", error.field);
    Check(!error.message.empty(), "error without a message", error.field);
  }
  CheckCompiler(map, ns, parsed);
  if (!parsed.ok()) {
    Check(parsed.error().field == errors.front().field &&
              parsed.error().message == errors.front().message,
          "ParseAnnotations error is not Validate's first", parsed.error().ToString());
    return 0;
  }
  for (const Error& warning : parsed->unsupported) {
    Check(warning.code == ErrorCode::kUnsupported, "unsupported entry code", warning.field);
    Check(FieldNamesAnAnnotation(warning, map), "unsupported field", warning.field);
    constexpr size_t kOpen = sizeof("metadata.annotations[") - 1;
    std::string key = warning.field.substr(kOpen, warning.field.size() - kOpen - 1);
    Check(!IsRefusedKey(key.substr(kPrefix.size())), "refused key reported as unsupported", key);
  }
  CheckPolicy(parsed->policy, ns);
  // Deterministic: a second parse of the same map agrees.
  auto again = ParseAnnotations(map, ns);
  Check(again.ok() && again->any == parsed->any &&
            again->unsupported.size() == parsed->unsupported.size(),
        "second parse differs");
  return 0;
}
