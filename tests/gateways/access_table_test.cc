#include "gateways/access_table.h"

#include <gtest/gtest.h>

#include "helpers.h"

namespace waygate::gateways {
namespace {

using Json = nlohmann::json;
using testing::Path;

model::Ingress SeedIngress() {
  model::Ingress ing;
  ing.meta.namespace_ = "demo";
  ing.meta.name = "web";
  ing.rules.push_back({"demo.kubesphere.io", {Path("/"), Path("/api")}});
  ing.rules.push_back({"secure.kubesphere.io", {Path("/")}});
  ing.tls.push_back({{"secure.kubesphere.io"}, "tls-secret"});
  return ing;
}

GatewayAccess NodePort() {
  GatewayAccess a;
  a.gateway = "kubesphere-controls-system/kubesphere-router-demo";
  a.type = "NodePort";
  a.node_ports = {31921, 32107};
  a.node_addresses = {"192.168.0.4", "192.168.0.3"};
  return a;
}

GatewayAccess LoadBalancer() {
  GatewayAccess a = NodePort();
  a.type = "LoadBalancer";
  a.lb_address = "139.198.121.154";
  return a;
}

TEST(AccessTable, NodePortRows) {
  std::vector<AccessRow> rows = AccessTable(SeedIngress(), NodePort());
  ASSERT_EQ(rows.size(), 2u);
  const AccessRow& r = rows[0];
  EXPECT_EQ(r.namespace_, "demo");
  EXPECT_EQ(r.ingress, "web");
  EXPECT_EQ(r.hostname, "demo.kubesphere.io");
  EXPECT_EQ(r.paths, (std::vector<std::string>{"/", "/api"}));
  EXPECT_EQ(r.access_method, "NodePort");
  EXPECT_EQ(r.port_or_eip, "http: 31921, https: 32107");
  EXPECT_EQ(r.node_ips, (std::vector<std::string>{"192.168.0.4", "192.168.0.3"}));
  EXPECT_FALSE(r.tls);
  EXPECT_EQ(r.urls, (std::vector<std::string>{"http://demo.kubesphere.io:31921/",
                                              "http://demo.kubesphere.io:31921/api"}));
  EXPECT_TRUE(rows[1].tls);
  EXPECT_EQ(rows[1].urls, std::vector<std::string>{"https://secure.kubesphere.io:32107/"});
  EXPECT_TRUE(r.note.empty());
}

TEST(AccessTable, LoadBalancerRowsOmitDefaultPorts) {
  std::vector<AccessRow> rows = AccessTable(SeedIngress(), LoadBalancer());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].access_method, "LoadBalancer");
  EXPECT_EQ(rows[0].port_or_eip, "139.198.121.154");
  EXPECT_EQ(rows[0].eip, "139.198.121.154");
  EXPECT_EQ(rows[0].node_ips, (std::vector<std::string>{"192.168.0.4", "192.168.0.3"}));
  EXPECT_EQ(rows[0].urls, (std::vector<std::string>{"http://demo.kubesphere.io/",
                                                    "http://demo.kubesphere.io/api"}));
  EXPECT_EQ(rows[1].urls, std::vector<std::string>{"https://secure.kubesphere.io/"});

  GatewayAccess unprivileged = LoadBalancer();
  unprivileged.lb_ports = {8080, 443};
  rows = AccessTable(SeedIngress(), unprivileged);
  EXPECT_EQ(rows[0].urls[0], "http://demo.kubesphere.io:8080/");
  EXPECT_EQ(rows[1].urls[0], "https://secure.kubesphere.io/");  // 443 is still omitted
  EXPECT_EQ(rows[0].port_or_eip, "139.198.121.154 (http: 8080, https: 443)");
  unprivileged.lb_ports = {80, 8443};
  EXPECT_EQ(AccessTable(SeedIngress(), unprivileged)[1].urls[0],
            "https://secure.kubesphere.io:8443/");
}

