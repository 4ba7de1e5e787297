#include "kubeclient/http_client.h"

#include <algorithm>

#include "http/h1.h"
#include "kubeclient/chunked.h"

namespace waygate::kubeclient {
namespace {

constexpr size_t kMaxErrorBody = 1 << 20;

Error Fail(const HttpRequest& request, const std::string& message) {
  return MakeError(ErrorCode::kIo, request.method + " " + request.target + ": " + message);
}

// Methods whose requests always carry a Content-Length (RFC 9110 8.6: a user agent sends it
// when the method defines a meaning for content).
bool SendsContentLength(const HttpRequest& request) {
  return !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
         request.method == "PATCH";
}

}  // namespace

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

HttpClient::HttpClient(ServerUrl server, ConnectOptions connect)
    : server_(std::move(server)), connect_(std::move(connect)) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request, const BodySink* sink) {
  bool retryable = false;
  auto response = Attempt(request, sink, &retryable);
  // A kept-alive connection the server closed just as the request went out fails before any
  // answer; that says nothing about the server, so one more try on a fresh connection, but only
  // for idempotent methods: the server may have applied the first one (RFC 9112 9.3.1; client-go
  // likewise repeats only GETs after a reset or EOF, and Go's transport replays a POST only if
  // none of it was written). Not repeating a POST or PATCH costs little: an idle close is seen
  // before the connection is used (Attempt), our writers read the object first, so a write goes
  // out on a connection that answered a moment before, and a caller that sees kIo retries after
  // its backoff, where a create that did land answers 409 AlreadyExists, which it handles.
  if (!response.ok() && retryable && IsIdempotent(request.method) && !canceled()) {
    response = Attempt(request, sink, &retryable);
  }
  return response;
}

