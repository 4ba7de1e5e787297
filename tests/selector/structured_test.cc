// metav1.LabelSelector: ValidateLabelSelector's errors with field paths, and
// LabelSelectorAsSelector's conversion.
#include "selector/structured.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waygate::selector {
namespace {

using Json = nlohmann::json;

std::vector<std::string> Errors(const Json& j) {
  model::FieldPath spec("spec");
  model::FieldPath path = spec.Child("selector");
  model::ErrorList errs;
  ValidateLabelSelectorJson(j, path, errs);
  std::vector<std::string> out;
  for (const Error& e : errs.errors()) out.push_back(e.ToString());
  return out;
}

struct ValidateCase {
  std::string json;
  std::vector<std::string> errors;
};
void PrintTo(const ValidateCase& c, std::ostream* os) { *os << c.json; }

class StructuredValidateTest : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(StructuredValidateTest, Errors) {
  const ValidateCase& c = GetParam();
  EXPECT_EQ(Errors(Json::parse(c.json)), c.errors) << c.json;
}

constexpr const char* kNamePart =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const std::string kValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

INSTANTIATE_TEST_SUITE_P(
    Apimachinery, StructuredValidateTest,
    ::testing::Values(
        ValidateCase{"null", {}}, ValidateCase{"{}", {}},
        ValidateCase{R"({"matchLabels":{"app":"web"},"matchExpressions":[
                       {"key":"tier","operator":"In","values":["fe","be"]},
                       {"key":"canary","operator":"DoesNotExist"}]})",
                     {}},
        ValidateCase{R"({"matchExpressions":[{"key":"x","operator":"Foo","values":["a"]}]})",
                     {"spec.selector.matchExpressions[0].operator: Invalid value: \"Foo\": not a "
                      "valid selector operator"}},
        ValidateCase{R"({"matchExpressions":[{"key":"x","operator":"In"}]})",
                     {"spec.selector.matchExpressions[0].values: Required value: must be "
                      "specified when `operator` is 'In' or 'NotIn'"}},
        ValidateCase{R"({"matchExpressions":[{"key":"x","operator":"NotIn","values":[]}]})",
                     {"spec.selector.matchExpressions[0].values: Required value: must be "
                      "specified when `operator` is 'In' or 'NotIn'"}},
        ValidateCase{R"({"matchExpressions":[{"key":"x","operator":"Exists","values":["a"]}]})",
                     {"spec.selector.matchExpressions[0].values: Forbidden: may not be specified "
                      "when `operator` is 'Exists' or 'DoesNotExist'"}},
        ValidateCase{
            R"({"matchExpressions":[{"key":"a b","operator":"Exists"}]})",
            {std::string("spec.selector.matchExpressions[0].key: Invalid value: \"a b\": ") +
             kNamePart}},
        ValidateCase{
            R"({"matchExpressions":[{"key":"x","operator":"In","values":["ok","-no"]}]})",
            {"spec.selector.matchExpressions[0].values[1]: Invalid value: \"-no\": " + kValueMsg}},
        ValidateCase{
            R"({"matchLabels":{"a b":"-no"}})",
            {std::string("spec.selector.matchLabels: Invalid value: \"a b\": ") + kNamePart,
             "spec.selector.matchLabels: Invalid value: \"-no\": " + kValueMsg}},
        ValidateCase{R"({"matchExpressions":[{"operator":"in"}]})",
                     {"spec.selector.matchExpressions[0].operator: Invalid value: \"in\": not a "
                      "valid selector operator",
                      "spec.selector.matchExpressions[0].key: Invalid value: \"\": name part must "
                      "be non-empty",
                      std::string("spec.selector.matchExpressions[0].key: Invalid value: \"\": ") +
                          kNamePart}},
        // wrong JSON types
        ValidateCase{R"("app=web")", {"spec.selector: Invalid type: expected object, got string"}},
        ValidateCase{R"({"matchLabels":{"app":1}})",
                     {"spec.selector.matchLabels[app]: Invalid type: expected string, got "
                      "integer"}},
        ValidateCase{R"({"matchExpressions":{"key":"x"}})",
                     {"spec.selector.matchExpressions: Invalid type: expected array, got "
                      "object"}},
        ValidateCase{R"({"matchExpressions":[{"key":"x","operator":"In","values":[1]}]})",
                     {"spec.selector.matchExpressions[0].values[0]: Invalid type: expected "
                      "string, got integer"}}));

TEST(StructuredConvertTest, AsSelector) {
  model::FieldPath path("selector");
  Result<LabelSelector> s =
      LabelSelectorFromJson(Json::parse(R"({"matchLabels":{"app":"web"},"matchExpressions":[
          {"key":"tier","operator":"In","values":["fe","be"]},
          {"key":"canary","operator":"DoesNotExist"},
          {"key":"env","operator":"NotIn","values":["prod"]},
          {"key":"app","operator":"Exists"}]})"),
                            path);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->String(), "app=web,app,!canary,env notin (prod),tier in (be,fe)");
  EXPECT_TRUE(s->Matches({{"app", "web"}, {"tier", "fe"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "fe"}, {"env", "prod"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "fe"}, {"canary", ""}}));
  EXPECT_FALSE(s->Matches({{"app", "api"}, {"tier", "fe"}}));
}

TEST(StructuredConvertTest, NullSelectsNothingEmptySelectsEverything) {
  model::FieldPath path("selector");
  Result<LabelSelector> none = LabelSelectorFromJson(Json(), path);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->Matches({}));
  Result<LabelSelector> all = LabelSelectorFromJson(Json::parse(R"({"matchLabels":{}})"), path);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Empty());
  EXPECT_TRUE(all->Matches({{"x", "y"}}));
}

TEST(StructuredConvertTest, FirstErrorWithItsField) {
  model::FieldPath spec("spec");
  model::FieldPath path = spec.Child("selector");
  Result<LabelSelector> s = LabelSelectorFromJson(
      Json::parse(R"({"matchExpressions":[{"key":"x","operator":"Equals","values":["a"]}]})"),
      path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(s.error().field, "spec.selector.matchExpressions[0].operator");
  EXPECT_EQ(s.error().message, "Invalid value: \"Equals\": not a valid selector operator");
}

TEST(StructuredConvertTest, Format) {
  EXPECT_EQ(FormatLabelSelectorJson(Json::parse("{}")), "<none>");
  EXPECT_EQ(FormatLabelSelectorJson(Json::parse(R"({"matchLabels":{"b":"2","a":"1"}})")),
            "a=1,b=2");
  EXPECT_EQ(FormatLabelSelectorJson(
                Json::parse(R"({"matchExpressions":[{"key":"x","operator":"Nope"}]})")),
            "<error>");
}

}  // namespace
}  // namespace waygate::selector
