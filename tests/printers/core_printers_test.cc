// Core kinds: columns (name/type/format/priority) and cells, value and JSON type, as
// kube-apiserver's pkg/printers/internalversion produces them. Several cases mirror kube's own
// printers_test.go.
#include <gtest/gtest.h>

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

// ---- Namespace ----

TEST(NamespacePrinter, ColumnsAndCells) {
  json ns = {{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata", {{"name", "project-a"}, {"creationTimestamp", Ago(3 * 24h + 5h)}}},
             {"status", {{"phase", "Terminating"}}}};
  json table = Table("", "Namespace", ns);
  EXPECT_EQ(ColumnShapes(table),
            (Shapes{"Name:string:name:0", "Status:string::0", "Age:string::0"}));
  EXPECT_EQ(table["rows"][0]["cells"], json({"project-a", "Terminating", "3d5h"}));
}

TEST(NamespacePrinter, PhaseDefaultsToActive) {
  // SetDefaults_NamespaceStatus: a stored Namespace always reads back with a phase.
  json ns = {{"metadata", {{"name", "fresh"}}}};
  EXPECT_EQ(Cells("", "Namespace", ns), json({"fresh", "Active", "<unknown>"}));
}

// ---- Service ----

TEST(ServicePrinter, Columns) {
  EXPECT_EQ(ColumnShapes(Table("", "Service", json::object())),
            (Shapes{"Name:string:name:0", "Type:string::0", "Cluster-IP:string::0",
                    "External-IP:string::0", "Port(s):string::0", "Age:string::0",
                    "Selector:string::1"}));
}

TEST(ServicePrinter, ClusterIP) {
  json svc = {{"metadata", Meta("web", 45s)},
              {"spec",
               {{"type", "ClusterIP"},
                {"clusterIP", "10.96.0.12"},
                {"clusterIPs", {"10.96.0.12"}},
                {"selector", {{"tier", "frontend"}, {"app", "web"}}},
                {"ports",
                 {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}},
                  {{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}}}}}}};
  EXPECT_EQ(Cells("", "Service", svc), json({"web", "ClusterIP", "10.96.0.12", "<none>",
                                             "80/TCP,53/UDP", "45s", "app=web,tier=frontend"}));
}

TEST(ServicePrinter, NodePortWithExternalIPs) {
  json svc = {{"metadata", Meta("gw", 10min)},
              {"spec",
               {{"type", "NodePort"},
                {"clusterIPs", {"10.96.3.4"}},
                {"externalIPs", {"192.168.1.10", "192.168.1.11"}},
                {"ports",
                 {{{"port", 80}, {"nodePort", 30080}, {"protocol", "TCP"}},
                  {{"port", 443}, {"nodePort", 30443}, {"protocol", "TCP"}}}}}}};
  EXPECT_EQ(Cells("", "Service", svc),
            json({"gw", "NodePort", "10.96.3.4", "192.168.1.10,192.168.1.11",
                  "80:30080/TCP,443:30443/TCP", "10m", "<none>"}));
}

TEST(ServicePrinter, LoadBalancerPendingThenAssigned) {
  json svc = {{"metadata", Meta("lb", 2h)},
              {"spec",
               {{"type", "LoadBalancer"},
                {"clusterIPs", {"10.96.7.7"}},
                {"ports", {{{"port", 80}, {"nodePort", 31000}}}}}}};
  json cells = Cells("", "Service", svc);
  EXPECT_EQ(cells[3], "<pending>");
  EXPECT_EQ(cells[4], "80:31000/TCP");  // protocol defaults to TCP

  // Sorted and de-duplicated; a hostname stands in only where there is no IP. The server
  // prints wide, so even a long list is never clipped to 16 characters.
  svc["status"]["loadBalancer"]["ingress"] = {{{"ip", "203.0.113.9"}},
                                              {{"hostname", "lb.example.com"}},
                                              {{"ip", "198.51.100.20"}, {"hostname", "x"}},
                                              {{"ip", "203.0.113.9"}}};
  EXPECT_EQ(Cells("", "Service", svc)[3], "198.51.100.20,203.0.113.9,lb.example.com");

  // Load-balancer addresses first, then spec.externalIPs.
  svc["spec"]["externalIPs"] = {"192.0.2.1"};
  EXPECT_EQ(Cells("", "Service", svc)[3], "198.51.100.20,203.0.113.9,lb.example.com,192.0.2.1");
  svc["status"] = json::object();
  EXPECT_EQ(Cells("", "Service", svc)[3], "192.0.2.1");
}

