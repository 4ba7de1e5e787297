// Response heads (RFC 9112 4, 6.3). Any violation is 502: the upstream is broken, and nothing
// of its response may reach the client.
#include <algorithm>

#include "http/chars.h"
#include "http/fields.h"
#include "http/h1.h"

namespace waygate::http {

using internal::FieldKind;

namespace {

ParseResult Fail(const char* reason) { return ParseResult{ParseStatus::kError, 0, 502, reason}; }

}  // namespace

ParseResult ParseResponseHead(std::string_view buffer, const Limits& limits,
                              bool request_method_head, ResponseHead* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(buffer.data());
  const size_t n = buffer.size();
  const size_t head_max = limits.max_head_bytes;
  const size_t end = std::min(n, head_max);
  auto more = [&]() { return n > head_max ? Fail("response head too large") : ParseResult{}; };

  // status-line = HTTP-version SP 3DIGIT SP [reason-phrase] CRLF. A missing SP before an empty
  // reason is accepted: common in the wild and unambiguous.
  static constexpr char kHttp[] = "HTTP/";
  size_t p = 0;
  for (; p < 13; ++p) {
    if (p == end) return more();
    const unsigned char c = b[p];
    bool ok = false;
    if (p < 5) {
      ok = c == static_cast<unsigned char>(kHttp[p]);
    } else if (p == 6) {
      ok = c == '.';
    } else if (p == 8) {
      ok = c == ' ';
    } else if (p == 12) {
      break;  // SP, or CR of an empty reason, checked below
    } else {
      ok = chars::IsDigit(c);
    }
    if (!ok) return Fail(p < 8 ? "malformed HTTP version" : "malformed status code");
  }
  if (p == end) return more();
  size_t reason_start = 12;
  if (b[12] == ' ') {
    reason_start = 13;
    p = 13;
    while (p < end && chars::Is(b[p], chars::kFieldValue)) ++p;
    if (p == end) return more();
  }
  if (b[p] != '\r') return Fail(b[p] == '\n' ? "bare LF in head" : "malformed status line");
  if (p + 1 >= end) return more();
  if (b[p + 1] != '\n') return Fail("bare CR in head");
  const std::string_view reason(buffer.data() + reason_start, p - reason_start);
  p += 2;

  if (b[5] != '1') return Fail("unsupported HTTP version");
  const uint16_t status =
      static_cast<uint16_t>((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
  if (status < 100 || status > 599) return Fail("status code out of range");

  FieldKind kinds[kMaxHeaders];
  const uint16_t max_headers = std::min(limits.max_headers, kMaxHeaders);
  const internal::FieldScan scan = internal::ScanFields(buffer, p, head_max, max_headers,
                                                        out->headers, kinds, &out->header_count);
  if (scan.status == internal::ScanStatus::kNeedMore) return ParseResult{};
  if (scan.status != internal::ScanStatus::kDone) return Fail(scan.reason);

  out->version_minor = b[7] == '0' ? 0 : 1;
  out->status = status;
  out->reason = reason;
  const uint16_t count = out->header_count;
  std::fill(std::begin(out->hop_by_hop_mask), std::end(out->hop_by_hop_mask), 0);
  bool cl_seen = false;
  uint64_t cl = 0;
  bool te_seen = false;
  for (uint16_t i = 0; i < count; ++i) {
    switch (kinds[i]) {
      case FieldKind::kOther:
      case FieldKind::kHost:
      case FieldKind::kExpect:
        continue;
      case FieldKind::kContentLength:
        if (!internal::MergeContentLength(out->headers[i].value, &cl_seen, &cl)) {
          return Fail("invalid or conflicting Content-Length");
        }
        break;
      case FieldKind::kTransferEncoding:
        te_seen = true;
        break;
      case FieldKind::kConnection:
      case FieldKind::kProxyConnection:
      case FieldKind::kKeepAlive:
      case FieldKind::kTe:
      case FieldKind::kUpgrade:
        break;
    }
    internal::SetBit(out->hop_by_hop_mask, i);
  }

  bool close = false;
  bool keep_alive_option = false;
  bool upgrade_option = false;
  if (!internal::ApplyConnection(out->headers, kinds, count, out->hop_by_hop_mask, &close,
                                 &keep_alive_option, &upgrade_option)) {
    return Fail("invalid Connection header");
  }
  // Framing is validated even when no body follows (HEAD, 1xx, 204, 304).
  if (te_seen) {
    // RFC 9112 6.1/6.3: TE with CL, or TE in HTTP/1.0, is faulty framing. A final coding other
    // than chunked would mean "read until close" of an encoding the client never asked for;
    // a gateway cannot forward that honestly, so only plain "chunked" is accepted.
    if (out->version_minor == 0) return Fail("Transfer-Encoding in HTTP/1.0 response");
    if (cl_seen) return Fail("Transfer-Encoding with Content-Length");
    if (internal::JudgeTransferEncoding(out->headers, kinds, count) !=
        internal::TeVerdict::kChunked) {
      return Fail("unsupported Transfer-Encoding");
    }
  }
  out->content_length = cl_seen ? cl : 0;
  if (request_method_head || status < 200 || status == 204 || status == 304) {
    out->body = BodyKind::kNone;
  } else if (te_seen) {
    out->body = BodyKind::kChunked;
  } else if (cl_seen) {
    out->body = BodyKind::kContentLength;
  } else {
    out->body = BodyKind::kUntilClose;
  }
  out->keep_alive = (out->version_minor == 1 ? !close : keep_alive_option && !close) &&
                    out->body != BodyKind::kUntilClose;
  return ParseResult{ParseStatus::kDone, scan.end, 0, ""};
}

}  // namespace waygate::http
