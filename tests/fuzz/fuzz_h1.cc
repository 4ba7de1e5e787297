// libFuzzer target for the HTTP/1 codec. Input: one control byte, then the bytes under test.
// The control byte picks tight or default limits, HEAD or not, and a split point. Besides
// "no crash", it checks the contracts: results are stable on re-parse, no prefix of a parsed
// head is itself done, views stay inside the buffer, chunked scanning is split-independent, and
// NormalizePath output is bounded, rooted, free of dot segments and idempotent.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "http/h1.h"

namespace {

using namespace waygate::http;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view buf, std::string_view part) {
  return part.empty() ||
         (part.data() >= buf.data() && part.data() + part.size() <= buf.data() + buf.size());
}

void CheckNormalize(std::string_view path) {
  std::vector<char> out(path.size() + 1);
  const int n = NormalizePath(path, out.data());
  if (path.empty() || path[0] != '/') {
    Check(n == -1);
    return;
  }
  Check(n >= 1 && static_cast<size_t>(n) <= path.size());
  const std::string_view norm(out.data(), static_cast<size_t>(n));
  Check(norm[0] == '/');
  Check(norm.find("//") == std::string_view::npos);
  Check(norm.find("/./") == std::string_view::npos && norm.find("/../") == std::string_view::npos);
  std::vector<char> again(norm.size() + 1);
  const int m = NormalizePath(norm, again.data());
  Check(m == n && std::memcmp(again.data(), norm.data(), norm.size()) == 0);
}

template <class Head, class ParseFn>
void CheckHead(std::string_view in, size_t split, const Limits& limits, Head* head, ParseFn parse) {
  const ParseResult r = parse(in, head);
  if (r.status == ParseStatus::kDone) {
    Check(r.consumed > 0 && r.consumed <= in.size() && r.consumed <= limits.max_head_bytes);
    Check(head->header_count <= limits.max_headers && head->header_count <= kMaxHeaders);
    for (uint16_t i = 0; i < head->header_count; ++i) {
      Check(Inside(in, head->headers[i].name) && Inside(in, head->headers[i].value));
      Check(!head->headers[i].name.empty());
    }
    // A shorter buffer is never a complete head.
    const size_t k = split % r.consumed;
    Check(parse(in.substr(0, k), head).status == ParseStatus::kNeedMore);
    // Trailing bytes do not change the head.
    Check(parse(in.substr(0, r.consumed), head).consumed == r.consumed);
  } else if (r.status == ParseStatus::kError) {
    Check(r.error_status >= 400 && r.error_reason != nullptr && r.error_reason[0] != '\0');
    const ParseResult p = parse(in.substr(0, split % (in.size() + 1)), head);
    Check(p.status != ParseStatus::kDone);
    if (p.status == ParseStatus::kError) Check(p.error_status == r.error_status);
  }
  const ParseResult again = parse(in, head);
  Check(again.status == r.status && again.consumed == r.consumed &&
        again.error_status == r.error_status);
}

void CheckChunked(std::string_view in, size_t split) {
  ChunkedScanner whole(1 << 16);
  const ChunkedScanner::Step w = whole.Feed(in);
  Check(w.consumed <= in.size());
  ChunkedScanner parts(1 << 16);
  const size_t k = split % (in.size() + 1);
  ChunkedScanner::Step a = parts.Feed(in.substr(0, k));
  size_t consumed = a.consumed;
  bool done = a.done;
  bool error = a.error;
  if (!a.done && !a.error) {
    Check(a.consumed == k);
    const ChunkedScanner::Step b = parts.Feed(in.substr(k));
    consumed += b.consumed;
    done = b.done;
    error = b.error;
  }
  Check(consumed == w.consumed && done == w.done && error == w.error);
  Check(whole.payload_bytes() == parts.payload_bytes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Limits limits;
  if (control & 1) {
    limits.max_request_line = 48;
    limits.max_head_bytes = 160;
    limits.max_headers = 6;
  }
  const size_t split = static_cast<size_t>(control >> 2) * 7 + 1;
  static RequestHead request;
  static ResponseHead response;

  CheckHead(in, split, limits, &request,
            [&](std::string_view b, RequestHead* h) { return ParseRequestHead(b, limits, h); });
  if (ParseRequestHead(in, limits, &request).status == ParseStatus::kDone) {
    Check(Inside(in, request.method) && Inside(in, request.target) && Inside(in, request.query));
    Check(Inside(in, request.host));
    CheckNormalize(request.path);
  }
  CheckHead(in, split, limits, &response, [&](std::string_view b, ResponseHead* h) {
    return ParseResponseHead(b, limits, (control & 2) != 0, h);
  });
  CheckChunked(in, split);
  CheckNormalize(in.substr(0, in.find('?')));
  return 0;
}
