// Kubeconfig and in-cluster loading: every credential form, and errors that name the file and
// the field at fault.
#include "kubeclient/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kubeclient/credentials.h"

namespace waygate::kubeclient {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path().string() + "/waygate-kc-XXXXXX";
    path_ = mkdtemp(base.data()) ? base : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p;
  }

 private:
  std::string path_;
};

// base64("hello-ca") and friends, so decoding is checked end to end.
constexpr const char* kCaData = "aGVsbG8tY2E=";        // hello-ca
constexpr const char* kCertData = "Y2xpZW50LWNlcnQ=";  // client-cert
constexpr const char* kKeyData = "Y2xpZW50LWtleQ==";   // client-key

std::string Kubeconfig(const std::string& cluster, const std::string& user,
                       const std::string& extra = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
         "contexts:\n"
         "- name: other\n  context: {cluster: c2, user: u2}\n"
         "- name: main\n  context:\n    cluster: c1\n    user: u1\n    namespace: demo\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         cluster +
         "- name: c2\n  cluster:\n    server: http://10.9.9.9:8080\n"
         "users:\n- name: u1\n  user:\n" +
         user + "- name: u2\n  user:\n    token: second\n" + extra;
}

TEST(ServerUrlTest, ParsesSchemesPortsIpv6AndPrefix) {
  auto a = ParseServerUrl("https://api.example.com", "x");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "api.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->HostHeader(), "api.example.com");

  auto b = ParseServerUrl("http://127.0.0.1:8080/k8s/clusters/c-1/", "x");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->port, 8080);
  EXPECT_EQ(b->base_path, "/k8s/clusters/c-1");
  EXPECT_EQ(b->HostHeader(), "127.0.0.1:8080");

  auto c = ParseServerUrl("https://[fd00::1]:6443", "x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "fd00::1");
  EXPECT_EQ(c->HostHeader(), "[fd00::1]:6443");
  EXPECT_EQ(c->ToString(), "https://[fd00::1]:6443");

  for (const char* bad : {"ftp://x", "https://", "https://h:0", "https://h:70000", "https://h:x",
                          "https://[::1", "https://u@h", "https://h/p?q=1"}) {
    auto r = ParseServerUrl(bad, "where");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("where: "), std::string::npos) << r.error().message;
  }
}

TEST(KubeconfigTest, InlineTokenAndCaData) {
  auto c = ParseKubeconfig(Kubeconfig(std::string("    server: https://10.0.0.1:6443\n"
                                                  "    certificate-authority-data: ") +
                                          kCaData + "\n    tls-server-name: kubernetes\n",
                                      "    token: abc.def\n"),
                           "/etc/kc.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.host, "10.0.0.1");
  EXPECT_EQ(c->server.port, 6443);
  EXPECT_EQ(c->ca_pem, "hello-ca");
  EXPECT_EQ(c->tls_server_name, "kubernetes");
  EXPECT_EQ(c->token, "abc.def");
  EXPECT_TRUE(c->token_file.empty());
  EXPECT_EQ(c->default_namespace, "demo");
  EXPECT_NE(c->source.find("/etc/kc.yaml"), std::string::npos);
  EXPECT_NE(c->ca_field.find("certificate-authority-data"), std::string::npos);
}

TEST(KubeconfigTest, ClientCertificateDataAndInsecure) {
  auto c =
      ParseKubeconfig(Kubeconfig("    server: https://h:6443\n    insecure-skip-tls-verify: true\n",
                                 std::string("    client-certificate-data: ") + kCertData +
                                     "\n    client-key-data: " + kKeyData + "\n"),
                      "kc");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_TRUE(c->ca_pem.empty());
  EXPECT_EQ(c->client_cert_pem, "client-cert");
  EXPECT_EQ(c->client_key_pem, "client-key");
  EXPECT_TRUE(c->token.empty());
}

TEST(KubeconfigTest, FilesResolveRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("ca.crt", "CA PEM");
  dir.Write("client.crt", "CERT PEM");
  dir.Write("client.key", "KEY PEM");
  dir.Write("token", "file-token\n");
  std::string path =
      dir.Write("config", Kubeconfig("    server: https://h\n    certificate-authority: ca.crt\n",
                                     "    client-certificate: client.crt\n"
                                     "    client-key: " +
                                         dir.path() +
                                         "/client.key\n"
                                         "    tokenFile: token\n"));
  auto c = LoadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->client_cert_pem, "CERT PEM");
  EXPECT_EQ(c->client_key_pem, "KEY PEM");
  EXPECT_EQ(c->token_file, dir.path() + "/token");
  Credentials creds(*c);
  EXPECT_EQ(creds.Token(), "file-token");
}

