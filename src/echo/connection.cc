#include "echo/connection.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "echo/params.h"
#include "echo/websocket.h"
#include "http/h1.h"
#include "net/address.h"

namespace waygate::echo {

bool Context::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping(); });
}

void Context::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_.store(true);
  }
  cv_.notify_all();
}

namespace {

constexpr size_t kPiece = 64 * 1024;  // body_bytes are streamed in pieces of this size

const char* Reason(uint16_t status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "Status";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (http::EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// What the reply needs from a request head, copied out of the input buffer (the head's views
// die when the body is read into that buffer).
struct Request {
  std::string method;
  std::string target;  // path + "?" + query, as received
  std::string query;
  std::string host;
  uint8_t version_minor = 1;
  bool keep_alive = true;
  bool expect_continue = false;
  bool websocket = false;
  std::string websocket_key;
  http::BodyKind body = http::BodyKind::kNone;
  uint64_t content_length = 0;
  nlohmann::json headers = nlohmann::json::object();
};

Request Describe(const http::RequestHead& h) {
  Request r;
  r.method = std::string(h.method);
  r.target = std::string(h.path);
  if (h.has_query) r.target.append("?").append(h.query);
  r.query = std::string(h.query);
  r.host = std::string(h.host);
  r.version_minor = h.version_minor;
  r.keep_alive = h.keep_alive;
  r.expect_continue = h.expect_continue;
  r.body = h.body;
  r.content_length = h.content_length;
  for (uint16_t i = 0; i < h.header_count; ++i) {
    std::string name = Lower(h.headers[i].name);
    auto it = r.headers.find(name);
    if (it == r.headers.end()) {
      r.headers[name] = std::string(h.headers[i].value);
    } else {
      it->get_ref<std::string&>().append(", ").append(h.headers[i].value);
    }
  }
  std::string_view upgrade;
  if (h.upgrade && h.Find("upgrade", &upgrade) && HasToken(upgrade, "websocket")) {
    r.websocket = true;
    std::string_view key;
    if (h.Find("sec-websocket-key", &key)) r.websocket_key = std::string(key);
  }
  return r;
}

class Connection {
 public:
  Connection(int fd, uint64_t id, Context& ctx) : fd_(fd), id_(id), ctx_(ctx) {
    auto peer = net::PeerAddress(fd);
    remote_ = peer.ok() ? peer->ToString() : "unknown";
  }

  void Run() {
    while (!ctx_.stopping() && ServeOne()) {
    }
  }

 private:
  // Serves one request; false when the connection must end.
  bool ServeOne() {
    http::ParseResult parsed;
    for (;;) {
      *head_ = http::RequestHead{};
      parsed = http::ParseRequestHead(in_, limits_, head_.get());
      if (parsed.status == http::ParseStatus::kDone) break;
      if (parsed.status == http::ParseStatus::kError) {
        SendError(parsed.error_status, parsed.error_reason);
        return false;
      }
      if (!Fill()) return false;  // peer gone (possibly mid-head: nothing to answer)
    }
    ++request_index_;
    Request req = Describe(*head_);
    in_.erase(0, parsed.consumed);

    if (req.websocket) {
      Tunnel(req);
      return false;
    }
    if (req.expect_continue && req.version_minor == 1 && req.body != http::BodyKind::kNone) {
      if (!Send("HTTP/1.1 100 Continue\r\n\r\n")) return false;
    }
    std::optional<uint64_t> body_length = ReadBody(req);
    if (!body_length) return false;  // ReadBody answered (or the peer is gone)

    Result<Params> params = ParseParams(req.query);
    if (!params.ok()) {
      std::string body = nlohmann::json{{"error", params.error().ToString()}}.dump() + "\n";
      return Reply(req, 400, {}, body, "application/json", false) && req.keep_alive;
    }
    const Params& p = *params;
    if (p.delay_ms > 0 && !ctx_.SleepFor(std::chrono::milliseconds(p.delay_ms))) return false;

    bool keep_alive = req.keep_alive && !p.close;
    bool chunked = p.chunked && req.version_minor == 1;
    bool ok;
    if (p.body_bytes_set) {
      ok = ReplyBytes(req, p, keep_alive, chunked);
    } else {
      nlohmann::json doc = {
          {"name", ctx_.name()},
          {"method", req.method},
          {"path", req.target},
          {"host", req.host},
          {"protocol", req.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1"},
          {"headers", std::move(req.headers)},
          {"body_length", *body_length},
          {"remote_addr", remote_},
          {"request_index", request_index_},
          {"connection_id", id_},
      };
      // Header values may hold obs-text bytes; replace rather than throw on invalid UTF-8.
      std::string body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      body.push_back('\n');
      ok = Reply(req, p.status, p.headers, body, "application/json", keep_alive, chunked);
    }
    return ok && keep_alive;
  }

  // Reads and counts the request body without keeping it. nullopt: the connection is over.
  std::optional<uint64_t> ReadBody(const Request& req) {
    if (req.body == http::BodyKind::kContentLength) {
      uint64_t remaining = req.content_length;
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, in_.size()));
      in_.erase(0, take);
      remaining -= take;
      while (remaining > 0) {
        // Never read past the body: the next pipelined request may follow it.
        size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, sizeof(scratch_)));
        ssize_t n = Recv(scratch_, want);
        if (n <= 0) return std::nullopt;
        remaining -= static_cast<uint64_t>(n);
      }
      return req.content_length;
    }
    if (req.body == http::BodyKind::kChunked) {
      http::ChunkedScanner scanner;
      for (;;) {
        if (!in_.empty()) {
          http::ChunkedScanner::Step step = scanner.Feed(in_);
          if (step.error) {
            SendError(400, step.error_reason);
            return std::nullopt;
          }
          in_.erase(0, step.consumed);
          if (step.done) return scanner.payload_bytes();
        }
        if (!Fill()) return std::nullopt;
      }
    }
    return 0;
  }

