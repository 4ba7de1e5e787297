#include "nodeagent/rest_client.h"

#include <algorithm>

#include "http/h1.h"
#include "kubeclient/chunked.h"
#include "kubeclient/watch_decoder.h"

namespace waygate::nodeagent {
namespace {

using kubeclient::Clock;

// A Node is a few KiB; anything near this is not an answer we understand.
constexpr size_t kMaxBody = 4 << 20;

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

}  // namespace

RestClient::RestClient(std::shared_ptr<kubeclient::Cluster> cluster)
    : cluster_(std::move(cluster)) {}

RestClient::~RestClient() = default;

Result<nlohmann::json> RestClient::Get(const std::string& path) {
  return Send("GET", path, nullptr);
}

Result<nlohmann::json> RestClient::Create(const std::string& collection,
                                          const nlohmann::json& object) {
  std::string body = object.dump();
  return Send("POST", collection, &body);
}

Result<nlohmann::json> RestClient::Replace(const std::string& path, const nlohmann::json& object) {
  std::string body = object.dump();
  return Send("PUT", path, &body);
}

Result<nlohmann::json> RestClient::Send(const char* method, const std::string& path,
                                        const std::string* body) {
  bool retryable = false;
  auto result = Attempt(method, path, body, &retryable);
  // Safe for every verb used here: a repeated POST answers 409 AlreadyExists and a repeated PUT
  // 409 Conflict (its resourceVersion is spent), both of which the caller handles.
  if (!result.ok() && retryable && !cancel_.canceled()) {
    result = Attempt(method, path, body, &retryable);
  }
  return result;
}

Result<nlohmann::json> RestClient::Attempt(const char* method, const std::string& path,
                                           const std::string* body, bool* retryable) {
  *retryable = false;
  const std::string what = std::string(method) + " " + path;
  auto fail = [&](const std::string& message) {
    conn_.reset();
    return MakeError(ErrorCode::kIo, what + ": " + message);
  };
  const kubeclient::Config& config = cluster_->config();
  auto deadline = Clock::now() + timeout;
  bool reused = conn_ != nullptr;
  if (!conn_) {
    kubeclient::ConnectOptions options{cluster_->ssl_ctx(), config.tls_server_name};
    options.connect_timeout = std::min(options.connect_timeout, timeout);
    auto conn = kubeclient::Connection::Open(config.server, options, &cancel_);
    if (!conn.ok()) return fail(conn.error().message);
    conn_ = std::move(*conn);
    ++opened_;
  }

  std::string request = std::string(method) + " " + config.server.base_path + path +
                        " HTTP/1.1\r\nHost: " + config.server.HostHeader() +
                        "\r\nUser-Agent: " + kubeclient::UserAgent() +
                        "\r\nAccept: application/json\r\n";
  std::string token = cluster_->credentials().Token();
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (body != nullptr) {
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body->size()) +
               "\r\n\r\n" + *body;
  } else {
    request += "\r\n";
  }
  if (Status w = conn_->WriteAll(request, deadline); !w.ok()) {
    *retryable = reused;
    return fail(w.error().message);
  }

  std::string buf;
  auto head = std::make_unique<http::ResponseHead>();
  http::Limits limits;
  char tmp[16384];
  size_t head_len = 0;
  for (;;) {
    if (!buf.empty()) {
      auto parsed = http::ParseResponseHead(buf, limits, false, head.get());
      if (parsed.status == http::ParseStatus::kError) {
        return fail(std::string("invalid response: ") + parsed.error_reason);
      }
      if (parsed.status == http::ParseStatus::kDone) {
        if (head->status >= 200) {
          head_len = parsed.consumed;
          break;
        }
        buf.erase(0, parsed.consumed);  // 100 Continue and friends
        continue;
      }
    }
    auto n = conn_->Read(tmp, sizeof tmp, deadline);
    if (!n.ok() || *n == 0) {
      *retryable = reused && buf.empty();
      return fail(n.ok() ? "connection closed before a response" : n.error().message);
    }
    buf.append(tmp, *n);
  }
  const int status = head->status;
  bool keep_alive = head->keep_alive;
  buf.erase(0, head_len);

  std::string data;
  auto read_more = [&]() -> Result<size_t> {
    auto n = conn_->Read(tmp, sizeof tmp, deadline);
    if (!n.ok()) return n.error();
    if (*n == 0) return MakeError(ErrorCode::kIo, "connection closed in the middle of the body");
    return n;
  };
  switch (head->body) {
    case http::BodyKind::kNone:
      break;
    case http::BodyKind::kContentLength: {
      if (head->content_length > kMaxBody) return fail("response body too large");
      size_t want = static_cast<size_t>(head->content_length);
      if (buf.size() > want) keep_alive = false;  // bytes beyond the body: not HTTP we know
      data = buf.substr(0, want);
      while (data.size() < want) {
        auto n = read_more();
        if (!n.ok()) return fail(n.error().message);
        data.append(tmp, std::min(*n, want - data.size()));
      }
      break;
    }
    case http::BodyKind::kChunked: {
      kubeclient::ChunkedDecoder decoder;
      std::string_view have(buf);
      for (;;) {
        auto step = decoder.Feed(have, data);
        if (step.error) return fail(std::string("invalid chunked body: ") + step.reason);
        if (data.size() > kMaxBody) return fail("response body too large");
        if (step.done) break;
        auto n = read_more();
        if (!n.ok()) return fail(n.error().message);
        have = std::string_view(tmp, *n);
      }
      break;
    }
    case http::BodyKind::kUntilClose: {
      keep_alive = false;
      data = std::move(buf);
      for (;;) {
        auto n = conn_->Read(tmp, sizeof tmp, deadline);
        if (!n.ok()) return fail(n.error().message);
        if (*n == 0) break;
        data.append(tmp, *n);
        if (data.size() > kMaxBody) return fail("response body too large");
      }
      break;
    }
  }
  if (!keep_alive) conn_.reset();

  auto json = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (status < 200 || status >= 300) {
    if (status == 401) cluster_->credentials().Invalidate();
    kubeclient::ApiStatus api;
    if (!json.is_discarded()) api = kubeclient::ParseApiStatus(json);
    std::string message = what + ": " + std::to_string(status);
    if (!api.reason.empty()) message += " " + api.reason;
    if (!api.message.empty()) message += ": " + api.message;
    return MakeError(CodeForStatus(status), message);
  }
  if (!json.is_object()) return MakeError(ErrorCode::kInternal, what + ": response is not JSON");
  return json;
}

}  // namespace waygate::nodeagent