TEST(AccessTable, NoGatewayRowsSaySo) {
  std::vector<AccessRow> rows = AccessTable(SeedIngress(), GatewayAccess{});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].access_method, "");
  EXPECT_EQ(rows[0].port_or_eip, "");
  EXPECT_TRUE(rows[0].urls.empty());
  EXPECT_TRUE(rows[0].node_ips.empty());
  EXPECT_NE(rows[0].note.find("no gateway serves namespace demo"), std::string::npos);
}

TEST(AccessTable, PendingLoadBalancer) {
  GatewayAccess a = LoadBalancer();
  a.lb_address.clear();
  a.pending = "no free address in the load balancer pool";
  std::vector<AccessRow> rows = AccessTable(SeedIngress(), a);
  EXPECT_EQ(rows[0].port_or_eip, "<pending>");
  EXPECT_TRUE(rows[0].urls.empty());
  EXPECT_EQ(rows[0].note,
            "waiting for a load balancer address: no free address in the load balancer pool");
}

TEST(AccessTable, HostlessWildcardMergedAndDefaultBackendRules) {
  model::Ingress ing;
  ing.meta.namespace_ = "demo";
  ing.meta.name = "mix";
  ing.rules.push_back({"", {Path("/")}});
  ing.rules.push_back({"*.apps.example.com", {Path("/")}});
  ing.rules.push_back({"a.example.com", {Path("/x")}});
  ing.rules.push_back({"a.example.com", {Path("/y"), Path("/x"), Path("")}});
  ing.tls.push_back({{"*.example.com"}, "wild"});
  std::vector<AccessRow> rows = AccessTable(ing, NodePort());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].hostname, "*");
  EXPECT_EQ(rows[0].urls, std::vector<std::string>{"http://192.168.0.4:31921/"});
  EXPECT_EQ(rows[1].hostname, "*.apps.example.com");
  EXPECT_TRUE(rows[1].urls.empty());
  EXPECT_EQ(rows[1].note, "wildcard host: open any name under apps.example.com");
  EXPECT_FALSE(rows[1].tls);  // *.example.com covers one label only
  EXPECT_EQ(rows[2].paths, (std::vector<std::string>{"/x", "/y", "/"}));
  EXPECT_TRUE(rows[2].tls);  // covered by the wildcard certificate
  EXPECT_EQ(rows[2].urls.size(), 3u);
  EXPECT_EQ(rows[2].urls[1], "https://a.example.com:32107/y");

  GatewayAccess v6 = LoadBalancer();
  v6.lb_address = "fd00::10";
  EXPECT_EQ(AccessTable(ing, v6)[0].urls[0], "http://[fd00::10]/");

  model::Ingress only_default;
  only_default.meta = ing.meta;
  only_default.default_backend = model::IngressBackend{};
  rows = AccessTable(only_default, NodePort());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].hostname, "*");
  EXPECT_EQ(rows[0].paths, std::vector<std::string>{"/"});

  GatewayAccess no_nodes = NodePort();
  no_nodes.node_addresses.clear();
  rows = AccessTable(ing, no_nodes);
  EXPECT_TRUE(rows[0].urls.empty());
  EXPECT_EQ(rows[0].note, "no Ready gateway node has an address");
  EXPECT_EQ(rows[2].urls.size(), 3u);  // named hosts still have URLs
}

