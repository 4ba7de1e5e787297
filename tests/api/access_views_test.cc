// The access table as the API serves it (issue 4 item 6): the Ingress Table's wide Access and
// Port/EIP columns, the ingresses/access subresource, and discovery listing it. Requests go
// through Api::Handle over the real SQLite store, as kubectl's would.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api.h"
#include "api/http_server.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::api {
namespace {

using nlohmann::json;

constexpr const char* kToken = "access-test-token";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
constexpr const char* kGatewaysPath =
    "/apis/gateway.kubesphere.io/v1alpha1/namespaces/kubesphere-controls-system/gateways";

struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

// Collects one whole response; these requests never stream.
class RecordingWriter : public ResponseWriter {
 public:
  explicit RecordingWriter(Response* out) : out_(out) {}
  bool Send(int status, std::string_view content_type, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>&) override {
    out_->status = status;
    out_->content_type = std::string(content_type);
    out_->body = std::string(body);
    sent_ = true;
    return true;
  }
  bool StartStream(int, std::string_view) override { return false; }
  bool WriteChunk(std::string_view) override { return false; }
  bool ClientGone(int) override { return true; }
  bool sent() const override { return sent_; }

 private:
  Response* out_;
  bool sent_ = false;
};

class AccessViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/access-views-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    ApiOptions options;
    options.store = store_.get();
    options.admin_token = kToken;
    options.node_port_range = {31000, 31099};
    auto api = Api::Create(options);
    ASSERT_TRUE(api.ok()) << api.error().ToString();
    api_ = std::move(*api);
    for (const char* ns : {"demo", "shop", "nogw", "kubesphere-controls-system"}) {
      Created("/api/v1/namespaces",
              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    }
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Response Call(const std::string& method, const std::string& target, const json& body = nullptr,
                const std::string& accept = "application/json") {
    HttpRequest request;
    request.method = method;
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    request.headers["authorization"] = std::string("Bearer ") + kToken;
    request.headers["accept"] = accept;
    if (!body.is_null()) {
      request.headers["content-type"] = "application/json";
      request.body = body.dump();
    }
    Response response;
    RecordingWriter writer(&response);
    api_->Handle(request, writer);
    return response;
  }

  json Created(const std::string& collection, const json& object) {
    Response r = Call("POST", collection, object);
    EXPECT_EQ(r.status, 201) << collection << ": " << r.body;
    return r.Json();
  }

  // A project gateway; the server allocates its node ports from 31000-31099.
  json Gateway(const std::string& project, const std::string& type = "NodePort") {
    return Created(
        kGatewaysPath,
        {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
         {"kind", "Gateway"},
         {"metadata",
          {{"name", "kubesphere-router-" + project}, {"namespace", "kubesphere-controls-system"}}},
         {"spec", {{"service", {{"type", type}}}, {"deployment", {{"replicas", 1}}}}}});
  }

  // What the gateway status controller writes: the published addresses (node IPs, or the EIP).
  void PublishAddresses(const std::string& project, const std::vector<std::string>& ips) {
    std::string path = std::string(kGatewaysPath) + "/kubesphere-router-" + project;
    json gw = Call("GET", path).Json();
    json ingress = json::array();
    for (const std::string& ip : ips) ingress.push_back({{"ip", ip}});
    gw["status"] = {{"loadBalancer", {{"ingress", ingress}}}};
    Response r = Call("PUT", path + "/status", gw);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  json Ingress(const std::string& ns, const std::string& name, const std::string& host,
               bool tls = false) {
    auto path = [](const char* p) {
      return json{{"path", p},
                  {"pathType", "Prefix"},
                  {"backend", {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}}};
    };
    json rule = {{"host", host}, {"http", {{"paths", json::array({path("/"), path("/api")})}}}};
    json spec = {{"ingressClassName", "waygate"}, {"rules", json::array({rule})}};
    if (tls) spec["tls"] = {{{"hosts", {host}}, {"secretName", "web-tls"}}};
    return Created("/apis/networking.k8s.io/v1/namespaces/" + ns + "/ingresses",
                   {{"apiVersion", "networking.k8s.io/v1"},
                    {"kind", "Ingress"},
                    {"metadata", {{"name", name}, {"namespace", ns}}},
                    {"spec", spec}});
  }

  static std::string Ports(const json& gateway) {
    std::string out;
    for (const json& p : gateway["spec"]["service"]["ports"]) {
      out += p["name"].get<std::string>() + "=" + std::to_string(p["nodePort"].get<int>()) + ";";
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Api> api_;
};

TEST_F(AccessViewsTest, IngressTableCarriesGatewayAccessPerNamespace) {
  json gw = Gateway("demo");
  ASSERT_EQ(Ports(gw), "http=31000;https=31001;");
  PublishAddresses("demo", {"192.168.0.4"});
  Gateway("shop", "LoadBalancer");
  PublishAddresses("shop", {"139.198.121.154"});
  Ingress("demo", "web", "demo.kubesphere.io");
  Ingress("shop", "cart", "shop.example.com");
  Ingress("nogw", "lonely", "lonely.example.com");

  Response list = Call("GET", "/apis/networking.k8s.io/v1/ingresses", nullptr, kTableAccept);
  ASSERT_EQ(list.status, 200) << list.body;
  json table = list.Json();
  ASSERT_EQ(table["kind"], "Table");
  const json& columns = table["columnDefinitions"];
  ASSERT_EQ(columns.size(), 8u);
  EXPECT_EQ(columns[6]["name"], "Access");
  EXPECT_EQ(columns[7]["name"], "Port/EIP");
  EXPECT_EQ(columns[7]["priority"], 1);
  std::map<std::string, json> by_name;
  for (const json& row : table["rows"]) by_name[row["cells"][0].get<std::string>()] = row["cells"];
  ASSERT_EQ(by_name.size(), 3u);
  EXPECT_EQ(by_name["web"][6], "NodePort");
  EXPECT_EQ(by_name["web"][7], "http: 31000, https: 31001");
  EXPECT_EQ(by_name["cart"][6], "LoadBalancer");
  EXPECT_EQ(by_name["cart"][7], "139.198.121.154");
  EXPECT_EQ(by_name["lonely"][6], "<none>");
  EXPECT_EQ(by_name["lonely"][7], "<none>");

  // A single object's Table reads the gateways too, and sees an edit at once.
  Response one = Call("GET", "/apis/networking.k8s.io/v1/namespaces/nogw/ingresses/lonely", nullptr,
                      kTableAccept);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.Json()["rows"][0]["cells"][6], "<none>");
  Gateway("nogw");
  one = Call("GET", "/apis/networking.k8s.io/v1/namespaces/nogw/ingresses/lonely", nullptr,
             kTableAccept);
  EXPECT_EQ(one.Json()["rows"][0]["cells"][6], "NodePort");
  EXPECT_EQ(one.Json()["rows"][0]["cells"][7], "http: 31004, https: 31005");
}

TEST_F(AccessViewsTest, ClusterGatewayServesEveryNamespace) {
  Gateway("kubesphere-system", "LoadBalancer");  // no address yet: the pool has not answered
  Ingress("nogw", "lonely", "lonely.example.com");
  Response one = Call("GET", "/apis/networking.k8s.io/v1/namespaces/nogw/ingresses/lonely", nullptr,
                      kTableAccept);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.Json()["rows"][0]["cells"][6], "LoadBalancer");
  EXPECT_EQ(one.Json()["rows"][0]["cells"][7], "<pending>");
}

TEST_F(AccessViewsTest, AccessSubresourceOfOneIngress) {
  Gateway("demo");
  PublishAddresses("demo", {"192.168.0.4", "192.168.0.3"});
  Ingress("demo", "web", "demo.kubesphere.io", /*tls=*/true);

  Response r = Call("GET", "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web/access");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json access = r.Json();
  EXPECT_EQ(access["kind"], "IngressAccess");
  EXPECT_EQ(access["apiVersion"], "waygate.io/v1alpha1");
  EXPECT_EQ(access["metadata"], json({{"name", "web"}, {"namespace", "demo"}}));
  EXPECT_EQ(access["gateway"], "kubesphere-controls-system/kubesphere-router-demo");
  ASSERT_EQ(access["rows"].size(), 1u);
  const json& row = access["rows"][0];
  EXPECT_EQ(row["hostname"], "demo.kubesphere.io");
  EXPECT_EQ(row["paths"], json({"/", "/api"}));
  EXPECT_EQ(row["accessMethod"], "NodePort");
  EXPECT_EQ(row["portOrEIP"], "http: 31000, https: 31001");
  EXPECT_EQ(row["nodePorts"], json({{"http", 31000}, {"https", 31001}}));
  EXPECT_EQ(row["nodeIPs"], json({"192.168.0.4", "192.168.0.3"}));
  EXPECT_EQ(row["urls"],
            json({"https://demo.kubesphere.io:31001/", "https://demo.kubesphere.io:31001/api"}));
}

TEST_F(AccessViewsTest, AccessSubresourceWithoutGatewayExplainsWhy) {
  Ingress("nogw", "lonely", "lonely.example.com");
  Response r = Call("GET", "/apis/networking.k8s.io/v1/namespaces/nogw/ingresses/lonely/access");
  ASSERT_EQ(r.status, 200) << r.body;
  json access = r.Json();
  EXPECT_EQ(access["gateway"], "");
  EXPECT_EQ(access["rows"][0]["accessMethod"], "");
  EXPECT_EQ(access["rows"][0]["urls"], json::array());
  EXPECT_NE(access["rows"][0]["note"].get<std::string>().find("no gateway serves namespace nogw"),
            std::string::npos);
}

TEST_F(AccessViewsTest, AccessOfEveryIngressInANamespaceOrTheCluster) {
  Gateway("demo");
  PublishAddresses("demo", {"192.168.0.4"});
  Ingress("demo", "web", "demo.kubesphere.io");
  Ingress("demo", "admin", "admin.kubesphere.io");
  Ingress("nogw", "lonely", "lonely.example.com");

  Response ns = Call("GET", "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/-/access");
  ASSERT_EQ(ns.status, 200) << ns.body;
  json list = ns.Json();
  EXPECT_EQ(list["kind"], "IngressAccessList");
  EXPECT_FALSE(list["metadata"]["resourceVersion"].get<std::string>().empty());
  ASSERT_EQ(list["rows"].size(), 2u);
  for (const json& row : list["rows"]) {
    EXPECT_EQ(row["namespace"], "demo");
    EXPECT_EQ(row["accessMethod"], "NodePort");
  }

  Response all = Call("GET", "/apis/networking.k8s.io/v1/ingresses/-/access");
  ASSERT_EQ(all.status, 200) << all.body;
  std::map<std::string, std::string> method_by_host;
  const json rows = all.Json()["rows"];
  for (const json& row : rows) method_by_host[row["hostname"]] = row["accessMethod"];
  EXPECT_EQ(method_by_host, (std::map<std::string, std::string>{{"admin.kubesphere.io", "NodePort"},
                                                                {"demo.kubesphere.io", "NodePort"},
                                                                {"lonely.example.com", ""}}));

  // Selectors narrow the listing as they narrow a list.
  Response one = Call("GET",
                      "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/-/access"
                      "?fieldSelector=metadata.name%3Dadmin");
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.Json()["rows"].size(), 1u);
  EXPECT_EQ(one.Json()["rows"][0]["hostname"], "admin.kubesphere.io");
}

TEST_F(AccessViewsTest, AccessSubresourceErrorsAreKubeStatuses) {
  Response missing =
      Call("GET", "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/nope/access");
  EXPECT_EQ(missing.status, 404);
  json status = missing.Json();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "NotFound");
  EXPECT_EQ(status["message"], "ingresses.networking.k8s.io \"nope\" not found");
  EXPECT_EQ(status["details"]["name"], "nope");

