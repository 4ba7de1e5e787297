// Tables of apimachinery's pkg/labels selector_test.go (TestSelectorParse, TestSetSelectorParser,
// TestSelectorMatches, TestRequirementSelectorMatching, TestToString, TestRequirementConstructor)
// plus error texts as kube-apiserver answers them (seen in real kubectl sessions).
#include "selector/label_selector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waygate::selector {
namespace {

constexpr const char* kNamePartMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr const char* kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

// --- parse, then print canonically ------------------------------------------------------------

struct ParseCase {
  std::string input;
  std::string canonical;  // String() of the parsed selector
};
void PrintTo(const ParseCase& c, std::ostream* os) { *os << "'" << c.input << "'"; }

class ParseGoodTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseGoodTest, ParsesAndPrintsCanonically) {
  const ParseCase& c = GetParam();
  Result<LabelSelector> s = LabelSelector::Parse(c.input);
  ASSERT_TRUE(s.ok()) << c.input << ": " << s.error().message;
  EXPECT_EQ(s->String(), c.canonical) << c.input;
  // The canonical form parses back to itself.
  Result<LabelSelector> again = LabelSelector::Parse(s->String());
  ASSERT_TRUE(again.ok()) << s->String();
  EXPECT_EQ(again->String(), c.canonical);
}

INSTANTIATE_TEST_SUITE_P(
    SelectorParse, ParseGoodTest,
    ::testing::Values(
        // TestSelectorParse (good strings print back without their spaces)
        ParseCase{"x=a,y=b,z=c", "x=a,y=b,z=c"}, ParseCase{"", ""},
        ParseCase{"x!=a,y=b", "x!=a,y=b"}, ParseCase{"x=", "x="}, ParseCase{"x= ", "x="},
        ParseCase{"x=,z= ", "x=,z="}, ParseCase{"x= ,z= ", "x=,z="}, ParseCase{"!x", "!x"},
        ParseCase{"x>1", "x>1"}, ParseCase{"x>1,z<5", "x>1,z<5"},
        // TestSetSelectorParser
        ParseCase{"\rx", "x"},
        ParseCase{"this-is-a-dns.domain.com/key-with-dash",
                  "this-is-a-dns.domain.com/key-with-dash"},
        ParseCase{"this-is-another-dns.domain.com/key-with-dash in (so,what)",
                  "this-is-another-dns.domain.com/key-with-dash in (so,what)"},
        ParseCase{"0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
                  "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"},
        ParseCase{"foo  in\t (abc)", "foo in (abc)"}, ParseCase{"x notin\n (abc)", "x notin (abc)"},
        ParseCase{"x  notin\t\t\t(abc,def)", "x notin (abc,def)"},
        ParseCase{"x in (abc,def)", "x in (abc,def)"}, ParseCase{"x in (abc,)", "x in (,abc)"},
        ParseCase{"x in ()", "x in ()"},
        ParseCase{"x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"},
        ParseCase{"x,y in (a)", "x,y in (a)"}, ParseCase{"x=a", "x=a"}, ParseCase{"x>1", "x>1"},
        ParseCase{"x<7", "x<7"}, ParseCase{"x=a,y!=b", "x=a,y!=b"},
        ParseCase{"x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"},
        ParseCase{"x notin ( )", "x notin ()"}, ParseCase{"x notin (, a)", "x notin (,a)"},
        ParseCase{"a ", "a"}, ParseCase{"a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"},
        // TestDeterministicParse: requirements are sorted by key
        ParseCase{"x=a,a=x", "a=x,x=a"}, ParseCase{"a=x,x=a", "a=x,x=a"},
        // operators kept as written; set values sorted and de-duplicated
        ParseCase{"x==a", "x==a"}, ParseCase{"x in (b,a,b)", "x in (a,b)"},
        ParseCase{"in=notin", "in=notin"}, ParseCase{"notin in (in)", "notin in (in)"},
        ParseCase{"x = a , !y", "x=a,!y"}, ParseCase{"x in (a,,b)", "x in (,a,b)"},
        ParseCase{"example.com/MyName=v", "example.com/MyName=v"}, ParseCase{"x>0009", "x>0009"}));

