#include "route/settings.h"

#include <cstdint>
#include <limits>
#include <string>

#include "annotations/values.h"
#include "tls/policy.h"

namespace waygate::route {
namespace {

using annotations::ParseUint32;
using annotations::Quoted;

constexpr std::string_view kAnnotationPrefix = "nginx.ingress.kubernetes.io/";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads the leading decimal digits of `text` into `out`; false on no digits or overflow.
bool ReadNumber(std::string_view& text, uint64_t& out) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && IsDigit(text[i])) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return false;
  text.remove_prefix(i);
  out = value;
  return true;
}

bool MulOverflows(uint64_t a, uint64_t b) {
  return b != 0 && a > std::numeric_limits<uint64_t>::max() / b;
}

Error Invalid(std::string message) { return MakeError(ErrorCode::kInvalid, std::move(message)); }

// Re-labels a parser error with the field it came from.
Error AtField(Error error, std::string_view key_field) {
  error.field = std::string(key_field);
  return error;
}

// "$remote_addr", "$request_uri" or "$http_<name>": one nginx variable, nothing else.
Result<HashBy> ParseHashBy(std::string_view text) {
  HashBy hash;
  if (text == "$remote_addr" || text == "$binary_remote_addr") {
    hash.kind = HashBy::Kind::kRemoteAddr;
    return hash;
  }
  if (text == "$request_uri") {
    hash.kind = HashBy::Kind::kRequestUri;
    return hash;
  }
  constexpr std::string_view kHttp = "$http_";
  if (text.size() > kHttp.size() && text.substr(0, kHttp.size()) == kHttp) {
    std::string header;
    for (char c : text.substr(kHttp.size())) {
      if (c == '_') {
        header.push_back('-');
      } else if ((c >= 'a' && c <= 'z') || IsDigit(c)) {
        header.push_back(c);
      } else if (c >= 'A' && c <= 'Z') {
        header.push_back(static_cast<char>(c - 'A' + 'a'));
      } else {
        return Invalid("unsupported hash expression " + Quoted(text) +
                       ": use $remote_addr, $request_uri or one $http_<name> variable");
      }
    }
    hash.kind = HashBy::Kind::kHeader;
    hash.header = std::move(header);
    return hash;
  }
  return Invalid("unsupported hash expression " + Quoted(text) +
                 ": use $remote_addr, $request_uri or one $http_<name> variable");
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  std::string_view rest = text;
  uint64_t value = 0;
  if (!ReadNumber(rest, value)) {
    return Invalid("invalid size " + Quoted(text) + ": want digits with an optional k, m or g");
  }
  uint64_t scale = 1;
  if (!rest.empty()) {
    switch (rest[0]) {
      case 'k':
      case 'K':
        scale = uint64_t{1} << 10;
        break;
      case 'm':
      case 'M':
        scale = uint64_t{1} << 20;
        break;
      case 'g':
      case 'G':
        scale = uint64_t{1} << 30;
        break;
      default:
        return Invalid("invalid size " + Quoted(text) + ": want digits with an optional k, m or g");
    }
    rest.remove_prefix(1);
  }
  if (!rest.empty()) {
    return Invalid("invalid size " + Quoted(text) + ": want digits with an optional k, m or g");
  }
  if (MulOverflows(value, scale)) return Invalid("size " + Quoted(text) + " is too large");
  return value * scale;
}

Result<uint32_t> ParseSeconds(std::string_view text) {
  auto usage = [text] {
    return "invalid duration " + Quoted(text) +
           ": want seconds (\"5\") or nginx time units (\"500ms\", \"5s\", \"1m\", \"1h\", "
           "\"1d\")";
  };
  std::string_view rest = text;
  uint64_t total_ms = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  bool first = true;
  while (first || !rest.empty()) {
    const bool only_term = first;
    first = false;
    uint64_t value = 0;
    if (!ReadNumber(rest, value)) return Invalid(usage());
    uint64_t unit_ms = 1000;  // a bare number is seconds, as nginx reads it
    if (rest.empty()) {
      if (!only_term) return Invalid(usage());  // "1m30": units are required once one is used
    } else if (rest.substr(0, 2) == "ms") {
      unit_ms = 1;
      rest.remove_prefix(2);
    } else {
      switch (rest[0]) {
        case 's':
          unit_ms = 1000;
          break;
        case 'm':
          unit_ms = 60 * 1000;
          break;
        case 'h':
          unit_ms = 60 * 60 * 1000;
          break;
        case 'd':
          unit_ms = 24 * 60 * 60 * 1000;
          break;
        default:
          return Invalid(usage());
      }
      rest.remove_prefix(1);
    }
    if (MulOverflows(value, unit_ms) || value * unit_ms > kMax - total_ms) {
      return Invalid("duration " + Quoted(text) + " is too long");
    }
    total_ms += value * unit_ms;
  }
  return static_cast<uint32_t>(total_ms);
}

