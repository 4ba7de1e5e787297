#include "model/yaml_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waygate::model {
namespace {

using nlohmann::json;
using ParseFn = std::optional<SyntaxError> (*)(std::string_view,
                                               const std::function<void(int, json&&)>&, size_t);

// The backend under test; every YamlJson test runs against libyaml and yaml-cpp.
ParseFn g_parse = nullptr;

class YamlJson : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(GetParam()) == "libyaml") {
      if (!HaveLibyaml()) GTEST_SKIP() << "built without libyaml";
      g_parse = &ParseYamlWithLibyaml;
    } else {
      g_parse = &ParseYamlWithYamlCpp;
    }
  }
};

std::vector<json> Docs(std::string_view text, std::optional<SyntaxError>* error = nullptr,
                       size_t max_nodes = 0) {
  std::vector<json> docs;
  if (max_nodes == 0) max_nodes = 1'000'000;
  auto err = g_parse(
      text,
      [&](int index, json&& v) {
        EXPECT_EQ(index, static_cast<int>(docs.size()));
        docs.push_back(std::move(v));
      },
      max_nodes);
  if (error != nullptr) *error = err;
  return docs;
}

json One(std::string_view text) {
  std::optional<SyntaxError> err;
  auto docs = Docs(text, &err);
  EXPECT_FALSE(err.has_value()) << err->error.message;
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? json() : docs[0];
}

TEST_P(YamlJson, PlainScalarsFollowTheCoreSchema) {
  json v =
      One("int: 80\nneg: -3\nhex: 0x1F\noct: 0o17\nfloat: 1.5\nexp: 1e3\nt: true\nf: False\n"
          "n: null\ntilde: ~\nempty:\nyes: yes\non: on\nstr: hello\nver: 1.2.3\nzero: 0\n");
  EXPECT_EQ(v["int"], json(80));
  EXPECT_TRUE(v["int"].is_number_integer());
  EXPECT_EQ(v["neg"], json(-3));
  EXPECT_EQ(v["hex"], json(31));
  EXPECT_EQ(v["oct"], json(15));
  EXPECT_TRUE(v["float"].is_number_float());
  EXPECT_DOUBLE_EQ(v["float"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(v["exp"].get<double>(), 1000.0);
  EXPECT_EQ(v["t"], json(true));
  EXPECT_EQ(v["f"], json(false));
  EXPECT_TRUE(v["n"].is_null());
  EXPECT_TRUE(v["tilde"].is_null());
  EXPECT_TRUE(v["empty"].is_null());
  // YAML 1.2: yes/on are strings, not booleans as in YAML 1.1.
  EXPECT_EQ(v["yes"], json("yes"));
  EXPECT_EQ(v["on"], json("on"));
  EXPECT_EQ(v["str"], json("hello"));
  EXPECT_EQ(v["ver"], json("1.2.3"));
  EXPECT_EQ(v["zero"], json(0));
}

TEST_P(YamlJson, QuotedAndBlockScalarsStayStrings) {
  json v = One("a: \"80\"\nb: '1.5'\nc: 'true'\nd: \"null\"\ne: |\n  80\nf: !!str 443\n");
  EXPECT_EQ(v["a"], json("80"));
  EXPECT_EQ(v["b"], json("1.5"));
  EXPECT_EQ(v["c"], json("true"));
  EXPECT_EQ(v["d"], json("null"));
  EXPECT_EQ(v["e"], json("80\n"));
  EXPECT_EQ(v["f"], json("443"));
}

TEST_P(YamlJson, ExplicitTagsAreHonoured) {
  json v = One("a: !!int \"42\"\nb: !!bool 'true'\nc: !!float 2\n");
  EXPECT_EQ(v["a"], json(42));
  EXPECT_EQ(v["b"], json(true));
  EXPECT_TRUE(v["c"].is_number_float());
  std::optional<SyntaxError> err;
  Docs("a: !!int abc\n", &err);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->error.message.find("cannot decode !!int"), std::string::npos);
}

TEST_P(YamlJson, MultiDocumentKeepsIndexesAndEmptyDocuments) {
  auto docs = Docs("a: 1\n---\n---\n# only a comment\n---\nb: 2\n");
  ASSERT_GE(docs.size(), 3u);
  EXPECT_EQ(docs.front()["a"], json(1));
  EXPECT_EQ(docs.back()["b"], json(2));
  for (size_t i = 1; i + 1 < docs.size(); ++i) EXPECT_TRUE(docs[i].is_null());
}

TEST_P(YamlJson, AnchorsAliasesAndMergeKeys) {
  json v =
      One("base: &b {x: 1, y: 2}\n"
          "copy: *b\n"
          "merged:\n  <<: *b\n  y: 3\n");
  EXPECT_EQ(v["copy"], (json{{"x", 1}, {"y", 2}}));
  EXPECT_EQ(v["merged"]["x"], json(1));
  EXPECT_EQ(v["merged"]["y"], json(3));  // explicit keys win over merged ones
}

TEST_P(YamlJson, DuplicateKeysAreAnError) {
  std::optional<SyntaxError> err;
  Docs("a: 1\na: 2\n", &err);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->error.message.find("mapping key \"a\" already defined"), std::string::npos);
  EXPECT_NE(err->error.message.find("line 2"), std::string::npos);
}

