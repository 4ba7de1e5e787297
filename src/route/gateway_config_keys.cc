#include "route/gateway_config_keys.h"

namespace waygate::route {

const std::vector<GatewayConfigKey>& GatewayConfigKeys() {
  static const std::vector<GatewayConfigKey> keys = {
      {"proxy-body-size", "1m", "Largest request body accepted (0 = unlimited); larger gets 413.",
       "8m"},
      {"proxy-connect-timeout", "5", "Seconds to wait for a connection to a backend.", "10"},
      {"proxy-read-timeout", "60", "Seconds between two reads from a backend before 504.", "120"},
      {"proxy-send-timeout", "60", "Seconds between two writes to a backend.", "120"},
      {"proxy-next-upstream-tries", "3", "How many backends a failed request may try.", "2"},
      {"use-forwarded-headers", "false",
       "Trust X-Forwarded-* from clients (only behind another proxy).", "true"},
      {"keep-alive", "75", "Seconds an idle client connection stays open (0 disables).", "30"},
      {"keep-alive-requests", "1000", "Requests per client connection before it is closed.",
       "500"},
      {"upstream-keepalive-connections", "320",
       "Idle backend connections kept per worker for reuse.", "64"},
      {"upstream-keepalive-timeout", "60", "Seconds an idle backend connection is kept.", "30"},
      {"upstream-keepalive-requests", "10000", "Requests per backend connection.", "1000"},
      {"client-header-timeout", "60", "Seconds to receive a request's headers.", "30"},
      {"client-body-timeout", "60", "Seconds between two reads of a request body.", "30"},
      {"ssl-redirect", "true", "Redirect http to https for hosts that have TLS.", "false"},
      {"http-redirect-code", "308", "Status of that redirect: 301, 302, 307 or 308.", "301"},
      {"hsts", "true", "Send Strict-Transport-Security on https answers.", "false"},
      {"hsts-max-age", "31536000", "HSTS max-age in seconds.", "86400"},
      {"hsts-include-subdomains", "true", "HSTS includeSubDomains.", "false"},
      {"hsts-preload", "false", "HSTS preload.", "true"},
      {"ssl-protocols", "TLSv1.2 TLSv1.3", "TLS versions offered.", "TLSv1.3"},
      {"ssl-ciphers", "", "OpenSSL cipher list for TLS 1.2 (empty: Mozilla intermediate).",
       "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"},
  };
  return keys;
}

}  // namespace waygate::route
