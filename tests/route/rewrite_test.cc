// RewritePath: rewrite-target on compiled routes, with ingress-nginx's e2e cases
// (test/e2e/annotations/rewrite.go) and its rewrite documentation.
#include "route/rewrite.h"

#include <gtest/gtest.h>

#include <string>

#include "builders.h"

namespace waygate::route::testing {
namespace {

constexpr PathType kIS = PathType::kImplementationSpecific;
constexpr PathType kP = PathType::kPrefix;
constexpr const char* kRewrite = "nginx.ingress.kubernetes.io/rewrite-target";
constexpr const char* kUseRegex = "nginx.ingress.kubernetes.io/use-regex";

// Upstream path for `path` on host rewrite.bar.com, or "(no rewrite)".
std::string Upstream(const Compiled& compiled, std::string_view path) {
  const Route* route = compiled.table->Lookup("rewrite.bar.com", path);
  if (route == nullptr) return "(no route)";
  std::string out = "stale";
  if (!RewritePath(*route, path, out)) return "(no rewrite)";
  return out;
}

Compiled CompileOne(const std::string& target, const std::string& path, PathType type = kIS) {
  return CompileState(StateWith({IngressBuilder("default", "rewrite")
                                     .Annotation(kRewrite, target)
                                     .Rule("rewrite.bar.com")
                                     .Path(path, type)}));
}

TEST(RewritePath, CaptureGroupsAsInIngressNginxE2e) {
  // rewrite.go: "/something(/|$)(.*)" with rewrite-target "/$2".
  Compiled compiled = CompileOne("/$2", "/something(/|$)(.*)");
  ASSERT_TRUE(compiled.diagnostics.empty()) << compiled.diagnostics[0].ToString();
  EXPECT_EQ(Upstream(compiled, "/something"), "/");
  EXPECT_EQ(Upstream(compiled, "/something/"), "/");
  EXPECT_EQ(Upstream(compiled, "/something/new"), "/new");
  EXPECT_EQ(Upstream(compiled, "/something/new/deeper"), "/new/deeper");
  // Case-insensitive like nginx's `~*`, and the captured text keeps the request's case.
  EXPECT_EQ(Upstream(compiled, "/SomeThing/New"), "/New");
  // Anchored at the start only: "/somethingelse" is not "/something" followed by '/' or end.
  EXPECT_EQ(Upstream(compiled, "/somethingelse"), "(no route)");
}

TEST(RewritePath, PlainTargetReplacesTheWholePath) {
  // The docs' first example: rewrite-target "/" on path "/foo" sends /foo/bar as "/".
  Compiled compiled = CompileOne("/", "/foo", kP);
  EXPECT_EQ(Upstream(compiled, "/foo"), "/");
  EXPECT_EQ(Upstream(compiled, "/foo/bar"), "/");
  // The path is a regex prefix now (ingress-nginx writes `~* "^/foo"`): /foobar is served too.
  EXPECT_EQ(Upstream(compiled, "/foobar"), "/");
}

TEST(RewritePath, SeveralGroupsAndLiteralText) {
  Compiled compiled = CompileOne("/v2/$2/$1", "/api/([a-z]+)/([0-9]+)");
  EXPECT_EQ(Upstream(compiled, "/api/users/42"), "/v2/42/users");
  // A group the regex does not have is empty, as in nginx.
  Compiled missing = CompileOne("/x$3y", "/api/(a)(b)?");
  EXPECT_EQ(Upstream(missing, "/api/a"), "/xy");
}

TEST(RewritePath, ResultAlwaysStartsWithSlash) {
  Compiled compiled = CompileOne("$1", "/app(/.*)?");
  EXPECT_EQ(Upstream(compiled, "/app/x"), "/x");
  EXPECT_EQ(Upstream(compiled, "/app"), "/");
}

TEST(RewritePath, NoRewriteWhenTargetIsThePathOrAbsent) {
  // ingress-nginx renders no rewrite when the target equals the location's path.
  Compiled same = CompileOne("/foo", "/foo", kP);
  EXPECT_EQ(Upstream(same, "/foo/bar"), "(no rewrite)");
  // use-regex alone: regex paths, no rewrite.
  Compiled regex_only = CompileState(StateWith({IngressBuilder("default", "r")
                                                    .Annotation(kUseRegex, "true")
                                                    .Rule("rewrite.bar.com")
                                                    .Path("/foo/.*", kIS)}));
  EXPECT_EQ(Upstream(regex_only, "/foo/bar"), "(no rewrite)");
  // No annotations at all: null policy.
  Compiled plain = CompileState(
      StateWith({IngressBuilder("default", "p").Rule("rewrite.bar.com").Path("/", kP)}));
  EXPECT_EQ(Upstream(plain, "/foo"), "(no rewrite)");
}

TEST(RewritePath, OutputBufferIsReused) {
  Compiled compiled = CompileOne("/$1", "/p/(.*)");
  const Route* route = compiled.table->Lookup("rewrite.bar.com", "/p/a");
  ASSERT_NE(route, nullptr);
  std::string out;
  out.reserve(64);
  const char* data = out.data();
  ASSERT_TRUE(RewritePath(*route, "/p/abc", out));
  EXPECT_EQ(out, "/abc");
  ASSERT_TRUE(RewritePath(*route, "/p/z", out));
  EXPECT_EQ(out, "/z");
  EXPECT_EQ(out.data(), data);  // no reallocation once grown
}

}  // namespace
}  // namespace waygate::route::testing