TEST(ServicePrinter, ExternalNameHeadlessAndDefaults) {
  json ext = {{"metadata", Meta("db", 5s)},
              {"spec", {{"type", "ExternalName"}, {"externalName", "db.example.com"}}}};
  EXPECT_EQ(Cells("", "Service", ext),
            json({"db", "ExternalName", "<none>", "db.example.com", "<none>", "5s", "<none>"}));

  json headless = {{"metadata", Meta("peers", 5s)},
                   {"spec", {{"clusterIP", "None"}, {"ports", {{{"port", 7946}}}}}}};
  EXPECT_EQ(Cells("", "Service", headless),
            json({"peers", "ClusterIP", "None", "<none>", "7946/TCP", "5s", "<none>"}));

  json unknown_type = {{"metadata", Meta("odd", 5s)}, {"spec", {{"type", "Weird"}}}};
  EXPECT_EQ(Cells("", "Service", unknown_type)[3], "<unknown>");
}

// ---- Endpoints ----

TEST(EndpointsPrinter, ColumnsAndCells) {
  json ep = {{"metadata", Meta("web", 90s)},
             {"subsets",
              {{{"addresses", {{{"ip", "10.244.1.5"}}, {{"ip", "10.244.2.7"}}}},
                {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}}}}};
  json table = Table("", "Endpoints", ep);
  EXPECT_EQ(ColumnShapes(table),
            (Shapes{"Name:string:name:0", "Endpoints:string::0", "Age:string::0"}));
  EXPECT_EQ(table["rows"][0]["cells"], json({"web", "10.244.1.5:8080,10.244.2.7:8080", "90s"}));
}

TEST(EndpointsPrinter, MoreThanThreeIsTruncated) {
  // Two ports x three addresses = six endpoints: three shown, "+ 3 more...".
  json ep = {{"metadata", Meta("big", 1s)},
             {"subsets",
              {{{"addresses", {{{"ip", "10.0.0.1"}}, {{"ip", "10.0.0.2"}}, {{"ip", "10.0.0.3"}}}},
                {"ports", {{{"port", 80}}, {{"port", 443}}}}}}}};
  EXPECT_EQ(Cells("", "Endpoints", ep)[1], "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...");

  // Counting spans subsets.
  ep["subsets"].push_back({{"addresses", {{{"ip", "10.0.1.1"}}}}, {"ports", {{{"port", 9}}}}});
  EXPECT_EQ(Cells("", "Endpoints", ep)[1], "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 4 more...");
}

TEST(EndpointsPrinter, HeadlessIPv6AndEmpty) {
  json headless = {{"metadata", Meta("h", 1s)},
                   {"subsets", {{{"addresses", {{{"ip", "10.1.1.1"}}, {{"ip", "10.1.1.2"}}}}}}}};
  EXPECT_EQ(Cells("", "Endpoints", headless)[1], "10.1.1.1,10.1.1.2");

  json v6 = {{"metadata", Meta("v6", 1s)},
             {"subsets", {{{"addresses", {{{"ip", "fd00::5"}}}}, {"ports", {{{"port", 80}}}}}}}};
  EXPECT_EQ(Cells("", "Endpoints", v6)[1], "[fd00::5]:80");

  json empty = {{"metadata", Meta("none", 1s)}};
  EXPECT_EQ(Cells("", "Endpoints", empty)[1], "<none>");
  // Only notReadyAddresses: nothing ready to show, and no "<none>" either (kube prints "").
  json not_ready = {
      {"metadata", Meta("nr", 1s)},
      {"subsets", {{{"notReadyAddresses", {{{"ip", "10.0.0.9"}}}}, {"ports", {{{"port", 80}}}}}}}};
  EXPECT_EQ(Cells("", "Endpoints", not_ready)[1], "");
}

// ---- Secret, ConfigMap ----

TEST(SecretPrinter, ColumnsAndCells) {
  json tls = {{"metadata", Meta("web-tls", 20min)},
              {"type", "kubernetes.io/tls"},
              {"data", {{"tls.crt", "LS0t"}, {"tls.key", "LS0t"}}}};
  json table = Table("", "Secret", tls);
  EXPECT_EQ(ColumnShapes(table),
            (Shapes{"Name:string:name:0", "Type:string::0", "Data:string::0", "Age:string::0"}));
  json cells = table["rows"][0]["cells"];
  EXPECT_EQ(cells, json({"web-tls", "kubernetes.io/tls", 2, "20m"}));
  EXPECT_TRUE(cells[2].is_number_integer());  // int64 cell under a "string" column, as kube

  json opaque = {{"metadata", Meta("empty", 1s)}};
  EXPECT_EQ(Cells("", "Secret", opaque), json({"empty", "Opaque", 0, "1s"}));
}

