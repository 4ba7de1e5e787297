#include "pki/kubeconfig.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "pki/pki.h"
#include "pki/temp_dir.h"

namespace waygate::pki {
namespace {

// OpenSSL's decoder, not our encoder's inverse, so an encoder bug cannot cancel itself out.
std::string Decode(const std::string& b64) {
  std::string out(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return "<invalid base64>";
  size_t pad = 0;
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

YAML::Node Parse(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << e.what() << "\n" << text;
    return YAML::Node();
  }
}

TEST(KubeconfigTest, HasTheShapeKubectlLoads) {
  testing::TempDir tmp;
  auto pki = EnsurePki(tmp.path(), {});
  ASSERT_TRUE(pki.ok()) << pki.error().ToString();
  KubeconfigParams params;
  params.server = ServerUrl("127.0.0.1", 6443);
  params.ca_cert_pem = pki->ca_cert_pem;
  params.token = pki->admin_token;
  std::string text = RenderKubeconfig(params);

  YAML::Node doc = Parse(text);
  ASSERT_TRUE(doc.IsMap()) << text;
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(doc["kind"].as<std::string>(), "Config");
  EXPECT_EQ(doc["current-context"].as<std::string>(), "waygate");

  ASSERT_TRUE(doc["clusters"].IsSequence());
  ASSERT_EQ(doc["clusters"].size(), 1u);
  YAML::Node cluster = doc["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), "waygate");
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  std::string ca_data = cluster["cluster"]["certificate-authority-data"].as<std::string>();
  EXPECT_EQ(Decode(ca_data), testing::Slurp(tmp.path() + "/pki/ca.crt"));

  ASSERT_TRUE(doc["users"].IsSequence());
  ASSERT_EQ(doc["users"].size(), 1u);
  EXPECT_EQ(doc["users"][0]["name"].as<std::string>(), "admin");
  EXPECT_EQ(doc["users"][0]["user"]["token"].as<std::string>(), pki->admin_token);

  ASSERT_TRUE(doc["contexts"].IsSequence());
  ASSERT_EQ(doc["contexts"].size(), 1u);
  YAML::Node ctx = doc["contexts"][0];
  EXPECT_EQ(ctx["name"].as<std::string>(), "waygate");
  EXPECT_EQ(ctx["context"]["cluster"].as<std::string>(), "waygate");
  EXPECT_EQ(ctx["context"]["user"].as<std::string>(), "admin");
  EXPECT_FALSE(ctx["context"]["namespace"].IsDefined());
}

TEST(KubeconfigTest, ValuesNeedingQuotesRoundTrip) {
  KubeconfigParams params;
  params.server = "https://[::1]:6443/#x";
  params.ca_cert_pem = "pem";
  params.token = "-starts-with-dash: and # colon";
  params.user_name = "ops user";
  params.context_name = "yes";  // a YAML 1.1 boolean if left plain
  params.default_namespace = "kube-system";
  params.cluster_name = "0123";
  std::string text = RenderKubeconfig(params);
  // YAML 1.1 (client-go's reading) would take these plain words as a bool and a number.
  EXPECT_NE(text.find("current-context: \"yes\""), std::string::npos) << text;
  EXPECT_NE(text.find("- name: \"0123\""), std::string::npos) << text;
  YAML::Node doc = Parse(text);
  ASSERT_TRUE(doc.IsMap());
  EXPECT_EQ(doc["clusters"][0]["cluster"]["server"].as<std::string>(), params.server);
  EXPECT_EQ(doc["users"][0]["user"]["token"].as<std::string>(), params.token);
  EXPECT_EQ(doc["users"][0]["name"].as<std::string>(), "ops user");
  EXPECT_EQ(doc["contexts"][0]["context"]["user"].as<std::string>(), "ops user");
  EXPECT_EQ(doc["contexts"][0]["context"]["cluster"].as<std::string>(), "0123");
  EXPECT_EQ(doc["contexts"][0]["context"]["namespace"].as<std::string>(), "kube-system");
  EXPECT_EQ(doc["current-context"].as<std::string>(), "yes");
  EXPECT_EQ(Decode(doc["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>()),
            "pem");
}

TEST(KubeconfigTest, ServerUrlBracketsIpv6) {
  EXPECT_EQ(ServerUrl("127.0.0.1", 6443), "https://127.0.0.1:6443");
  EXPECT_EQ(ServerUrl("::1", 443), "https://[::1]:443");
  EXPECT_EQ(ServerUrl("[fd00::1]", 6443), "https://[fd00::1]:6443");
  EXPECT_EQ(ServerUrl("api.example.com", 8443), "https://api.example.com:8443");
}

}  // namespace
}  // namespace waygate::pki
