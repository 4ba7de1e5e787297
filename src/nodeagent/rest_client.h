// The write verbs kubeclient::Client lacks (its HttpClient speaks GET only): one JSON request of
// any method over a kept-alive connection to the API server, built on kubeclient's Cluster
// (URL, TLS context, rotating bearer token) and Connection (deadlines, Cancel from any thread).
//
// Errors map as kubeclient's do: 404 kNotFound, 409 kConflict (AlreadyExists too), 410 kGone,
// other 4xx kInvalid, 5xx and undecodable answers kInternal, transport failures kIo; messages
// name the request and quote the Status ("PUT /api/v1/nodes/a/status: 409 Conflict: ...").
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "kubeclient/api_client.h"
#include "kubeclient/connection.h"

namespace waygate::nodeagent {

class RestClient {
 public:
  explicit RestClient(std::shared_ptr<kubeclient::Cluster> cluster);
  ~RestClient();

  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Create(const std::string& collection, const nlohmann::json& object);
  // PUT: a full replacement, guarded by the resourceVersion inside `object`.
  Result<nlohmann::json> Replace(const std::string& path, const nlohmann::json& object);

  // Ends the request in flight and every later one (shutdown); any thread.
  void Cancel() { cancel_.Cancel(); }
  uint64_t connections_opened() const { return opened_; }

  std::chrono::milliseconds timeout{10000};  // per request: connect, send, whole answer

 private:
  Result<nlohmann::json> Send(const char* method, const std::string& path, const std::string* body);
  // `retryable`: the failure came from a reused connection before any answer byte, so the
  // server most likely closed it while idle and never saw the request.
  Result<nlohmann::json> Attempt(const char* method, const std::string& path,
                                 const std::string* body, bool* retryable);

  std::shared_ptr<kubeclient::Cluster> cluster_;
  kubeclient::Canceler cancel_;
  std::unique_ptr<kubeclient::Connection> conn_;
  uint64_t opened_ = 0;
};

}  // namespace waygate::nodeagent
