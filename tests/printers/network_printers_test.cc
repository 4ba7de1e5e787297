// EndpointSlice, Ingress, IngressClass, the KubeSphere Gateway CRD and the generic convertor.
#include <gtest/gtest.h>

#include <stdexcept>

#include "printers/table.h"
#include "test_util.h"

namespace waygate::printers {
namespace {

using namespace std::chrono_literals;
using testing::Ago;
using testing::Cells;
using testing::ColumnShapes;
using testing::json;
using testing::Table;
using Shapes = std::vector<std::string>;

json Meta(const std::string& name, std::chrono::seconds age) {
  return {{"name", name}, {"namespace", "demo"}, {"creationTimestamp", Ago(age)}};
}

// ---- EndpointSlice ----

TEST(EndpointSlicePrinter, ColumnsAndCells) {
  json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                {"kind", "EndpointSlice"},
                {"metadata", Meta("web-abc12", 3h)},
                {"addressType", "IPv4"},
                {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}},
                {"endpoints",
                 {{{"addresses", {"10.244.1.5"}}, {"conditions", {{"ready", true}}}},
                  {{"addresses", {"10.244.2.7"}}}}}};
  json table = Table("discovery.k8s.io", "EndpointSlice", slice);
  EXPECT_EQ(ColumnShapes(table),
            (Shapes{"Name:string:name:0", "AddressType:string::0", "Ports:string::0",
                    "Endpoints:string::0", "Age:string::0"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json({"web-abc12", "IPv4", "8080", "10.244.1.5,10.244.2.7", "3h"}));
}

TEST(EndpointSlicePrinter, PortsNamesStarsAndTruncation) {
  json slice = {
      {"metadata", Meta("s", 1s)},
      {"addressType", "IPv4"},
      {"ports",
       {{{"port", 80}}, {{"name", "grpc"}}, json::object(), {{"port", 9090}}, {{"port", 1}}}},
      {"endpoints",
       {{{"addresses", {"10.0.0.1", "10.0.0.2"}}},
        {{"addresses", {"10.0.0.3"}}},
        {{"addresses", {"10.0.0.4", "10.0.0.5"}}}}}};
  json cells = Cells("discovery.k8s.io", "EndpointSlice", slice);
  EXPECT_EQ(cells[2], "80,grpc,* + 2 more...");
  EXPECT_EQ(cells[3], "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...");

  json empty = {{"metadata", Meta("e", 1s)}, {"addressType", "IPv6"}};
  EXPECT_EQ(Cells("discovery.k8s.io", "EndpointSlice", empty),
            json({"e", "IPv6", "<unset>", "<unset>", "1s"}));
}

// ---- Ingress ----

TEST(IngressPrinter, Columns) {
  EXPECT_EQ(ColumnShapes(Table("networking.k8s.io", "Ingress", json::object())),
            (Shapes{"Name:string:name:0", "Class:string::0", "Hosts:string::0", "Address:string::0",
                    "Ports:string::0", "Age:string::0", "Access:string::1", "Port/EIP:string::1"}));
}

TEST(IngressPrinter, KubeSphereRouteWithoutClassOrTLS) {
  json ing = {
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "Ingress"},
      {"metadata",
       {{"name", "bookinfo"},
        {"namespace", "demo"},
        {"creationTimestamp", Ago(5min + 30s)},
        {"annotations", {{"kubesphere.io/creator", "admin"}}}}},
      {"spec",
       {{"rules",
         {{{"host", "productpage.demo.192.168.0.2.nip.io"},
           {"http",
            {{"paths",
              {{{"path", "/"},
                {"pathType", "ImplementationSpecific"},
                {"backend",
                 {{"service", {{"name", "productpage"}, {"port", {{"number", 9080}}}}}}}}}}}}}}}}},
      {"status",
       {{"loadBalancer", {{"ingress", {{{"ip", "192.168.0.2"}}, {{"ip", "192.168.0.3"}}}}}}}}};
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", ing),
            json({"bookinfo", "<none>", "productpage.demo.192.168.0.2.nip.io",
                  "192.168.0.2,192.168.0.3", "80", "5m30s", "<unknown>", "<unknown>"}));
}

TEST(IngressPrinter, TLSClassAndHostnameAddress) {
  json ing = {{"metadata", Meta("web", 3h)},
              {"spec",
               {{"ingressClassName", "waygate"},
                {"tls", {{{"hosts", {"a.example.com"}}, {"secretName", "web-tls"}}}},
                {"rules", {{{"host", "a.example.com"}}, {{"host", "b.example.com"}}}}}},
              {"status", {{"loadBalancer", {{"ingress", {{{"hostname", "lb.example.net"}}}}}}}}};
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", ing),
            json({"web", "waygate", "a.example.com,b.example.com", "lb.example.net", "80, 443",
                  "3h", "<unknown>", "<unknown>"}));
}

