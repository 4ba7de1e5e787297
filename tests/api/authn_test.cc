// Authentication over the real embedded store: the admin token, users' wg_ tokens (their User
// must exist and be Active), every malformed Authorization header, and store failures; then the
// same through Api::Handle (401/503 Status bodies, public paths, the creator annotation).
#include "api/authn.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/api.h"
#include "api/authn_test_support.h"

namespace waygate::api {
namespace {

using authn_testing::kAdminToken;
using authn_testing::Recorded;
using authn_testing::Recorder;
using nlohmann::json;
using Outcome = Authentication::Outcome;

class AuthnTest : public authn_testing::StoreTest {
 protected:
  Authentication Check(const std::string& header) { return authn_->Authenticate(header); }
};

TEST_F(AuthnTest, AdminTokenIsAdminInSystemMasters) {
  for (std::string header :
       {std::string("Bearer ") + kAdminToken, std::string("bearer ") + kAdminToken,
        std::string("BEARER  ") + kAdminToken + " "}) {
    Authentication a = Check(header);
    ASSERT_EQ(a.outcome, Outcome::kAuthenticated) << header;
    EXPECT_EQ(a.user.name, "admin");
    EXPECT_EQ(a.user.groups, (std::vector<std::string>{"system:masters", "system:authenticated"}));
  }
}

TEST_F(AuthnTest, NoHeaderIsAnonymous) {
  EXPECT_EQ(authn_->Authenticate(std::nullopt).outcome, Outcome::kAnonymous);
}

TEST_F(AuthnTest, UserTokenIsItsUserInSystemAuthenticated) {
  PutUser("bob", "");
  std::string token = Issue("bob");
  Authentication a = Check("Bearer " + token);
  ASSERT_EQ(a.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(a.user.name, "bob");
  EXPECT_EQ(a.user.groups, (std::vector<std::string>{"system:authenticated"}));
}

TEST_F(AuthnTest, MalformedHeadersAreRejected) {
  PutUser("bob", "");
  std::string good = Issue("bob");
  ASSERT_EQ(Check("Bearer " + good).outcome, Outcome::kAuthenticated);
  const std::vector<std::string> headers = {
      "",
      "Bearer",
      "Bearer ",
      "Bearer    ",
      "Basic YWRtaW46YWRtaW4=",
      "Token " + good,
      "Bearer" + good,
      "Bearer " + good + " extra",
      "Bearer " + good + ", Bearer " + good,  // two Authorization headers, joined
      "Bearer " + good + "\x01",
      "Bearer " + std::string(kAdminToken) + "\r\nX: y",
      "Bearer " + std::string(kAdminToken) + "\x7f",
      "Bearer " + std::string(5000, 'a'),
      // Valid token, padded past 4 KiB: the size limit holds before any parsing.
      "Bearer " + std::string(kAdminToken) + std::string(4100, ' '),
      "Bearer wg_" + std::string(43, 'A'),  // well-formed, never issued
      "Bearer wg_short",
      "Bearer " + good.substr(0, good.size() - 1),
      "Bearer " + std::string(kAdminToken).substr(1),
  };
  for (const std::string& header : headers) {
    EXPECT_EQ(Check(header).outcome, Outcome::kRejected) << "header: " << header.substr(0, 80);
  }
}

TEST_F(AuthnTest, ExpiredTokenIsRejected) {
  PutUser("bob", "");
  std::string token = Issue("bob", std::chrono::seconds(60));
  ASSERT_EQ(Check("Bearer " + token).outcome, Outcome::kAuthenticated);  // now cached
  now_ = now_.load() + std::chrono::seconds(61);
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kRejected);
}

TEST_F(AuthnTest, RevokedTokenIsRejected) {
  PutUser("bob", "");
  std::string token = Issue("bob");
  ASSERT_EQ(Check("Bearer " + token).outcome, Outcome::kAuthenticated);
  ASSERT_TRUE(tokens_->Revoke(token).ok());
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kRejected);
}

TEST_F(AuthnTest, TokenOfDisabledOrDeletedUserIsRejected) {
  PutUser("bob", "");
  std::string token = Issue("bob");
  ASSERT_EQ(Check("Bearer " + token).outcome, Outcome::kAuthenticated);
  PutUser("bob", "", "Disabled");
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kRejected);
  PutUser("bob", "", "Active");
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kAuthenticated);
  DeleteUser("bob");
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kRejected);
  // A token naming a user that never existed.
  EXPECT_EQ(Check("Bearer " + Issue("ghost")).outcome, Outcome::kRejected);
}

TEST_F(AuthnTest, StoreFailureIsUnavailableNotRejected) {
  PutUser("bob", "");
  std::string token = Issue("bob");
  store_->failing_prefix = std::string(iam::kTokenPrefix);
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kUnavailable);
  store_->failing_prefix.clear();
  ASSERT_EQ(Check("Bearer " + token).outcome, Outcome::kAuthenticated);  // cached from here
  store_->failing_prefix = UserKey("");
  EXPECT_EQ(Check("Bearer " + token).outcome, Outcome::kUnavailable);
  // The admin token needs no store.
  EXPECT_EQ(Check(std::string("Bearer ") + kAdminToken).outcome, Outcome::kAuthenticated);
}

TEST_F(AuthnTest, UserKeyIsTheRegistryLayout) {
  EXPECT_EQ(UserKey("bob"), "/registry/iam.kubesphere.io/users/bob");
}