TEST(ConfigMapPrinter, CountsDataAndBinaryData) {
  json cm = {{"metadata", Meta("settings", 4h + 10min)},
             {"data", {{"a", "1"}, {"b", "2"}}},
             {"binaryData", {{"blob", "AAE="}}}};
  json table = Table("", "ConfigMap", cm);
  EXPECT_EQ(ColumnShapes(table), (Shapes{"Name:string:name:0", "Data:string::0", "Age:string::0"}));
  EXPECT_EQ(table["rows"][0]["cells"], json({"settings", 3, "4h10m"}));
}

// ---- Node ----

TEST(NodePrinter, ColumnsIncludeWide) {
  EXPECT_EQ(
      ColumnShapes(Table("", "Node", json::object())),
      (Shapes{"Name:string:name:0", "Status:string::0", "Roles:string::0", "Age:string::0",
              "Version:string::0", "Internal-IP:string::1", "External-IP:string::1",
              "OS-Image:string::1", "Kernel-Version:string::1", "Container-Runtime:string::1"}));
}

TEST(NodePrinter, ReadyWithRolesAndInfo) {
  json node = {{"metadata",
                {{"name", "node-1"},
                 {"creationTimestamp", Ago(11 * 24h)},
                 {"labels",
                  {{"node-role.kubernetes.io/worker", ""},
                   {"node-role.kubernetes.io/control-plane", ""},
                   {"kubernetes.io/role", "edge"},
                   {"node-role.kubernetes.io/", ""}}}}},
               {"status",
                {{"conditions",
                  {{{"type", "MemoryPressure"}, {"status", "False"}},
                   {{"type", "Ready"}, {"status", "True"}}}},
                 {"addresses",
                  {{{"type", "Hostname"}, {"address", "node-1"}},
                   {{"type", "InternalIP"}, {"address", "192.168.0.11"}}}},
                 {"nodeInfo",
                  {{"kubeletVersion", "v1.30.0"},
                   {"osImage", "Debian GNU/Linux 12 (bookworm)"},
                   {"kernelVersion", "6.1.0-18-amd64"},
                   {"containerRuntimeVersion", "containerd://1.7.13"}}}}}};
  EXPECT_EQ(
      Cells("", "Node", node),
      json({"node-1", "Ready", "control-plane,edge,worker", "11d", "v1.30.0", "192.168.0.11",
            "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "containerd://1.7.13"}));
}

TEST(NodePrinter, StatusVariantsFromKubeTests) {
  auto status = [](const json& conditions, bool unschedulable) {
    json node = {{"metadata", {{"name", "n"}}}, {"status", {{"conditions", conditions}}}};
    if (unschedulable) node["spec"]["unschedulable"] = true;
    return Cells("", "Node", node)[1].get<std::string>();
  };
  const json ready = {{{"type", "Ready"}, {"status", "True"}}};
  const json not_ready = {{{"type", "Ready"}, {"status", "False"}}};
  const json invalid = {{{"type", "InvalidValue"}, {"status", "True"}}};
  EXPECT_EQ(status(ready, false), "Ready");
  EXPECT_EQ(status(ready, true), "Ready,SchedulingDisabled");
  EXPECT_EQ(status(not_ready, false), "NotReady");
  EXPECT_EQ(status(not_ready, true), "NotReady,SchedulingDisabled");
  EXPECT_EQ(status(invalid, false), "Unknown");
  EXPECT_EQ(status(json::array({json::object()}), false), "Unknown");
  EXPECT_EQ(status(invalid, true), "Unknown,SchedulingDisabled");
}

TEST(NodePrinter, AddressesAndUnknownInfoFromKubeTests) {
  // kube's TestPrintNodeInternalIP "foo3": first InternalIP wins; missing info is <unknown>.
  json node = {{"metadata", {{"name", "foo3"}}},
               {"status",
                {{"addresses",
                  {{{"type", "InternalIP"}, {"address", "2.2.2.2"}},
                   {{"type", "ExternalIP"}, {"address", "3.3.3.3"}},
                   {{"type", "InternalIP"}, {"address", "4.4.4.4"}}}}}}};
  EXPECT_EQ(Cells("", "Node", node), json({"foo3", "Unknown", "<none>", "<unknown>", "", "2.2.2.2",
                                           "3.3.3.3", "<unknown>", "<unknown>", "<unknown>"}));
}

// ---- Event ----

TEST(EventPrinter, ColumnsIncludeWide) {
  EXPECT_EQ(ColumnShapes(Table("", "Event", json::object())),
            (Shapes{"Last Seen:string::0", "Type:string::0", "Reason:string::0", "Object:string::0",
                    "Subobject:string::1", "Source:string::1", "Message:string::0",
                    "First Seen:string::1", "Count:string::1", "Name:string:name:1"}));
}

json KubeEvent(const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", "demo"}}},
          {"source", {{"component", "kubelet"}, {"host", "Node1"}}},
          {"involvedObject",
           {{"kind", "Deployment"},
            {"name", "Deployment Name"},
            {"fieldPath", "spec.containers{foo}"}}},
          {"reason", "Event Reason"},
          {"message", "Message Data"},
          {"type", "Warning"}};
}

TEST(EventPrinter, CasesFromKubeTests) {
  json e2 = KubeEvent("event2");
  e2["firstTimestamp"] = Ago(3 * 24h);
  e2["lastTimestamp"] = Ago(2 * 24h);
  e2["count"] = 6;
  EXPECT_EQ(Cells("", "Event", e2),
            json({"2d", "Warning", "Event Reason", "deployment/Deployment Name",
                  "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 6, "event2"}));

  // No firstTimestamp: eventTime (a MicroTime) stands in.
  json e3 = KubeEvent("event3");
  e3["eventTime"] = "2024-04-28T12:00:00.000000Z";
  e3["lastTimestamp"] = Ago(3 * 24h);
  e3["count"] = 1;
  json c3 = Cells("", "Event", e3);
  EXPECT_EQ(c3[0], "3d");
  EXPECT_EQ(c3[7], "3d");

  // No lastTimestamp: Last Seen repeats First Seen.
  json e4 = KubeEvent("event4");
  e4["firstTimestamp"] = Ago(3 * 24h);
  e4["count"] = 1;
  EXPECT_EQ(Cells("", "Event", e4)[0], "3d");

  // A series: its lastObservedTime and count win.
  json e6 = KubeEvent("event6");
  e6["eventTime"] = "2024-04-28T11:00:00.123456Z";
  e6["series"] = {{"count", 2}, {"lastObservedTime", "2024-04-29T12:00:00.000000Z"}};
  json c6 = Cells("", "Event", e6);
  EXPECT_EQ(c6[0], "2d");
  EXPECT_EQ(c6[7], "3d");
  EXPECT_EQ(c6[8], 2);

  // A singleton of the new API carries no count: 1.
  json e7 = KubeEvent("event7");
  e7["eventTime"] = "2024-04-28T12:00:00.000000Z";
  EXPECT_EQ(Cells("", "Event", e7)[8], 1);

  // Empty source: reportingComponent / reportingInstance.
  json e8 = KubeEvent("event8");
  e8.erase("source");
  e8["reportingComponent"] = "kubelet";
  e8["reportingInstance"] = "test";
  EXPECT_EQ(Cells("", "Event", e8)[5], "kubelet, test");
}

TEST(EventPrinter, WaygateWarningForIngress) {
  json ev = {{"metadata", {{"name", "web.17c0a1b2c3d4e5f6"}, {"namespace", "demo"}}},
             {"involvedObject",
              {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "web"}}},
             {"reason", "ServiceNotFound"},
             {"message", "  service \"missing\" not found\n"},
             {"type", "Warning"},
             {"source", {{"component", "waygate-controller"}}},
             {"firstTimestamp", Ago(5min)},
             {"lastTimestamp", Ago(30s)},
             {"count", 3}};
  EXPECT_EQ(Cells("", "Event", ev),
            json({"30s", "Warning", "ServiceNotFound", "ingress/web", "", "waygate-controller",
                  "service \"missing\" not found", "5m", 3, "web.17c0a1b2c3d4e5f6"}));

  json no_name = {{"involvedObject", {{"kind", "Node"}}}};
  json cells = Cells("", "Event", no_name);
  EXPECT_EQ(cells[0], "<unknown>");
  EXPECT_EQ(cells[3], "node");
  EXPECT_EQ(cells[8], 1);
}

}  // namespace
}  // namespace waygate::printers
