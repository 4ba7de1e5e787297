// libFuzzer target for the HTTP/2 server codec: arbitrary bytes after the client preface go
// through nghttp2's callbacks into ServerConnection, whose handler answers every request
// (head, body, sometimes trailers or a reset) and consumes every body byte.
// Input: one control byte (bit 0: tight limits; bits 1-7: chunk size), then the frames.
// Besides "no crash", it checks the handler contract: every OnRequest head is valid (RFC 9113
// section 8 as src/h2/README.md lists it), events arrive only for delivered, open streams,
// every delivered stream is closed exactly once, and a failed Receive leaves no stream open.
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "h2/h2.h"
#include "h2/head.h"

namespace {

using namespace waygate::h2;

// A violated contract aborts with the line that says which.
void CheckAt(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_h2.cc:%d: contract violated\n", line);
  std::abort();
}
#define Check(x) CheckAt((x), __LINE__)

bool IsFieldValueOk(std::string_view v) {
  for (char c : v) {
    if (c == '\0' || c == '\r' || c == '\n') return false;
  }
  return v.empty() ||
         (v.front() != ' ' && v.front() != '\t' && v.back() != ' ' && v.back() != '\t');
}

bool IsFieldNameOk(std::string_view n) {
  if (n.empty() || n[0] == ':') return false;
  for (char c : n) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return n != "connection" && n != "keep-alive" && n != "proxy-connection" &&
         n != "transfer-encoding" && n != "upgrade" && n != "host" && n != "content-length";
}

// RFC 9113 8.2.2: `te` may only say "trailers" (a token: any case).
bool IsTrailers(std::string_view v) {
  static constexpr std::string_view kWant = "trailers";
  if (v.size() != kWant.size()) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = (v[i] >= 'A' && v[i] <= 'Z') ? static_cast<char>(v[i] + 32) : v[i];
    if (c != kWant[i]) return false;
  }
  return true;
}

class Answerer : public ServerHandler {
 public:
  enum class State { kOpen, kEnded, kClosed };
  ServerConnection* conn = nullptr;
  std::map<int32_t, State> streams;

  void OnRequest(int32_t id, const RequestHead& h, bool end_stream) override {
    Check(id > 0 && id % 2 == 1 && streams.count(id) == 0);
    Check(IsToken(h.method));
    if (h.method == "CONNECT") {
      Check(h.scheme.empty() && h.path.empty() && IsAuthority(h.authority));
    } else {
      Check(IsScheme(h.scheme));
      Check(!h.path.empty() && (h.path[0] == '/' || (h.path == "*" && h.method == "OPTIONS")));
      Check(h.authority.empty() || IsAuthority(h.authority));
    }
    for (const Header& f : h.headers) {
      Check(IsFieldNameOk(f.name) && IsFieldValueOk(f.value));
      if (f.name == "te") Check(IsTrailers(f.value));
    }
    if (h.content_length && end_stream) Check(*h.content_length == 0);
    streams[id] = end_stream ? State::kEnded : State::kOpen;
    const std::pair<std::string_view, std::string_view> fields[] = {{"content-type", "text/plain"},
                                                                    {"Connection", "close"}};
    Check(conn->SubmitResponse(id, 200, fields, false).ok());
    const uint8_t body[] = "hello";
    Check(conn->SubmitData(id, {body, 5}, false).ok());
    switch (id % 7) {
      case 0:
        conn->ResetStream(id, kCancel);
        break;
      case 1: {
        const std::pair<std::string_view, std::string_view> t[] = {{"grpc-status", "0"}};
        Check(conn->SubmitTrailers(id, t).ok());
        break;
      }
      default:
        Check(conn->SubmitData(id, {body, 5}, true).ok());
    }
  }

  void OnRequestData(int32_t id, std::span<const uint8_t> data, bool end_stream) override {
    auto it = streams.find(id);
    Check(it != streams.end() && it->second == State::kOpen);
    if (end_stream) it->second = State::kEnded;
    conn->ConsumeRequestBody(id, data.size());
  }

  void OnRequestTrailers(int32_t id, std::span<const Header> trailers) override {
    auto it = streams.find(id);
    Check(it != streams.end() && it->second == State::kOpen);
    for (const Header& f : trailers) Check(!f.name.empty() && f.name[0] != ':');
  }

  void OnStreamClosed(int32_t id, uint32_t) override {
    auto it = streams.find(id);
    Check(it != streams.end() && it->second != State::kClosed);
    it->second = State::kClosed;
  }

  bool AllClosed() const {
    for (const auto& [id, s] : streams) {
      if (s != State::kClosed) return false;
    }
    return true;
  }
};

void DrainOutput(ServerConnection& c) {
  for (int i = 0; i < 1000; ++i) {
    auto out = c.PendingOutput();
    if (out.empty()) return;
    c.OutputWritten(out.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  Limits limits;
  if (control & 1) {
    limits.max_concurrent_streams = 4;
    limits.max_header_list_size = 256;
    limits.initial_window = 100;
    limits.connection_window = 65535;
    limits.reset_burst = 5;
    limits.control_burst = 10;
    limits.max_continuations = 2;
  }
  const size_t chunk = static_cast<size_t>(control >> 1) * 3 + 1;
  Answerer handler;
  auto created = ServerConnection::Create(&handler, limits);
  Check(created.ok());
  ServerConnection& conn = **created;
  handler.conn = &conn;
  DrainOutput(conn);

  int64_t now = 1;
  bool failed = !conn.Receive({reinterpret_cast<const uint8_t*>(NGHTTP2_CLIENT_MAGIC),
                               NGHTTP2_CLIENT_MAGIC_LEN},
                              now)
                     .ok();
  Check(!failed);
  for (size_t off = 1; off < size && !failed; off += chunk) {
    const size_t n = std::min(chunk, size - off);
    failed = !conn.Receive({data + off, n}, ++now).ok();
    DrainOutput(conn);
  }
  if (failed) {
    Check(handler.AllClosed());
    Check(conn.WantsClose());
    Check(!conn.Receive({data, 1}, ++now).ok());  // nothing after the verdict
  } else {
    conn.Shutdown(kNoError);
    DrainOutput(conn);
    conn.Shutdown(kInternalError);
    Check(handler.AllClosed());
  }
  return 0;
}
