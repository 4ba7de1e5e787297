#include "route/settings.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "route/gateway_config_keys.h"

namespace waygate::route {
namespace {

TEST(ParseSize, AcceptsNginxSizes) {
  EXPECT_EQ(ParseSize("0").value(), 0u);
  EXPECT_EQ(ParseSize("512").value(), 512u);
  EXPECT_EQ(ParseSize("8k").value(), 8u * 1024);
  EXPECT_EQ(ParseSize("8K").value(), 8u * 1024);
  EXPECT_EQ(ParseSize("1m").value(), 1024u * 1024);
  EXPECT_EQ(ParseSize("1M").value(), 1024u * 1024);
  EXPECT_EQ(ParseSize("2g").value(), 2ull << 30);
  EXPECT_EQ(ParseSize("2G").value(), 2ull << 30);
}

TEST(ParseSize, RejectsGarbage) {
  for (const char* bad : {"", "-1", "1x", "1mb", "m", " 1m", "1m ", "1.5m", "+1",
                          "99999999999999999999", "17179869184g"}) {
    auto parsed = ParseSize(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid) << bad;
    }
  }
}

TEST(ParseSeconds, AcceptsSecondsAndNginxUnits) {
  EXPECT_EQ(ParseSeconds("0").value(), 0u);
  EXPECT_EQ(ParseSeconds("5").value(), 5000u);
  EXPECT_EQ(ParseSeconds("5s").value(), 5000u);
  EXPECT_EQ(ParseSeconds("500ms").value(), 500u);
  EXPECT_EQ(ParseSeconds("1m").value(), 60000u);
  EXPECT_EQ(ParseSeconds("1h").value(), 3600000u);
  EXPECT_EQ(ParseSeconds("1d").value(), 86400000u);
  EXPECT_EQ(ParseSeconds("1m30s").value(), 90000u);
}

TEST(ParseSeconds, RejectsGarbageAndOverflow) {
  for (const char* bad :
       {"", "-5", "5x", "s", "5 s", "1.5", "5sec", "1m30", "50d", "99999999999999999999"}) {
    EXPECT_FALSE(ParseSeconds(bad).ok()) << bad;
  }
}

TEST(ParseBool, AcceptsGoParseBoolSpellings) {
  for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    ASSERT_TRUE(ParseBool(yes).ok()) << yes;
    EXPECT_TRUE(ParseBool(yes).value()) << yes;
  }
  for (const char* no : {"0", "f", "F", "FALSE", "false", "False"}) {
    ASSERT_TRUE(ParseBool(no).ok()) << no;
    EXPECT_FALSE(ParseBool(no).value()) << no;
  }
  for (const char* bad : {"", "yes", "tRUE", "2", "on"}) EXPECT_FALSE(ParseBool(bad).ok()) << bad;
}

TEST(ParseUint32, AcceptsUint32Only) {
  EXPECT_EQ(annotations::ParseUint32("0").value(), 0u);
  EXPECT_EQ(annotations::ParseUint32("4294967295").value(), 4294967295u);
  for (const char* bad : {"", "-1", "4294967296", "1k", "1 "}) {
    EXPECT_FALSE(annotations::ParseUint32(bad).ok()) << bad;
  }
}

TEST(ParseGatewaySettings, DefaultsMatchIngressNginx) {
  auto parsed = ParseGatewaySettings({}, nullptr);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->proxy_body_size, 1024u * 1024);
  EXPECT_EQ(parsed->proxy_connect_timeout_ms, 5000u);
  EXPECT_EQ(parsed->proxy_read_timeout_ms, 60000u);
  EXPECT_EQ(parsed->keep_alive_timeout_ms, 75000u);
  EXPECT_EQ(parsed->proxy_next_upstream_tries, 3u);
  EXPECT_FALSE(parsed->use_forwarded_headers);
}