TEST(KubeconfigTest, ChosenContextOverridesCurrentContext) {
  auto c = ParseKubeconfig(Kubeconfig("    server: https://h\n", "    token: first\n"), "kc",
                           KubeconfigOptions{"other"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->server.tls);
  EXPECT_EQ(c->server.host, "10.9.9.9");
  EXPECT_EQ(c->token, "second");
}

TEST(KubeconfigTest, ContextWithoutUserIsAnonymous) {
  auto c = ParseKubeconfig(
      "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
      "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n",
      "kc");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->token.empty());
  EXPECT_TRUE(c->client_cert_pem.empty());
}

struct BadCase {
  const char* name;
  std::string text;
  const char* expect;  // substring of the error, after "kubeconfig bad.yaml: "
};

TEST(KubeconfigTest, ErrorsNameTheFileAndField) {
  const std::string ok_cluster = "    server: https://h\n";
  const std::string ok_user = "    token: t\n";
  std::vector<BadCase> cases = {
      {"syntax", "clusters: [\n", "line"},
      {"not a mapping", "- a\n- b\n", "expected a YAML mapping"},
      {"no current context", "clusters: []\n", "current-context: not set"},
      {"unknown context", "current-context: nope\ncontexts: [{name: x, context: {cluster: c}}]\n",
       "contexts: no context named \"nope\""},
      {"unknown cluster",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c9}}]\nclusters: []\n",
       "clusters: no cluster named \"c9\""},
      {"missing server", Kubeconfig("    insecure-skip-tls-verify: true\n", ok_user),
       "clusters[0].cluster.server: required"},
      {"bad server", Kubeconfig("    server: 10.0.0.1:6443\n", ok_user),
       "clusters[0].cluster.server: must be an http:// or https:// URL"},
      {"server not a string", Kubeconfig("    server: [a]\n", ok_user),
       "clusters[0].cluster.server: must be a string"},
      {"bad base64", Kubeconfig(ok_cluster + "    certificate-authority-data: '@@@'\n", ok_user),
       "clusters[0].cluster.certificate-authority-data: illegal base64 data at input byte 0"},
      {"missing CA file",
       Kubeconfig(ok_cluster + "    certificate-authority: /nonexistent/ca\n", ok_user),
       "clusters[0].cluster.certificate-authority: /nonexistent/ca: No such file"},
      {"insecure with CA",
       Kubeconfig(ok_cluster +
                      "    insecure-skip-tls-verify: true\n"
                      "    certificate-authority-data: " +
                      std::string(kCaData) + "\n",
                  ok_user),
       "insecure-skip-tls-verify: cannot be combined with a certificate authority"},
      {"insecure not bool",
       Kubeconfig(ok_cluster + "    insecure-skip-tls-verify: 'yes'\n", ok_user),
       "insecure-skip-tls-verify: must be true or false"},
      {"exec plugin", Kubeconfig(ok_cluster, "    exec: {command: aws}\n"),
       "users[0].user.exec: not supported"},
      {"basic auth", Kubeconfig(ok_cluster, "    username: admin\n    password: x\n"),
       "users[0].user.username: not supported"},
      {"cert without key",
       Kubeconfig(ok_cluster, "    client-certificate-data: " + std::string(kCertData) + "\n"),
       "users[0].user.client-key-data: required with a client certificate"},
      {"key without cert",
       Kubeconfig(ok_cluster, "    client-key-data: " + std::string(kKeyData) + "\n"),
       "users[0].user.client-certificate-data: required with a client key"},
      {"missing token file", Kubeconfig(ok_cluster, "    tokenFile: /nonexistent/token\n"),
       "users[0].user.tokenFile: /nonexistent/token"},
      {"token not a string", Kubeconfig(ok_cluster, "    token: 12345\n"),
       "users[0].user.token: must be a string"},
      {"proxy", Kubeconfig(ok_cluster + "    proxy-url: http://proxy:3128\n", ok_user),
       "proxy-url: connecting through a proxy is not supported"},
  };
  for (const auto& bad : cases) {
    auto c = ParseKubeconfig(bad.text, "bad.yaml");
    ASSERT_FALSE(c.ok()) << bad.name;
    EXPECT_EQ(c.error().message.rfind("kubeconfig bad.yaml: ", 0), 0u)
        << bad.name << ": " << c.error().message;
    EXPECT_NE(c.error().message.find(bad.expect), std::string::npos)
        << bad.name << ": " << c.error().message;
  }
}

