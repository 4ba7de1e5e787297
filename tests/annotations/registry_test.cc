// registry.cc: which keys are ours, refused, route-owned or unsupported; value hygiene; the
// Parse/Validate agreement; SupportedKeys and docs/annotations.md.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "helpers.h"

namespace waygate::annotations {
namespace {

using testing::Ann;
using testing::ExpectInvalid;
using testing::Field;
using testing::kNs;
using testing::MustFail;
using testing::MustParse;

TEST(Registry, NoAnnotationsMeansNoPolicy) {
  auto parsed = ParseAnnotations({}, kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->any);
  EXPECT_TRUE(parsed->unsupported.empty());
}

TEST(Registry, OtherPrefixesAreNeverLookedAt) {
  model::StringMap map = {{"kubesphere.io/alias-name", "shop"},
                          {"kubesphere.io/creator", "admin"},
                          {"nginx.org/rewrite-target", "junk\n"},
                          {"xnginx.ingress.kubernetes.io/foo", "bar"}};
  auto parsed = ParseAnnotations(map, kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->any);
  EXPECT_TRUE(parsed->unsupported.empty());
  EXPECT_TRUE(ValidateAnnotations(map, kNs).empty());
}

TEST(Registry, AnyIsSetByAKeyOfThisModule) {
  auto parsed = ParseAnnotations(Ann({{"enable-access-log", "true"}}), kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->any);
}

TEST(Registry, RouteKeysAreSupportedButLeftToTheRouteModule) {
  model::StringMap map = Ann({{"load-balance", "ewma"},
                              {"upstream-hash-by", "$request_uri"},
                              {"proxy-body-size", "not-a-size"},
                              {"proxy-connect-timeout", "5"},
                              {"proxy-read-timeout", "60"},
                              {"proxy-send-timeout", "60"},
                              {"proxy-next-upstream-tries", "3"},
                              {"ssl-redirect", "false"},
                              {"force-ssl-redirect", "true"},
                              {"backend-protocol", "GRPC"}});
  auto parsed = ParseAnnotations(map, kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->any);
  EXPECT_TRUE(parsed->unsupported.empty());
  EXPECT_TRUE(ValidateAnnotations(map, kNs).empty());
}

TEST(Registry, UnsupportedKeysAreReportedNotFailed) {
  auto parsed = ParseAnnotations(
      Ann({{"ssl-passthrough", "true"}, {"enable-cors", "true"}, {"mirror-target", "x"}}), kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->any);
  ASSERT_EQ(parsed->unsupported.size(), 2u);
  EXPECT_EQ(parsed->unsupported[0].code, ErrorCode::kUnsupported);
  EXPECT_EQ(parsed->unsupported[0].field, Field("mirror-target"));
  EXPECT_EQ(parsed->unsupported[0].message,
            "annotation nginx.ingress.kubernetes.io/mirror-target is not supported");
  EXPECT_EQ(parsed->unsupported[1].message,
            "annotation nginx.ingress.kubernetes.io/ssl-passthrough is not supported");
  // Only unsupported keys: no policy.
  parsed = ParseAnnotations(Ann({{"ssl-passthrough", "true"}}), kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->any);
  EXPECT_TRUE(ValidateAnnotations(Ann({{"ssl-passthrough", "true"}}), kNs).empty());
}

TEST(Registry, SnippetKeysAreRefusedWhateverTheValue) {
  for (const char* key :
       {"configuration-snippet", "server-snippet", "auth-snippet", "stream-snippet",
        "modsecurity-snippet", "location-snippet", "anything-new-snippet"}) {
    EXPECT_TRUE(IsRefusedKey(key)) << key;
    for (const char* value : {"more_set_headers \"X: y\";", "", "true"}) {
      SCOPED_TRACE(std::string(key) + ": " + value);
      Error error = MustFail(Ann({{key, value}}));
      EXPECT_EQ(error.code, ErrorCode::kInvalid);
      EXPECT_EQ(error.field, Field(key));
      EXPECT_NE(error.message.find("snippet annotations are refused"), std::string::npos);
    }
  }
  EXPECT_FALSE(IsRefusedKey("rewrite-target"));
  EXPECT_FALSE(IsRefusedKey("snippet-allowed"));
}

TEST(Registry, ValuesAreNeverMultiLineText) {
  ExpectInvalid("x-forwarded-prefix", "/a\nproxy_pass http://evil;", "line break");
  ExpectInvalid("auth-realm", "realm\r\nX: y", "line break");
  ExpectInvalid("canary-by-header-value", std::string("a\0b", 3), "control character");
  ExpectInvalid("auth-realm", "a\x7f", "control character");
  // Surrounding blanks and the final line break of a YAML block scalar are not content.
  Policy policy =
      MustParse(Ann({{"allowlist-source-range", "  10.0.0.0/8\n"}, {"affinity", "\tcookie "}}));
  EXPECT_TRUE(policy.access.allow.ContainsText("10.1.1.1"));
  EXPECT_TRUE(policy.affinity.cookie);
}

TEST(Registry, OverlongValuesAreRefused) {
  ExpectInvalid("server-alias", std::string(70000, 'a'), "too long");
}

TEST(Registry, EmptyValueMeansTheDefault) {
  auto parsed = ParseAnnotations(Ann({{"affinity", ""}, {"session-cookie-name", " "}}), kNs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->any);
  EXPECT_FALSE(parsed->policy.affinity.cookie);
  EXPECT_EQ(parsed->policy.affinity.name, "INGRESSCOOKIE");
}

TEST(Registry, ValidateReportsEveryProblemAtOnce) {
  model::StringMap map = Ann({{"allowlist-source-range", "10.0.0/8"},
                              {"canary-by-header-pattern", "("},
                              {"proxy-body-size", "whatever"},
                              {"server-snippet", "x"},
                              {"session-cookie-samesite", "Relaxed"},
                              {"ssl-passthrough", "true"},
                              {"auth-secret", "other/users"}});
  std::vector<Error> errors = ValidateAnnotations(map, kNs);
  std::set<std::string> fields;
  for (const Error& error : errors) {
    EXPECT_EQ(error.code, ErrorCode::kInvalid);
    fields.insert(error.field);
  }
  EXPECT_EQ(fields,
            (std::set<std::string>{Field("allowlist-source-range"), Field("auth-secret"),
                                   Field("canary-by-header-pattern"), Field("server-snippet"),
                                   Field("session-cookie-samesite")}));
  auto parsed = ParseAnnotations(map, kNs);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().field, errors.front().field);
}

TEST(Registry, SupportedKeysAreUniqueAndNeverRefused) {
  std::set<std::string_view> seen;
  for (const KeyInfo& info : SupportedKeys()) {
    EXPECT_TRUE(seen.insert(info.key).second) << info.key;
    EXPECT_FALSE(IsRefusedKey(info.key)) << info.key;
    EXPECT_FALSE(info.description.empty()) << info.key;
  }
  for (const char* route_key :
       {"load-balance", "upstream-hash-by", "proxy-body-size", "proxy-connect-timeout",
        "proxy-read-timeout", "proxy-send-timeout", "proxy-next-upstream-tries", "ssl-redirect",
        "force-ssl-redirect", "backend-protocol"}) {
    EXPECT_TRUE(seen.count(route_key)) << route_key;
  }
  EXPECT_GE(seen.size(), 68u);
}

// Every documented default is itself a value the parser accepts, and no supported key is ever
// reported unsupported.
TEST(Registry, EveryDefaultParses) {
  for (const KeyInfo& info : SupportedKeys()) {
    SCOPED_TRACE(std::string(info.key) + ": " + std::string(info.default_value));
    model::StringMap map = {
        {std::string(kPrefix) + std::string(info.key), std::string(info.default_value)}};
    auto parsed = ParseAnnotations(map, kNs);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_TRUE(parsed->unsupported.empty());
  }
}

TEST(Registry, DefaultsMatchThePolicyDefaults) {
  Policy defaults;
  auto with_default = [](std::string_view key) {
    for (const KeyInfo& info : SupportedKeys()) {
      if (info.key == key) {
        return MustParse(
            {{std::string(kPrefix) + std::string(key), std::string(info.default_value)}});
      }
    }
    ADD_FAILURE() << key;
    return Policy{};
  };
  EXPECT_EQ(with_default("proxy-next-upstream").upstream.next_upstream,
            defaults.upstream.next_upstream);
  EXPECT_EQ(with_default("session-cookie-name").affinity.name, defaults.affinity.name);
  EXPECT_EQ(with_default("auth-realm").auth.realm, defaults.auth.realm);
  EXPECT_EQ(with_default("cors-allow-methods").cors.allow_methods, defaults.cors.allow_methods);
  EXPECT_EQ(with_default("cors-max-age").cors.max_age_s, defaults.cors.max_age_s);
  EXPECT_EQ(with_default("limit-burst-multiplier").limits.burst_multiplier,
            defaults.limits.burst_multiplier);
  EXPECT_EQ(with_default("canary-weight-total").canary.weight_total, defaults.canary.weight_total);
  EXPECT_EQ(with_default("cors-allow-origin").cors.any_origin, defaults.cors.any_origin);
}

TEST(Registry, DocsListEverySupportedAndRefusedKey) {
  std::ifstream file(WAYGATE_DOCS_DIR "/annotations.md");
  ASSERT_TRUE(file.good()) << WAYGATE_DOCS_DIR "/annotations.md";
  std::stringstream text;
  text << file.rdbuf();
  const std::string docs = text.str();
  for (const KeyInfo& info : SupportedKeys()) {
    std::string cell = "| `" + std::string(info.key) + "` |";
    EXPECT_NE(docs.find(cell), std::string::npos) << "docs/annotations.md lacks " << cell;
  }
  for (const char* key : {"configuration-snippet", "server-snippet", "auth-snippet",
                          "stream-snippet", "modsecurity-snippet"}) {
    EXPECT_NE(docs.find("`" + std::string(key) + "`"), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace waygate::annotations