TEST(AccessTable, ToJson) {
  Json j = ToJson(AccessTable(SeedIngress(), NodePort()));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0], Json::parse(R"({
    "namespace": "demo", "ingress": "web", "hostname": "demo.kubesphere.io",
    "paths": ["/", "/api"], "tls": false, "accessMethod": "NodePort",
    "portOrEIP": "http: 31921, https: 32107", "nodePorts": {"http": 31921, "https": 32107},
    "nodeIPs": ["192.168.0.4", "192.168.0.3"],
    "urls": ["http://demo.kubesphere.io:31921/", "http://demo.kubesphere.io:31921/api"]})"));
  Json lb = ToJson(AccessTable(SeedIngress(), LoadBalancer()));
  EXPECT_EQ(lb[0]["eip"], "139.198.121.154");
  EXPECT_FALSE(lb[0].contains("nodePorts"));
  Json none = ToJson(AccessTable(SeedIngress(), GatewayAccess{}));
  EXPECT_EQ(none[0]["accessMethod"], "");
  EXPECT_TRUE(none[0]["urls"].empty());
  EXPECT_TRUE(none[0].contains("note"));
  EXPECT_EQ(ToJson({}), Json::array());
}

TEST(AccessTable, RenderTable) {
  std::vector<AccessRow> rows = AccessTable(SeedIngress(), NodePort());
  std::string text = RenderTable(rows, {.namespace_column = false, .urls = false});
  EXPECT_EQ(text,
            "ROUTE   HOSTNAME               PATHS    ACCESS METHOD   PORT/EIP                    "
            "NODE IP\n"
            "web     demo.kubesphere.io     /,/api   NodePort        http: 31921, https: 32107   "
            "192.168.0.4,192.168.0.3\n"
            "web     secure.kubesphere.io   /        NodePort        http: 31921, https: 32107   "
            "192.168.0.4,192.168.0.3\n");
  std::string wide = RenderTable(rows, {.namespace_column = true, .urls = true});
  EXPECT_EQ(wide.substr(0, 16), "NAMESPACE   ROUT");
  EXPECT_NE(wide.find("   http://demo.kubesphere.io:31921/ http://demo.kubesphere.io:31921/api\n"),
            std::string::npos);

  std::vector<AccessRow> none = AccessTable(SeedIngress(), GatewayAccess{});
  std::string missing = RenderTable(none, {});
  EXPECT_NE(missing.find("NodePort"), 0u);
  EXPECT_NE(missing.find("web     demo.kubesphere.io     /,/api   <none>"), std::string::npos)
      << missing;
  EXPECT_NE(missing.find("note: demo/web demo.kubesphere.io: no gateway serves namespace demo"),
            std::string::npos);
  EXPECT_EQ(RenderTable({}), "");
}

TEST(AccessTable, HostsLines) {
  std::vector<AccessRow> rows = AccessTable(SeedIngress(), NodePort());
  model::Ingress lb_ing;
  lb_ing.meta.namespace_ = "prod";
  lb_ing.meta.name = "shop";
  lb_ing.rules.push_back({"demo2.kubesphere.io", {Path("/")}});
  lb_ing.rules.push_back({"demo.kubesphere.io", {Path("/")}});  // already placed: skipped
  lb_ing.rules.push_back({"*.shop.io", {Path("/")}});
  lb_ing.rules.push_back({"", {Path("/")}});
  for (AccessRow& r : AccessTable(lb_ing, LoadBalancer())) rows.push_back(r);
  model::Ingress orphan;
  orphan.meta.namespace_ = "dev";
  orphan.meta.name = "site";
  orphan.rules.push_back({"dev.example.com", {Path("/")}});
  for (AccessRow& r : AccessTable(orphan, GatewayAccess{})) rows.push_back(r);

  EXPECT_EQ(HostsLines(rows),
            "192.168.0.4\tdemo.kubesphere.io secure.kubesphere.io\n"
            "139.198.121.154\tdemo2.kubesphere.io\n"
            "# *.shop.io (prod/shop): /etc/hosts cannot hold wildcard names; use waygate serve "
            "--dns-listen or a nip.io name\n"
            "# dev.example.com (dev/site): no gateway address: no gateway serves namespace dev: "
            "enable Internet Access (Gateway kubesphere-router-dev) or the cluster gateway\n");
  EXPECT_EQ(HostsLines({}), "");
}

}  // namespace
}  // namespace waygate::gateways