// The same cases through the API's handler.
class ApiAuthnTest : public authn_testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ApiOptions options;
    options.store = store_.get();
    options.admin_token = kAdminToken;
    auto api = Api::Create(options);
    ASSERT_TRUE(api.ok()) << api.error().ToString();
    api_ = std::move(*api);
  }
  void TearDown() override {
    api_.reset();
    StoreTest::TearDown();
  }
  // Api's TokenStore runs on the real clock: tokens for these tests are issued through it.
  std::string IssueReal(const std::string& user) {
    iam::TokenStore tokens(store_.get());
    auto issued = tokens.Issue(user, std::chrono::hours(1), "test");
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->token : std::string();
  }
  Recorded Call(const std::string& method, const std::string& path,
                std::optional<std::string> authorization, const json& body = nullptr) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    if (authorization) request.headers["authorization"] = *authorization;
    request.headers["accept"] = "application/json";
    if (!body.is_null()) {
      request.headers["content-type"] = "application/json";
      request.body = body.dump();
    }
    request.remote = "127.0.0.1:40000";
    Recorded out;
    Recorder writer(&out);
    api_->Handle(request, writer);
    return out;
  }
  void ExpectUnauthorized(const Recorded& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what;
    json status = r.Json();
    EXPECT_EQ(status.value("kind", ""), "Status") << what;
    EXPECT_EQ(status.value("reason", ""), "Unauthorized") << what;
    EXPECT_EQ(status.value("message", ""), "Unauthorized") << what;
    EXPECT_EQ(status.value("code", 0), 401) << what;
  }

  std::unique_ptr<Api> api_;
};

TEST_F(ApiAuthnTest, AdminTokenStillServes) {
  EXPECT_EQ(Call("GET", "/api/v1/namespaces", std::string("Bearer ") + kAdminToken).status, 200);
}

TEST_F(ApiAuthnTest, BadCredentialsAre401StatusEverywhere) {
  ExpectUnauthorized(Call("GET", "/api/v1/namespaces", std::nullopt), "no header");
  for (const std::string& header :
       {std::string(""), std::string("Basic YWRtaW46YWRtaW4="), std::string("Bearer wrong"),
        "Bearer " + std::string(5000, 'x'), "Bearer wg_" + std::string(43, 'Q')}) {
    ExpectUnauthorized(Call("GET", "/api/v1/namespaces", header), header.substr(0, 40));
    // Presented credentials are checked on public paths too, as kube-apiserver does.
    ExpectUnauthorized(Call("GET", "/healthz", header), "healthz " + header.substr(0, 40));
  }
  EXPECT_EQ(Call("GET", "/healthz", std::nullopt).status, 200);
  EXPECT_EQ(Call("GET", "/version", std::nullopt).status, 200);
}

TEST_F(ApiAuthnTest, UserTokenServesAndSetsTheCreator) {
  PutUser("bob", "");
  std::string token = IssueReal("bob");
  // Authenticated, but no binding yet: refused by RBAC (403), not unauthenticated (401).
  EXPECT_EQ(Call("GET", "/api/v1/namespaces", "Bearer " + token).status, 403);
  const std::string admin = std::string("Bearer ") + kAdminToken;
  ASSERT_EQ(Call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", admin,
                 json{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                      {"kind", "ClusterRole"},
                      {"metadata", {{"name", "cm-writer"}}},
                      {"rules", json::array({{{"verbs", json::array({"list", "create"})},
                                              {"apiGroups", json::array({""})},
                                              {"resources",
                                               json::array({"namespaces", "configmaps"})}}})}})
                .status,
            201);
  ASSERT_EQ(Call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", admin,
                 json{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                      {"kind", "ClusterRoleBinding"},
                      {"metadata", {{"name", "bob-cm-writer"}}},
                      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"},
                                   {"kind", "ClusterRole"},
                                   {"name", "cm-writer"}}},
                      {"subjects", json::array({{{"kind", "User"}, {"name", "bob"}}})}})
                .status,
            201);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces", "Bearer " + token).status, 200);
  Recorded created = Call(
      "POST", "/api/v1/namespaces/default/configmaps", "Bearer " + token,
      json{
          {"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "mine"}, {"annotations", {{"kubesphere.io/creator", "admin"}}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["metadata"]["annotations"]["kubesphere.io/creator"], "bob");
  PutUser("bob", "", "Disabled");
  ExpectUnauthorized(Call("GET", "/api/v1/namespaces", "Bearer " + token), "disabled user");
}

TEST_F(ApiAuthnTest, StoreFailureIs503StatusNot500) {
  PutUser("bob", "");
  std::string token = IssueReal("bob");
  store_->failing_prefix = std::string(iam::kTokenPrefix);
  Recorded r = Call("GET", "/api/v1/namespaces", "Bearer " + token);
  store_->failing_prefix.clear();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["Retry-After"], "1");
  json status = r.Json();
  EXPECT_EQ(status.value("kind", ""), "Status");
  EXPECT_EQ(status.value("reason", ""), "ServiceUnavailable");
  EXPECT_EQ(status["details"].value("retryAfterSeconds", 0), 1);
}

TEST_F(ApiAuthnTest, OAuthIsReachableWithoutAToken) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/oauth/token";
  request.headers["content-type"] = "application/x-www-form-urlencoded";
  request.body = "grant_type=password&username=nobody&password=whatever1";
  request.remote = "127.0.0.1:40000";
  Recorded out;
  Recorder writer(&out);
  api_->Handle(request, writer);
  EXPECT_EQ(out.status, 400);  // an OAuth error, not a 401 Status
  EXPECT_EQ(out.Json().value("error", ""), "invalid_grant");
}

}  // namespace
}  // namespace waygate::api
