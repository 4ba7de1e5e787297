// Tables of apimachinery's pkg/fields selector_test.go (TestSplitTerms, TestSplitTerm,
// TestEscapeValue, TestSelectorParse, TestSelectorMatches) and kube-apiserver's answers to
// unsupported fields.
#include "selector/field_selector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace waygate::selector {
namespace {}  // namespace

void PrintTo(const FieldRequirement& r, std::ostream* os) {
  *os << r.field << (r.equals ? "=" : "!=") << r.value;
}

namespace {

const std::set<std::string> kAnyField;  // empty: no field-label check, as fields.ParseSelector

// --- parse, then print
// ----------------------------------------------------------------------------

struct ParseCase {
  std::string input;
  std::vector<FieldRequirement> terms;  // in sorted-term order
  std::string canonical;
};
void PrintTo(const ParseCase& c, std::ostream* os) { *os << "'" << c.input << "'"; }

class FieldParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(FieldParseTest, Terms) {
  const ParseCase& c = GetParam();
  Result<FieldSelector> s = FieldSelector::Parse(c.input, kAnyField);
  ASSERT_TRUE(s.ok()) << c.input << ": " << s.error().message;
  EXPECT_EQ(s->requirements(), c.terms) << c.input;
  EXPECT_EQ(s->String(), c.canonical) << c.input;
  EXPECT_EQ(s->Empty(), c.terms.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Apimachinery, FieldParseTest,
    ::testing::Values(
        // TestSelectorParse good strings print back as written
        ParseCase{
            "x=a,y=b,z=c", {{"x", true, "a"}, {"y", true, "b"}, {"z", true, "c"}}, "x=a,y=b,z=c"},
        ParseCase{"", {}, ""},
        ParseCase{"x!=a,y=b", {{"x", false, "a"}, {"y", true, "b"}}, "x!=a,y=b"},
        ParseCase{R"(x=a||y\=b)", {{"x", true, "a||y=b"}}, R"(x=a||y\=b)"},
        ParseCase{R"(x=a\=\=b)", {{"x", true, "a==b"}}, R"(x=a\=\=b)"},
        // TestSplitTerms: empty terms vanish, escaped commas stay in their term
        ParseCase{"a=avalue,b==bvalue,c!=cvalue",
                  {{"a", true, "avalue"}, {"b", true, "bvalue"}, {"c", false, "cvalue"}},
                  "a=avalue,b=bvalue,c!=cvalue"},
        ParseCase{"a=a,", {{"a", true, "a"}}, "a=a"}, ParseCase{",a=a", {{"a", true, "a"}}, "a=a"},
        ParseCase{",", {}, ""},
        // (sorted as raw text: "k2=" before "k=", since '2' < '=')
        ParseCase{R"(k=\,,k2=v2)", {{"k2", true, "v2"}, {"k", true, ","}}, R"(k2=v2,k=\,)"},
        ParseCase{R"(k=\\,k2=v2)", {{"k2", true, "v2"}, {"k", true, "\\"}}, R"(k2=v2,k=\\)"},
        ParseCase{R"(k=\\\,,k2=v2)", {{"k2", true, "v2"}, {"k", true, "\\,"}}, R"(k2=v2,k=\\\,)"},
        ParseCase{"함=수,목=록", {{"목", true, "록"}, {"함", true, "수"}}, "목=록,함=수"},
        // TestSplitTerm: the first operator wins, "!=" and "==" before "="
        ParseCase{"b==value", {{"b", true, "value"}}, "b=value"},
        ParseCase{R"(k=\=)", {{"k", true, "="}}, R"(k=\=)"},
        // terms are sorted before they are read (TestDeterministicParse)
        ParseCase{"x=a,a=x", {{"a", true, "x"}, {"x", true, "a"}}, "a=x,x=a"},
        ParseCase{"metadata.name=", {{"metadata.name", true, ""}}, "metadata.name="},
        // the field name is not trimmed
        ParseCase{" a = b", {{" a ", true, " b"}}, " a = b"}));

struct ErrorCase {
  std::string input;
  std::string message;
};
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << "'" << c.input << "'"; }

class FieldParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FieldParseErrorTest, Message) {
  const ErrorCase& c = GetParam();
  Result<FieldSelector> s = FieldSelector::Parse(c.input, kAnyField);
  ASSERT_FALSE(s.ok()) << c.input << " parsed as " << s->String();
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(s.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Apimachinery, FieldParseErrorTest,
    ::testing::Values(
        // TestSelectorParse bad strings
        ErrorCase{"x=a||y=b", "invalid field selector: unescaped character in value: 61"},
        ErrorCase{"x==a==b", "invalid field selector: unescaped character in value: 61"},
        ErrorCase{"x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"},
        ErrorCase{"x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"},
        ErrorCase{"x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"},
        ErrorCase{"x", "invalid selector: 'x'; can't understand 'x'"},
        // TestEscapeValue invalid sequences, inside a term
        ErrorCase{R"(k=\)", R"(invalid field selector: invalid escape sequence: \)"},
        ErrorCase{R"(k=\\\)", R"(invalid field selector: invalid escape sequence: \)"},
        ErrorCase{R"(k=\a)", R"(invalid field selector: invalid escape sequence: \a)"},
        ErrorCase{R"(k=\a\b\)", R"(invalid field selector: invalid escape sequence: \a)"},
        ErrorCase{"k=\\수", "invalid field selector: invalid escape sequence: \\수"},
        // "!=" is found first, leaving an unescaped '=' in the value
        ErrorCase{"a!==b", "invalid field selector: unescaped character in value: 61"},
        // an unescaped ',' never reaches the value: it splits terms
        ErrorCase{"a=b\\,=", "invalid field selector: unescaped character in value: 61"}));

// --- escaping
// ---------------------------------------------------------------------------------------

TEST(FieldEscapeTest, RoundTrips) {
  const std::map<std::string, std::string> cases = {
      {"", ""},       {"a", "a"},        {"=", R"(\=)"},
      {",", R"(\,)"}, {R"(\)", R"(\\)"}, {R"(\=\,\)", R"(\\\=\\\,\\)"}};
  for (const auto& [raw, escaped] : cases) {
    EXPECT_EQ(EscapeFieldValue(raw), escaped);
    Result<std::string> back = UnescapeFieldValue(escaped);
    ASSERT_TRUE(back.ok()) << escaped;
    EXPECT_EQ(*back, raw);
  }
}

TEST(FieldEscapeTest, InvalidUtf8BecomesReplacementOnlyWhenUnescaping) {
  // Go walks runes only when the value holds a special character.
  EXPECT_EQ(*UnescapeFieldValue("a\xff"), "a\xff");
  EXPECT_EQ(*UnescapeFieldValue("a\xff\\,"), "a\xEF\xBF\xBD,");
}

// --- supported fields, with kube-apiserver's wording ------------------------------------------

TEST(FieldSupportTest, MetadataFieldsWording) {
  const std::set<std::string>& meta = FieldSelector::MetadataFields();
  EXPECT_TRUE(FieldSelector::Parse("metadata.name=a,metadata.namespace!=b", meta).ok());
  Result<FieldSelector> bad = FieldSelector::Parse("foo.bar=baz", meta);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.error().message,
      R"("foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace")");
  // Terms are checked in sorted order after the whole string parsed.
  Result<FieldSelector> two = FieldSelector::Parse("z=1,spec.x=2,metadata.name=a", meta);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(
      two.error().message,
      R"("spec.x" is not a known field selector: only "metadata.name", "metadata.namespace")");
  Result<FieldSelector> parse_first = FieldSelector::Parse("foo=1,bar", meta);
  ASSERT_FALSE(parse_first.ok());
  EXPECT_EQ(parse_first.error().message, "invalid selector: 'foo=1,bar'; can't understand 'bar'");
  Result<FieldSelector> spaced = FieldSelector::Parse(" metadata.name=a", meta);
  ASSERT_FALSE(spaced.ok());
  EXPECT_EQ(spaced.error().message, R"(" metadata.name" is not a known field selector: only )"
                                    R"("metadata.name", "metadata.namespace")");
  Result<FieldSelector> bare = FieldSelector::Parse("=x", meta);
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.error().message,
            R"("" is not a known field selector: only "metadata.name", "metadata.namespace")");
}

