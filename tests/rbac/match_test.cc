// RuleAllows, case by case against the rbac/v1 evaluation helpers (VerbMatches,
// APIGroupMatches, ResourceMatches, ResourceNameMatches, NonResourceURLMatches).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rbac/rbac.h"

namespace waygate::rbac {
namespace {

Attributes Res(std::string verb, std::string group, std::string resource,
               std::string subresource = {}, std::string name = {}) {
  Attributes a;
  a.verb = std::move(verb);
  a.namespace_ = "ns";
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.subresource = std::move(subresource);
  a.name = std::move(name);
  return a;
}

Attributes NonRes(std::string verb, std::string path) {
  Attributes a;
  a.verb = std::move(verb);
  a.resource_request = false;
  a.path = std::move(path);
  return a;
}

PolicyRule ResRule(std::vector<std::string> verbs, std::vector<std::string> groups,
                   std::vector<std::string> resources, std::vector<std::string> names = {}) {
  return PolicyRule{.verbs = std::move(verbs),
                    .api_groups = std::move(groups),
                    .resources = std::move(resources),
                    .resource_names = std::move(names)};
}

PolicyRule UrlRule(std::vector<std::string> verbs, std::vector<std::string> urls) {
  return PolicyRule{.verbs = std::move(verbs), .non_resource_urls = std::move(urls)};
}

struct Case {
  std::string what;
  PolicyRule rule;
  Attributes request;
  bool allowed;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.what; }

class RuleAllowsTest : public ::testing::TestWithParam<Case> {};

TEST_P(RuleAllowsTest, MatchesAsKube) {
  const Case& c = GetParam();
  EXPECT_EQ(RuleAllows(c.request, c.rule), c.allowed) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Verbs, RuleAllowsTest,
    ::testing::Values(
        Case{"exact verb", ResRule({"get"}, {""}, {"pods"}), Res("get", "", "pods", "", "p"), true},
        Case{"other verb", ResRule({"get"}, {""}, {"pods"}), Res("list", "", "pods"), false},
        Case{"verb wildcard", ResRule({"*"}, {""}, {"pods"}), Res("deletecollection", "", "pods"),
             true},
        Case{"verbs are case-sensitive", ResRule({"GET"}, {""}, {"pods"}),
             Res("get", "", "pods", "", "p"), false},
        Case{"no verbs", ResRule({}, {""}, {"pods"}), Res("get", "", "pods", "", "p"), false}));

INSTANTIATE_TEST_SUITE_P(
    ApiGroups, RuleAllowsTest,
    ::testing::Values(
        Case{"core group", ResRule({"get"}, {""}, {"services"}), Res("get", "", "services"), true},
        Case{"core rule, other group", ResRule({"get"}, {""}, {"ingresses"}),
             Res("get", "networking.k8s.io", "ingresses"), false},
        Case{"named group, core request", ResRule({"get"}, {"networking.k8s.io"}, {"services"}),
             Res("get", "", "services"), false},
        Case{"group wildcard", ResRule({"get"}, {"*"}, {"ingresses"}),
             Res("get", "networking.k8s.io", "ingresses"), true},
        Case{"second group of the list",
             ResRule({"get"}, {"apps", "discovery.k8s.io"}, {"endpointslices"}),
             Res("get", "discovery.k8s.io", "endpointslices"), true}));

INSTANTIATE_TEST_SUITE_P(
    Resources, RuleAllowsTest,
    ::testing::Values(
        Case{"exact resource", ResRule({"get"}, {""}, {"pods"}), Res("get", "", "pods"), true},
        Case{"other resource", ResRule({"get"}, {""}, {"pods"}), Res("get", "", "secrets"), false},
        Case{"resource wildcard", ResRule({"get"}, {""}, {"*"}), Res("get", "", "secrets"), true},
        Case{"resource wildcard covers subresources", ResRule({"get"}, {""}, {"*"}),
             Res("get", "", "pods", "log"), true},
        Case{"resource does not cover its subresource", ResRule({"get"}, {""}, {"pods"}),
             Res("get", "", "pods", "log"), false},
        Case{"res/sub", ResRule({"get"}, {""}, {"pods/log"}), Res("get", "", "pods", "log"), true},
        Case{"res/sub is not the resource", ResRule({"get"}, {""}, {"pods/log"}),
             Res("get", "", "pods"), false},
        Case{"res/sub of another subresource", ResRule({"get"}, {""}, {"pods/log"}),
             Res("get", "", "pods", "exec"), false},
        Case{"res/sub of another resource", ResRule({"get"}, {""}, {"pods/log"}),
             Res("get", "", "nodes", "log"), false},
        Case{"prefix is not a match", ResRule({"get"}, {""}, {"pod"}), Res("get", "", "pods"),
             false},
        Case{"*/sub", ResRule({"update"}, {"*"}, {"*/status"}),
             Res("update", "networking.k8s.io", "ingresses", "status"), true},
        Case{"*/sub needs a subresource", ResRule({"get"}, {"*"}, {"*/status"}),
             Res("get", "networking.k8s.io", "ingresses"), false},
        Case{"*/sub of another subresource", ResRule({"get"}, {"*"}, {"*/status"}),
             Res("get", "networking.k8s.io", "ingresses", "access"), false},
        Case{"*/sub with a longer subresource", ResRule({"get"}, {"*"}, {"*/status"}),
             Res("get", "", "services", "xstatus"), false},
        Case{"x/sub is not a wildcard", ResRule({"get"}, {"*"}, {"x/status"}),
             Res("get", "", "services", "status"), false},
        Case{"res/* is literal, not a pattern", ResRule({"get"}, {""}, {"pods/*"}),
             Res("get", "", "pods", "log"), false},
        Case{"second resource of the list", ResRule({"get"}, {""}, {"services", "secrets"}),
             Res("get", "", "secrets"), true}));

INSTANTIATE_TEST_SUITE_P(
    ResourceNames, RuleAllowsTest,
    ::testing::Values(Case{"empty list allows every name", ResRule({"get"}, {""}, {"secrets"}),
                           Res("get", "", "secrets", "", "any"), true},
                      Case{"named get", ResRule({"get", "delete"}, {""}, {"secrets"}, {"tls"}),
                           Res("get", "", "secrets", "", "tls"), true},
                      Case{"named delete", ResRule({"get", "delete"}, {""}, {"secrets"}, {"tls"}),
                           Res("delete", "", "secrets", "", "tls"), true},
                      Case{"other name", ResRule({"get"}, {""}, {"secrets"}, {"tls"}),
                           Res("get", "", "secrets", "", "other"), false},
                      Case{"list carries no name", ResRule({"list"}, {""}, {"secrets"}, {"tls"}),
                           Res("list", "", "secrets"), false},
                      Case{"watch carries no name", ResRule({"watch"}, {""}, {"secrets"}, {"tls"}),
                           Res("watch", "", "secrets"), false},
                      Case{"create carries no name",
                           ResRule({"create"}, {""}, {"secrets"}, {"tls"}),
                           Res("create", "", "secrets"), false},
                      Case{"deletecollection carries no name",
                           ResRule({"deletecollection"}, {""}, {"secrets"}, {"tls"}),
                           Res("deletecollection", "", "secrets"), false},
                      Case{"names apply to subresources too",
                           ResRule({"get"}, {""}, {"services/status"}, {"a"}),
                           Res("get", "", "services", "status", "a"), true}));

INSTANTIATE_TEST_SUITE_P(
    NonResourceUrls, RuleAllowsTest,
    ::testing::Values(
        Case{"exact url", UrlRule({"get"}, {"/healthz"}), NonRes("get", "/healthz"), true},
        Case{"exact url is not a prefix", UrlRule({"get"}, {"/healthz"}),
             NonRes("get", "/healthz/ping"), false},
        Case{"url verb", UrlRule({"get"}, {"/healthz"}), NonRes("post", "/healthz"), false},
        Case{"all urls", UrlRule({"get"}, {"*"}), NonRes("get", "/anything/at/all"), true},
        Case{"prefix star", UrlRule({"get"}, {"/healthz/*"}), NonRes("get", "/healthz/etcd"), true},
        Case{"prefix star keeps the slash", UrlRule({"get"}, {"/healthz/*"}),
             NonRes("get", "/healthz"), false},
        Case{"prefix star without a slash", UrlRule({"get"}, {"/api*"}), NonRes("get", "/apis"),
             true},
        Case{"star only at the end", UrlRule({"get"}, {"/a*/b"}), NonRes("get", "/ax/b"), false},
        Case{"resource rule never allows a url", ResRule({"*"}, {"*"}, {"*"}),
             NonRes("get", "/healthz"), false},
        Case{"url rule never allows a resource", UrlRule({"*"}, {"*"}),
             Res("get", "", "pods", "", "p"), false}));

}  // namespace
}  // namespace waygate::rbac