  Ingress("demo", "web", "demo.kubesphere.io");
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    Response r = Call(method, "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web/access",
                      json::object());
    EXPECT_EQ(r.status, 405) << method << ": " << r.body;
    EXPECT_EQ(r.Json()["reason"], "MethodNotAllowed") << method;
  }
  Response watch =
      Call("GET", "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web/access?watch=1");
  EXPECT_EQ(watch.status, 405);
  // Only Ingresses have it; a namespaced name needs its namespace.
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/demo/services/web/access").status, 404);
  EXPECT_EQ(Call("GET", "/apis/networking.k8s.io/v1/ingresses/web/access").status, 404);
  // The Ingress itself is untouched by the attempts.
  EXPECT_EQ(Call("GET", "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web").status, 200);
}

TEST_F(AccessViewsTest, DiscoveryListsTheSubresource) {
  json list = Call("GET", "/apis/networking.k8s.io/v1").Json();
  json access;
  for (const json& r : list["resources"]) {
    if (r["name"] == "ingresses/access") access = r;
  }
  ASSERT_TRUE(access.is_object()) << list.dump();
  EXPECT_EQ(access["verbs"], json({"get"}));
  EXPECT_EQ(access["kind"], "IngressAccess");
  EXPECT_EQ(access["group"], "waygate.io");
  EXPECT_EQ(access["namespaced"], true);

  json aggregated = Call("GET", "/apis", nullptr,
                         "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
                        .Json();
  json subresources;
  for (const json& group : aggregated["items"]) {
    if (group["metadata"].value("name", "") != "networking.k8s.io") continue;
    for (const json& r : group["versions"][0]["resources"]) {
      if (r["resource"] == "ingresses") subresources = r["subresources"];
    }
  }
  // status, access, then the monitoring views (discovery_test.cc).
  ASSERT_GE(subresources.size(), 2u) << subresources.dump();
  EXPECT_EQ(subresources[0]["subresource"], "status");
  EXPECT_EQ(subresources[1]["subresource"], "access");
  EXPECT_EQ(subresources[1]["responseKind"],
            json({{"group", "waygate.io"}, {"version", "v1alpha1"}, {"kind", "IngressAccess"}}));
  EXPECT_EQ(subresources[1]["verbs"], json({"get"}));
}

}  // namespace
}  // namespace waygate::api