  std::string Head(const Request& req, uint16_t status,
                   const std::vector<std::pair<std::string, std::string>>& extra,
                   std::string_view content_type, uint64_t length, bool keep_alive, bool chunked) {
    std::string h;
    h.reserve(256);
    h.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(Reason(status));
    h.append("\r\nX-Echo-Name: ").append(ctx_.name());
    for (const auto& [name, value] : extra)
      h.append("\r\n").append(name).append(": ").append(value);
    // 204 and 304 carry no body and (204) no framing headers at all.
    if (status != 204 && status != 304) {
      h.append("\r\nContent-Type: ").append(content_type);
      if (chunked) {
        h.append("\r\nTransfer-Encoding: chunked");
      } else {
        h.append("\r\nContent-Length: ").append(std::to_string(length));
      }
    }
    if (!keep_alive) {
      h.append("\r\nConnection: close");
    } else if (req.version_minor == 0) {
      h.append("\r\nConnection: keep-alive");
    }
    h.append("\r\n\r\n");
    return h;
  }

  static bool HasBody(const Request& req, uint16_t status) {
    return req.method != "HEAD" && status != 204 && status != 304;
  }

  bool Reply(const Request& req, uint16_t status,
             const std::vector<std::pair<std::string, std::string>>& extra, std::string_view body,
             std::string_view content_type, bool keep_alive, bool chunked = false) {
    std::string out = Head(req, status, extra, content_type, body.size(), keep_alive, chunked);
    if (HasBody(req, status)) {
      if (chunked) {
        // Two chunks, so clients (and the proxy) are exercised on more than one.
        size_t half = body.size() / 2;
        AppendChunk(&out, body.substr(0, half));
        AppendChunk(&out, body.substr(half));
        out.append("0\r\n\r\n");
      } else {
        out.append(body);
      }
    }
    return Send(out);
  }

  bool ReplyBytes(const Request& req, const Params& p, bool keep_alive, bool chunked) {
    static const std::string kXs(kPiece, 'x');
    std::string out = Head(req, p.status, p.headers, "application/octet-stream", p.body_bytes,
                           keep_alive, chunked);
    if (!HasBody(req, p.status)) return Send(out);
    uint64_t left = p.body_bytes;
    do {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, kPiece));
      if (chunked) {
        AppendChunk(&out, std::string_view(kXs).substr(0, n));
      } else {
        out.append(kXs, 0, n);
      }
      left -= n;
      if (left == 0 && chunked) out.append("0\r\n\r\n");
      if (!Send(out)) return false;
      out.clear();
    } while (left > 0);
    return true;
  }

  static void AppendChunk(std::string* out, std::string_view data) {
    if (data.empty()) return;  // an empty chunk would end the body
    char size[20];
    int n = snprintf(size, sizeof(size), "%zx\r\n", data.size());
    out->append(size, static_cast<size_t>(n)).append(data).append("\r\n");
  }

  // 101, then every byte received is sent back until either side closes.
  void Tunnel(const Request& req) {
    std::string out =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    if (!req.websocket_key.empty()) {
      out.append("Sec-WebSocket-Accept: ").append(WebSocketAccept(req.websocket_key));
      out.append("\r\n");
    }
    out.append("X-Echo-Name: ").append(ctx_.name()).append("\r\n\r\n");
    out.append(in_);  // bytes the client sent right behind the upgrade request
    in_.clear();
    if (!Send(out)) return;
    for (;;) {
      ssize_t n = Recv(scratch_, sizeof(scratch_));
      if (n <= 0) return;
      if (!Send(std::string_view(scratch_, static_cast<size_t>(n)))) return;
    }
  }

  void SendError(uint16_t status, const char* reason) {
    if (status == 0) status = 400;
    std::string body = std::string(Reason(status)) + ": " + reason + "\n";
    std::string out =
        "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
        "\r\nX-Echo-Name: " + ctx_.name() +
        "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    Send(out);
  }

  ssize_t Recv(char* buf, size_t len) {
    for (;;) {
      ssize_t n = recv(fd_, buf, len, 0);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  bool Fill() {
    ssize_t n = Recv(scratch_, sizeof(scratch_));
    if (n <= 0) return false;
    in_.append(scratch_, static_cast<size_t>(n));
    return true;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  const int fd_;
  const uint64_t id_;
  Context& ctx_;
  std::string remote_;
  uint64_t request_index_ = 0;
  http::Limits limits_;
  std::string in_;  // received, not yet consumed
  // ~4.7 KB: on the heap so the per-connection thread stack stays small.
  std::unique_ptr<http::RequestHead> head_ = std::make_unique<http::RequestHead>();
  char scratch_[64 * 1024];
};

// Lingering close: stop sending, then drain what the client still sends for a moment, so a
// close after an error or "Connection: close" does not turn into a RST that destroys the
// response before the client has read it.
void LingeringClose(int fd) {
  shutdown(fd, SHUT_WR);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[4096];
  size_t drained = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
    if (drained > (1 << 20)) break;
  }
}

}  // namespace

void ServeConnection(int fd, uint64_t connection_id, Context& ctx) {
  {
    auto conn = std::make_unique<Connection>(fd, connection_id, ctx);
    conn->Run();
  }
  LingeringClose(fd);
}

}  // namespace waygate::echo
