// Path and host matching, pinned to the Kubernetes documentation's examples tables
// (concepts/services-networking/ingress: "Examples" of path matching, "Hostname wildcards").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builders.h"

namespace waygate::route::testing {
namespace {

struct PathSpec {
  PathType type;
  std::string path;
};

struct PathCase {
  std::string name;
  std::vector<PathSpec> paths;
  std::string request;
  std::string expected;  // "Prefix /aaa" or "none" (the default backend / 404)
};

Compiled CompilePaths(const std::vector<PathSpec>& paths, const std::string& host = "") {
  IngressBuilder ingress("default", "table");
  ingress.Rule(host);
  for (const auto& spec : paths) ingress.Path(spec.path, spec.type);
  return CompileState(StateWith({ingress}));
}

class KubernetesPathExamples : public ::testing::TestWithParam<PathCase> {};

TEST_P(KubernetesPathExamples, MatchesAsDocumented) {
  const PathCase& c = GetParam();
  Compiled compiled = CompilePaths(c.paths);
  EXPECT_TRUE(compiled.diagnostics.empty());
  EXPECT_EQ(compiled.Match("example.com", c.request), c.expected) << "request " << c.request;
}

constexpr PathType kE = PathType::kExact;
constexpr PathType kP = PathType::kPrefix;

// One case per row (and per request path of a row) of the documentation's table.
INSTANTIATE_TEST_SUITE_P(
    DocsTable, KubernetesPathExamples,
    ::testing::Values(
        PathCase{"PrefixRootMatchesAll1", {{kP, "/"}}, "/", "Prefix /"},
        PathCase{"PrefixRootMatchesAll2", {{kP, "/"}}, "/anything/at/all", "Prefix /"},
        PathCase{"ExactFooFoo", {{kE, "/foo"}}, "/foo", "Exact /foo"},
        PathCase{"ExactFooBar", {{kE, "/foo"}}, "/bar", "none"},
        PathCase{"ExactFooFooSlash", {{kE, "/foo"}}, "/foo/", "none"},
        PathCase{"ExactFooSlashFoo", {{kE, "/foo/"}}, "/foo", "none"},
        PathCase{"PrefixFooFoo", {{kP, "/foo"}}, "/foo", "Prefix /foo"},
        PathCase{"PrefixFooFooSlash", {{kP, "/foo"}}, "/foo/", "Prefix /foo"},
        PathCase{"PrefixFooSlashFoo", {{kP, "/foo/"}}, "/foo", "Prefix /foo/"},
        PathCase{"PrefixFooSlashFooSlash", {{kP, "/foo/"}}, "/foo/", "Prefix /foo/"},
        PathCase{"PrefixAaaBbNotAaaBbb", {{kP, "/aaa/bb"}}, "/aaa/bbb", "none"},
        PathCase{"PrefixAaaBbbSame", {{kP, "/aaa/bbb"}}, "/aaa/bbb", "Prefix /aaa/bbb"},
        PathCase{"PrefixIgnoresTrailingSlash", {{kP, "/aaa/bbb/"}}, "/aaa/bbb", "Prefix /aaa/bbb/"},
        PathCase{"PrefixMatchesTrailingSlash", {{kP, "/aaa/bbb"}}, "/aaa/bbb/", "Prefix /aaa/bbb"},
        PathCase{"PrefixMatchesSubpath", {{kP, "/aaa/bbb"}}, "/aaa/bbb/ccc", "Prefix /aaa/bbb"},
        PathCase{"PrefixNotStringPrefix", {{kP, "/aaa/bbb"}}, "/aaa/bbbxyz", "none"},
        PathCase{"RootAndAaaMatchesAaa", {{kP, "/"}, {kP, "/aaa"}}, "/aaa/ccc", "Prefix /aaa"},
        PathCase{"ThreePrefixesLongest",
                 {{kP, "/"}, {kP, "/aaa"}, {kP, "/aaa/bbb"}},
                 "/aaa/bbb",
                 "Prefix /aaa/bbb"},
        PathCase{
            "ThreePrefixesRoot", {{kP, "/"}, {kP, "/aaa"}, {kP, "/aaa/bbb"}}, "/ccc", "Prefix /"},
        PathCase{"AaaNotCcc", {{kP, "/aaa"}}, "/ccc", "none"},
        PathCase{"MixedExactWins", {{kP, "/foo"}, {kE, "/foo"}}, "/foo", "Exact /foo"},
        // The same rows with the rules written in the other order: ranking, not input order.
        PathCase{"MixedExactWinsReversed", {{kE, "/foo"}, {kP, "/foo"}}, "/foo", "Exact /foo"},
        PathCase{"MixedPrefixForSubpath", {{kE, "/foo"}, {kP, "/foo"}}, "/foo/x", "Prefix /foo"},
        PathCase{"ThreePrefixesReversed",
                 {{kP, "/aaa/bbb"}, {kP, "/aaa"}, {kP, "/"}},
                 "/aaa/bbb/c",
                 "Prefix /aaa/bbb"}),
    [](const ::testing::TestParamInfo<PathCase>& info) { return info.param.name; });

struct HostCase {
  std::string name;
  std::string rule_host;
  std::string request_host;
  bool matches;
};

class KubernetesHostExamples : public ::testing::TestWithParam<HostCase> {};

TEST_P(KubernetesHostExamples, MatchesAsDocumented) {
  const HostCase& c = GetParam();
  Compiled compiled = CompilePaths({{kP, "/"}}, c.rule_host);
  EXPECT_EQ(compiled.Match(c.request_host, "/"), c.matches ? "Prefix /" : "none");
}

INSTANTIATE_TEST_SUITE_P(
    DocsTable, KubernetesHostExamples,
    ::testing::Values(HostCase{"SharedSuffix", "*.foo.com", "bar.foo.com", true},
                      HostCase{"OnlyOneLabel", "*.foo.com", "baz.bar.foo.com", false},
                      HostCase{"NotTheBareDomain", "*.foo.com", "foo.com", false},
                      HostCase{"ExactHost", "foo.bar.com", "foo.bar.com", true},
                      HostCase{"ExactHostOther", "foo.bar.com", "bar.foo.com", false},
                      HostCase{"UpperCaseRuleHost", "Foo.Bar.COM", "foo.bar.com", true},
                      HostCase{"UpperCaseWildcard", "*.Foo.com", "x.foo.com", true},
                      HostCase{"WildcardNeedsALabel", "*.foo.com", ".foo.com", false},
                      HostCase{"NoHostMatchesAny", "", "whatever.example", true}),
    [](const ::testing::TestParamInfo<HostCase>& info) { return info.param.name; });

TEST(ImplementationSpecific, IsAPlainCaseSensitiveStringPrefix) {
  Compiled compiled = CompilePaths({{PathType::kImplementationSpecific, "/foo"}});
  EXPECT_EQ(compiled.Match("h", "/foo"), "ImplementationSpecific /foo");
  EXPECT_EQ(compiled.Match("h", "/foobar"), "ImplementationSpecific /foo");
  EXPECT_EQ(compiled.Match("h", "/foo/bar"), "ImplementationSpecific /foo");
  EXPECT_EQ(compiled.Match("h", "/Foo"), "none");
  EXPECT_EQ(compiled.Match("h", "/fo"), "none");
}

TEST(ImplementationSpecific, EmptyPathMeansRoot) {
  Compiled compiled = CompilePaths({{PathType::kImplementationSpecific, ""}});
  EXPECT_TRUE(compiled.diagnostics.empty());
  EXPECT_EQ(compiled.Match("h", "/anything"), "ImplementationSpecific /");
}

TEST(Ranking, LongestPathWinsAcrossTypes) {
  Compiled compiled = CompilePaths({{PathType::kImplementationSpecific, "/api"},
                                    {PathType::kPrefix, "/api/v1"},
                                    {PathType::kExact, "/api/v1/health"},
                                    {PathType::kPrefix, "/"}});
  EXPECT_EQ(compiled.Match("h", "/api/v1/health"), "Exact /api/v1/health");
  EXPECT_EQ(compiled.Match("h", "/api/v1/users"), "Prefix /api/v1");
  EXPECT_EQ(compiled.Match("h", "/api/v2"), "ImplementationSpecific /api");
  EXPECT_EQ(compiled.Match("h", "/apiary"), "ImplementationSpecific /api");
  EXPECT_EQ(compiled.Match("h", "/other"), "Prefix /");
}

TEST(Ranking, ImplementationSpecificLongerStringBeatsShorterPrefix) {
  Compiled compiled =
      CompilePaths({{PathType::kPrefix, "/foo"}, {PathType::kImplementationSpecific, "/foo/b"}});
  EXPECT_EQ(compiled.Match("h", "/foo/bar"), "ImplementationSpecific /foo/b");
  EXPECT_EQ(compiled.Match("h", "/foo/x"), "Prefix /foo");
}

TEST(Ranking, PrefixTrailingSlashDoesNotCountTowardsLength) {
  // Prefix "/foo/" ranks as "/foo" (4), so ImplementationSpecific "/foo/" (5) is longer.
  Compiled compiled =
      CompilePaths({{PathType::kPrefix, "/foo/"}, {PathType::kImplementationSpecific, "/foo/"}});
  EXPECT_EQ(compiled.Match("h", "/foo/x"), "ImplementationSpecific /foo/");
  EXPECT_EQ(compiled.Match("h", "/foo"), "Prefix /foo/");
}

TEST(Ranking, EqualLengthExactThenPrefixThenImplementationSpecific) {
  Compiled compiled = CompilePaths({{PathType::kImplementationSpecific, "/foo"},
                                    {PathType::kPrefix, "/foo"},
                                    {PathType::kExact, "/foo"}});
  EXPECT_EQ(compiled.Match("h", "/foo"), "Exact /foo");
  EXPECT_EQ(compiled.Match("h", "/foo/a"), "Prefix /foo");
  EXPECT_EQ(compiled.Match("h", "/fooa"), "ImplementationSpecific /foo");
}

TEST(Paths, RelativePathIsSkippedWithADiagnostic) {
  Compiled compiled = CompilePaths({{PathType::kPrefix, "foo"}, {PathType::kPrefix, "/ok"}});
  EXPECT_TRUE(compiled.HasDiagnostic("Ingress default/table", "spec.rules[0].http.paths[0].path"));
  EXPECT_EQ(compiled.Match("h", "/ok"), "Prefix /ok");
  EXPECT_EQ(compiled.table->route_count(), 1u);
}

}  // namespace
}  // namespace waygate::route::testing
