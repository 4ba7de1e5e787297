// Host claims between projects: a host routed by another project's Ingress is refused, naming
// the project and nothing of its objects.
#include "api/host_claims.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace waygate::api {
namespace {

using nlohmann::json;

json IngressIn(std::string_view ns, std::string_view name,
               std::initializer_list<std::string_view> hosts) {
  json rules = json::array();
  for (std::string_view h : hosts) {
    json rule = {{"http", {{"paths", json::array()}}}};
    if (!h.empty()) rule["host"] = h;
    rules.push_back(std::move(rule));
  }
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"rules", std::move(rules)}}}};
}

TEST(HostClaimsTest, SameProjectMayShareAHost) {
  const std::vector<json> stored = {IngressIn("demo", "web", {"a.example.com"}),
                                    IngressIn("demo", "api", {"b.example.com"})};
  EXPECT_TRUE(CheckHostClaims(IngressIn("demo", "new", {"a.example.com"}), stored).empty());
  // The Ingress's own stored version (an update) never conflicts with itself.
  EXPECT_TRUE(CheckHostClaims(IngressIn("demo", "web", {"a.example.com"}), stored).empty());
}

TEST(HostClaimsTest, AnotherProjectsHostIsRefusedNamingTheProjectOnly) {
  const std::vector<json> stored = {IngressIn("team-a", "secret-shop", {"shop.example.com"})};
  const std::vector<Error> errors =
      CheckHostClaims(IngressIn("team-b", "mine", {"shop.example.com"}), stored);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::kInvalid);
  EXPECT_EQ(errors[0].field, "spec.rules[0].host");
  EXPECT_EQ(errors[0].message,
            R"(Invalid value: "shop.example.com": host is already claimed by project "team-a")");
  EXPECT_EQ(errors[0].message.find("secret-shop"), std::string::npos);
}

TEST(HostClaimsTest, HostsCompareCaseInsensitively) {
  const std::vector<json> stored = {IngressIn("team-a", "web", {"Shop.Example.COM"})};
  const std::vector<Error> errors =
      CheckHostClaims(IngressIn("team-b", "web", {"shop.example.com"}), stored);
  ASSERT_EQ(errors.size(), 1u);
  // The value quoted is the one the client sent, not the owner's spelling.
  EXPECT_NE(errors[0].message.find(R"("shop.example.com")"), std::string::npos);
  EXPECT_EQ(CheckHostClaims(IngressIn("team-b", "web", {"SHOP.example.com"}), stored).size(), 1u);
}

TEST(HostClaimsTest, OneErrorPerClaimedRule) {
  const std::vector<json> stored = {IngressIn("team-a", "x", {"a.example.com"}),
                                    IngressIn("team-c", "y", {"c.example.com"})};
  const std::vector<Error> errors = CheckHostClaims(
      IngressIn("team-b", "web",
                {"free.example.com", "a.example.com", "c.example.com", "a.example.com"}),
      stored);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "spec.rules[1].host");
  EXPECT_NE(errors[0].message.find(R"(project "team-a")"), std::string::npos);
  EXPECT_EQ(errors[1].field, "spec.rules[2].host");
  EXPECT_NE(errors[1].message.find(R"(project "team-c")"), std::string::npos);
  EXPECT_EQ(errors[2].field, "spec.rules[3].host");
  // A host repeated in the new Ingress but claimed by nobody: no error.
  EXPECT_TRUE(
      CheckHostClaims(IngressIn("team-b", "web", {"free.example.com", "free.example.com"}), stored)
          .empty());
}

TEST(HostClaimsTest, EmptyHostsClaimNothing) {
  // Catch-all rules (no host) in both projects do not conflict.
  const std::vector<json> stored = {IngressIn("team-a", "x", {""})};
  EXPECT_TRUE(CheckHostClaims(IngressIn("team-b", "web", {""}), stored).empty());
  json empty_string = IngressIn("team-b", "web", {""});
  empty_string["spec"]["rules"][0]["host"] = "";
  EXPECT_TRUE(CheckHostClaims(empty_string, stored).empty());
  // No rules, or malformed ones, are validation's to report.
  json no_rules = IngressIn("team-b", "web", {});
  no_rules["spec"].erase("rules");
  EXPECT_TRUE(CheckHostClaims(no_rules, stored).empty());
  json odd = IngressIn("team-b", "web", {});
  odd["spec"]["rules"] = json::array({7, {{"host", 5}}});
  EXPECT_TRUE(CheckHostClaims(odd, stored).empty());
}

TEST(HostClaimsTest, WildcardsMatchOnlyTheSameWildcard) {
  const std::vector<json> wildcard = {IngressIn("team-a", "x", {"*.example.com"})};
  EXPECT_TRUE(CheckHostClaims(IngressIn("team-b", "w", {"shop.example.com"}), wildcard).empty());
  EXPECT_EQ(CheckHostClaims(IngressIn("team-b", "w", {"*.example.com"}), wildcard).size(), 1u);
  EXPECT_EQ(CheckHostClaims(IngressIn("team-b", "w", {"*.EXAMPLE.com"}), wildcard).size(), 1u);
  const std::vector<json> exact = {IngressIn("team-a", "x", {"shop.example.com"})};
  EXPECT_TRUE(CheckHostClaims(IngressIn("team-b", "w", {"*.example.com"}), exact).empty());
}

TEST(HostClaimsTest, AnIngressBeingDeletedStillClaimsItsHost) {
  json leaving = IngressIn("team-a", "x", {"a.example.com"});
  leaving["metadata"]["deletionTimestamp"] = "2026-11-27T10:00:00Z";
  leaving["metadata"]["finalizers"] = json::array({"example.com/hold"});
  const std::vector<json> stored = {leaving};
  EXPECT_EQ(CheckHostClaims(IngressIn("team-b", "w", {"a.example.com"}), stored).size(), 1u);
}

TEST(HostClaimsTest, SeveralOwnersNameTheLeastProjectWhateverTheOrder) {
  const std::vector<json> stored = {IngressIn("zeta", "x", {"a.example.com"}),
                                    IngressIn("alpha", "y", {"a.example.com"})};
  const std::vector<Error> errors =
      CheckHostClaims(IngressIn("mid", "w", {"a.example.com"}), stored);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find(R"(project "alpha")"), std::string::npos);
  // The new Ingress's own project among the holders does not hide another one.
  EXPECT_EQ(CheckHostClaims(IngressIn("zeta", "w", {"a.example.com"}), stored).size(), 1u);
}

}  // namespace
}  // namespace waygate::api
