#include "http/chunked_decoder.h"

#include <algorithm>

namespace waygate::http {

ChunkedDecoder::Event ChunkedDecoder::Next(std::string_view& in, size_t max_data) {
  for (;;) {
    if (state_ == State::kDone) return {Kind::kEnd};
    if (state_ == State::kData) {
      if (in.empty() || max_data == 0) return {Kind::kNeedMore};
      size_t n = static_cast<size_t>(std::min<uint64_t>({remaining_, in.size(), max_data}));
      Event e{Kind::kData, in.substr(0, n)};
      in.remove_prefix(n);
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::kDataEnd;
      return e;
    }
    // Line-oriented states: a whole line first.
    size_t lf = in.find('\n');
    if (lf == std::string_view::npos) {
      partial_.append(in);
      in = {};
      return {Kind::kNeedMore};
    }
    // The complete line lives in line_ until the next call (trailer views point into it).
    line_.swap(partial_);
    partial_.clear();
    line_.append(in.substr(0, lf));
    in.remove_prefix(lf + 1);
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    switch (state_) {
      case State::kDataEnd:  // the CRLF after a chunk's data
        state_ = State::kSize;
        continue;
      case State::kSize: {
        uint64_t size = 0;
        for (char c : line_) {  // hex digits up to extensions or whitespace
          int v = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
          if (v < 0) break;
          size = size * 16 + static_cast<uint64_t>(v);
        }
        remaining_ = size;
        state_ = size == 0 ? State::kTrailers : State::kData;
        continue;
      }
      case State::kTrailers: {
        if (line_.empty()) {
          state_ = State::kDone;
          return {Kind::kEnd};
        }
        size_t colon = line_.find(':');
        if (colon == std::string::npos) continue;
        std::string_view line(line_);
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
          value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
          value.remove_suffix(1);
        }
        return {Kind::kTrailer, {}, line.substr(0, colon), value};
      }
      default:
        continue;
    }
  }
}

}  // namespace waygate::http
