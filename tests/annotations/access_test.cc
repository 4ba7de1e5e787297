// access.cc: source ranges, basic authentication, rate limits.
#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::annotations {
namespace {

using testing::Ann;
using testing::ExpectInvalid;
using testing::Field;
using testing::MustFail;
using testing::MustParse;

TEST(Access, Defaults) {
  Policy policy = MustParse(Ann({}));
  EXPECT_TRUE(policy.access.allow.empty());
  EXPECT_TRUE(policy.access.deny.empty());
  EXPECT_EQ(policy.auth.type, AuthPolicy::Type::kNone);
  EXPECT_EQ(policy.auth.secret_type, AuthPolicy::SecretType::kAuthFile);
  EXPECT_EQ(policy.auth.realm, "Authentication Required");
  EXPECT_EQ(policy.auth.credentials, nullptr);
  EXPECT_FALSE(policy.limits.any());
  EXPECT_EQ(policy.limits.burst_multiplier, 5u);
  EXPECT_EQ(policy.limits.status, 503);
  EXPECT_TRUE(policy.limits.whitelist.empty());
}

TEST(Access, SourceRanges) {
  Policy policy = MustParse(Ann({{"allowlist-source-range", "18.0.0.0/8, 2001:db8::/32"},
                                 {"denylist-source-range", "18.1.0.0/16"}}));
  EXPECT_TRUE(policy.access.allow.ContainsText("18.1.0.1"));
  EXPECT_TRUE(policy.access.allow.ContainsText("2001:db8::5"));
  EXPECT_FALSE(policy.access.allow.ContainsText("19.0.0.1"));
  EXPECT_TRUE(policy.access.deny.ContainsText("18.1.0.1"));
  EXPECT_FALSE(policy.access.deny.ContainsText("18.2.0.1"));
}

TEST(Access, WhitelistIsAnAliasOfAllowlist) {
  Policy policy = MustParse(Ann({{"whitelist-source-range", "10.0.0.0/8"}}));
  EXPECT_TRUE(policy.access.allow.ContainsText("10.1.2.3"));
}

TEST(Access, AllowlistWinsOverWhitelist) {
  Policy policy = MustParse(Ann(
      {{"allowlist-source-range", "192.168.0.0/16"}, {"whitelist-source-range", "10.0.0.0/8"}}));
  EXPECT_TRUE(policy.access.allow.ContainsText("192.168.1.1"));
  EXPECT_FALSE(policy.access.allow.ContainsText("10.1.2.3"));
  // An empty allowlist counts as absent (ingress-nginx then reads the alias).
  policy =
      MustParse(Ann({{"allowlist-source-range", " "}, {"whitelist-source-range", "10.0.0.0/8"}}));
  EXPECT_TRUE(policy.access.allow.ContainsText("10.1.2.3"));
}

TEST(Access, BadCidrsNameTheKey) {
  ExpectInvalid("allowlist-source-range", "10.0.0/8", "invalid CIDR \"10.0.0/8\"");
  ExpectInvalid("whitelist-source-range", "10.0.0.1/8", "invalid CIDR");
  ExpectInvalid("denylist-source-range", "1.2.3.4/33", "invalid CIDR");
  ExpectInvalid("denylist-source-range", "1.2.3.4,,5.6.7.8", "invalid CIDR");
  ExpectInvalid("limit-allowlist", "example.com", "invalid CIDR");
  ExpectInvalid("limit-whitelist", "::1/129", "invalid CIDR");
}

TEST(Access, BasicAuth) {
  Policy policy = MustParse(Ann({{"auth-type", "basic"},
                                 {"auth-secret", "basic-auth"},
                                 {"auth-realm", "Authentication Required - foo"}}));
  EXPECT_EQ(policy.auth.type, AuthPolicy::Type::kBasic);
  EXPECT_EQ(policy.auth.secret_namespace, "shop");
  EXPECT_EQ(policy.auth.secret_name, "basic-auth");
  EXPECT_EQ(policy.auth.realm, "Authentication Required - foo");
  policy = MustParse(Ann(
      {{"auth-type", "basic"}, {"auth-secret", "shop/users"}, {"auth-secret-type", "auth-map"}}));
  EXPECT_EQ(policy.auth.secret_name, "users");
  EXPECT_EQ(policy.auth.secret_type, AuthPolicy::SecretType::kAuthMap);
}

TEST(Access, AuthSecretInAnotherNamespaceIsRefused) {
  Error error = MustFail(Ann({{"auth-type", "basic"}, {"auth-secret", "kube-system/admin"}}));
  EXPECT_EQ(error.field, Field("auth-secret"));
  EXPECT_NE(error.message.find("secret in another namespace"), std::string::npos) << error.message;
}

TEST(Access, AuthRefusals) {
  ExpectInvalid("auth-type", "digest", "auth-type digest is not supported");
  ExpectInvalid("auth-type", "Basic", "want basic");
  ExpectInvalid("auth-secret", "Bad_Name", "want a Secret name");
  ExpectInvalid("auth-secret", "shop/", "want a Secret name");
  ExpectInvalid("auth-secret-type", "auth-json", "want auth-file or auth-map");
  ExpectInvalid("auth-realm", "a\"b", "printable ASCII");
  ExpectInvalid("auth-realm", "a\\b", "printable ASCII");
  // basic without a Secret would deny every request; said at admission instead.
  Error error = MustFail(Ann({{"auth-type", "basic"}}));
  EXPECT_EQ(error.field, Field("auth-secret"));
}

TEST(Access, AuthSecretAloneDoesNothing) {
  Policy policy = MustParse(Ann({{"auth-secret", "users"}}));
  EXPECT_EQ(policy.auth.type, AuthPolicy::Type::kNone);
}

TEST(Limits, Values) {
  RateLimitPolicy limits = MustParse(Ann({{"limit-rps", "10"},
                                          {"limit-rpm", "300"},
                                          {"limit-connections", "8"},
                                          {"limit-burst-multiplier", "3"}}))
                               .limits;
  EXPECT_EQ(limits.rps, 10u);
  EXPECT_EQ(limits.rpm, 300u);
  EXPECT_EQ(limits.connections, 8u);
  EXPECT_EQ(limits.burst_multiplier, 3u);
  EXPECT_TRUE(limits.any());
  for (const char* key :
       {"limit-rps", "limit-rpm", "limit-connections", "limit-burst-multiplier"}) {
    ExpectInvalid(key, "-1", "invalid number");
    ExpectInvalid(key, "1.5", "invalid number");
    ExpectInvalid(key, "ten", "invalid number");
    ExpectInvalid(key, "4294967296", "too large");
  }
}

TEST(Limits, AllowlistWinsOverWhitelist) {
  RateLimitPolicy limits = MustParse(Ann({{"limit-rps", "1"},
                                          {"limit-allowlist", "10.0.0.0/8"},
                                          {"limit-whitelist", "192.168.0.0/16"}}))
                               .limits;
  EXPECT_TRUE(limits.whitelist.ContainsText("10.0.0.1"));
  EXPECT_FALSE(limits.whitelist.ContainsText("192.168.0.1"));
  limits = MustParse(Ann({{"limit-whitelist", "192.168.0.0/16"}})).limits;
  EXPECT_TRUE(limits.whitelist.ContainsText("192.168.0.1"));
}

}  // namespace
}  // namespace waygate::annotations
