// Users and RBAC objects as the API serves them (issue 7): the catalog and discovery entries,
// RBAC validation with kube's field paths, roleRef immutability, User admission, and the rule
// that a User's password (clear or hashed) never leaves the server, on every path a client can
// read an object from. Requests go through Api::Handle over the real SQLite store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/http_server.h"
#include "iam/tokens.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::api {
namespace {

using nlohmann::json;

constexpr const char* kToken = "iam-objects-test-token";
constexpr const char* kPassword = "Correct-Horse-9";
constexpr const char* kUsers = "/apis/iam.kubesphere.io/v1alpha2/users";
constexpr const char* kRbac = "/apis/rbac.authorization.k8s.io/v1";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

struct Response {
  int status = 0;
  std::string body;  // for a watch: every chunk, concatenated
  json Json() const { return json::parse(body, nullptr, false); }
};

// Records a whole response, or a watch stream's chunks (the watch ends at its timeoutSeconds).
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
  bool ClientGone(int) override { return false; }
  bool sent() const override { return sent_; }

 private:
  Response* out_;
  bool sent_ = false;
};

// What must never appear in anything the server answers: the clear password, and any bcrypt
// hash ($2a$/$2b$/$2y$...), wherever it might hide (spec, annotations, table cells).
void ExpectNoSecret(const std::string& body, const std::string& what) {
  EXPECT_EQ(body.find(kPassword), std::string::npos) << what << ": " << body;
  EXPECT_EQ(body.find("$2"), std::string::npos) << what << ": " << body;
  EXPECT_EQ(body.find("\"password\""), std::string::npos) << what << ": " << body;
  EXPECT_EQ(body.find("\\\"password\\\""), std::string::npos) << what << ": " << body;
}

class IamObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/iam-objects-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    ApiOptions options;
    options.store = store_.get();
    options.admin_token = kToken;
    auto api = Api::Create(options);
    ASSERT_TRUE(api.ok()) << api.error().ToString();
    api_ = std::move(*api);
    Response ns =
        Call("POST", "/api/v1/namespaces",
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "demo"}}}});
    ASSERT_EQ(ns.status, 201) << ns.body;
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Response Call(const std::string& method, const std::string& target, const json& body = nullptr,
                const std::string& accept = "application/json",
                const std::string& content_type = "application/json",
                const std::string& bearer = kToken) {
    HttpRequest request;
    request.method = method;
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    request.headers["authorization"] = "Bearer " + bearer;
    request.headers["accept"] = accept;
    if (!body.is_null()) {
      request.headers["content-type"] = content_type;
      request.body = body.dump();
    }
    Response response;
    RecordingWriter writer(&response);
    api_->Handle(request, writer);
    return response;
  }

  // kubectl apply's create: the manifest, plus itself (password included) in the
  // last-applied-configuration annotation.
  static json UserManifest(const std::string& name, const std::string& password = kPassword) {
    json user = {{"apiVersion", "iam.kubesphere.io/v1alpha2"},
                 {"kind", "User"},
                 {"metadata", {{"name", name}}},
                 {"spec", {{"email", name + "@example.com"}, {"password", password}}}};
    json with_annotation = user;
    with_annotation["metadata"]["annotations"] = {
        {"kubectl.kubernetes.io/last-applied-configuration", user.dump()}};
    return with_annotation;
  }

  // The object exactly as stored (what only the server sees).
  json Stored(const std::string& key) {
    auto got = store_->Get(key);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || got->kvs.empty()) return nullptr;
    return json::parse(got->kvs[0].value, nullptr, false);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Api> api_;
};

TEST_F(IamObjectsTest, DiscoveryListsRbacAndUsers) {
  json rbac = Call("GET", kRbac).Json();
  std::map<std::string, bool> namespaced;
  for (const json& r : rbac["resources"]) namespaced[r["name"]] = r["namespaced"];
  EXPECT_EQ(namespaced, (std::map<std::string, bool>{{"clusterrolebindings", false},
                                                     {"clusterroles", false},
                                                     {"rolebindings", true},
                                                     {"roles", true}}));
  json iam = Call("GET", "/apis/iam.kubesphere.io/v1alpha2").Json();
  ASSERT_EQ(iam["resources"].size(), 1u) << iam;
  EXPECT_EQ(iam["resources"][0]["name"], "users");
  EXPECT_EQ(iam["resources"][0]["kind"], "User");
  EXPECT_EQ(iam["resources"][0]["singularName"], "user");
  EXPECT_EQ(iam["resources"][0]["namespaced"], false);
  EXPECT_EQ(iam["resources"][0]["categories"], json::array({"iam"}));
  std::string groups = Call("GET", "/apis").body;
  EXPECT_NE(groups.find("\"rbac.authorization.k8s.io\""), std::string::npos);
  EXPECT_NE(groups.find("\"iam.kubesphere.io\""), std::string::npos);
}