TEST(KubeconfigTest, MissingFileIsNotFound) {
  auto c = LoadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
  EXPECT_NE(c.error().message.find("kubeconfig /nonexistent/kubeconfig"), std::string::npos);
}

TEST(InClusterTest, ReadsServiceAccountFiles) {
  TempDir dir;
  dir.Write("token", "sa-token-1\n");
  dir.Write("ca.crt", "CLUSTER CA");
  dir.Write("namespace", "kubesphere-controls-system");
  auto c = LoadInCluster({"10.96.0.1", "443", dir.path()});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.ToString(), "https://10.96.0.1:443");
  EXPECT_EQ(c->ca_pem, "CLUSTER CA");
  EXPECT_EQ(c->token_file, dir.path() + "/token");
  EXPECT_EQ(c->default_namespace, "kubesphere-controls-system");

  auto v6 = LoadInCluster({"fd00::1", "6443", dir.path()});
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->server.HostHeader(), "[fd00::1]:6443");
}

TEST(InClusterTest, UsesTheEnvironment) {
  TempDir dir;
  dir.Write("token", "t");
  dir.Write("ca.crt", "CA");
  setenv("KUBERNETES_SERVICE_HOST", "10.43.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "8443", 1);
  auto c = LoadInCluster({"", "", dir.path()});
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.ToString(), "https://10.43.0.1:8443");

  auto outside = LoadInCluster({"", "", dir.path()});
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
}

TEST(InClusterTest, MissingFilesAreNamed) {
  TempDir dir;
  auto no_token = LoadInCluster({"10.0.0.1", "443", dir.path()});
  ASSERT_FALSE(no_token.ok());
  EXPECT_NE(no_token.error().message.find(dir.path() + "/token"), std::string::npos);
  dir.Write("token", "t");
  auto no_ca = LoadInCluster({"10.0.0.1", "443", dir.path()});
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.error().message.find(dir.path() + "/ca.crt"), std::string::npos);
}

TEST(CredentialsTest, TokenFileIsReReadAfterRefreshAndAfterInvalidate) {
  TempDir dir;
  std::string file = dir.Write("token", "one\n");
  Config config;
  config.token = "inline";
  config.token_file = file;
  Credentials hourly(config, std::chrono::hours(1));
  EXPECT_EQ(hourly.Token(), "one");
  dir.Write("token", "two\n");
  EXPECT_EQ(hourly.Token(), "one") << "re-read before the refresh period";
  hourly.Invalidate();  // a 401
  EXPECT_EQ(hourly.Token(), "two");

  Credentials always(config, std::chrono::milliseconds(0));
  EXPECT_EQ(always.Token(), "two");
  dir.Write("token", "three");
  EXPECT_EQ(always.Token(), "three");
  std::filesystem::remove(file);
  EXPECT_EQ(always.Token(), "three") << "a vanished file keeps the last good token";

  Config inline_only;
  inline_only.token = "static";
  Credentials fixed(inline_only);
  EXPECT_EQ(fixed.Token(), "static");
}

}  // namespace
}  // namespace waygate::kubeclient
