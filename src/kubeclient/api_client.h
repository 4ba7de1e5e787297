// The Kubernetes API verbs a gateway node needs: list (paged) and watch, plus a plain GET (the
// writes are RestClient's, rest_client.h).
//
// Cluster holds what every client of one API server shares (server URL, TLS context,
// credentials); a Client is one connection's worth of it, used by one thread at a time (a
// watch holds its connection for minutes, so each reflector owns its Client).
//
// Errors carry the API's answer: ErrorCode::kGone for 410 (a resourceVersion too old: relist),
// kNotFound for 404, kConflict for 409, kInvalid for other 4xx, kInternal for 5xx and
// undecodable answers, kIo for transport failures; the message names the request and quotes
// the Status message ("GET /api/v1/secrets?limit=500: 403 Forbidden: secrets is forbidden...").
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "kubeclient/config.h"
#include "kubeclient/credentials.h"
#include "kubeclient/http_client.h"
#include "kubeclient/tls_context.h"
#include "kubeclient/watch_decoder.h"

namespace waygate::kubeclient {

// "waygate/<version>".
const char* UserAgent();

class Cluster {
 public:
  // Fails only on a config that can never work (a CA or client key that does not parse).
  static Result<std::shared_ptr<Cluster>> Create(const Config& config);

  const Config& config() const { return config_; }
  Credentials& credentials() { return credentials_; }
  SSL_CTX* ssl_ctx() const { return ssl_ctx_.get(); }

 private:
  Cluster(Config config, SslCtxPtr ctx)
      : config_(std::move(config)), credentials_(config_), ssl_ctx_(std::move(ctx)) {}
  Config config_;
  Credentials credentials_;
  SslCtxPtr ssl_ctx_;
};

// What every API request starts from: the method, target and timeout, with User-Agent,
// `Accept: application/json` and the current bearer token.
HttpRequest ApiRequest(Cluster& cluster, std::string method, std::string target,
                       std::chrono::milliseconds timeout);
// A non-2xx answer as an Error (codes as above), "<METHOD> <target>: <code> <reason>: <Status
// message>". A 401 makes the credentials read the token file again.
Error ApiError(Cluster& cluster, const HttpRequest& request, const HttpResponse& response);

struct ListOptions {
  int limit = 500;  // page size; 0: one unpaged list
  std::string label_selector;
  std::string field_selector;
  std::chrono::milliseconds timeout{60000};  // per page
};

struct ListResult {
  std::string resource_version;       // of the list as a whole: where a watch resumes
  std::vector<nlohmann::json> items;  // in the order served
};

struct WatchOptions {
  std::string resource_version;  // events after this one
  int timeout_seconds = 300;     // the server ends the watch after this; the caller re-watches
  bool allow_bookmarks = true;
  std::string label_selector;
  std::string field_selector;
};

// Percent-encodes a query value (RFC 3986 unreserved characters pass as they are).
std::string QueryEscape(std::string_view value);

class Client {
 public:
  explicit Client(std::shared_ptr<Cluster> cluster);

  // Follows `continue` tokens until the list is complete. A 410 in the middle (the token
  // expired) restarts it as one unpaged list, as client-go's pager does.
  Result<ListResult> List(const std::string& path, const ListOptions& options = {});

  // Streams events to `on_events` (each call gets the events that one read completed, in
  // order). Returns Ok when the server ended the stream (timeoutSeconds) or `on_events`
  // returned false; an ERROR event ends the watch with its Status as the error (410 → kGone),
  // after the events before it were delivered.
  using EventsHandler = std::function<bool(std::vector<WatchEvent>& events)>;
  Status Watch(const std::string& path, const WatchOptions& options,
               const EventsHandler& on_events);

  // One GET of a JSON document (an object, /version, discovery).
  Result<nlohmann::json> Get(const std::string& path,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // From any thread: ends the request in flight and every later one (shutdown).
  void Cancel() { http_.Cancel(); }
  bool canceled() const { return http_.canceled(); }
  uint64_t connections_opened() const { return http_.connections_opened(); }

 private:
  HttpRequest Request(std::string target, std::chrono::milliseconds timeout) {
    return ApiRequest(*cluster_, "GET", std::move(target), timeout);
  }
  Result<ListResult> ListPages(const std::string& path, const ListOptions& options);

  std::shared_ptr<Cluster> cluster_;
  HttpClient http_;
};

}  // namespace waygate::kubeclient
