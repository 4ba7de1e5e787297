// Decoding of a chunked response body (RFC 9112 section 7.1) with no I/O: bytes go in as they
// arrive, split anywhere; chunk data comes out. The http module's ChunkedScanner validates for
// forwarding and keeps no data; a client needs the data itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace waygate::kubeclient {

class ChunkedDecoder {
 public:
  struct Step {
    size_t consumed = 0;  // bytes of the input that belong to the body
    bool done = false;    // last chunk, trailers and final CRLF seen
    bool error = false;
    const char* reason = "";
  };
  static constexpr uint64_t kMaxChunk = uint64_t{1} << 40;
  static constexpr uint32_t kMaxLine = 8192;  // a chunk-size line with extensions, or a trailer

  // Appends decoded data to `out`. After done or error, consumes nothing and repeats the verdict.
  Step Feed(std::string_view in, std::string& out);

 private:
  enum class State : uint8_t {
    kSize,
    kExt,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailerLine,
    kTrailerLf,
    kFinalLf,
    kDone,
    kError
  };
  Step Fail(Step step, const char* reason);
  State state_ = State::kSize;
  uint64_t size_ = 0;
  int digits_ = 0;
  uint32_t line_ = 0;
  const char* reason_ = "";
};

}  // namespace waygate::kubeclient
