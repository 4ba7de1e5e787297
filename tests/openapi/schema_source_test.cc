// The schema source language and its checks: a mistake in schemas/*.schema must fail the build
// of the documents (and this suite), never publish a broken schema.
#include "openapi/schema_source.h"

#include <gtest/gtest.h>

#include "openapi/schema_set.h"

namespace waygate::openapi {
namespace {

using nlohmann::json;

TEST(SchemaSource, ParsesSchemasFieldsAndOptions) {
  auto parsed = ParseSchemaSource("t.schema",
                                  "# comment\n"
                                  "\n"
                                  "networking.v1.Thing kind=networking.k8s.io/v1/Thing | A thing.\n"
                                  "  ports []core.v1.Port merge=port list=map keys=port,protocol "
                                  "| The ports.\n"
                                  "  name string required | Its name.\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  const SchemaDef& def = (*parsed)[0];
  EXPECT_EQ(def.name, "io.k8s.api.networking.v1.Thing");
  EXPECT_EQ(def.description, "A thing.");
  ASSERT_NE(FindOption(def.options, "kind"), nullptr);
  EXPECT_EQ(*FindOption(def.options, "kind"), "networking.k8s.io/v1/Thing");
  ASSERT_EQ(def.fields.size(), 2u);
  EXPECT_EQ(def.fields[0].type, "[]core.v1.Port");
  EXPECT_EQ(*FindOption(def.fields[0].options, "keys"), "port,protocol");
  EXPECT_NE(FindOption(def.fields[1].options, "required"), nullptr);
  EXPECT_EQ(FindOption(def.fields[1].options, "merge"), nullptr);
}

TEST(SchemaSource, RejectsMalformedLines) {
  EXPECT_FALSE(ParseSchemaSource("t", "meta.v1.X\n").ok());               // no description
  EXPECT_FALSE(ParseSchemaSource("t", "  name string | orphan\n").ok());  // field before schema
  EXPECT_FALSE(ParseSchemaSource("t", "meta.v1.X | x\n  name | no type\n").ok());
  auto dup = ParseSchemaSource("t", "meta.v1.X | x\n  a string | a\n  a int32 | again\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("t:3"), std::string::npos) << dup.error().message;
}

TEST(SchemaSource, ExpandsKnownPrefixesOnly) {
  EXPECT_EQ(ExpandName("meta.v1.ObjectMeta"), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(ExpandName("gateway.v1alpha1.Gateway"), "io.kubesphere.gateway.v1alpha1.Gateway");
  EXPECT_EQ(ExpandName("io.k8s.api.core.v1.Service"), "io.k8s.api.core.v1.Service");
}

Result<SchemaSet> SetOf(std::string_view text) {
  auto parsed = ParseSchemaSource("t", text);
  if (!parsed.ok()) return parsed.error();
  return SchemaSet::Create(std::move(parsed).value());
}

TEST(SchemaSet, RejectsUnknownTypesOptionsAndDuplicates) {
  EXPECT_FALSE(SetOf("meta.v1.X | x\n  a core.v1.Missing | a\n").ok());
  EXPECT_FALSE(SetOf("meta.v1.X | x\n  a []strin | a\n").ok());
  EXPECT_FALSE(SetOf("meta.v1.X | x\n  a string mergekey=x | a\n").ok());
  EXPECT_FALSE(SetOf("meta.v1.X bogus | x\n").ok());
  EXPECT_FALSE(SetOf("meta.v1.X | x\nmeta.v1.X | again\n").ok());
}

TEST(SchemaSet, RendersReferencesPerDialect) {
  auto set = SetOf(
      "meta.v1.Inner | inner\n"
      "  n int64 | n\n"
      "meta.v1.Hidden inline | hidden\n"
      "  flag boolean | f\n"
      "meta.v1.Outer | outer\n"
      "  one meta.v1.Inner | the inner\n"
      "  many []meta.v1.Inner merge=n strategy=merge | inners\n"
      "  byname {}string map=atomic | labels\n"
      "  nested meta.v1.Hidden | inline object\n"
      "  kind string enum=A,B | a or b\n");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  json v3 = set->RenderAll(Dialect::kV3);
  json v2 = set->RenderAll(Dialect::kV2);
  EXPECT_FALSE(v3.contains("io.k8s.apimachinery.pkg.apis.meta.v1.Hidden"));

  const json& outer3 = v3["io.k8s.apimachinery.pkg.apis.meta.v1.Outer"]["properties"];
  EXPECT_EQ(outer3["one"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Inner");
  EXPECT_EQ(outer3["one"]["description"], "the inner");
  EXPECT_EQ(outer3["many"]["items"]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Inner");
  EXPECT_EQ(outer3["many"]["x-kubernetes-patch-merge-key"], "n");
  EXPECT_EQ(outer3["many"]["x-kubernetes-patch-strategy"], "merge");
  EXPECT_EQ(outer3["byname"]["additionalProperties"]["type"], "string");
  EXPECT_EQ(outer3["byname"]["x-kubernetes-map-type"], "atomic");
  EXPECT_EQ(outer3["nested"]["properties"]["flag"]["type"], "boolean");
  EXPECT_EQ(outer3["kind"]["enum"], json::array({"A", "B"}));

  const json& outer2 = v2["io.k8s.apimachinery.pkg.apis.meta.v1.Outer"]["properties"];
  EXPECT_EQ(outer2["one"]["$ref"], "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Inner");
  EXPECT_EQ(outer2["one"]["description"], "the inner");
  EXPECT_FALSE(outer2["one"].contains("allOf"));
}

}  // namespace
}  // namespace waygate::openapi