TEST(ParseGatewaySettings, ParsesEveryKey) {
  std::vector<Error> warnings;
  auto parsed = ParseGatewaySettings(
      {
          {"proxy-body-size", "8m"},
          {"proxy-connect-timeout", "3"},
          {"proxy-read-timeout", "120s"},
          {"proxy-send-timeout", "2m"},
          {"use-forwarded-headers", "true"},
          {"keep-alive", "0"},
          {"keep-alive-requests", "50"},
          {"upstream-keepalive-connections", "16"},
          {"upstream-keepalive-timeout", "30"},
          {"upstream-keepalive-requests", "77"},
          {"client-header-timeout", "10"},
          {"client-body-timeout", "11"},
          {"proxy-next-upstream-tries", "5"},
      },
      &warnings);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(warnings.empty());
  const GatewaySettings& s = *parsed;
  EXPECT_EQ(s.proxy_body_size, 8u << 20);
  EXPECT_EQ(s.proxy_connect_timeout_ms, 3000u);
  EXPECT_EQ(s.proxy_read_timeout_ms, 120000u);
  EXPECT_EQ(s.proxy_send_timeout_ms, 120000u);
  EXPECT_TRUE(s.use_forwarded_headers);
  EXPECT_EQ(s.keep_alive_timeout_ms, 0u);
  EXPECT_EQ(s.keep_alive_requests, 50u);
  EXPECT_EQ(s.upstream_keepalive_connections, 16u);
  EXPECT_EQ(s.upstream_keepalive_timeout_ms, 30000u);
  EXPECT_EQ(s.upstream_keepalive_requests, 77u);
  EXPECT_EQ(s.client_header_timeout_ms, 10000u);
  EXPECT_EQ(s.client_body_timeout_ms, 11000u);
  EXPECT_EQ(s.proxy_next_upstream_tries, 5u);
}

TEST(ParseGatewaySettings, UnknownKeyIsAWarning) {
  std::vector<Error> warnings;
  auto parsed = ParseGatewaySettings({{"proxy-bdy-size", "8m"}}, &warnings);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].field, "spec.controller.config.proxy-bdy-size");
  EXPECT_EQ(parsed->proxy_body_size, 1024u * 1024);
}

TEST(ParseGatewaySettings, InvalidValueFailsWithField) {
  auto parsed = ParseGatewaySettings({{"keep-alive", "forever"}}, nullptr);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(parsed.error().field, "spec.controller.config.keep-alive");
}

TEST(ApplyGatewaySetting, LeavesSettingsUntouchedOnError) {
  GatewaySettings settings;
  EXPECT_FALSE(ApplyGatewaySetting("proxy-body-size", "huge", settings).ok());
  EXPECT_EQ(settings.proxy_body_size, 1024u * 1024);
  Status unknown = ApplyGatewaySetting("nope", "1", settings);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnsupported);
}

TEST(DefaultRouteSettings, ComeFromTheGateway) {
  GatewaySettings gateway;
  gateway.proxy_body_size = 42;
  gateway.proxy_connect_timeout_ms = 1;
  gateway.proxy_read_timeout_ms = 2;
  gateway.proxy_send_timeout_ms = 3;
  gateway.proxy_next_upstream_tries = 4;
  RouteSettings route = DefaultRouteSettings(gateway);
  EXPECT_EQ(route.proxy_body_size, 42u);
  EXPECT_EQ(route.connect_timeout_ms, 1u);
  EXPECT_EQ(route.read_timeout_ms, 2u);
  EXPECT_EQ(route.send_timeout_ms, 3u);
  EXPECT_EQ(route.next_upstream_tries, 4u);
  EXPECT_EQ(route.load_balance, LoadBalance::kRoundRobin);
}

constexpr const char* kPrefix = "nginx.ingress.kubernetes.io/";

model::StringMap Annotation(const std::string& key, const std::string& value) {
  return {{kPrefix + key, value}};
}

TEST(ParseRouteAnnotations, NoAnnotationsKeepDefaults) {
  RouteSettings defaults;
  defaults.read_timeout_ms = 1234;
  auto parsed = ParseRouteAnnotations(
      {{"unrelated", "x"}, {std::string(kPrefix) + "rewrite-target", "/"}}, defaults);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->read_timeout_ms, 1234u);
  EXPECT_EQ(parsed->load_balance, LoadBalance::kRoundRobin);
  EXPECT_EQ(parsed->hash_by.kind, HashBy::Kind::kNone);
}