TEST_P(YamlJson, SyntaxErrorReportsLineColumnAndDocument) {
  std::optional<SyntaxError> err;
  auto docs = Docs("a: 1\n---\nb: [1, 2\nc: 3\n", &err);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(docs.size(), 1u);  // the first document was delivered before the error
  EXPECT_EQ(err->document, 1);
  EXPECT_EQ(err->error.message.rfind("yaml: line ", 0), 0u) << err->error.message;
  EXPECT_NE(err->error.message.find("column"), std::string::npos);
}

TEST_P(YamlJson, AliasBombIsStopped) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  std::optional<SyntaxError> err;
  Docs(bomb, &err, 50'000);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->error.message.find("too large"), std::string::npos);
  // Ordinary aliases within the budget are fine.
  EXPECT_EQ(Docs("a: &a [1, 2]\nb: [*a, *a]\n", nullptr, 20).size(), 1u);
  std::optional<SyntaxError> small;
  Docs("a: &a [1, 2]\nb: [*a, *a]\n", &small, 8);
  EXPECT_TRUE(small.has_value());
}

TEST_P(YamlJson, DeepNestingIsRefusedNotACrash) {
  // Regression (fuzzing): 18,000 nested flow sequences behind an anchor overflowed the stack
  // when the anchored value was copied.
  std::string deep = "a: &a " + std::string(20000, '[') + std::string(20000, ']') + "\nb: *a\n";
  std::optional<SyntaxError> err;
  Docs(deep, &err);
  ASSERT_TRUE(err.has_value());
  // A realistic depth is fine.
  EXPECT_EQ(Docs("a: " + std::string(50, '[') + std::string(50, ']') + "\n").size(), 1u);
}

TEST_P(YamlJson, AliasBudgetCoversTheWholeFileNotEachDocument) {
  // Regression: the budget was reset per document, so many small documents could each expand
  // to the limit. Each document here expands to ~1,100 values; ten of them exceed 5,000.
  std::string doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                    "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
  std::optional<SyntaxError> one;
  EXPECT_EQ(Docs(doc, &one, 5'000).size(), 1u);
  EXPECT_FALSE(one.has_value());
  std::string many;
  for (int i = 0; i < 10; ++i) many += "---\n" + doc;
  std::optional<SyntaxError> err;
  Docs(many, &err, 5'000);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->error.message.find("too large"), std::string::npos);
}

TEST_P(YamlJson, ComplexKeysAreRejected) {
  std::optional<SyntaxError> err;
  Docs("? [a, b]\n: 1\n", &err);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->error.message.find("mapping keys must be scalars"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, YamlJson, ::testing::Values("libyaml", "yaml-cpp"),
                         [](const auto& info) {
                           return std::string(info.param) == "libyaml" ? "libyaml" : "yamlcpp";
                         });

TEST(YamlStream, DefaultBackendAndBudget) {
  size_t n = 0;
  auto err = ParseYamlStream("a: 1\n---\nb: 2\n", [&](int, json&&) { ++n; });
  EXPECT_FALSE(err.has_value());
  EXPECT_EQ(n, 2u);
}

TEST(Json, DeepNestingIsRefused) {
  auto deep = ParseJson(std::string(20000, '[') + std::string(20000, ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("nested too deeply"), std::string::npos);
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseJson("{\"a\": \"" + std::string(5000, '[') + "\"}").ok());
}

TEST(Json, ParsesAndReportsPosition) {
  auto ok = ParseJson(R"({"a": [1, "2"]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"][1], json("2"));
  auto bad = ParseJson("{\n  \"a\": 1,\n  oops\n}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 3"), std::string::npos) << bad.error().message;
  EXPECT_EQ(bad.error().message.rfind("json: ", 0), 0u);
}

}  // namespace
}  // namespace waygate::model