TEST(IngressPrinter, CaseFromKubeTests) {
  // kube's TestPrintIngress: default backend only, IP preferred over hostname, 10 years old.
  json ing = {
      {"metadata", {{"name", "test1"}, {"creationTimestamp", Ago(10 * 365 * 24h)}}},
      {"spec",
       {{"ingressClassName", "foo"},
        {"defaultBackend",
         {{"service", {{"name", "default-backend"}, {"port", {{"name", "default-backend"}}}}}}}}},
      {"status",
       {{"loadBalancer",
         {{"ingress", {{{"ip", "2.3.4.5"}, {"hostname", "localhost.localdomain"}}}}}}}}};
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", ing),
            json({"test1", "foo", "*", "2.3.4.5", "80", "10y", "<unknown>", "<unknown>"}));
}

TEST(IngressPrinter, HostsTruncationCountsEveryRule) {
  json ing = {{"metadata", Meta("many", 1s)},
              {"spec",
               {{"rules",
                 {{{"host", "a.io"}},
                  json::object(),
                  {{"host", "b.io"}},
                  {{"host", "c.io"}},
                  {{"host", "d.io"}},
                  {{"host", "e.io"}}}}}}};
  // Three hosts shown; "+ N more" is rules minus three, hostless rule included.
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", ing)[2], "a.io,b.io,c.io + 3 more...");

  json four = {
      {"metadata", Meta("four", 1s)},
      {"spec",
       {{"rules", {json::object(), {{"host", "a.io"}}, {{"host", "b.io"}}, {{"host", "c.io"}}}}}}};
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", four)[2], "a.io,b.io,c.io");

  json hostless = {{"metadata", Meta("any", 1s)}, {"spec", {{"rules", {json::object()}}}}};
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", hostless)[2], "*");
}

TEST(IngressPrinter, EmptyObjectPrintsKubesEmptyValues) {
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", json::object()),
            json({"", "<none>", "*", "", "80", "<unknown>", "<unknown>", "<unknown>"}));
}

// Waygate's wide columns: the gateway serving the Ingress's namespace, as the caller found it.
json IngressIn(const std::string& ns, const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"creationTimestamp", Ago(2min)}}},
          {"spec", {{"rules", {{{"host", name + ".example.com"}}}}}}};
}

TEST(IngressPrinter, AccessColumnsComeFromTheContextPerNamespace) {
  json demo = IngressIn("demo", "web");
  json shop = IngressIn("shop", "cart");
  json bare = IngressIn("nogw", "lonely");
  std::vector<std::string> asked;
  TableContext context;
  context.ingress_access = [&asked](std::string_view ns) -> IngressAccess {
    asked.emplace_back(ns);
    if (ns == "demo") return {"NodePort", "http: 31921, https: 31922"};
    if (ns == "shop") return {"LoadBalancer", "139.198.121.154"};
    return {};
  };
  json table =
      BuildTable("networking.k8s.io", "Ingress", {&demo, &shop, &bare}, IncludeObject::kNone,
                 json::object(), testing::Now(), ColumnHeaders::kInclude, context);
  ASSERT_EQ(table["rows"].size(), 3u);
  EXPECT_EQ(table["rows"][0]["cells"], json({"web", "<none>", "web.example.com", "", "80", "2m",
                                             "NodePort", "http: 31921, https: 31922"}));
  EXPECT_EQ(table["rows"][1]["cells"][6], "LoadBalancer");
  EXPECT_EQ(table["rows"][1]["cells"][7], "139.198.121.154");
  // No gateway serves the namespace: kube's empty-value spelling.
  EXPECT_EQ(table["rows"][2]["cells"][6], "<none>");
  EXPECT_EQ(table["rows"][2]["cells"][7], "<none>");
  EXPECT_EQ(asked, (std::vector<std::string>{"demo", "shop", "nogw"}));
  // kube's own six cells are untouched by the context.
  json plain = BuildTable("networking.k8s.io", "Ingress", {&demo}, IncludeObject::kNone,
                          json::object(), testing::Now());
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(plain["rows"][0]["cells"][i], table["rows"][0]["cells"][i]) << i;
  }
}

TEST(IngressPrinter, ContextIsIgnoredByOtherKinds) {
  int calls = 0;
  TableContext context;
  context.ingress_access = [&calls](std::string_view) -> IngressAccess {
    ++calls;
    return {"NodePort", "http: 1"};
  };
  json ic = {{"metadata", {{"name", "waygate"}, {"namespace", "demo"}}}};
  json table = BuildTable("networking.k8s.io", "IngressClass", {&ic}, IncludeObject::kNone,
                          json::object(), testing::Now(), ColumnHeaders::kInclude, context);
  EXPECT_EQ(table["rows"][0]["cells"].size(), 4u);
  EXPECT_EQ(calls, 0);
}

