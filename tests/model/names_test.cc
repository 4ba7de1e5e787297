#include "model/names.h"

#include <gtest/gtest.h>

#include <string>

#include "model/base64.h"
#include "model/field_path.h"

namespace waygate::model {
namespace {

TEST(Names, DNS1123Subdomain) {
  EXPECT_TRUE(IsDNS1123Subdomain("example.com").empty());
  EXPECT_TRUE(IsDNS1123Subdomain("a").empty());
  EXPECT_TRUE(IsDNS1123Subdomain("1-2.b3").empty());
  EXPECT_FALSE(IsDNS1123Subdomain("Example.com").empty());
  EXPECT_FALSE(IsDNS1123Subdomain("-a.com").empty());
  EXPECT_FALSE(IsDNS1123Subdomain("a..com").empty());
  EXPECT_FALSE(IsDNS1123Subdomain("a.com.").empty());
  EXPECT_FALSE(IsDNS1123Subdomain("").empty());
  auto msgs = IsDNS1123Subdomain("Foo_bar");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0],
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  auto long_msgs = IsDNS1123Subdomain(std::string(254, 'a'));
  ASSERT_EQ(long_msgs.size(), 1u);
  EXPECT_EQ(long_msgs[0], "must be no more than 253 characters");
}

TEST(Names, LabelsAndWildcards) {
  EXPECT_TRUE(IsDNS1123Label("my-name").empty());
  ASSERT_EQ(IsDNS1123Label("a.b").size(), 1u);
  EXPECT_EQ(IsDNS1123Label("a.b")[0], "must not contain dots");
  EXPECT_TRUE(IsDNS1035Label("web").empty());
  EXPECT_FALSE(IsDNS1035Label("1web").empty());  // must start with a letter
  EXPECT_EQ(IsDNS1035Label("1web")[0].rfind("a DNS-1035 label must consist of", 0), 0u);
  EXPECT_TRUE(IsWildcardDNS1123Subdomain("*.foo.com").empty());
  EXPECT_FALSE(IsWildcardDNS1123Subdomain("*.*.foo.com").empty());
  EXPECT_FALSE(IsWildcardDNS1123Subdomain("f*.foo.com").empty());
  EXPECT_FALSE(IsWildcardDNS1123Subdomain("*").empty());
}

TEST(Names, LabelKeysAndValues) {
  EXPECT_TRUE(IsLabelKey("app").empty());
  EXPECT_TRUE(IsLabelKey("kubernetes.io/service-name").empty());
  EXPECT_TRUE(IsLabelKey("My_Key.1").empty());
  EXPECT_FALSE(IsLabelKey("a/b/c").empty());
  EXPECT_FALSE(IsLabelKey("/x").empty());
  EXPECT_EQ(IsLabelKey("/x")[0], "prefix part must be non-empty");
  EXPECT_FALSE(IsLabelKey("Bad.Prefix/x").empty());
  EXPECT_EQ(IsLabelKey("Bad.Prefix/x")[0].rfind("prefix part a lowercase RFC 1123", 0), 0u);
  EXPECT_FALSE(IsLabelKey(std::string(64, 'a')).empty());
  EXPECT_TRUE(IsLabelValue("").empty());
  EXPECT_TRUE(IsLabelValue("v1.2_x").empty());
  EXPECT_FALSE(IsLabelValue("-bad").empty());
  EXPECT_FALSE(IsLabelValue(std::string(64, 'v')).empty());
}

TEST(Names, Ports) {
  EXPECT_TRUE(IsValidPortNum(1).empty());
  EXPECT_TRUE(IsValidPortNum(65535).empty());
  EXPECT_EQ(IsValidPortNum(0), Messages{"must be between 1 and 65535, inclusive"});
  EXPECT_FALSE(IsValidPortNum(65536).empty());
  EXPECT_TRUE(IsValidPortName("http").empty());
  EXPECT_EQ(IsValidPortName("8080"), Messages{"must contain at least one letter (a-z)"});
  EXPECT_FALSE(IsValidPortName("a--b").empty());
  EXPECT_FALSE(IsValidPortName("Http").empty());
  EXPECT_FALSE(IsValidPortName("abcdefghijklmnop").empty());  // 16 > 15
}

TEST(Names, IPAddresses) {
  EXPECT_TRUE(IsIPv4("10.0.0.1"));
  EXPECT_TRUE(IsIPv4("010.000.000.001"));  // Go's ParseIPSloppy accepts leading zeros
  EXPECT_FALSE(IsIPv4("10.0.0"));
  EXPECT_FALSE(IsIPv4("10.0.0.256"));
  EXPECT_FALSE(IsIPv4("10.0.0.1."));
  EXPECT_TRUE(IsIPv6("fd00::7"));
  EXPECT_TRUE(IsIPv6("::ffff:1.2.3.4"));
  EXPECT_FALSE(IsIPv6("fe80::1%eth0"));
  EXPECT_FALSE(IsIP("example.com"));
}

TEST(Names, ConfigKeys) {
  EXPECT_TRUE(IsConfigMapKey("tls.crt").empty());
  EXPECT_FALSE(IsConfigMapKey("a/b").empty());
  EXPECT_EQ(IsConfigMapKey(".."), Messages{"must not be '..'"});
}

TEST(Base64, GoStdEncoding) {
  std::string out;
  EXPECT_FALSE(DecodeBase64("aGVsbG8=", out).has_value());
  EXPECT_EQ(out, "hello");
  EXPECT_FALSE(DecodeBase64("aGVs\nbG8h", out).has_value());  // newlines ignored
  EXPECT_EQ(out, "hello!");
  EXPECT_FALSE(DecodeBase64("", out).has_value());
  EXPECT_EQ(out, "");
  EXPECT_FALSE(DecodeBase64("YQ==", out).has_value());
  EXPECT_EQ(out, "a");
  EXPECT_EQ(DecodeBase64("aGVsbG8", out), std::optional<size_t>(4));  // padding is required
  EXPECT_EQ(DecodeBase64("aGV*bG8=", out), std::optional<size_t>(3));
  EXPECT_EQ(DecodeBase64("YQ==YQ==", out), std::optional<size_t>(4));
  EXPECT_EQ(DecodeBase64("Y===", out), std::optional<size_t>(1));
}

TEST(FieldPath, RendersLikeKubernetes) {
  FieldPath spec("spec");
  FieldPath rules = spec.Child("rules");
  FieldPath r0 = rules.Index(0);
  FieldPath http = r0.Child("http");
  FieldPath paths = http.Child("paths");
  FieldPath p1 = paths.Index(1);
  EXPECT_EQ(p1.Child("pathType").String(), "spec.rules[0].http.paths[1].pathType");
  FieldPath data("data");
  EXPECT_EQ(data.Key("tls.crt").String(), "data[tls.crt]");
  EXPECT_EQ(FieldPath().String(), "");
  EXPECT_EQ(Quote("a\"b\n"), "\"a\\\"b\\n\"");
}

}  // namespace
}  // namespace waygate::model
