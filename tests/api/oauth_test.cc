// POST /oauth/token and /oauth/revoke over the real embedded store: the password grant (ok,
// wrong password, unknown user, disabled user, the login guard's 429), the token exchange that
// `waygate kubeconfig --user` uses, revocation, and malformed requests.
#include "api/oauth.h"

#include <gtest/gtest.h>

#include <string>

#include "api/authn_test_support.h"

namespace waygate::api {
namespace {

using authn_testing::kAdminToken;
using authn_testing::Recorded;
using authn_testing::Recorder;
using nlohmann::json;
using Outcome = Authentication::Outcome;

constexpr const char* kPassword = "correct horse&battery";
constexpr const char* kPasswordForm = "correct+horse%26battery";

class OAuthTest : public authn_testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    OAuthOptions options;
    options.guard.failures_per_user = 5;
    options.guard.failures_per_address = 8;
    options.guard.window = std::chrono::seconds(600);
    oauth_ = std::make_unique<OAuthServer>(store_.get(), tokens_.get(), authn_.get(), options);
    guard_now_ = iam::LoginGuard::Clock::now();
    oauth_->guard().SetClockForTesting([this] { return guard_now_; });
    PutUser("bob", kPassword);
  }

  Recorded Post(const std::string& path, const std::string& body,
                const std::string& remote = "10.0.0.1:5000",
                const std::string& content_type = "application/x-www-form-urlencoded") {
    HttpRequest request;
    request.method = "POST";
    request.path = path;
    request.headers["content-type"] = content_type;
    request.body = body;
    request.remote = remote;
    Recorded out;
    Recorder writer(&out);
    oauth_->Handle(request, writer);
    return out;
  }
  Recorded Login(const std::string& user, const std::string& password_form,
                 const std::string& remote = "10.0.0.1:5000") {
    return Post("/oauth/token",
                "grant_type=password&username=" + user + "&password=" + password_form, remote);
  }
  static void ExpectOAuthError(const Recorded& r, int status, const std::string& error) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.Json().value("error", ""), error) << r.body;
    EXPECT_TRUE(r.Json().contains("error_description")) << r.body;
    EXPECT_EQ(r.headers.at("Cache-Control"), "no-store");
  }

  std::unique_ptr<OAuthServer> oauth_;
  iam::LoginGuard::Clock::time_point guard_now_;
};

