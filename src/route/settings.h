// Typed settings: gateway-wide ones from Gateway spec.controller.config (ingress-nginx ConfigMap
// names) and per-route ones from Ingress annotations. Every value is parsed and validated here;
// nothing is ever rendered into configuration text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "annotations/values.h"
#include "base/result.h"
#include "model/objects.h"

namespace waygate::route {

// Gateway-wide settings (ingress-nginx ConfigMap keys and defaults).
struct GatewaySettings {
  uint64_t proxy_body_size = 1024 * 1024;          // "proxy-body-size": "1m"; 0 = unlimited
  uint32_t proxy_connect_timeout_ms = 5000;        // "proxy-connect-timeout": seconds
  uint32_t proxy_read_timeout_ms = 60000;          // "proxy-read-timeout"
  uint32_t proxy_send_timeout_ms = 60000;          // "proxy-send-timeout"
  bool use_forwarded_headers = false;              // "use-forwarded-headers"
  uint32_t keep_alive_timeout_ms = 75000;          // "keep-alive": seconds; 0 disables keep-alive
  uint32_t keep_alive_requests = 1000;             // "keep-alive-requests"
  uint32_t upstream_keepalive_connections = 320;   // "upstream-keepalive-connections" (per worker)
  uint32_t upstream_keepalive_timeout_ms = 60000;  // "upstream-keepalive-timeout": seconds
  uint32_t upstream_keepalive_requests = 10000;    // "upstream-keepalive-requests"
  uint32_t client_header_timeout_ms = 60000;       // "client-header-timeout"
  uint32_t client_body_timeout_ms = 60000;         // "client-body-timeout"
  uint32_t proxy_next_upstream_tries = 3;          // "proxy-next-upstream-tries"
  // TLS (issue 5). Versions and ciphers are kept as the validated text the tls module parsed:
  // the data plane builds its TlsPolicy from them (tls::ParseSslProtocols, CipherList::Parse).
  std::string ssl_protocols = "TLSv1.2 TLSv1.3";  // "ssl-protocols"
  std::string ssl_ciphers;                         // "ssl-ciphers"; empty: Mozilla intermediate
  bool ssl_redirect = true;                        // "ssl-redirect": the per-Ingress default
  uint16_t http_redirect_code = 308;               // "http-redirect-code": 301, 302, 307 or 308
  bool hsts = true;                                // "hsts"
  uint32_t hsts_max_age = 31536000;                // "hsts-max-age" (seconds)
  bool hsts_include_subdomains = true;             // "hsts-include-subdomains"
  bool hsts_preload = false;                       // "hsts-preload"

  bool operator==(const GatewaySettings&) const = default;
};

// Parses a whole config map; unknown keys are reported (so typos are visible) but do not fail.
// A key with an invalid value fails with field "spec.controller.config.<key>".
Result<GatewaySettings> ParseGatewaySettings(const model::StringMap& config,
                                             std::vector<Error>* warnings);

// Applies one config key to `settings`, leaving it untouched on error. Unknown key: kUnsupported;
// invalid value: kInvalid; both with field "spec.controller.config.<key>". Route compilation
// uses it key by key so one bad value keeps only that key at its default.
Status ApplyGatewaySetting(std::string_view key, std::string_view value, GatewaySettings& settings);

enum class LoadBalance : uint8_t {
  kRoundRobin,     // "round_robin" (default)
  kLeastRequest,   // "least_conn" / "ewma": power of two choices on in-flight requests
  kConsistentHash  // chosen by upstream-hash-by
};

struct HashBy {
  enum class Kind : uint8_t { kNone, kRemoteAddr, kRequestUri, kHeader } kind = Kind::kNone;
  std::string header;  // kHeader: lower-case header name ("$http_x_user" -> "x-user")
};

// "backend-protocol": how the gateway talks to the Service. HTTP/1.1 (HTTP, AUTO_HTTP) or
// cleartext HTTP/2 (GRPC: gRPC needs HTTP/2 end to end, with trailers). HTTPS, GRPCS and FCGI
// are refused for now (the Ingress is skipped with a diagnostic), never silently downgraded.
enum class BackendProtocol : uint8_t { kHttp, kGrpc };

// Per-route settings, from the Ingress's annotations layered on the gateway defaults.
struct RouteSettings {
  BackendProtocol backend_protocol = BackendProtocol::kHttp;
  LoadBalance load_balance = LoadBalance::kRoundRobin;
  HashBy hash_by;
  uint64_t proxy_body_size = 1024 * 1024;
  uint32_t connect_timeout_ms = 5000;
  uint32_t read_timeout_ms = 60000;
  uint32_t send_timeout_ms = 60000;
  uint32_t next_upstream_tries = 3;  // 0: no limit other than the number of endpoints
  // A plain-HTTP request is redirected to https when the route's host has TLS (ssl_redirect) or
  // always (force_ssl_redirect), with the gateway's http-redirect-code.
  bool ssl_redirect = true;         // "ssl-redirect", default from the gateway config
  bool force_ssl_redirect = false;  // "force-ssl-redirect"
  // Set by the compiler, not by annotations: some served Ingress lists this route's host in its
  // spec.tls (as ingress-nginx decides per server, whichever Ingress names the certificate).
  bool host_has_tls = false;
};

// The per-route defaults a gateway's config implies (body size, timeouts, next-upstream tries).
RouteSettings DefaultRouteSettings(const GatewaySettings& gateway);

// Size syntax of nginx: "0", "512", "8k", "8K", "1m", "1M", "1g" -> bytes.
Result<uint64_t> ParseSize(std::string_view text);
// Seconds as ingress-nginx annotations write them ("5", also "5s") -> milliseconds. nginx time
// units are accepted too: "500ms", "1m", "1h", "1d", and sums such as "1m30s".
Result<uint32_t> ParseSeconds(std::string_view text);
// strconv.ParseBool, as ingress-nginx reads booleans (one definition, in the annotations module).
using annotations::ParseBool;

// Applies the annotations this module understands (prefix nginx.ingress.kubernetes.io/) to
// `defaults`. An invalid value is an error with field "metadata.annotations[<key>]"; the caller
// decides (the Ingress is then skipped with a diagnostic, never half-applied).
Result<RouteSettings> ParseRouteAnnotations(const model::StringMap& annotations,
                                            const RouteSettings& defaults);

}  // namespace waygate::route