TEST(FieldSupportTest, KindWithOwnFieldsWording) {
  const std::set<std::string> secret = {"metadata.name", "metadata.namespace", "type"};
  Result<FieldSelector> ok = FieldSelector::Parse("type=kubernetes.io/tls", secret);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->RequiresExactMatch("type"), "kubernetes.io/tls");
  Result<FieldSelector> bad = FieldSelector::Parse("status.hostIP=1.2.3.4", secret);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "field label not supported: status.hostIP");
}

// --- matching
// ---------------------------------------------------------------------------------------

struct MatchCase {
  std::string selector;
  std::map<std::string, std::string> fields;
  bool match;
};
void PrintTo(const MatchCase& c, std::ostream* os) { *os << "'" << c.selector << "'"; }

class FieldMatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(FieldMatchTest, Matches) {
  const MatchCase& c = GetParam();
  Result<FieldSelector> s = FieldSelector::Parse(c.selector, kAnyField);
  ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
  auto get = [&](std::string_view f) -> std::optional<std::string> {
    auto it = c.fields.find(std::string(f));
    if (it == c.fields.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(s->Matches(get), c.match) << c.selector;
}

const std::map<std::string, std::string> kFieldSet = {
    {"foo", "bar"}, {"baz", "blah"}, {"complex", R"(=value\,\)"}};

INSTANTIATE_TEST_SUITE_P(
    Apimachinery, FieldMatchTest,
    ::testing::Values(MatchCase{"", {{"x", "y"}}, true}, MatchCase{"x=y", {{"x", "y"}}, true},
                      MatchCase{"x=y,z=w", {{"x", "y"}, {"z", "w"}}, true},
                      MatchCase{"x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true},
                      MatchCase{"notin=in", {{"notin", "in"}}, true},
                      MatchCase{"x=y", {{"x", "z"}}, false},
                      MatchCase{"x=y,z=w", {{"x", "w"}, {"z", "w"}}, false},
                      MatchCase{"x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false},
                      MatchCase{"foo=bar", kFieldSet, true}, MatchCase{"baz=blah", kFieldSet, true},
                      MatchCase{"foo=bar,baz=blah", kFieldSet, true},
                      MatchCase{R"(foo=bar,baz=blah,complex=\=value\\\,\\)", kFieldSet, true},
                      MatchCase{"foo=blah", kFieldSet, false},
                      MatchCase{"baz=bar", kFieldSet, false},
                      MatchCase{"foo=bar,foobar=bar,baz=blah", kFieldSet, false},
                      // a missing field reads as "" (a cluster-scoped object's namespace)
                      MatchCase{"metadata.namespace=", {{"metadata.name", "n"}}, true},
                      MatchCase{"metadata.namespace!=default", {{"metadata.name", "n"}}, true},
                      MatchCase{"metadata.namespace!=", {{"metadata.name", "n"}}, false},
                      MatchCase{"metadata.name==web", {{"metadata.name", "web"}}, true}));

}  // namespace
}  // namespace waygate::selector