TEST(IngressPrinter, ThrowingContextKeepsTheNoThrowPromise) {
  json ing = IngressIn("demo", "web");
  TableContext context;
  context.ingress_access = [](std::string_view) -> IngressAccess {
    throw std::runtime_error("store went away");
  };
  json table = BuildTable("networking.k8s.io", "Ingress", {&ing}, IncludeObject::kNone,
                          json::object(), testing::Now(), ColumnHeaders::kInclude, context);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["rows"], json::array());
}

TEST(IngressPrinter, WideColumnsArePriorityOneAfterKubesSix) {
  json table = Table("networking.k8s.io", "Ingress", json::object());
  const json& columns = table["columnDefinitions"];
  ASSERT_EQ(columns.size(), 8u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(columns[i]["priority"], 0) << i;
  EXPECT_EQ(columns[6]["name"], "Access");
  EXPECT_EQ(columns[7]["name"], "Port/EIP");  // kubectl prints PORT/EIP, apart from PORTS
  EXPECT_EQ(columns[6]["priority"], 1);
  EXPECT_EQ(columns[7]["priority"], 1);
}

// ---- IngressClass ----

TEST(IngressClassPrinter, ColumnsAndCells) {
  json ic = {{"metadata", {{"name", "waygate"}, {"creationTimestamp", Ago(40 * 24h)}}},
             {"spec", {{"controller", "waygate.io/ingress-controller"}}}};
  json table = Table("networking.k8s.io", "IngressClass", ic);
  EXPECT_EQ(ColumnShapes(table), (Shapes{"Name:string:name:0", "Controller:string::0",
                                         "Parameters:string::0", "Age:string::0"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json({"waygate", "waygate.io/ingress-controller", "<none>", "40d"}));

  ic["spec"]["parameters"] = {
      {"apiGroup", "gateway.kubesphere.io"}, {"kind", "Gateway"}, {"name", "kubesphere-router"}};
  EXPECT_EQ(Cells("networking.k8s.io", "IngressClass", ic)[2],
            "Gateway.gateway.kubesphere.io/kubesphere-router");
  ic["spec"]["parameters"].erase("apiGroup");
  EXPECT_EQ(Cells("networking.k8s.io", "IngressClass", ic)[2], "Gateway/kubesphere-router");
}

// ---- KubeSphere Gateway (CRD without additionalPrinterColumns) ----

TEST(GatewayPrinter, CustomResourceDefaultColumns) {
  json gw = {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
             {"kind", "Gateway"},
             {"metadata",
              {{"name", "kubesphere-router-demo"},
               {"namespace", "kubesphere-controls-system"},
               {"creationTimestamp", Ago(26h)}}},
             {"spec", {{"service", {{"type", "NodePort"}}}}}};
  json table = Table("gateway.kubesphere.io", "Gateway", gw);
  EXPECT_EQ(ColumnShapes(table), (Shapes{"Name:string:name:0", "Age:date::0"}));
  EXPECT_EQ(table["rows"][0]["cells"], json({"kubesphere-router-demo", "26h"}));
}

TEST(GatewayPrinter, DateCellEdgeCases) {
  auto age = [](const json& ts) {
    json gw = {{"metadata", {{"name", "g"}}}};
    if (!ts.is_discarded()) gw["metadata"]["creationTimestamp"] = ts;
    return Cells("gateway.kubesphere.io", "Gateway", gw)[1];
  };
  EXPECT_EQ(age(json(json::value_t::discarded)), nullptr);  // path finds nothing: null cell
  EXPECT_EQ(age(nullptr), nullptr);
  EXPECT_EQ(age(""), "<unknown>");
  EXPECT_EQ(age("not-a-time"), "<invalid>");
  EXPECT_EQ(age(42), nullptr);  // not a string: no cell value
}

// ---- Anything else: apiserver's generic convertor ----

TEST(DefaultPrinter, NameAndCreatedAt) {
  json obj = {
      {"metadata", {{"name", "thing"}, {"creationTimestamp", "2024-04-30T14:00:00+02:00"}}}};
  json table = Table("example.com", "Widget", obj);
  EXPECT_EQ(ColumnShapes(table), (Shapes{"Name:string:name:0", "Created At:date::0"}));
  EXPECT_EQ(table["rows"][0]["cells"], json({"thing", "2024-04-30T12:00:00Z"}));

  EXPECT_EQ(Cells("example.com", "Widget", json::object()), json({"", "0001-01-01T00:00:00Z"}));
  // A core kind Waygate does not serve falls back the same way.
  EXPECT_EQ(ColumnShapes(Table("", "Pod", obj)),
            (Shapes{"Name:string:name:0", "Created At:date::0"}));
}

}  // namespace
}  // namespace waygate::printers