TEST(ParseRouteAnnotations, LoadBalance) {
  EXPECT_EQ(ParseRouteAnnotations(Annotation("load-balance", "round_robin"), {})->load_balance,
            LoadBalance::kRoundRobin);
  EXPECT_EQ(ParseRouteAnnotations(Annotation("load-balance", "ewma"), {})->load_balance,
            LoadBalance::kLeastRequest);
  EXPECT_EQ(ParseRouteAnnotations(Annotation("load-balance", "least_conn"), {})->load_balance,
            LoadBalance::kLeastRequest);
  auto bad = ParseRouteAnnotations(Annotation("load-balance", "random"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "metadata.annotations[nginx.ingress.kubernetes.io/load-balance]");
}

TEST(ParseRouteAnnotations, UpstreamHashBySelectsConsistentHash) {
  auto remote = ParseRouteAnnotations(Annotation("upstream-hash-by", "$remote_addr"), {});
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(remote->load_balance, LoadBalance::kConsistentHash);
  EXPECT_EQ(remote->hash_by.kind, HashBy::Kind::kRemoteAddr);

  auto uri = ParseRouteAnnotations(Annotation("upstream-hash-by", "$request_uri"), {});
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->hash_by.kind, HashBy::Kind::kRequestUri);

  auto header = ParseRouteAnnotations(Annotation("upstream-hash-by", "$http_X_User_Id"), {});
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->hash_by.kind, HashBy::Kind::kHeader);
  EXPECT_EQ(header->hash_by.header, "x-user-id");

  // upstream-hash-by wins over load-balance, as in ingress-nginx.
  model::StringMap both = {{std::string(kPrefix) + "load-balance", "ewma"},
                           {std::string(kPrefix) + "upstream-hash-by", "$request_uri"}};
  EXPECT_EQ(ParseRouteAnnotations(both, {})->load_balance, LoadBalance::kConsistentHash);

  for (const char* bad : {"$remote_addr$request_uri", "$host", "$http_", "remote_addr",
                          "$http_x-user", "$request_uri "}) {
    auto parsed = ParseRouteAnnotations(Annotation("upstream-hash-by", bad), {});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().field,
              "metadata.annotations[nginx.ingress.kubernetes.io/upstream-hash-by]");
  }
}

TEST(ParseRouteAnnotations, SizesTimeoutsAndTries) {
  model::StringMap annotations = {{std::string(kPrefix) + "proxy-body-size", "10m"},
                                  {std::string(kPrefix) + "proxy-connect-timeout", "2"},
                                  {std::string(kPrefix) + "proxy-read-timeout", "300"},
                                  {std::string(kPrefix) + "proxy-send-timeout", "30s"},
                                  {std::string(kPrefix) + "proxy-next-upstream-tries", "1"}};
  auto parsed = ParseRouteAnnotations(annotations, {});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->proxy_body_size, 10u << 20);
  EXPECT_EQ(parsed->connect_timeout_ms, 2000u);
  EXPECT_EQ(parsed->read_timeout_ms, 300000u);
  EXPECT_EQ(parsed->send_timeout_ms, 30000u);
  EXPECT_EQ(parsed->next_upstream_tries, 1u);

  for (const char* key : {"proxy-body-size", "proxy-connect-timeout", "proxy-read-timeout",
                          "proxy-send-timeout", "proxy-next-upstream-tries"}) {
    auto bad = ParseRouteAnnotations(Annotation(key, "-1"), {});
    ASSERT_FALSE(bad.ok()) << key;
    EXPECT_EQ(bad.error().field, std::string("metadata.annotations[") + kPrefix + key + "]");
  }
}

}  // namespace
}  // namespace waygate::route

// The console offers GatewayConfigKeys() to project admins: each key must be one the parser
// takes, its stated default must be the parser's default, and its example must be a valid value
// that changes something.
namespace waygate::route {
namespace {

TEST(GatewayConfigKeysTest, EveryListedKeyParsesItsDefaultAndExample) {
  std::set<std::string_view> seen;
  for (const GatewayConfigKey& entry : GatewayConfigKeys()) {
    EXPECT_TRUE(seen.insert(entry.key).second) << "listed twice: " << entry.key;
    EXPECT_FALSE(entry.description.empty()) << entry.key;
    if (!entry.default_value.empty()) {
      GatewaySettings settings;
      Status applied = ApplyGatewaySetting(entry.key, entry.default_value, settings);
      ASSERT_TRUE(applied.ok()) << entry.key << ": " << applied.error().message;
      EXPECT_TRUE(settings == GatewaySettings{})
          << entry.key << ": \"" << entry.default_value << "\" is not the parser's default";
    }
    GatewaySettings changed;
    Status applied = ApplyGatewaySetting(entry.key, entry.example, changed);
    ASSERT_TRUE(applied.ok()) << entry.key << ": " << applied.error().message;
    EXPECT_FALSE(changed == GatewaySettings{}) << entry.key << ": the example changes nothing";
  }
  EXPECT_EQ(seen.size(), 21u);
}

TEST(GatewayConfigKeysTest, AKeyNotListedIsUnknownToTheParser) {
  GatewaySettings settings;
  Status applied = ApplyGatewaySetting("proxy-buffer-size", "8k", settings);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace waygate::route
