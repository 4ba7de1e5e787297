// Bodies captured from kubectl v1.32.5 `create ...` POSTs (application/vnd.kubernetes.protobuf)
// against a recording server, each next to the JSON the same command prints with
// `--dry-run=client -o json`. Regenerate: see testdata/README.md.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "protowire/kube_protobuf.h"

namespace waygate::protowire {
namespace {

std::string ReadFile(const std::string& name) {
  std::ifstream in(std::string(PROTOWIRE_TESTDATA) + "/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class KubectlFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(KubectlFixture, DecodesToTheJsonKubectlWouldSend) {
  const std::string base = GetParam();
  const std::string body = ReadFile(base + ".pb");
  const std::string want = ReadFile(base + ".json");
  ASSERT_FALSE(body.empty());
  ASSERT_FALSE(want.empty());
  auto got = DecodeKubernetesProtobuf(body);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(*got, nlohmann::json::parse(want)) << got->dump(2);
}

INSTANTIATE_TEST_SUITE_P(Kubectl132, KubectlFixture,
                         ::testing::Values("namespace", "secret-generic", "configmap",
                                           "service-clusterip", "service-nodeport",
                                           "service-externalname", "service-headless", "ingress"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace waygate::protowire
