#include "kubeclient/chunked.h"

#include <algorithm>

namespace waygate::kubeclient {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ChunkedDecoder::Step ChunkedDecoder::Fail(Step step, const char* reason) {
  state_ = State::kError;
  reason_ = reason;
  step.error = true;
  step.reason = reason;
  return step;
}

ChunkedDecoder::Step ChunkedDecoder::Feed(std::string_view in, std::string& out) {
  Step step;
  if (state_ == State::kDone) {
    step.done = true;
    return step;
  }
  if (state_ == State::kError) return Fail(step, reason_);
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    switch (state_) {
      case State::kSize: {
        int v = HexValue(c);
        if (v >= 0) {
          if (size_ > (kMaxChunk >> 4)) return Fail(step, "chunk too large");
          size_ = (size_ << 4) | static_cast<uint64_t>(v);
          ++digits_;
          ++i;
          break;
        }
        if (digits_ == 0) return Fail(step, "chunk size expected");
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExt;
          line_ = static_cast<uint32_t>(digits_);
        } else {
          return Fail(step, "bad character in chunk size");
        }
        ++i;
        break;
      }
      case State::kExt:
        // Extensions carry nothing a watch client needs; only their length is bounded.
        if (++line_ > kMaxLine) return Fail(step, "chunk extension too long");
        if (c == '\r') state_ = State::kSizeLf;
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return Fail(step, "bare CR in chunk line");
        ++i;
        state_ = size_ == 0 ? State::kTrailerStart : State::kData;
        line_ = 0;
        break;
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(size_, in.size() - i));
        out.append(in.data() + i, take);
        i += take;
        size_ -= take;
        if (size_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return Fail(step, "chunk data longer than its size");
        ++i;
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return Fail(step, "bare CR after chunk data");
        ++i;
        state_ = State::kSize;
        digits_ = 0;
        break;
      case State::kTrailerStart:
        ++i;
        if (c == '\r') {
          state_ = State::kFinalLf;
        } else {
          state_ = State::kTrailerLine;
          ++line_;
        }
        break;
      case State::kTrailerLine:
        if (++line_ > kMaxLine) return Fail(step, "trailers too long");
        if (c == '\r') state_ = State::kTrailerLf;
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return Fail(step, "bare CR in trailer");
        ++i;
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (c != '\n') return Fail(step, "bare CR after trailers");
        ++i;
        state_ = State::kDone;
        step.consumed = i;
        step.done = true;
        return step;
      case State::kDone:
      case State::kError:
        break;  // unreachable: handled before the loop
    }
  }
  step.consumed = i;
  return step;
}

}  // namespace waygate::kubeclient
