// JSON reads and writes of single API objects over one kept-alive connection: GET, POST (create),
// PUT (replace) and PATCH (JSON merge patch). A thin layer over HttpClient that shares Client's
// request headers and error mapping: 404 kNotFound, 409 kConflict (AlreadyExists too), 410 kGone,
// other 4xx kInvalid, 5xx and undecodable answers kInternal, transport failures kIo; messages
// name the request and quote the Status ("PUT /api/v1/nodes/a/status: 409 Conflict: ...").
// A 401 makes the credentials read the token file again.
//
// Threads: one thread at a time, except Cancel().
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "kubeclient/api_client.h"
#include "kubeclient/http_client.h"

namespace waygate::kubeclient {

class RestClient {
 public:
  explicit RestClient(std::shared_ptr<Cluster> cluster);

  Result<nlohmann::json> Get(const std::string& path);
  // POST of `object` to its collection; 409 when it exists.
  Result<nlohmann::json> Create(const std::string& collection, const nlohmann::json& object);
  // PUT: a full replacement, guarded by the resourceVersion inside `object`.
  Result<nlohmann::json> Replace(const std::string& path, const nlohmann::json& object);
  // RFC 7386 merge patch (`application/merge-patch+json`): only the fields `patch` names change;
  // a null removes one.
  Result<nlohmann::json> Patch(const std::string& path, const nlohmann::json& patch);

  // Ends the request in flight and every later one (shutdown); any thread.
  void Cancel() { http_.Cancel(); }
  uint64_t connections_opened() const { return http_.connections_opened(); }

  std::chrono::milliseconds timeout{10000};  // per request: connect, send, whole answer

 private:
  Result<nlohmann::json> Send(HttpRequest request);

  std::shared_ptr<Cluster> cluster_;
  HttpClient http_;
};

}  // namespace waygate::kubeclient
