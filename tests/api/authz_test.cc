// Authorization through Api::Handle over the real SQLite store (issue 7): kube's RBAC with the
// built-in KubeSphere roles, a project's Gateway checked as the project it serves, Namespace
// get/list for project members, the escalation check on RBAC writes, the self-reviews kubectl
// auth can-i sends, a binding written behind the API's back (another server on the same etcd)
// taking effect through the watch, and the audit log of writes and refusals.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"
#include "api/http_server.h"
#include "audit/audit_log.h"
#include "iam/tokens.h"
#include "rbac/builtin.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::api {
namespace {

using nlohmann::json;

constexpr const char* kAdminToken = "authz-test-admin-token-0123456789abcdefghij";
constexpr const char* kRbac = "/apis/rbac.authorization.k8s.io/v1";
constexpr const char* kGateways =
    "/apis/gateway.kubesphere.io/v1alpha1/namespaces/kubesphere-controls-system/gateways";

struct Response {
  int status = 0;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

class RecordingWriter : public ResponseWriter {
 public:
  explicit RecordingWriter(Response* out) : out_(out) {}
  bool Send(int status, std::string_view, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>&) override {
    out_->status = status;
    out_->body = std::string(body);
    sent_ = true;
    return true;
  }
  bool StartStream(int status, std::string_view) override {
    out_->status = status;
    sent_ = true;
    return true;
  }
  bool WriteChunk(std::string_view chunk) override {
    out_->body += chunk;
    return true;
  }
  bool ClientGone(int) override { return true; }
  bool sent() const override { return sent_; }

 private:
  Response* out_;
  bool sent_ = false;
};

json Binding(const std::string& ns, const std::string& user, const std::string& cluster_role) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "RoleBinding"},
          {"metadata", {{"name", user + "-" + cluster_role}, {"namespace", ns}}},
          {"roleRef",
           {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"},
            {"name", cluster_role}}},
          {"subjects",
           json::array({{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "User"},
                         {"name", user}}})}};
}

json Ingress(const std::string& name, const std::string& ns) {
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"rules",
             json::array({{{"host", name + "." + ns + ".example.com"},
                           {"http",
                            {{"paths",
                              json::array({{{"path", "/"},
                                            {"pathType", "Prefix"},
                                            {"backend",
                                             {{"service",
                                               {{"name", "web"},
                                                {"port", {{"number", 80}}}}}}}}})}}}}})}}}};
}

class AuthzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/authz-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    auto audit = audit::AuditLog::Open(audit::AuditLog::Options{.dir = dir_});
    ASSERT_TRUE(audit.ok()) << audit.error().ToString();
    audit_ = std::move(*audit);
    ApiOptions options;
    options.store = store_.get();
    options.admin_token = kAdminToken;
    options.initial_namespaces = {"kubesphere-controls-system", "p1", "p2"};
    options.audit = audit_.get();
    auto api = Api::Create(options);
    ASSERT_TRUE(api.ok()) << api.error().ToString();
    api_ = std::move(*api);
    tokens_ = std::make_unique<iam::TokenStore>(store_.get());
    for (json& role : rbac::BuiltinClusterRoles()) {
      Response r = Admin("POST", std::string(kRbac) + "/clusterroles", role);
      ASSERT_EQ(r.status, 201) << r.body;
    }
    for (const char* user : {"padmin", "op", "viewer", "outsider"}) AddUser(user);
    ASSERT_EQ(Admin("POST", std::string(kRbac) + "/namespaces/p1/rolebindings",
                    Binding("p1", "padmin", std::string(rbac::kProjectAdmin)))
                  .status,
              201);
    ASSERT_EQ(Admin("POST", std::string(kRbac) + "/namespaces/p1/rolebindings",
                    Binding("p1", "op", std::string(rbac::kProjectOperator)))
                  .status,
              201);
    ASSERT_EQ(Admin("POST", std::string(kRbac) + "/namespaces/p1/rolebindings",
                    Binding("p1", "viewer", std::string(rbac::kProjectViewer)))
                  .status,
              201);
  }
  void TearDown() override {
    api_.reset();
    tokens_.reset();
    audit_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void AddUser(const std::string& name) {
    Response r = Admin("POST", "/apis/iam.kubesphere.io/v1alpha2/users",
                       {{"apiVersion", "iam.kubesphere.io/v1alpha2"},
                        {"kind", "User"},
                        {"metadata", {{"name", name}}},
                        {"spec", {{"email", name + "@example.com"}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    auto issued = tokens_->Issue(name, std::chrono::hours(1), "authz test");
    ASSERT_TRUE(issued.ok()) << issued.error().ToString();
    user_tokens_[name] = issued->token;
  }

  Response Send(const std::string& bearer, const std::string& method, const std::string& target,
                const json& body = nullptr) {
    HttpRequest request;
    request.method = method;
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    request.headers["authorization"] = "Bearer " + bearer;
    request.headers["accept"] = "application/json";
    if (!body.is_null()) {
      request.headers["content-type"] = "application/json";
      request.body = body.dump();
    }
    request.remote = "127.0.0.1:40000";
    Response out;
    RecordingWriter writer(&out);
    api_->Handle(request, writer);
    return out;
  }
  Response Admin(const std::string& method, const std::string& target,
                 const json& body = nullptr) {
    return Send(kAdminToken, method, target, body);
  }
  Response As(const std::string& user, const std::string& method, const std::string& target,
              const json& body = nullptr) {
    return Send(user_tokens_.at(user), method, target, body);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<iam::TokenStore> tokens_;
  std::map<std::string, std::string> user_tokens_;
};

TEST_F(AuthzTest, AUserWithoutABindingIsRefusedInKubesWords) {
  Response r = As("outsider", "GET", "/apis/networking.k8s.io/v1/namespaces/p1/ingresses");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Json()["reason"], "Forbidden");
  EXPECT_EQ(r.Json()["message"],
            "ingresses.networking.k8s.io is forbidden: User \"outsider\" cannot list resource "
            "\"ingresses\" in API group \"networking.k8s.io\" in the namespace \"p1\"");
  // No empty list that would tell the namespace list exists but is hidden.
  r = As("outsider", "GET", "/api/v1/namespaces");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Json()["message"],
            "namespaces is forbidden: User \"outsider\" cannot list resource \"namespaces\" in "
            "API group \"\" at the cluster scope");
  r = As("outsider", "GET", "/api/v1/namespaces/p1/secrets/s");
  EXPECT_EQ(r.Json()["message"],
            "secrets \"s\" is forbidden: User \"outsider\" cannot get resource \"secrets\" in "
            "API group \"\" in the namespace \"p1\"");
}

TEST_F(AuthzTest, ProjectRolesAllowTheirOwnProjectOnly) {
  const std::string p1 = "/apis/networking.k8s.io/v1/namespaces/p1/ingresses";
  const std::string p2 = "/apis/networking.k8s.io/v1/namespaces/p2/ingresses";
  EXPECT_EQ(As("op", "POST", p1, Ingress("web", "p1")).status, 201);
  EXPECT_EQ(As("op", "GET", p1 + "/web").status, 200);
  EXPECT_EQ(As("op", "POST", p2, Ingress("web", "p2")).status, 403);
  EXPECT_EQ(As("op", "GET", p2).status, 403);
  EXPECT_EQ(As("viewer", "GET", p1 + "/web").status, 200);
  EXPECT_EQ(As("viewer", "DELETE", p1 + "/web").status, 403);
  // Viewers see no Secrets at all (not even names).
  EXPECT_EQ(As("viewer", "GET", "/api/v1/namespaces/p1/secrets").status, 403);
  EXPECT_EQ(As("op", "GET", "/api/v1/namespaces/p1/secrets").status, 200);
  EXPECT_EQ(As("padmin", "DELETE", p1 + "/web").status, 200);
  // The creator is who asked, not what the body says.
  json ing = Ingress("mine", "p1");
  ing["metadata"]["annotations"] = {{"kubesphere.io/creator", "someone-else"}};
  Response created = As("op", "POST", p1, ing);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["metadata"]["annotations"]["kubesphere.io/creator"], "op");
}

TEST_F(AuthzTest, MembersGetTheirNamespaceAndListOnlyTheirProjects) {
  EXPECT_EQ(As("viewer", "GET", "/api/v1/namespaces/p1").status, 200);
  EXPECT_EQ(As("viewer", "GET", "/api/v1/namespaces/p2").status, 403);
  Response list = As("op", "GET", "/api/v1/namespaces");
  ASSERT_EQ(list.status, 200) << list.body;
  std::vector<std::string> names;
  const json doc = list.Json();
  for (const json& item : doc["items"]) names.push_back(item["metadata"]["name"]);
  EXPECT_EQ(names, std::vector<std::string>{"p1"});
  EXPECT_EQ(As("padmin", "DELETE", "/api/v1/namespaces/p1").status, 403);
  EXPECT_EQ(Admin("GET", "/api/v1/namespaces").Json()["items"].size(), 7u);
}

TEST_F(AuthzTest, AProjectsGatewayIsCheckedAsTheProjectItServes) {
  const std::string own = std::string(kGateways) + "/kubesphere-router-p1";
  // Allowed through to the handler (nothing there yet: 404, not 403).
  EXPECT_EQ(As("padmin", "GET", own).status, 404);
  EXPECT_EQ(As("op", "GET", own).status, 404);
  EXPECT_EQ(As("padmin", "GET", std::string(kGateways) + "/kubesphere-router-p2").status, 403);
  EXPECT_EQ(
      As("padmin", "GET", std::string(kGateways) + "/kubesphere-router-kubesphere-system").status,
      403);
  EXPECT_EQ(As("padmin", "GET", kGateways).status, 403);
  json gateway = {{"apiVersion", "gateway.kubesphere.io/v1alpha1"},
                  {"kind", "Gateway"},
                  {"metadata",
                   {{"name", "kubesphere-router-p2"}, {"namespace", "kubesphere-controls-system"}}},
                  {"spec", {{"service", {{"type", "NodePort"}}}}}};
  Response r = As("padmin", "POST", kGateways, gateway);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Json()["message"],
            "gateways.gateway.kubesphere.io \"kubesphere-router-p2\" is forbidden: User "
            "\"padmin\" cannot create resource \"gateways\" in API group "
            "\"gateway.kubesphere.io\" in the namespace \"kubesphere-controls-system\"");
  EXPECT_EQ(As("op", "POST", kGateways, gateway).status, 403);
  gateway["metadata"]["name"] = "kubesphere-router-p1";
  EXPECT_EQ(As("op", "POST", kGateways, gateway).status, 403);
  r = As("padmin", "POST", kGateways, gateway);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(As("op", "GET", own).status, 200);
  EXPECT_EQ(As("op", "DELETE", own).status, 403);
  EXPECT_EQ(As("padmin", "DELETE", own).status, 200);
}

TEST_F(AuthzTest, NobodyGrantsWhatTheyDoNotHold) {
  const std::string bindings = std::string(kRbac) + "/namespaces/p1/rolebindings";
  Response r = As("padmin", "POST", bindings, Binding("p1", "outsider", "platform-admin"));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.Json()["message"].get<std::string>().find("not currently held"), std::string::npos)
      << r.body;
  // What the project admin holds in p1, it may hand out there.
  r = As("padmin", "POST", bindings,
         Binding("p1", "outsider", std::string(rbac::kProjectOperator)));
  EXPECT_EQ(r.status, 201) << r.body;
  // ...and the new binding counts at once.
  EXPECT_EQ(As("outsider", "GET", "/apis/networking.k8s.io/v1/namespaces/p1/ingresses").status,
            200);
  // A Role with rights the author lacks is refused too.
  json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
               {"kind", "Role"},
               {"metadata", {{"name", "nodes"}, {"namespace", "p1"}}},
               {"rules", json::array({{{"verbs", json::array({"get"})},
                                       {"apiGroups", json::array({""})},
                                       {"resources", json::array({"nodes"})}}})}};
  EXPECT_EQ(As("padmin", "POST", std::string(kRbac) + "/namespaces/p1/roles", role).status, 403);
  EXPECT_EQ(As("op", "POST", bindings, Binding("p1", "viewer", "x")).status, 403);
}

