#include "user_token.h"

#include <nlohmann/json.hpp>

#include "api/authn.h"
#include "api/oauth.h"
#include "iam/tokens.h"
#include "iam/users.h"
#include "kubeclient/config.h"
#include "kubeclient/http_client.h"
#include "kubeclient/tls_context.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::cmd {
namespace {

std::string FormEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

Result<std::string> FromStore(store::Store* store, const UserTokenRequest& request) {
  auto user = api::ReadUser(store, request.user);
  if (!user.ok()) {
    if (user.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, "no user " + request.user);
    }
    return user.error();
  }
  if (!iam::IsActive(*user)) {
    return MakeError(ErrorCode::kInvalid, "user " + request.user + " is not active");
  }
  iam::TokenStore tokens(store);
  auto issued = tokens.Issue(request.user, request.ttl, "waygate kubeconfig");
  if (!issued.ok()) return issued.error();
  return issued->token;
}

Result<std::string> FromServer(const UserTokenRequest& request) {
  auto url = kubeclient::ParseServerUrl(request.server_url, "server URL");
  if (!url.ok()) return url.error();
  kubeclient::Config config;
  config.server = *url;
  config.ca_pem = request.ca_pem;
  config.ca_field = "DIR/pki/ca.crt";
  auto ssl = kubeclient::MakeClientContext(config);
  if (!ssl.ok()) return ssl.error();
  kubeclient::ConnectOptions connect;
  connect.ssl_ctx = ssl->get();
  kubeclient::HttpClient client(*url, connect);

  kubeclient::HttpRequest post;
  post.method = "POST";
  post.target = "/oauth/token";
  post.content_type = "application/x-www-form-urlencoded";
  post.body = "grant_type=" + FormEscape(api::kTokenExchangeGrant) +
              "&subject_token=" + FormEscape(request.admin_token) +
              "&subject_token_type=" + FormEscape(api::kAccessTokenType) +
              "&requested_subject=" + FormEscape(request.user);
  if (request.ttl.count() > 0) post.body += "&expires_in=" + std::to_string(request.ttl.count());
  post.timeout = std::chrono::seconds(20);
  auto response = client.Send(post);
  if (!response.ok()) return response.error();
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status == 200 && body.is_object() && body.contains("access_token") &&
      body["access_token"].is_string()) {
    return body["access_token"].get<std::string>();
  }
  std::string why =
      body.is_object() ? body.value("error_description", body.value("error", "")) : std::string();
  if (why.empty()) why = "HTTP " + std::to_string(response->status);
  return MakeError(response->status == 400 ? ErrorCode::kInvalid : ErrorCode::kIo,
                   request.server_url + "/oauth/token: " + why);
}

}  // namespace

Result<std::string> IssueUserToken(const UserTokenRequest& request) {
  auto store = store::OpenSqliteStore(request.data_dir + "/store.db");
  if (store.ok()) return FromStore(store->get(), request);
  if (store.error().code != ErrorCode::kConflict) return store.error();
  // serve holds the store: ask it.
  return FromServer(request);
}

}  // namespace waygate::cmd
