// HTTP/1.1 message heads and bodies: strict, incremental parsing with no I/O (RFC 9112).
//
// Contract (haproxy-style): every parse call returns one of
//   kNeedMore           – the input so far is a valid prefix; call again with more bytes
//   kDone (consumed=n)  – a complete head of n bytes was parsed into `out`
//   kError (status)     – the input can never become valid; answer `status` and close.
// Parsing is stateless for heads: callers keep the bytes in one contiguous buffer and call
// again from the start with the longer buffer (heads are small and limits are enforced, so
// re-scanning is bounded). All string_views in the outputs point into the caller's buffer
// (one exception: an absolute-form target with an empty path reports path "/", a static string).
//
// `out` is meaningful only after kDone (it may be partly written otherwise).
//
// Byte-level errors (bad characters, bare CR/LF, obs-fold, limits) are reported as soon as the
// offending byte arrives; errors that need a whole line (target form, version) once that line is
// complete; errors that need every header (Host, framing, Connection) once the head is complete.
// The exact rules, each pinned by tests/http, are listed in src/http/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace waygate::http {

struct Limits {
  size_t max_request_line = 8192;     // request-line bytes before CRLF; longer -> 414
  size_t max_head_bytes = 32 * 1024;  // whole head incl. CRLFs; request: longer -> 431;
                                      // response: -> 502
  uint16_t max_headers = 100;         // more -> 431 (response: 502); capped at kMaxHeaders
};

inline constexpr uint16_t kMaxHeaders = 128;  // hard cap on Limits::max_headers

struct Header {
  std::string_view name;   // as received (case preserved); compare case-insensitively
  std::string_view value;  // leading/trailing OWS removed
};

enum class BodyKind : uint8_t {
  kNone,           // no body (no Content-Length/Transfer-Encoding, or 204/304/HEAD/1xx)
  kContentLength,  // exactly `content_length` bytes (may be 0: "Content-Length: 0" was sent)
  kChunked,        // chunked transfer-coding; use ChunkedScanner to find the end
  kUntilClose,     // responses only: body ends when the upstream closes
};

enum class ParseStatus : uint8_t { kNeedMore, kDone, kError };

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;            // kDone: bytes of the head, including the final CRLF CRLF
  uint16_t error_status = 0;      // kError: 400, 414, 431, 501, 505 (requests); 502 (responses)
  const char* error_reason = "";  // kError: static text for logs, e.g. "bare LF in header"
};

struct RequestHead {
  std::string_view method;  // token, case-sensitive ("GET")
  std::string_view target;  // request-target as received
  std::string_view path;    // origin-form path (absolute-form: its path part; "*" for OPTIONS *)
  std::string_view query;   // after '?', without it; empty when none
  bool has_query = false;
  uint8_t version_minor = 1;  // 0 or 1. HTTP/1.2..1.9 count as 1.1 (RFC 9110 2.5); other
                              // majors -> 505; a malformed version -> 400
  // Host header value (validated uri-host[:port]; may be empty, RFC 9112 3.2). For absolute-form
  // and authority-form targets: the target's authority (it must agree with Host when present).
  std::string_view host;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;        // from version + Connection tokens
  bool upgrade = false;          // HTTP/1.1, Connection: upgrade and an Upgrade header present
  bool expect_continue = false;  // HTTP/1.1 and Expect: 100-continue
  uint16_t header_count = 0;
  Header headers[kMaxHeaders];
  // Bit i set: header i is hop-by-hop (RFC 9110 7.6.1: Connection, Proxy-Connection,
  // Keep-Alive, TE, Transfer-Encoding, Upgrade, or named in Connection) and must not be
  // forwarded. Framing (Content-Length, Transfer-Encoding) and Host are flagged here too because
  // the proxy writes its own; their meaning (body, host) never depends on Connection naming them.
  // Trailer is end-to-end (RFC 9110 6.6.2) and stays unflagged; so do X-Forwarded-*.
  uint64_t hop_by_hop_mask[(kMaxHeaders + 63) / 64] = {};

  bool IsHopByHop(uint16_t i) const { return (hop_by_hop_mask[i / 64] >> (i % 64)) & 1; }
  // First header with this name (case-insensitive), or empty view + false.
  bool Find(std::string_view name, std::string_view* value) const;
};