TEST_F(AuthzTest, SelfSubjectAccessAndRulesReviews) {
  json review = {{"apiVersion", "authorization.k8s.io/v1"},
                 {"kind", "SelfSubjectAccessReview"},
                 {"spec",
                  {{"resourceAttributes",
                    {{"namespace", "p1"},
                     {"verb", "create"},
                     {"group", "networking.k8s.io"},
                     {"resource", "ingresses"}}}}}};
  const std::string path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  Response r = As("op", "POST", path, review);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["status"]["allowed"], true);
  review["spec"]["resourceAttributes"]["namespace"] = "p2";
  EXPECT_EQ(As("op", "POST", path, review).Json()["status"]["allowed"], false);
  review["spec"]["resourceAttributes"] = {{"namespace", "kubesphere-controls-system"},
                                          {"verb", "update"},
                                          {"group", "gateway.kubesphere.io"},
                                          {"resource", "gateways"},
                                          {"name", "kubesphere-router-p1"}};
  EXPECT_EQ(As("padmin", "POST", path, review).Json()["status"]["allowed"], true);
  EXPECT_EQ(As("op", "POST", path, review).Json()["status"]["allowed"], false);
  EXPECT_EQ(As("op", "POST", path, json{{"spec", json::object()}}).status, 422);

  Response rules = As("op", "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                      {{"spec", {{"namespace", "p1"}}}});
  ASSERT_EQ(rules.status, 201) << rules.body;
  bool ingresses = false;
  const json doc = rules.Json();
  for (const json& rule : doc["status"]["resourceRules"]) {
    for (const json& res : rule["resources"]) ingresses |= res == "ingresses";
  }
  EXPECT_TRUE(ingresses) << rules.body;
}