Status ApplyGatewaySetting(std::string_view key, std::string_view value,
                           GatewaySettings& settings) {
  const std::string field = "spec.controller.config." + std::string(key);
  auto seconds = [&](uint32_t& out) -> Status {
    auto parsed = ParseSeconds(value);
    if (!parsed) return AtField(parsed.error(), field);
    out = *parsed;
    return OkStatus();
  };
  auto count = [&](uint32_t& out) -> Status {
    auto parsed = ParseUint32(value);
    if (!parsed) return AtField(parsed.error(), field);
    out = *parsed;
    return OkStatus();
  };
  if (key == "proxy-body-size") {
    auto parsed = ParseSize(value);
    if (!parsed) return AtField(parsed.error(), field);
    settings.proxy_body_size = *parsed;
    return OkStatus();
  }
  if (key == "use-forwarded-headers") {
    auto parsed = ParseBool(value);
    if (!parsed) return AtField(parsed.error(), field);
    settings.use_forwarded_headers = *parsed;
    return OkStatus();
  }
  if (key == "proxy-connect-timeout") return seconds(settings.proxy_connect_timeout_ms);
  if (key == "proxy-read-timeout") return seconds(settings.proxy_read_timeout_ms);
  if (key == "proxy-send-timeout") return seconds(settings.proxy_send_timeout_ms);
  if (key == "keep-alive") return seconds(settings.keep_alive_timeout_ms);
  if (key == "keep-alive-requests") return count(settings.keep_alive_requests);
  if (key == "upstream-keepalive-connections") {
    return count(settings.upstream_keepalive_connections);
  }
  if (key == "upstream-keepalive-timeout") return seconds(settings.upstream_keepalive_timeout_ms);
  if (key == "upstream-keepalive-requests") return count(settings.upstream_keepalive_requests);
  if (key == "client-header-timeout") return seconds(settings.client_header_timeout_ms);
  if (key == "client-body-timeout") return seconds(settings.client_body_timeout_ms);
  if (key == "proxy-next-upstream-tries") return count(settings.proxy_next_upstream_tries);
  auto boolean = [&](bool& out) -> Status {
    auto parsed = ParseBool(value);
    if (!parsed) return AtField(parsed.error(), field);
    out = *parsed;
    return OkStatus();
  };
  if (key == "ssl-redirect") return boolean(settings.ssl_redirect);
  if (key == "hsts") return boolean(settings.hsts);
  if (key == "hsts-include-subdomains") return boolean(settings.hsts_include_subdomains);
  if (key == "hsts-preload") return boolean(settings.hsts_preload);
  if (key == "hsts-max-age") return count(settings.hsts_max_age);
  if (key == "http-redirect-code") {
    auto parsed = ParseUint32(value);
    if (!parsed) return AtField(parsed.error(), field);
    if (*parsed != 301 && *parsed != 302 && *parsed != 307 && *parsed != 308) {
      return MakeError(ErrorCode::kInvalid,
                       "must be one of 301, 302, 307 or 308, got " + Quoted(value), field);
    }
    settings.http_redirect_code = static_cast<uint16_t>(*parsed);
    return OkStatus();
  }
  if (key == "ssl-protocols") {
    auto parsed = tls::ParseSslProtocols(value);
    if (!parsed) {
      // kUnsupported means "unknown key" to our callers; an SSLv3 request is a bad value.
      Error error = parsed.error();
      error.code = ErrorCode::kInvalid;
      return AtField(error, field);
    }
    settings.ssl_protocols = std::string(value);
    return OkStatus();
  }
  if (key == "ssl-ciphers") {
    auto parsed = tls::CipherList::Parse(value);
    if (!parsed) return AtField(parsed.error(), field);
    settings.ssl_ciphers = std::string(value);
    return OkStatus();
  }
  return MakeError(ErrorCode::kUnsupported, "unknown setting, ignored", field);
}

Result<GatewaySettings> ParseGatewaySettings(const model::StringMap& config,
                                             std::vector<Error>* warnings) {
  GatewaySettings settings;
  for (const auto& [key, value] : config) {
    Status applied = ApplyGatewaySetting(key, value, settings);
    if (applied) continue;
    if (applied.error().code != ErrorCode::kUnsupported) return applied.error();
    if (warnings != nullptr) warnings->push_back(applied.error());
  }
  return settings;
}

