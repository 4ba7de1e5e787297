// ChunkedDecoder: the payload and trailers of a chunked body that ChunkedScanner (h1.h) has
// already validated, for the places that re-frame a body instead of forwarding it as is (an
// HTTP/1.1 response becoming HTTP/2 DATA frames and trailers, an HTTP/1.1 request becoming an
// HTTP/2 stream). Lenient by design: it never re-checks what the scanner checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace waygate::http {

class ChunkedDecoder {
 public:
  enum class Kind : uint8_t {
    kNeedMore,  // `in` is used up
    kData,      // payload bytes
    kTrailer,   // one trailer field (views valid until the next call)
    kEnd        // the final CRLF: the body is complete
  };
  struct Event {
    Kind kind = Kind::kNeedMore;
    std::string_view data;  // kData
    std::string_view name;  // kTrailer
    std::string_view value;
  };

  // Consumes from the front of `in`. A kData event carries at most `max_data` bytes (callers
  // with flow control pass what they may send now). After kEnd, always kEnd.
  Event Next(std::string_view& in, size_t max_data = SIZE_MAX);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State : uint8_t { kSize, kData, kDataEnd, kTrailers, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  std::string partial_;  // the start of a chunk-size or trailer line
  std::string line_;     // the last complete line
};

}  // namespace waygate::http
