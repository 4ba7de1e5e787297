// NormalizePath: dot segments (plain and %2e), repeated slashes, other encodings kept.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/h1.h"

namespace waygate::http {
namespace {

std::string Normalize(std::string_view path) {
  std::vector<char> out(path.size() + 1, '#');
  const int n = NormalizePath(path, out.data());
  if (n < 0) return "<invalid>";
  EXPECT_LE(static_cast<size_t>(n), path.size() + 1);
  return std::string(out.data(), static_cast<size_t>(n));
}

struct PathCase {
  const char* in;
  const char* out;
};

class NormalizePathTest : public testing::TestWithParam<PathCase> {};

TEST_P(NormalizePathTest, Normalizes) {
  EXPECT_EQ(Normalize(GetParam().in), GetParam().out) << GetParam().in;
  // Normalising is idempotent.
  const std::string once = Normalize(GetParam().in);
  if (once != "<invalid>") {
    EXPECT_EQ(Normalize(once), once);
  }
}

const PathCase kPaths[] = {
    {"/", "/"},
    {"/a", "/a"},
    {"/a/", "/a/"},
    {"/a/b/", "/a/b/"},
    {"/a/./b", "/a/b"},
    {"/a/../../b", "/b"},
    {"//a///b", "/a/b"},
    {"//", "/"},
    {"/%2e%2e/x", "/x"},
    {"/%2E%2E/x", "/x"},
    {"/a/%2e/b", "/a/b"},
    {"/a/.%2e/b", "/b"},
    {"/a/%2e./b", "/b"},
    {"/a/b/..", "/a/"},
    {"/a/b/../", "/a/"},
    {"/a/b/.", "/a/b/"},
    {"/a/.", "/a/"},
    {"/..", "/"},
    {"/../..", "/"},
    {"/../a", "/a"},
    {"/.", "/"},
    {"/a//", "/a/"},
    {"/a/b/../c/./d/", "/a/c/d/"},
    {"/...", "/..."},
    {"/a/.../b", "/a/.../b"},
    {"/.a/..b/a.", "/.a/..b/a."},
    {"/%2e%2e%2e", "/%2e%2e%2e"},
    {"/%2f..", "/%2f.."},
    {"/a%2f../b", "/a%2f../b"},
    {"/a%2F%2e%2e/b", "/a%2F%2e%2e/b"},
    {"/caf%C3%A9/./x", "/caf%C3%A9/x"},
    {"/%2", "/%2"},
    {"/a/%2e%2", "/a/%2e%2"},
    {"", "<invalid>"},
    {"a/b", "<invalid>"},
    {"*", "<invalid>"},
    {"http://a/b", "<invalid>"},
};

INSTANTIATE_TEST_SUITE_P(Table, NormalizePathTest, testing::ValuesIn(kPaths));

}  // namespace
}  // namespace waygate::http
