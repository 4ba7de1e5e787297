// Field-line scanning and the field values with framing or routing meaning, shared by the
// request and response parsers. Internal to src/http.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/h1.h"

namespace waygate::http::internal {

// Header names the parsers act on; everything else is kOther.
enum class FieldKind : uint8_t {
  kOther,
  kHost,
  kContentLength,
  kTransferEncoding,
  kConnection,
  kProxyConnection,
  kKeepAlive,
  kTe,
  kUpgrade,
  kExpect
};

FieldKind ClassifyName(std::string_view name);

enum class ScanStatus : uint8_t { kNeedMore, kDone, kSyntax, kTooMany, kTooLarge };

struct FieldScan {
  ScanStatus status = ScanStatus::kNeedMore;
  size_t end = 0;  // kDone: offset just past the empty line's LF
  const char* reason = "";
};

// Scans field lines from `pos` through the empty line that ends the head. `limit` is the head
// size limit: needing a byte at offset >= limit while the buffer holds more is kTooLarge.
// Fills headers[0..*count) and kinds[0..*count).
FieldScan ScanFields(std::string_view buffer, size_t pos, size_t limit, uint16_t max_headers,
                     Header* headers, FieldKind* kinds, uint16_t* count);

// Content-Length (RFC 9110 8.6): 1*DIGIT, or a list of identical values ("5, 5"). Combined with
// `*value` from earlier Content-Length lines (`*seen`). False on anything else.
bool MergeContentLength(std::string_view field, bool* seen, uint64_t* value);

// Iterates the elements of a comma-separated list (RFC 9110 5.6.1), skipping empty elements.
// An element is a token, optionally followed by parameters (";" name "=" token/quoted-string).
class ListReader {
 public:
  explicit ListReader(std::string_view field) : s_(field) {}
  // False at the end or on a syntax error (then error() is true).
  bool Next(std::string_view* token, bool* has_params);
  bool error() const { return error_; }

 private:
  bool SkipParams();
  std::string_view s_;
  size_t i_ = 0;
  bool error_ = false;
};

struct HostPort {
  std::string_view host;  // reg-name / IPv4 / "[IPv6]"
  int port = -1;          // -1 when absent or empty
};

// uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2). IPvFuture and zone ids are rejected;
// the port is digits only and at most 65535; an empty host is valid only with allow_empty.
bool ParseHostPort(std::string_view s, bool allow_empty, HostPort* out);

// The connection options of every Connection line: sets *close / *keep_alive / *upgrade and
// marks each header named by another option in `mask`. False on a syntax error or more than
// kMaxConnectionOptions options (a cap on the names x headers comparison work).
inline constexpr int kMaxConnectionOptions = 64;
bool ApplyConnection(const Header* headers, const FieldKind* kinds, uint16_t count, uint64_t* mask,
                     bool* close, bool* keep_alive, bool* upgrade);

// Transfer-Encoding lines, in order, judged as one list (RFC 9112 6.1, 6.3, 7):
enum class TeVerdict : uint8_t {
  kChunked,        // exactly one "chunked", last, nothing else
  kInvalid,        // syntax error, empty list, chunked with parameters
  kNotFinal,       // chunked is not the final coding (request: 400)
  kChunkedTwice,   // chunked applied more than once (400)
  kUnknownCoding,  // chunked is final and once, but another coding precedes it (request: 501)
};
TeVerdict JudgeTransferEncoding(const Header* headers, const FieldKind* kinds, uint16_t count);

inline void SetBit(uint64_t* mask, uint16_t i) { mask[i / 64] |= uint64_t{1} << (i % 64); }

}  // namespace waygate::http::internal