TEST_F(IamObjectsTest, CreateHashesThePasswordAndAnswersWithoutIt) {
  Response created = Call("POST", kUsers, UserManifest("bob"));
  ASSERT_EQ(created.status, 201) << created.body;
  ExpectNoSecret(created.body, "create");
  json user = created.Json();
  EXPECT_EQ(user["spec"]["email"], "bob@example.com");
  EXPECT_EQ(user["status"]["state"], "Active");
  EXPECT_EQ(user["metadata"]["annotations"]["iam.kubesphere.io/password-encrypted"], "true");
  json applied = json::parse(
      user["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
          .get<std::string>());
  EXPECT_EQ(applied["spec"], json({{"email", "bob@example.com"}}));

  json stored = Stored("/registry/iam.kubesphere.io/users/bob");
  ASSERT_TRUE(stored["spec"]["password"].is_string()) << stored;
  EXPECT_TRUE(stored["spec"]["password"].get<std::string>().starts_with("$2")) << stored;
  EXPECT_EQ(stored.dump().find(kPassword), std::string::npos) << stored;

  Response dry = Call("POST", std::string(kUsers) + "?dryRun=All", UserManifest("carol"));
  ASSERT_EQ(dry.status, 201) << dry.body;
  ExpectNoSecret(dry.body, "dry-run create");
}

TEST_F(IamObjectsTest, EveryReadPathRedacts) {
  ASSERT_EQ(Call("POST", kUsers, UserManifest("bob")).status, 201);
  std::string one = std::string(kUsers) + "/bob";

  Response get = Call("GET", one);
  ASSERT_EQ(get.status, 200) << get.body;
  ExpectNoSecret(get.body, "get");
  EXPECT_EQ(get.Json()["spec"]["email"], "bob@example.com");

  Response list = Call("GET", kUsers);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  ExpectNoSecret(list.body, "list");

  for (const char* include : {"Object", "Metadata"}) {
    Response table =
        Call("GET", std::string(kUsers) + "?includeObject=" + include, nullptr, kTableAccept);
    ASSERT_EQ(table.status, 200) << table.body;
    ExpectNoSecret(table.body, std::string("table list ") + include);
    json t = table.Json();
    ASSERT_EQ(t["rows"].size(), 1u);
    EXPECT_EQ(t["rows"][0]["cells"][0], "bob");
    EXPECT_EQ(t["rows"][0]["cells"][1], "bob@example.com");
    EXPECT_EQ(t["rows"][0]["cells"][2], "Active");
    Response single = Call("GET", one + "?includeObject=" + include, nullptr, kTableAccept);
    ASSERT_EQ(single.status, 200) << single.body;
    ExpectNoSecret(single.body, std::string("table get ") + include);
  }
  json columns = Call("GET", kUsers, nullptr, kTableAccept).Json()["columnDefinitions"];
  std::vector<std::string> names;
  for (const json& c : columns) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Email", "Status", "Age"}));

  Response metadata =
      Call("GET", one, nullptr, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
  ASSERT_EQ(metadata.status, 200) << metadata.body;
  ExpectNoSecret(metadata.body, "partial metadata");
}

TEST_F(IamObjectsTest, WatchEventsAreRedacted) {
  Response created = Call("POST", kUsers, UserManifest("bob"));
  ASSERT_EQ(created.status, 201);
  std::string rv = created.Json()["metadata"]["resourceVersion"];
  // A change after `rv` (a new password) and a delete: MODIFIED and DELETED replayed from rv.
  Response patched =
      Call("PATCH", std::string(kUsers) + "/bob", {{"spec", {{"password", "Another-Secret-1"}}}},
           "application/json", "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  ExpectNoSecret(patched.body, "patch");
  EXPECT_EQ(patched.body.find("Another-Secret-1"), std::string::npos);
  ASSERT_EQ(Call("DELETE", std::string(kUsers) + "/bob").status, 200);

  Response replay =
      Call("GET", std::string(kUsers) + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv);
  ASSERT_EQ(replay.status, 200);
  EXPECT_NE(replay.body.find("\"MODIFIED\""), std::string::npos) << replay.body;
  EXPECT_NE(replay.body.find("\"DELETED\""), std::string::npos) << replay.body;
  ExpectNoSecret(replay.body, "watch replay");
  EXPECT_EQ(replay.body.find("Another-Secret-1"), std::string::npos);

  ASSERT_EQ(Call("POST", kUsers, UserManifest("carol")).status, 201);
  Response initial = Call("GET", std::string(kUsers) + "?watch=1&timeoutSeconds=1");
  EXPECT_NE(initial.body.find("\"ADDED\""), std::string::npos) << initial.body;
  ExpectNoSecret(initial.body, "watch initial");
  Response table_watch =
      Call("GET", std::string(kUsers) + "?watch=1&timeoutSeconds=1&includeObject=Object", nullptr,
           kTableAccept);
  EXPECT_NE(table_watch.body.find("carol@example.com"), std::string::npos) << table_watch.body;
  ExpectNoSecret(table_watch.body, "table watch");
}

TEST_F(IamObjectsTest, WritesAnswerRedactedAndReapplyIsANoop) {
  Response created = Call("POST", kUsers, UserManifest("bob"));
  ASSERT_EQ(created.status, 201);
  json stored = Stored("/registry/iam.kubesphere.io/users/bob");
  std::string hash = stored["spec"]["password"];
  std::string rv = created.Json()["metadata"]["resourceVersion"];
  std::string one = std::string(kUsers) + "/bob";

  // kubectl apply again, unchanged: its merge patch carries the password and the annotation.
  json manifest = UserManifest("bob");
  json patch = {{"metadata", manifest["metadata"]}, {"spec", {{"password", kPassword}}}};
  Response again = Call("PATCH", one, patch, "application/json", "application/merge-patch+json");
  ASSERT_EQ(again.status, 200) << again.body;
  ExpectNoSecret(again.body, "re-apply");
  EXPECT_EQ(again.Json()["metadata"]["resourceVersion"], rv)
      << "an unchanged apply wrote: " << stored.dump() << "\n"
      << Stored("/registry/iam.kubesphere.io/users/bob").dump();
  EXPECT_EQ(Stored("/registry/iam.kubesphere.io/users/bob")["spec"]["password"], hash);

  // PUT of what GET returned (no password): the hash stays.
  json read = Call("GET", one).Json();
  read["spec"]["displayName"] = "Bob";
  Response put = Call("PUT", one, read);
  ASSERT_EQ(put.status, 200) << put.body;
  ExpectNoSecret(put.body, "update");
  EXPECT_EQ(Stored("/registry/iam.kubesphere.io/users/bob")["spec"]["password"], hash);

  // Server-side apply, create and update.
  json ssa = UserManifest("dave");
  ssa["metadata"].erase("annotations");
  Response applied = Call("PATCH", std::string(kUsers) + "/dave?fieldManager=test", ssa,
                          "application/json", "application/apply-patch+yaml");
  ASSERT_EQ(applied.status, 201) << applied.body;
  ExpectNoSecret(applied.body, "apply create");
  ssa["spec"]["displayName"] = "Dave";
  applied = Call("PATCH", std::string(kUsers) + "/dave?fieldManager=test", ssa, "application/json",
                 "application/apply-patch+yaml");
  ASSERT_EQ(applied.status, 200) << applied.body;
  ExpectNoSecret(applied.body, "apply update");
  EXPECT_TRUE(Stored("/registry/iam.kubesphere.io/users/dave")["spec"]["password"]
                  .get<std::string>()
                  .starts_with("$2"));

  Response dry_delete = Call("DELETE", one + "?dryRun=All");
  ASSERT_EQ(dry_delete.status, 200) << dry_delete.body;
  ExpectNoSecret(dry_delete.body, "dry-run delete");
  Response collection = Call("DELETE", kUsers);
  ASSERT_EQ(collection.status, 200) << collection.body;
  EXPECT_EQ(collection.Json()["items"].size(), 2u);
  ExpectNoSecret(collection.body, "deletecollection");
}

TEST_F(IamObjectsTest, BadUsersAreRefusedNamingTheField) {
  Response short_password = Call("POST", kUsers, UserManifest("bob", "short"));
  EXPECT_EQ(short_password.status, 422) << short_password.body;
  EXPECT_EQ(short_password.Json()["details"]["causes"][0]["field"], "spec.password");
  EXPECT_EQ(short_password.body.find("\"short\""), std::string::npos);

  json bad_email = UserManifest("bob");
  bad_email["spec"]["email"] = "not-an-address";
  Response email = Call("POST", kUsers, bad_email);
  EXPECT_EQ(email.status, 422) << email.body;
  EXPECT_EQ(email.Json()["details"]["causes"][0]["field"], "spec.email");

  // A planted hash is refused on every write path, here a patch.
  ASSERT_EQ(Call("POST", kUsers, UserManifest("bob")).status, 201);
  Response planted = Call(
      "PATCH", std::string(kUsers) + "/bob",
      {{"spec", {{"password", "$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}}}},
      "application/json", "application/merge-patch+json");
  EXPECT_EQ(planted.status, 422) << planted.body;
  EXPECT_EQ(planted.Json()["details"]["causes"][0]["field"], "spec.password");
}

TEST_F(IamObjectsTest, PasswordChangeAndDeleteRevokeTokens) {
  ASSERT_EQ(Call("POST", kUsers, UserManifest("bob")).status, 201);
  iam::TokenStore tokens(store_.get());
  auto issued = tokens.Issue("bob", std::chrono::seconds(3600), "test");
  ASSERT_TRUE(issued.ok()) << issued.error().ToString();
  const std::string bob = issued->token;
  // 403: the token is accepted (bob has no binding); 401 would mean it is refused.
  ASSERT_EQ(Call("GET", "/api/v1/namespaces", nullptr, "application/json", "", bob).status, 403);

  // Re-applying the same password keeps the token.
  Response same = Call("PATCH", std::string(kUsers) + "/bob", {{"spec", {{"password", kPassword}}}},
                       "application/json", "application/merge-patch+json");
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(Call("GET", "/api/v1/namespaces", nullptr, "application/json", "", bob).status, 403);

  Response changed =
      Call("PATCH", std::string(kUsers) + "/bob", {{"spec", {{"password", "Brand-New-Secret-2"}}}},
           "application/json", "application/merge-patch+json");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Call("GET", "/api/v1/namespaces", nullptr, "application/json", "", bob).status, 401);

  // A token of a deleted user does not come back with a new user of the same name.
  auto second = tokens.Issue("bob", std::chrono::seconds(3600), "test");
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(Call("DELETE", std::string(kUsers) + "/bob").status, 200);
  ASSERT_EQ(Call("POST", kUsers, UserManifest("bob")).status, 201);
  EXPECT_EQ(
      Call("GET", "/api/v1/namespaces", nullptr, "application/json", "", second->token).status,
      401);
}

json Role(const json& rules) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "Role"},
          {"metadata", {{"name", "reader"}, {"namespace", "demo"}}},
          {"rules", rules}};
}

json RoleBinding(const std::string& name, const std::string& role_kind, const std::string& role) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "RoleBinding"},
          {"metadata", {{"name", name}, {"namespace", "demo"}}},
          {"roleRef", {{"kind", role_kind}, {"name", role}}},
          {"subjects",
           {{{"kind", "User"}, {"name", "bob"}},
            {{"kind", "Group"}, {"name", "devs"}},
            {{"kind", "ServiceAccount"}, {"name", "ci"}, {"namespace", "demo"}}}}};
}