RouteSettings DefaultRouteSettings(const GatewaySettings& gateway) {
  RouteSettings settings;
  settings.proxy_body_size = gateway.proxy_body_size;
  settings.connect_timeout_ms = gateway.proxy_connect_timeout_ms;
  settings.read_timeout_ms = gateway.proxy_read_timeout_ms;
  settings.send_timeout_ms = gateway.proxy_send_timeout_ms;
  settings.next_upstream_tries = gateway.proxy_next_upstream_tries;
  settings.ssl_redirect = gateway.ssl_redirect;
  return settings;
}

Result<RouteSettings> ParseRouteAnnotations(const model::StringMap& annotations,
                                            const RouteSettings& defaults) {
  RouteSettings settings = defaults;
  bool hash_set = false;
  // std::map is ordered, so the nginx.ingress.kubernetes.io/ keys form one contiguous range.
  for (auto it = annotations.lower_bound(std::string(kAnnotationPrefix)); it != annotations.end();
       ++it) {
    std::string_view full = it->first;
    if (full.substr(0, kAnnotationPrefix.size()) != kAnnotationPrefix) break;
    std::string_view key = full.substr(kAnnotationPrefix.size());
    std::string_view value = it->second;
    const std::string field = "metadata.annotations[" + it->first + "]";
    auto fail = [&](const Error& error) { return AtField(error, field); };

    if (key == "load-balance") {
      if (value == "round_robin") {
        settings.load_balance = LoadBalance::kRoundRobin;
      } else if (value == "ewma" || value == "least_conn") {
        settings.load_balance = LoadBalance::kLeastRequest;
      } else {
        return fail(Invalid("unsupported load-balance " + Quoted(value) +
                            ": want round_robin, ewma or least_conn"));
      }
    } else if (key == "upstream-hash-by") {
      auto parsed = ParseHashBy(value);
      if (!parsed) return fail(parsed.error());
      settings.hash_by = std::move(*parsed);
      hash_set = true;
    } else if (key == "proxy-body-size") {
      auto parsed = ParseSize(value);
      if (!parsed) return fail(parsed.error());
      settings.proxy_body_size = *parsed;
    } else if (key == "proxy-connect-timeout") {
      auto parsed = ParseSeconds(value);
      if (!parsed) return fail(parsed.error());
      settings.connect_timeout_ms = *parsed;
    } else if (key == "proxy-read-timeout") {
      auto parsed = ParseSeconds(value);
      if (!parsed) return fail(parsed.error());
      settings.read_timeout_ms = *parsed;
    } else if (key == "proxy-send-timeout") {
      auto parsed = ParseSeconds(value);
      if (!parsed) return fail(parsed.error());
      settings.send_timeout_ms = *parsed;
    } else if (key == "proxy-next-upstream-tries") {
      auto parsed = ParseUint32(value);
      if (!parsed) return fail(parsed.error());
      settings.next_upstream_tries = *parsed;
    } else if (key == "backend-protocol") {
      // ingress-nginx upper-cases the value before comparing.
      std::string upper(value);
      for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
      if (upper == "HTTP" || upper == "AUTO_HTTP") {
        settings.backend_protocol = BackendProtocol::kHttp;
      } else if (upper == "GRPC") {
        settings.backend_protocol = BackendProtocol::kGrpc;
      } else if (upper == "HTTPS" || upper == "GRPCS" || upper == "FCGI") {
        return fail(MakeError(ErrorCode::kUnsupported,
                              "backend-protocol " + Quoted(value) +
                                  " is not supported yet (HTTP, AUTO_HTTP and GRPC are)"));
      } else {
        return fail(Invalid("unknown backend-protocol " + Quoted(value) +
                            ": want HTTP, HTTPS, GRPC, GRPCS, AUTO_HTTP or FCGI"));
      }
    } else if (key == "ssl-redirect" || key == "force-ssl-redirect") {
      auto parsed = ParseBool(value);
      if (!parsed) return fail(parsed.error());
      (key == "ssl-redirect" ? settings.ssl_redirect : settings.force_ssl_redirect) = *parsed;
    }
    // Other nginx.ingress.kubernetes.io/ keys belong to the annotations module.
  }
  // ingress-nginx: upstream-hash-by overrides load-balance, whatever order they come in.
  if (hash_set) settings.load_balance = LoadBalance::kConsistentHash;
  return settings;
}

}  // namespace waygate::route
