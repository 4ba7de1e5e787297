#include "kubeclient/rest_client.h"

namespace waygate::kubeclient {
namespace {

// One object is a few KiB; anything near this is not an answer we understand.
constexpr size_t kMaxBody = 4 << 20;

}  // namespace

RestClient::RestClient(std::shared_ptr<Cluster> cluster)
    : cluster_(std::move(cluster)),
      http_(cluster_->config().server,
            ConnectOptions{cluster_->ssl_ctx(), cluster_->config().tls_server_name}) {}

Result<nlohmann::json> RestClient::Get(const std::string& path) {
  return Send(ApiRequest(*cluster_, "GET", path, timeout));
}

Result<nlohmann::json> RestClient::Create(const std::string& collection,
                                          const nlohmann::json& object) {
  HttpRequest request = ApiRequest(*cluster_, "POST", collection, timeout);
  request.content_type = "application/json";
  request.body = object.dump();
  return Send(std::move(request));
}

Result<nlohmann::json> RestClient::Replace(const std::string& path, const nlohmann::json& object) {
  HttpRequest request = ApiRequest(*cluster_, "PUT", path, timeout);
  request.content_type = "application/json";
  request.body = object.dump();
  return Send(std::move(request));
}

Result<nlohmann::json> RestClient::Patch(const std::string& path, const nlohmann::json& patch) {
  HttpRequest request = ApiRequest(*cluster_, "PATCH", path, timeout);
  request.content_type = "application/merge-patch+json";
  request.body = patch.dump();
  return Send(std::move(request));
}

Result<nlohmann::json> RestClient::Send(HttpRequest request) {
  request.max_body = kMaxBody;
  auto response = http_.Send(request);
  if (!response.ok()) return response.error();
  if (response->status < 200 || response->status >= 300) {
    return ApiError(*cluster_, request, *response);
  }
  auto json = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return MakeError(ErrorCode::kInternal,
                     request.method + " " + request.target + ": response is not JSON");
  }
  return json;
}

}  // namespace waygate::kubeclient