TEST_F(IamObjectsTest, RolesAreValidatedWithKubeFieldPaths) {
  std::string roles = std::string(kRbac) + "/namespaces/demo/roles";
  Response missing =
      Call("POST", roles, Role({{{"apiGroups", {""}}, {"resources", {"services"}}}}));
  ASSERT_EQ(missing.status, 422) << missing.body;
  EXPECT_EQ(missing.Json()["details"]["causes"][0]["field"], "rules[0].verbs");
  EXPECT_NE(missing.Json()["message"].get<std::string>().find(
                "Role.rbac.authorization.k8s.io \"reader\" is invalid: rules[0].verbs: Required "
                "value"),
            std::string::npos)
      << missing.body;

  json good = Role({{{"apiGroups", {""}}, {"resources", {"services"}}, {"verbs", {"get"}}}});
  ASSERT_EQ(Call("POST", roles, good).status, 201);
  // Built-in kind: kubectl apply sends a strategic merge patch; rules are replaced whole.
  Response smp =
      Call("PATCH", roles + "/reader",
           {{"rules", {{{"apiGroups", {""}}, {"resources", {"secrets"}}, {"verbs", {"list"}}}}}},
           "application/json", "application/strategic-merge-patch+json");
  ASSERT_EQ(smp.status, 200) << smp.body;
  EXPECT_EQ(smp.Json()["rules"].size(), 1u);
  EXPECT_EQ(smp.Json()["rules"][0]["resources"], json::array({"secrets"}));

  // RBAC names are path segments, not DNS names: kube's own ClusterRoles use colons.
  json cluster_role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                       {"kind", "ClusterRole"},
                       {"metadata", {{"name", "system:aggregate-to-view"}}},
                       {"rules", {{{"nonResourceURLs", {"/healthz"}}, {"verbs", {"get"}}}}}};
  Response colon = Call("POST", std::string(kRbac) + "/clusterroles", cluster_role);
  EXPECT_EQ(colon.status, 201) << colon.body;
  json bad_url = Role({{{"nonResourceURLs", {"/healthz"}}, {"verbs", {"get"}}}});
  bad_url["metadata"]["name"] = "urls";
  Response namespaced_url = Call("POST", roles, bad_url);
  EXPECT_EQ(namespaced_url.status, 422) << namespaced_url.body;
  EXPECT_EQ(namespaced_url.Json()["details"]["causes"][0]["field"], "rules[0].nonResourceURLs");
}