// --- errors, with kube-apiserver's exact text ----------------------------------------------------

struct ErrorCase {
  std::string input;
  std::string message;
};
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << "'" << c.input << "'"; }

class ParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, Message) {
  const ErrorCase& c = GetParam();
  Result<LabelSelector> s = LabelSelector::Parse(c.input);
  ASSERT_FALSE(s.ok()) << c.input << " parsed as " << s->String();
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(s.error().field, "");
  EXPECT_EQ(s.error().message, c.message) << c.input;
}

const std::string kReq = "unable to parse requirement: ";

INSTANTIATE_TEST_SUITE_P(
    SelectorParse, ParseErrorTest,
    ::testing::Values(
        // TestSelectorParse bad strings
        ErrorCase{"x=a||y=b", kReq + "values[0][x]: Invalid value: \"a||y\": " + kLabelValueMsg},
        ErrorCase{"x==a==b", "found '==', expected: ',' or 'end of string'"},
        ErrorCase{"!x=a", "found '=', expected: ',' or 'end of string'"},
        ErrorCase{"x<a", kReq + "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the "
                                "value must be an integer"},
        // TestSetSelectorParser invalid rows
        ErrorCase{"x,,y", "found ',', expected: identifier after ','"},
        ErrorCase{",x,y", "found ',', expected: !, identifier, or 'end of string'"},
        ErrorCase{"x nott in (y)", kReq + "found 'nott', expected: in, notin, =, ==, !=, gt, lt"},
        ErrorCase{"a in (xyz),", "found '', expected: identifier after ','"},
        ErrorCase{"a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"},
        ErrorCase{"a in (xyz abc)", kReq + "found 'abc', expected: ',' or ')'"},
        ErrorCase{"a notin(", kReq + "found '', expected: ',', ')' or identifier"},
        ErrorCase{"a (", kReq + "found '(', expected: in, notin, =, ==, !=, gt, lt"},
        ErrorCase{"(", "found '(', expected: !, identifier, or 'end of string'"},
        // Seen from real kube-apiservers
        ErrorCase{"type=app,versionv1.0.1)",
                  kReq + "found ')', expected: in, notin, =, ==, !=, gt, lt"},
        ErrorCase{"env IN (a)", kReq + "found 'IN', expected: in, notin, =, ==, !=, gt, lt"},
        ErrorCase{"e!!!!!ss", kReq + "found '!', expected: in, notin, =, ==, !=, gt, lt"},
        ErrorCase{"app:monolith", kReq + "<nil>: Invalid value: \"app:monolith\": " + kNamePartMsg},
        ErrorCase{"*bar", kReq + "<nil>: Invalid value: \"*bar\": " + kNamePartMsg},
        ErrorCase{"environment>qa", kReq + "values[0]: Invalid value: \"qa\": for 'Gt', 'Lt' "
                                           "operators, the value must be an integer"},
        ErrorCase{"app=demo-{nginx}",
                  kReq + "values[0][app]: Invalid value: \"demo-{nginx}\": " + kLabelValueMsg},
        ErrorCase{"a/b/c ?=? def",
                  kReq + "<nil>: Invalid value: \"a/b/c\": a qualified name must consist of "
                         "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                         "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
                         "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
                         "with an optional DNS subdomain prefix and '/' (e.g. "
                         "'example.com/MyName')"},
        ErrorCase{"app.kubernetes_io/name=x",
                  kReq +
                      "<nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase "
                      "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                      "or '.', and must start and end with an alphanumeric character (e.g. "
                      "'example.com', regex used for validation is "
                      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
        // Grammar corners worked out from the parser
        ErrorCase{"!", kReq + "found '', expected: identifier"},
        ErrorCase{"!!x", kReq + "found '!', expected: identifier"},
        ErrorCase{"x in", kReq + "found '' expected: '('"},
        ErrorCase{"x in a", kReq + "found 'a' expected: '('"},
        ErrorCase{"x in (,,)", kReq + "found ')', expected: ',', or identifier"},
        ErrorCase{"x in (a,,)", kReq + "found ')', expected: ',', or identifier"},
        ErrorCase{"x in (=)", kReq + "found '=', expected: ',', ')' or identifier"},
        ErrorCase{"x=(", kReq + "found '(', expected: identifier"},
        ErrorCase{"x!=a b", "found 'b', expected: ',' or 'end of string'"},
        ErrorCase{"x,", "found '', expected: identifier after ','"},
        ErrorCase{"=a", "found '=', expected: !, identifier, or 'end of string'"},
        ErrorCase{"x>-1", kReq + "values[0][x]: Invalid value: \"-1\": " + kLabelValueMsg},
        ErrorCase{"x>+1", kReq + "values[0][x]: Invalid value: \"+1\": " + kLabelValueMsg},
        ErrorCase{"x>1.5", kReq + "values[0]: Invalid value: \"1.5\": for 'Gt', 'Lt' operators, "
                                  "the value must be an integer"},
        ErrorCase{"x>9223372036854775808",
                  kReq + "values[0]: Invalid value: \"9223372036854775808\": for 'Gt', 'Lt' "
                         "operators, the value must be an integer"},
        // Two problems in one requirement come back as one aggregate
        ErrorCase{"x in (a_,b_)", kReq + "[values[0][x]: Invalid value: \"a_\": " + kLabelValueMsg +
                                      ", values[1][x]: Invalid value: \"b_\": " + kLabelValueMsg +
                                      "]"},
        ErrorCase{"x>a_", kReq +
                              "[values[0]: Invalid value: \"a_\": for 'Gt', 'Lt' operators, the "
                              "value must be an integer, values[0][x]: Invalid value: \"a_\": " +
                              kLabelValueMsg + "]"},
        ErrorCase{"x=" + std::string(64, 'v'), kReq + "values[0][x]: Invalid value: \"" +
                                                   std::string(64, 'v') +
                                                   "\": must be no more than 63 characters"},
        ErrorCase{std::string(64, 'k'), kReq + "<nil>: Invalid value: \"" + std::string(64, 'k') +
                                            "\": name part must be no more than 63 characters"}));

// --- matching
// -------------------------------------------------------------------------------------

struct MatchCase {
  std::string selector;
  Labels labels;
  bool match;
};
void PrintTo(const MatchCase& c, std::ostream* os) { *os << "'" << c.selector << "'"; }

class MatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MatchTest, Matches) {
  const MatchCase& c = GetParam();
  Result<LabelSelector> s = LabelSelector::Parse(c.selector);
  ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
  EXPECT_EQ(s->Matches(c.labels), c.match) << c.selector;
}

const Labels kFooBaz = {{"foo", "bar"}, {"baz", "blah"}};

INSTANTIATE_TEST_SUITE_P(
    SelectorMatches, MatchTest,
    ::testing::Values(
        // TestSelectorMatches
        MatchCase{"", {{"x", "y"}}, true}, MatchCase{"x=y", {{"x", "y"}}, true},
        MatchCase{"x=y,z=w", {{"x", "y"}, {"z", "w"}}, true},
        MatchCase{"x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true},
        MatchCase{"notin=in", {{"notin", "in"}}, true}, MatchCase{"x", {{"x", "z"}}, true},
        MatchCase{"!x", {{"y", "z"}}, true}, MatchCase{"x>1", {{"x", "2"}}, true},
        MatchCase{"x<1", {{"x", "0"}}, true}, MatchCase{"x=z", {}, false},
        MatchCase{"x=y", {{"x", "z"}}, false},
        MatchCase{"x=y,z=w", {{"x", "w"}, {"z", "w"}}, false},
        MatchCase{"x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false},
        MatchCase{"x", {{"y", "z"}}, false}, MatchCase{"!x", {{"x", "z"}}, false},
        MatchCase{"x>1", {{"x", "0"}}, false}, MatchCase{"x<1", {{"x", "2"}}, false},
        MatchCase{"foo=bar", kFooBaz, true}, MatchCase{"baz=blah", kFooBaz, true},
        MatchCase{"foo=bar,baz=blah", kFooBaz, true}, MatchCase{"foo=blah", kFooBaz, false},
        MatchCase{"baz=bar", kFooBaz, false},
        MatchCase{"foo=bar,foobar=bar,baz=blah", kFooBaz, false},
        // TestRequirementSelectorMatching, written as strings
        MatchCase{"x in (foo),y notin (alpha)", {{"x", "foo"}, {"y", "baz"}}, true},
        MatchCase{"x in (foo),y in (alpha)", {{"x", "foo"}, {"y", "baz"}}, false},
        MatchCase{"x notin (),y", {{"y", ""}}, true}, MatchCase{"!x,y", {{"y", ""}}, true},
        MatchCase{"x notin (),!y", {{"y", ""}}, false}, MatchCase{"x in ()", {{"y", "baz"}}, false},
        MatchCase{"z>1", {{"z", "2"}}, true}, MatchCase{"z>1", {{"z", "v2"}}, false},
        // != and notin select objects without the label; in and = need it
        MatchCase{"env!=prod", {}, true}, MatchCase{"env notin (prod,staging)", {}, true},
        MatchCase{"env notin (prod,staging)", {{"env", "staging"}}, false},
        MatchCase{"env notin (prod,staging)", {{"env", "dev"}}, true},
        MatchCase{"env in (prod,staging)", {}, false},
        MatchCase{"env in (prod,staging)", {{"env", "prod"}}, true},
        MatchCase{"env in ()", {{"env", ""}}, true}, MatchCase{"env=", {{"env", ""}}, true},
        MatchCase{"env=", {}, false}, MatchCase{"env==prod", {{"env", "prod"}}, true},
        MatchCase{"env", {{"env", ""}}, true}, MatchCase{"x>1", {{"x", "+2"}}, true},
        MatchCase{"x>1", {{"x", "1"}}, false}, MatchCase{"x>1", {{"x", " 2"}}, false},
        MatchCase{"x<10", {{"x", "9"}}, true},
        MatchCase{"app=web,tier in (fe,be),!canary",
                  {{"app", "web"}, {"tier", "be"}, {"other", "1"}},
                  true},
        MatchCase{"app=web,tier in (fe,be),!canary",
                  {{"app", "web"}, {"tier", "be"}, {"canary", "true"}},
                  false}));

TEST(MatchTest, GtLtCornerCases) {
  // A negative bound cannot be written (a label value cannot start with '-'), but a negative
  // label value compares as a number.
  EXPECT_FALSE(LabelSelector::Parse("x<-5").ok());
  Result<LabelSelector> lt = LabelSelector::Parse("x<5");
  ASSERT_TRUE(lt.ok());
  EXPECT_TRUE(lt->Matches({{"x", "-6"}}));
  EXPECT_FALSE(lt->Matches({{"x", "abc"}}));
  EXPECT_FALSE(lt->Matches({}));
}

// --- structure: Everything, Nothing, requirements, exact matches --------------------------------

TEST(LabelSelectorTest, EverythingAndNothing) {
  LabelSelector all = LabelSelector::Everything();
  EXPECT_TRUE(all.Empty());
  EXPECT_TRUE(all.Matches({{"x", "y"}}));
  EXPECT_TRUE(all.Matches({}));
  LabelSelector none = LabelSelector::Nothing();
  EXPECT_FALSE(none.Empty());
  EXPECT_TRUE(none.MatchesNothing());
  EXPECT_FALSE(none.Matches({}));
  EXPECT_EQ(none.String(), "");
  Result<LabelSelector> empty = LabelSelector::Parse("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->Empty());
}

TEST(LabelSelectorTest, ParsedRequirements) {
  Result<LabelSelector> s = LabelSelector::Parse("x notin (abc,,def),bar,z in (),w");
  ASSERT_TRUE(s.ok());
  const std::vector<Requirement>& r = s->requirements();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].key(), "bar");
  EXPECT_EQ(r[0].op(), Operator::kExists);
  EXPECT_EQ(r[1].key(), "w");
  EXPECT_EQ(r[2].key(), "x");
  EXPECT_EQ(r[2].op(), Operator::kNotIn);
  EXPECT_EQ(r[2].values(), (std::vector<std::string>{"", "abc", "def"}));
  EXPECT_EQ(r[3].op(), Operator::kIn);
  EXPECT_EQ(r[3].values(), (std::vector<std::string>{""}));
}

TEST(LabelSelectorTest, RequiresExactMatch) {
  auto exact = [](const char* text, const char* key) {
    Result<LabelSelector> s = LabelSelector::Parse(text);
    EXPECT_TRUE(s.ok()) << text;
    return s->RequiresExactMatch(key);
  };
  EXPECT_EQ(exact("", "test"), std::nullopt);
  EXPECT_EQ(exact("a in (b)", "test"), std::nullopt);
  EXPECT_EQ(exact("test in (b)", "test"), "b");
  EXPECT_EQ(exact("test in ()", "test"), "");
  EXPECT_EQ(exact("test notin (b)", "test"), std::nullopt);
  EXPECT_EQ(exact("test==b", "test"), "b");
  EXPECT_EQ(exact("test=b,other=c", "test"), "b");
  EXPECT_EQ(exact("test in (a,b)", "test"), std::nullopt);
}

TEST(LabelSelectorTest, FromSet) {
  LabelSelector s = LabelSelector::FromSet({{"foo", "bar"}, {"baz", "blah"}});
  EXPECT_EQ(s.String(), "baz=blah,foo=bar");
  EXPECT_TRUE(s.Matches(kFooBaz));
  EXPECT_FALSE(s.Matches({{"foo", "bar"}}));
  EXPECT_TRUE(LabelSelector::FromSet({}).Empty());
  EXPECT_TRUE(LabelSelector::FromSet({}).Matches(kFooBaz));
  // TestSetMatches: values are compared verbatim
  EXPECT_FALSE(LabelSelector::FromSet({{"foo", "=blah"}}).Matches(kFooBaz));
}

// --- TestToString and TestRequirementConstructor ------------------------------------------------

Requirement Req(std::string key, Operator op, std::vector<std::string> values) {
  Result<Requirement> r = Requirement::Create(key, op, values);
  EXPECT_TRUE(r.ok()) << key << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Requirement::Unchecked(key, op, values);
}

TEST(ToStringTest, ApimachineryTable) {
  using O = Operator;
  EXPECT_EQ(
      LabelSelector::FromRequirements({Req("x", O::kIn, {"abc", "def"}),
                                       Req("y", O::kNotIn, {"jkl"}), Req("z", O::kExists, {})})
          .String(),
      "x in (abc,def),y notin (jkl),z");
  EXPECT_EQ(LabelSelector::FromRequirements({Req("x", O::kNotIn, {"abc", "def"}),
                                             Req("y", O::kNotEquals, {"jkl"}),
                                             Req("z", O::kDoesNotExist, {})})
                .String(),
            "x notin (abc,def),y!=jkl,!z");
  EXPECT_EQ(
      LabelSelector::FromRequirements({Req("x", O::kNotIn, {"abc"}),
                                       Req("y", O::kIn, {"jkl", "mno"}), Req("z", O::kNotIn, {""})})
          .String(),
      "x notin (abc),y in (jkl,mno),z notin ()");
  EXPECT_EQ(LabelSelector::FromRequirements(
                {Req("x", O::kEquals, {"abc"}), Req("y", O::kDoubleEquals, {"jkl"}),
                 Req("z", O::kNotEquals, {"a"}), Req("z", O::kExists, {})})
                .String(),
            "x=abc,y==jkl,z!=a,z");
  EXPECT_EQ(
      LabelSelector::FromRequirements({Req("x", O::kGreaterThan, {"2"}),
                                       Req("y", O::kLessThan, {"8"}), Req("z", O::kExists, {})})
          .String(),
      "x>2,y<8,z");
  // Values print sorted (safeSort) without changing the requirement itself.
  Requirement unsorted = Req("x", O::kIn, {"b", "a", "b"});
  EXPECT_EQ(unsorted.String(), "x in (a,b,b)");
  EXPECT_EQ(unsorted.values(), (std::vector<std::string>{"b", "a", "b"}));
}

struct CtorCase {
  std::string key;
  Operator op;
  std::vector<std::string> values;
  std::string error;  // "" when valid
};
void PrintTo(const CtorCase& c, std::ostream* os) {
  *os << "'" << c.key.substr(0, 20) << "' " << OperatorName(c.op);
}

class RequirementCtorTest : public ::testing::TestWithParam<CtorCase> {};

TEST_P(RequirementCtorTest, Validates) {
  const CtorCase& c = GetParam();
  Result<Requirement> r = Requirement::Create(c.key, c.op, c.values);
  if (c.error.empty()) {
    EXPECT_TRUE(r.ok()) << c.key << ": " << r.error().message;
  } else {
    ASSERT_FALSE(r.ok()) << c.key;
    EXPECT_EQ(r.error().message, c.error);
  }
}

using O = Operator;
INSTANTIATE_TEST_SUITE_P(
    Apimachinery, RequirementCtorTest,
    ::testing::Values(
        CtorCase{"x",
                 O::kIn,
                 {},
                 "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
                 "can't be empty"},
        CtorCase{"x",
                 O::kNotIn,
                 {},
                 "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
                 "can't be empty"},
        CtorCase{"x", O::kIn, {"foo"}, ""}, CtorCase{"x", O::kNotIn, {"foo"}, ""},
        CtorCase{"x", O::kExists, {}, ""}, CtorCase{"x", O::kDoesNotExist, {}, ""},
        CtorCase{"1foo", O::kIn, {"bar"}, ""}, CtorCase{"1234", O::kIn, {"bar"}, ""},
        CtorCase{"y", O::kGreaterThan, {"1"}, ""}, CtorCase{"z", O::kLessThan, {"6"}, ""},
        CtorCase{"foo",
                 O::kGreaterThan,
                 {"bar"},
                 "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be "
                 "an integer"},
        CtorCase{"barz",
                 O::kLessThan,
                 {"blah"},
                 "values[0]: Invalid value: \"blah\": for 'Gt', 'Lt' operators, the value must "
                 "be an integer"},
        CtorCase{std::string(254, 'a'),
                 O::kExists,
                 {},
                 "key: Invalid value: \"" + std::string(254, 'a') +
                     "\": name part must be no more than 63 characters"},
        CtorCase{"x",
                 O::kEquals,
                 {"a", "b"},
                 "values: Invalid value: []string{\"a\", \"b\"}: exact-match compatibility "
                 "requires one single value"},
        CtorCase{"x",
                 O::kExists,
                 {"a"},
                 "values: Invalid value: []string{\"a\"}: values set must be empty for exists "
                 "and does not exist"},
        CtorCase{"x",
                 O::kGreaterThan,
                 {},
                 "values: Invalid value: []string(nil): for 'Gt', 'Lt' operators, exactly one "
                 "value is required"}));

}  // namespace
}  // namespace waygate::selector