struct ResponseHead {
  uint8_t version_minor = 1;
  uint16_t status = 0;      // 100..599
  std::string_view reason;  // may be empty
  BodyKind body = BodyKind::kNone;
  // Content-Length header value when present, even where `body` is kNone (HEAD, 304), so the
  // proxy can forward it.
  uint64_t content_length = 0;
  bool keep_alive = true;  // upstream allows reuse: false for HTTP/1.0 without keep-alive,
                           // Connection: close, or a body that ends at close
  uint16_t header_count = 0;
  Header headers[kMaxHeaders];
  // Same rules as RequestHead::hop_by_hop_mask (Host is not special in responses).
  uint64_t hop_by_hop_mask[(kMaxHeaders + 63) / 64] = {};
  bool IsHopByHop(uint16_t i) const { return (hop_by_hop_mask[i / 64] >> (i % 64)) & 1; }
  bool Find(std::string_view name, std::string_view* value) const;
};

// Parses a request head. Strict RFC 9112: see src/http/README.md and tests/http for every
// class of malformed input and its status.
ParseResult ParseRequestHead(std::string_view buffer, const Limits& limits, RequestHead* out);

// Parses a response head. `request_method_head` decides whether a body follows (RFC 9112 6.3;
// CONNECT tunnels are not parsed here). 1xx responses (101 included) are returned with body
// kNone; the caller forwards or skips an interim 1xx and parses again. Every violation is 502.
ParseResult ParseResponseHead(std::string_view buffer, const Limits& limits,
                              bool request_method_head, ResponseHead* out);

// Incremental validator for a chunked body (RFC 9112 7.1): feed raw bytes as they arrive; it
// reports how many bytes belong to the body and whether the body (last chunk + trailers +
// final CRLF) is complete. The proxy forwards the raw bytes unchanged once validated.
class ChunkedScanner {
 public:
  struct Step {
    size_t consumed = 0;  // bytes of `data` that are part of the body
    bool done = false;    // body complete after `consumed` bytes
    bool error = false;   // invalid framing: 400 (request) / 502 (response), close
    const char* error_reason = "";
  };
  static constexpr uint32_t kMaxChunkLine = 4096;  // chunk-size + chunk-ext bytes per line
  static constexpr uint32_t kMaxTrailers = 8192;   // all trailer field lines together

  explicit ChunkedScanner(uint64_t max_chunk_size = (uint64_t{1} << 40))
      : max_chunk_(max_chunk_size) {}
  // After `done` or `error` further calls consume nothing and repeat the verdict.
  Step Feed(std::string_view data);
  uint64_t payload_bytes() const { return payload_; }  // decoded data bytes so far
  void Reset() { *this = ChunkedScanner(max_chunk_); }

 private:
  // chunk-size [BWS ";" BWS name [BWS "=" BWS (token | quoted-string)]]* CRLF data CRLF ...
  // "0" ... CRLF, then field lines (trailers) and the final CRLF. See chunked.cc.
  enum class State : uint8_t {
    kSize,
    kSizeWs,
    kExtNameStart,
    kExtName,
    kExtNameWs,
    kExtValStart,
    kExtValToken,
    kExtValQuoted,
    kExtValEscape,
    kExtValEnd,
    kExtValWs,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailerName,
    kTrailer,
    kTrailerLf,
    kFinalLf,
    kDone,
    kError
  };
  State state_ = State::kSize;
  uint64_t max_chunk_;
  uint64_t remaining_ = 0;  // bytes left in the current chunk
  uint64_t payload_ = 0;
  int size_digits_ = 0;
  uint32_t line_len_ = 0;  // bytes of the current chunk line, or of all trailers
  const char* error_reason_ = "";
};

// Case-insensitive ASCII comparison for header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Normalises a request path for matching and forwarding: resolves "." and ".." segments
// (RFC 3986 5.2.4, never above "/"; "%2e"/"%2E" count as "." so encoded traversal is
// resolved too) and collapses repeated slashes. Other percent-encoding is kept as received.
// Writes into `out` (capacity >= path.size()+1) and returns its size, or -1 when the path is
// not origin-form (does not start with '/').
int NormalizePath(std::string_view path, char* out);

}  // namespace waygate::http