TEST_F(AuthzTest, ABindingWrittenByAnotherServerTakesEffectThroughTheWatch) {
  // Straight into the store, as another API server sharing the etcd would write it.
  json binding = Binding("p2", "outsider", std::string(rbac::kProjectViewer));
  binding["metadata"]["uid"] = "u-1";
  ASSERT_TRUE(store_
                  ->Create("/registry/rbac.authorization.k8s.io/rolebindings/p2/outsider-viewer",
                           binding.dump())
                  .ok());
  const std::string path = "/apis/networking.k8s.io/v1/namespaces/p2/ingresses";
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = As("outsider", "GET", path).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(AuthzTest, WritesAndRefusalsAreAudited) {
  ASSERT_EQ(As("op", "POST", "/apis/networking.k8s.io/v1/namespaces/p1/ingresses",
               Ingress("audited", "p1"))
                .status,
            201);
  ASSERT_EQ(As("viewer", "DELETE", "/apis/networking.k8s.io/v1/namespaces/p1/ingresses/audited")
                .status,
            403);
  ASSERT_EQ(As("op", "GET", "/apis/networking.k8s.io/v1/namespaces/p1/ingresses").status, 200);
  std::ifstream in(dir_ + "/audit.log");
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  auto find = [&](const std::string& user, const std::string& verb) -> const json* {
    for (const json& l : lines) {
      if (l["user"] == user && l["verb"] == verb && l["resource"] == "ingresses") return &l;
    }
    return nullptr;
  };
  const json* create = find("op", "create");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ((*create)["name"], "audited");
  EXPECT_EQ((*create)["namespace"], "p1");
  EXPECT_EQ((*create)["code"], 201);
  EXPECT_EQ((*create)["result"], "allowed");
  const json* refused = find("viewer", "delete");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ((*refused)["code"], 403);
  EXPECT_EQ((*refused)["result"], "forbidden");
  EXPECT_EQ(find("op", "list"), nullptr);  // successful reads are not audited
}

}  // namespace
}  // namespace waygate::api
