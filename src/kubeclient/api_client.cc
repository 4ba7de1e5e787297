#include "kubeclient/api_client.h"

#include <algorithm>
#include <cctype>
#include <optional>

#ifndef WAYGATE_VERSION
#define WAYGATE_VERSION "dev"
#endif

namespace waygate::kubeclient {
namespace {

ErrorCode CodeForStatus(int status) {
  switch (status) {
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    default:
      return status >= 400 && status < 500 ? ErrorCode::kInvalid : ErrorCode::kInternal;
  }
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

std::string Describe(int code, const ApiStatus& status) {
  std::string out = std::to_string(code);
  std::string reason = status.reason.empty() ? ReasonPhrase(code) : status.reason;
  if (!reason.empty()) out += " " + reason;
  if (!status.message.empty()) out += ": " + status.message;
  return out;
}

void AddParam(std::string& target, const char* name, const std::string& value) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += name;
  target += '=';
  target += QueryEscape(value);
}

}  // namespace

const char* UserAgent() { return "waygate/" WAYGATE_VERSION; }

std::string QueryEscape(std::string_view value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::shared_ptr<Cluster>> Cluster::Create(const Config& config) {
  SslCtxPtr ctx;
  if (config.server.tls) {
    auto made = MakeClientContext(config);
    if (!made.ok()) return made.error();
    ctx = std::move(*made);
  }
  return std::shared_ptr<Cluster>(new Cluster(config, std::move(ctx)));
}

HttpRequest ApiRequest(Cluster& cluster, std::string method, std::string target,
                       std::chrono::milliseconds timeout) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.timeout = timeout;
  request.headers.emplace_back("User-Agent", UserAgent());
  request.headers.emplace_back("Accept", "application/json");
  std::string token = cluster.credentials().Token();
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  return request;
}

Error ApiError(Cluster& cluster, const HttpRequest& request, const HttpResponse& response) {
  if (response.status == 401) cluster.credentials().Invalidate();
  ApiStatus status;
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_discarded()) status = ParseApiStatus(body);
  std::string what = request.method + " " + request.target;
  return MakeError(CodeForStatus(response.status), what + ": " + Describe(response.status, status));
}

Client::Client(std::shared_ptr<Cluster> cluster)
    : cluster_(std::move(cluster)),
      http_(cluster_->config().server,
            ConnectOptions{cluster_->ssl_ctx(), cluster_->config().tls_server_name}) {}

Result<nlohmann::json> Client::Get(const std::string& path, std::chrono::milliseconds timeout) {
  HttpRequest request = Request(path, timeout);
  auto response = http_.Send(request);
  if (!response.ok()) return response.error();
  if (response->status != 200) return ApiError(*cluster_, request, *response);
  auto body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return MakeError(ErrorCode::kInternal, "GET " + path + ": response is not JSON");
  }
  return body;
}

Result<ListResult> Client::List(const std::string& path, const ListOptions& options) {
  auto list = ListPages(path, options);
  if (!list.ok() && list.error().code == ErrorCode::kGone && options.limit > 0) {
    // The continue token expired between pages: the pages already read are from an older
    // snapshot and cannot be combined with newer ones, so read everything in one go.
    ListOptions whole = options;
    whole.limit = 0;
    whole.timeout = std::max(options.timeout, std::chrono::milliseconds(300000));
    return ListPages(path, whole);
  }
  return list;
}

Result<ListResult> Client::ListPages(const std::string& path, const ListOptions& options) {
  ListResult result;
  std::string token;
  for (;;) {
    std::string target = path;
    if (options.limit > 0) AddParam(target, "limit", std::to_string(options.limit));
    if (!token.empty()) AddParam(target, "continue", token);
    if (!options.label_selector.empty()) AddParam(target, "labelSelector", options.label_selector);
    if (!options.field_selector.empty()) AddParam(target, "fieldSelector", options.field_selector);
    HttpRequest request = Request(target, options.timeout);
    auto response = http_.Send(request);
    if (!response.ok()) return response.error();
    if (response->status != 200) return ApiError(*cluster_, request, *response);
    auto body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    response->body.clear();
    if (!body.is_object()) {
      return MakeError(ErrorCode::kInternal, "GET " + target + ": response is not a JSON list");
    }
    std::string next;
    if (auto meta = body.find("metadata"); meta != body.end() && meta->is_object()) {
      if (auto rv = meta->find("resourceVersion"); rv != meta->end() && rv->is_string()) {
        result.resource_version = rv->get<std::string>();
      }
      if (auto c = meta->find("continue"); c != meta->end() && c->is_string()) {
        next = c->get<std::string>();
      }
    }
    auto items = body.find("items");
    if (items != body.end() && !items->is_null()) {
      if (!items->is_array()) {
        return MakeError(ErrorCode::kInternal, "GET " + target + ": items is not a list");
      }
      for (auto& item : *items) result.items.push_back(std::move(item));
    }
    if (next.empty()) return result;
    token = std::move(next);
  }
}

Status Client::Watch(const std::string& path, const WatchOptions& options,
                     const EventsHandler& on_events) {
  std::string target = path;
  AddParam(target, "watch", "true");
  if (options.allow_bookmarks) AddParam(target, "allowWatchBookmarks", "true");
  if (!options.resource_version.empty()) {
    AddParam(target, "resourceVersion", options.resource_version);
  }
  if (options.timeout_seconds > 0) {
    AddParam(target, "timeoutSeconds", std::to_string(options.timeout_seconds));
  }
  if (!options.label_selector.empty()) AddParam(target, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) AddParam(target, "fieldSelector", options.field_selector);
  HttpRequest request = Request(target, std::chrono::seconds(30));
  // The server may stay silent until the watch's timeout (no events, no bookmarks): allow
  // that, plus a margin, before calling the connection dead.
  int quiet_s = options.timeout_seconds > 0 ? options.timeout_seconds + 30 : 330;
  request.idle_timeout = std::chrono::seconds(quiet_s);

  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  std::optional<Error> failure;
  bool caller_stopped = false;
  BodySink sink = [&](std::string_view data) {
    events.clear();
    if (Status s = decoder.Feed(data, events); !s.ok()) {
      failure = MakeError(ErrorCode::kInternal, "watch " + target + ": " + s.error().message);
      return false;
    }
    auto error_at = std::find_if(events.begin(), events.end(),
                                 [](const WatchEvent& e) { return e.type == EventType::kError; });
    if (error_at != events.end()) {
      ApiStatus status = ParseApiStatus(error_at->object);
      int code = status.code != 0 ? status.code : 500;
      failure = MakeError(CodeForStatus(code), "watch " + target + ": " + Describe(code, status));
      events.erase(error_at, events.end());
    }
    if (!events.empty() && !on_events(events)) caller_stopped = true;
    return !failure && !caller_stopped;
  };
  auto response = http_.Send(request, &sink);
  if (!response.ok()) return response.error();
  if (response->status != 200) return ApiError(*cluster_, request, *response);
  if (failure) return *failure;
  if (caller_stopped) return OkStatus();
  if (!decoder.idle()) {
    return MakeError(ErrorCode::kIo, "watch " + target + ": stream ended inside an event");
  }
  return OkStatus();
}

}  // namespace waygate::kubeclient
