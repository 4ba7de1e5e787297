// Chunked body validator (RFC 9112 7.1). A byte-at-a-time state machine, except chunk data,
// which is skipped in bulk:
//
//   kSize --hex--> kSize --CR--> kSizeLf --LF--> kData (size > 0) --n bytes--> kDataCr
//     |  \--SP/HT--> kSizeWs --;--\                          kDataCr --CR--> kDataLf --LF--> kSize
//     \--;--> kExtNameStart <-----/   (ext: name [BWS = BWS token|"quoted"], ';' repeats, CR ends)
//   kSizeLf --LF--> kTrailerStart (size 0) --CR--> kFinalLf --LF--> kDone
//                   kTrailerStart --tchar--> kTrailerName --:--> kTrailer --CR--> kTrailerLf
//                   --LF--/
//
// Whitespace is allowed only where the grammar has BWS: before ';' and around '='; never
// before the size, after the size without an extension, or before CRLF.
#include <algorithm>

#include "http/chars.h"
#include "http/h1.h"

namespace waygate::http {

ChunkedScanner::Step ChunkedScanner::Feed(std::string_view data) {
  if (state_ == State::kDone) return Step{0, true, false, ""};
  if (state_ == State::kError) return Step{0, false, true, error_reason_};
  const size_t n = data.size();
  size_t i = 0;
  auto fail = [&](const char* why) {
    state_ = State::kError;
    error_reason_ = why;
    return Step{i, false, true, why};
  };
  while (i < n) {
    if (state_ == State::kData) {
      const uint64_t take = std::min<uint64_t>(remaining_, n - i);
      i += take;
      remaining_ -= take;
      payload_ += take;
      if (remaining_ == 0) state_ = State::kDataCr;
      continue;
    }
    const auto c = static_cast<unsigned char>(data[i]);
    if (state_ <= State::kSizeLf) {
      if (++line_len_ > kMaxChunkLine) return fail("chunk size line too long");
    } else if (state_ >= State::kTrailerStart) {
      if (++line_len_ > kMaxTrailers) return fail("chunked trailers too large");
    }
    switch (state_) {
      case State::kSize: {
        const int v = chars::HexValue(c);
        if (v >= 0) {
          if (++size_digits_ > 16) return fail("chunk size has more than 16 digits");
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
          if (remaining_ > max_chunk_) return fail("chunk too large");
        } else if (size_digits_ == 0) {
          return fail("missing chunk size");
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExtNameStart;
        } else if (chars::IsWs(c)) {
          state_ = State::kSizeWs;
        } else {
          return fail("invalid character in chunk size");
        }
        break;
      }
      case State::kSizeWs:
      case State::kExtValWs:
        if (c == ';') {
          state_ = State::kExtNameStart;
        } else if (!chars::IsWs(c)) {
          return fail("whitespace not followed by chunk extension");
        }
        break;
      case State::kExtNameStart:
        if (chars::IsTchar(c)) {
          state_ = State::kExtName;
        } else if (!chars::IsWs(c)) {
          return fail("invalid chunk extension name");
        }
        break;
      case State::kExtName:
      case State::kExtValToken:
        if (chars::IsTchar(c)) break;
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExtNameStart;
        } else if (chars::IsWs(c)) {
          state_ = state_ == State::kExtName ? State::kExtNameWs : State::kExtValWs;
        } else if (c == '=' && state_ == State::kExtName) {
          state_ = State::kExtValStart;
        } else {
          return fail("invalid character in chunk extension");
        }
        break;
      case State::kExtNameWs:
        if (c == '=') {
          state_ = State::kExtValStart;
        } else if (c == ';') {
          state_ = State::kExtNameStart;
        } else if (!chars::IsWs(c)) {
          return fail("invalid character in chunk extension");
        }
        break;
      case State::kExtValStart:
        if (c == '"') {
          state_ = State::kExtValQuoted;
        } else if (chars::IsTchar(c)) {
          state_ = State::kExtValToken;
        } else if (!chars::IsWs(c)) {
          return fail("invalid chunk extension value");
        }
        break;
      case State::kExtValQuoted:
        if (c == '"') {
          state_ = State::kExtValEnd;
        } else if (c == '\\') {
          state_ = State::kExtValEscape;
        } else if (!chars::Is(c, chars::kQdtext)) {
          return fail("control character in chunk extension");
        }
        break;
      case State::kExtValEscape:
        if (!chars::Is(c, chars::kFieldValue)) return fail("control character in chunk extension");
        state_ = State::kExtValQuoted;
        break;
      case State::kExtValEnd:
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExtNameStart;
        } else if (chars::IsWs(c)) {
          state_ = State::kExtValWs;
        } else {
          return fail("invalid character after chunk extension");
        }
        break;
      case State::kSizeLf:
        if (c != '\n') return fail("bare CR in chunk size line");
        line_len_ = 0;
        size_digits_ = 0;
        state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kDataCr:
        if (c != '\r') return fail("missing CRLF after chunk data");
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return fail("bare CR after chunk data");
        line_len_ = 0;
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kFinalLf;
        } else if (chars::IsTchar(c)) {
          state_ = State::kTrailerName;
        } else if (chars::IsWs(c)) {
          return fail("obs-fold in trailer");
        } else {
          return fail(c == '\n' ? "bare LF in trailer" : "invalid trailer field name");
        }
        break;
      case State::kTrailerName:
        if (c == ':') {
          state_ = State::kTrailer;
        } else if (!chars::IsTchar(c)) {
          return fail(chars::IsWs(c) ? "whitespace between trailer name and colon"
                                     : "invalid trailer field name");
        }
        break;
      case State::kTrailer:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (!chars::Is(c, chars::kFieldValue)) {
          return fail(c == '\n' ? "bare LF in trailer" : "control character in trailer");
        }
        break;
      case State::kTrailerLf:
        if (c != '\n') return fail("bare CR in trailer");
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (c != '\n') return fail("bare CR at end of chunked body");
        state_ = State::kDone;
        return Step{i + 1, true, false, ""};
      case State::kData:
      case State::kDone:
      case State::kError:
        break;  // handled before the switch
    }
    ++i;
  }
  return Step{n, false, false, ""};
}

}  // namespace waygate::http