Result<HttpResponse> HttpClient::Attempt(const HttpRequest& request, const BodySink* sink,
                                         bool* retryable) {
  *retryable = false;
  auto deadline = Clock::now() + request.timeout;
  // Anything readable on an idle HTTP/1.1 connection is the server closing it (or garbage):
  // drop it before the request is written, which is safe whatever the method.
  if (conn_ && conn_->ClosedWhileIdle()) conn_.reset();
  bool reused = conn_ != nullptr;
  if (!conn_) {
    ConnectOptions options = connect_;
    options.connect_timeout = std::min(options.connect_timeout, request.timeout);
    auto conn = Connection::Open(server_, options, &cancel_);
    if (!conn.ok()) return Fail(request, conn.error().message);
    conn_ = std::move(*conn);
    ++opened_;
  }

  std::string head = request.method + " " + server_.base_path + request.target +
                     " HTTP/1.1\r\nHost: " + server_.HostHeader() + "\r\n";
  for (const auto& [name, value] : request.headers) head += name + ": " + value + "\r\n";
  if (SendsContentLength(request)) {
    if (!request.content_type.empty()) head += "Content-Type: " + request.content_type + "\r\n";
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  head += "\r\n";
  head += request.body;
  if (Status w = conn_->WriteAll(head, deadline); !w.ok()) {
    conn_.reset();
    *retryable = reused;
    return Fail(request, w.error().message);
  }

  // The head: read until the parser has it all, skipping interim 1xx responses.
  std::string buf;
  auto parsed = std::make_unique<http::ResponseHead>();
  http::Limits limits;
  char tmp[16384];
  size_t head_len = 0;
  for (;;) {
    if (!buf.empty()) {
      auto pr = http::ParseResponseHead(buf, limits, request.method == "HEAD", parsed.get());
      if (pr.status == http::ParseStatus::kError) {
        conn_.reset();
        return Fail(request, std::string("invalid response: ") + pr.error_reason);
      }
      if (pr.status == http::ParseStatus::kDone) {
        if (parsed->status >= 100 && parsed->status < 200) {
          buf.erase(0, pr.consumed);
          continue;
        }
        head_len = pr.consumed;
        break;
      }
    }
    auto n = conn_->Read(tmp, sizeof tmp, deadline);
    if (!n.ok() || *n == 0) {
      conn_.reset();
      *retryable = reused && buf.empty();
      return Fail(request, n.ok() ? "connection closed before a response" : n.error().message);
    }
    buf.append(tmp, *n);
  }

  HttpResponse response;
  response.status = parsed->status;
  std::string_view content_type;
  if (parsed->Find("Content-Type", &content_type)) response.content_type = content_type;
  bool keep_alive = parsed->keep_alive;
  http::BodyKind kind = parsed->body;
  uint64_t content_length = parsed->content_length;
  buf.erase(0, head_len);

  const bool to_sink = sink != nullptr && response.status >= 200 && response.status < 300;
  const size_t cap =
      response.status >= 200 && response.status < 300 ? request.max_body : kMaxErrorBody;
  bool too_big = false;
  // Hands body bytes on; false: stop reading (the sink said so, or the body is over its cap).
  auto emit = [&](std::string_view data) {
    if (data.empty()) return true;
    if (to_sink) return (*sink)(data);
    if (response.body.size() + data.size() > cap) {
      too_big = true;
      return false;
    }
    response.body.append(data);
    return true;
  };
  auto read_deadline = [&] { return to_sink ? Clock::now() + request.idle_timeout : deadline; };
  auto read_more = [&]() -> Result<size_t> {
    auto n = conn_->Read(tmp, sizeof tmp, read_deadline());
    if (!n.ok()) return n.error();
    if (*n == 0) return MakeError(ErrorCode::kIo, "connection closed in the middle of the body");
    return n;
  };
  auto stopped = [&]() -> Result<HttpResponse> {
    conn_.reset();  // the rest of the body is unread: the connection cannot be reused
    if (too_big && response.status >= 200 && response.status < 300) {
      return Fail(request, "response body larger than " + std::to_string(cap) + " bytes");
    }
    return std::move(response);
  };

  switch (kind) {
    case http::BodyKind::kNone:
      if (!buf.empty()) keep_alive = false;  // bytes after a bodiless answer: not HTTP we know
      break;
    case http::BodyKind::kContentLength: {
      uint64_t left = content_length;
      std::string_view have(buf);
      for (;;) {
        size_t take = static_cast<size_t>(std::min<uint64_t>(left, have.size()));
        if (!emit(have.substr(0, take))) return stopped();
        left -= take;
        if (take < have.size()) keep_alive = false;  // bytes beyond the body: not HTTP we know
        if (left == 0) break;
        auto n = read_more();
        if (!n.ok()) {
          conn_.reset();
          return Fail(request, n.error().message);
        }
        have = std::string_view(tmp, *n);
      }
      break;
    }
    case http::BodyKind::kChunked: {
      ChunkedDecoder decoder;
      std::string data;
      std::string_view have(buf);
      for (;;) {
        data.clear();
        auto step = decoder.Feed(have, data);
        if (step.error) {
          conn_.reset();
          return Fail(request, std::string("invalid chunked body: ") + step.reason);
        }
        if (!emit(data)) return stopped();
        if (step.done) {
          if (step.consumed < have.size()) keep_alive = false;
          break;
        }
        auto n = read_more();
        if (!n.ok()) {
          conn_.reset();
          return Fail(request, n.error().message);
        }
        have = std::string_view(tmp, *n);
      }
      break;
    }
    case http::BodyKind::kUntilClose: {
      keep_alive = false;
      if (!emit(buf)) return stopped();
      for (;;) {
        auto n = conn_->Read(tmp, sizeof tmp, read_deadline());
        if (!n.ok()) {
          conn_.reset();
          return Fail(request, n.error().message);
        }
        if (*n == 0) break;
        if (!emit(std::string_view(tmp, *n))) return stopped();
      }
      break;
    }
  }
  if (!keep_alive) conn_.reset();
  return response;
}

}  // namespace waygate::kubeclient
