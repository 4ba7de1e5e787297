// Request heads (RFC 9112 2-3, 6): one forward scan of the request line and the field lines,
// then the checks that need the whole head. The rules are listed in README.md.
#include <algorithm>
#include <cstring>

#include "http/chars.h"
#include "http/fields.h"
#include "http/h1.h"

namespace waygate::http {

using internal::FieldKind;

namespace {

ParseResult Fail(uint16_t status, const char* reason) {
  return ParseResult{ParseStatus::kError, 0, status, reason};
}

// Only '%' HEXDIG HEXDIG may use '%' in a path: NormalizePath and the backends decode it.
bool ValidPercentEncoding(std::string_view s) {
  size_t i = 0;
  while (true) {
    const void* hit = std::memchr(s.data() + i, '%', s.size() - i);
    if (hit == nullptr) return true;
    i = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    if (i + 2 >= s.size() || chars::HexValue(s[i + 1]) < 0 || chars::HexValue(s[i + 2]) < 0) {
      return false;
    }
    i += 3;
  }
}

void SplitPathQuery(std::string_view s, RequestHead* out) {
  const size_t q = s.find('?');
  if (q == std::string_view::npos) {
    out->path = s;
    return;
  }
  out->path = s.substr(0, q);
  out->query = s.substr(q + 1);
  out->has_query = true;
}

struct Target {
  bool absolute = false;
  internal::HostPort authority;  // absolute-form and authority-form
  int default_port = 80;
};

// Classifies the request-target (RFC 9112 3.2) and fills path/query. Returns a 400 reason or
// nullptr.
const char* ParseTarget(std::string_view method, std::string_view target, RequestHead* out,
                        Target* t) {
  if (method == "CONNECT") {
    if (!internal::ParseHostPort(target, false, &t->authority) || t->authority.port < 0) {
      return "CONNECT needs an authority-form target";
    }
    out->host = target;
    return nullptr;
  }
  if (target[0] == '/') {
    SplitPathQuery(target, out);
  } else if (target == "*") {
    if (method != "OPTIONS") return "asterisk-form target is only for OPTIONS";
    out->path = target;
    return nullptr;
  } else {
    // absolute-form: only http and https are meaningful to a gateway.
    const size_t sep = target.find("://");
    if (sep == std::string_view::npos) return "request-target is not origin-form or absolute-form";
    const std::string_view scheme = target.substr(0, sep);
    if (chars::EqualsLower(scheme, "https")) {
      t->default_port = 443;
    } else if (!chars::EqualsLower(scheme, "http")) {
      return "unsupported scheme in absolute-form target";
    }
    std::string_view rest = target.substr(sep + 3);
    const size_t auth_end = std::min(rest.find('/'), rest.find('?'));
    const std::string_view authority = rest.substr(0, auth_end);
    // RFC 9110 4.2.4: userinfo in an http(s) URI is an error.
    if (authority.find('@') != std::string_view::npos) return "userinfo in request-target";
    if (!internal::ParseHostPort(authority, false, &t->authority)) {
      return "invalid authority in request-target";
    }
    t->absolute = true;
    out->host = authority;
    rest = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
    if (rest.empty() || rest[0] == '?') {
      static constexpr char kSlash[] = "/";
      SplitPathQuery(rest, out);
      out->path = std::string_view(kSlash, 1);
    } else {
      SplitPathQuery(rest, out);
    }
  }
  if (!ValidPercentEncoding(out->path)) return "invalid percent-encoding in path";
  return nullptr;
}

bool SameAuthority(const internal::HostPort& a, const internal::HostPort& b, int default_port) {
  const int pa = a.port < 0 ? default_port : a.port;
  const int pb = b.port < 0 ? default_port : b.port;
  return pa == pb && EqualsIgnoreCase(a.host, b.host);
}

}  // namespace

ParseResult ParseRequestHead(std::string_view buffer, const Limits& limits, RequestHead* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(buffer.data());
  const size_t n = buffer.size();
  const size_t head_max = limits.max_head_bytes;
  const size_t head_end = std::min(n, head_max);
  // The byte at offset >= head_end is needed: wait for it, or the head outgrew its limit.
  auto more = [&]() { return n > head_max ? Fail(431, "request head too large") : ParseResult{}; };

  size_t p = 0;
  if (head_end == 0) return more();
  // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line. We
  // ignore exactly one (a stray CRLF after a previous body); a second one is an error.
  if (b[0] == '\r') {
    if (head_end < 2) return more();
    if (b[1] != '\n') return Fail(400, "bare CR in head");
    p = 2;
  } else if (b[0] == '\n') {
    return Fail(400, "bare LF in head");
  }

  // Request line: bytes [line_start, line_max) may hold its content; the CR may sit at line_max.
  const size_t line_start = p;
  const size_t line_max = limits.max_request_line < head_max - std::min(head_max, line_start)
                              ? line_start + limits.max_request_line
                              : SIZE_MAX;  // the head limit binds first
  const size_t line_end = std::min(head_end, line_max);
  ParseResult stop_result;
  // A scan reached line_end: true (with stop_result) when parsing must stop here.
  auto stop = [&](size_t q) {
    if (q == line_max && q < n) {
      if (b[q] == '\r') return false;
      stop_result = Fail(414, "request line too long");
      return true;
    }
    stop_result = more();
    return true;
  };

  while (p < line_end && chars::IsTchar(b[p])) ++p;
  if (p == line_end && stop(p)) return stop_result;
  if (p == line_start) {
    if (b[p] == '\r') return Fail(400, "more than one empty line before request line");
    if (b[p] == '\n') return Fail(400, "bare LF in head");
    return Fail(400, b[p] == ' ' ? "empty method" : "invalid character in method");
  }
  if (b[p] != ' ') {
    return Fail(400, b[p] == '\r' || b[p] == '\n' ? "request line without target"
                                                  : "invalid character in method");
  }
  const std::string_view method(buffer.data() + line_start, p - line_start);

  const size_t target_start = ++p;
  while (p < line_end && chars::Is(b[p], chars::kTarget)) ++p;
  if (p == line_end && stop(p)) return stop_result;
  if (p == target_start) {
    return Fail(400, b[p] == ' ' ? "more than one SP in request line" : "empty request-target");
  }
  if (b[p] != ' ') {
    if (b[p] == '\r' || b[p] == '\n') return Fail(400, "request line without HTTP version");
    if (b[p] == '#') return Fail(400, "fragment in request-target");
    return Fail(400, "invalid character in request-target");
  }
  const std::string_view target(buffer.data() + target_start, p - target_start);

  // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3).
  const size_t version_start = ++p;
  static constexpr char kHttp[] = "HTTP/";
  for (int i = 0; i < 8; ++i, ++p) {
    if (p == line_end && stop(p)) return stop_result;
    const unsigned char c = b[p];
    const bool ok =
        i < 5 ? c == static_cast<unsigned char>(kHttp[i]) : (i == 6 ? c == '.' : chars::IsDigit(c));
    if (!ok) {
      return Fail(
          400, i == 0 && c == ' ' ? "more than one SP in request line" : "malformed HTTP version");
    }
  }
  if (p == line_end && stop(p)) return stop_result;
  if (b[p] != '\r') return Fail(400, b[p] == '\n' ? "bare LF in head" : "malformed HTTP version");
  if (p + 1 >= head_end) return more();
  if (b[p + 1] != '\n') return Fail(400, "bare CR in head");
  p += 2;

  // RFC 9110 2.5: a higher minor version of a major we implement is processed as the highest
  // minor we implement (HTTP/1.2 -> 1.1); other majors (0.9, 2.0, 3.0) are refused.
  if (b[version_start + 5] != '1') return Fail(505, "HTTP version not supported");
  out->version_minor = b[version_start + 7] == '0' ? 0 : 1;
  out->method = method;
  out->target = target;
  out->path = {};
  out->query = {};
  out->has_query = false;
  out->host = {};
  Target form;
  if (const char* why = ParseTarget(method, target, out, &form)) return Fail(400, why);

  FieldKind kinds[kMaxHeaders];
  const uint16_t max_headers = std::min(limits.max_headers, kMaxHeaders);
  const internal::FieldScan scan = internal::ScanFields(buffer, p, head_max, max_headers,
                                                        out->headers, kinds, &out->header_count);
  switch (scan.status) {
    case internal::ScanStatus::kNeedMore:
      return ParseResult{};
    case internal::ScanStatus::kSyntax:
      return Fail(400, scan.reason);
    case internal::ScanStatus::kTooMany:
    case internal::ScanStatus::kTooLarge:
      return Fail(431, scan.reason);
    case internal::ScanStatus::kDone:
      break;
  }

  // The whole head is here: the checks that need every field.
  const uint16_t count = out->header_count;
  std::fill(std::begin(out->hop_by_hop_mask), std::end(out->hop_by_hop_mask), 0);
  int host_index = -1;
  bool cl_seen = false;
  uint64_t cl = 0;
  bool te_seen = false;
  bool upgrade_header = false;
  out->expect_continue = false;
  for (uint16_t i = 0; i < count; ++i) {
    switch (kinds[i]) {
      case FieldKind::kOther:
        continue;
      case FieldKind::kHost:
        if (host_index >= 0) return Fail(400, "more than one Host header");
        host_index = i;
        break;
      case FieldKind::kContentLength:
        if (!internal::MergeContentLength(out->headers[i].value, &cl_seen, &cl)) {
          return Fail(400, "invalid or conflicting Content-Length");
        }
        break;
      case FieldKind::kTransferEncoding:
        te_seen = true;
        break;
      case FieldKind::kUpgrade:
        upgrade_header = true;
        break;
      case FieldKind::kExpect:
        // RFC 9110 10.1.1: ignore 100-continue in HTTP/1.0; other expectations are forwarded.
        if (out->version_minor == 1 && chars::EqualsLower(out->headers[i].value, "100-continue")) {
          out->expect_continue = true;
        }
        continue;  // end-to-end
      case FieldKind::kConnection:
      case FieldKind::kProxyConnection:
      case FieldKind::kKeepAlive:
      case FieldKind::kTe:
        break;
    }
    internal::SetBit(out->hop_by_hop_mask, i);
  }

  if (host_index >= 0) {
    internal::HostPort host;
    if (!internal::ParseHostPort(out->headers[host_index].value, true, &host)) {
      return Fail(400, "invalid Host header");
    }
    if (form.absolute && !SameAuthority(form.authority, host, form.default_port)) {
      return Fail(400, "absolute-form target disagrees with Host");
    }
    if (out->host.empty() && !form.absolute) out->host = out->headers[host_index].value;
  } else if (out->version_minor == 1) {
    return Fail(400, "missing Host header");
  }

  bool close = false;
  bool keep_alive_option = false;
  bool upgrade_option = false;
  if (!internal::ApplyConnection(out->headers, kinds, count, out->hop_by_hop_mask, &close,
                                 &keep_alive_option, &upgrade_option)) {
    return Fail(400, "invalid Connection header");
  }
  out->keep_alive = out->version_minor == 1 ? !close : keep_alive_option && !close;
  // RFC 9110 7.8: Upgrade in an HTTP/1.0 request is ignored.
  out->upgrade = out->version_minor == 1 && upgrade_option && upgrade_header;

  out->content_length = 0;
  out->body = BodyKind::kNone;
  if (te_seen) {
    // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; with Content-Length it
    // is a smuggling attempt. Precedence: every 400 below comes before the 501.
    if (out->version_minor == 0) return Fail(400, "Transfer-Encoding in HTTP/1.0 request");
    if (cl_seen) return Fail(400, "Transfer-Encoding with Content-Length");
    switch (internal::JudgeTransferEncoding(out->headers, kinds, count)) {
      case internal::TeVerdict::kChunked:
        out->body = BodyKind::kChunked;
        break;
      case internal::TeVerdict::kInvalid:
        return Fail(400, "invalid Transfer-Encoding");
      case internal::TeVerdict::kNotFinal:
        return Fail(400, "chunked is not the final transfer-coding");
      case internal::TeVerdict::kChunkedTwice:
        return Fail(400, "chunked applied more than once");
      case internal::TeVerdict::kUnknownCoding:
        return Fail(501, "unsupported transfer-coding");
    }
  } else if (cl_seen) {
    out->body = BodyKind::kContentLength;
    out->content_length = cl;
  }

  return ParseResult{ParseStatus::kDone, scan.end, 0, ""};
}

}  // namespace waygate::http