TEST_F(OAuthTest, PasswordGrantIssuesABearerTokenForTheUser) {
  Recorded r = Login("bob", kPasswordForm);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");
  EXPECT_EQ(r.headers["Pragma"], "no-cache");
  json body = r.Json();
  EXPECT_EQ(body.value("token_type", ""), "Bearer");
  EXPECT_EQ(body.value("expires_in", 0), 7200);
  std::string token = body.value("access_token", "");
  ASSERT_TRUE(token.starts_with("wg_")) << token;
  Authentication a = authn_->AuthenticateToken(token);
  ASSERT_EQ(a.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(a.user.name, "bob");
  // The token lives 2 hours on the token store's clock.
  now_ = now_.load() + std::chrono::seconds(7201);
  EXPECT_EQ(authn_->AuthenticateToken(token).outcome, Outcome::kRejected);
}

TEST_F(OAuthTest, WrongPasswordAndUnknownUserLookTheSame) {
  Recorded wrong = Login("bob", "correct+horse");
  Recorded unknown = Login("nobody", kPasswordForm);
  ExpectOAuthError(wrong, 400, "invalid_grant");
  ExpectOAuthError(unknown, 400, "invalid_grant");
  EXPECT_EQ(wrong.body, unknown.body);
  // A user without a password cannot log in with any.
  PutUser("nopass", "");
  ExpectOAuthError(Login("nopass", ""), 400, "invalid_request");
  ExpectOAuthError(Login("nopass", "anything"), 400, "invalid_grant");
}

TEST_F(OAuthTest, DisabledUserIsRefusedEvenWithTheRightPassword) {
  PutUser("bob", kPassword, "Disabled");
  Recorded r = Login("bob", kPasswordForm);
  ExpectOAuthError(r, 400, "invalid_grant");
  EXPECT_EQ(r.Json().value("error_description", ""), "account is not active");
  EXPECT_FALSE(r.Json().contains("access_token"));
  // With a wrong password it says no more than for anyone else.
  EXPECT_EQ(Login("bob", "nope+nope+nope").Json().value("error_description", ""),
            "incorrect username or password");
}

TEST_F(OAuthTest, GuardAnswers429WithRetryAfterBeforeCheckingThePassword) {
  for (int i = 0; i < 5; ++i) ExpectOAuthError(Login("bob", "wrong-one"), 400, "invalid_grant");
  // The sixth attempt is refused even with the right password: nothing is hashed.
  Recorded held = Login("bob", kPasswordForm);
  ExpectOAuthError(held, 429, "invalid_grant");
  int retry_after = std::stoi(held.headers.at("Retry-After"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 600);
  // Another user from another address is not held back.
  PutUser("carol", kPassword);
  EXPECT_EQ(Login("carol", kPasswordForm, "10.0.0.2:1").status, 200);
  // After the window, bob may try again; a success clears his count.
  guard_now_ += std::chrono::seconds(601);
  EXPECT_EQ(Login("bob", kPasswordForm).status, 200);
}

TEST_F(OAuthTest, GuardCountsPerAddressAcrossNames) {
  for (int i = 0; i < 8; ++i) {
    ExpectOAuthError(Login("user" + std::to_string(i), "wrong-one", "10.9.9.9:1"), 400,
                     "invalid_grant");
  }
  ExpectOAuthError(Login("bob", kPasswordForm, "10.9.9.9:2"), 429, "invalid_grant");
  EXPECT_EQ(Login("bob", kPasswordForm, "10.9.9.8:2").status, 200);
}

TEST_F(OAuthTest, RevokeEndsAToken) {
  Recorded r = Login("bob", kPasswordForm);
  ASSERT_EQ(r.status, 200);
  std::string token = r.Json()["access_token"];
  ASSERT_EQ(authn_->AuthenticateToken(token).outcome, Outcome::kAuthenticated);
  Recorded revoked = Post("/oauth/revoke", "token=" + token + "&token_type_hint=access_token");
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.body, "");
  EXPECT_EQ(authn_->AuthenticateToken(token).outcome, Outcome::kRejected);
  // RFC 7009: unknown and already revoked tokens are answered 200 too.
  EXPECT_EQ(Post("/oauth/revoke", "token=" + token).status, 200);
  EXPECT_EQ(Post("/oauth/revoke", "token=garbage").status, 200);
  // The admin token is not revocable this way.
  EXPECT_EQ(Post("/oauth/revoke", std::string("token=") + kAdminToken).status, 200);
  EXPECT_EQ(authn_->AuthenticateToken(kAdminToken).outcome, Outcome::kAuthenticated);
  ExpectOAuthError(Post("/oauth/revoke", "token_type_hint=access_token"), 400, "invalid_request");
}

TEST_F(OAuthTest, TokenExchangeNeedsASystemMastersSubject) {
  std::string base =
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
      "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token";
  Recorded r = Post("/oauth/token", base + "&subject_token=" + kAdminToken +
                                        "&requested_subject=bob&expires_in=90");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().value("expires_in", 0), 90);
  EXPECT_EQ(r.Json().value("issued_token_type", ""), kAccessTokenType);
  std::string bobs = r.Json()["access_token"];
  Authentication a = authn_->AuthenticateToken(bobs);
  ASSERT_EQ(a.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(a.user.name, "bob");
  now_ = now_.load() + std::chrono::seconds(91);
  EXPECT_EQ(authn_->AuthenticateToken(bobs).outcome, Outcome::kRejected);

  // A user's own token may not act for others.
  std::string carol_for_bob = base + "&subject_token=" + Issue("bob") + "&requested_subject=bob";
  PutUser("carol", kPassword);
  ExpectOAuthError(Post("/oauth/token", carol_for_bob), 400, "invalid_request");
  ExpectOAuthError(Post("/oauth/token", base + "&subject_token=wrong&requested_subject=bob"), 400,
                   "invalid_request");
  ExpectOAuthError(
      Post("/oauth/token", base + "&subject_token=" + kAdminToken + "&requested_subject=ghost"),
      400, "invalid_grant");
  PutUser("bob", kPassword, "Disabled");
  ExpectOAuthError(
      Post("/oauth/token", base + "&subject_token=" + kAdminToken + "&requested_subject=bob"), 400,
      "invalid_grant");
  ExpectOAuthError(Post("/oauth/token", base + "&subject_token=" + kAdminToken +
                                            "&requested_subject=bob&expires_in=-1"),
                   400, "invalid_request");
}

TEST_F(OAuthTest, MalformedRequests) {
  ExpectOAuthError(Post("/oauth/token", "username=bob&password=x"), 400, "invalid_request");
  ExpectOAuthError(Post("/oauth/token", "grant_type=client_credentials"), 400,
                   "unsupported_grant_type");
  ExpectOAuthError(Post("/oauth/token", "grant_type=password&username=bob"), 400,
                   "invalid_request");
  ExpectOAuthError(Post("/oauth/token", std::string("grant_type=password&username=bob&password=") +
                                            kPasswordForm + "&password=other"),
                   400, "invalid_request");
  ExpectOAuthError(Post("/oauth/token", "grant_type=password&username=bob&password=%zz"), 400,
                   "invalid_request");
  ExpectOAuthError(Post("/oauth/token", "grant_type=password&username=bob&password=%4"), 400,
                   "invalid_request");
  ExpectOAuthError(Post("/oauth/token", std::string("{\"grant_type\":\"password\"}"),
                        "10.0.0.1:5000", "application/json"),
                   400, "invalid_request");
  ExpectOAuthError(Login(std::string(300, 'a'), kPasswordForm), 400, "invalid_grant");
  // The content type's parameters and case do not matter.
  EXPECT_EQ(Post("/oauth/token",
                 std::string("grant_type=password&username=bob&password=") + kPasswordForm,
                 "10.0.0.1:5000", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")
                .status,
            200);

  HttpRequest get;
  get.method = "GET";
  get.path = "/oauth/token";
  Recorded out;
  Recorder writer(&out);
  oauth_->Handle(get, writer);
  ExpectOAuthError(out, 405, "invalid_request");
  EXPECT_EQ(out.headers["Allow"], "POST");

  Recorded other = Post("/oauth/authorize", "");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.Json().value("kind", ""), "Status");
}

TEST_F(OAuthTest, StoreFailureIs503) {
  store_->failing_prefix = UserKey("");
  Recorded r = Login("bob", kPasswordForm);
  store_->failing_prefix.clear();
  ExpectOAuthError(r, 503, "temporarily_unavailable");
  EXPECT_EQ(r.headers["Retry-After"], "1");
}

}  // namespace
}  // namespace waygate::api