TEST_F(IamObjectsTest, BindingsDefaultApiGroupsAndKeepTheirRoleRef) {
  std::string bindings = std::string(kRbac) + "/namespaces/demo/rolebindings";
  Response created = Call(
      "POST", bindings, RoleBinding("bob-operator", "ClusterRole", "kubesphere-project-operator"));
  ASSERT_EQ(created.status, 201) << created.body;
  json binding = created.Json();
  EXPECT_EQ(binding["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
  EXPECT_EQ(binding["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
  EXPECT_FALSE(binding["subjects"][2].contains("apiGroup"));

  // The same roleRef written without its defaulted apiGroup is no change.
  json same = binding;
  same["roleRef"].erase("apiGroup");
  EXPECT_EQ(Call("PUT", bindings + "/bob-operator", same).status, 200);

  json other = binding;
  other["roleRef"]["name"] = "kubesphere-project-admin";
  Response changed = Call("PUT", bindings + "/bob-operator", other);
  ASSERT_EQ(changed.status, 422) << changed.body;
  EXPECT_EQ(changed.Json()["details"]["causes"][0]["field"], "roleRef");
  EXPECT_NE(changed.Json()["message"].get<std::string>().find(
                "roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", "
                "Kind:\"ClusterRole\", Name:\"kubesphere-project-admin\"}: cannot change roleRef"),
            std::string::npos)
      << changed.body;
  Response patched = Call("PATCH", bindings + "/bob-operator",
                          {{"roleRef", {{"name", "kubesphere-project-viewer"}}}},
                          "application/json", "application/merge-patch+json");
  EXPECT_EQ(patched.status, 422) << patched.body;

  Response bad_kind = Call("POST", std::string(kRbac) + "/clusterrolebindings",
                           {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                            {"kind", "ClusterRoleBinding"},
                            {"metadata", {{"name", "x"}}},
                            {"roleRef", {{"kind", "Role"}, {"name", "reader"}}}});
  ASSERT_EQ(bad_kind.status, 422) << bad_kind.body;
  EXPECT_EQ(bad_kind.Json()["details"]["causes"][0]["field"], "roleRef.kind");
}

TEST_F(IamObjectsTest, BindingTablesFollowKube) {
  ASSERT_EQ(Call("POST", std::string(kRbac) + "/namespaces/demo/rolebindings",
                 RoleBinding("bob-operator", "ClusterRole", "kubesphere-project-operator"))
                .status,
            201);
  json table =
      Call("GET", std::string(kRbac) + "/namespaces/demo/rolebindings", nullptr, kTableAccept)
          .Json();
  std::vector<std::string> names;
  for (const json& c : table["columnDefinitions"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups",
                                             "ServiceAccounts"}));
  ASSERT_EQ(table["rows"].size(), 1u);
  const json& cells = table["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "bob-operator");
  EXPECT_EQ(cells[1], "ClusterRole/kubesphere-project-operator");
  EXPECT_EQ(cells[3], "bob");
  EXPECT_EQ(cells[4], "devs");
  EXPECT_EQ(cells[5], "demo/ci");

  json roles = Call("GET", std::string(kRbac) + "/clusterroles", nullptr, kTableAccept).Json();
  names.clear();
  for (const json& c : roles["columnDefinitions"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Created At"}));
}

}  // namespace
}  // namespace waygate::api
